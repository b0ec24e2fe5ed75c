//! Checking one spec file against the checked program and the workspace's
//! environments: its template and version, its inputs, its `pipeline:` block and
//! waves, and each instance's pin, environment and the service's `requires`.
//! [`SpecChecker`] is the one place this is done: `check`, `build`, `render --spec`
//! and `compile --spec` all call it.

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

use super::{EnvironmentPlan, InstancePlan, ServicePlan, pipelines, spec_name};

/// An environment the workspace has, as a service instance sees it.
#[derive(Debug, Clone)]
struct KnownEnvironment {
    template: String,
    version: Version,
    /// The environment spec's `template:` pin.
    span: Span,
}

/// Checks spec files one at a time, remembering the environments checked so far, so
/// that a service spec's instances are checked against them.
pub struct SpecChecker<'p> {
    program: &'p Program,
    map: &'p SourceMap,
    checker: Checker<'p>,
    registry: Option<Registry>,
    environments: BTreeMap<String, KnownEnvironment>,
    /// The template a command names for one spec (`render web --spec FILE`), used when
    /// that spec names none.
    chosen: Option<(FileId, DeclId)>,
    /// Whether the workspace's `formwork.yaml` (when the map holds one) pins where
    /// pipeline jobs get formwork: a service with a pipeline needs it (`E0329`).
    formwork_pinned: Option<bool>,
}

