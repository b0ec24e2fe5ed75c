//! Workspaces: every folder under `fixtures/workspace/` is checked as `formwork check`
//! checks a folder holding `formwork.yaml` (its first line says what it expects), with
//! a snapshot of the diagnostics; and `formwork build`, `formwork init` and
//! `formwork check` through the binary: the build is atomic, removes stale files, and
//! gives the same bytes twice.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

fn cases() -> Vec<PathBuf> {
    subfolders(&root().join("tests/fixtures/workspace"))
}

#[test]
fn workspace_fixtures() {
    let all = cases();
    assert!(all.len() >= 6);
    for dir in all {
        let case = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string();
        let files = read_tree(&dir);
        let config = files
            .iter()
            .find(|(p, _)| p == "formwork.yaml")
            .map(|(_, t)| t.clone())
            .expect("formwork.yaml");
        let expected = expectation(&config).unwrap_or_else(|| panic!("{case}: no `# expect:`"));
        let (map, diags) = check_workspace_files(&files);
        let got: Vec<String> = codes(&diags).into_iter().map(str::to_string).collect();
        match &expected {
            Expectation::Clean => assert!(got.is_empty(), "{case}: {}", render_human(&map, &diags)),
            Expectation::Codes(want) => {
                assert_eq!(&got, want, "{case}: {}", render_human(&map, &diags))
            }
        }
        let mut snap = String::new();
        for (p, t) in &files {
            if p.ends_with(".yaml") {
                snap.push_str(&format!("----- {p}\n{t}"));
            }
        }
        snap.push_str("----- DIAGNOSTICS\n");
        snap.push_str(&render_human(&map, &diags));
        insta::assert_snapshot!(case, snap);
    }
}

/// Runs formwork in `dir`: success, stderr.
fn formwork(dir: &Path, args: &[&str]) -> (bool, String) {
    let r = run_formwork(dir, args);
    (r.code == 0, r.stderr)
}

#[test]
fn build_is_deterministic_atomic_and_removes_stale_files() {
    let ws = temp("build");
    copy_tree(&root().join("examples/acme"), &ws);
    let (ok, log) = formwork(&ws, &["build", "."]);
    assert!(ok, "{log}");
    let first = read_tree(&ws.join("out"));
    assert!(first.iter().any(|(p, _)| p == "manifest.json"));
    assert!(
        first
            .iter()
            .any(|(p, _)| p == "services/web/web-prod/template.json")
    );
    assert!(
        first
            .iter()
            .any(|(p, _)| p == "environments/tf-dev/main.tf.json")
    );
    // The deploy script and the provisioning workflows that run it.
    for f in [
        "deploy.sh",
        "provision/github.yml",
        "provision/gitlab-ci.yml",
    ] {
        assert!(first.iter().any(|(p, _)| p == f), "{f} not written");
    }
    // The manifest lists every file with its hash, and environments deploy first.
    let manifest: serde_json::Value = serde_json::from_str(
        &first
            .iter()
            .find(|(p, _)| p == "manifest.json")
            .expect("manifest")
            .1,
    )
    .expect("manifest parses");
    let order = manifest["deploy_order"].as_array().expect("order");
    assert_eq!(order.len(), 2);
    assert!(
        order[0]
            .as_array()
            .expect("wave")
            .iter()
            .all(|id| id.as_str().is_some_and(|s| s.starts_with("environments/")))
    );
    for a in manifest["artifacts"].as_array().expect("artifacts") {
        for f in a["files"].as_array().expect("files") {
            let path = f["path"].as_str().expect("path");
            assert!(
                first.iter().any(|(p, _)| p == path),
                "{path} listed but not written"
            );
        }
    }
    // A stale file disappears; the same inputs give the same bytes.
    std::fs::write(ws.join("out/stale.txt"), "old").expect("write");
    let (ok, log) = formwork(&ws, &["build", "."]);
    assert!(ok, "{log}");
    assert_eq!(read_tree(&ws.join("out")), first);
    // A failed build leaves the previous output untouched.
    let spec = ws.join("services/web.yaml");
    let text = std::fs::read_to_string(&spec).expect("spec");
    std::fs::write(
        &spec,
        text.replace("desired_count: 4", "desired_count: 400"),
    )
    .expect("write");
    let (ok, log) = formwork(&ws, &["build", "."]);
    assert!(!ok);
    assert!(log.contains("E0313"), "{log}");
    assert_eq!(read_tree(&ws.join("out")), first);
    let leftovers: Vec<_> = std::fs::read_dir(&ws)
        .expect("ws")
        .filter_map(Result::ok)
        .filter(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            // The lock file stays, for the next build to lock.
            n.contains(".formwork-") && !n.ends_with(".formwork-lock")
        })
        .collect();
    assert!(leftovers.is_empty(), "staging folders left behind");
}

