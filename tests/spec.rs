//! Spec files (parameter files) against templates: every folder under
//! `tests/fixtures/spec/` holds a `template.fw` and a `spec.yaml` or `spec.json`.
//! The spec's first line says what it expects (`# expect: E0310`); a JSON spec, which
//! cannot have comments, says it in the template (`// expect: E0301`). An insta
//! snapshot records the template, the spec and the rendered diagnostics.

mod common;

use std::path::Path;
use std::time::Instant;

use common::*;

fn spec_file(dir: &Path) -> Option<(String, Vec<u8>)> {
    ["spec.yaml", "spec.json"].iter().find_map(|name| {
        let bytes = std::fs::read(dir.join(name)).ok()?;
        Some((name.to_string(), bytes))
    })
}

#[test]
fn spec_fixtures() {
    insta::glob!("fixtures/spec", "*/template.fw", |path| {
        let dir = path.parent().expect("a fixture folder");
        let case = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let template = std::fs::read(path).expect("template is readable");
        let (spec_name, spec) =
            spec_file(dir).unwrap_or_else(|| panic!("{case}: no spec.yaml or spec.json"));
        let spec_text = String::from_utf8_lossy(&spec).into_owned();
        let template_text = String::from_utf8_lossy(&template).into_owned();
        let expected = expectation(&spec_text)
            .or_else(|| expectation(&template_text))
            .unwrap_or_else(|| panic!("{case}: no `# expect:` header"));
        let (map, diags) = check_spec(&template, &format!("{case}/{spec_name}"), &spec);
        let got: Vec<String> = codes(&diags).into_iter().map(str::to_string).collect();
        match &expected {
            Expectation::Clean => {
                assert!(
                    got.is_empty(),
                    "{case}: expected no diagnostics, got {got:?}"
                )
            }
            Expectation::Codes(want) => {
                assert_eq!(&got, want, "{case}: diagnostics differ from the header")
            }
        }
        let mut snap = format!("----- SOURCE\n{template_text}");
        if !template_text.ends_with('\n') {
            snap.push('\n');
        }
        snap.push_str(&format!("----- SPEC\n{spec_text}"));
        if !spec_text.ends_with('\n') {
            snap.push('\n');
        }
        snap.push_str("----- DIAGNOSTICS\n");
        snap.push_str(&render_human(&map, &diags));
        insta::assert_snapshot!(snap);
    });
}

#[test]
fn a_spec_over_the_limit_is_refused() {
    let mut big = b"proton: ServiceSpec\n#".to_vec();
    big.resize(formwork::spec::MAX_SPEC_BYTES + 1, b' ');
    let (_, diags) = check_spec(b"", "big.yaml", &big);
    assert_eq!(codes(&diags), ["E0302"]);
}

/// Random bytes and YAML-ish soups: reading never panics, and every diagnostic has a
/// primary span inside the file.
#[test]
fn hostile_specs_never_panic() {
    let pieces: &[&str] = &[
        "proton: ServiceSpec\n",
        "instances:\n",
        "  - name: a\n",
        "    spec:\n",
        "      x: ",
        "&a ",
        "*a",
        "[",
        "]",
        "{",
        "}",
        ",",
        ":",
        "- ",
        "\t",
        "\n",
        "  ",
        "'",
        "\"",
        "!!str ",
        "!Ref ",
        "<<: ",
        "? ",
        "|\n",
        ">-\n",
        "---\n",
        "...\n",
        "#c\n",
        "0x1F",
        "99999999999999999999",
        "é",
        "\u{feff}",
        "no",
        "1e999",
        ".nan",
        "%YAML 1.2\n",
        "&b [*b]",
        "\\",
        "\r\n",
        "\0",
    ];
    let mut seed: u64 = 0x5eed;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for case in 0..3000 {
        let mut text = String::new();
        if case % 3 == 0 {
            let len = next() % 200;
            let bytes: Vec<u8> = (0..len).map(|_| (next() % 128) as u8).collect();
            text.push_str(&String::from_utf8_lossy(&bytes));
        } else {
            for _ in 0..(next() % 40) {
                text.push_str(pieces[(next() % pieces.len() as u64) as usize]);
            }
        }
        let diags = read_spec_bytes(text.as_bytes());
        for d in &diags {
            let span = d
                .primary_span()
                .expect("every diagnostic has a primary span");
            assert!(
                span.end as usize <= text.len() + 3,
                "{text:?}: span {span:?} past the end"
            );
        }
    }
}

/// Deep nesting is refused before any recursive pass can overflow the stack.
#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    for open in ["[", "{a: ", "- "] {
        let mut text = String::from("proton: ServiceSpec\ninstances: ");
        for i in 0..100_000 {
            if open == "- " {
                text.push('\n');
                text.push_str(&" ".repeat(i % 50));
            }
            text.push_str(open);
        }
        let diags = read_spec_bytes(text.as_bytes());
        assert!(!diags.is_empty(), "{open}: nesting accepted");
    }
}

/// The read is fast enough for the 5,000-instance benchmark (`benches/spec.rs` has
/// the release figure); a loose bound, for debug builds on a busy machine.
#[test]
fn five_thousand_instances_read_quickly() {
    let mut text = String::from("proton: ServiceSpec\ninstances:\n");
    for i in 0..5000 {
        text.push_str(&format!(
            "  - name: i{i}\n    environment: e\n    spec:\n      image: web:{i}\n      port: 80\n"
        ));
    }
    let start = Instant::now();
    let diags = read_spec_bytes(text.as_bytes());
    assert_eq!(diags.len(), 10_000, "two unknown inputs per instance");
    assert!(start.elapsed().as_secs() < 20, "took {:?}", start.elapsed());
}

/// A secret written in plain text in a spec is reported (E0317) without being
/// repeated, in any output format: the human excerpt masks it, and no machine format
/// carries source text.
#[test]
fn a_plain_secret_is_never_printed() {
    use formwork::diagnostics::render::{Format, render};
    let dir = root().join("tests/fixtures/spec/E0317_plain_secret");
    let template = std::fs::read(dir.join("template.fw")).expect("the template");
    let spec = std::fs::read_to_string(dir.join("spec.yaml")).expect("the spec");
    // A value of its own (the code's page shows `hunter2` in its example).
    let secret = "q7-Zr!v9-plain";
    assert!(spec.contains("hunter2"));
    let spec = spec.replace("hunter2", secret);
    let (map, diags) = check_spec(&template, "spec.yaml", spec.as_bytes());
    assert_eq!(codes(&diags), ["E0317"]);
    for format in Format::ALL {
        for color in [false, true] {
            let out = render(&diags, &map, format, color);
            assert!(out.contains("E0317"), "{format}: {out}");
            assert!(!out.contains(secret), "{format} prints the secret:\n{out}");
        }
    }
}
