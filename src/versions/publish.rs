//! What `formwork publish` decides, without IO: which declaration is the draft to
//! publish, which instances of the workspace run the version it replaces (to render
//! them with both), and the target to render them for. The command line
//! (`cli/publish.rs`) reads the workspace, runs [`crate::versions::compare`] and
//! writes the snapshot and the index.

use crate::diagnostics::Diagnostic;
use crate::ir::lower::InstanceContext;
use crate::resolve::{DeclId, Program, Version};
use crate::spec::{self, SpecNode};
use crate::syntax::ast::DeclKind;
use crate::syntax::span::{SourceMap, Span};
use crate::types::Checker;
use crate::types::targets::Target;
use crate::versions::ExistingInstance;
use crate::versions::registry::closure;
use crate::workspace::Plan;
use crate::workspace::config::Config;

/// The draft of template `name`: its one declaration outside the registry. `Err` is
/// the message for a usage error: no draft, several, or a draft whose files declare
/// other templates too (a snapshot holds one template).
pub fn draft_of(program: &Program, map: &SourceMap, name: &str) -> Result<DeclId, String> {
    let drafts: Vec<DeclId> = program
        .user_decls()
        .filter(|(id, d)| {
            d.kind != DeclKind::Module
                && d.name.as_plain().as_deref() == Some(name)
                && !program.is_published(*id)
                && program.snapshot_of(id.file).is_none()
        })
        .map(|(id, _)| id)
        .collect();
    let file_name = |id: DeclId| {
        map.get(id.file)
            .map_or("?", |f| f.name.as_str())
            .to_string()
    };
    let draft = match drafts.as_slice() {
        [] => {
            return Err(format!(
                "the workspace has no draft of `{name}`: a template `{name}` outside the registry"
            ));
        }
        [one] => *one,
        several => {
            let places: Vec<String> = several
                .iter()
                .map(|id| {
                    let v = program
                        .decl(*id)
                        .and_then(Program::version_of)
                        .map_or("no version".to_string(), |v| v.to_string());
                    format!("`{}` ({v})", file_name(*id))
                })
                .collect();
            return Err(format!(
                "the workspace has several drafts of `{name}`: {}; keep one, the next version, and publish it",
                places.join(", ")
            ));
        }
    };
    for file in closure(program, draft.file) {
        let others: Vec<String> = program
            .file(file)
            .into_iter()
            .flat_map(|f| f.ast.items.iter().enumerate())
            .filter_map(|(i, item)| match item {
                crate::syntax::ast::Item::Decl(d)
                    if d.kind != DeclKind::Module && DeclId { file, item: i } != draft =>
                {
                    Some(format!("`{}`", d.name.as_plain().unwrap_or_default()))
                }
                _ => None,
            })
            .collect();
        if !others.is_empty() {
            return Err(format!(
                "`{}`, which `{name}` is published with, declares {} too: a published version holds one template; move each template into its own file",
                map.get(file).map_or("?", |f| f.name.as_str()),
                others.join(", ")
            ));
        }
    }
    Ok(draft)
}

/// The target a template's instances are built for: the workspace's when the
/// template supports it, else one it supports (as `formwork build` picks).
pub fn target_for(program: &Program, decl: DeclId, config: &Config) -> Target {
    let wanted = config.target.unwrap_or(Target::CloudFormation);
    match Checker::new(program).signature(decl) {
        Some(sig) if !sig.targets.supports(wanted) => {
            sig.targets.supported().first().copied().unwrap_or(wanted)
        }
        _ => wanted,
    }
}

/// Every environment and service instance of `plan` (built from the workspace before
/// the draft was renumbered) whose spec uses `name` at a version of `major`, with its
/// values checked against `base` (a declaration of `program`). `Err`: the values of
/// an instance the base does not accept.
pub fn existing_instances(
    program: &Program,
    map: &SourceMap,
    plan: &Plan,
    name: &str,
    major: u64,
    base: DeclId,
) -> Result<Vec<ExistingInstance>, Vec<Diagnostic>> {
    let uses = |template: &str| {
        template
            .split_once('@')
            .is_some_and(|(n, v)| n == name && Version::parse(v).is_some_and(|v| v.major == major))
    };
    let Some(sig) = Checker::new(program).signature(base) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    let mut diags = Vec::new();
    let mut add = |inst: &str,
                   env: Option<&str>,
                   values: &SpecNode,
                   context: InstanceContext,
                   diags: &mut Vec<Diagnostic>| {
        let (checked, d) = spec::check_inputs(values, &sig.inputs, name);
        if d.iter().any(Diagnostic::is_error) {
            diags.extend(d);
            return;
        }
        out.push(ExistingInstance {
            name: inst.to_string(),
            environment: env.map(str::to_string),
            inputs: crate::compile::inputs(checked),
            context,
        });
    };
    let read = |file| {
        let text = map.get(file).map_or("", |f| f.text.as_str());
        spec::read_spec(file, text).0
    };
    for e in plan.environments.iter().filter(|e| uses(&e.template)) {
        let Some(parsed) = read(e.spec) else { continue };
        let empty = SpecNode::empty_map(Span::new(e.spec, 0, 0));
        let values = parsed.environment_inputs.as_ref().unwrap_or(&empty);
        add(
            &e.name,
            None,
            values,
            InstanceContext::default(),
            &mut diags,
        );
    }
    for s in plan.services.iter().filter(|s| uses(&s.template)) {
        let Some(parsed) = read(s.spec) else { continue };
        for (index, inst) in parsed.instances.iter().enumerate() {
            let context = crate::compile::service_context(&parsed, &s.name, index);
            add(
                &inst.name,
                Some(&inst.environment),
                &inst.inputs,
                context,
                &mut diags,
            );
        }
    }
    if diags.is_empty() {
        Ok(out)
    } else {
        Err(diags)
    }
}
