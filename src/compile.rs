//! What `formwork render` and `formwork compile` run: check the workspace, pick the
//! template, read the spec (render mode), lower each instance to the IR and hand it to
//! the target's backend. No IO: the command line reads the files and writes what comes
//! back.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::codegen::doc::{to_json, to_yaml};
use crate::codegen::{cloudformation, terraform};
use crate::diagnostics::{Diagnostic, codes};
use crate::ir::Mode;
use crate::ir::lower::{self, Inputs, InstanceContext, Request};
use crate::resolve::{DeclId, Program, Version};
use crate::spec::{self, SecretRef, SpecFile, SpecKind};
use crate::syntax::ast::DeclKind;
use crate::syntax::span::{FileId, SourceMap, Span};
use crate::types::Checker;
use crate::types::targets::Target;

/// How to compile.
#[derive(Debug, Clone)]
pub struct Options {
    pub target: Target,
    pub mode: Mode,
    /// CloudFormation: write `template.yaml` beside `template.json`.
    pub yaml: bool,
    /// The AWS provider version constraint (Terraform).
    pub aws_provider: String,
    /// Input values given in place of the spec's: instance → input → text
    /// (`formwork build --input-file`, which a pipeline's deploy job runs to hand an
    /// artifact to the instances it deploys). Checked like the spec's own values.
    pub input_overrides: InputOverrides,
}

/// Instance name → input name → the text given for it.
pub type InputOverrides = BTreeMap<String, BTreeMap<String, String>>;

/// `values` (an instance's `spec:` mapping) with `overrides` in place of, or beside,
/// its entries: each a string at the entry it replaces (else at the mapping), so a
/// value the input refuses is reported there.
fn with_overrides(
    values: &spec::SpecNode,
    overrides: Option<&BTreeMap<String, String>>,
) -> spec::SpecNode {
    let mut node = values.clone();
    let (Some(overrides), spec::NodeKind::Map(entries)) = (overrides, &mut node.kind) else {
        return node;
    };
    for (input, text) in overrides {
        let value = |span| spec::SpecNode {
            kind: spec::NodeKind::Str(text.clone()),
            span,
            plain: false,
        };
        match entries.iter_mut().find(|e| e.key == *input) {
            Some(e) => e.value = value(e.value.span),
            None => entries.push(spec::MapEntry {
                key: input.clone(),
                key_span: values.span,
                value: value(values.span),
            }),
        }
    }
    node
}

/// One deployable artifact: its name (the instance's, or the template's) and its
/// files, by name, in a stable order.
#[derive(Debug, Clone, PartialEq)]
pub struct Artifact {
    pub name: String,
    pub files: Vec<(String, String)>,
}

/// The template a command names: `web`, `web@2.1`, or a `.fw` file holding one
/// environment or service.
#[derive(Debug, Clone)]
pub enum Selector {
    Name {
        name: String,
        version: Option<String>,
    },
    File(FileId),
}

impl Selector {
    pub fn parse_name(s: &str) -> Selector {
        match s.split_once('@') {
            Some((n, v)) => Selector::Name {
                name: n.to_string(),
                version: Some(v.to_string()),
            },
            None => Selector::Name {
                name: s.to_string(),
                version: None,
            },
        }
    }
}

/// Why nothing was compiled.
#[derive(Debug)]
pub enum Failure {
    /// The command named a template or instance that does not exist (exit status 2).
    Usage(String),
    /// Errors in the templates or the spec (exit status 1).
    Diagnostics(Vec<Diagnostic>),
    /// Writing an artifact failed (exit status 2).
    Io(String),
}

impl From<Vec<Diagnostic>> for Failure {
    fn from(d: Vec<Diagnostic>) -> Failure {
        Failure::Diagnostics(d)
    }
}

