//! The workspace: `formwork.yaml` (`config.rs`), the spec files of `environments/`
//! and `services/`, and what they refer to. `plan` checks every cross-reference (a
//! spec's template and version, an instance's environment, the environment's template
//! against the service's `requires`) and every spec's values; `build.rs` renders the
//! plan and writes the manifest. No IO: the command line finds and reads the files.

pub mod build;
pub mod config;
pub mod pipelines;
pub mod provision;

use std::collections::BTreeMap;

use crate::diagnostics::suggest::did_you_mean;
use crate::diagnostics::{Diagnostic, codes};
use crate::ir::lower::Inputs;
use crate::resolve::{DeclId, Program, Version};
use crate::spec::{self, SpecFile, SpecKind};
use crate::syntax::ast::{BodyItem, DeclKind};
use crate::syntax::span::{FileId, SourceMap, Span};
use crate::types::Checker;
use crate::types::versions::admits;
use crate::versions::registry::Registry;

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
    /// The environment it runs in.
    pub environment: String,
    /// The template version it runs: the spec's, or its own `template:` pin.
    pub decl: DeclId,
    /// `web@2.1`
    pub template: String,
}

#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub environments: Vec<EnvironmentPlan>,
    pub services: Vec<ServicePlan>,
}

/// The name a spec file gives its environment or service: its file name without
/// folders and extension.
pub fn spec_name(map: &SourceMap, file: FileId) -> String {
    let name = map.get(file).map(|f| f.name.clone()).unwrap_or_default();
    let base = name.rsplit('/').next().unwrap_or(&name);
    base.split('.').next().unwrap_or(base).to_string()
}

/// Reads and checks every spec of the workspace against the (checked) program.
pub fn plan(
    program: &Program,
    map: &SourceMap,
    environment_specs: &[FileId],
    service_specs: &[FileId],
) -> (Plan, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut plan = Plan::default();
    let mut checker = Checker::new(program);
    let registry = Registry::locate(map).map(|(r, _)| r);
    let deprecated = |parsed: &SpecFile, kind: DeclKind, version: Version| {
        let t = parsed.template.as_ref()?;
        let reason = registry.as_ref()?.deprecated(kind, &t.name, version)?;
        Some(deprecated_version(
            registry.as_ref()?,
            t,
            kind,
            version,
            &reason,
        ))
    };
    let read = |file: FileId, diags: &mut Vec<Diagnostic>| -> Option<SpecFile> {
        let text = map.get(file).map(|f| f.text.as_str()).unwrap_or("");
        let (parsed, d) = spec::read_spec(file, text);
        diags.extend(d);
        parsed
    };
    // Environments first: services refer to them.
    let mut env_templates: BTreeMap<String, (String, Version, Span)> = BTreeMap::new();
    for &file in environment_specs {
        let Some(parsed) = read(file, &mut diags) else {
            continue;
        };
        let name = spec_name(map, file);
        if !expect_kind(&parsed, SpecKind::Environment, &mut diags) {
            continue;
        }
        if !spec::is_stack_name(&name) {
            diags.push(
                Diagnostic::new(
                    codes::INVALID_SPEC_LAYOUT,
                    format!("`{name}` cannot name an environment"),
                )
                .with_primary(Span::new(file, 0, 0), "this spec file's name")
                .with_note(
                    "an environment is named after its spec file, and the name is its stack's name",
                )
                .with_help("rename the file: letters, digits and hyphens, starting with a letter"),
            );
            continue;
        }
        let Some((decl, version, template)) =
            template_of(program, &parsed, DeclKind::Environment, &mut diags)
        else {
            continue;
        };
        diags.extend(deprecated(&parsed, DeclKind::Environment, version));
        if let Some(sig) = checker.signature(decl) {
            let empty = spec::SpecNode::empty_map(Span::new(file, 0, 0));
            let values = parsed.environment_inputs.as_ref().unwrap_or(&empty);
            let (_, d) = spec::check_inputs(values, &sig.inputs, &template_name(&template));
            diags.extend(d);
        }
        let span = parsed
            .template
            .as_ref()
            .map_or(Span::new(file, 0, 0), |t| t.span);
        env_templates.insert(name.clone(), (template_name(&template), version, span));
        plan.environments.push(EnvironmentPlan {
            name,
            spec: file,
            decl,
            template,
        });
    }
    for &file in service_specs {
        let Some(parsed) = read(file, &mut diags) else {
            continue;
        };
        if !expect_kind(&parsed, SpecKind::Service, &mut diags) {
            continue;
        }
        let Some((decl, version, template)) =
            template_of(program, &parsed, DeclKind::Service, &mut diags)
        else {
            continue;
        };
        diags.extend(deprecated(&parsed, DeclKind::Service, version));
        let tname = template_name(&template);
        let sig = checker.signature(decl);
        let mut pipeline_inputs = Inputs::default();
        if let Some(sig) = &sig {
            let has_pipeline = program.decl(decl).and_then(|d| d.pipeline()).is_some();
            let (values, d) =
                spec::check_pipeline_inputs(&parsed, &sig.pipeline_inputs, has_pipeline, &tname);
            diags.extend(d);
            pipeline_inputs = crate::compile::inputs(values);
        }
        if let Some(d) = program.decl(decl) {
            diags.extend(pipelines::check_waves(d, &parsed.instances));
        }
        let mut instances = Vec::new();
        for inst in &parsed.instances {
            // An instance may pin its own version of the service's template.
            let (decl, template) = match &inst.template {
                Some(pin) => {
                    match resolve_pin(program, Some(pin), file, DeclKind::Service, &mut diags) {
                        Some((d, v, t)) => {
                            if let Some(reg) = registry.as_ref()
                                && let Some(reason) =
                                    reg.deprecated(DeclKind::Service, &pin.name, v)
                            {
                                diags.push(deprecated_version(
                                    reg,
                                    pin,
                                    DeclKind::Service,
                                    v,
                                    &reason,
                                ));
                            }
                            (d, t)
                        }
                        None => continue,
                    }
                }
                None => (decl, template.clone()),
            };
            if let Some(sig) = checker.signature(decl) {
                let (_, d) = spec::check_inputs(&inst.inputs, &sig.inputs, &tname);
                diags.extend(d);
            }
            match env_templates.get(&inst.environment) {
                None => {
                    let d = Diagnostic::new(
                        codes::UNKNOWN_ENVIRONMENT,
                        format!(
                            "instance `{}` runs in `{}`, which the workspace does not have",
                            inst.name, inst.environment
                        ),
                    )
                    .with_primary(inst.environment_span, "no such environment");
                    let known = env_templates.keys().map(String::as_str);
                    diags.push(match did_you_mean(&inst.environment, known) {
                        Some(s) => d.with_help(format!("did you mean `{s}`?")),
                        None => d.with_help(format!(
                            "an environment is a spec file in the environments folder, named like it: `{}.yaml`",
                            inst.environment
                        )),
                    });
                }
                Some((env_template, env_version, env_span)) => {
                    if let Some(d) = not_admitted(
                        program,
                        decl,
                        &inst.name,
                        inst.environment_span,
                        &inst.environment,
                        env_template,
                        *env_version,
                        *env_span,
                    ) {
                        diags.push(d);
                    }
                }
            }
            instances.push(InstancePlan {
                name: inst.name.clone(),
                environment: inst.environment.clone(),
                decl,
                template,
            });
        }
        plan.services.push(ServicePlan {
            name: spec_name(map, file),
            spec: file,
            decl,
            template,
            instances,
            pipeline_inputs,
            pipeline_provider: parsed.pipeline_provider.map(|(p, _)| p),
        });
    }
    (plan, diags)
}

