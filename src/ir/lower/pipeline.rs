//! Lowering a service's `pipeline { … }` block, for one service spec, to a
//! [`Pipeline`]: the spec's `pipeline:` inputs (or their defaults) are folded into every
//! string, `Secret` inputs become names in the provider's secret store, and
//! `deploy instances` becomes waves of the spec's instances. The block was checked
//! (`types/pipeline.rs`), so every value here is known.

use std::collections::BTreeMap;

use crate::diagnostics::{Diagnostic, codes};
use crate::ir::lower::decl::{Frame, Lowerer};
use crate::ir::lower::{Cache, Inputs, Request, const_expr, functions};
use crate::ir::pipeline::{
    DeployInstance, EnvValue, EnvVar, FormworkSource, Pipeline, Provider, RunStage, Stage,
    StageKind, Wave,
};
use crate::ir::{Expr, Mode};
use crate::resolve::DeclId;
use crate::syntax::ast::{self, BodyItem, ExprKind, PipelineItem, StepArg};
use crate::types::Checker;
use crate::types::pipeline::{pipeline_input_name, stage_id};
use crate::types::targets::Target;

/// What to lower: a service template, and the parts of its spec and workspace the
/// pipeline needs.
#[derive(Debug, Clone)]
pub struct PipelineRequest<'a> {
    pub decl: DeclId,
    /// The service's name (its spec file's).
    pub service: String,
    /// `web@2.1`
    pub template: String,
    pub provider: Provider,
    /// The spec's `pipeline:` inputs.
    pub inputs: &'a Inputs,
    /// The spec's instances, in spec order, with their artifacts.
    pub instances: &'a [DeployInstance],
    pub workspace_dir: String,
    pub out_dir: String,
    pub region: Option<String>,
    /// Where the jobs get formwork: `formwork.yaml`'s `formwork:`, which a workspace
    /// with pipelines must have (`E0329`).
    pub formwork: FormworkSource,
}

/// Lowers the service's pipeline; `None` when its template has none.
pub fn lower_pipeline(
    checker: &mut Checker<'_>,
    cache: &mut Cache,
    req: &PipelineRequest<'_>,
) -> Result<Option<Pipeline>, Vec<Diagnostic>> {
    let program = checker.program;
    let Some(decl) = program.decl(req.decl) else {
        return Ok(None);
    };
    let Some(block) = decl.body.iter().find_map(|b| match b {
        BodyItem::Pipeline(p) => Some(p),
        _ => None,
    }) else {
        return Ok(None);
    };
    let request = Request {
        decl: req.decl,
        target: Target::CloudFormation,
        mode: Mode::Render,
        inputs: None,
        instance: None,
        environment: None,
        source_hash: String::new(),
        context: Default::default(),
    };
    let mut lowerer = Lowerer::new(checker, cache, &request);
    let mut frame = Frame::new(req.decl.file);
    // The pipeline's inputs: the spec's values, else the defaults.
    for item in &decl.body {
        let BodyItem::Input(block) = item else {
            continue;
        };
        if !block.pipeline {
            continue;
        }
        for f in &block.fields {
            let name = f.name.name.to_string();
            let value = match (req.inputs.values.get(&name), &f.default) {
                (Some(v), _) => const_expr(v),
                (None, Some(d)) => lowerer.eval(&mut frame, d),
                (None, None) => Expr::Null,
            };
            frame.pipeline_inputs.insert(name, value);
        }
    }
    let mut p = PipelineLowerer {
        lowerer,
        frame,
        req,
        diags: Vec::new(),
    };
    let pipeline = p.pipeline(block);
    p.diags.append(&mut p.lowerer.diags);
    if p.diags.is_empty() {
        Ok(Some(pipeline))
    } else {
        Err(p.diags)
    }
}

struct PipelineLowerer<'p, 'r, 'c, 'q> {
    lowerer: Lowerer<'p, 'r, 'c>,
    frame: Frame,
    req: &'q PipelineRequest<'q>,
    diags: Vec<Diagnostic>,
}

impl PipelineLowerer<'_, '_, '_, '_> {
    fn pipeline(&mut self, block: &ast::PipelineBlock) -> Pipeline {
        let mut p = Pipeline {
            service: self.req.service.clone(),
            template: self.req.template.clone(),
            provider: self.req.provider,
            branch: "main".into(),
            workspace_dir: self.req.workspace_dir.clone(),
            out_dir: self.req.out_dir.clone(),
            region: self.req.region.clone(),
            formwork: self.req.formwork.clone(),
            env: Vec::new(),
            stages: Vec::new(),
        };
        for item in &block.items {
            match item {
                PipelineItem::Attribute(a) if a.name.name == "branch" => {
                    p.branch = self.text(&a.value);
                }
                PipelineItem::Attribute(a) if a.name.name == "env" => {
                    p.env = self.env(&a.value);
                }
                PipelineItem::Step(s) if s.keyword.name == "approve" => {
                    let message = self.step_text(s);
                    let id = format!("approve-{}", stage_id(&message));
                    p.stages.push(Stage {
                        name: message.clone(),
                        id,
                        kind: StageKind::Approval { message },
                    });
                }
                PipelineItem::Step(s) if s.keyword.name == "stage" => {
                    if let Some(stage) = self.stage(s) {
                        p.stages.push(stage);
                    }
                }
                _ => {}
            }
        }
        unique_ids(&mut p.stages);
        p
    }

