//! Checking what a pipeline knows of the service's instances: the loop
//! `for instance in instances[.ENV] { … }`, whose variable holds each instance's
//! `name`, `index`, `environment.name` and `inputs` (its spec's values, known when the
//! pipeline is built) and `outputs` (known once it is deployed: a `run` command of a
//! later stage interpolates them whole, and its job reads them when it runs); a step's `when COND` (a `Bool`, decided when the pipeline is
//! built, so it never reaches the pipeline file as text); named artifacts
//! (`artifact image = "image.txt"`) and the deploy's `inputs = { image = artifacts.image }`,
//! which hands an artifact's text to the instances it deploys.

use std::collections::BTreeMap;

use crate::diagnostics::suggest::did_you_mean;
use crate::diagnostics::{Diagnostic, codes};
use crate::syntax::ast::{self, Expr, ExprKind, StepArg};
use crate::syntax::span::Span;
use crate::types::Checker;
use crate::types::decl::Scope;
use crate::types::ty::{FieldTy, Ty};
use crate::types::value::{Stage, Value};

/// What the checker knows of a pipeline while walking it.
#[derive(Debug, Default)]
pub(crate) struct PipelineState {
    /// Stage job ids seen in the current scope (the pipeline, or one loop's body).
    pub stages: BTreeMap<String, (String, Span)>,
    /// Named artifacts of the stages so far, in order: name → where it is named.
    pub artifacts: BTreeMap<String, Span>,
    /// The loop's variable, inside `for VAR in instances { … }`.
    pub var: Option<String>,
    /// Whether an earlier stage deploys: a later one may read deployed outputs.
    pub deployed: bool,
    /// The service's outputs, which `VAR.outputs` holds.
    pub outputs: BTreeMap<String, Ty>,
}

/// The fields of the loop variable, with the service's inputs (by their declared
/// type: a spec gives each a value, or it takes its default).
pub(crate) fn instance_record(
    inputs: &BTreeMap<String, (FieldTy, Span)>,
    outputs: &BTreeMap<String, Ty>,
) -> Ty {
    let field = |ty: Ty| FieldTy {
        ty,
        optional: false,
    };
    let inputs: BTreeMap<String, FieldTy> = inputs
        .iter()
        .map(|(k, (f, _))| (k.clone(), field(f.ty.clone())))
        .collect();
    let environment: BTreeMap<String, FieldTy> = [("name".to_string(), field(Ty::String))]
        .into_iter()
        .collect();
    Ty::Record(
        [
            ("name".to_string(), field(Ty::String)),
            ("index".to_string(), field(Ty::Int)),
            ("environment".to_string(), field(Ty::Record(environment))),
            ("inputs".to_string(), field(Ty::Record(inputs))),
            (
                "outputs".to_string(),
                field(Ty::Record(
                    outputs
                        .iter()
                        .map(|(k, t)| (k.clone(), field(t.clone())))
                        .collect(),
                )),
            ),
        ]
        .into_iter()
        .collect(),
    )
}

