//! Data-driven tests: every `.fw` file under `tests/fixtures/` (except the
//! formatter's own) goes through its stage: `syntax/` fixtures are parsed, the others
//! checked whole. Its header says what it expects, and an insta snapshot records the
//! source, the rendered diagnostics and, for clean syntax fixtures, the tree.

mod common;

use common::*;
use formwork::syntax::{parse, shape::shape};

#[test]
fn fixtures() {
    insta::glob!("fixtures", "**/*.fw", |path| {
        let rel = path
            .strip_prefix(root().join("tests/fixtures"))
            .unwrap_or(path);
        // The formatter's fixtures and the specs', codegen's, workspaces', version
        // pairs' and the registry's have their own tests.
        if rel.starts_with("format")
            || rel.starts_with("spec")
            || rel.starts_with("codegen")
            || rel.starts_with("workspace")
            || rel.starts_with("versions")
            || rel.starts_with("registry")
        {
            return;
        }
        let bytes = std::fs::read(path).expect("fixture is readable");
        let name = rel.to_string_lossy().replace('\\', "/");
        let syntax_only = rel.starts_with("syntax");
        let (map, diags) = if syntax_only {
            parse_bytes(&name, &bytes)
        } else {
            check_bytes(&name, &bytes)
        };
        let text = String::from_utf8_lossy(&bytes);
        let expected =
            expectation(&text).unwrap_or_else(|| panic!("{name}: no `// expect:` header"));
        let got: Vec<String> = codes(&diags).into_iter().map(str::to_string).collect();
        match &expected {
            Expectation::Clean => assert!(
                got.is_empty(),
                "{name}: expected no diagnostics, got {got:?}"
            ),
            Expectation::Codes(want) => {
                assert_eq!(&got, want, "{name}: diagnostics differ from the header")
            }
        }
        let mut snap = format!("----- SOURCE\n{text}");
        if !text.ends_with('\n') {
            snap.push('\n');
        }
        snap.push_str("----- DIAGNOSTICS\n");
        snap.push_str(&render_human(&map, &diags));
        if expected == Expectation::Clean && syntax_only {
            let source = map
                .files()
                .next()
                .map(|(_, f)| f.text.clone())
                .unwrap_or_default();
            snap.push_str("----- AST\n");
            snap.push_str(&shape(&parse(&source, formwork::syntax::FileId(0)).file));
        }
        insta::assert_snapshot!(snap);
    });
}