impl<'p> SpecChecker<'p> {
    pub fn new(program: &'p Program, map: &'p SourceMap) -> SpecChecker<'p> {
        SpecChecker {
            program,
            map,
            checker: Checker::new(program),
            registry: Registry::locate(map).map(|(r, _)| r),
            environments: BTreeMap::new(),
            chosen: None,
            formwork_pinned: formwork_pinned(map),
        }
    }

    /// `decl` is the template of `file` when the spec names none: a command named it.
    pub fn choose(&mut self, file: FileId, decl: DeclId) {
        self.chosen = Some((file, decl));
    }

    /// The template a spec names (or the command chose), its version and `NAME@VERSION`.
    fn template_of(
        &self,
        parsed: &SpecFile,
        kind: DeclKind,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<(DeclId, Version, String)> {
        if parsed.template.is_none()
            && let Some((file, decl)) = self.chosen
            && file == parsed.file
            && let Some(d) = self.program.decl(decl)
            && let Some(version) = Program::version_of(d)
        {
            let name = d.name.as_plain().unwrap_or_default();
            return Some((decl, version, format!("{name}@{version}")));
        }
        template_of(self.program, parsed, kind, diags)
    }

    fn read(&self, file: FileId, diags: &mut Vec<Diagnostic>) -> Option<SpecFile> {
        let text = self.map.get(file).map(|f| f.text.as_str()).unwrap_or("");
        let (parsed, d) = spec::read_spec(file, text);
        diags.extend(d);
        parsed
    }

    fn deprecated(
        &self,
        parsed: &SpecFile,
        kind: DeclKind,
        version: Version,
    ) -> Option<Diagnostic> {
        let t = parsed.template.as_ref()?;
        let registry = self.registry.as_ref()?;
        let reason = registry.deprecated(kind, &t.name, version)?;
        Some(deprecated_version(registry, t, kind, version, &reason))
    }

    /// Checks an environment spec and remembers the environment (when its template
    /// is found) for the service specs checked after it.
    pub fn environment(
        &mut self,
        file: FileId,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<EnvironmentPlan> {
        let parsed = self.read(file, diags)?;
        let name = spec_name(self.map, file);
        if !expect_kind(&parsed, SpecKind::Environment, diags) {
            return None;
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
            return None;
        }
        let (decl, version, template) = self.template_of(&parsed, DeclKind::Environment, diags)?;
        diags.extend(self.deprecated(&parsed, DeclKind::Environment, version));
        if let Some(sig) = self.checker.signature(decl) {
            let empty = spec::SpecNode::empty_map(Span::new(file, 0, 0));
            let values = parsed.environment_inputs.as_ref().unwrap_or(&empty);
            let (checked, d) = spec::check_inputs(values, &sig.inputs, &template_name(&template));
            let clean = !d.iter().any(Diagnostic::is_error);
            diags.extend(d);
            if clean {
                let at = parsed
                    .template
                    .as_ref()
                    .map_or(Span::new(file, 0, 0), |t| t.span);
                diags.extend(super::left_out::left_out(
                    self.program,
                    decl,
                    &checked,
                    &name,
                    at,
                ));
            }
        }
        let span = parsed
            .template
            .as_ref()
            .map_or(Span::new(file, 0, 0), |t| t.span);
        self.environments.insert(
            name.clone(),
            KnownEnvironment {
                template: template_name(&template),
                version,
                span,
            },
        );
        Some(EnvironmentPlan {
            name,
            spec: file,
            decl,
            template,
        })
    }

    /// Checks a service spec: its template, `pipeline:` inputs and waves, and each
    /// instance's pin, inputs and environment (against the environments checked so far).
    pub fn service(&mut self, file: FileId, diags: &mut Vec<Diagnostic>) -> Option<ServicePlan> {
        let parsed = self.read(file, diags)?;
        self.service_read(file, parsed, diags)
    }

    /// [`SpecChecker::service`] of a spec already read with `spec::read_spec` (the
    /// language server keeps what it read while the spec's text is unchanged).
    pub fn service_read(
        &mut self,
        file: FileId,
        parsed: SpecFile,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<ServicePlan> {
        let program = self.program;
        if !expect_kind(&parsed, SpecKind::Service, diags) {
            return None;
        }
        let (decl, version, template) = self.template_of(&parsed, DeclKind::Service, diags)?;
        diags.extend(self.deprecated(&parsed, DeclKind::Service, version));
        let tname = template_name(&template);
        let sig = self.checker.signature(decl);
        let mut pipeline_inputs = Inputs::default();
        if let Some(sig) = &sig {
            let has_pipeline = program.decl(decl).and_then(|d| d.pipeline()).is_some();
            let (values, d) =
                spec::check_pipeline_inputs(&parsed, &sig.pipeline_inputs, has_pipeline, &tname);
            diags.extend(d);
            pipeline_inputs = crate::compile::inputs(values);
            diags.extend(missing_context(&parsed, &sig.context, &tname));
        }
        if self.formwork_pinned == Some(false)
            && let Some(block) = program.decl(decl).and_then(|d| d.pipeline())
        {
            let at = parsed
                .template
                .as_ref()
                .map_or(Span::new(file, 0, 0), |t| t.span);
            diags.push(pipelines::missing_formwork_source(
                &spec_name(self.map, file),
                at,
                block.span,
            ));
        }
        if let Some(d) = program.decl(decl) {
            // A wave mismatch found in the template is about this spec's instances:
            // say so in the spec too, so a check of the spec reports it.
            let spec = parsed
                .instances
                .first()
                .map_or(Span::new(file, 0, 0), |i| i.name_span);
            let mut found = pipelines::check_waves(d, &parsed.instances);
            found.extend(pipelines::check_output_reads(d, &parsed.instances));
            diags.extend(found.into_iter().map(|w| {
                if w.labels.iter().any(|l| l.span.file == file) {
                    w
                } else {
                    w.with_secondary(spec, "the spec's instances")
                }
            }));
        }
        let mut instances = Vec::new();
        for inst in &parsed.instances {
            // An instance may pin its own version of the service's template.
            let (decl, template) = match &inst.template {
                Some(pin) => {
                    match resolve_pin(program, Some(pin), file, DeclKind::Service, diags) {
                        Some((d, v, t)) => {
                            if let Some(reg) = self.registry.as_ref()
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
            let mut values = Inputs::default();
            if let Some(sig) = self.checker.signature(decl) {
                let (checked, d) = spec::check_inputs(&inst.inputs, &sig.inputs, &tname);
                let clean = !d.iter().any(Diagnostic::is_error);
                diags.extend(d);
                if clean {
                    diags.extend(super::left_out::left_out(
                        program,
                        decl,
                        &checked,
                        &inst.name,
                        inst.name_span,
                    ));
                }
                values = crate::compile::inputs(checked);
            }
            match self.environments.get(&inst.environment) {
                None => diags.push(self.unknown_environment(inst)),
                Some(env) => diags.extend(not_admitted(
                    program,
                    decl,
                    &inst.name,
                    inst.environment_span,
                    &inst.environment,
                    env,
                )),
            }
            instances.push(InstancePlan {
                name: inst.name.clone(),
                name_span: inst.name_span,
                environment: inst.environment.clone(),
                decl,
                template,
                inputs: values,
            });
        }
        Some(ServicePlan {
            name: spec_name(self.map, file),
            spec: file,
            decl,
            template,
            instances,
            pipeline_inputs,
            pipeline_provider: parsed.pipeline_provider.map(|(p, _)| p),
        })
    }

    fn unknown_environment(&self, inst: &spec::Instance) -> Diagnostic {
        let d = Diagnostic::new(
            codes::UNKNOWN_ENVIRONMENT,
            format!(
                "instance `{}` runs in `{}`, which the workspace does not have",
                inst.name, inst.environment
            ),
        )
        .with_primary(inst.environment_span, "no such environment");
        let known = self.environments.keys().map(String::as_str);
        match did_you_mean(&inst.environment, known) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_help(format!(
                "an environment is a spec file in the environments folder, named like it: `{}.yaml`",
                inst.environment
            )),
        }
    }
}

/// `E0310`: a service template reads `service.branch_name` or
/// `service.repository_id`, and its spec does not say it.
fn missing_context(
    parsed: &spec::SpecFile,
    read: &std::collections::BTreeSet<crate::types::context::ContextName>,
    template: &str,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for c in read {
        let Some(key) = c.spec_key() else { continue };
        let given = match key {
            "branch_name" => parsed.branch_name.is_some(),
            _ => parsed.repository_id.is_some(),
        };
        if given {
            continue;
        }
        let at = parsed
            .template
            .as_ref()
            .map_or(Span::new(parsed.file, 0, 0), |t| t.span);
        let example = if key == "branch_name" {
            "main"
        } else {
            "acme/web"
        };
        out.push(
            Diagnostic::new(
                codes::MISSING_SPEC_INPUT,
                format!(
                    "`{template}` reads `{}`, which this spec does not give",
                    c.written()
                ),
            )
            .with_primary(at, format!("the spec of a `{template}` service"))
            .with_help(format!("add `{key}: {example}` at the top of the spec")),
        );
    }
    out
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
fn not_admitted(
    program: &Program,
    service: DeclId,
    instance: &str,
    instance_span: Span,
    environment: &str,
    env: &KnownEnvironment,
) -> Option<Diagnostic> {
    let (env_template, env_version, env_span) = (env.template.as_str(), env.version, env.span);
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

/// Whether the `formwork.yaml` the map holds (the outermost, as the registry finds
/// it) has a `formwork:` source; `None` without one (loose files).
fn formwork_pinned(map: &SourceMap) -> Option<bool> {
    use crate::workspace::config::{CONFIG_FILE, read_config};
    let (id, f) = map
        .files()
        .filter(|(_, f)| f.name == CONFIG_FILE || f.name.ends_with(&format!("/{CONFIG_FILE}")))
        .min_by_key(|(_, f)| f.name.len())?;
    Some(read_config(id, &f.text).0.formwork.is_some())
}
