//! Keeps the diagnostic registry honest: every code has a page, a fixture that
//! emits it, and a page whose erroneous example emits that very code while its
//! fixed example is clean.

mod common;

use common::*;
use formwork::diagnostics::codes::{self, ALL};
use formwork::syntax::span::MAX_SOURCE_BYTES;

/// Codes whose inputs cannot be a fixture file (a file too large to commit, a
/// symbolic link): their tests make the input (`tests/limits.rs`).
/// `E0506` is about the command line's output folder: `tests/out_dir.rs` makes each.
const GENERATED: &[&str] = &["E0010", "E0302", "E0123", "E0506"];

fn fenced_blocks<'a>(page: &'a str, lang: &str) -> Vec<&'a str> {
    let fence = format!("```{lang}\n");
    let mut out = Vec::new();
    let mut rest = page;
    while let Some(start) = rest.find(&fence) {
        let body = &rest[start + fence.len()..];
        let Some(end) = body.find("```") else { break };
        out.push(&body[..end]);
        rest = &body[end + 3..];
    }
    out
}

#[test]
fn every_code_has_a_fixture() {
    let fixtures: Vec<String> = files_under(&root().join("tests/fixtures"), "fw")
        .iter()
        .chain(&files_under(&root().join("tests/fixtures/spec"), "yaml"))
        .chain(&files_under(
            &root().join("tests/fixtures/workspace"),
            "yaml",
        ))
        // The hostile corpus runs its cases through the binary (`tests/hostile.rs`).
        .chain(&files_under(&root().join("tests/hostile"), "fw"))
        .chain(&files_under(&root().join("tests/hostile"), "yaml"))
        .map(|p| String::from_utf8_lossy(&std::fs::read(p).expect("readable")).into_owned())
        .collect();
    for code in ALL {
        if GENERATED.contains(&code.id) {
            continue;
        }
        let covered = fixtures.iter().any(|text| match expectation(text) {
            Some(Expectation::Codes(c)) => c.iter().any(|c| c == code.id),
            _ => false,
        }) || fixtures.iter().any(|text| {
            // Code generation fixtures: `// codegen TARGET MODE: CODES`.
            text.lines()
                .filter_map(|l| l.trim().strip_prefix("// codegen "))
                .filter_map(|l| l.split_once(':'))
                .any(|(_, c)| c.split_whitespace().any(|w| w == code.id))
        });
        assert!(
            covered,
            "{} ({}) has no fixture in tests/fixtures/",
            code.id, code.name
        );
    }
}

#[test]
fn every_page_belongs_to_a_code_and_is_titled() {
    for page in files_under(&root().join("docs/errors"), "md") {
        let id = page.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let code = codes::lookup(id)
            .unwrap_or_else(|| panic!("{} documents no registered code", page.display()));
        let title = format!("# {}: {}", code.id, code.name);
        assert!(
            code.page.starts_with(&title),
            "{}: page must start with `{title}`",
            code.id
        );
        assert!(
            code.page.contains("## Example") && code.page.contains("## Fix"),
            "{}: page needs Example and Fix sections",
            code.id
        );
    }
}

#[test]
fn page_examples_emit_their_code_and_fixes_are_clean() {
    for code in ALL {
        if code.id.starts_with("E05") && !fenced_blocks(code.page, "fw").is_empty() {
            codegen_page_example(code);
            continue;
        }
        if !fenced_blocks(code.page, "workspace").is_empty() {
            workspace_page_example(code);
            continue;
        }
        if let Some(spec) = fenced_blocks(code.page, "yaml").first() {
            spec_page_example(code, spec);
            continue;
        }
        let blocks = fenced_blocks(code.page, "fw");
        let Some(example) = blocks.first() else {
            // Inputs that cannot be written in a page (bytes, sizes) say so in a text block.
            assert!(
                !fenced_blocks(code.page, "text").is_empty(),
                "{}: page has no example",
                code.id
            );
            continue;
        };
        let (_, diags) = check_bytes("example.fw", example.as_bytes());
        assert!(
            codes(&diags).contains(&code.id),
            "{}: the page's example emits {:?}",
            code.id,
            codes(&diags)
        );
        if let Some(fix) = code
            .page
            .split("## Fix")
            .nth(1)
            .and_then(|s| fenced_blocks(s, "fw").first().copied())
        {
            let (_, diags) = check_bytes("fixed.fw", fix.as_bytes());
            assert!(
                codes(&diags).is_empty(),
                "{}: the page's fix still emits {:?}",
                code.id,
                codes(&diags)
            );
        }
    }
}

