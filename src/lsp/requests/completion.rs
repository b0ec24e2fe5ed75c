//! Completion. In a template: `input.` gives the inputs, `pipeline.input.` the
//! pipeline inputs, `environment.outputs.` the required environment's outputs, a
//! resource's type the catalogs' types, a resource's body its type's properties not
//! yet set (required first, with their types); elsewhere keywords, the names in
//! scope and the functions with their signatures. In a spec file: the inputs not
//! yet given (required first), an input's enum values, environment names and
//! template versions.

use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionParams, CompletionResponse, InsertTextFormat,
};

use super::At;
use crate::lsp::index::{self, DefKind};
use crate::lsp::spec_at::{self, SpecAt};
use crate::lsp::state::State;
use crate::resolve::{DeclId, Program};
use crate::syntax::ast::{self, BodyItem, DeclKind, TypeKind};
use crate::types::resources::Catalog;

const KEYWORDS: &[&str] = &[
    "service",
    "environment",
    "module",
    "import",
    "type",
    "input",
    "pipeline",
    "let",
    "use",
    "resource",
    "output",
    "requires",
    "when",
    "for",
    "in",
    "if",
    "else",
    "match",
    "true",
    "false",
    "null",
    "untyped",
    "version",
    "description",
];

pub fn completion(state: &State, p: CompletionParams) -> Option<CompletionResponse> {
    let q = p.text_document_position;
    let at = At::find(state, &q.text_document, q.position)?;
    let program = at.a.program.as_ref()?;
    let items = if at.is_spec() {
        spec_items(&at, program)
    } else {
        template_items(&at, program)
    };
    Some(CompletionResponse::Array(items))
}

fn item(
    label: impl Into<String>,
    kind: CompletionItemKind,
    detail: Option<String>,
) -> CompletionItem {
    CompletionItem {
        label: label.into(),
        kind: Some(kind),
        detail,
        ..CompletionItem::default()
    }
}

/// The text of the cursor's line before the cursor.
fn line_before(text: &str, offset: usize) -> &str {
    let offset = offset.min(text.len());
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    text.get(start..offset).unwrap_or("")
}