impl Checker<'_> {
    /// `for VAR in instances[.ENV] { … }`: binds `VAR`, checks the body's steps with
    /// `step`, and unbinds it.
    pub(crate) fn instance_loop(
        &mut self,
        sc: &mut Scope<'_>,
        s: &ast::Step,
        state: &mut PipelineState,
        mut step: impl FnMut(&mut Self, &mut Scope<'_>, &ast::Step, &mut PipelineState),
    ) {
        let StepArg::Loop { var, source } = &s.arg else {
            return;
        };
        let ok = source.first().is_some_and(|i| i.name == "instances") && source.len() <= 2;
        if !ok {
            let at = match (source.first(), source.last()) {
                (Some(a), Some(b)) => a.span.to(b.span),
                _ => s.span,
            };
            self.diags.push(
                Diagnostic::new(codes::INVALID_STEP, "a pipeline loops over the service's instances")
                    .with_primary(at, "expected `instances` or `instances.ENVIRONMENT`")
                    .with_help("write `for instance in instances { … }`, or `for instance in instances.prod { … }` for those that run in `prod`"),
            );
        }
        if let Some(outer) = &state.var {
            self.diags.push(
                Diagnostic::new(codes::UNKNOWN_PIPELINE_ITEM, "a loop inside a loop")
                    .with_primary(s.keyword.span, "not allowed here")
                    .with_help(format!(
                        "loops do not nest: the steps here already run once for each `{outer}`"
                    )),
            );
            return;
        }
        let ty = instance_record(&sc.inputs, &state.outputs);
        sc.locals
            .push((var.name.to_string(), Value::new(ty, Stage::Input)));
        let mut inner = PipelineState {
            stages: BTreeMap::new(),
            artifacts: std::mem::take(&mut state.artifacts),
            var: Some(var.name.to_string()),
            deployed: state.deployed,
            outputs: std::mem::take(&mut state.outputs),
        };
        for item in s.body.iter().flatten() {
            match item {
                ast::PipelineItem::Step(st) => step(self, sc, st, &mut inner),
                ast::PipelineItem::Attribute(a) => self.diags.push(
                    Diagnostic::new(
                        codes::UNKNOWN_PIPELINE_ITEM,
                        format!("setting `{}` in a loop", a.name.name),
                    )
                    .with_primary(a.name.span, "a loop holds stages and approvals")
                    .with_help("set it on the pipeline, or in each stage"),
                ),
                ast::PipelineItem::Error(_) => {}
            }
        }
        // Artifacts named in the loop stay known after it: the stage of the last
        // instance made the file later stages find (a later stage's file wins).
        state.artifacts = inner.artifacts;
        state.outputs = inner.outputs;
        state.deployed |= inner.deployed;
        sc.locals.pop();
    }

    /// `when COND` of a step: a `Bool` the pipeline knows when it is built.
    pub(crate) fn step_condition(&mut self, sc: &mut Scope<'_>, s: &ast::Step) {
        let Some(c) = &s.condition else {
            return;
        };
        if s.keyword.name != "approve" {
            self.diags.push(
                Diagnostic::new(
                    codes::INVALID_STEP,
                    format!("`{}` takes no `when`", s.keyword.name),
                )
                .with_primary(c.span, "a condition here")
                .with_help("only an approval is conditional: `approve \"release\" when instance.inputs.approval`"),
            );
        }
        self.pipeline_names(sc, c);
        let v = self.condition(sc, c);
        if v.is_poison() || v.ty.is_poison() {
            return;
        }
        if !v.ty.is_subtype_of(&Ty::Bool) {
            let help = match v.ty.base() {
                Ty::Optional(_) => "give the input a default (`approval: Bool = false`), or write `COND ?? false`".to_string(),
                Ty::String | Ty::Lit(_) => "compare it: `instance.inputs.stage == \"prod\"`, or declare the input as a `Bool`".to_string(),
                _ => "write a `Bool`: an input declared `approval: Bool = false`, or a comparison".to_string(),
            };
            self.diags.push(
                Diagnostic::new(
                    codes::APPROVAL_CONDITION_NOT_BOOL,
                    format!("an approval's condition must be a `Bool`, found `{}`", v.ty),
                )
                .with_primary(c.span, "not a `Bool`")
                .with_note("the condition is decided when the pipeline is built: an approval is there, or not at all")
                .with_help(help),
            );
        }
    }

    /// `artifact NAME = "PATH"`: each name once in the pipeline.
    pub(crate) fn named_artifact(&mut self, s: &ast::Step, state: &mut PipelineState) {
        let StepArg::Named { name, .. } = &s.arg else {
            return;
        };
        if let Some(first) = state.artifacts.get(name.name.as_str()) {
            self.diags.push(
                Diagnostic::new(
                    codes::DUPLICATE_STAGE,
                    format!("two artifacts named `{}`", name.name),
                )
                .with_primary(name.span, "a second artifact of this name")
                .with_secondary(*first, "the first one")
                .with_help("rename one of them"),
            );
        } else {
            state.artifacts.insert(name.name.to_string(), name.span);
        }
    }

    /// A deploy's `inputs = { INPUT = artifacts.NAME, … }`.
    pub(crate) fn deploy_inputs(
        &mut self,
        sc: &mut Scope<'_>,
        a: &ast::Attribute,
        state: &PipelineState,
    ) {
        let ExprKind::Map { entries, .. } = &a.value.kind else {
            self.diags.push(
                Diagnostic::new(codes::INVALID_STEP, "`inputs` is written as a map")
                    .with_primary(a.value.span, "not a map literal")
                    .with_help("name each input and the artifact it takes: `inputs = { image = artifacts.image }`"),
            );
            return;
        };
        for entry in entries {
            let (key, key_span) = entry.key.plain();
            if let Some(key) = key {
                self.deploy_input_name(sc, &key, key_span);
            }
            match artifact_read(&entry.value) {
                Some((name, span)) => {
                    if !state.artifacts.contains_key(name) {
                        self.diags.push(unknown_artifact(name, span, state));
                    }
                }
                None => self.diags.push(
                    Diagnostic::new(
                        codes::INVALID_DEPLOY_INPUT,
                        "a deploy's input takes an artifact",
                    )
                    .with_primary(entry.value.span, "not `artifacts.NAME`")
                    .with_note("the instance's other inputs come from its spec")
                    .with_help("name an artifact of an earlier stage (`artifact image = \"image.txt\"`): `artifacts.image`"),
                ),
            }
        }
    }

    /// The input a deploy fills from an artifact: the service has it, and its text
    /// can be the input's value.
    fn deploy_input_name(&mut self, sc: &Scope<'_>, key: &str, span: Span) {
        let Some((f, _)) = sc.inputs.get(key) else {
            let d = Diagnostic::new(
                codes::INVALID_DEPLOY_INPUT,
                format!("the service has no input `{key}`"),
            )
            .with_primary(span, "not an input of this template");
            let d = match did_you_mean(key, sc.inputs.keys().map(String::as_str)) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help("name one of the inputs in the template's `input` block"),
            };
            self.diags.push(d);
            return;
        };
        let text = match f.ty.unrefined() {
            Ty::Optional(t) => t.is_stringy(),
            t => t.is_stringy(),
        };
        if !text || f.ty.unrefined() == &Ty::Secret {
            self.diags.push(
                Diagnostic::new(
                    codes::INVALID_DEPLOY_INPUT,
                    format!("input `{key}` is `{}`, and an artifact is text", f.ty),
                )
                .with_primary(span, "cannot take an artifact's text")
                .with_note("an artifact's value is its file's content, a string")
                .with_help("feed artifacts into `String` inputs (an image tag, an S3 key)"),
            );
        }
    }

    /// Reports what a pipeline value reads that it cannot: the loop's variable outside
    /// a loop, an instance's outputs, or `artifacts` outside a deploy's `inputs`.
    /// Returns whether it found one (the value is then not checked further).
    pub(crate) fn pipeline_names(&mut self, sc: &Scope<'_>, e: &Expr) -> bool {
        let mut found = false;
        // Where outputs may be read (a `run` command of a stage after a deploy, in a
        // loop): `VAR.outputs.NAME` interpolated whole. The spans of those `VAR.outputs`.
        let mut allowed = Vec::new();
        if sc.pipeline_outputs
            && let ExprKind::String(st) = &e.kind
        {
            for p in &st.parts {
                if let ast::StringPart::Interpolation(i) = p
                    && let ExprKind::Member { object, .. } = &i.kind
                    && output_read(i).is_some()
                {
                    allowed.push(object.span);
                }
            }
        }
        walk_members(e, &mut |m| {
            let ExprKind::Member { object, field } = &m.kind else {
                return;
            };
            let ExprKind::Name(root) = &object.kind else {
                return;
            };
            let bound = sc.locals.iter().any(|(k, _)| *k == root.name);
            if root.name == "artifacts" && !bound {
                self.diags.push(
                    Diagnostic::new(
                        codes::UNKNOWN_ARTIFACT,
                        format!("`artifacts.{}` is read by a deploy's `inputs` only", field.name),
                    )
                    .with_primary(m.span, "not known here")
                    .with_note("an artifact's text is known once the stage that makes it has run, in the jobs after it")
                    .with_help("read the file itself in a later stage's `run` (it is handed on), or feed it to the instances: `deploy instance { inputs = { image = artifacts.image } }`"),
                );
                found = true;
            } else if bound && field.name == "outputs" && !allowed.contains(&m.span) {
                let var = &root.name;
                let example = format!("`run \"curl https://${{{var}.outputs.NAME}}/\"`");
                let d = if !sc.pipeline_deployed {
                    Diagnostic::new(
                        codes::NOT_A_PIPELINE_VALUE,
                        format!("`{var}.outputs` is read before the instance is deployed"),
                    )
                    .with_primary(m.span, "not deployed yet")
                    .with_note("an output is known once its stack is deployed: a `run` command of a later stage reads it when its job runs")
                    .with_help(format!("deploy the instance in an earlier stage of the loop, then read it in a `run`: {example}"))
                } else if !sc.pipeline_outputs {
                    Diagnostic::new(
                        codes::NOT_A_PIPELINE_VALUE,
                        "an instance's outputs are read by `run` commands only",
                    )
                    .with_primary(m.span, "not a `run` command")
                    .with_note("settings are written into the pipeline file; an output is known only when the job runs")
                    .with_help(format!("pass it in the command itself: `run \"URL=${{{var}.outputs.url}} ./smoke-test.sh\"`"))
                } else {
                    Diagnostic::new(
                        codes::NOT_A_PIPELINE_VALUE,
                        "an instance's output is interpolated whole, not computed with",
                    )
                    .with_primary(m.span, "computed with here")
                    .with_note("the job reads the output when it runs, after formwork wrote the pipeline: formwork cannot compute with it")
                    .with_help(format!("interpolate it as it is, {example}, and compute in the shell"))
                };
                self.diags.push(d);
                found = true;
            }
        });
        found
    }
}

