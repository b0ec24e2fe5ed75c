//! The code action "keep the logical ID": a CloudFormation resource renamed in the
//! buffer (compared with the file on disk, the last saved version) gets a new derived
//! logical ID, and CloudFormation replaces a resource whose logical ID changes. The
//! action writes `id = "OldLogicalId"` (REFERENCE §9) into the renamed resource, so
//! the running stack's resource stays.
//!
//! A resource is taken as renamed when, in the same declaration, the resource at the
//! same place among its resources has the same type and another name, and the old
//! name is no longer used there.

use lsp_types::{CodeActionOrCommand, CodeActionParams, Position, Range, TextEdit};

use super::At;
use crate::lsp::convert;
use crate::lsp::state::State;
use crate::syntax::ast::{BodyItem, Item, Resource, SourceFile};
use crate::syntax::span::FileId;

/// The resources of each declaration: (declaration name, its resources).
fn resources(file: &SourceFile) -> Vec<(String, Vec<&Resource>)> {
    file.items
        .iter()
        .filter_map(|i| match i {
            Item::Decl(d) => Some((
                d.name.as_plain().unwrap_or_default(),
                d.body
                    .iter()
                    .filter_map(|b| match b {
                        BodyItem::Resource(r) => Some(r),
                        _ => None,
                    })
                    .collect(),
            )),
            _ => None,
        })
        .collect()
}

pub fn actions(state: &State, at: &At, p: &CodeActionParams) -> Vec<CodeActionOrCommand> {
    let mut out = Vec::new();
    let Some(path) = at.a.path_of(at.file) else {
        return out;
    };
    let Some(saved) = state
        .workspaces
        .values()
        .find_map(|w| w.files.get(path))
        .and_then(|b| std::str::from_utf8(b).ok())
    else {
        return out;
    };
    let Some(now) = at.a.program.as_ref().and_then(|p| p.file(at.file)) else {
        return out;
    };
    let before = crate::syntax::parse(saved, FileId(0));
    let old = resources(&before.file);
    for (decl, rs) in resources(&now.ast) {
        let Some((_, was)) = old.iter().find(|(n, _)| *n == decl) else {
            continue;
        };
        for (k, r) in rs.iter().enumerate() {
            let Some(w) = was.get(k) else { continue };
            let renamed = w.name.name != r.name.name
                && w.ty.name == r.ty.name
                && !rs.iter().any(|x| x.name.name == w.name.name);
            let has_id = |x: &Resource| x.body.iter().any(|a| a.name.name == "id");
            if !renamed || has_id(r) || has_id(w) || !r.ty.name.contains("::") {
                continue;
            }
            let old_id = crate::ir::names::logical_id(&w.name.name);
            if old_id == crate::ir::names::logical_id(&r.name.name) {
                continue;
            }
            let range = convert::range(&at.a.map, r.span, at.enc);
            if range.end < p.range.start || p.range.end < range.start {
                continue;
            }
            let Some(edit) = insertion(at, r, &old_id) else {
                continue;
            };
            out.push(super::code_action::action(
                format!(
                    "keep the logical ID `{old_id}` (`{}` was `{}`)",
                    r.name.name, w.name.name
                ),
                &p.text_document.uri,
                vec![edit],
                None,
                at,
                true,
            ));
        }
    }
    out
}

/// `id = "OLD"` as the resource's first attribute, on its own line, indented like
/// the attribute after it.
fn insertion(at: &At, r: &Resource, old_id: &str) -> Option<TextEdit> {
    let first = r.body.first()?;
    let start = convert::range(&at.a.map, first.span, at.enc).start;
    let text = at.text();
    let s = first.span.start as usize;
    let line = text.get(..s)?.rfind('\n').map_or(0, |i| i + 1);
    let indent = text
        .get(line..s)
        .filter(|p| p.chars().all(char::is_whitespace))
        .unwrap_or("  ");
    Some(TextEdit::new(
        Range::new(
            Position::new(start.line, start.character),
            Position::new(start.line, start.character),
        ),
        format!("id = \"{old_id}\"\n{indent}"),
    ))
}
