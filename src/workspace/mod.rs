//! The workspace: `formwork.yaml` (`config.rs`), the spec files of `environments/`
//! and `services/`, and what they refer to. `plan` checks every cross-reference (a
//! spec's template and version, an instance's environment, the environment's template
//! against the service's `requires`) and every spec's values; `build.rs` renders the
//! plan and writes the manifest. No IO: the command line finds and reads the files.

pub mod build;
pub mod config;
mod left_out;
pub mod pipelines;
pub mod provision;
mod spec_check;
pub mod stacks;

pub use spec_check::SpecChecker;

use crate::diagnostics::Diagnostic;
use crate::ir::lower::Inputs;
use crate::resolve::{DeclId, Program};
use crate::syntax::span::{FileId, SourceMap, Span};

/// An environment to deploy: its spec and the template version it instantiates.
#[derive(Debug, Clone)]
pub struct EnvironmentPlan {
    /// Its name: the spec file's name (`environments/dev.yaml` is `dev`).
    pub name: String,
    pub spec: FileId,
    pub decl: DeclId,
    /// `shared-vpc@3.1`
    pub template: String,
}

/// A service's instances to deploy.
#[derive(Debug, Clone)]
pub struct ServicePlan {
    /// The spec file's name (`services/web.yaml` is `web`).
    pub name: String,
    pub spec: FileId,
    pub decl: DeclId,
    pub template: String,
    /// Each instance: its name, the environment it runs in, and the template version
    /// it runs (the spec's, or the instance's own pin).
    pub instances: Vec<InstancePlan>,
    /// The spec's `pipeline:` inputs.
    pub pipeline_inputs: Inputs,
    /// The spec's `pipeline_provider:`, when given.
    pub pipeline_provider: Option<String>,
}

/// One service instance to deploy.
#[derive(Debug, Clone)]
pub struct InstancePlan {
    pub name: String,
    /// The instance's `name:` value in its spec.
    pub name_span: Span,
    /// The environment it runs in.
    pub environment: String,
    /// The template version it runs: the spec's, or its own `template:` pin.
    pub decl: DeclId,
    /// `web@2.1`
    pub template: String,
    /// Its inputs as its spec gives them, checked: what a pipeline's loop reads as
    /// `instance.inputs.NAME`.
    pub inputs: crate::ir::lower::Inputs,
}

#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub environments: Vec<EnvironmentPlan>,
    pub services: Vec<ServicePlan>,
    /// Input values the build takes in place of the specs' (`formwork build
    /// --input-file`): instance → input → text.
    pub input_overrides: crate::compile::InputOverrides,
}

/// The name a spec file gives its environment or service: its file name without
/// folders and extension.
pub fn spec_name(map: &SourceMap, file: FileId) -> String {
    let name = map.get(file).map(|f| f.name.clone()).unwrap_or_default();
    let base = name.rsplit('/').next().unwrap_or(&name);
    base.split('.').next().unwrap_or(base).to_string()
}

/// Reads and checks every spec of the workspace against the (checked) program:
/// each with [`SpecChecker`], the one function every command checks a spec with,
/// environments first (services refer to them), then the stack names across them all.
pub fn plan(
    program: &Program,
    map: &SourceMap,
    environment_specs: &[FileId],
    service_specs: &[FileId],
) -> (Plan, Vec<Diagnostic>) {
    plan_reporting(
        program,
        map,
        environment_specs,
        service_specs,
        None,
        &|_| true,
    )
}

/// [`plan`], keeping only the diagnostics about the specs `report` picks: every spec
/// is still checked (a service needs its environments, and stack names are unique
/// across all of them), but what is found in a spec left out is not reported, unless
/// it also names a spec picked. `chosen` is a spec's template that a command named
/// (`render web --spec FILE`), for when that spec names none.
pub fn plan_reporting(
    program: &Program,
    map: &SourceMap,
    environment_specs: &[FileId],
    service_specs: &[FileId],
    chosen: Option<(FileId, DeclId)>,
    report: &dyn Fn(FileId) -> bool,
) -> (Plan, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut plan = Plan::default();
    let mut specs = SpecChecker::new(program, map);
    if let Some((file, decl)) = chosen {
        specs.choose(file, decl);
    }
    for &file in environment_specs {
        let mut d = Vec::new();
        if let Some(p) = specs.environment(file, &mut d) {
            plan.environments.push(p);
        }
        if report(file) {
            diags.extend(d);
        }
    }
    for &file in service_specs {
        let mut d = Vec::new();
        if let Some(p) = specs.service(file, &mut d) {
            plan.services.push(p);
        }
        if report(file) {
            diags.extend(d);
        }
    }
    diags.extend(
        stacks::collisions(&plan, map)
            .into_iter()
            .filter(|d| d.labels.iter().any(|l| report(l.span.file))),
    );
    (plan, diags)
}
