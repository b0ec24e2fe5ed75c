//! Version pairs: every folder under `tests/fixtures/versions/` holds an `old.fw` and a
//! `new.fw` (two versions of one template; other `.fw` files are their workspace, for
//! example the environments a service requires) and maybe one spec (`*.yaml`) whose
//! instances are rendered with both. The first line of `new.fw` says what the
//! comparison reports: `// expect: ok`, or its codes (`// expect: E0405 W0401`). A
//! snapshot shows the sources, every change, the diagnostics and the next version.
//! The pages of the versions codes are checked here too: `formwork check` cannot
//! produce their codes, so `tests/tidy.rs` does not run their examples.

mod common;

use std::path::Path;

use common::versions::{Pair, change_diagnostics, load_pair};
use common::*;
use formwork::diagnostics::codes;
use formwork::resolve::Version;
use formwork::versions::{Change, ExistingInstance, Impact, next_version};

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The changes, one per line, with their impact.
fn changes_text(changes: &[Change]) -> String {
    let mut out = String::new();
    for c in changes {
        let impact = match c.impact {
            Impact::Breaking => "breaking  ",
            Impact::Warning => "warning   ",
            Impact::Compatible => "compatible",
        };
        out.push_str(&format!("{impact} {}\n", c.kind));
    }
    if out.is_empty() {
        out.push_str("(none)\n");
    }
    out
}

/// What `next_version` says, checked against the changes: a minor bump when nothing
/// breaks, the breaking changes when something does, a major bump on request.
fn next_version_text(pair: &Pair, changes: &[Change]) -> String {
    let old = pair.old_version();
    let breaking: Vec<Change> = changes
        .iter()
        .filter(|c| c.is_breaking())
        .cloned()
        .collect();
    let minor = next_version(old, changes, false);
    let major = next_version(old, changes, true);
    assert_eq!(
        major,
        Ok(Version {
            major: old.major + 1,
            minor: 0
        })
    );
    let minor_text = if breaking.is_empty() {
        assert_eq!(
            minor,
            Ok(Version {
                major: old.major,
                minor: old.minor + 1
            })
        );
        format!(
            "{}",
            Version {
                major: old.major,
                minor: old.minor + 1
            }
        )
    } else {
        assert_eq!(minor, Err(breaking.clone()));
        format!("refused, {} breaking change(s)", breaking.len())
    };
    let major_text = major.map(|v| v.to_string()).unwrap_or_default();
    format!("from {old}: minor {minor_text}; major {major_text}\n")
}

#[test]
fn version_pairs() {
    insta::glob!("fixtures/versions", "*/new.fw", |path| {
        let dir = path.parent().expect("a fixture folder");
        let case = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut files: Vec<(String, String)> = files_under(dir, "fw")
            .iter()
            .map(|p| {
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                (name, read(p))
            })
            .collect();
        // old.fw and new.fw first, so the snapshot reads in that order.
        files.sort_by_key(|(n, _)| (n != "old.fw", n != "new.fw", n.clone()));
        let new_text = files
            .iter()
            .find(|(n, _)| n == "new.fw")
            .map(|(_, t)| t.clone())
            .unwrap_or_default();
        let expected =
            expectation(&new_text).unwrap_or_else(|| panic!("{case}: no `// expect:` header"));
        let mut pair = load_pair(&files, "old.fw", "new.fw");
        let spec = files_under(dir, "yaml").into_iter().next();
        let instances: Vec<ExistingInstance> = match &spec {
            Some(p) => {
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                pair.instances(&name, &read(p))
            }
            None => Vec::new(),
        };
        let changes = pair.compare(&instances);
        let diags = change_diagnostics(&changes);
        let got: Vec<String> = codes(&diags).into_iter().map(str::to_string).collect();
        match &expected {
            Expectation::Clean => assert!(
                got.is_empty(),
                "{case}: expected a compatible change, got {got:?}\n{}",
                render_human(&pair.map, &diags)
            ),
            Expectation::Codes(want) => assert_eq!(
                &got,
                want,
                "{case}: diagnostics differ from the header\n{}",
                render_human(&pair.map, &diags)
            ),
        }
        let mut snap = String::new();
        for (name, text) in &files {
            snap.push_str(&format!("----- {name}\n{text}"));
            if !text.ends_with('\n') {
                snap.push('\n');
            }
        }
        if let Some(p) = &spec {
            let text = read(p);
            snap.push_str(&format!(
                "----- {}\n{text}",
                p.file_name()
                    .map(|n| n.to_string_lossy())
                    .unwrap_or_default()
            ));
            if !text.ends_with('\n') {
                snap.push('\n');
            }
            snap.push_str(&format!("----- TARGET\n{}\n", pair.target().display()));
        }
        snap.push_str("----- CHANGES\n");
        snap.push_str(&changes_text(&changes));
        snap.push_str("----- DIAGNOSTICS\n");
        snap.push_str(&render_human(&pair.map, &diags));
        snap.push_str("----- NEXT VERSION\n");
        snap.push_str(&next_version_text(&pair, &changes));
        insta::assert_snapshot!(snap);
    });
}

/// The first ```` ```fw-versions ```` block of a page section: both versions, in one file.
fn versions_block(section: &str) -> Option<&str> {
    let fence = "```fw-versions\n";
    let start = section.find(fence)? + fence.len();
    let len = section[start..].find("```")?;
    Some(&section[start..start + len])
}

/// Compares the two versions of a page's block, with one instance (`example`) that
/// gives no inputs: the codes emitted, and the diagnostics as a person sees them.
fn page_codes(block: &str) -> (Vec<&'static str>, String) {
    let files = [("example.fw".to_string(), block.to_string())];
    let pair = load_pair(&files, "example.fw", "example.fw");
    let instance = ExistingInstance {
        name: "example".to_string(),
        environment: None,
        inputs: Default::default(),
        context: Default::default(),
    };
    let changes = pair.compare(&[instance]);
    let diags = change_diagnostics(&changes);
    (codes(&diags), render_human(&pair.map, &diags))
}

#[test]
fn pages_examples_emit_their_code_and_fixes_are_compatible() {
    for code in [
        codes::BREAKING_CHANGE,
        codes::RESOURCE_REPLACED,
        codes::DEFAULT_CHANGED,
    ] {
        let mut sections = code.page.split("## Fix");
        let example = sections
            .next()
            .and_then(versions_block)
            .unwrap_or_else(|| panic!("{}: no `fw-versions` example", code.id));
        let (got, shown) = page_codes(example);
        assert!(
            got.contains(&code.id),
            "{}: the page's example emits {got:?}\n{shown}",
            code.id
        );
        insta::assert_snapshot!(format!("page_{}", code.id), shown);
        let fix = sections
            .next()
            .and_then(versions_block)
            .unwrap_or_else(|| panic!("{}: no `fw-versions` fix", code.id));
        let (got, shown) = page_codes(fix);
        assert!(
            got.is_empty(),
            "{}: the page's fix still emits {got:?}\n{shown}",
            code.id
        );
    }
}
