//! Diagnostics as a SARIF 2.1.0 log, the format code-scanning services (GitHub code
//! scanning among them) read. One run; one rule per code the diagnostics use, sorted
//! by id, carrying the code's `formwork explain` page as its help; one result per
//! diagnostic, its primary label as the location and its secondary labels as related
//! locations. `tests/sarif_schema.rs` checks the output against the official schema.
//!
//! Nothing in the log depends on the clock, the machine or the working directory:
//! file names appear as the source map holds them, with forward slashes.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::diagnostics::codes::Code;
use crate::diagnostics::diagnostic::{Diagnostic, Label, Severity};
use crate::diagnostics::render::{Position, notes_and_help};
use crate::syntax::span::SourceMap;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    /// What our columns count; SARIF readers otherwise assume UTF-16 code units.
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
    rules: Vec<Rule<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    id: &'a str,
    name: &'a str,
    short_description: Text,
    full_description: Text,
    help: Help<'a>,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help<'a> {
    text: &'a str,
    markdown: &'a str,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

pub(super) fn render(diags: &[Diagnostic], sources: &SourceMap) -> String {
    // Rules in id order; every diagnostic's code is among them, so indexing cannot fail.
    let used: BTreeMap<&str, Code> = diags.iter().map(|d| (d.code.id, d.code)).collect();
    let rule_index: BTreeMap<&str, usize> =
        used.keys().enumerate().map(|(i, id)| (*id, i)).collect();
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "formwork",
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri: information_uri(),
                    rules: used.values().map(|c| rule(*c)).collect(),
                },
            },
            column_kind: "unicodeCodePoints",
            results: diags
                .iter()
                .map(|d| result(d, rule_index[d.code.id], sources))
                .collect(),
        }],
    };
    // Structs of strings, numbers and options always serialise.
    let mut out = serde_json::to_string_pretty(&log).expect("a SARIF log always serialises");
    out.push('\n');
    out
}

/// The crate's homepage or repository, when Cargo.toml names one: SARIF wants an
/// absolute URI there or nothing.
fn information_uri() -> Option<&'static str> {
    [env!("CARGO_PKG_HOMEPAGE"), env!("CARGO_PKG_REPOSITORY")]
        .into_iter()
        .find(|u| !u.is_empty())
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn rule(code: Code) -> Rule<'static> {
    Rule {
        id: code.id,
        name: code.name,
        short_description: Text {
            text: code.summary.to_string(),
        },
        full_description: Text {
            text: explanation(code.page).unwrap_or_else(|| code.summary.to_string()),
        },
        help: Help {
            text: code.page,
            markdown: code.page,
        },
        default_configuration: Configuration {
            level: level(code.severity()),
        },
    }
}

/// The first paragraph under `## Explanation` in a code's page, joined onto one line.
fn explanation(page: &str) -> Option<String> {
    let (_, after) = page.split_once("\n## Explanation\n")?;
    let para = after.trim_start().split("\n\n").next()?.trim();
    let para = para.lines().map(str::trim).collect::<Vec<_>>().join(" ");
    (!para.is_empty() && !para.starts_with('#')).then_some(para)
}

fn result<'a>(d: &'a Diagnostic, rule_index: usize, sources: &SourceMap) -> SarifResult<'a> {
    let text: Vec<String> = std::iter::once(d.message.clone())
        .chain(notes_and_help(d))
        .collect();
    let primary = d.labels.iter().find(|l| l.primary);
    let secondary = d.labels.iter().filter(|l| !l.primary);
    SarifResult {
        rule_id: d.code.id,
        rule_index,
        level: level(d.severity),
        message: Text {
            text: text.join("\n"),
        },
        locations: primary
            .and_then(|l| location(l, None, sources))
            .into_iter()
            .collect(),
        related_locations: secondary
            .enumerate()
            .filter_map(|(i, l)| location(l, Some(i), sources))
            .collect(),
    }
}

