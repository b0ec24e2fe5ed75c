//! `formwork build`: every environment and every service instance of a plan, rendered
//! for its target, and `manifest.json`: each artifact with its files' sha256, the
//! `template@version` and spec it came from, and the deploy order.
//!
//! Files go to a sink as they are made (the command line stages them and swaps the
//! new tree in), then the provisioning files (`provision.rs`: `deploy.sh` and the
//! workflows that run it) and each service's pipeline (`pipelines.rs`); the manifest
//! is returned last.

use std::sync::Mutex;

use sha2::{Digest, Sha256};

use crate::codegen::doc::{Node, to_json};
use crate::compile::{Failure, Options, prepare, run_batches};
use crate::diagnostics::Diagnostic;
use crate::ir::Mode;
use crate::resolve::{DeclId, Program};
use crate::syntax::span::{FileId, SourceMap};
use crate::types::Checker;
use crate::types::targets::Target;
use crate::workspace::Plan;
use crate::workspace::config::Config;
use crate::workspace::pipelines::{pipeline_path, service_pipelines, write_pipeline};
use crate::workspace::provision::provisioning_files;

/// Receives each file: its path inside the output tree, and its text.
pub type FileSink<'a> = dyn Fn(&str, &str) -> Result<(), String> + Sync + 'a;

/// One deployable artifact in the manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// `environments/dev`, `services/web/web-dev`: also its folder in the tree.
    pub id: String,
    pub kind: &'static str,
    /// The stack's name.
    pub stack: String,
    pub template: String,
    pub spec: String,
    pub target: Target,
    /// Files (paths in the tree) and their sha256.
    pub files: Vec<(String, String)>,
    pub depends_on: Vec<String>,
}

