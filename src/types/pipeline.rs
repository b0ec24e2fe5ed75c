//! Checking a service's `pipeline { … }` block: which settings and steps exist where,
//! what their arguments are, and that every value is one the pipeline has. A pipeline
//! runs once per service, on a CI runner, before any stack exists: it can read
//! literals and `pipeline.input.NAME`, not an instance's inputs, a `let`, a resource
//! or an environment output.
//!
//! ```text
//! pipeline {
//!   branch = "main"                      // settings: branch, env
//!   env = { REGISTRY = "…" }
//!   stage "build" {                      // a job
//!     image = "rust:1.85"                //   settings: image, env
//!     run "cargo build --release"        //   steps: run, artifact
//!     artifact "target/release/app"
//!   }
//!   approve "release to production"      // a manual gate
//!   stage "deploy" {
//!     deploy instances { waves = ["dev", "prod"] }   // alone in its stage
//!   }
//! }
//! ```

use std::collections::BTreeMap;

use crate::diagnostics::suggest::did_you_mean;
use crate::diagnostics::{Diagnostic, codes};
use crate::syntax::ast::{self, Expr, ExprKind, PipelineItem, StepArg};
use crate::syntax::span::Span;
use crate::types::Checker;
use crate::types::decl::{Scope, free_reads};
use crate::types::pipeline_loop::PipelineState;
use crate::types::ty::Ty;

/// Settings at the pipeline's top level, and in a stage.
pub const PIPELINE_SETTINGS: &[&str] = &["branch", "env"];
pub const STAGE_SETTINGS: &[&str] = &["image", "env"];
/// Steps at the pipeline's top level, and in a stage.
pub const PIPELINE_STEPS: &[&str] = &["stage", "approve", "for"];
pub const STAGE_STEPS: &[&str] = &["run", "artifact", "deploy"];

/// A stage's job id: its name in lower case, runs of other characters as one hyphen.
pub fn stage_id(name: &str) -> String {
    let mut id = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            id.push(c.to_ascii_lowercase());
        } else if !id.ends_with('-') && !id.is_empty() {
            id.push('-');
        }
    }
    while id.ends_with('-') {
        id.pop();
    }
    if id.is_empty() {
        id.push_str("stage");
    }
    id
}

