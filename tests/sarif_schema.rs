//! `--format sarif` output checked against the official SARIF 2.1.0 JSON schema (OASIS,
//! errata 01, a draft-04 schema), vendored in `tests/schemas/` (its README says where
//! it comes from), with format checks switched on.

use formwork::diagnostics::render::{Format, render};
use formwork::diagnostics::{Diagnostic, codes};
use formwork::syntax::{SourceMap, Span, parse};
use serde_json::Value;

const SCHEMA: &str = include_str!("schemas/sarif-schema-2.1.0.json");

/// Every way `sarif` breaks the schema, as `path: message` lines; empty when valid.
fn schema_errors(sarif: &str) -> Vec<String> {
    let schema: Value = serde_json::from_str(SCHEMA).expect("the vendored schema is JSON");
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .build(&schema)
        .expect("the vendored schema compiles");
    let instance: Value = serde_json::from_str(sarif).expect("SARIF output is JSON");
    validator
        .iter_errors(&instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// Parses each file into the map and returns the syntax errors as diagnostics.
fn diagnose(sources: &mut SourceMap, files: &[(&str, &str)]) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for (name, text) in files {
        let id = sources.add(*name, *text);
        let text = &sources.get(id).expect("just added").text;
        diags.extend(parse(text, id).errors.into_iter().map(Diagnostic::from));
    }
    diags
}

#[test]
fn sarif_for_syntax_errors_in_two_files_matches_the_schema() {
    let mut sources = SourceMap::new();
    let mut diags = diagnose(
        &mut sources,
        &[
            (
                "services/web.fw",
                "service \"web\" {\n  input {\n    port: Int in 1..65535 = \n  }\n  let x = \"caf\\q\"\n}\n",
            ),
            (
                "env/my vpc.fw",
                "/// dangling\n\nenvironment \"vpc\" {\n  version = \"3.1\"\n  output id: String = \"${x\"\n",
            ),
        ],
    );
    assert!(
        diags.len() >= 3,
        "expected several syntax errors, got {diags:#?}"
    );
    assert!(
        diags.iter().any(|d| !d.is_error()),
        "expected a warning among {diags:#?}"
    );

    // A secondary label in the other file, as checker diagnostics will have.
    let web = diags[0]
        .primary_span()
        .expect("syntax errors have a span")
        .file;
    let vpc = diags
        .last()
        .and_then(Diagnostic::primary_span)
        .expect("a span")
        .file;
    assert_ne!(web, vpc);
    diags.push(
        Diagnostic::new(codes::UNEXPECTED_TOKEN, "unexpected `x`")
            .with_primary(Span::new(web, 0, 7), "here")
            .with_secondary(Span::new(vpc, 0, 0), "declared here")
            .with_note("a note")
            .with_help("a help line"),
    );

    let sarif = render(&diags, &sources, Format::Sarif, false);
    assert_eq!(schema_errors(&sarif), Vec::<String>::new(), "{sarif}");

    let log: Value = serde_json::from_str(&sarif).expect("SARIF output is JSON");
    let results = log["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), diags.len());
    let uris: Vec<&str> = results
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    assert!(
        uris.contains(&"services/web.fw") && uris.contains(&"env/my%20vpc.fw"),
        "{uris:?}"
    );
    assert_eq!(invalid_uri_references(&log), Vec::<String>::new());
}

/// The artifact URIs that are not URI references. The SARIF schema says they must be,
/// but it is a draft-04 schema, and draft-04 has no `uri-reference` format to check.
fn invalid_uri_references(log: &Value) -> Vec<String> {
    let format = serde_json::json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "string",
        "format": "uri-reference"
    });
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&format)
        .expect("the format schema compiles");
    let mut uris = Vec::new();
    for result in log["runs"][0]["results"].as_array().into_iter().flatten() {
        for key in ["locations", "relatedLocations"] {
            for loc in result[key].as_array().into_iter().flatten() {
                uris.push(loc["physicalLocation"]["artifactLocation"]["uri"].clone());
            }
        }
    }
    assert!(!uris.is_empty());
    uris.into_iter()
        .filter(|u| !validator.is_valid(u))
        .map(|u| u.to_string())
        .collect()
}

#[test]
fn sarif_with_no_results_matches_the_schema() {
    let sarif = render(&[], &SourceMap::new(), Format::Sarif, false);
    assert_eq!(schema_errors(&sarif), Vec::<String>::new(), "{sarif}");
}

#[test]
fn the_schema_rejects_what_it_should() {
    // Guards against a schema or validator that accepts anything.
    let bad = r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {}}, "results": [{"level": "fatal"}]}]}"#;
    let errors = schema_errors(bad);
    assert!(errors.len() >= 2, "{errors:?}");
}
