//! `formwork build -o DIR` never loses data: it replaces only a folder it made (or an
//! empty one), never the workspace, a file or a symbolic link's target; two builds into
//! one folder take turns (the recovery of a swap killed midway is a unit test in
//! `src/cli/out_dir.rs`).

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

fn example(name: &str) -> TempDir {
    let tmp = temp(name);
    copy_tree(&root().join("examples/acme"), &tmp.join("ws"));
    tmp
}

fn build(dir: &Path, args: &[&str]) -> Run {
    let mut all = vec!["build"];
    all.extend_from_slice(args);
    run_formwork(dir, &all)
}

#[test]
fn build_into_the_workspace_itself_is_refused_and_deletes_nothing() {
    let tmp = example("into-ws");
    let before = read_tree(&tmp.join("ws"));
    for out in ["ws", "."] {
        let r = build(&tmp, &["ws", "-o", out]);
        assert_eq!(r.code, 2, "-o {out}: {}", r.stderr);
        assert!(
            r.stderr.contains("holds the workspace itself"),
            "{}",
            r.stderr
        );
    }
    assert_eq!(read_tree(&tmp.join("ws")), before);
}

#[test]
fn build_into_a_file_or_a_foreign_folder_is_refused() {
    let tmp = example("into-file");
    std::fs::write(tmp.join("notes.txt"), "mine").expect("write");
    let r = build(&tmp, &["ws", "-o", "notes.txt"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("is a file, not a folder"), "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(tmp.join("notes.txt")).expect("read"),
        "mine"
    );
    std::fs::create_dir_all(tmp.join("docs")).expect("mkdir");
    std::fs::write(tmp.join("docs/keep.md"), "keep").expect("write");
    let r = build(&tmp, &["ws", "-o", "docs"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("no formwork build wrote"), "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(tmp.join("docs/keep.md")).expect("read"),
        "keep"
    );
    // An empty folder, and then the folder a build made, are fine.
    std::fs::create_dir_all(tmp.join("empty")).expect("mkdir");
    let r = build(&tmp, &["ws", "-o", "empty"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = build(&tmp, &["ws", "-o", "empty"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[cfg(unix)]
#[test]
fn build_through_a_symlink_is_refused_and_its_target_kept() {
    let tmp = example("into-link");
    std::fs::create_dir_all(tmp.join("real")).expect("mkdir");
    std::fs::write(tmp.join("real/precious"), "data").expect("write");
    std::os::unix::fs::symlink(tmp.join("real"), tmp.join("link")).expect("symlink");
    let r = build(&tmp, &["ws", "-o", "link"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("symbolic link"), "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(tmp.join("real/precious")).expect("read"),
        "data"
    );
    // Even a link to a folder an earlier build made.
    let r = build(&tmp, &["ws", "-o", "made"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    std::os::unix::fs::symlink(tmp.join("made"), tmp.join("made-link")).expect("symlink");
    let r = build(&tmp, &["ws", "-o", "made-link"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(tmp.join("made/manifest.json").is_file());
}

#[test]
fn concurrent_builds_take_turns_and_leave_a_whole_tree() {
    let tmp = example("concurrent");
    let bin = env!("CARGO_BIN_EXE_formwork");
    let children: Vec<_> = (0..4)
        .map(|_| {
            Command::new(bin)
                .args(["build", "ws", "-o", "out"])
                .current_dir(&tmp)
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("start a build")
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The manifest names only files that exist, with their hashes.
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(tmp.join("out/manifest.json")).expect("manifest"),
    )
    .expect("json");
    let mut files = 0;
    for a in manifest["artifacts"].as_array().expect("artifacts") {
        for f in a["files"].as_array().expect("files") {
            let path = f["path"].as_str().expect("path");
            assert!(
                tmp.join("out").join(path).is_file(),
                "the manifest names a missing {path}"
            );
            files += 1;
        }
    }
    assert!(files > 0);
    let leftovers: Vec<String> = std::fs::read_dir(&tmp)
        .expect("tmp")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".formwork-") && !n.ends_with("-lock"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// Every refusal is a coded diagnostic (`E0506`) with a help line, in each format; a
/// folder that cannot be made (here under a file: as root, permissions would not
/// stop it) too, with the operating system's reason.
#[test]
fn refusals_are_coded_e0506() {
    let tmp = example("refusals");
    std::fs::write(tmp.join("notes.txt"), "mine").expect("write");
    std::fs::create_dir_all(tmp.join("docs")).expect("mkdir");
    std::fs::write(tmp.join("docs/keep.md"), "keep").expect("write");
    let mut snap = String::new();
    for out in ["ws", "notes.txt", "docs", "notes.txt/out"] {
        let r = build(&tmp, &["ws", "-o", out]);
        assert_eq!(r.code, 2, "-o {out}: {}", r.stderr);
        assert!(r.stderr.starts_with("error[E0506]: "), "{}", r.stderr);
        assert!(r.stderr.contains("= help: "), "{}", r.stderr);
        snap.push_str(&format!("$ formwork build ws -o {out}\n{}\n", r.stderr));
        let json = build(&tmp, &["ws", "-o", out, "--format", "json"]);
        assert_eq!(json.code, 2);
        let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
        assert_eq!(v["diagnostics"][0]["code"], "E0506", "{}", json.stdout);
    }
    insta::assert_snapshot!(snap);
    assert_eq!(
        std::fs::read_to_string(tmp.join("notes.txt")).expect("read"),
        "mine"
    );
}

/// `render -o` into a file, or under one, is `E0506` too, and the file is kept.
#[test]
fn render_into_a_file_is_refused() {
    let tmp = example("render-into-file");
    std::fs::write(tmp.join("notes.txt"), "mine").expect("write");
    for out in ["notes.txt", "notes.txt/out"] {
        let r = run_formwork(
            &tmp,
            &[
                "render",
                "web",
                "--workspace",
                "ws",
                "--spec",
                "ws/services/web.yaml",
                "--target",
                "cloudformation",
                "-o",
                out,
            ],
        );
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(r.stderr.starts_with("error[E0506]: "), "{}", r.stderr);
    }
    assert_eq!(
        std::fs::read_to_string(tmp.join("notes.txt")).expect("read"),
        "mine"
    );
}