fn location(l: &Label, id: Option<usize>, sources: &SourceMap) -> Option<Location> {
    let p = Position::of(sources, l.span)?;
    Some(Location {
        id,
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation { uri: uri(p.file) },
            region: Region {
                start_line: p.line,
                start_column: p.column,
                end_line: p.end_line,
                end_column: p.end_column,
            },
        },
        message: (!l.message.is_empty()).then(|| Text {
            text: l.message.clone(),
        }),
    })
}

/// A file name as a relative URI reference: forward slashes, and every byte that is
/// not plainly allowed in a path percent-encoded (`:` too, lest `c:` read as a scheme).
fn uri(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::render::test_support::{diagnostics, sources};
    use serde_json::{Value, json};

    #[test]
    fn log_has_one_rule_per_code_and_a_result_per_diagnostic() {
        let (map, a, b, empty) = sources();
        let v: Value = serde_json::from_str(&render(&diagnostics(a, b, empty), &map)).unwrap();
        assert_eq!(v["$schema"], SCHEMA);
        assert_eq!(v["version"], "2.1.0");
        let run = &v["runs"][0];
        let driver = &run["tool"]["driver"];
        assert_eq!(driver["name"], "formwork");
        assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
        let ids: Vec<&str> = driver["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["E0006", "E0007", "W0001"]);
        assert_eq!(
            driver["rules"][2]["defaultConfiguration"]["level"],
            "warning"
        );
        assert_eq!(
            driver["rules"][0]["shortDescription"]["text"],
            "a token the grammar does not allow here"
        );

        let r = &run["results"][0];
        assert_eq!(
            (&r["ruleId"], &r["ruleIndex"], &r["level"]),
            (&json!("E0006"), &json!(0), &json!("error"))
        );
        assert_eq!(
            r["message"]["text"],
            "unexpected `;`, 100% wrong\nnote: first line\nsecond line\nhelp: write a value, like `1`"
        );
        assert_eq!(
            r["locations"][0],
            json!({
                "physicalLocation": {
                    "artifactLocation": { "uri": "service.fw" },
                    "region": { "startLine": 3, "startColumn": 11, "endLine": 3, "endColumn": 12 }
                },
                "message": { "text": "expected an expression" }
            })
        );
        assert_eq!(r["relatedLocations"][0]["id"], 0);
        assert_eq!(
            r["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "spec/env.fw"
        );
        assert_eq!(
            r["relatedLocations"][0]["message"]["text"],
            "declared here: `version`, a string"
        );

        let warning = &run["results"][1];
        assert_eq!(
            (&warning["ruleIndex"], &warning["level"]),
            (&json!(2), &json!("warning"))
        );
        let region = &warning["locations"][0]["physicalLocation"]["region"];
        assert_eq!(
            region,
            &json!({ "startLine": 4, "startColumn": 1, "endLine": 4, "endColumn": 1 })
        );
        assert!(warning.get("relatedLocations").is_none());
        assert_eq!(
            run["results"][2]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "empty.fw"
        );
    }

    #[test]
    fn output_is_deterministic_and_empty_logs_keep_their_run() {
        let (map, a, b, empty) = sources();
        let diags = diagnostics(a, b, empty);
        assert_eq!(render(&diags, &map), render(&diags, &map));
        let v: Value = serde_json::from_str(&render(&[], &SourceMap::new())).unwrap();
        assert_eq!(v["runs"][0]["results"], json!([]));
        assert_eq!(v["runs"][0]["tool"]["driver"]["rules"], json!([]));
    }

    #[test]
    fn file_names_become_relative_uri_references() {
        assert_eq!(uri("spec/env.fw"), "spec/env.fw");
        assert_eq!(uri("dir\\my file#1.fw"), "dir/my%20file%231.fw");
        assert_eq!(uri("c:/x/é.fw"), "c%3A/x/%C3%A9.fw");
    }

    #[test]
    fn full_description_is_the_pages_explanation() {
        let page = "# E1: x\n\nsummary\n\n## Explanation\n\nWhy it\nmatters.\n\nMore.\n";
        assert_eq!(explanation(page).as_deref(), Some("Why it matters."));
        assert_eq!(explanation("# E1: x\n"), None);
    }
}
