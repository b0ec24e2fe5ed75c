//! `formwork outdated` and `formwork upgrade` through the binary, on copies of
//! `examples/acme` given newer versions of the worker template: the table and its
//! JSON, `--fail-on` as a CI gate, an upgrade that changes nothing but the version pin
//! (snapshot of the line diff), and one refused because the new version needs an
//! input the spec does not give (the spec is left untouched).

mod common;

use std::path::Path;

use common::*;

/// Runs the binary in `dir`: exit status, stdout, stderr.
fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let r = run_formwork(dir, args);
    (r.code, r.stdout, r.stderr)
}

/// A copy of acme, where `services/worker.yaml` is on worker 1.0 and 1.1 is published
/// (a minor upgrade); with `major`, worker 2.0 is published too, with a new required
/// input (`formwork publish worker --major`, as a platform team would). Removed when
/// dropped.
fn acme_with_worker_versions(name: &str, major: bool) -> TempDir {
    let ws = temp(name);
    copy_tree(&root().join("examples/acme"), &ws);
    if major {
        let path = ws.join("templates/worker.fw");
        let draft = std::fs::read_to_string(&path).expect("worker.fw");
        let v2 = draft.replace(
            "    dead_letter: Bool = true\n",
            "    dead_letter: Bool = true\n    /// The team that owns the worker.\n    owner: String\n",
        );
        assert_ne!(v2, draft, "worker.fw changed shape: update this test");
        std::fs::write(&path, v2).expect("write the draft");
        let (code, _, log) = run(&ws, &["publish", "worker", "--major"]);
        assert_eq!(code, 0, "{log}");
        assert!(log.contains("published worker 2.0"), "{log}");
    }
    ws
}

/// The lines of `after` that differ from `before`, as `-`/`+` pairs.
fn line_diff(before: &str, after: &str) -> String {
    let mut out = String::new();
    let (b, a): (Vec<&str>, Vec<&str>) = (before.lines().collect(), after.lines().collect());
    assert_eq!(b.len(), a.len(), "an upgrade adds or removes no line");
    for (i, (x, y)) in b.iter().zip(&a).enumerate() {
        if x != y {
            out.push_str(&format!("{}: - {x}\n{}: + {y}\n", i + 1, i + 1));
        }
    }
    out
}