/// `W0402`: a spec pinning (or, without a version, getting) a deprecated version.
fn deprecated_version(
    registry: &Registry,
    t: &spec::TemplateRef,
    kind: DeclKind,
    version: Version,
    reason: &str,
) -> Diagnostic {
    let name = &t.name;
    let d = Diagnostic::new(
        codes::DEPRECATED_VERSION,
        format!("`{name}` {version} is deprecated: {reason}"),
    )
    .with_primary(t.span, format!("uses `{name}` {version}"))
    .with_note(format!(
        "the registry's index deprecates it (`{}{}`)",
        registry.folder,
        crate::versions::registry::INDEX_FILE
    ));
    match registry.recommended(kind, name) {
        Some(r) if r != version => d.with_help(format!(
            "move to the recommended version: `template: {name}@{r}`{}",
            if r.major == version.major {
                " (a minor upgrade: compatible)"
            } else {
                " (a major upgrade: check what changed)"
            }
        )),
        _ => d.with_help("move to a version that is not deprecated"),
    }
}

fn template_name(template: &str) -> String {
    template.split('@').next().unwrap_or(template).to_string()
}

fn expect_kind(parsed: &SpecFile, kind: SpecKind, diags: &mut Vec<Diagnostic>) -> bool {
    if parsed.kind == kind {
        return true;
    }
    let (is, folder) = match kind {
        SpecKind::Environment => ("a service spec", "the environments folder"),
        SpecKind::Service => ("an environment spec", "the services folder"),
    };
    diags.push(
        Diagnostic::new(codes::INVALID_SPEC_LAYOUT, format!("{is} in {folder}"))
            .with_primary(Span::new(parsed.file, 0, 0), "this file")
            .with_help("environment specs go in `environments/`, service specs in `services/`"),
    );
    false
}

