//! Service pipelines, short of the external validators (`.ci/run` runs actionlint,
//! check-jsonschema and cfn-lint on them): golden snapshots of every example service's
//! pipeline for every provider, and property checks of each: the file parses, every
//! instance a deploy stage names is an artifact of the build, every job a GitHub job
//! needs exists, secrets appear only as store names, and the same input gives the
//! same bytes. The same for the loop workspace (`for instance in instances`, a
//! conditional approval, an artifact fed to each deploy), with what the loop makes of
//! its spec, and the proof that an artifact given by `--input-file` reaches the
//! rendered stack.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use common::*;
use formwork::ir::pipeline::InputOverride;
use formwork::ir::pipeline::{EnvValue, Pipeline, Provider, StageKind};
use formwork::syntax::span::SourceMap;
use formwork::workspace::build::{Record, build};
use formwork::workspace::config::{Config, read_config};
use formwork::workspace::pipelines::{pipeline_path, service_pipelines, write_pipeline};

/// The example workspace, checked, planned and built (into nothing).
fn acme(provider: Option<Provider>) -> (Vec<Pipeline>, Vec<Record>) {
    let (pipelines, built) = workspace("examples/acme", provider, Default::default());
    (pipelines, built.records)
}

/// The workspace fixture whose service pipeline loops over its instances, approves
/// the one whose spec asks for it, and feeds the image it builds into each deploy.
const LOOP_WORKSPACE: &str = "tests/fixtures/workspace/valid_pipeline_loop";

/// A workspace (relative to the crate), checked, planned and built (into memory: the
/// files by path), with `overrides` as `--input-file` would give them.
fn workspace(
    dir: &str,
    provider: Option<Provider>,
    overrides: formwork::compile::InputOverrides,
) -> (Vec<Pipeline>, Built) {
    let files: Vec<(String, String)> = read_tree(&root().join(dir))
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
    let (mut plan, diags) = formwork::workspace::plan(&program, &map, &environments, &services);
    assert!(diags.is_empty(), "{}", render_human(&map, &diags));
    plan.input_overrides = overrides;
    let written: Mutex<BTreeMap<String, String>> = Mutex::new(BTreeMap::new());
    let records = build(&program, &map, "", ".", &plan, &config, &|path, text| {
        if let Ok(mut w) = written.lock() {
            w.insert(path.to_string(), text.to_string());
        }
        Ok(())
    })
    .unwrap_or_else(|f| match f {
        formwork::compile::Failure::Diagnostics(d) => panic!("{}", render_human(&map, &d)),
        other => panic!("{dir} builds: {other:?}"),
    })
    .records;
    let pipelines = service_pipelines(&program, &plan, &config, &records, ".", provider)
        .unwrap_or_else(|d| panic!("{}", render_human(&map, &d)));
    let files = written.into_inner().expect("not poisoned");
    (pipelines, Built { records, files })
}

/// What a build wrote.
struct Built {
    records: Vec<Record>,
    files: BTreeMap<String, String>,
}

