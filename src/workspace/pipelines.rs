//! Service pipelines in a workspace: the check that a service's deploy waves match
//! the environments its instances run in (`E0606`), and the pipeline files `formwork
//! build` writes, one per service, for the provider its spec (or the workspace)
//! chooses: `pipelines/SERVICE/workflow.yml` (GitHub Actions),
//! `pipelines/SERVICE/gitlab-ci.yml` (GitLab CI) or `pipelines/SERVICE/template.json`
//! (CodePipeline, a CloudFormation stack).

use std::collections::{BTreeMap, BTreeSet};

use crate::codegen::{codepipeline, github_actions, gitlab_ci};
use crate::diagnostics::{Diagnostic, codes};
use crate::ir::lower::pipeline::{PipelineRequest, deploy_instances, lower_pipeline};
use crate::ir::lower::{Cache, Inputs};
use crate::ir::pipeline::{Pipeline, Provider};
use crate::resolve::Program;
use crate::spec::Instance;
use crate::syntax::ast::{self, BodyItem, Decl, ExprKind, PipelineItem, StepArg};
use crate::syntax::span::Span;
use crate::types::Checker;
use crate::types::pipeline_loop::{output_read, wave_order};
use crate::types::targets::Target;
use crate::workspace::build::Record;
use crate::workspace::config::{Config, SOURCE_FORMS};
use crate::workspace::{Plan, ServicePlan};

/// The file a pipeline is written to, in the build's output tree.
pub fn pipeline_path(service: &str, provider: Provider) -> String {
    let file = match provider {
        Provider::GitHub => "workflow.yml",
        Provider::GitLab => "gitlab-ci.yml",
        Provider::CodePipeline => "template.json",
    };
    format!("pipelines/{service}/{file}")
}

/// A pipeline's text for its provider.
pub fn write_pipeline(p: &Pipeline) -> String {
    match p.provider {
        Provider::GitHub => github_actions::workflow(p),
        Provider::GitLab => gitlab_ci::pipeline(p),
        Provider::CodePipeline => codepipeline::stack(p),
    }
}

/// The provider of a service's pipeline: its spec's, else the workspace's, else GitHub.
pub fn provider_of(service: &ServicePlan, config: &Config) -> Provider {
    service
        .pipeline_provider
        .as_deref()
        .or(config.pipeline.as_deref())
        .and_then(Provider::from_name)
        .unwrap_or(Provider::GitHub)
}

/// The `pipeline { … }` block of a declaration, if it has one.
fn pipeline_block(decl: &Decl) -> Option<&ast::PipelineBlock> {
    decl.body.iter().find_map(|b| match b {
        BodyItem::Pipeline(p) => Some(p),
        _ => None,
    })
}

/// `E0329`: the service `service`, whose spec names its template at `at`, has the
/// pipeline whose block is `pipeline`, and the workspace does not say where its jobs
/// get formwork (never a registry's name). `SpecChecker::service` reports it, so
/// every command that reads the spec refuses it alike.
pub fn missing_formwork_source(service: &str, at: Span, pipeline: Span) -> Diagnostic {
    // The `pipeline` keyword the block starts with.
    let keyword = Span {
        end: pipeline.start.saturating_add(8).min(pipeline.end),
        ..pipeline
    };
    Diagnostic::new(
        codes::MISSING_FORMWORK_SOURCE,
        format!(
            "service `{service}` has a pipeline, and formwork.yaml does not say how its jobs install formwork"
        ),
    )
    .with_primary(at, "a template with a pipeline")
    .with_secondary(keyword, "its jobs install formwork")
    .with_note(
        "a job would otherwise install whatever a registry serves under the name `formwork`, with the deploy role",
    )
    .with_help(format!("add `formwork:` to formwork.yaml: {SOURCE_FORMS}"))
}

/// [`missing_formwork_source`] for each service of the plan with a pipeline, when
/// `config` has no `formwork:`: what [`service_pipelines`] refuses with.
pub fn check_formwork_source(program: &Program, plan: &Plan, config: &Config) -> Vec<Diagnostic> {
    if config.formwork.is_some() {
        return Vec::new();
    }
    plan.services
        .iter()
        .filter_map(|svc| {
            let block = program.decl(svc.decl).and_then(pipeline_block)?;
            Some(missing_formwork_source(
                &svc.name,
                Span::new(svc.spec, 0, 0),
                block.span,
            ))
        })
        .collect()
}

