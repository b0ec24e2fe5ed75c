//! Inputs that cannot be fixture files: links out of a workspace (`E0123`), specs
//! over the size limits, alias bombs counted in bytes, and patterns that would make a
//! backtracking matcher hang. Each ends in a coded diagnostic, quickly.

mod common;

use std::time::{Duration, Instant};

use common::*;

/// A link out of the workspace is not followed: not for a template, not for a spec,
/// not for an import through a linked folder; the diagnostic never prints the file.
#[cfg(unix)]
#[test]
fn links_out_of_the_workspace_are_refused_and_never_printed() {
    const CANARY: &str = "CANARY-outside-4c1e";
    let tmp = temp("links");
    copy_tree(&root().join("examples/acme"), &tmp.join("ws"));
    let outside = tmp.join("outside");
    std::fs::create_dir_all(&outside).expect("mkdir");
    std::fs::write(outside.join("evil.fw"), format!("{CANARY} @@@\n")).expect("write");
    std::fs::write(outside.join("spec.yaml"), format!("{CANARY}: [\n")).expect("write");
    std::fs::create_dir_all(outside.join("lib")).expect("mkdir");
    std::fs::write(outside.join("lib/x.fw"), format!("{CANARY} @@@\n")).expect("write");
    let link = |from: &str, to: &std::path::Path| {
        std::os::unix::fs::symlink(to, tmp.join("ws").join(from)).expect("symlink")
    };
    link("templates/evil.fw", &outside.join("evil.fw"));
    link("services/linked.yaml", &outside.join("spec.yaml"));
    link("templates/lib", &outside.join("lib"));
    let web = tmp.join("ws/templates/web.fw");
    let text = std::fs::read_to_string(&web).expect("read");
    std::fs::write(&web, format!("import \"templates/lib/x.fw\"\n{text}")).expect("write");
    let r = run_formwork(&tmp, &["check", "ws"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.stderr.matches("error[E0123]").count(), 3, "{}", r.stderr);
    assert!(
        !r.stderr.contains(CANARY),
        "printed a file outside the workspace:\n{}",
        r.stderr
    );
    for args in [
        vec!["build", "ws", "-o", "out"],
        vec![
            "render",
            "web",
            "--workspace",
            "ws",
            "--spec",
            "ws/services/web.yaml",
            "--target",
            "cloudformation",
            "-o",
            "r",
        ],
    ] {
        let r = run_formwork(&tmp, &args);
        assert_ne!(r.code, 0, "{args:?}: {}", r.stderr);
        assert!(!r.stderr.contains(CANARY), "{args:?}:\n{}", r.stderr);
    }
    // A link inside the workspace is followed.
    let tmp2 = temp("links-inside");
    copy_tree(&root().join("examples/acme"), &tmp2.join("ws"));
    std::fs::rename(
        tmp2.join("ws/services/jobs.yaml"),
        tmp2.join("ws/jobs.yaml"),
    )
    .expect("mv");
    std::os::unix::fs::symlink(
        tmp2.join("ws/jobs.yaml"),
        tmp2.join("ws/services/jobs.yaml"),
    )
    .expect("symlink");
    let r = run_formwork(&tmp2, &["check", "ws"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// A 4 MiB string copied 10,000 times by aliases is 40 GB of text in a 4 MB file:
/// the alias budget counts bytes, not only values.
#[test]
fn an_alias_bomb_of_bytes_is_refused_quickly() {
    let big = "x".repeat(4 << 20);
    let mut spec = format!("proton: EnvironmentSpec\nspec:\n  a: &a \"{big}\"\n  b: [");
    for i in 0..10_000 {
        if i > 0 {
            spec.push_str(", ");
        }
        spec.push_str("*a");
    }
    spec.push_str("]\n");
    let start = Instant::now();
    let mut map = formwork::syntax::span::SourceMap::new();
    let (id, problem) = formwork::check::add_source(&mut map, "bomb.yaml", spec.as_bytes());
    assert!(problem.is_none());
    let text = map.get(id).expect("added").text.clone();
    let (_, diags) = formwork::spec::read_spec(id, &text);
    assert_eq!(codes(&diags), ["E0304"], "{}", render_human(&map, &diags));
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "took {:?}",
        start.elapsed()
    );
}

/// A spec over the size limit gets the spec's message, not the template's.
#[test]
fn a_spec_over_the_size_limit_says_so_as_a_spec() {
    let big = vec![b'#'; 70 << 20];
    let (map, diags) = check_bytes("huge.yaml", &big);
    assert_eq!(codes(&diags), ["E0302"]);
    let text = render_human(&map, &diags);
    assert!(text.contains("spec file is too large"), "{text}");
    assert!(!text.contains("modules"), "{text}");
}

/// `matches` patterns are regular expressions without backtracking: the classic
/// catastrophic pattern against a long near-match is linear.
#[test]
fn a_catastrophic_pattern_does_not_backtrack() {
    let near = format!("{}!", "a".repeat(100_000));
    let src = format!(
        "service \"app\" {{\n  version = \"1.0\"\n\n  input {{\n    p: String matches /^(a+)+$/ = \"{near}\"\n    q: String matches /^(a|a)*$/ = \"{near}\"\n    r: String matches /^(a|aa)+$/ = \"{near}\"\n  }}\n}}\n"
    );
    let start = Instant::now();
    let (_, diags) = check_bytes("regex.fw", src.as_bytes());
    assert_eq!(codes(&diags), ["E0202", "E0202", "E0202"]);
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "took {:?}",
        start.elapsed()
    );
}

/// A long line is cut to a window around the mistake in the human message.
#[test]
fn a_mistake_on_a_long_line_prints_a_window_of_it() {
    let src = format!(
        "service \"app\" {{\n  version = \"1.0\"\n  let x = \"{}\" @\n}}\n",
        "a".repeat(200_000)
    );
    let (map, diags) = check_bytes("long.fw", src.as_bytes());
    assert_eq!(codes(&diags), ["E0001"]);
    let text = render_human(&map, &diags);
    assert!(text.len() < 4_000, "{} bytes of message", text.len());
    assert!(text.contains("long.fw:3:"), "{text}");
}