#[test]
fn outdated_on_the_example() {
    // Read-only: run on the example itself.
    let r = run_formwork(&root().join("examples/acme"), &["outdated", "."]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    insta::assert_snapshot!(
        "outdated_acme",
        format!("{}----- stderr\n{}", r.stdout, r.stderr)
    );
    let r = run_formwork(
        &root().join("examples/acme"),
        &["outdated", ".", "--fail-on", "minor"],
    );
    assert_eq!(
        r.code, 1,
        "orders-dev and orders-prod are on worker 1.0, 1.1 is published"
    );
}

#[test]
fn outdated_lists_every_instance_and_gates_ci() {
    let ws = acme_with_worker_versions("outdated", true);
    let (code, table, summary) = run(&ws, &["outdated", "."]);
    assert_eq!(code, 0, "{summary}");
    insta::assert_snapshot!("outdated_table", format!("{table}----- stderr\n{summary}"));
    let (code, json, _) = run(&ws, &["outdated", ".", "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let rows = v["instances"].as_array().expect("instances");
    assert_eq!(rows.len(), 11, "3 environments and 8 service instances");
    let behind: Vec<&str> = rows
        .iter()
        .filter(|r| !r["upgrade"].is_null())
        .filter_map(|r| r["instance"].as_str())
        .collect();
    assert_eq!(behind, ["orders-dev", "orders-prod"]);
    let orders_dev = rows
        .iter()
        .find(|r| r["instance"] == "orders-dev")
        .expect("orders-dev is listed");
    assert_eq!(orders_dev["latest_minor"], "1.1");
    assert_eq!(orders_dev["recommended"], "2.0");
    assert_eq!(orders_dev["upgrade"], "major");
    assert_eq!(run(&ws, &["outdated", ".", "--fail-on", "major"]).0, 1);
    assert_eq!(run(&ws, &["outdated", ".", "--fail-on", "minor"]).0, 1);

    // With only a minor available, `--fail-on major` passes and `minor` fails.
    let ws = acme_with_worker_versions("outdated-minor", false);
    assert_eq!(run(&ws, &["outdated", ".", "--fail-on", "major"]).0, 0);
    assert_eq!(run(&ws, &["outdated", ".", "--fail-on", "minor"]).0, 1);
}

#[test]
fn upgrade_changes_only_the_version_pin() {
    let ws = acme_with_worker_versions("upgrade", true);
    let spec = ws.join("services/worker.yaml");
    let before = std::fs::read_to_string(&spec).expect("spec");
    let (code, _, log) = run(&ws, &["upgrade", "worker"]);
    assert_eq!(code, 0, "{log}");
    let after = std::fs::read_to_string(&spec).expect("spec");
    insta::assert_snapshot!(
        "upgrade_minor",
        format!("{}----- stderr\n{log}", line_diff(&before, &after))
    );
    // The upgraded workspace is clean and up to date in its major.
    let (code, _, log) = run(&ws, &["check", "."]);
    assert_eq!(code, 0, "{log}");
    let (code, _, log) = run(&ws, &["upgrade", "worker"]);
    assert_eq!(code, 0, "{log}");
    assert_eq!(std::fs::read_to_string(&spec).expect("spec"), after);
    assert!(log.contains("--major"), "{log}");
}

#[test]
fn upgrade_refuses_a_spec_the_new_version_rejects() {
    let ws = acme_with_worker_versions("upgrade-refused", true);
    let spec = ws.join("services/worker.yaml");
    let before = std::fs::read_to_string(&spec).expect("spec");
    let (code, _, log) = run(&ws, &["upgrade", "worker", "--major"]);
    assert_eq!(code, 1, "{log}");
    assert_eq!(
        std::fs::read_to_string(&spec).expect("spec"),
        before,
        "nothing written"
    );
    insta::assert_snapshot!("upgrade_refused", log);
    // Usage errors: an unknown spec, a version the workspace does not have.
    assert_eq!(run(&ws, &["upgrade", "nope"]).0, 2);
    assert_eq!(run(&ws, &["upgrade", "worker", "--to", "9.9"]).0, 2);
    assert_eq!(run(&ws, &["upgrade", "worker", "--to", "x"]).0, 2);
}

#[test]
fn upgrade_one_instance_pins_it_alone() {
    let ws = acme_with_worker_versions("upgrade-instance", false);
    let spec = ws.join("services/worker.yaml");
    let before = std::fs::read_to_string(&spec).expect("spec");
    let (code, _, log) = run(&ws, &["upgrade", "worker", "--instance", "orders-dev"]);
    assert_eq!(code, 0, "{log}");
    let after = std::fs::read_to_string(&spec).expect("spec");
    let added: Vec<&str> = after
        .lines()
        .filter(|l| !before.lines().any(|b| b == *l))
        .collect();
    assert_eq!(
        added,
        ["    template: worker@1.1"],
        "one line added:\n{after}"
    );
    insta::assert_snapshot!("upgrade_instance", format!("{after}----- stderr\n{log}"));
    // The build renders each instance with its own version.
    let (code, _, log) = run(&ws, &["build", "."]);
    assert_eq!(code, 0, "{log}");
    let manifest = std::fs::read_to_string(ws.join("out/manifest.json")).expect("manifest");
    let m: serde_json::Value = serde_json::from_str(&manifest).expect("JSON");
    let template_of = |id: &str| {
        m["artifacts"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["id"] == id))
            .map(|x| x["template"].clone())
    };
    assert_eq!(
        template_of("services/worker/orders-dev"),
        Some("worker@1.1".into())
    );
    assert_eq!(
        template_of("services/worker/orders-prod"),
        Some("worker@1.0".into())
    );
    // Upgrading it again rewrites its pin; an unknown instance is a usage error.
    assert_eq!(run(&ws, &["upgrade", "worker", "--instance", "nope"]).0, 2);
}