/// Whether `name` can be a shell variable: `[A-Za-z_][A-Za-z0-9_]*`.
pub fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Checker<'_> {
    pub(crate) fn check_pipelines(
        &mut self,
        sc: &mut Scope<'_>,
        blocks: &[&ast::PipelineBlock],
        outputs: BTreeMap<String, Ty>,
    ) {
        let Some((first, rest)) = blocks.split_first() else {
            return;
        };
        for extra in rest {
            self.diags.push(
                Diagnostic::new(codes::DUPLICATE_STAGE, "a second `pipeline` block")
                    .with_primary(keyword(extra.span), "a service has one pipeline")
                    .with_secondary(keyword(first.span), "the first one")
                    .with_help("move its stages into the first block"),
            );
        }
        sc.in_pipeline = true;
        let mut state = PipelineState {
            outputs,
            ..PipelineState::default()
        };
        for item in &first.items {
            match item {
                PipelineItem::Attribute(a) => self.pipeline_setting(sc, a, PIPELINE_SETTINGS),
                PipelineItem::Step(s) if s.keyword.name == "for" => {
                    self.instance_loop(sc, s, &mut state, |c, sc, st, state| {
                        c.pipeline_step(sc, st, state);
                    });
                }
                PipelineItem::Step(s) => self.pipeline_step(sc, s, &mut state),
                PipelineItem::Error(_) => {}
            }
        }
        sc.in_pipeline = false;
    }

    /// A step of the pipeline, or of a loop's body: a stage or an approval.
    fn pipeline_step(&mut self, sc: &mut Scope<'_>, s: &ast::Step, state: &mut PipelineState) {
        self.step_condition(sc, s);
        match s.keyword.name.as_str() {
            "stage" => self.stage(sc, s, state),
            "approve" => {
                self.step_string(sc, s, "approve", "approve \"release to production\"");
                self.no_body(s, "an approval");
            }
            // Only reached inside a loop: the top level handles its own.
            "for" => self.instance_loop(sc, s, state, |_, _, _, _| {}),
            other => self.misplaced_step(s, other, PIPELINE_STEPS, true),
        }
    }

    fn stage(&mut self, sc: &mut Scope<'_>, s: &ast::Step, state: &mut PipelineState) {
        let stages = &mut state.stages;
        let name = match &s.arg {
            StepArg::String(st) => st.as_plain(),
            _ => None,
        };
        match name {
            Some(name) => {
                let id = stage_id(&name);
                if let Some((first_name, first)) = stages.get(&id) {
                    let message = if *first_name == name {
                        format!("two stages named `{name}`")
                    } else {
                        format!("stages `{first_name}` and `{name}` would be one job, `{id}`")
                    };
                    self.diags.push(
                        Diagnostic::new(codes::DUPLICATE_STAGE, message)
                            .with_primary(arg_span(s), "the same job as the first")
                            .with_secondary(*first, "the first one")
                            .with_note(format!("a stage is the job named after it in lower case, other characters as hyphens (`{id}`)"))
                            .with_help("rename one of them"),
                    );
                } else {
                    stages.insert(id, (name, arg_span(s)));
                }
            }
            None => self.diags.push(
                Diagnostic::new(codes::INVALID_STEP, "a stage is named by a plain string")
                    .with_primary(arg_span(s), "not a plain string")
                    .with_help("name it with a string literal: `stage \"build\" { … }`"),
            ),
        }
        let Some(body) = &s.body else {
            self.diags.push(
                Diagnostic::new(codes::INVALID_STEP, "a stage without steps")
                    .with_primary(s.span, "this stage does nothing")
                    .with_help("give it steps: `stage \"build\" { run \"make\" }`"),
            );
            return;
        };
        let mut deploy: Option<Span> = None;
        let mut other: Option<Span> = None;
        sc.pipeline_deployed = state.var.is_some() && state.deployed;
        for item in body {
            match item {
                PipelineItem::Attribute(a) => self.pipeline_setting(sc, a, STAGE_SETTINGS),
                PipelineItem::Step(step) => match step.keyword.name.as_str() {
                    _ if step.condition.is_some() => self.step_condition(sc, step),
                    "run" => {
                        sc.pipeline_outputs = sc.pipeline_deployed;
                        self.step_string(sc, step, "run", "run \"make test\"");
                        sc.pipeline_outputs = false;
                        self.no_body(step, "a `run` step");
                        other.get_or_insert(step.span);
                    }
                    "artifact" => {
                        self.named_artifact(step, state);
                        self.artifact(sc, step);
                        self.no_body(step, "an `artifact` step");
                        other.get_or_insert(step.span);
                    }
                    "deploy" => {
                        if let Some(first) = deploy {
                            self.diags.push(
                                Diagnostic::new(codes::DEPLOY_NOT_ALONE, "two `deploy` steps in one stage")
                                    .with_primary(step.span, "a second deploy")
                                    .with_secondary(first, "the first one")
                                    .with_help("deploy in waves instead: `deploy instances { waves = [\"dev\", \"prod\"] }`"),
                            );
                        }
                        deploy.get_or_insert(step.span);
                        self.deploy(sc, step, state);
                    }
                    kw => self.misplaced_step(step, kw, STAGE_STEPS, false),
                },
                PipelineItem::Error(_) => {}
            }
        }
        sc.pipeline_deployed = false;
        state.deployed |= deploy.is_some();
        if let (Some(d), Some(o)) = (deploy, other) {
            self.diags.push(
                Diagnostic::new(
                    codes::DEPLOY_NOT_ALONE,
                    "a stage that deploys does nothing else",
                )
                .with_primary(o, "a step beside a deploy")
                .with_secondary(d, "the deploy")
                .with_note(
                    "a deploy stage becomes one job per wave, which run formwork's deploy script",
                )
                .with_help("move this step into a stage of its own before the deploy"),
            );
        }
    }

    /// `branch = …`, `env = { … }`, `image = …`.
    fn pipeline_setting(&mut self, sc: &mut Scope<'_>, a: &ast::Attribute, allowed: &[&str]) {
        let name = a.name.name.as_str();
        if !allowed.contains(&name) {
            let d = Diagnostic::new(
                codes::UNKNOWN_PIPELINE_ITEM,
                format!("unknown setting `{name}` {}", where_(allowed)),
            )
            .with_primary(a.name.span, "unknown setting");
            let d = if name == "provider" {
                d.with_note("where a pipeline runs is the platform's choice, not the template's")
                    .with_help("choose the provider in the service spec (`pipeline_provider: gitlab`) or for the workspace in `formwork.yaml` (`pipeline: gitlab`)")
            } else if let Some(s) = did_you_mean(name, allowed.iter().copied()) {
                d.with_help(format!("did you mean `{s}`?"))
            } else {
                d.with_help(format!("the settings here are {}", list(allowed)))
            };
            self.diags.push(d);
            self.expr(sc, &a.value);
            return;
        }
        if name == "env" {
            self.env_map(sc, &a.value);
        } else {
            self.pipeline_value(sc, &a.value, false);
        }
    }

    /// `env = { NAME = value, … }`: plain values, or a `Secret` pipeline input whole.
    fn env_map(&mut self, sc: &mut Scope<'_>, e: &Expr) {
        let ExprKind::Map { entries, .. } = &e.kind else {
            self.diags.push(
                Diagnostic::new(codes::INVALID_STEP, "`env` is written as a map")
                    .with_primary(e.span, "not a map literal")
                    .with_help("write the variables out: `env = { REGION = \"eu-west-1\" }`"),
            );
            self.expr(sc, e);
            return;
        };
        for entry in entries {
            let (key, key_span) = entry.key.plain();
            match key {
                Some(k) if is_env_name(&k) => {}
                _ => self.diags.push(
                    Diagnostic::new(
                        codes::INVALID_STEP,
                        "an environment variable's name must be a shell name",
                    )
                    .with_primary(key_span, "not a shell variable name")
                    .with_help("use letters, digits and underscores, not starting with a digit: `API_TOKEN`"),
                ),
            }
            self.pipeline_value(sc, &entry.value, true);
        }
    }

    /// Checks a value the pipeline reads: printable, and made only of what the
    /// pipeline has. A secret is allowed whole where `secret_ok` (an `env` value).
    fn pipeline_value(&mut self, sc: &mut Scope<'_>, e: &Expr, secret_ok: bool) {
        if self.pipeline_names(sc, e) {
            return;
        }
        if self.only_pipeline_names(sc, e) {
            // `instance` outside a loop is the context name of a stack: typing it
            // would report its fields again.
            return;
        }
        let v = self.expr(sc, e);
        if v.is_secret() {
            if !secret_ok || !is_pipeline_input(e) {
                self.diags.push(
                    Diagnostic::new(codes::SECRET_LEAK, "a secret would be written into the pipeline in plain text")
                        .with_primary(e.span, format!("this value is secret: {}", v.secret_description()))
                        .with_note("pipeline files are committed and their settings are printed in build logs")
                        .with_help("pass the secret whole as an environment variable: `env = { TOKEN = pipeline.input.token }`"),
                );
            }
            return;
        }
        let printable = matches!(
            v.ty.base(),
            Ty::String | Ty::Int | Ty::Number | Ty::Bool | Ty::Error | Ty::Any | Ty::Lit(_)
        ) || matches!(v.ty.base(), Ty::Union(ref ms) if ms.iter().all(|m| matches!(m, Ty::Lit(_) | Ty::String | Ty::Int | Ty::Number | Ty::Bool)));
        if !printable {
            self.diags.push(
                Diagnostic::new(
                    codes::TYPE_MISMATCH,
                    format!("expected a string, found `{}`", v.ty),
                )
                .with_primary(e.span, "not a string, number or boolean")
                .with_help("pipeline settings and variables are strings"),
            );
        }
    }

    /// Reports every name `e` reads that a pipeline does not have; true when one was
    /// `instance` (outside a loop), which the value's type check would report again.
    fn only_pipeline_names(&mut self, sc: &Scope<'_>, e: &Expr) -> bool {
        let mut instance = false;
        let mut names = Vec::new();
        free_reads(e, &mut names);
        for (name, span) in names {
            if name == "pipeline" || sc.locals.iter().any(|(k, _)| *k == name) {
                continue;
            }
            instance |= name == "instance";
            let (what, help) = match name.as_str() {
                "instance" => (
                    "an instance outside a loop over them".to_string(),
                    "loop over the instances: `for instance in instances { … }`, where `instance.name`, `instance.environment.name` and `instance.inputs.NAME` are known".to_string(),
                ),
                "input" => (
                    "an instance's input".to_string(),
                    "declare what the pipeline needs in `pipeline input { … }` and read it as `pipeline.input.NAME`".to_string(),
                ),
                "environment" => (
                    "an environment's output".to_string(),
                    "each instance has its own environment: read environment outputs in the stack's resources and outputs".to_string(),
                ),
                "target" | "service" => continue,
                other => (
                    format!("`{other}`, a value of the stack"),
                    "compute it from `pipeline.input` values, or write it out".to_string(),
                ),
            };
            self.diags.push(
                Diagnostic::new(
                    codes::NOT_A_PIPELINE_VALUE,
                    format!("the pipeline cannot read {what}"),
                )
                .with_primary(span, "not known to the pipeline")
                .with_note("a pipeline runs once per service, before any instance is deployed: it knows its own inputs, and in a loop over the instances what each one's spec gives")
                .with_help(help),
            );
        }
        instance
    }

    /// `run "…"`, `approve "…"`: a string, which may interpolate pipeline values.
    fn step_string(&mut self, sc: &mut Scope<'_>, s: &ast::Step, keyword: &str, example: &str) {
        match &s.arg {
            StepArg::String(st) => {
                let e = Expr {
                    kind: ExprKind::String(st.clone()),
                    span: st.span,
                    depth: 1,
                };
                self.pipeline_value(sc, &e, false);
            }
            _ => self.diags.push(
                Diagnostic::new(codes::INVALID_STEP, format!("`{keyword}` takes a string"))
                    .with_primary(arg_span(s), "not a string")
                    .with_help(format!("write it as `{example}`")),
            ),
        }
    }

    /// `artifact "dist/app.zip"`, `artifact ["a", "b"]` or `artifact image = "image.txt"`:
    /// workspace-relative paths.
    fn artifact(&mut self, sc: &mut Scope<'_>, s: &ast::Step) {
        let paths: Vec<Expr> = match &s.arg {
            StepArg::String(st) | StepArg::Named { value: st, .. } => vec![Expr {
                kind: ExprKind::String(st.clone()),
                span: st.span,
                depth: 1,
            }],
            StepArg::List(e) => match &e.kind {
                ExprKind::List { items, .. } => items.clone(),
                _ => vec![e.clone()],
            },
            StepArg::Path(_) | StepArg::Loop { .. } => {
                self.diags.push(
                    Diagnostic::new(codes::INVALID_STEP, "`artifact` takes a path as a string")
                        .with_primary(arg_span(s), "not a string")
                        .with_help("write it as `artifact \"dist/app.zip\"`"),
                );
                return;
            }
        };
        for p in &paths {
            self.pipeline_value(sc, p, false);
            if let ExprKind::String(st) = &p.kind
                && let Some(text) = st.as_plain()
                && !is_relative_path(&text)
            {
                self.diags.push(
                    Diagnostic::new(
                        codes::INVALID_STEP,
                        "an artifact's path must stay in the workspace",
                    )
                    .with_primary(p.span, "an absolute path, or one that climbs out")
                    .with_help("give a path relative to the workspace folder, without `..`"),
                );
            }
        }
    }

    /// `deploy instances`, `deploy instances.dev`, `deploy instances { waves = […] }`, and
    /// in a loop `deploy instance`; any of them with `inputs = { … }`.
    fn deploy(&mut self, sc: &mut Scope<'_>, s: &ast::Step, state: &PipelineState) {
        let path: Vec<&str> = match &s.arg {
            StepArg::Path(p) => p.iter().map(|i| i.name.as_str()).collect(),
            _ => Vec::new(),
        };
        let looped = state.var.as_deref();
        match (path.as_slice(), looped) {
            ([var], Some(v)) if *var == v => {}
            (["instances"] | ["instances", _], None) => {}
            (_, Some(v)) => self.diags.push(
                Diagnostic::new(codes::INVALID_STEP, "a deploy in a loop deploys the loop's instance")
                    .with_primary(arg_span(s), format!("expected `{v}`"))
                    .with_help(format!("write `deploy {v}`: the loop runs it once for each instance")),
            ),
            (["instance"], None) => self.diags.push(
                Diagnostic::new(codes::INVALID_STEP, "`deploy instance` outside a loop")
                    .with_primary(arg_span(s), "no loop names it")
                    .with_help("loop over the instances: `for instance in instances { stage \"deploy\" { deploy instance } }`, or write `deploy instances`"),
            ),
            _ => self.diags.push(
                Diagnostic::new(codes::INVALID_STEP, "`deploy` deploys the service's instances")
                    .with_primary(arg_span(s), "expected `instances` or `instances.ENVIRONMENT`")
                    .with_help("write `deploy instances`, or `deploy instances.dev` for the instances that run in `dev`"),
            ),
        }
        let Some(body) = &s.body else {
            return;
        };
        let narrowed = path.len() == 2 || looped.is_some();
        for item in body {
            match item {
                PipelineItem::Attribute(a) if a.name.name == "inputs" => {
                    self.deploy_inputs(sc, a, state);
                }
                PipelineItem::Attribute(a) if a.name.name == "waves" => {
                    if narrowed {
                        self.diags.push(
                            Diagnostic::new(codes::INVALID_STEP, "waves of the instances of one environment")
                                .with_primary(a.span, "the deploy already names its environment")
                                .with_help("write `deploy instances { waves = […] }` to deploy environment after environment"),
                        );
                    }
                    self.waves(sc, &a.value);
                }
                PipelineItem::Attribute(a) => self.diags.push(
                    Diagnostic::new(
                        codes::UNKNOWN_PIPELINE_ITEM,
                        format!("unknown setting `{}` of a deploy", a.name.name),
                    )
                    .with_primary(a.name.span, "unknown setting")
                    .with_help("a deploy's settings are `waves = [\"dev\", \"prod\"]` and `inputs = { NAME = artifacts.NAME }`"),
                ),
                PipelineItem::Step(st) => self.diags.push(
                    Diagnostic::new(
                        codes::UNKNOWN_PIPELINE_ITEM,
                        format!("`{}` inside a deploy", st.keyword.name),
                    )
                    .with_primary(st.keyword.span, "a deploy holds no steps")
                    .with_help("a deploy has one setting, `waves = [\"dev\", \"prod\"]`"),
                ),
                PipelineItem::Error(_) => {}
            }
        }
    }

    /// `waves = ["dev", "staging", "prod"]`: environment names, each once.
    fn waves(&mut self, sc: &mut Scope<'_>, e: &Expr) {
        let ExprKind::List { items, .. } = &e.kind else {
            self.diags.push(
                Diagnostic::new(codes::INVALID_STEP, "`waves` lists environments")
                    .with_primary(e.span, "not a list")
                    .with_help(
                        "list the environments in deploy order: `waves = [\"dev\", \"prod\"]`",
                    ),
            );
            self.expr(sc, e);
            return;
        };
        let mut seen: BTreeMap<String, Span> = BTreeMap::new();
        for item in items {
            let name = match &item.kind {
                ExprKind::String(st) => st.as_plain(),
                _ => None,
            };
            let Some(name) = name else {
                self.diags.push(
                    Diagnostic::new(codes::INVALID_STEP, "a wave is an environment's name")
                        .with_primary(item.span, "not a plain string")
                        .with_help("write the environment's name: `\"dev\"`"),
                );
                continue;
            };
            if let Some(first) = seen.get(&name) {
                self.diags.push(
                    Diagnostic::new(
                        codes::DUPLICATE_STAGE,
                        format!("`{name}` is deployed twice"),
                    )
                    .with_primary(item.span, "a second wave for this environment")
                    .with_secondary(*first, "the first one")
                    .with_help("remove one of them"),
                );
            } else {
                seen.insert(name, item.span);
            }
        }
    }

    fn no_body(&mut self, s: &ast::Step, what: &str) {
        if s.body.is_some() {
            self.diags.push(
                Diagnostic::new(codes::INVALID_STEP, format!("{what} has no block"))
                    .with_primary(s.span, "a block here")
                    .with_help("only `stage` and `deploy` take a block"),
            );
        }
    }

    /// A step that does not exist, or not here.
    fn misplaced_step(&mut self, s: &ast::Step, keyword: &str, here: &[&str], top: bool) {
        let (message, help) = match (keyword, top) {
            ("run" | "artifact" | "deploy", true) => (
                format!("`{keyword}` outside a stage"),
                format!("put it in a stage: `stage \"build\" {{ {keyword} … }}`"),
            ),
            ("for", false) => (
                "a loop inside a stage".to_string(),
                "loop around the stages: `for instance in instances { stage \"deploy\" { deploy instance } }`".to_string(),
            ),
            ("stage", false) => (
                "a stage inside a stage".to_string(),
                "stages do not nest: put this one after the stage it is in".to_string(),
            ),
            ("approve", false) => (
                "`approve` inside a stage".to_string(),
                "approvals stand between stages: move it out, before the stage it guards"
                    .to_string(),
            ),
            _ => {
                let help = match did_you_mean(keyword, here.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("the steps here are {}", list(here)),
                };
                (format!("unknown step `{keyword}`"), help)
            }
        };
        self.diags.push(
            Diagnostic::new(codes::UNKNOWN_PIPELINE_ITEM, message)
                .with_primary(s.keyword.span, "not allowed here")
                .with_help(help),
        );
    }
}

