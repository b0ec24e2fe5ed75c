//! `textDocument/inlayHint`: in a spec file, the defaults that apply to the inputs
//! an instance (or an environment's `spec:`) leaves out, `port = 80`, read from the
//! template's input blocks; in a `.fw` file, after a CloudFormation resource's name,
//! the logical ID it gets (`ir::names::logical_id`, what the backend writes), unless
//! its `id = "…"` says it.

use lsp_types::{InlayHint, InlayHintLabel, InlayHintParams, InlayHintTooltip, Position, Range};

use super::At;
use crate::lsp::convert;
use crate::lsp::files::Kind;
use crate::lsp::spec_at;
use crate::lsp::state::State;
use crate::resolve::DeclId;
use crate::spec::SpecNode;
use crate::syntax::ast::{BodyItem, DeclKind, Item};
use crate::syntax::span::Span;

pub fn hints(state: &State, p: InlayHintParams) -> Option<Vec<InlayHint>> {
    let at = At::find(state, &p.text_document, p.range.start)?;
    let mut out = match at.kind {
        Kind::Template => logical_ids(&at),
        Kind::Environment | Kind::Service => defaults(&at)?,
        _ => return None,
    };
    out.retain(|h| in_range(h.position, p.range));
    Some(out)
}

fn in_range(p: Position, r: Range) -> bool {
    (r.start.line, r.start.character) <= (p.line, p.character)
        && (p.line, p.character) <= (r.end.line, r.end.character)
}

fn hint(at: &At, end: Span, label: String, tooltip: &str) -> InlayHint {
    InlayHint {
        position: convert::range(&at.a.map, end, at.enc).end,
        label: InlayHintLabel::String(label),
        kind: None,
        text_edits: None,
        tooltip: Some(InlayHintTooltip::String(tooltip.to_string())),
        padding_left: Some(true),
        padding_right: None,
        data: None,
    }
}

/// After each CloudFormation resource's name in an environment or service, its
/// logical ID (a module's resources take their use's name first, so they get none).
fn logical_ids(at: &At) -> Vec<InlayHint> {
    let mut out = Vec::new();
    let Some(file) = at.a.program.as_ref().and_then(|p| p.file(at.file)) else {
        return out;
    };
    for item in &file.ast.items {
        let Item::Decl(d) = item else { continue };
        if d.kind == DeclKind::Module {
            continue;
        }
        for b in &d.body {
            let BodyItem::Resource(r) = b else { continue };
            let named = r.body.iter().any(|a| a.name.name == "id");
            if named || !r.ty.name.contains("::") {
                continue;
            }
            let id = crate::ir::names::logical_id(&r.name.name);
            out.push(hint(at, r.name.span, id, "CloudFormation logical ID"));
        }
    }
    out
}

/// For each instance of a service spec (or an environment spec's `spec:`), the
/// template's defaults for the inputs it does not give, at its name (or template).
fn defaults(at: &At) -> Option<Vec<InlayHint>> {
    let program = at.a.program.as_ref()?;
    let spec = spec_at::read(&at.a.map, at.file)?;
    let kind = if at.kind == Kind::Environment {
        DeclKind::Environment
    } else {
        DeclKind::Service
    };
    let mut places: Vec<(Span, &SpecNode, DeclId)> = Vec::new();
    let template = spec
        .template
        .as_ref()
        .and_then(|t| spec_at::template_decl(program, kind, t));
    if kind == DeclKind::Environment {
        let t = spec.template.as_ref()?;
        let empty = SpecNode::empty_map(t.span);
        let given = spec.environment_inputs.clone().unwrap_or(empty);
        let decl = template?;
        return Some(
            left_to_default(at, program, decl, &given)
                .into_iter()
                .map(|l| hint(at, t.span, l, "the template's default"))
                .collect(),
        );
    }
    for i in &spec.instances {
        let decl = match &i.template {
            Some(pin) => spec_at::template_decl(program, kind, pin),
            None => template,
        };
        if let Some(decl) = decl {
            places.push((i.name_span, &i.inputs, decl));
        }
    }
    let mut out = Vec::new();
    for (span, given, decl) in places {
        for l in left_to_default(at, program, decl, given) {
            out.push(hint(at, span, l, "the template's default"));
        }
    }
    Some(out)
}

/// `name = default` for each input of `decl` with a default that `given` leaves out,
/// the default as the template writes it.
fn left_to_default(
    at: &At,
    program: &crate::resolve::Program,
    decl: DeclId,
    given: &SpecNode,
) -> Vec<String> {
    let Some(d) = program.decl(decl) else {
        return Vec::new();
    };
    let keys: Vec<&str> = given
        .entries()
        .map(|e| e.iter().map(|e| e.key.as_str()).collect())
        .unwrap_or_default();
    let text =
        at.a.map
            .get(decl.file)
            .map(|f| f.text.as_str())
            .unwrap_or("");
    let mut out = Vec::new();
    for b in &d.body {
        let BodyItem::Input(block) = b else { continue };
        if block.pipeline {
            continue;
        }
        for f in &block.fields {
            let Some(default) = &f.default else { continue };
            if keys.contains(&f.name.name.as_str()) {
                continue;
            }
            let s = default.span;
            let Some(value) = text.get(s.start as usize..s.end as usize) else {
                continue;
            };
            out.push(format!("{} = {value}", f.name.name));
        }
    }
    out
}