#[test]
fn example_pipelines_for_every_provider() {
    let mut seen = BTreeSet::new();
    for provider in Provider::ALL {
        let (pipelines, records) = acme(Some(provider));
        assert_eq!(
            pipelines.len(),
            4,
            "web, worker, jobs and notify have pipelines: {pipelines:?}"
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
    assert_eq!(seen.len(), 12);
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
            "pipelines/notify/workflow.yml",
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
    for (at, stage) in p.stages.iter().enumerate() {
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
                // What is left of `${…}` is a deployed output, which the job reads when
                // it runs, from an earlier deploy of its instance that exports it.
                for c in &run.commands {
                    let mut c = c.clone();
                    for r in &run.reads {
                        c = c.replace(&format!("${{{}}}", r.var), "");
                    }
                    assert!(!c.contains("${"), "{what}: `{c}` was not folded");
                }
                for r in &run.reads {
                    let exported = p.stages[..at].iter().any(|s| match &s.kind {
                        StageKind::Deploy { waves } => {
                            waves.iter().flat_map(|w| &w.instances).any(|i| {
                                i.name == r.instance && i.exports.iter().any(|e| e.var == r.var)
                            })
                        }
                        _ => false,
                    });
                    assert!(
                        exported,
                        "{what}: {} is read but no earlier deploy exports it",
                        r.var
                    );
                    assert!(
                        text.matches(r.var.as_str()).count() >= 3,
                        "{what}: {} is not both written and read",
                        r.var
                    );
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
        let (mut pipelines, _) = acme(Some(provider));
        // The loop workspace's pipeline beside the example's, where the validators
        // find it too (`validate.sh` lints every CloudFormation file under a folder).
        let (looped, _) = workspace(LOOP_WORKSPACE, Some(provider), Default::default());
        pipelines.extend(looped);
        for p in &pipelines {
            let path = out
                .join(provider.name())
                .join(pipeline_path(&p.service, provider));
            std::fs::create_dir_all(path.parent().expect("a folder")).expect("create folder");
            std::fs::write(&path, write_pipeline(p)).expect("write pipeline");
            written += 1;
        }
    }
    assert_eq!(written, 15);
}

/// The loop workspace's pipeline for every provider: snapshots, the properties every
/// pipeline has, and what the loop makes of the spec: one deploy per instance, in the
/// spec's order, each building with the artifact as its `image`; an approval only for
/// the instance whose spec sets `approval: true`, and never the text `true`/`false`.
#[test]
fn loop_pipelines_for_every_provider() {
    for provider in Provider::ALL {
        let (pipelines, built) = workspace(LOOP_WORKSPACE, Some(provider), Default::default());
        let [p] = pipelines.as_slice() else {
            panic!("one service: {pipelines:?}");
        };
        let text = write_pipeline(p);
        assert_eq!(text, write_pipeline(p), "deterministic");
        check_properties(p, &text, &built.records);
        insta::assert_snapshot!(format!("loop-{}", provider.name()), text);
        let kinds: Vec<String> = p
            .stages
            .iter()
            .map(|s| match &s.kind {
                StageKind::Run(run) => {
                    let reads: Vec<&str> = run.reads.iter().map(|r| r.var.as_str()).collect();
                    format!("run {} {}", s.id, reads.join(" "))
                        .trim_end()
                        .to_string()
                }
                StageKind::Approval { message } => format!("approve {message}"),
                StageKind::Deploy { waves } => {
                    let names: Vec<String> = waves
                        .iter()
                        .flat_map(|w| &w.instances)
                        .map(|i| {
                            let o: Vec<String> = i
                                .overrides
                                .iter()
                                .map(|InputOverride { input, path }| format!("{input}<{path}"))
                                .collect();
                            let e: Vec<String> = i
                                .exports
                                .iter()
                                .map(|e| format!("{}>{}", e.key, e.var))
                                .collect();
                            format!("{}[{}][{}]", i.name, o.join(","), e.join(","))
                        })
                        .collect();
                    format!("deploy {}", names.join(" "))
                }
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "run build",
                "deploy shop-dev[image<image.txt][ImageParameterName>FORMWORK_OUTPUT_SHOP_DEV_IMAGE_PARAMETER_NAME]",
                "run smoke-test-shop-dev FORMWORK_OUTPUT_SHOP_DEV_IMAGE_PARAMETER_NAME",
                "approve release shop-prod to prod",
                "deploy shop-prod[image<image.txt][ImageParameterName>FORMWORK_OUTPUT_SHOP_PROD_IMAGE_PARAMETER_NAME]",
                "run smoke-test-shop-prod FORMWORK_OUTPUT_SHOP_PROD_IMAGE_PARAMETER_NAME",
            ],
            "{}",
            provider.name()
        );
        for build in ["shop-dev", "shop-prod"] {
            let cmd = format!("formwork build --input-file {build}.image=image.txt");
            assert!(text.contains(&cmd), "{}: `{cmd}` missing", provider.name());
        }
        // The instance inputs are folded in: dev's own domain, prod's default.
        assert!(text.contains("https://dev.shop.example.com/health"));
        assert!(text.contains("https://shop.example.com/health"));
        assert!(
            !text.contains("release shop-dev"),
            "dev asks for no approval"
        );
        // `when pipeline.input.gate_all`, false by default: no job, and no word of it.
        assert!(
            !text.contains("release everything"),
            "no gate for the whole release"
        );
        assert!(!text.contains("gate_all"), "the condition is not written");
    }
}

/// What the deploy job's `formwork build --input-file shop-dev.image=image.txt` does:
/// the artifact's text is the instance's `image`, in its rendered stack, and the
/// other instance keeps its spec's value.
#[test]
fn an_artifact_reaches_the_rendered_stack() {
    let tag = "registry.example.com/shop@sha256:0f1e2d3c4b5a";
    let overrides = [(
        "shop-dev".to_string(),
        [("image".to_string(), tag.to_string())]
            .into_iter()
            .collect(),
    )]
    .into_iter()
    .collect();
    let (_, plain) = workspace(LOOP_WORKSPACE, None, Default::default());
    let (_, fed) = workspace(LOOP_WORKSPACE, None, overrides);
    let template = |b: &Built, id: &str| -> serde_json::Value {
        let text = &b.files[&format!("services/shop/{id}/template.json")];
        serde_json::from_str(text).expect("a template")
    };
    let value = |b: &Built, id: &str| {
        template(b, id)["Resources"]["ImageParameter"]["Properties"]["Value"].clone()
    };
    assert_eq!(value(&fed, "shop-dev"), tag);
    assert_eq!(
        value(&plain, "shop-dev"),
        "registry.example.com/shop:latest"
    );
    assert_eq!(value(&fed, "shop-prod"), "registry.example.com/shop:latest");
    // deploy.sh redeploys what changed: the artifact's hash differs.
    let hash = |b: &Built, id: &str| {
        b.records
            .iter()
            .find(|r| r.id == format!("services/shop/{id}"))
            .map(|r| r.files.clone())
    };
    assert_ne!(hash(&fed, "shop-dev"), hash(&plain, "shop-dev"));
    assert_eq!(hash(&fed, "shop-prod"), hash(&plain, "shop-prod"));
}

/// The same through the binary, as a deploy job runs it: the file's text (its final
/// line break dropped) reaches the stack; a value the input refuses fails the build
/// naming where it came from; an unknown instance is a usage error.
#[test]
fn build_input_file_through_the_binary() {
    let dir = temp("input-file");
    copy_tree(&root().join(LOOP_WORKSPACE), &dir);
    std::fs::write(
        dir.join("image.txt"),
        "registry.example.com/shop@sha256:99\n",
    )
    .expect("write");
    let r = run_formwork(&dir, &["build", "--input-file", "shop-dev.image=image.txt"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = std::fs::read_to_string(dir.join("out/services/shop/shop-dev/template.json"))
        .expect("built");
    assert!(
        text.contains("\"registry.example.com/shop@sha256:99\""),
        "{text}"
    );
    std::fs::write(dir.join("bad.txt"), "not an image!\n").expect("write");
    let r = run_formwork(&dir, &["build", "--input-file", "shop-dev.image=bad.txt"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("E0314"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("`--input-file` gave `image` of `shop-dev`"),
        "{}",
        r.stderr
    );
    let r = run_formwork(&dir, &["build", "--input-file", "nope.image=image.txt"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("no service instance `nope`"),
        "{}",
        r.stderr
    );
    let r = run_formwork(&dir, &["build", "--input-file", "shop-dev.image"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}