#[test]
fn init_makes_a_workspace_that_builds() {
    let ws = temp("init");
    let (ok, log) = formwork(&ws, &["init", "."]);
    assert!(ok, "{log}");
    let (ok, log) = formwork(&ws, &["check", "."]);
    assert!(ok, "{log}");
    let (ok, log) = formwork(&ws, &["fmt", "--check", "."]);
    assert!(ok, "{log}");
    let (ok, log) = formwork(&ws, &["build", "."]);
    assert!(ok, "{log}");
    assert!(
        ws.join("out/services/jobs/jobs-dev/template.json")
            .is_file()
    );
    let (ok, log) = formwork(&ws, &["init", "."]);
    assert!(!ok && log.contains("already holds a workspace"), "{log}");
}

/// A workspace of `n` instances of one small service, for the kill test.
fn big_workspace(dir: &Path, n: usize, port: u32) {
    for d in ["templates", "environments", "services"] {
        std::fs::create_dir_all(dir.join(d)).expect("mkdir");
    }
    std::fs::write(dir.join("formwork.yaml"), "name: big\n").expect("write");
    std::fs::write(
        dir.join("templates/app.fw"),
        "service \"app\" {\n  version = \"1.0\"\n\n  input {\n    port: Port = 80\n  }\n\n  resource sg: AWS::EC2::SecurityGroup {\n    GroupDescription = \"port ${input.port}\"\n  }\n\n  resource queue: AWS::SQS::Queue {\n    SqsManagedSseEnabled = true\n  }\n}\n",
    )
    .expect("write");
    let mut spec = String::from("proton: ServiceSpec\ntemplate: app@1.0\ninstances:\n");
    for i in 0..n {
        spec.push_str(&format!(
            "  - name: app-{i:05}\n    environment: dev\n    spec:\n      port: {port}\n"
        ));
    }
    std::fs::write(dir.join("services/app.yaml"), spec).expect("write");
    std::fs::write(
        dir.join("environments/dev.yaml"),
        "proton: EnvironmentSpec\ntemplate: net@1.0\nspec: {}\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("templates/net.fw"),
        "environment \"net\" {\n  version = \"1.0\"\n\n  resource vpc: AWS::EC2::VPC {\n    CidrBlock = \"10.0.0.0/16\"\n  }\n}\n",
    )
    .expect("write");
}