/// Where a step's argument is (the step itself when it has none to point at).
fn arg_span(s: &ast::Step) -> Span {
    match &s.arg {
        StepArg::String(st) => st.span,
        StepArg::List(e) => e.span,
        StepArg::Named { name, value } => name.span.to(value.span),
        StepArg::Loop { var, source } => match source.last() {
            Some(last) => var.span.to(last.span),
            None => var.span,
        },
        StepArg::Path(p) => match (p.first(), p.last()) {
            (Some(a), Some(b)) => a.span.to(b.span),
            _ => s.span,
        },
    }
}

/// The `pipeline` keyword at the start of a block.
fn keyword(block: Span) -> Span {
    Span::new(
        block.file,
        block.start as usize,
        block.start as usize + "pipeline".len(),
    )
}

/// `pipeline.input.NAME`, exactly.
pub fn is_pipeline_input(e: &Expr) -> bool {
    pipeline_input_name(e).is_some()
}

/// The `NAME` of `pipeline.input.NAME`.
pub fn pipeline_input_name(e: &Expr) -> Option<&str> {
    let ExprKind::Member { object, field } = &e.kind else {
        return None;
    };
    let ExprKind::Member {
        object: root,
        field: mid,
    } = &object.kind
    else {
        return None;
    };
    let ExprKind::Name(r) = &root.kind else {
        return None;
    };
    (r.name == "pipeline" && mid.name == "input").then_some(field.name.as_str())
}

/// A path inside the workspace: relative, without `..`.
fn is_relative_path(p: &str) -> bool {
    !p.is_empty()
        && !p.starts_with('/')
        && !p.starts_with('\\')
        && !p.contains(':')
        && !p.split(['/', '\\']).any(|c| c == "..")
}

fn where_(allowed: &[&str]) -> &'static str {
    if allowed == STAGE_SETTINGS {
        "in a stage"
    } else {
        "in a pipeline"
    }
}

fn list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => quoted.join(""),
    }
}