#[test]
fn a_file_over_the_limit_is_refused() {
    let big = vec![b' '; MAX_SOURCE_BYTES + 1];
    let (_, diags) = check_bytes("big.fw", &big);
    assert_eq!(codes(&diags), ["E0010"]);
}

/// A spec code's page: its example is a spec (`yaml`) read against the page's template
/// (its first `fw` block, if any), and its fix the `yaml` block under "Fix".
fn spec_page_example(code: &codes::Code, spec: &str) {
    let template = fenced_blocks(code.page, "fw")
        .first()
        .copied()
        .unwrap_or("");
    let (_, diags) = check_spec(template.as_bytes(), "example.yaml", spec.as_bytes());
    assert!(
        codes(&diags).contains(&code.id),
        "{}: the page's example emits {:?}",
        code.id,
        codes(&diags)
    );
    if let Some(fix) = code
        .page
        .split("## Fix")
        .nth(1)
        .and_then(|s| fenced_blocks(s, "yaml").first().copied())
    {
        let (_, diags) = check_spec(template.as_bytes(), "fixed.yaml", fix.as_bytes());
        assert!(
            codes(&diags).is_empty(),
            "{}: the page's fix still emits {:?}",
            code.id,
            codes(&diags)
        );
    }
}

/// A code generation code's page: each `fw` example starts with the command that
/// compiles it (`// formwork compile --target cloudformation`); the example must emit
/// the code and the fix must compile.
fn codegen_page_example(code: &codes::Code) {
    let mut sections = code.page.split("## Fix");
    let example_part = sections.next().unwrap_or("");
    let fix_part = sections.next().unwrap_or("");
    let example = fenced_blocks(example_part, "fw")
        .first()
        .copied()
        .unwrap_or_else(|| panic!("{}: page has no example", code.id));
    let (map, outcome) = compile_page_example(example);
    let got = match &outcome {
        Ok(_) => Vec::new(),
        Err(d) => codes(d),
    };
    assert!(
        got.contains(&code.id),
        "{}: the page's example emits {got:?}",
        code.id
    );
    let _ = map;
    if let Some(fix) = fenced_blocks(fix_part, "fw").first() {
        let (map, outcome) = compile_page_example(fix);
        if let Err(d) = &outcome {
            panic!(
                "{}: the page's fix emits {:?}\n{}",
                code.id,
                codes(d),
                render_human(&map, d)
            );
        }
    }
}

fn compile_page_example(
    text: &str,
) -> (formwork::syntax::span::SourceMap, common::codegen::Outcome) {
    use formwork::ir::Mode;
    use formwork::types::targets::Target;
    let first = text.lines().next().unwrap_or("");
    let command = first.strip_prefix("// formwork ").unwrap_or_else(|| {
        panic!("a code generation example starts with `// formwork compile --target …`: {first}")
    });
    let mode = if command.starts_with("render") {
        Mode::Render
    } else {
        Mode::Parameterised
    };
    let target = if command.contains("terraform") {
        Target::Terraform
    } else {
        Target::CloudFormation
    };
    let dir = temp(&format!("page-{}", text.len()));
    std::fs::write(dir.join("template.fw"), text).expect("write example");
    common::codegen::compile_dir(
        &dir,
        common::codegen::Pick::File("template.fw"),
        None,
        None,
        target,
        mode,
    )
}

/// A workspace code's page: its examples are whole workspaces, files introduced by
/// `# file: PATH` lines.
fn workspace_page_example(code: &codes::Code) {
    let files = |block: &str| -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for line in block.lines() {
            if let Some(path) = line.strip_prefix("# file: ") {
                out.push((path.trim().to_string(), String::new()));
            } else if let Some((_, text)) = out.last_mut() {
                text.push_str(line);
                text.push('\n');
            }
        }
        out
    };
    let mut sections = code.page.split("## Fix");
    let example = fenced_blocks(sections.next().unwrap_or(""), "workspace");
    let (_, diags) = check_workspace_files(&files(example[0]));
    assert!(
        codes(&diags).contains(&code.id),
        "{}: the page's example emits {:?}",
        code.id,
        codes(&diags)
    );
    if let Some(fix) = fenced_blocks(sections.next().unwrap_or(""), "workspace").first() {
        let (map, diags) = check_workspace_files(&files(fix));
        assert!(
            codes(&diags).is_empty(),
            "{}: the page's fix emits {:?}\n{}",
            code.id,
            codes(&diags),
            render_human(&map, &diags)
        );
    }
}