/// Whether `before` ends with `path` followed by a partial name.
fn after(before: &str, path: &str) -> bool {
    let trimmed = before.trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_');
    trimmed.ends_with(path)
        && !trimmed[..trimmed.len() - path.len()]
            .ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

/// The input fields of a declaration (pipeline ones or instance ones).
pub fn fields(program: &Program, decl: DeclId, pipeline: bool) -> Vec<&ast::Field> {
    let Some(d) = program.decl(decl) else {
        return Vec::new();
    };
    d.body
        .iter()
        .filter_map(|b| match b {
            BodyItem::Input(block) if block.pipeline == pipeline => Some(block.fields.iter()),
            _ => None,
        })
        .flatten()
        .collect()
}

/// Whether a field must be given: no default, and not optional.
pub fn required(f: &ast::Field) -> bool {
    f.default.is_none() && !matches!(f.ty.kind, TypeKind::Optional(_))
}

/// The string members of an enum type (`"small" | "large"`).
pub fn enum_members(ty: &ast::TypeExpr) -> Vec<String> {
    match &ty.kind {
        TypeKind::String(s) => s.as_plain().into_iter().collect(),
        TypeKind::Union(ts) => ts.iter().flat_map(enum_members).collect(),
        TypeKind::Paren(t) | TypeKind::Optional(t) => enum_members(t),
        _ => Vec::new(),
    }
}

fn field_items(at: &At, fields: &[&ast::Field], given: &[String]) -> Vec<CompletionItem> {
    fields
        .iter()
        .filter(|f| !given.iter().any(|g| g == f.name.name.as_str()))
        .map(|f| {
            let req = required(f);
            let mut it = item(
                f.name.name.to_string(),
                CompletionItemKind::FIELD,
                Some(at.a.map.slice(f.ty.span).to_string()),
            );
            it.sort_text = Some(format!("{}{}", if req { 0 } else { 1 }, f.name.name));
            if let Some(d) = &f.default {
                it.label_details = Some(lsp_types::CompletionItemLabelDetails {
                    detail: None,
                    description: Some(format!("= {}", at.a.map.slice(d.span))),
                });
            }
            it
        })
        .collect()
}

fn enclosing(at: &At, program: &Program, kind: Option<DefKind>) -> Option<index::Def> {
    index::index_file(program, at.file)
        .defs
        .into_iter()
        .filter(|d| {
            kind.is_none_or(|k| d.kind == k) && d.item.start <= at.offset && at.offset <= d.item.end
        })
        .filter(|d| kind.is_some() || matches!(d.kind, DefKind::Decl(_)))
        .min_by_key(|d| d.item.end - d.item.start)
}

fn template_items(at: &At, program: &Program) -> Vec<CompletionItem> {
    let text = at.text();
    let before = line_before(text, at.offset as usize);
    let Some(decl) = enclosing(at, program, None) else {
        return KEYWORDS
            .iter()
            .map(|k| item(*k, CompletionItemKind::KEYWORD, None))
            .collect();
    };
    if after(before, "pipeline.input.") {
        return field_items(at, &fields(program, decl.decl, true), &[]);
    }
    if after(before, "input.") {
        return field_items(at, &fields(program, decl.decl, false), &[]);
    }
    if after(before, "environment.outputs.") {
        let mut out = Vec::new();
        for env in index::required_environments(program, decl.decl) {
            for d in index::index_file(program, env.file).defs {
                if d.decl == env && d.kind == DefKind::Output {
                    let detail = at.a.map.slice(d.item).lines().next().map(str::to_string);
                    out.push(item(d.name, CompletionItemKind::PROPERTY, detail));
                }
            }
        }
        return out;
    }
    let trimmed = before.trim_start();
    if trimmed.starts_with("resource ") && trimmed.contains(':') && !trimmed.contains('{') {
        return resource_types();
    }
    if let Some(r) = enclosing(at, program, Some(DefKind::Resource))
        && let Some(items) = property_items(at, program, &r)
    {
        return items;
    }
    let mut out: Vec<CompletionItem> = KEYWORDS
        .iter()
        .map(|k| item(*k, CompletionItemKind::KEYWORD, None))
        .collect();
    for d in index::index_file(program, at.file).defs {
        if d.decl == decl.decl && matches!(d.kind, DefKind::Let | DefKind::Use | DefKind::Resource)
        {
            let kind = match d.kind {
                DefKind::Let => CompletionItemKind::VARIABLE,
                DefKind::Use => CompletionItemKind::MODULE,
                _ => CompletionItemKind::CLASS,
            };
            out.push(item(d.name, kind, Some(d.kind.word().to_string())));
        }
    }
    for f in crate::types::functions::FUNCTIONS {
        let mut it = item(
            f.name,
            CompletionItemKind::FUNCTION,
            Some(super::hover::signature(f)),
        );
        it.documentation = Some(lsp_types::Documentation::String(f.summary.to_string()));
        it.insert_text = Some(format!("{}($0)", f.name));
        it.insert_text_format = Some(InsertTextFormat::SNIPPET);
        out.push(it);
    }
    out
}

/// Every resource type of both catalogs; CloudFormation's first when the workspace
/// targets it (the catalogs' own order otherwise: by name).
fn resource_types() -> Vec<CompletionItem> {
    let mut out = Vec::new();
    for (rank, catalog) in [Catalog::cloudformation(), Catalog::terraform()]
        .into_iter()
        .enumerate()
    {
        for name in catalog.type_names() {
            let mut it = item(name, CompletionItemKind::CLASS, None);
            it.sort_text = Some(format!("{rank}{name}"));
            out.push(it);
        }
    }
    out
}

/// The properties of the resource at the cursor not set yet, required first.
fn property_items(at: &At, program: &Program, r: &index::Def) -> Option<Vec<CompletionItem>> {
    let d = program.decl(r.decl)?;
    let res = d.body.iter().find_map(|b| match b {
        BodyItem::Resource(x) if x.span == r.item => Some(x),
        _ => None,
    })?;
    // Only inside the braces.
    let open = at.a.map.slice(res.span).find('{')? as u32 + res.span.start;
    if at.offset <= open {
        return None;
    }
    let schema = crate::types::resources::lookup(&res.ty.name)?;
    let given: Vec<&str> = res.body.iter().map(|a| a.name.name.as_str()).collect();
    let mut out = Vec::new();
    for (name, p) in &schema.properties {
        if p.read_only || given.contains(&name.as_str()) {
            continue;
        }
        let mut it = item(
            name.clone(),
            CompletionItemKind::PROPERTY,
            Some(format!(
                "{}{}",
                p.ty,
                if p.required { " (required)" } else { "" }
            )),
        );
        it.sort_text = Some(format!("{}{name}", if p.required { 0 } else { 1 }));
        it.insert_text = Some(format!("{name} = "));
        out.push(it);
    }
    Some(out)
}

fn spec_items(at: &At, program: &Program) -> Vec<CompletionItem> {
    let text = at.text();
    let before = line_before(text, at.offset as usize);
    let key = before.trim_start().trim_start_matches("- ");
    let Some(spec) = spec_at::read(&at.a.map, at.file) else {
        return Vec::new();
    };
    if key.starts_with("environment:") {
        return at
            .a
            .environments
            .iter()
            .map(|id| {
                let pin = spec_at::read(&at.a.map, *id)
                    .and_then(|s| s.template)
                    .map(|t| match t.version {
                        Some(v) => format!("{}@{v}", t.name),
                        None => t.name,
                    });
                item(
                    crate::workspace::spec_name(&at.a.map, *id),
                    CompletionItemKind::VALUE,
                    pin,
                )
            })
            .collect();
    }
    if key.starts_with("template:") {
        let kind = match spec.kind {
            crate::spec::SpecKind::Environment => DeclKind::Environment,
            crate::spec::SpecKind::Service => DeclKind::Service,
        };
        let mut out = Vec::new();
        for ((k, name), versions) in &program.templates {
            if *k != kind {
                continue;
            }
            for (v, _) in versions.iter() {
                if let Some(v) = v {
                    let label = format!("{name}@{}.{}", v.major, v.minor);
                    out.push(item(label, CompletionItemKind::VALUE, None));
                }
            }
        }
        out.dedup_by(|a, b| a.label == b.label);
        return out;
    }
    let found = spec_at::at(&spec, at.offset).or_else(|| nearest_mapping(&spec, at));
    let Some(decl) = spec_at::template_of(program, &spec, at.offset) else {
        return Vec::new();
    };
    match found {
        Some(SpecAt::Value { pipeline, key, .. }) => fields(program, decl, pipeline)
            .into_iter()
            .filter(|f| f.name.name == key.as_str())
            .flat_map(|f| enum_members(&f.ty))
            .map(|m| item(m, CompletionItemKind::ENUM_MEMBER, None))
            .collect(),
        Some(SpecAt::Key { pipeline, .. }) => {
            field_items(at, &fields(program, decl, pipeline), &[])
        }
        Some(SpecAt::Mapping { pipeline, given }) => {
            field_items(at, &fields(program, decl, pipeline), &given)
        }
        _ => Vec::new(),
    }
}

/// The inputs mapping a new line belongs to: the last one starting before the
/// cursor whose keys are indented as the cursor's line is.
fn nearest_mapping(spec: &crate::spec::SpecFile, at: &At) -> Option<SpecAt> {
    let text = at.text();
    let indent = line_before(text, at.offset as usize)
        .chars()
        .take_while(|c| *c == ' ')
        .count();
    let mut mappings: Vec<(bool, &crate::spec::SpecNode)> = Vec::new();
    mappings.extend(spec.pipeline.iter().map(|p| (true, p)));
    mappings.extend(spec.environment_inputs.iter().map(|p| (false, p)));
    mappings.extend(spec.instances.iter().map(|i| (false, &i.inputs)));
    let (pipeline, node) = mappings
        .into_iter()
        .filter(|(_, n)| n.span.start <= at.offset)
        .filter(|(_, n)| {
            let col =
                at.a.map
                    .get(at.file)
                    .map_or(0, |f| f.line_col(n.span.start as usize).1 - 1);
            col == indent
        })
        .max_by_key(|(_, n)| n.span.start)?;
    Some(SpecAt::Mapping {
        pipeline,
        given: node
            .entries()
            .unwrap_or(&[])
            .iter()
            .map(|e| e.key.clone())
            .collect(),
    })
}