#[test]
fn a_killed_build_leaves_the_old_output_intact() {
    let ws = temp("killed");
    big_workspace(&ws, 4000, 80);
    let start = std::time::Instant::now();
    let (ok, log) = formwork(&ws, &["build", "."]);
    assert!(ok, "{log}");
    let took = start.elapsed();
    let before = read_tree(&ws.join("out"));
    // The next build would change every file: kill it a quarter of the way through.
    big_workspace(&ws, 4000, 81);
    let mut child = Command::new(env!("CARGO_BIN_EXE_formwork"))
        .args(["build", "."])
        .current_dir(&ws)
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the build");
    std::thread::sleep(took / 4);
    let finished_first = child.try_wait().expect("wait").is_some();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        !finished_first,
        "the build finished before it could be killed; make the workspace larger"
    );
    assert_eq!(
        read_tree(&ws.join("out")),
        before,
        "a killed build changed out/"
    );
    // The next build succeeds and removes what the killed one left.
    let (ok, log) = formwork(&ws, &["build", "."]);
    assert!(ok, "{log}");
    let leftovers: Vec<_> = std::fs::read_dir(&ws)
        .expect("ws")
        .filter_map(Result::ok)
        .filter(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            // The lock file stays, for the next build to lock.
            n.contains(".formwork-") && !n.ends_with(".formwork-lock")
        })
        .collect();
    assert!(
        leftovers.is_empty(),
        "a killed build's staging folder was left behind"
    );
    assert_ne!(read_tree(&ws.join("out")), before);
}

/// A spec file in no workspace is an error (`E0325`), never "no problems"; a YAML file
/// that is no spec says what formwork expected (`E0307`).
#[test]
fn check_of_a_spec_outside_any_workspace() {
    let tmp = temp("loose-spec");
    std::fs::write(
        tmp.join("web.yaml"),
        "proton: ServiceSpec\ntemplate: web@2.1\ninstances:\n  - name: web-dev\n    environment: dev\n",
    )
    .expect("write");
    std::fs::write(tmp.join("ci.yaml"), "on: push\njobs: {}\n").expect("write");
    let spec = run_formwork(&tmp, &["check", "web.yaml"]);
    assert_eq!(spec.code, 1, "{}", spec.stderr);
    let other = run_formwork(&tmp, &["check", "ci.yaml"]);
    assert_eq!(other.code, 1, "{}", other.stderr);
    let empty = temp("nothing");
    let nothing = run_formwork(&empty, &["check", "."]);
    assert_eq!(nothing.code, 2, "{}", nothing.stderr);
    insta::assert_snapshot!(
        "E0325_spec_outside_workspace",
        format!(
            "$ formwork check web.yaml\n{}\n$ formwork check ci.yaml\n{}\n$ formwork check . (an empty folder)\n{}",
            spec.stderr,
            other.stderr,
            nothing.stderr.replace(&*empty.to_string_lossy(), "EMPTY")
        )
    );
}

/// `check` of one spec file or a folder of specs inside a workspace checks them
/// against the workspace (found above them), reporting what concerns them only.
#[test]
fn check_of_a_spec_inside_a_workspace() {
    let tmp = temp("inside");
    copy_tree(&root().join("examples/acme"), &tmp);
    let web = tmp.join("services/web.yaml");
    let text = std::fs::read_to_string(&web).expect("read");
    std::fs::write(
        &web,
        text.replacen("environment: dev\n", "environment: devv\n", 1),
    )
    .expect("write");
    for (dir, args) in [
        (tmp.to_path_buf(), vec!["check", "services/web.yaml"]),
        (tmp.to_path_buf(), vec!["check", "services"]),
        (tmp.join("services"), vec!["check", "web.yaml"]),
        (tmp.join("services"), vec!["check", "."]),
    ] {
        let r = run_formwork(&dir, &args);
        assert_eq!(r.code, 1, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains("error[E0322]"), "{args:?}: {}", r.stderr);
    }
    // Another spec of the same workspace is clean.
    let worker = run_formwork(&tmp, &["check", "services/worker.yaml"]);
    assert_eq!(worker.code, 0, "{}", worker.stderr);
    // `render --spec` checks what `check` checks: the unknown environment.
    let render = run_formwork(
        &tmp,
        &[
            "render",
            "web",
            "--spec",
            "services/web.yaml",
            "--target",
            "cloudformation",
            "-o",
            "out-r",
        ],
    );
    assert_eq!(render.code, 1, "{}", render.stderr);
    assert!(render.stderr.contains("error[E0322]"), "{}", render.stderr);
}
