//! Diagnostics as one JSON document, `{"version": 1, "diagnostics": [...]}`, for
//! scripts and editors that do not speak SARIF. Keys come out in declaration order, so
//! the document is byte-identical run to run. `version` changes only when a field is
//! removed or changes meaning.

use serde::Serialize;

use crate::diagnostics::diagnostic::{Diagnostic, Label};
use crate::diagnostics::render::Position;
use crate::syntax::span::SourceMap;

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    diagnostics: Vec<JsonDiagnostic<'a>>,
}

/// The place fields are those of the primary label, or `null` when there is none.
#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'a str,
    name: &'a str,
    severity: &'a str,
    message: &'a str,
    file: Option<&'a str>,
    line: Option<usize>,
    column: Option<usize>,
    end_line: Option<usize>,
    end_column: Option<usize>,
    labels: Vec<JsonLabel<'a>>,
    notes: &'a [String],
    help: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    file: Option<&'a str>,
    line: Option<usize>,
    column: Option<usize>,
    end_line: Option<usize>,
    end_column: Option<usize>,
    message: &'a str,
    primary: bool,
}

pub(super) fn render(diags: &[Diagnostic], sources: &SourceMap) -> String {
    let report = Report {
        version: 1,
        diagnostics: diags.iter().map(|d| diagnostic(d, sources)).collect(),
    };
    // Structs of strings, numbers and options always serialise.
    let mut out = serde_json::to_string_pretty(&report).expect("a JSON report always serialises");
    out.push('\n');
    out
}

fn diagnostic<'a>(d: &'a Diagnostic, sources: &'a SourceMap) -> JsonDiagnostic<'a> {
    let labels: Vec<JsonLabel<'a>> = d.labels.iter().map(|l| label(l, sources)).collect();
    let primary = labels.iter().find(|l| l.primary);
    JsonDiagnostic {
        code: d.code.id,
        name: d.code.name,
        severity: d.severity.as_str(),
        message: &d.message,
        file: primary.and_then(|l| l.file),
        line: primary.and_then(|l| l.line),
        column: primary.and_then(|l| l.column),
        end_line: primary.and_then(|l| l.end_line),
        end_column: primary.and_then(|l| l.end_column),
        notes: &d.notes,
        help: d.help.as_deref(),
        labels,
    }
}

fn label<'a>(l: &'a Label, sources: &'a SourceMap) -> JsonLabel<'a> {
    let p = Position::of(sources, l.span);
    JsonLabel {
        file: p.map(|p| p.file),
        line: p.map(|p| p.line),
        column: p.map(|p| p.column),
        end_line: p.map(|p| p.end_line),
        end_column: p.map(|p| p.end_column),
        message: &l.message,
        primary: l.primary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::render::test_support::{diagnostics, sources};
    use serde_json::{Value, json};

    #[test]
    fn document_has_every_field_in_a_fixed_order() {
        let (map, a, b, empty) = sources();
        let out = render(&diagnostics(a, b, empty), &map);
        let first_keys = [
            "\"code\"",
            "\"name\"",
            "\"severity\"",
            "\"message\"",
            "\"file\"",
            "\"line\"",
            "\"column\"",
            "\"end_line\"",
            "\"end_column\"",
            "\"labels\"",
            "\"notes\"",
            "\"help\"",
        ];
        let at: Vec<usize> = first_keys.iter().map(|k| out.find(k).unwrap()).collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{out}");
        assert!(out.ends_with("}\n"));

        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["version"], 1);
        let d = &v["diagnostics"][0];
        assert_eq!(d["code"], "E0006");
        assert_eq!(d["name"], "unexpected-token");
        assert_eq!(d["severity"], "error");
        assert_eq!(d["message"], "unexpected `;`, 100% wrong");
        assert_eq!(
            (
                &d["file"],
                &d["line"],
                &d["column"],
                &d["end_line"],
                &d["end_column"]
            ),
            (
                &json!("service.fw"),
                &json!(3),
                &json!(11),
                &json!(3),
                &json!(12)
            )
        );
        assert_eq!(
            d["labels"][1],
            json!({
                "file": "spec/env.fw", "line": 2, "column": 3, "end_line": 2, "end_column": 18,
                "message": "declared here: `version`, a string", "primary": false
            })
        );
        assert_eq!(d["notes"], json!(["first line\nsecond line"]));
        assert_eq!(d["help"], "write a value, like `1`");
    }

    #[test]
    fn zero_width_spans_at_the_end_and_in_an_empty_file() {
        let (map, a, b, empty) = sources();
        let v: Value = serde_json::from_str(&render(&diagnostics(a, b, empty), &map)).unwrap();
        let eof = &v["diagnostics"][1];
        assert_eq!(eof["severity"], "warning");
        assert_eq!((&eof["line"], &eof["column"]), (&json!(4), &json!(1)));
        assert_eq!(
            (&eof["end_line"], &eof["end_column"]),
            (&json!(4), &json!(1))
        );
        assert_eq!(eof["help"], Value::Null);
        let in_empty = &v["diagnostics"][2];
        assert_eq!(in_empty["file"], "empty.fw");
        assert_eq!(
            (&in_empty["line"], &in_empty["column"]),
            (&json!(1), &json!(1))
        );
    }

    #[test]
    fn no_diagnostics_is_an_empty_list() {
        let out = render(&[], &SourceMap::new());
        assert_eq!(out, "{\n  \"version\": 1,\n  \"diagnostics\": []\n}\n");
    }
}