    fn stage(&mut self, s: &ast::Step) -> Option<Stage> {
        let name = match &s.arg {
            StepArg::String(st) => st.as_plain()?,
            _ => return None,
        };
        let id = stage_id(&name);
        let body = s.body.as_deref().unwrap_or_default();
        if let Some(deploy) = body.iter().find_map(|i| match i {
            PipelineItem::Step(d) if d.keyword.name == "deploy" => Some(d),
            _ => None,
        }) {
            return Some(Stage {
                name,
                id,
                kind: StageKind::Deploy {
                    waves: self.waves(deploy),
                },
            });
        }
        let mut run = RunStage {
            image: None,
            env: Vec::new(),
            commands: Vec::new(),
            artifacts: Vec::new(),
        };
        for item in body {
            match item {
                PipelineItem::Attribute(a) if a.name.name == "image" => {
                    run.image = Some(self.text(&a.value));
                }
                PipelineItem::Attribute(a) if a.name.name == "env" => {
                    run.env = self.env(&a.value);
                }
                PipelineItem::Step(st) if st.keyword.name == "run" => {
                    run.commands.push(self.step_text(st));
                }
                PipelineItem::Step(st) if st.keyword.name == "artifact" => match &st.arg {
                    StepArg::String(_) => run.artifacts.push(self.step_text(st)),
                    StepArg::List(e) => match &e.kind {
                        ExprKind::List { items, .. } => {
                            for i in items {
                                run.artifacts.push(self.text(i));
                            }
                        }
                        _ => run.artifacts.push(self.text(e)),
                    },
                    StepArg::Path(_) => {}
                },
                _ => {}
            }
        }
        Some(Stage {
            name,
            id,
            kind: StageKind::Run(run),
        })
    }

    /// `deploy instances`, `deploy instances.ENV`, `deploy instances { waves = […] }`.
    fn waves(&mut self, s: &ast::Step) -> Vec<Wave> {
        let instances = self.req.instances;
        let wave = |env: &str| Wave {
            name: env.to_string(),
            instances: instances
                .iter()
                .filter(|i| i.environment == env)
                .cloned()
                .collect(),
        };
        if let StepArg::Path(p) = &s.arg
            && let Some(env) = p.get(1)
        {
            return vec![wave(&env.name)];
        }
        let order: Option<Vec<String>> = s.body.iter().flatten().find_map(|i| match i {
            PipelineItem::Attribute(a) if a.name.name == "waves" => match &a.value.kind {
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
        });
        match order {
            Some(envs) => envs.iter().map(|e| wave(e)).collect(),
            None => vec![Wave {
                name: "all".into(),
                instances: instances.to_vec(),
            }],
        }
    }

    /// `env = { NAME = value, … }`
    fn env(&mut self, e: &ast::Expr) -> Vec<EnvVar> {
        let ExprKind::Map { entries, .. } = &e.kind else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for entry in entries {
            let (Some(name), _) = entry.key.plain() else {
                continue;
            };
            let secret = pipeline_input_name(&entry.value)
                .and_then(|input| Some((input, self.req.inputs.secrets.get(input)?)));
            let value = match secret {
                Some((input, source)) => EnvValue::Secret {
                    input: input.to_string(),
                    store_name: store_name(input),
                    source: source.clone(),
                },
                None => EnvValue::Plain(self.text(&entry.value)),
            };
            out.push(EnvVar { name, value });
        }
        out
    }

    fn step_text(&mut self, s: &ast::Step) -> String {
        match &s.arg {
            StepArg::String(st) => {
                let e = ast::Expr {
                    kind: ExprKind::String(st.clone()),
                    span: st.span,
                    depth: 1,
                };
                self.text(&e)
            }
            StepArg::List(e) => self.text(e),
            StepArg::Path(p) => p
                .iter()
                .map(|i| i.name.as_str())
                .collect::<Vec<_>>()
                .join("."),
        }
    }

    /// A value as the text a pipeline file holds.
    fn text(&mut self, e: &ast::Expr) -> String {
        match self.lowerer.eval(&mut self.frame, e) {
            Expr::String(s) => s,
            Expr::Int(i) => i.to_string(),
            Expr::Number(n) => functions::number_text(n),
            Expr::Bool(b) => b.to_string(),
            Expr::Null => {
                self.diags.push(
                    Diagnostic::new(
                        codes::EVALUATION_FAILED,
                        format!("this value is null for the service `{}`", self.req.service),
                    )
                    .with_primary(e.span, "null here")
                    .with_help("give the pipeline input a value in the spec's `pipeline:` block"),
                );
                String::new()
            }
            v if v.is_const() => functions::json_text(&v),
            _ => String::new(),
        }
    }
}

/// A `Secret` pipeline input's name in a CI provider's secret store: `registry_token`
/// is `REGISTRY_TOKEN`.
pub fn store_name(input: &str) -> String {
    input
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// Stage ids are unique by the check, but an approval's id comes from its message:
/// number the repeats.
fn unique_ids(stages: &mut [Stage]) {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for s in stages.iter_mut() {
        let n = seen.entry(s.id.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            s.id = format!("{}-{n}", s.id);
        }
    }
}

/// The deploy instances of a service, from its instances and its artifacts' targets.
pub fn deploy_instances(
    service: &str,
    instances: &[(String, String)],
    target_of: impl Fn(&str) -> Target,
) -> Vec<DeployInstance> {
    instances
        .iter()
        .map(|(name, env)| {
            let artifact = format!("services/{service}/{name}");
            DeployInstance {
                name: name.clone(),
                environment: env.clone(),
                target: target_of(&artifact),
                artifact,
            }
        })
        .collect()
}
