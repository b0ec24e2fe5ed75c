//! Service pipelines, short of the external validators (`.ci/run` runs actionlint,
//! check-jsonschema and cfn-lint on them): golden snapshots of every example service's
//! pipeline for every provider, and property checks of each: the file parses, every
//! instance a deploy stage names is an artifact of the build, every job a GitHub job
//! needs exists, secrets appear only as store names, and the same input gives the
//! same bytes.

mod common;

use std::collections::BTreeSet;

use common::*;
use formwork::ir::pipeline::{EnvValue, Pipeline, Provider, StageKind};
use formwork::syntax::span::SourceMap;
use formwork::workspace::build::{Record, build};
use formwork::workspace::config::{Config, read_config};
use formwork::workspace::pipelines::{pipeline_path, service_pipelines, write_pipeline};

/// The example workspace, checked, planned and built (into nothing).
fn acme(provider: Option<Provider>) -> (Vec<Pipeline>, Vec<Record>) {
    let files: Vec<(String, String)> = read_tree(&root().join("examples/acme"))
        .into_iter()
        .filter(|(p, _)| {
            p == "formwork.yaml"
                || p.starts_with("templates/")
                || p.starts_with("registry/")
                || p.starts_with("environments/")
                || p.starts_with("services/")
        })
        .collect();
    let mut map = SourceMap::new();
    let mut problems = Vec::new();
    let (mut environments, mut services) = (Vec::new(), Vec::new());
    let mut config = Config::default();
    for (path, text) in &files {
        let (id, problem) = formwork::check::add_source(&mut map, path.as_str(), text.as_bytes());
        problems.extend(problem);
        if path == "formwork.yaml" {
            let (c, d) = read_config(id, text);
            problems.extend(d);
            config = c;
        } else if path.starts_with("environments/") {
            environments.push(id);
        } else if path.starts_with("services/") {
            services.push(id);
        }
    }
    let (program, diags) = formwork::check::build_and_check(&mut map, problems);
    assert!(diags.is_empty(), "{}", render_human(&map, &diags));
    let (plan, diags) = formwork::workspace::plan(&program, &map, &environments, &services);
    assert!(diags.is_empty(), "{}", render_human(&map, &diags));
    let built =
        build(&program, &map, "", ".", &plan, &config, &|_, _| Ok(())).expect("acme builds");
    let pipelines = service_pipelines(&program, &plan, &config, &built.records, ".", provider)
        .unwrap_or_else(|d| panic!("{}", render_human(&map, &d)));
    (pipelines, built.records)
}

#[test]
fn example_pipelines_for_every_provider() {
    let mut seen = BTreeSet::new();
    for provider in Provider::ALL {
        let (pipelines, records) = acme(Some(provider));
        assert_eq!(
            pipelines.len(),
            3,
            "web, worker and jobs have pipelines: {pipelines:?}"
        );
        for p in &pipelines {
            let text = write_pipeline(p);
            assert_eq!(text, write_pipeline(p), "{}: deterministic", p.service);
            check_properties(p, &text, &records);
            let name = format!("{}-{}", p.service, provider.name());
            insta::assert_snapshot!(name.clone(), text);
            seen.insert(name);
        }
    }
    assert_eq!(seen.len(), 9);
}

/// The pipeline a build writes for each service follows its spec, then the workspace.
#[test]
fn build_uses_the_workspace_provider() {
    let (pipelines, _) = acme(None);
    let paths: Vec<String> = pipelines
        .iter()
        .map(|p| pipeline_path(&p.service, p.provider))
        .collect();
    // formwork.yaml says `pipeline: github`; services/jobs.yaml says `gitlab`.
    assert_eq!(
        paths,
        [
            "pipelines/jobs/gitlab-ci.yml",
            "pipelines/web/workflow.yml",
            "pipelines/worker/workflow.yml"
        ]
    );
}

fn check_properties(p: &Pipeline, text: &str, records: &[Record]) {
    let what = format!("{} ({})", p.service, p.provider.name());
    match p.provider {
        Provider::GitHub | Provider::GitLab => {
            let doc = yaml_to_json(text);
            assert!(doc.is_object(), "{what}: a mapping");
        }
        Provider::CodePipeline => {
            let v: serde_json::Value =
                serde_json::from_str(text).unwrap_or_else(|e| panic!("{what}: not JSON: {e}"));
            assert!(v["Resources"].is_object(), "{what}: a stack");
        }
    }
    if p.provider == Provider::GitHub {
        github_needs_exist(&what, text);
    }
    for stage in &p.stages {
        match &stage.kind {
            StageKind::Deploy { waves } => {
                for inst in waves.iter().flat_map(|w| &w.instances) {
                    assert!(
                        records.iter().any(|r| r.id == inst.artifact),
                        "{what}: deploys {}, which the build does not make",
                        inst.artifact
                    );
                    assert!(
                        text.contains(&inst.artifact),
                        "{what}: the deploy of {} is missing",
                        inst.artifact
                    );
                }
            }
            StageKind::Run(run) => {
                for c in &run.commands {
                    assert!(!c.contains("${"), "{what}: `{c}` was not folded");
                }
                for v in p.env.iter().chain(&run.env) {
                    if let EnvValue::Secret { store_name, .. } = &v.value {
                        assert!(
                            text.contains(store_name.as_str())
                                || p.provider == Provider::CodePipeline,
                            "{what}: secret {store_name} not read from the store"
                        );
                    }
                }
            }
            StageKind::Approval { message } => {
                assert!(text.contains(message.as_str()), "{what}: approval lost");
            }
        }
    }
}

/// Every `needs:` of a GitHub workflow names one of its jobs.
fn github_needs_exist(what: &str, text: &str) {
    let doc = yaml_to_json(text);
    let jobs = doc["jobs"]
        .as_object()
        .unwrap_or_else(|| panic!("{what}: no jobs"));
    for (name, job) in jobs {
        let needs: Vec<&str> = match &job["needs"] {
            serde_json::Value::Array(items) => items.iter().filter_map(|x| x.as_str()).collect(),
            serde_json::Value::String(s) => vec![s.as_str()],
            _ => Vec::new(),
        };
        for need in needs {
            assert!(
                jobs.contains_key(need),
                "{what}: job {name} needs {need}, which does not exist"
            );
        }
    }
}

/// Writes every example service's pipeline for every provider under
/// `$FORMWORK_OUTPUT_DIR`, as `formwork build` names them
/// (`PROVIDER/pipelines/SERVICE/…`), for the third-party validators
/// (`tests/external/validate_pipelines.sh`, and `validate.sh`'s cfn-lint for the
/// CodePipeline stacks), when `.ci/run` names it; else to a temporary folder.
#[test]
fn export_pipelines() {
    let out = export_dir("export-pipelines");
    let mut written = 0;
    for provider in Provider::ALL {
        let (pipelines, _) = acme(Some(provider));
        for p in &pipelines {
            let path = out
                .join(provider.name())
                .join(pipeline_path(&p.service, provider));
            std::fs::create_dir_all(path.parent().expect("a folder")).expect("create folder");
            std::fs::write(&path, write_pipeline(p)).expect("write pipeline");
            written += 1;
        }
    }
    assert_eq!(written, 9);
}