/// Compiles the template `selector` picks. `spec` is the spec file (render mode;
/// in parameterised mode it gives Terraform's `terraform.tfvars.json`); `instance`
/// picks one instance of a service spec (all otherwise). Errors are every diagnostic
/// that stopped it.
pub fn compile(
    map: &mut SourceMap,
    unreadable: Vec<Diagnostic>,
    selector: &Selector,
    spec_file: Option<FileId>,
    workspace_specs: &WorkspaceSpecs,
    instance: Option<&str>,
    options: &Options,
) -> Result<Vec<Artifact>, Failure> {
    let collected = std::sync::Mutex::new(Vec::new());
    compile_each(
        map,
        unreadable,
        selector,
        spec_file,
        workspace_specs,
        instance,
        options,
        &|i, a| {
            if let Ok(mut c) = collected.lock() {
                c.push((i, a));
            }
            Ok(())
        },
    )?;
    let mut artifacts = collected.into_inner().unwrap_or_default();
    artifacts.sort_by_key(|(i, _)| *i);
    Ok(artifacts.into_iter().map(|(_, a)| a).collect())
}

/// Receives each artifact as soon as it is compiled (from several threads), with its
/// index in the spec's order; an `Err` (a write that failed) stops the compile.
pub type Sink<'a> = dyn Fn(usize, Artifact) -> Result<(), String> + Sync + 'a;

/// [`compile`], handing each artifact to `sink` instead of keeping them all: a large
/// spec is never held in memory whole. Returns how many artifacts were compiled. When
/// an instance has errors, the others may already have been handed over: the caller
/// stages them and discards them then.
///
/// `workspace_specs` are the workspace's spec files (environments and services, in
/// `map`): the spec is checked with them exactly as `formwork check` checks it (its
/// instances' environments must be among them, stack names are unique across them).
#[allow(clippy::too_many_arguments)]
pub fn compile_each(
    map: &mut SourceMap,
    unreadable: Vec<Diagnostic>,
    selector: &Selector,
    spec_file: Option<FileId>,
    workspace_specs: &WorkspaceSpecs,
    instance: Option<&str>,
    options: &Options,
    sink: &Sink<'_>,
) -> Result<usize, Failure> {
    let (program, diags) = crate::check::build_and_check(map, unreadable);
    if diags.iter().any(Diagnostic::is_error) {
        return Err(diags.into());
    }
    let decl = find_template(&program, selector)?;
    if let Some(file) = spec_file {
        let errors = check_spec_in_workspace(&program, map, file, decl, workspace_specs);
        if errors.iter().any(Diagnostic::is_error) {
            return Err(errors.into());
        }
    }
    compile_template(&program, map, decl, spec_file, instance, options, sink)
}

/// A workspace's spec files, as its folders sort them.
#[derive(Debug, Clone, Default)]
pub struct WorkspaceSpecs {
    pub environments: Vec<FileId>,
    pub services: Vec<FileId>,
}

/// What `formwork check` reports about `file`, checked with the workspace's other
/// specs (`crate::workspace::plan_reporting`, through the one spec checker).
fn check_spec_in_workspace(
    program: &Program,
    map: &SourceMap,
    file: FileId,
    decl: DeclId,
    workspace_specs: &WorkspaceSpecs,
) -> Vec<Diagnostic> {
    // The spec rendered, in the role its folder gives it (or its `proton:` says, when
    // it is in neither), and the others; the same file read twice is one.
    let name = |f: FileId| map.get(f).map(|s| s.name.as_str());
    let same = |f: FileId| f == file || name(f) == name(file);
    let mut environments: Vec<FileId> = workspace_specs
        .environments
        .iter()
        .copied()
        .filter(|&f| !same(f))
        .collect();
    let mut services: Vec<FileId> = workspace_specs
        .services
        .iter()
        .copied()
        .filter(|&f| !same(f))
        .collect();
    if workspace_specs.environments.iter().any(|&f| same(f)) {
        environments.push(file);
    } else if workspace_specs.services.iter().any(|&f| same(f)) {
        services.push(file);
    } else {
        let text = map.get(file).map(|s| s.text.as_str()).unwrap_or("");
        match spec::read_spec(file, text).0.map(|s| s.kind) {
            Some(SpecKind::Environment) => environments.push(file),
            // A service, or unreadable: reported either way.
            _ => services.push(file),
        }
    }
    let (_, diags) = crate::workspace::plan_reporting(
        program,
        map,
        &environments,
        &services,
        Some((file, decl)),
        &|f| f == file,
    );
    diags
}