/// A deploy's `waves = ["dev", "prod"]`: the environments, in order (the plain
/// strings; the checker reports the rest).
pub(crate) fn wave_order(deploy: &ast::Step) -> Option<Vec<String>> {
    deploy.body.iter().flatten().find_map(|i| match i {
        ast::PipelineItem::Attribute(a) if a.name.name == "waves" => match &a.value.kind {
            ExprKind::List { items, .. } => Some(
                items
                    .iter()
                    .filter_map(|e| match &e.kind {
                        ExprKind::String(st) => st.as_plain(),
                        _ => None,
                    })
                    .collect(),
            ),
            _ => None,
        },
        _ => None,
    })
}

/// `VAR.outputs.NAME`: the variable's name and the output's.
pub(crate) fn output_read(e: &Expr) -> Option<(&str, &str)> {
    let ExprKind::Member { object, field } = &e.kind else {
        return None;
    };
    let ExprKind::Member {
        object: root,
        field: outputs,
    } = &object.kind
    else {
        return None;
    };
    let ExprKind::Name(var) = &root.kind else {
        return None;
    };
    (outputs.name == "outputs").then_some((var.name.as_str(), field.name.as_str()))
}

/// `artifacts.NAME`: the name and where the read is.
pub(crate) fn artifact_read(e: &Expr) -> Option<(&str, Span)> {
    let ExprKind::Member { object, field } = &e.kind else {
        return None;
    };
    let ExprKind::Name(root) = &object.kind else {
        return None;
    };
    (root.name == "artifacts").then_some((field.name.as_str(), e.span))
}

