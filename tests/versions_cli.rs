//! `formwork diff` and `formwork drift` through the binary, on a copy of
//! `examples/acme`: a second version of `worker` compared with the first, with its
//! instances rendered by both; and the workspace's own build output taken as what is
//! deployed, then edited, thinned and given a Terraform plan with changes.

mod common;

use std::path::{Path, PathBuf};

use common::*;

fn formwork(dir: &Path, args: &[&str]) -> Run {
    run_formwork(dir, args)
}

/// A copy of `examples/acme` (without its build output) in a fresh folder, removed
/// when dropped.
fn acme(name: &str) -> TempDir {
    let dir = temp(name);
    copy_tree(&root().join("examples/acme"), &dir);
    dir
}

/// `worker` 2.0 beside the draft in `templates/` (whatever its version, returned): a
/// new input with a default, the queue's visibility timeout doubled, the queue made
/// FIFO (create-only: the queue is replaced), an output removed (breaking).
fn add_worker_2(ws: &Path) -> String {
    let draft = std::fs::read_to_string(ws.join("templates/worker.fw")).expect("worker.fw");
    let version_line = draft
        .lines()
        .find(|l| l.trim_start().starts_with("version = "))
        .expect("a version line");
    let version = version_line
        .split('"')
        .nth(1)
        .expect("a quoted version")
        .to_string();
    let v2 = draft
        .replace(version_line, "  version = \"2.0\"")
        .replace(
            "timeout: Int in 1..900 = 30",
            "timeout: Int in 1..900 = 30\n    region: String = \"eu-west-1\"",
        )
        .replace(
            "VisibilityTimeout = input.timeout * 6",
            "VisibilityTimeout = input.timeout * 12\n    FifoQueue = true",
        )
        .replace(
            "  output is_large: Bool = input.memory_mb >= 1024 && !input.dead_letter\n",
            "",
        );
    for edit in ["version = \"2.0\"", "region", "FifoQueue"] {
        assert!(
            v2.contains(edit),
            "the edits must apply to worker.fw: {edit}"
        );
    }
    assert!(!v2.contains("output is_large"));
    std::fs::write(ws.join("templates/worker-2.fw"), v2).expect("write worker-2.fw");
    version
}

fn shown(run: &Run) -> String {
    format!(
        "exit {}\n----- STDOUT\n{}----- STDERR\n{}",
        run.code, run.stdout, run.stderr
    )
}

#[test]
fn diff_between_published_versions_in_acme() {
    // `examples/acme` itself, read only: its registry holds `worker` 1.0 and 1.1.
    let acme = root().join("examples/acme");
    let run = formwork(
        &acme,
        &[
            "diff",
            "worker@1.0",
            "worker@1.1",
            "--instance",
            "orders-dev",
        ],
    );
    assert_eq!(run.code, 0, "{}", shown(&run));
    insta::assert_snapshot!("diff_acme_worker", shown(&run));
}

#[test]
fn diff_between_two_versions_of_worker() {
    let ws = acme("diff");
    let draft = add_worker_2(&ws);
    let from = format!("worker@{draft}");
    let text = formwork(
        &ws,
        &[
            "diff",
            &from,
            "worker@2.0",
            "--instance",
            "orders-dev",
            "--instance",
            "orders-prod",
        ],
    );
    assert_eq!(text.code, 0, "{}", shown(&text));
    insta::assert_snapshot!("diff_worker_text", shown(&text));

    let json = formwork(
        &ws,
        &[
            "diff",
            &from,
            "worker@2.0",
            "--instance",
            "orders-dev",
            "--format",
            "json",
        ],
    );
    assert_eq!(json.code, 0, "{}", shown(&json));
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    let queue = &doc["instances"][0]["differences"];
    assert!(
        queue
            .as_array()
            .expect("differences")
            .iter()
            .any(|d| d["effect"] == "replace" && d["resource"] == "Queue"),
        "{doc:#}"
    );
    insta::assert_snapshot!("diff_worker_json", json.stdout);

    // The same version twice: nothing changed, and still a report.
    let same = formwork(
        &ws,
        &[
            "diff",
            "worker@1.0",
            "worker@1.0",
            "--instance",
            "orders-dev",
        ],
    );
    assert_eq!(same.code, 0, "{}", shown(&same));
    assert!(same.stdout.contains("renders the same"), "{}", shown(&same));

    // From another folder, with `--workspace`.
    let outside = formwork(
        &std::env::temp_dir(),
        &[
            "diff",
            &from,
            "worker@2.0",
            "--workspace",
            ws.to_str().expect("utf-8 path"),
        ],
    );
    assert_eq!(outside.code, 0, "{}", shown(&outside));
}

#[test]
fn diff_usage_errors_exit_2() {
    let ws = acme("diff-usage");
    let mut all = String::new();
    for args in [
        &["diff", "worker@1.0", "worker@3.0"][..],
        &["diff", "worker", "worker@2.0"],
        &["diff", "worker@1.0", "web@2.1"],
        &[
            "diff",
            "worker@1.0",
            "worker@1.0",
            "--instance",
            "ordrs-dev",
        ],
        &["diff", "worker@1.0", "worker@1.0", "--instance", "web-dev"],
    ] {
        let r = formwork(&ws, args);
        assert_eq!(r.code, 2, "{args:?}: {}", shown(&r));
        assert!(r.stdout.is_empty());
        all.push_str(&format!("$ formwork {}\n{}", args.join(" "), r.stderr));
    }
    insta::assert_snapshot!("diff_usage_errors", all);

    // A template with an error is exit 1.
    std::fs::write(
        ws.join("templates/broken.fw"),
        "service \"broken\" { input { x: } }",
    )
    .expect("write");
    let r = formwork(&ws, &["diff", "worker@1.0", "worker@1.0"]);
    assert_eq!(r.code, 1, "{}", shown(&r));
}