/// Compiles one checked template of `program` for the instances of `spec_file` (or
/// alone), handing each artifact to `sink`: what [`compile_each`] does after checking,
/// and what a workspace build does for each spec.
pub fn compile_template(
    program: &Program,
    map: &SourceMap,
    decl: DeclId,
    spec_file: Option<FileId>,
    instance: Option<&str>,
    options: &Options,
    sink: &Sink<'_>,
) -> Result<usize, Failure> {
    let batch = prepare(program, map, decl, spec_file, instance, options)?;
    run_batches(program, std::slice::from_ref(&batch), &|_, i, a| sink(i, a))
}

/// One template's instances, ready to compile: what [`prepare`] reads from the spec.
#[derive(Debug, Clone)]
pub struct Batch {
    pub decl: DeclId,
    pub options: Options,
    source_hash: String,
    template_name: String,
    /// Each instance: its name, the environment it runs in, its inputs, and what
    /// else the spec says of it.
    jobs: Vec<Job>,
}

impl Batch {
    pub fn len(&self) -> usize {
        self.jobs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }
}

/// One instance to compile: its name, the environment it runs in, its inputs, and
/// what else the spec says of it (for the context names).
type Job = (
    Option<String>,
    Option<String>,
    Option<Inputs>,
    InstanceContext,
);

/// What a service spec says of its instance at `index`, beyond its inputs.
pub fn service_context(spec: &spec::SpecFile, service: &str, index: usize) -> InstanceContext {
    InstanceContext {
        service: Some(service.to_string()),
        index: Some(index),
        branch_name: spec.branch_name.as_ref().map(|(b, _)| b.clone()),
        repository_id: spec.repository_id.as_ref().map(|(r, _)| r.clone()),
    }
}