/// Lowers every service's pipeline for its provider (or for `provider` when given:
/// the tests write every provider's). Refused (`E0329`) when a service has a pipeline
/// and the workspace does not pin formwork.
pub fn service_pipelines(
    program: &Program,
    plan: &Plan,
    config: &Config,
    records: &[Record],
    workspace_dir: &str,
    provider: Option<Provider>,
) -> Result<Vec<Pipeline>, Vec<Diagnostic>> {
    let Some(formwork) = config.formwork.clone() else {
        let missing = check_formwork_source(program, plan, config);
        return if missing.is_empty() {
            Ok(Vec::new())
        } else {
            Err(missing)
        };
    };
    let mut checker = Checker::new(program);
    let mut cache = Cache::default();
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let target_of = |id: &str| {
        records
            .iter()
            .find(|r| r.id == id)
            .map_or(Target::CloudFormation, |r| r.target)
    };
    for svc in &plan.services {
        let names: Vec<(String, String)> = svc
            .instances
            .iter()
            .map(|i| (i.name.clone(), i.environment.clone()))
            .collect();
        let instances = deploy_instances(&svc.name, &names, target_of);
        let instance_inputs: BTreeMap<String, Inputs> = svc
            .instances
            .iter()
            .map(|i| (i.name.clone(), i.inputs.clone()))
            .collect();
        let req = PipelineRequest {
            decl: svc.decl,
            service: svc.name.clone(),
            template: svc.template.clone(),
            provider: provider.unwrap_or_else(|| provider_of(svc, config)),
            inputs: &svc.pipeline_inputs,
            instances: &instances,
            instance_inputs: &instance_inputs,
            workspace_dir: workspace_dir.to_string(),
            out_dir: config.folders.out.clone(),
            region: config.region.clone(),
            formwork: formwork.clone(),
        };
        match lower_pipeline(&mut checker, &mut cache, &req) {
            Ok(Some(p)) => out.push(p),
            Ok(None) => {}
            Err(d) => errors.extend(d),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// `E0606`: each deploy's waves against the environments the instances run in.
pub fn check_waves(decl: &Decl, instances: &[Instance]) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let envs: BTreeSet<&str> = instances.iter().map(|i| i.environment.as_str()).collect();
    for source in loop_sources(decl) {
        if let Some(env) = source.get(1)
            && !envs.contains(env.name.as_str())
        {
            diags.push(no_instance_in(
                &env.name,
                env.span,
                &envs,
                "a loop over no instance",
            ));
        }
    }
    for deploy in deploys(decl) {
        match &deploy.arg {
            StepArg::Path(p) if p.len() == 2 => {
                let env = &p[1];
                if !envs.contains(env.name.as_str()) {
                    diags.push(no_instance_in(&env.name, env.span, &envs, WAVE_LABEL));
                }
            }
            _ => {
                let Some(waves) = waves_attribute(deploy) else {
                    continue;
                };
                let ExprKind::List { items, .. } = &waves.value.kind else {
                    continue;
                };
                let mut named = BTreeSet::new();
                for item in items {
                    if let ExprKind::String(st) = &item.kind
                        && let Some(env) = st.as_plain()
                    {
                        if !envs.contains(env.as_str()) {
                            diags.push(no_instance_in(&env, item.span, &envs, WAVE_LABEL));
                        }
                        named.insert(env);
                    }
                }
                for inst in instances {
                    if !named.contains(&inst.environment) {
                        diags.push(
                            Diagnostic::new(
                                codes::WAVE_MISMATCH,
                                format!(
                                    "instance `{}` runs in `{}`, which no deploy wave names",
                                    inst.name, inst.environment
                                ),
                            )
                            .with_primary(inst.environment_span, "in no wave")
                            .with_secondary(waves.value.span, "the service's deploy waves")
                            .with_note("the pipeline would never deploy this instance")
                            .with_help(format!(
                                "add `\"{}\"` to the waves, where it belongs in the deploy order",
                                inst.environment
                            )),
                        );
                    }
                }
            }
        }
    }
    diags
}

/// `E0603`: every `${VAR.outputs.NAME}` of a loop's `run` against the stages before
/// it, for this spec's instances: the instance must be deployed by an earlier stage
/// (the checker knows only that some stage deploys; which instances a deploy covers
/// depends on the spec). Reported once per read, for the first instance it fails.
pub fn check_output_reads(decl: &Decl, instances: &[Instance]) -> Vec<Diagnostic> {
    let Some(block) = pipeline_block(decl) else {
        return Vec::new();
    };
    let mut deployed: BTreeSet<&str> = BTreeSet::new();
    let mut reported: BTreeSet<Span> = BTreeSet::new();
    let mut diags = Vec::new();
    for item in &block.items {
        let PipelineItem::Step(s) = item else {
            continue;
        };
        if let StepArg::Loop { var, source } = &s.arg {
            let env = source.get(1).map(|i| i.name.as_str());
            for inst in instances
                .iter()
                .filter(|i| env.is_none_or(|e| e == i.environment))
            {
                for st in stages(s.body.as_deref().unwrap_or_default()) {
                    if stage_deploy(st).is_some() {
                        deployed.insert(&inst.name);
                        continue;
                    }
                    if deployed.contains(inst.name.as_str()) {
                        continue;
                    }
                    for (output, span) in output_reads(st, &var.name) {
                        if reported.insert(span) {
                            diags.push(
                                Diagnostic::new(
                                    codes::NOT_A_PIPELINE_VALUE,
                                    format!("this reads output `{output}` of `{}`, which no earlier stage deploys", inst.name),
                                )
                                .with_primary(span, "not deployed yet")
                                .with_secondary(inst.name_span, "this instance")
                                .with_note("an output is known once its stack is deployed")
                                .with_help(format!("deploy the instance in the loop before reading it: `stage \"deploy\" {{ deploy {} }}`", var.name)),
                            );
                        }
                    }
                }
            }
        } else if let Some(d) = stage_deploy(s) {
            let envs: Option<BTreeSet<String>> = match &d.arg {
                StepArg::Path(p) if p.len() == 2 => Some([p[1].name.to_string()].into()),
                _ => wave_order(d).map(|w| w.into_iter().collect()),
            };
            for inst in instances {
                if envs.as_ref().is_none_or(|e| e.contains(&inst.environment)) {
                    deployed.insert(&inst.name);
                }
            }
        }
    }
    diags
}

/// The `stage` steps among a pipeline's or a loop's items.
fn stages(items: &[PipelineItem]) -> impl Iterator<Item = &ast::Step> {
    items.iter().filter_map(|i| match i {
        PipelineItem::Step(s) if s.keyword.name == "stage" => Some(s),
        _ => None,
    })
}

/// A stage's `deploy` step, if it deploys.
fn stage_deploy(stage: &ast::Step) -> Option<&ast::Step> {
    if stage.keyword.name != "stage" {
        return None;
    }
    stage.body.iter().flatten().find_map(|i| match i {
        PipelineItem::Step(d) if d.keyword.name == "deploy" => Some(d),
        _ => None,
    })
}

/// The `${VAR.outputs.NAME}` interpolations of a stage's `run` steps: each output's
/// name and where it is read.
fn output_reads<'a>(stage: &'a ast::Step, var: &str) -> Vec<(&'a str, Span)> {
    let mut out = Vec::new();
    for item in stage.body.iter().flatten() {
        let PipelineItem::Step(run) = item else {
            continue;
        };
        let StepArg::String(text) = &run.arg else {
            continue;
        };
        for part in &text.parts {
            if let ast::StringPart::Interpolation(e) = part
                && let Some((v, output)) = output_read(e)
                && v == var
            {
                out.push((output, e.span));
            }
        }
    }
    out
}

const WAVE_LABEL: &str = "a wave with nothing to deploy";

fn no_instance_in(env: &str, span: Span, envs: &BTreeSet<&str>, label: &str) -> Diagnostic {
    let have: Vec<String> = envs.iter().map(|e| format!("`{e}`")).collect();
    let d = Diagnostic::new(
        codes::WAVE_MISMATCH,
        format!("no instance of the service runs in `{env}`"),
    )
    .with_primary(span, label);
    if have.is_empty() {
        d.with_note("the service spec has no instances")
    } else {
        d.with_note(format!("its instances run in {}", have.join(", ")))
            .with_help("deploy the environments the instances run in")
    }
}

/// What each `for VAR in instances[.ENV]` of a declaration's pipeline walks.
fn loop_sources(decl: &Decl) -> Vec<&[ast::Ident]> {
    decl.body
        .iter()
        .filter_map(|b| match b {
            BodyItem::Pipeline(p) => Some(p.items.iter()),
            _ => None,
        })
        .flatten()
        .filter_map(|i| match i {
            PipelineItem::Step(ast::Step {
                arg: StepArg::Loop { source, .. },
                ..
            }) => Some(source.as_slice()),
            _ => None,
        })
        .collect()
}

/// The `deploy` steps of a declaration's pipeline (outside loops: a loop deploys one instance at a time).
fn deploys(decl: &Decl) -> Vec<&ast::Step> {
    let mut out = Vec::new();
    for item in &decl.body {
        let BodyItem::Pipeline(p) = item else {
            continue;
        };
        for stage in &p.items {
            let PipelineItem::Step(s) = stage else {
                continue;
            };
            for inner in s.body.iter().flatten() {
                if let PipelineItem::Step(d) = inner
                    && d.keyword.name == "deploy"
                {
                    out.push(d);
                }
            }
        }
    }
    out
}

fn waves_attribute(deploy: &ast::Step) -> Option<&ast::Attribute> {
    deploy.body.iter().flatten().find_map(|i| match i {
        PipelineItem::Attribute(a) if a.name.name == "waves" => Some(a),
        _ => None,
    })
}