/// Builds the workspace and copies each artifact into `deployed/` as the cloud would
/// give it back: CloudFormation templates as `STACK.json`, and for each Terraform
/// artifact a plan with nothing to do.
fn deploy_build(ws: &Path) -> (PathBuf, serde_json::Value) {
    let built = formwork(ws, &["build", "."]);
    assert_eq!(built.code, 0, "{}", shown(&built));
    let deployed = ws.join("deployed");
    std::fs::create_dir_all(&deployed).expect("mkdir");
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(ws.join("out/manifest.json")).expect("manifest"),
    )
    .expect("manifest JSON");
    for a in manifest["artifacts"].as_array().expect("artifacts") {
        let stack = a["stack"].as_str().expect("stack");
        let id = a["id"].as_str().expect("id");
        if a["target"] == "cloudformation" {
            std::fs::copy(
                ws.join("out").join(id).join("template.json"),
                deployed.join(format!("{stack}.json")),
            )
            .expect("copy");
        } else {
            let plan = serde_json::json!({
                "format_version": "1.2",
                "terraform_version": "1.0.3",
                "resource_changes": [
                    {"address": "aws_sqs_queue.queue", "type": "aws_sqs_queue", "name": "queue",
                     "change": {"actions": ["no-op"], "before": {}, "after": {}}},
                ],
            });
            std::fs::write(
                deployed.join(format!("{stack}.tfplan.json")),
                plan.to_string(),
            )
            .expect("write plan");
        }
    }
    (deployed, manifest)
}

#[test]
fn drift_against_the_build_itself_and_edited_deployments() {
    let ws = acme("drift");
    let (deployed, manifest) = deploy_build(&ws);

    let clean = formwork(&ws, &["drift", "--deployed", "deployed"]);
    assert_eq!(clean.code, 0, "{}", shown(&clean));
    insta::assert_snapshot!("drift_none", shown(&clean));

    // A deployed body in the whole `get-template` response, with another source hash
    // (the deployed template came from other sources, but deploys the same): no drift.
    let dev = deployed.join("dev.json");
    let body: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&dev).expect("dev")).expect("JSON");
    let mut body = body;
    body["Metadata"]["Formwork"]["SourceHash"] = "sha256:0123".into();
    let response =
        serde_json::json!({"TemplateBody": body, "StagesAvailable": ["Original", "Processed"]});
    std::fs::write(&dev, response.to_string()).expect("write");
    // And one deployed as YAML (what `render --yaml` writes), of the version built.
    let pinned = manifest["artifacts"]
        .as_array()
        .expect("artifacts")
        .iter()
        .find(|a| a["stack"] == "orders-prod")
        .and_then(|a| a["template"].as_str())
        .expect("orders-prod's template")
        .to_string();
    let yaml = formwork(
        &ws,
        &[
            "render",
            &pinned,
            "--spec",
            "services/worker.yaml",
            "--instance",
            "orders-prod",
            "--target",
            "cloudformation",
            "--yaml",
        ],
    );
    assert_eq!(yaml.code, 0, "{}", shown(&yaml));
    std::fs::remove_file(deployed.join("orders-prod.json")).expect("rm");
    std::fs::write(deployed.join("orders-prod.yaml"), &yaml.stdout).expect("write yaml");
    let still = formwork(&ws, &["drift", "--deployed", "deployed"]);
    assert_eq!(still.code, 0, "{}", shown(&still));

    // Someone changed a property by hand, a stack is gone, an old one lingers, and
    // Terraform's plan would update the queue and replace the security group.
    let orders = deployed.join("orders-dev.json");
    let text = std::fs::read_to_string(&orders).expect("orders-dev");
    let edited = text.replace("\"VisibilityTimeout\": 360", "\"VisibilityTimeout\": 900");
    assert_ne!(text, edited);
    std::fs::write(&orders, edited).expect("write");
    std::fs::remove_file(deployed.join("web-prod.json")).expect("rm");
    std::fs::write(
        deployed.join("legacy-api.json"),
        r#"{"Resources": {"Api": {"Type": "AWS::ApiGateway::RestApi"}}}"#,
    )
    .expect("write");
    let plan = serde_json::json!({
        "format_version": "1.2",
        "resource_changes": [
            {"address": "aws_sqs_queue.queue", "change": {"actions": ["update"]}},
            {"address": "aws_security_group.consumers", "change": {"actions": ["delete", "create"]}},
            {"address": "data.aws_vpc.network", "change": {"actions": ["read"]}},
        ],
    });
    std::fs::write(deployed.join("jobs-dev.tfplan.json"), plan.to_string()).expect("write");
    let drift = formwork(&ws, &["drift", "--deployed", "deployed"]);
    assert_eq!(drift.code, 1, "{}", shown(&drift));
    insta::assert_snapshot!("drift_found", shown(&drift));
    let json = formwork(
        &ws,
        &["drift", "--deployed", "deployed", "--format", "json"],
    );
    assert_eq!(json.code, 1, "{}", shown(&json));
    insta::assert_snapshot!("drift_found_json", json.stdout);

    // A file that is not a template: no verdict, exit 2.
    std::fs::write(deployed.join("prod.json"), "{\"Resources\": ").expect("write");
    let bad = formwork(&ws, &["drift", "--deployed", "deployed"]);
    assert_eq!(bad.code, 2, "{}", shown(&bad));
    assert!(bad.stdout.contains("cannot compare"), "{}", shown(&bad));
    let missing = formwork(&ws, &["drift", "--deployed", "nowhere"]);
    assert_eq!(missing.code, 2, "{}", shown(&missing));
}