fn unknown_artifact(name: &str, span: Span, state: &PipelineState) -> Diagnostic {
    let d = Diagnostic::new(
        codes::UNKNOWN_ARTIFACT,
        format!("no earlier stage hands on an artifact `{name}`"),
    )
    .with_primary(span, "unknown artifact");
    match did_you_mean(name, state.artifacts.keys().map(String::as_str)) {
        Some(s) => d.with_help(format!("did you mean `artifacts.{s}`?")),
        None => d.with_help(format!(
            "name the file in the stage that makes it: `artifact {name} = \"{name}.txt\"`"
        )),
    }
}

/// Calls `f` on every member expression in `e`, outermost first.
fn walk_members(e: &Expr, f: &mut impl FnMut(&Expr)) {
    match &e.kind {
        ExprKind::Member { object, .. } => {
            f(e);
            walk_members(object, f);
        }
        ExprKind::String(s) => {
            for p in &s.parts {
                if let ast::StringPart::Interpolation(i) = p {
                    walk_members(i, f);
                }
            }
        }
        ExprKind::List { items, .. } => items.iter().for_each(|i| walk_members(i, f)),
        ExprKind::Map { entries, .. } => entries.iter().for_each(|en| walk_members(&en.value, f)),
        _ => {
            for child in children(e) {
                walk_members(child, f);
            }
        }
    }
}

/// The direct sub-expressions of the expression kinds a pipeline value is made of.
fn children(e: &Expr) -> Vec<&Expr> {
    match &e.kind {
        ExprKind::Unary { operand, .. } => vec![operand],
        ExprKind::Binary { lhs, rhs, .. } => vec![lhs, rhs],
        ExprKind::Call { args, .. } => args.iter().collect(),
        ExprKind::Index { object, index } => vec![object, index],
        ExprKind::If {
            cond,
            then_branch,
            else_branch,
        } => vec![cond, then_branch, else_branch],
        ExprKind::Paren(inner) => vec![inner],
        _ => Vec::new(),
    }
}