/// Checks the spec against the template and lists the instances to compile.
pub fn prepare(
    program: &Program,
    map: &SourceMap,
    decl: DeclId,
    spec_file: Option<FileId>,
    instance: Option<&str>,
    options: &Options,
) -> Result<Batch, Failure> {
    let source_hash = source_hash(map, program, decl);
    let mut checker = Checker::new(program);
    let Some(sig) = checker.signature(decl) else {
        return Err(Failure::Diagnostics(vec![]));
    };
    let Some(d) = program.decl(decl) else {
        return Err(Failure::Diagnostics(vec![]));
    };
    let template_name = d.name.as_plain().unwrap_or_default();
    if !sig.targets.supports(options.target) {
        return Err(Failure::Diagnostics(vec![
            Diagnostic::new(
                codes::TARGET_NOT_SUPPORTED,
                format!(
                    "`{template_name}` cannot be compiled for {}",
                    options.target.display()
                ),
            )
            .with_primary(d.name.span, "this template")
            .with_help(format!(
                "it supports: {}",
                sig.targets
                    .supported()
                    .iter()
                    .map(|t| t.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        ]));
    }
    // The instances to compile: (name, environment, inputs).
    let mut jobs: Vec<Job> = Vec::new();
    match spec_file {
        None => {
            if options.mode == Mode::Render {
                return Err(Failure::Usage(
                    "rendering needs a spec file with the instance's inputs: give one with `--spec FILE`, or compile the template alone with `formwork compile`".into(),
                ));
            }
            jobs.push((None, None, None, InstanceContext::default()));
        }
        Some(file) => {
            let text = map.get(file).map(|f| f.text.clone()).unwrap_or_default();
            let (parsed, mut errors) = spec::read_spec(file, &text);
            let Some(parsed) = parsed else {
                return Err(errors.into());
            };
            check_spec_template(&parsed, d.kind, &template_name, &mut errors);
            let spec_name = spec_stem(map, file);
            if parsed.kind == SpecKind::Environment && !spec::is_stack_name(&spec_name) {
                return Err(Failure::Usage(format!(
                    "the spec file's name `{spec_name}` cannot name an environment: an environment is named after its spec file, and the name must be letters, digits and hyphens, starting with a letter (a CloudFormation stack name)"
                )));
            }
            match parsed.kind {
                SpecKind::Environment => {
                    let empty = spec::SpecNode::empty_map(Span::default());
                    let values = parsed.environment_inputs.as_ref().unwrap_or(&empty);
                    let (v, e) = spec::check_inputs(values, &sig.inputs, &template_name);
                    errors.extend(e);
                    jobs.push((
                        Some(spec_name),
                        None,
                        Some(inputs(v)),
                        InstanceContext::default(),
                    ));
                }
                SpecKind::Service => {
                    let mut found = false;
                    for (index, inst) in parsed.instances.iter().enumerate() {
                        if instance.is_some_and(|want| want != inst.name) {
                            continue;
                        }
                        found = true;
                        let given =
                            with_overrides(&inst.inputs, options.input_overrides.get(&inst.name));
                        let (v, e) = spec::check_inputs(&given, &sig.inputs, &template_name);
                        let overridden = options.input_overrides.get(&inst.name);
                        errors.extend(e.into_iter().map(|d| match overridden {
                            Some(o) => {
                                let names: Vec<String> =
                                    o.keys().map(|k| format!("`{k}`")).collect();
                                d.with_note(format!(
                                    "`--input-file` gave {} of `{}` in place of the spec (a pipeline's artifact)",
                                    names.join(", "),
                                    inst.name
                                ))
                            }
                            None => d,
                        }));
                        jobs.push((
                            Some(inst.name.clone()),
                            Some(inst.environment.clone()),
                            Some(inputs(v)),
                            service_context(&parsed, &spec_name, index),
                        ));
                    }
                    if !found {
                        let names: Vec<&str> =
                            parsed.instances.iter().map(|i| i.name.as_str()).collect();
                        let mut msg = match instance {
                            Some(i) => format!("the spec has no instance `{i}`"),
                            None => "the spec has no instances".to_string(),
                        };
                        match crate::diagnostics::suggest::did_you_mean(
                            instance.unwrap_or_default(),
                            names.iter().copied(),
                        ) {
                            Some(s) => msg.push_str(&format!("; did you mean `{s}`?")),
                            None if !names.is_empty() => {
                                msg.push_str(&format!("; its instances: {}", names.join(", ")))
                            }
                            None => {}
                        }
                        return Err(Failure::Usage(msg));
                    }
                }
            }
            if errors.iter().any(Diagnostic::is_error) {
                return Err(errors.into());
            }
        }
    }
    Ok(Batch {
        decl,
        options: options.clone(),
        source_hash,
        template_name,
        jobs,
    })
}

/// Receives each artifact with its batch's index and its index in the batch.
pub type BatchSink<'a> = dyn Fn(usize, usize, Artifact) -> Result<(), String> + Sync + 'a;

/// Compiles every instance of every batch, in parallel (each worker with its own
/// checker: a checker remembers what it has checked, and is not shared between
/// threads), handing each artifact to `sink` as it is made.
pub fn run_batches(
    program: &Program,
    batches: &[Batch],
    sink: &BatchSink<'_>,
) -> Result<usize, Failure> {
    let work: Vec<(usize, usize)> = batches
        .iter()
        .enumerate()
        .flat_map(|(b, batch)| (0..batch.jobs.len()).map(move |i| (b, i)))
        .collect();
    let count = work.len();
    let results: Vec<Result<(), Failure>> = work
        .into_par_iter()
        .map_init(
            || (Checker::new(program), lower::Cache::default()),
            |(checker, cache), (b, i)| {
                let batch = &batches[b];
                let (name, environment, values, context) = batch.jobs[i].clone();
                let artifact = compile_one(
                    checker,
                    cache,
                    batch.decl,
                    &batch.options,
                    &batch.source_hash,
                    &batch.template_name,
                    name,
                    environment,
                    values,
                    context,
                )?;
                sink(b, i, artifact).map_err(Failure::Io)
            },
        )
        .collect();
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(()) => {}
            Err(Failure::Diagnostics(e)) => errors.extend(e),
            Err(other) => return Err(other),
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|d| d.primary_span().map(|s| (s.file, s.start, s.end)));
        errors.dedup();
        return Err(errors.into());
    }
    Ok(count)
}

/// Lowers one instance and writes its files in memory.
#[allow(clippy::too_many_arguments)]
fn compile_one(
    checker: &mut Checker<'_>,
    cache: &mut lower::Cache,
    decl: DeclId,
    options: &Options,
    source_hash: &str,
    template_name: &str,
    name: Option<String>,
    environment: Option<String>,
    values: Option<Inputs>,
    context: InstanceContext,
) -> Result<Artifact, Vec<Diagnostic>> {
    let request = Request {
        decl,
        target: options.target,
        mode: options.mode,
        inputs: values.as_ref(),
        instance: name.clone(),
        environment,
        source_hash: source_hash.to_string(),
        context,
    };
    let stack = lower::lower(checker, cache, &request)?;
    let files = match options.target {
        Target::CloudFormation => {
            let doc = cloudformation::generate(&stack)?;
            let json = to_json(&doc);
            let quota = checker.program.decl(decl).map(|d| {
                let name = d.name.as_plain().unwrap_or_default();
                cloudformation::quotas::check(&doc, json.len(), &name, d.name.span)
            });
            if let Some(errors) = quota.filter(|e| !e.is_empty()) {
                return Err(errors);
            }
            let mut files = vec![("template.json".to_string(), json)];
            if options.yaml {
                files.push(("template.yaml".to_string(), to_yaml(&doc)));
            }
            files
        }
        Target::Terraform => {
            let f = terraform::generate(&stack, values.as_ref(), &options.aws_provider);
            let mut files = vec![("main.tf.json".to_string(), to_json(&f.main))];
            if !f.variables.is_empty_map() {
                files.push(("variables.tf.json".to_string(), to_json(&f.variables)));
            }
            if let Some(t) = f.tfvars {
                files.push(("terraform.tfvars.json".to_string(), to_json(&t)));
            }
            files
        }
    };
    Ok(Artifact {
        name: name.unwrap_or_else(|| file_name(template_name)),
        files,
    })
}

/// A spec's checked values as lowering takes them.
pub fn inputs(v: spec::InputValues) -> Inputs {
    Inputs {
        values: v.values,
        secrets: v
            .secrets
            .into_iter()
            .map(|(k, s)| {
                let source = match s {
                    SecretRef::SecretsManager { name, key } => {
                        crate::ir::SecretSource::SecretsManager { name, key }
                    }
                    SecretRef::SsmSecure { name } => crate::ir::SecretSource::SsmSecure { name },
                };
                (k, source)
            })
            .collect(),
    }
}

/// The spec file's name without folders and extension: an environment's name.
fn spec_stem(map: &SourceMap, file: FileId) -> String {
    let name = map.get(file).map(|f| f.name.clone()).unwrap_or_default();
    let base = name.rsplit('/').next().unwrap_or(&name);
    base.split('.').next().unwrap_or(base).to_string()
}

/// A spec written for another template, or for the other kind, is refused.
fn check_spec_template(
    parsed: &SpecFile,
    kind: DeclKind,
    template: &str,
    errors: &mut Vec<Diagnostic>,
) {
    let expected = match kind {
        DeclKind::Environment => SpecKind::Environment,
        _ => SpecKind::Service,
    };
    if parsed.kind != expected {
        errors.push(
            Diagnostic::new(
                codes::INVALID_SPEC_LAYOUT,
                format!(
                    "`{template}` is {}, but this spec is for {}",
                    crate::types::article(kind.keyword()),
                    match parsed.kind {
                        SpecKind::Environment => "an environment (`proton: EnvironmentSpec`)",
                        SpecKind::Service => "a service (`proton: ServiceSpec`)",
                    }
                ),
            )
            .with_primary(Span::new(parsed.file, 0, 0), "this spec"),
        );
    }
    if let Some(t) = &parsed.template
        && t.name != template
    {
        errors.push(
            Diagnostic::new(
                codes::INVALID_TEMPLATE_REFERENCE,
                format!("this spec is for template `{}`, not `{template}`", t.name),
            )
            .with_primary(t.span, "the spec's template")
            .with_help(format!("render it with `{}`", t.name)),
        );
    }
}

/// Finds the environment or service a selector names (the newest version unless one
/// is given).
pub fn find_template(program: &Program, selector: &Selector) -> Result<DeclId, Failure> {
    let candidates: Vec<(DeclId, Option<Version>)> = program
        .user_decls()
        .filter(|(_, d)| d.kind != DeclKind::Module)
        .filter(|(id, d)| match selector {
            Selector::File(f) => id.file == *f,
            Selector::Name { name, .. } => d.name.as_plain().as_deref() == Some(name.as_str()),
        })
        .map(|(id, d)| (id, Program::version_of(d)))
        .collect();
    let wanted = match selector {
        Selector::Name {
            version: Some(v), ..
        } => Some(v.clone()),
        _ => None,
    };
    let mut matching: Vec<&(DeclId, Option<Version>)> = candidates
        .iter()
        .filter(|(_, v)| {
            wanted
                .as_ref()
                .is_none_or(|w| v.is_some_and(|v| v.to_string() == *w))
        })
        .collect();
    matching.sort_by_key(|(_, v)| *v);
    match (selector, matching.last()) {
        (Selector::File(_), Some(_)) if matching.len() > 1 => Err(Failure::Usage(
            "this file declares several templates: name one, like `web@2.1`".into(),
        )),
        (_, Some((id, _))) => Ok(*id),
        (Selector::Name { name, .. }, None) => {
            let names: BTreeSet<String> = program
                .user_decls()
                .filter(|(_, d)| d.kind != DeclKind::Module)
                .filter_map(|(_, d)| d.name.as_plain())
                .collect();
            let mut msg = match &wanted {
                Some(v) => format!("no template `{name}` at version {v}"),
                None => format!("no environment or service template `{name}`"),
            };
            if let Some(s) =
                crate::diagnostics::suggest::did_you_mean(name, names.iter().map(String::as_str))
            {
                msg.push_str(&format!("; did you mean `{s}`?"));
            }
            Err(Failure::Usage(msg))
        }
        (Selector::File(_), None) => Err(Failure::Usage(
            "this file declares no environment or service template".into(),
        )),
    }
}

/// sha256 over the contents of the template's file and every file it imports,
/// transitively. Contents only, in a stable order: where the workspace is, and from
/// which folder formwork runs, does not change the artifact.
fn source_hash(map: &SourceMap, program: &Program, decl: DeclId) -> String {
    let mut files: BTreeSet<FileId> = BTreeSet::new();
    let mut work = vec![decl.file];
    while let Some(f) = work.pop() {
        if !files.insert(f) {
            continue;
        }
        if let Some(file) = program.file(f) {
            work.extend(file.imports.values().copied());
        }
    }
    let mut each: Vec<[u8; 32]> = files
        .iter()
        .filter_map(|f| map.get(*f))
        .map(|s| Sha256::digest(s.text.as_bytes()).into())
        .collect();
    each.sort_unstable();
    let mut hasher = Sha256::new();
    for h in each {
        hasher.update(h);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A template's name as a file name: letters, digits, `.`, `_` and `-` kept, anything
/// else (a `/`, a space) made `-`, and no leading dot, so an artifact named after its
/// template is always a plain file in the output folder.
fn file_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let cleaned = cleaned.trim_start_matches('.');
    if cleaned.is_empty() {
        "template".to_string()
    } else {
        cleaned.to_string()
    }
}
