//! Go to definition, find references and rename: what a name refers to, in a
//! template (a local name, an input, `environment.outputs.X`, a module's path) or a
//! spec file (a key is the template's input, `environment: dev` the environment's
//! spec, the pin the template), and every place that names the same thing, spec
//! keys included.

use std::collections::HashMap;

use lsp_server::ErrorCode;
use lsp_types::{
    GotoDefinitionParams, GotoDefinitionResponse, Location, PrepareRenameResponse, ReferenceParams,
    RenameParams, TextDocumentPositionParams, TextEdit, Uri, WorkspaceEdit,
};

use super::At;
use crate::lsp::index::{self, Def, DefKind, Target};
use crate::lsp::server::Failure;
use crate::lsp::spec_at::{self, SpecAt};
use crate::lsp::state::State;
use crate::resolve::Program;
use crate::syntax::span::{FileId, Span};

/// What a position names.
pub enum Resolved {
    Def(Def),
    /// A spec file (an instance's environment).
    Spec(FileId),
    /// A name with no declaration in the workspace: a resource type, a property,
    /// a function.
    Other(Target, Span),
}

/// The def a template's reference names.
fn def_of(program: &Program, file: FileId, r: &index::Ref) -> Option<Def> {
    match &r.target {
        Target::Local(kind, name) => index::index_file(program, file)
            .defs
            .into_iter()
            .find(|d| d.decl == r.decl && d.kind == *kind && d.name == *name),
        Target::EnvironmentOutput(name) => index::required_environments(program, r.decl)
            .into_iter()
            .find_map(|env| {
                index::index_file(program, env.file)
                    .defs
                    .into_iter()
                    .find(|d| d.decl == env && d.kind == DefKind::Output && d.name == *name)
            }),
        Target::Module(path) => {
            let m = index::module_decl(program, file, path)?;
            index::index_file(program, m.file)
                .defs
                .into_iter()
                .find(|d| d.decl == m && matches!(d.kind, DefKind::Decl(_)))
        }
        _ => None,
    }
}

/// What is at the request's position.
pub fn resolve(at: &At) -> Option<Resolved> {
    let program = at.a.program.as_ref()?;
    if at.is_spec() {
        let spec = spec_at::read(&at.a.map, at.file)?;
        return match spec_at::at(&spec, at.offset)? {
            SpecAt::Template(pin) => {
                let kind = match spec.kind {
                    crate::spec::SpecKind::Environment => crate::syntax::ast::DeclKind::Environment,
                    crate::spec::SpecKind::Service => crate::syntax::ast::DeclKind::Service,
                };
                let decl = spec_at::template_decl(program, kind, &pin)?;
                index::index_file(program, decl.file)
                    .defs
                    .into_iter()
                    .find(|d| d.decl == decl && matches!(d.kind, DefKind::Decl(_)))
                    .map(Resolved::Def)
            }
            SpecAt::Environment(name) => {
                at.a.environments
                    .iter()
                    .find(|id| crate::workspace::spec_name(&at.a.map, **id) == name)
                    .map(|id| Resolved::Spec(*id))
            }
            SpecAt::Key { pipeline, key, .. } | SpecAt::Value { pipeline, key, .. } => {
                let decl = spec_at::template_of(program, &spec, at.offset)?;
                let kind = if pipeline {
                    DefKind::PipelineInput
                } else {
                    DefKind::Input
                };
                index::index_file(program, decl.file)
                    .defs
                    .into_iter()
                    .find(|d| d.decl == decl && d.kind == kind && d.name == key)
                    .map(Resolved::Def)
            }
            SpecAt::Mapping { .. } => None,
        };
    }
    let idx = index::index_file(program, at.file);
    let inside = |s: Span| s.start <= at.offset && at.offset <= s.end;
    if let Some(d) = idx
        .defs
        .iter()
        .filter(|d| inside(d.span))
        .min_by_key(|d| d.span.end - d.span.start)
    {
        return Some(Resolved::Def(d.clone()));
    }
    let r = idx
        .refs
        .iter()
        .filter(|r| inside(r.span))
        .min_by_key(|r| r.span.end - r.span.start)?;
    match def_of(program, at.file, r) {
        Some(d) => Some(Resolved::Def(d)),
        None => Some(Resolved::Other(r.target.clone(), r.span)),
    }
}

pub fn definition(state: &State, p: GotoDefinitionParams) -> Option<GotoDefinitionResponse> {
    let q = p.text_document_position_params;
    let at = At::find(state, &q.text_document, q.position)?;
    let loc = match resolve(&at)? {
        Resolved::Def(d) => at.location(d.span)?,
        Resolved::Spec(id) => at.location(Span::new(id, 0, 0))?,
        Resolved::Other(..) => return None,
    };
    Some(GotoDefinitionResponse::Scalar(loc))
}

