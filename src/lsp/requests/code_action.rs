//! Code actions from the last check's diagnostics: each "did you mean `X`?" as a
//! quick fix replacing the misspelt name, and in a spec "add the missing required
//! inputs" (every `E0310` of one instance at once, each with a placeholder of its
//! type); in a template, "keep the logical ID" for a renamed resource (`keep_id`).

use std::collections::HashMap;

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, Position, TextEdit,
    WorkspaceEdit,
};

use super::At;
use super::completion::{enum_members, fields};
use crate::diagnostics::{Diagnostic, codes};
use crate::lsp::convert;
use crate::lsp::spec_at;
use crate::lsp::state::State;

/// The name a help line suggests: `did you mean `desired_count`?`.
fn suggestion(help: &str) -> Option<&str> {
    let rest = help.split("did you mean `").nth(1)?;
    let name = rest.split('`').next()?;
    (!name.is_empty()).then_some(name)
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

pub fn code_actions(state: &State, p: CodeActionParams) -> Option<Vec<CodeActionOrCommand>> {
    let at = At::find(state, &p.text_document, p.range.start)?;
    let path = at.a.path_of(at.file)?;
    let none = Vec::new();
    let diags = at.a.diagnostics.get(path).unwrap_or(&none);
    let uri = p.text_document.uri.clone();
    let overlaps = |d: &Diagnostic| {
        d.primary_span().is_some_and(|s| {
            let r = convert::range(&at.a.map, s, at.enc);
            r.start <= p.range.end && p.range.start <= r.end
        })
    };
    let mut out = Vec::new();
    for d in diags.iter().filter(|d| overlaps(d)) {
        let (Some(span), Some(name)) = (d.primary_span(), d.help.as_deref().and_then(suggestion))
        else {
            continue;
        };
        let written = at.a.map.slice(span);
        if !is_name(written) || written == name {
            continue;
        }
        let edit = TextEdit::new(convert::range(&at.a.map, span, at.enc), name.to_string());
        out.push(action(
            format!("replace `{written}` with `{name}`"),
            &uri,
            vec![edit],
            Some(d),
            &at,
            true,
        ));
    }
    if at.is_spec()
        && let Some(a) = missing_inputs(&at, diags, &p, &uri)
    {
        out.push(a);
    }
    if at.kind == crate::lsp::files::Kind::Template {
        out.extend(super::keep_id::actions(state, &at, &p));
    }
    Some(out)
}

pub(super) fn action(
    title: String,
    uri: &lsp_types::Uri,
    edits: Vec<TextEdit>,
    d: Option<&Diagnostic>,
    at: &At,
    preferred: bool,
) -> CodeActionOrCommand {
    let page = |_: &str| None;
    let uri_of = |id| at.a.path_of(id).and_then(convert::path_to_uri);
    CodeActionOrCommand::CodeAction(CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: d.map(|d| vec![convert::diagnostic(d, &at.a.map, at.enc, &uri_of, &page)]),
        edit: Some(WorkspaceEdit {
            changes: Some(HashMap::from([(uri.clone(), edits)])),
            ..WorkspaceEdit::default()
        }),
        is_preferred: Some(preferred),
        ..CodeAction::default()
    })
}

/// One action adding every required input an instance (or environment) at the
/// range lacks, above its first key, indented as it is.
fn missing_inputs(
    at: &At,
    diags: &[Diagnostic],
    p: &CodeActionParams,
    uri: &lsp_types::Uri,
) -> Option<CodeActionOrCommand> {
    let program = at.a.program.as_ref()?;
    let spec = spec_at::read(&at.a.map, at.file)?;
    let missing: Vec<&Diagnostic> = diags
        .iter()
        .filter(|d| d.code == codes::MISSING_SPEC_INPUT)
        .filter(|d| {
            d.primary_span().is_some_and(|s| {
                let r = convert::range(&at.a.map, s, at.enc);
                r.start <= p.range.end && p.range.start <= r.end
            })
        })
        .collect();
    let span = missing.first()?.primary_span()?;
    let mapping = at.a.map.slice(span);
    if mapping.starts_with('{') || !mapping.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
        return None;
    }
    let decl = spec_at::template_of(program, &spec, span.start)?;
    let file = at.a.map.get(at.file)?;
    let (_, col) = file.line_col(span.start as usize);
    let indent = " ".repeat(col - 1);
    let mut text = String::new();
    let mut names = Vec::new();
    for d in missing.iter().filter(|d| d.primary_span() == Some(span)) {
        let Some(name) = d.message.split('`').nth(1) else {
            continue;
        };
        let placeholder = fields(program, decl, false)
            .into_iter()
            .find(|f| f.name.name == name)
            .map(|f| {
                let ty = at.a.map.slice(f.ty.span);
                match enum_members(&f.ty).first() {
                    Some(m) => m.clone(),
                    None if ty.starts_with("Int") || ty.starts_with("Number") => "0".into(),
                    None if ty.starts_with("Bool") => "false".into(),
                    None if ty.starts_with("Secret") => "{ secretsmanager: \"\" }".into(),
                    None => "\"\"".into(),
                }
            })
            .unwrap_or_else(|| "\"\"".into());
        text.push_str(&format!("{name}: {placeholder}\n{indent}"));
        names.push(format!("`{name}`"));
    }
    if names.is_empty() {
        return None;
    }
    let pos: Position = convert::range(&at.a.map, span, at.enc).start;
    let edit = TextEdit::new(lsp_types::Range::new(pos, pos), text);
    Some(action(
        format!("add the missing required inputs ({})", names.join(", ")),
        uri,
        vec![edit],
        missing.first().copied(),
        at,
        false,
    ))
}
