//! Hover: a name's declaration as written (so its type, constraint and default),
//! with its doc comment; a resource type's or property's schema from the catalogs;
//! a function's signature. In a spec file, a key shows the input it gives.

use lsp_types::{Hover, HoverContents, HoverParams, MarkupContent, MarkupKind};

use super::At;
use super::definition::{Resolved, resolve};
use crate::lsp::index::{Def, DefKind, Target};
use crate::syntax::span::Span;
use crate::types::resources;

pub fn hover(state: &crate::lsp::state::State, p: HoverParams) -> Option<Hover> {
    let q = p.text_document_position_params;
    let at = At::find(state, &q.text_document, q.position)?;
    let (text, span) = match resolve(&at)? {
        Resolved::Def(d) => (describe_def(&at, &d), None),
        Resolved::Spec(id) => (
            format!(
                "environment `{}` (`{}`)",
                crate::workspace::spec_name(&at.a.map, id),
                at.a.path_of(id)?.display()
            ),
            None,
        ),
        Resolved::Other(t, span) => (describe_other(&t)?, Some(span)),
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: text,
        }),
        range: span.map(|s| crate::lsp::convert::range(&at.a.map, s, at.enc)),
    })
}

/// The first lines of a declaration as written.
fn excerpt(at: &At, span: Span, lines: usize) -> String {
    let text = at.a.map.slice(span);
    let mut out: Vec<&str> = text.lines().take(lines).collect();
    if text.lines().count() > lines {
        out.push("…");
    }
    out.join("\n")
}

fn describe_def(at: &At, d: &Def) -> String {
    let code = match d.kind {
        DefKind::Input | DefKind::PipelineInput => excerpt(at, d.item, 8),
        DefKind::Decl(_) => excerpt(at, d.item, 3),
        _ => excerpt(at, d.item, 6),
    };
    let mut s = format!("{}\n```formwork\n{code}\n```", heading(d));
    if let Some(doc) = &d.doc {
        s.push_str(&format!("\n\n{doc}"));
    }
    s
}

fn heading(d: &Def) -> String {
    let kind = d.kind.word();
    match d.kind {
        DefKind::Decl(_) => format!("{kind} template `{}`", d.name),
        _ => format!("{kind} `{}`", d.name),
    }
}

fn describe_other(t: &Target) -> Option<String> {
    match t {
        Target::ResourceType(name) => {
            let schema = resources::lookup(name)?;
            let required: Vec<&str> = schema.required_properties().collect();
            Some(format!(
                "resource type `{name}`: {} properties{}",
                schema.properties.len(),
                if required.is_empty() {
                    String::new()
                } else {
                    format!(", required: {}", required.join(", "))
                }
            ))
        }
        Target::Property(ty, prop) => {
            let schema = resources::lookup(ty)?;
            let p = schema.property(prop)?;
            let mut flags = Vec::new();
            if p.required {
                flags.push("required");
            }
            if p.read_only {
                flags.push("read-only");
            }
            if p.create_only {
                flags.push("changing it replaces the resource");
            }
            if p.write_only {
                flags.push("write-only");
            }
            if p.sensitive {
                flags.push("sensitive");
            }
            let flags = if flags.is_empty() {
                String::new()
            } else {
                format!(" ({})", flags.join(", "))
            };
            Some(format!("property `{prop}` of `{ty}`: `{}`{flags}", p.ty))
        }
        Target::Function(name) => {
            let f = crate::types::functions::lookup(name)?;
            Some(format!("```formwork\n{}\n```\n{}", signature(f), f.summary))
        }
        _ => None,
    }
}

/// `join(List<String>, String)`
pub fn signature(f: &crate::types::functions::Function) -> String {
    let params: Vec<&str> = f
        .params
        .iter()
        .map(|p| match p {
            crate::types::functions::Param::Rest => "…",
            other => other.describe(),
        })
        .collect();
    format!("{}({})", f.name, params.join(", "))
}