/// Every place that names `def`: its uses in every template, and for an input the
/// keys that give it in the specs of its template; the declaration first.
fn places(at: &At, def: &Def) -> Vec<Span> {
    let Some(program) = at.a.program.as_ref() else {
        return Vec::new();
    };
    let mut out = vec![def.span];
    let files: Vec<FileId> = program
        .files
        .values()
        .filter(|f| f.std_path.is_none())
        .map(|f| f.id)
        .collect();
    for file in files {
        for r in index::index_file(program, file).refs {
            if let Some(d) = def_of(program, file, &r)
                && d.span == def.span
            {
                out.push(r.span);
            }
        }
    }
    if matches!(def.kind, DefKind::Input | DefKind::PipelineInput) {
        let pipeline = def.kind == DefKind::PipelineInput;
        for &spec_id in at.a.environments.iter().chain(&at.a.services) {
            let Some(spec) = spec_at::read(&at.a.map, spec_id) else {
                continue;
            };
            let mut mappings: Vec<(bool, &crate::spec::SpecNode, u32)> = Vec::new();
            if let Some(p) = &spec.pipeline {
                mappings.push((true, p, p.span.start));
            }
            if let Some(e) = &spec.environment_inputs {
                mappings.push((false, e, e.span.start));
            }
            for i in &spec.instances {
                mappings.push((false, &i.inputs, i.span.start));
            }
            for (is_pipeline, node, where_) in mappings {
                if is_pipeline != pipeline
                    || spec_at::template_of(program, &spec, where_) != Some(def.decl)
                {
                    continue;
                }
                for e in node.entries().unwrap_or(&[]) {
                    if e.key == def.name {
                        out.push(e.key_span);
                    }
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

pub fn references(state: &State, p: ReferenceParams) -> Option<Vec<Location>> {
    let q = p.text_document_position;
    let at = At::find(state, &q.text_document, q.position)?;
    let Resolved::Def(def) = resolve(&at)? else {
        return None;
    };
    let mut spans = places(&at, &def);
    if !p.context.include_declaration {
        spans.retain(|s| *s != def.span);
    }
    Some(spans.into_iter().filter_map(|s| at.location(s)).collect())
}

fn renamable(d: &Def) -> bool {
    !matches!(d.kind, DefKind::Decl(_))
}

pub fn prepare_rename(
    state: &State,
    p: TextDocumentPositionParams,
) -> Option<PrepareRenameResponse> {
    let at = At::find(state, &p.text_document, p.position)?;
    let Resolved::Def(def) = resolve(&at)? else {
        return None;
    };
    if !renamable(&def) {
        return None;
    }
    // The name under the cursor (a use, a spec key, or the declaration).
    let idx_span = places(&at, &def)
        .into_iter()
        .find(|s| s.file == at.file && s.start <= at.offset && at.offset <= s.end)?;
    Some(PrepareRenameResponse::Range(crate::lsp::convert::range(
        &at.a.map, idx_span, at.enc,
    )))
}

// `WorkspaceEdit::changes` is lsp-types' `HashMap<Uri, …>`; `Uri` caches its parts inside, which
// does not change its hash or equality.
#[allow(clippy::mutable_key_type)]
pub fn rename(state: &State, p: RenameParams) -> Result<Option<WorkspaceEdit>, Failure> {
    let q = p.text_document_position;
    let Some(at) = At::find(state, &q.text_document, q.position) else {
        return Ok(None);
    };
    let Some(Resolved::Def(def)) = resolve(&at) else {
        return Ok(None);
    };
    if !renamable(&def) {
        return Err(Failure(
            ErrorCode::InvalidRequest,
            format!("a {} is not renamed from here", def.kind.word()),
        ));
    }
    let valid = p
        .new_name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && p.new_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(Failure(
            ErrorCode::InvalidParams,
            format!(
                "`{}` is not a name (letters, digits and `_`, not starting with a digit)",
                p.new_name
            ),
        ));
    }
    // `Uri` caches its parse inside; it is never changed while a key here.
    #[allow(clippy::mutable_key_type)]
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for s in places(&at, &def) {
        if let Some(loc) = at.location(s) {
            changes
                .entry(loc.uri)
                .or_default()
                .push(TextEdit::new(loc.range, p.new_name.clone()));
        }
    }
    Ok(Some(WorkspaceEdit {
        changes: Some(changes),
        ..WorkspaceEdit::default()
    }))
}
