//! The registry and `formwork publish`, through the binary, on a temporary copy of
//! `fixtures/registry/shop` (a service importing a module, an environment, a spec of
//! each): the first publish, a compatible change published as the next minor with the
//! draft renumbered, a breaking change refused without `--major` (the registry left as
//! it was) and accepted with it, snapshots verified by every command (`E0407`), the
//! index's deprecations (`W0402`) and its mistakes (`E0408`), and a draft that differs
//! from its published version (`W0403`).

mod common;

use std::path::Path;

use common::*;

/// Runs formwork in `dir`: success, stderr.
fn formwork(dir: &Path, args: &[&str]) -> (bool, String) {
    let r = run_formwork(dir, args);
    (r.code == 0, r.stderr)
}

/// A fresh copy of the shop workspace, removed when dropped.
fn shop(name: &str) -> TempDir {
    let dir = temp(&format!("registry-{name}"));
    for (rel, text) in read_tree(&root().join("tests/fixtures/registry/shop")) {
        let p = dir.join(&rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }
    dir
}

/// The shop with `jobs` and `net` published as 1.0.
fn published_shop(name: &str) -> TempDir {
    let ws = shop(name);
    for t in ["jobs", "net"] {
        let (ok, log) = formwork(&ws, &["publish", t]);
        assert!(ok, "{log}");
    }
    ws
}

fn read(ws: &Path, rel: &str) -> String {
    std::fs::read_to_string(ws.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn edit(ws: &Path, rel: &str, from: &str, to: &str) {
    let text = read(ws, rel);
    assert!(text.contains(from), "{rel} has no `{from}`");
    std::fs::write(ws.join(rel), text.replacen(from, to, 1)).expect("write");
}

/// Every file under `registry/`, with its text.
fn registry(ws: &Path) -> Vec<(String, String)> {
    read_tree(&ws.join("registry"))
}

#[test]
fn first_publish_snapshots_the_template_and_its_imports() {
    let ws = shop("first");
    let (ok, log) = formwork(&ws, &["publish", "jobs"]);
    assert!(ok, "{log}");
    assert_eq!(
        log,
        "published jobs 1.0 (the first version) to registry/jobs/1.0\n"
    );
    let files: Vec<String> = registry(&ws).into_iter().map(|(p, _)| p).collect();
    assert_eq!(
        files,
        [
            "index.json",
            "jobs/1.0/modules/queue.fw",
            "jobs/1.0/templates/jobs.fw"
        ]
    );
    // The snapshot is the draft, byte for byte; the index records its hashes.
    assert_eq!(
        read(&ws, "registry/jobs/1.0/templates/jobs.fw"),
        read(&ws, "templates/jobs.fw")
    );
    let index: serde_json::Value =
        serde_json::from_str(&read(&ws, "registry/index.json")).expect("the index is JSON");
    let v = &index["templates"]["jobs"]["versions"]["1.0"];
    assert_eq!(index["templates"]["jobs"]["kind"], "service");
    assert_eq!(v["files"].as_object().expect("files").len(), 2);
    assert_eq!(v["sha256"].as_str().expect("sha256").len(), 64);
    // The published version and its draft do not clash; nothing is left to publish.
    let (ok, log) = formwork(&ws, &["check", "."]);
    assert!(ok && log.ends_with("no problems\n"), "{log}");
    let (ok, log) = formwork(&ws, &["publish", "jobs"]);
    assert!(ok, "{log}");
    assert_eq!(
        log,
        "nothing to publish: the draft of `jobs` is `jobs` 1.0 as published\n"
    );
    // Publishing is deterministic: the same workspace gives the same index.
    let again = published_shop("first-again");
    let other = published_shop("first-other");
    assert_eq!(registry(&again), registry(&other));
}

#[test]
fn a_compatible_change_is_the_next_minor_and_renumbers_the_draft() {
    let ws = published_shop("minor");
    // A new optional input of the module, and a property updated in place.
    edit(
        &ws,
        "modules/queue.fw",
        "    timeout: Int in 0..43200 = 30\n",
        "    timeout: Int in 0..43200 = 30\n    retention: Int in 60..1209600 = 345600\n",
    );
    edit(
        &ws,
        "modules/queue.fw",
        "    VisibilityTimeout = input.timeout\n",
        "    VisibilityTimeout = input.timeout\n    MessageRetentionPeriod = input.retention\n",
    );
    // Before publishing, the draft differs from the 1.0 it still claims to be.
    let (ok, log) = formwork(&ws, &["check", "."]);
    assert!(ok, "{log}");
    assert!(
        log.contains("warning[W0403]: the draft of `jobs` 1.0 differs from the published 1.0"),
        "{log}"
    );
    let (ok, log) = formwork(&ws, &["publish", "jobs"]);
    assert!(ok, "{log}");
    assert_eq!(
        log,
        "published jobs 1.1 (minor: 1 compatible change) to registry/jobs/1.1\n"
    );
    assert!(read(&ws, "templates/jobs.fw").contains("version = \"1.1\""));
    assert_eq!(
        read(&ws, "registry/jobs/1.1/templates/jobs.fw"),
        read(&ws, "templates/jobs.fw")
    );
    assert_eq!(
        read(&ws, "registry/jobs/1.1/modules/queue.fw"),
        read(&ws, "modules/queue.fw")
    );
    // 1.0 is untouched, and still imports its own copy of the module.
    assert!(read(&ws, "registry/jobs/1.0/templates/jobs.fw").contains("version = \"1.0\""));
    let (ok, log) = formwork(&ws, &["build", "."]);
    assert!(ok, "{log}");
    let built = read(&ws, "out/services/jobs/jobs-dev/template.json");
    assert!(!built.contains("MessageRetentionPeriod"), "{built}");
    let (ok, log) = formwork(&ws, &["check", "."]);
    assert!(ok && log.ends_with("no problems\n"), "{log}");
}

#[test]
fn a_breaking_change_needs_major() {
    let ws = published_shop("major");
    let before = registry(&ws);
    let draft = read(&ws, "templates/jobs.fw");
    edit(&ws, "templates/jobs.fw", "Int in 0..43200", "Int in 0..900");
    edit(
        &ws,
        "modules/queue.fw",
        "    SqsManagedSseEnabled = true\n",
        "    SqsManagedSseEnabled = true\n    FifoQueue = true\n",
    );
    let (ok, log) = formwork(&ws, &["publish", "jobs"]);
    assert!(!ok);
    insta::assert_snapshot!("breaking_change_refused", log);
    // Nothing was written.
    assert_eq!(registry(&ws), before);
    assert_eq!(
        read(&ws, "templates/jobs.fw"),
        draft.replace("Int in 0..43200", "Int in 0..900")
    );
    let (ok, log) = formwork(&ws, &["publish", "jobs", "--major"]);
    assert!(ok, "{log}");
    assert_eq!(
        log,
        "published jobs 2.0 (major: 2 breaking changes) to registry/jobs/2.0\n  \
         breaking: input `timeout` narrowed from `Int in 0..43200` to `Int in 0..900`\n  \
         breaking: resource `WorkQueue` (AWS::SQS::Queue) replaced in `jobs-dev`: create-only `FifoQueue` changed\n"
    );
    assert!(read(&ws, "templates/jobs.fw").contains("version = \"2.0\""));
    // The spec still pins 1.0, which is still published.
    let (ok, log) = formwork(&ws, &["check", "."]);
    assert!(ok && log.ends_with("no problems\n"), "{log}");
}

#[test]
fn a_changed_snapshot_is_an_error_in_every_command() {
    let ws = published_shop("tamper");
    edit(
        &ws,
        "registry/jobs/1.0/modules/queue.fw",
        "SqsManagedSseEnabled = true",
        "SqsManagedSseEnabled = false",
    );
    for args in [
        &["check", "."][..],
        &["build", "."],
        &["publish", "net"],
        &[
            "render",
            "jobs",
            "--spec",
            "services/jobs.yaml",
            "--target",
            "cloudformation",
        ],
    ] {
        let (ok, log) = formwork(&ws, args);
        assert!(!ok, "{args:?}: {log}");
        assert!(
            log.contains("error[E0407]: `jobs` 1.0 changed after it was published")
                && log.contains("`modules/queue.fw` was edited"),
            "{args:?}: {log}"
        );
    }
    // A file added to a snapshot is a change too.
    let ws = published_shop("tamper-add");
    std::fs::write(ws.join("registry/net/1.0/templates/extra.fw"), "").expect("write");
    let (ok, log) = formwork(&ws, &["check", "."]);
    assert!(
        !ok && log.contains("`templates/extra.fw` was added"),
        "{log}"
    );
}

#[test]
fn deprecated_versions_warn_where_specs_use_them() {
    let ws = published_shop("deprecated");
    edit(
        &ws,
        "modules/queue.fw",
        "    VisibilityTimeout = input.timeout\n",
        "    VisibilityTimeout = input.timeout\n    MessageRetentionPeriod = 1209600\n",
    );
    let (ok, log) = formwork(&ws, &["publish", "jobs"]);
    assert!(ok, "{log}");
    edit(
        &ws,
        "registry/index.json",
        "\"1.0\": {\n",
        "\"1.0\": {\n          \"deprecated\": \"messages expire after 4 days; 1.1 keeps them 14\",\n",
    );
    let (ok, log) = formwork(&ws, &["check", "."]);
    assert!(ok, "{log}");
    insta::assert_snapshot!("deprecated_version", log);
}

#[test]
fn a_broken_index_is_a_diagnostic() {
    let ws = published_shop("broken-index");
    for (text, says) in [
        ("{ \"templates\": ", "not valid JSON"),
        ("[]", "not a JSON object"),
        (
            "{ \"templates\": { \"jobs\": { \"kind\": \"job\", \"versions\": {} } } }",
            "no valid `kind`",
        ),
    ] {
        std::fs::write(ws.join("registry/index.json"), text).expect("write");
        for args in [&["check", "."][..], &["publish", "jobs"]] {
            let (ok, log) = formwork(&ws, args);
            assert!(!ok, "{log}");
            assert!(log.contains("error[E0408]") && log.contains(says), "{log}");
            assert!(!log.contains("panicked"), "{log}");
        }
    }
    // Without an index, the snapshots are not recorded anywhere.
    std::fs::remove_file(ws.join("registry/index.json")).expect("remove");
    let (ok, log) = formwork(&ws, &["check", "."]);
    assert!(
        !ok && log.contains("the registry has no `index.json`"),
        "{log}"
    );
}

#[test]
fn publish_refuses_what_it_cannot_publish() {
    let ws = shop("refuse");
    let (ok, log) = formwork(&ws, &["publish", "nope"]);
    assert!(!ok);
    assert_eq!(
        log,
        "error: the workspace has no draft of `nope`: a template `nope` outside the registry\n"
    );
    // A draft with errors is not published.
    edit(&ws, "templates/net.fw", "input.cidr", "input.cider");
    let (ok, log) = formwork(&ws, &["publish", "net"]);
    assert!(!ok);
    assert!(
        log.contains("error: `net` was not published: the workspace has errors"),
        "{log}"
    );
    assert!(!ws.join("registry").exists());
}