impl Record {
    /// The artifact's hash: sha256 over its files' paths and hashes.
    pub fn sha256(&self) -> String {
        let mut h = Sha256::new();
        for (p, s) in &self.files {
            h.update(p.as_bytes());
            h.update([0]);
            h.update(s.as_bytes());
            h.update([0]);
        }
        hex(&h.finalize())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What a build made.
#[derive(Debug, Clone, PartialEq)]
pub struct Built {
    pub records: Vec<Record>,
    /// `manifest.json`'s text.
    pub manifest: String,
}

/// The target a template is built for: the workspace's when the template supports
/// it, else the one it supports.
pub fn target_for(checker: &mut Checker<'_>, decl: DeclId, config: &Config) -> Target {
    let wanted = config.target.unwrap_or(Target::CloudFormation);
    match checker.signature(decl) {
        Some(sig) if !sig.targets.supports(wanted) => {
            sig.targets.supported().first().copied().unwrap_or(wanted)
        }
        _ => wanted,
    }
}

/// How the build renders an artifact for `target`.
pub fn render_options(config: &Config, target: Target) -> Options {
    Options {
        target,
        mode: Mode::Render,
        yaml: false,
        aws_provider: config
            .aws_provider
            .clone()
            .unwrap_or_else(|| crate::codegen::terraform::DEFAULT_AWS_PROVIDER.to_string()),
        input_overrides: Default::default(),
    }
}

/// Renders every environment and service instance of `plan`.
/// `root` is how the source map names the workspace's folder (`examples/acme/`, or
/// empty): the manifest names specs relative to the workspace. `workspace_dir` is the
/// workspace's folder relative to its repository's root (`.` at the root): the
/// provisioning workflows run there.
pub fn build(
    program: &Program,
    map: &SourceMap,
    root: &str,
    workspace_dir: &str,
    plan: &Plan,
    config: &Config,
    sink: &FileSink<'_>,
) -> Result<Built, Failure> {
    let mut checker = Checker::new(program);
    let mut errors: Vec<Diagnostic> = Vec::new();
    let spec_path = |f: FileId| {
        let name = map.get(f).map(|s| s.name.as_str()).unwrap_or_default();
        name.strip_prefix(root).unwrap_or(name).to_string()
    };
    // What each batch's artifacts are: kind, folder prefix, template, spec, and for a
    // service, each instance's environment.
    struct Meta {
        kind: &'static str,
        folder: String,
        template: String,
        spec: String,
        environments: Vec<(String, String)>,
    }
    let mut batches = Vec::new();
    let mut metas = Vec::new();
    let mut prepare_one = |decl: DeclId,
                           spec: FileId,
                           instance: Option<&str>,
                           meta: Meta,
                           batches: &mut Vec<crate::compile::Batch>| {
        let mut options = render_options(config, target_for(&mut checker, decl, config));
        options.input_overrides = plan.input_overrides.clone();
        match prepare(program, map, decl, Some(spec), instance, &options) {
            Ok(b) => {
                batches.push(b);
                metas.push(meta);
                Ok(())
            }
            Err(Failure::Diagnostics(d)) => {
                errors.extend(d);
                Ok(())
            }
            Err(other) => Err(other),
        }
    };
    for env in &plan.environments {
        prepare_one(
            env.decl,
            env.spec,
            None,
            Meta {
                kind: "environment",
                folder: "environments".into(),
                template: env.template.clone(),
                spec: spec_path(env.spec),
                environments: Vec::new(),
            },
            &mut batches,
        )?;
    }
    // A service with no instances has nothing to build.
    for svc in plan.services.iter().filter(|s| !s.instances.is_empty()) {
        let environments: Vec<(String, String)> = svc
            .instances
            .iter()
            .map(|i| (i.name.clone(), i.environment.clone()))
            .collect();
        let meta = |template: &str| Meta {
            kind: "service-instance",
            folder: format!("services/{}", svc.name),
            template: template.to_string(),
            spec: spec_path(svc.spec),
            environments: environments.clone(),
        };
        if svc.instances.iter().all(|i| i.decl == svc.decl) {
            prepare_one(svc.decl, svc.spec, None, meta(&svc.template), &mut batches)?;
        } else {
            // Instances pinned to other versions: each is rendered with its own.
            for i in &svc.instances {
                prepare_one(
                    i.decl,
                    svc.spec,
                    Some(&i.name),
                    meta(&i.template),
                    &mut batches,
                )?;
            }
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|d| d.primary_span().map(|s| (s.file, s.start, s.end)));
        errors.dedup();
        return Err(Failure::Diagnostics(errors));
    }
    let records: Mutex<Vec<Record>> = Mutex::new(Vec::new());
    let result = run_batches(program, &batches, &|b, _, a| {
        let (Some(meta), Some(batch)) = (metas.get(b), batches.get(b)) else {
            return Ok(());
        };
        let dir = format!("{}/{}", meta.folder, a.name);
        let mut files = Vec::with_capacity(a.files.len());
        for (name, text) in &a.files {
            let path = format!("{dir}/{name}");
            files.push((path.clone(), hex(&Sha256::digest(text.as_bytes()))));
            sink(&path, text)?;
        }
        let depends_on = meta
            .environments
            .iter()
            .filter(|(i, _)| *i == a.name)
            .map(|(_, env)| format!("environments/{env}"))
            .collect();
        if let Ok(mut r) = records.lock() {
            r.push(Record {
                id: dir,
                kind: meta.kind,
                stack: a.name.clone(),
                template: meta.template.clone(),
                spec: meta.spec.clone(),
                target: batch.options.target,
                files,
                depends_on,
            });
        }
        Ok(())
    });
    if let Err(f) = result {
        match f {
            Failure::Diagnostics(d) => errors.extend(d),
            other => return Err(other),
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|d| d.primary_span().map(|s| (s.file, s.start, s.end)));
        errors.dedup();
        return Err(Failure::Diagnostics(errors));
    }
    let mut records = records.into_inner().unwrap_or_default();
    records.sort_by(|a, b| a.id.cmp(&b.id));
    for (path, text) in provisioning_files(&records, config, workspace_dir) {
        sink(&path, &text).map_err(Failure::Io)?;
    }
    let pipelines = service_pipelines(program, plan, config, &records, workspace_dir, None)
        .map_err(Failure::Diagnostics)?;
    for p in &pipelines {
        sink(&pipeline_path(&p.service, p.provider), &write_pipeline(p)).map_err(Failure::Io)?;
    }
    let manifest = to_json(&manifest(&records, config));
    Ok(Built { records, manifest })
}

/// The deploy order, as waves: each artifact after everything it depends on; within a
/// wave, by id. Linear in the records and their dependencies (each wave is a pass over
/// what is left, and services depend only on environments, so there are two).
pub fn waves(records: &[Record]) -> Vec<Vec<String>> {
    use std::collections::BTreeSet;
    let known: BTreeSet<&str> = records.iter().map(|r| r.id.as_str()).collect();
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::new();
    let mut left: Vec<&Record> = records.iter().collect();
    while !left.is_empty() {
        let (ready, rest): (Vec<&Record>, Vec<&Record>) = left.into_iter().partition(|r| {
            r.depends_on
                .iter()
                .all(|d| done.contains(d.as_str()) || !known.contains(d.as_str()))
        });
        if ready.is_empty() {
            // A cycle cannot happen (services depend only on environments); stop anyway.
            out.push(rest.iter().map(|r| r.id.clone()).collect());
            break;
        }
        done.extend(ready.iter().map(|r| r.id.as_str()));
        out.push(ready.iter().map(|r| r.id.clone()).collect());
        left = rest;
    }
    out
}

fn manifest(records: &[Record], config: &Config) -> Node {
    let artifacts = records
        .iter()
        .map(|r| {
            Node::Map(vec![
                ("id".into(), Node::str(&r.id)),
                ("kind".into(), Node::str(r.kind)),
                ("stack".into(), Node::str(&r.stack)),
                ("template".into(), Node::str(&r.template)),
                ("spec".into(), Node::str(&r.spec)),
                ("target".into(), Node::str(r.target.name())),
                ("sha256".into(), Node::str(r.sha256())),
                (
                    "files".into(),
                    Node::List(
                        r.files
                            .iter()
                            .map(|(p, h)| {
                                Node::Map(vec![
                                    ("path".into(), Node::str(p)),
                                    ("sha256".into(), Node::str(h)),
                                ])
                            })
                            .collect(),
                    ),
                ),
                (
                    "depends_on".into(),
                    Node::List(r.depends_on.iter().map(Node::str).collect()),
                ),
            ])
        })
        .collect();
    let order = waves(records)
        .into_iter()
        .map(|w| Node::List(w.into_iter().map(Node::String).collect()))
        .collect();
    let mut m = vec![
        ("formwork".to_string(), Node::str(env!("CARGO_PKG_VERSION"))),
        ("workspace".into(), Node::str(&config.name)),
    ];
    if let Some(r) = &config.region {
        m.push(("region".into(), Node::str(r)));
    }
    m.push(("artifacts".into(), Node::List(artifacts)));
    m.push(("deploy_order".into(), Node::List(order)));
    Node::Map(m)
}