/// The template a spec names with `template: NAME@VERSION` (the newest version when
/// none is given).
fn template_of(
    program: &Program,
    parsed: &SpecFile,
    kind: DeclKind,
    diags: &mut Vec<Diagnostic>,
) -> Option<(DeclId, Version, String)> {
    resolve_pin(program, parsed.template.as_ref(), parsed.file, kind, diags)
}

/// The template and version a pin names (the newest version when it names none).
fn resolve_pin(
    program: &Program,
    pin: Option<&spec::TemplateRef>,
    file: FileId,
    kind: DeclKind,
    diags: &mut Vec<Diagnostic>,
) -> Option<(DeclId, Version, String)> {
    let Some(t) = pin else {
        diags.push(
            Diagnostic::new(
                codes::SPEC_WITHOUT_TEMPLATE,
                format!("this {} spec does not name its template", kind.keyword()),
            )
            .with_primary(Span::new(file, 0, 0), "in this spec")
            .with_help("name it, with its version, at the top: `template: NAME@MAJOR.MINOR`"),
        );
        return None;
    };
    let versions = program.versions_of(kind, &t.name);
    let want = t.version.as_deref().and_then(Version::parse);
    let found = versions
        .iter()
        .filter_map(|(v, id)| v.map(|v| (v, *id)))
        .filter(|(v, _)| want.is_none_or(|w| w == *v))
        .max_by_key(|(v, _)| *v);
    match found {
        Some((v, id)) => Some((id, v, format!("{}@{v}", t.name))),
        None => {
            let d = if versions.is_empty() {
                let names: Vec<String> = program
                    .templates
                    .keys()
                    .filter(|(k, _)| *k == kind)
                    .map(|(_, n)| n.clone())
                    .collect();
                let d = Diagnostic::new(
                    codes::UNKNOWN_TEMPLATE,
                    format!(
                        "the workspace has no {} template `{}`",
                        kind.keyword(),
                        t.name
                    ),
                )
                .with_primary(t.span, "no such template");
                match did_you_mean(&t.name, names.iter().map(String::as_str)) {
                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                    None => d,
                }
            } else {
                let have: Vec<String> = versions
                    .iter()
                    .filter_map(|(v, _)| v.map(|v| v.to_string()))
                    .collect();
                Diagnostic::new(
                    codes::UNKNOWN_TEMPLATE,
                    format!(
                        "the workspace has no version {} of `{}`",
                        t.version.as_deref().unwrap_or("?"),
                        t.name
                    ),
                )
                .with_primary(t.span, "no such version")
                .with_note(format!("versions it has: {}", have.join(", ")))
            };
            diags.push(d);
            None
        }
    }
}

/// The error when a service's `requires` does not admit the environment's template.
#[allow(clippy::too_many_arguments)]
fn not_admitted(
    program: &Program,
    service: DeclId,
    instance: &str,
    instance_span: Span,
    environment: &str,
    env_template: &str,
    env_version: Version,
    env_span: Span,
) -> Option<Diagnostic> {
    let decl = program.decl(service)?;
    let requires: Vec<&crate::syntax::ast::Requires> = decl
        .body
        .iter()
        .filter_map(|b| match b {
            BodyItem::Requires(r) => Some(r),
            _ => None,
        })
        .collect();
    if requires.is_empty() {
        return None;
    }
    let matching = requires
        .iter()
        .find(|r| r.name.as_plain().as_deref() == Some(env_template));
    let d = match matching {
        Some(r) if admits(&r.constraint, env_version) => return None,
        Some(r) => Diagnostic::new(
            codes::ENVIRONMENT_NOT_ADMITTED,
            format!(
                "instance `{instance}` runs in `{environment}`, a `{env_template}` {env_version} environment, which the service does not admit"
            ),
        )
        .with_primary(instance_span, format!("`{environment}` runs {env_template}@{env_version}"))
        .with_secondary(r.constraint.span, "the versions the service admits")
        .with_secondary(env_span, "the environment's template")
        .with_help("upgrade the environment, widen the service's constraint, or run the instance in another environment"),
        None => {
            let wanted: Vec<String> = requires
                .iter()
                .filter_map(|r| r.name.as_plain())
                .map(|n| format!("`{n}`"))
                .collect();
            Diagnostic::new(
                codes::ENVIRONMENT_NOT_ADMITTED,
                format!(
                    "instance `{instance}` runs in `{environment}`, a `{env_template}` environment, but the service runs only in {}",
                    wanted.join(" or ")
                ),
            )
            .with_primary(instance_span, format!("`{environment}` runs {env_template}"))
            .with_secondary(requires[0].span, "what the service requires")
            .with_help("run the instance in an environment of a template the service requires")
        }
    };
    Some(d)
}
