//! Lowering a service's `pipeline { … }` block, for one service spec, to a
//! [`Pipeline`]: the spec's `pipeline:` inputs (or their defaults) are folded into every
//! string, `Secret` inputs become names in the provider's secret store, and
//! `deploy instances` becomes waves of the spec's instances. The block was checked
//! (`types/pipeline.rs`), so every value here is known.

use std::collections::BTreeMap;

use crate::diagnostics::{Diagnostic, codes};
use crate::ir::lower::decl::{Frame, Lowerer};
use crate::ir::lower::{Cache, Inputs, Request, const_expr, functions};
use crate::ir::names::logical_id;
use crate::ir::pipeline::{
    DeployInstance, EnvValue, EnvVar, FormworkSource, InputOverride, OutputExport, OutputRead,
    Pipeline, Provider, RunStage, Stage, StageKind, Wave, output_var, store_name,
};
use crate::ir::{Expr, Mode};
use crate::resolve::DeclId;
use crate::syntax::ast::{self, BodyItem, ExprKind, PipelineItem, StepArg};
use crate::types::Checker;
use crate::types::pipeline::{pipeline_input_name, stage_id};
use crate::types::pipeline_loop::{artifact_read, output_read, wave_order};
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
    /// Each instance's inputs as its spec gives them (by instance name): what
    /// `instance.inputs.NAME` reads in a loop; an input the spec leaves out takes its
    /// default.
    pub instance_inputs: &'a BTreeMap<String, Inputs>,
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
    let fields: Vec<(String, Option<ast::Expr>)> = decl
        .body
        .iter()
        .filter_map(|b| match b {
            BodyItem::Input(block) if !block.pipeline => Some(block.fields.iter()),
            _ => None,
        })
        .flatten()
        .map(|f| (f.name.name.to_string(), f.default.clone()))
        .collect();
    let outputs = decl
        .body
        .iter()
        .filter_map(|b| match b {
            BodyItem::Output(o) => Some(o.name.name.to_string()),
            _ => None,
        })
        .collect();
    let mut p = PipelineLowerer {
        lowerer,
        frame,
        req,
        fields,
        outputs,
        var: None,
        artifacts: BTreeMap::new(),
        current: None,
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
    /// The service's (instance) inputs and their defaults, for `instance.inputs`.
    fields: Vec<(String, Option<ast::Expr>)>,
    /// The service's output names, for `instance.outputs`.
    outputs: Vec<String>,
    /// The loop's variable, in a loop's body.
    var: Option<String>,
    /// Named artifacts so far: name → path.
    artifacts: BTreeMap<String, String>,
    /// The instance a loop's body is lowered for.
    current: Option<DeployInstance>,
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
                PipelineItem::Step(s) if s.keyword.name == "for" => {
                    self.instance_loop(s, &mut p.stages);
                }
                PipelineItem::Step(s) => self.step(s, &mut p.stages),
                _ => {}
            }
        }
        unique_ids(&mut p.stages);
        p
    }

    /// An approval or a stage, of the pipeline or of a loop's body.
    fn step(&mut self, s: &ast::Step, stages: &mut Vec<Stage>) {
        if !self.condition(s) {
            return;
        }
        match s.keyword.name.as_str() {
            "approve" => {
                let message = self.step_text(s);
                let mut id = format!("approve-{}", stage_id(&message));
                // In a loop, each instance's approval is its own job (and GitHub
                // environment): named after the instance unless the message is.
                if let Some(inst) = &self.current
                    && !id.contains(&stage_id(&inst.name))
                {
                    id = format!("{id}-{}", stage_id(&inst.name));
                }
                stages.push(Stage {
                    name: message.clone(),
                    id,
                    kind: StageKind::Approval { message },
                });
            }
            "stage" => {
                if let Some(mut stage) = self.stage(s) {
                    if let Some(inst) = &self.current {
                        stage.id = format!("{}-{}", stage.id, stage_id(&inst.name));
                        stage.name = format!("{} ({})", stage.name, inst.name);
                    }
                    if let StageKind::Run(run) = &mut stage.kind {
                        run.reads = self.output_reads(s, stages);
                    }
                    stages.push(stage);
                }
            }
            _ => {}
        }
    }

    /// A step's `when COND`, decided now from the spec's values: the checker made it
    /// a `Bool`. A value that is not one (it cannot be, after the check) keeps the
    /// step: a gate left in is the safe mistake.
    fn condition(&mut self, s: &ast::Step) -> bool {
        let Some(c) = &s.condition else {
            return true;
        };
        !matches!(self.lowerer.eval(&mut self.frame, c), Expr::Bool(false))
    }

    /// `for VAR in instances[.ENV] { … }`: the body once for each instance, in the
    /// spec's order, with `VAR` bound to what the pipeline knows of it.
    fn instance_loop(&mut self, s: &ast::Step, stages: &mut Vec<Stage>) {
        let StepArg::Loop { var, source } = &s.arg else {
            return;
        };
        let env = source.get(1).map(|i| i.name.to_string());
        let instances = self.req.instances;
        for (index, inst) in instances.iter().enumerate() {
            if env.as_ref().is_some_and(|e| *e != inst.environment) {
                continue;
            }
            let record = self.instance_record(inst, index);
            self.frame.locals.push((var.name.to_string(), record));
            self.current = Some(inst.clone());
            self.var = Some(var.name.to_string());
            for item in s.body.iter().flatten() {
                if let PipelineItem::Step(st) = item {
                    self.step(st, stages);
                }
            }
            self.current = None;
            self.var = None;
            self.frame.locals.pop();
        }
    }

    /// `instance.name`, `.index`, `.environment.name` and `.inputs`: the spec's
    /// values, else the inputs' defaults. Secret inputs are left out: the checker
    /// refuses reading them.
    fn instance_record(&mut self, inst: &DeployInstance, index: usize) -> Expr {
        let given = self.req.instance_inputs.get(&inst.name);
        let mut inputs = Vec::new();
        for (name, default) in self.fields.clone() {
            if given.is_some_and(|g| g.secrets.contains_key(&name)) {
                continue;
            }
            let value = match (given.and_then(|g| g.values.get(&name)), &default) {
                (Some(v), _) => const_expr(v),
                (None, Some(d)) => self.lowerer.eval(&mut self.frame, d),
                (None, None) => Expr::Null,
            };
            inputs.push((name, value));
        }
        let environment = vec![("name".to_string(), Expr::String(inst.environment.clone()))];
        // An output is the shell variable the job gets it in (see `output_reads`).
        let outputs = self
            .outputs
            .iter()
            .map(|o| {
                let var = output_var(&inst.name, o);
                (o.clone(), Expr::String(format!("${{{var}}}")))
            })
            .collect();
        Expr::Map(vec![
            ("outputs".to_string(), Expr::Map(outputs)),
            ("name".to_string(), Expr::String(inst.name.clone())),
            ("index".to_string(), Expr::Int(index as i64)),
            ("environment".to_string(), Expr::Map(environment)),
            ("inputs".to_string(), Expr::Map(inputs)),
        ])
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
            let mut waves = match &self.current {
                Some(inst) => vec![Wave {
                    name: inst.environment.clone(),
                    instances: vec![inst.clone()],
                }],
                None => self.waves(deploy),
            };
            let overrides = self.overrides(deploy);
            for inst in waves.iter_mut().flat_map(|w| w.instances.iter_mut()) {
                inst.overrides = overrides.clone();
            }
            return Some(Stage {
                name,
                id,
                kind: StageKind::Deploy { waves },
            });
        }
        let mut run = RunStage {
            image: None,
            env: Vec::new(),
            commands: Vec::new(),
            artifacts: Vec::new(),
            reads: Vec::new(),
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
                    StepArg::Named { name, value } => {
                        let path = self.text(&ast::Expr {
                            kind: ExprKind::String(value.clone()),
                            span: value.span,
                            depth: 1,
                        });
                        self.artifacts.insert(name.name.to_string(), path.clone());
                        run.artifacts.push(path);
                    }
                    StepArg::List(e) => match &e.kind {
                        ExprKind::List { items, .. } => {
                            for i in items {
                                run.artifacts.push(self.text(i));
                            }
                        }
                        _ => run.artifacts.push(self.text(e)),
                    },
                    StepArg::Path(_) | StepArg::Loop { .. } => {}
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

    /// The outputs a loop's run stage `s` reads (`${instance.outputs.url}`, which its
    /// commands hold as `${FORMWORK_OUTPUT_…}`): each becomes an export of the latest
    /// earlier deploy of the instance, whose job reads it back from the stack.
    fn output_reads(&mut self, s: &ast::Step, stages: &mut [Stage]) -> Vec<OutputRead> {
        let (Some(inst), Some(var)) = (self.current.clone(), self.var.clone()) else {
            return Vec::new();
        };
        let mut reads: Vec<OutputRead> = Vec::new();
        for item in s.body.iter().flatten() {
            let PipelineItem::Step(st) = item else {
                continue;
            };
            let StepArg::String(text) = &st.arg else {
                continue;
            };
            for part in &text.parts {
                let ast::StringPart::Interpolation(i) = part else {
                    continue;
                };
                let Some((v, output)) = output_read(i) else {
                    continue;
                };
                if v != var {
                    continue;
                }
                let read = OutputRead {
                    var: output_var(&inst.name, output),
                    instance: inst.name.clone(),
                };
                if reads.contains(&read) {
                    continue;
                }
                let deployed = stages
                    .iter_mut()
                    .rev()
                    .find_map(|stage| match &mut stage.kind {
                        StageKind::Deploy { waves } => waves
                            .iter_mut()
                            .flat_map(|w| w.instances.iter_mut())
                            .find(|d| d.name == inst.name),
                        _ => None,
                    });
                let Some(deployed) = deployed else {
                    // `formwork check` reports it first (`workspace::pipelines`).
                    self.diags.push(
                        Diagnostic::new(
                            codes::NOT_A_PIPELINE_VALUE,
                            format!("this reads output `{output}` of `{}`, which no earlier stage deploys", inst.name),
                        )
                        .with_primary(i.span, "not deployed yet")
                        .with_note("an output is known once its stack is deployed")
                        .with_help(format!("deploy the instance in the loop before reading it: `stage \"deploy\" {{ deploy {var} }}`")),
                    );
                    continue;
                };
                let key = match deployed.target {
                    Target::CloudFormation => logical_id(output),
                    Target::Terraform => output.to_string(),
                };
                let export = OutputExport {
                    var: read.var.clone(),
                    key,
                };
                if !deployed.exports.contains(&export) {
                    deployed.exports.push(export);
                }
                reads.push(read);
            }
        }
        reads
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
        let order = wave_order(s);
        match order {
            Some(envs) => envs.iter().map(|e| wave(e)).collect(),
            None => vec![Wave {
                name: "all".into(),
                instances: instances.to_vec(),
            }],
        }
    }

    /// A deploy's `inputs = { INPUT = artifacts.NAME, … }`: each input and the file
    /// that fills it.
    fn overrides(&self, s: &ast::Step) -> Vec<InputOverride> {
        let mut out = Vec::new();
        for item in s.body.iter().flatten() {
            let PipelineItem::Attribute(a) = item else {
                continue;
            };
            let (true, ExprKind::Map { entries, .. }) = (a.name.name == "inputs", &a.value.kind)
            else {
                continue;
            };
            for entry in entries {
                let (Some(input), _) = entry.key.plain() else {
                    continue;
                };
                if let Some((name, _)) = artifact_read(&entry.value)
                    && let Some(path) = self.artifacts.get(name)
                {
                    out.push(InputOverride {
                        input,
                        path: path.clone(),
                    });
                }
            }
        }
        out
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
            StepArg::Named { value, .. } => {
                let e = ast::Expr {
                    kind: ExprKind::String(value.clone()),
                    span: value.span,
                    depth: 1,
                };
                self.text(&e)
            }
            StepArg::Loop { .. } => String::new(),
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
                overrides: Vec::new(),
                exports: Vec::new(),
            }
        })
        .collect()
}
