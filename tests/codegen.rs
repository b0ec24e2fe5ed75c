//! Code generation, three ways short of the external validators (`.ci/run` runs
//! those): golden snapshots of every codegen fixture and every example, per backend
//! and mode; property checks of every output (references resolve, YAML and JSON are
//! one document, the same input gives the same bytes); and secrets, which never reach
//! an output.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::codegen::{Outcome, Pick, compile_dir, show_artifacts};
use common::*;
use formwork::compile::Artifact;
use formwork::ir::Mode;
use formwork::syntax::span::SourceMap;
use formwork::types::targets::Target;
use serde_json::Value;

fn target_name(t: Target) -> &'static str {
    match t {
        Target::CloudFormation => "cloudformation",
        Target::Terraform => "terraform",
    }
}

fn mode_name(m: Mode) -> &'static str {
    match m {
        Mode::Render => "render",
        Mode::Parameterised => "parameterised",
    }
}

/// `// codegen cloudformation render: E0501` lines: what each run expects.
fn runs(text: &str) -> Vec<(Target, Mode, Vec<String>)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let Some(rest) = line.trim().strip_prefix("// codegen ") else {
            continue;
        };
        let (head, expect) = rest
            .split_once(':')
            .expect("`// codegen TARGET MODE: CODES`");
        let mut words = head.split_whitespace();
        let target = match words.next() {
            Some("cloudformation") => Target::CloudFormation,
            Some("terraform") => Target::Terraform,
            other => panic!("unknown target {other:?}"),
        };
        let mode = match words.next() {
            Some("render") => Mode::Render,
            Some("parameterised") => Mode::Parameterised,
            other => panic!("unknown mode {other:?}"),
        };
        let mut codes: Vec<String> = expect
            .split_whitespace()
            .filter(|w| *w != "ok")
            .map(str::to_string)
            .collect();
        codes.sort();
        out.push((target, mode, codes));
    }
    out
}

fn outcome_codes(outcome: &Outcome) -> Vec<String> {
    match outcome {
        Ok(_) => Vec::new(),
        Err(d) => codes(d).into_iter().map(str::to_string).collect(),
    }
}

fn show(map: &SourceMap, outcome: &Outcome) -> String {
    match outcome {
        Ok(artifacts) => show_artifacts(artifacts),
        Err(d) => format!("----- DIAGNOSTICS\n{}", render_human(map, d)),
    }
}

fn case_dirs() -> Vec<PathBuf> {
    subfolders(&root().join("tests/fixtures/codegen"))
}

/// Each codegen fixture: its folder, name, template text and spec (if any).
fn cases() -> Vec<(PathBuf, String, String, Option<&'static str>)> {
    case_dirs()
        .into_iter()
        .map(|dir| {
            let case = dir
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("")
                .to_string();
            let text = std::fs::read_to_string(dir.join("template.fw")).expect("template.fw");
            let spec = dir.join("spec.yaml").exists().then_some("spec.yaml");
            (dir, case, text, spec)
        })
        .collect()
}

#[test]
fn codegen_fixtures() {
    let mut count = 0;
    for (dir, case, text, spec) in cases() {
        let planned = runs(&text);
        assert!(!planned.is_empty(), "{case}: no `// codegen` lines");
        for (target, mode, want) in planned {
            let (map, outcome) =
                compile_dir(&dir, Pick::File("template.fw"), spec, None, target, mode);
            let got = outcome_codes(&outcome);
            assert_eq!(
                got,
                want,
                "{case} {} {}: {}",
                target_name(target),
                mode_name(mode),
                show(&map, &outcome)
            );
            if let Ok(artifacts) = &outcome {
                check_properties(&case, target, artifacts);
                let (_, again) =
                    compile_dir(&dir, Pick::File("template.fw"), spec, None, target, mode);
                assert_eq!(
                    again.as_ref().ok(),
                    Some(artifacts),
                    "{case}: output differs between runs"
                );
            }
            let mut snap = format!("----- SOURCE\n{text}");
            if let Some(s) = spec {
                snap.push_str(&format!(
                    "----- SPEC\n{}",
                    std::fs::read_to_string(dir.join(s)).unwrap_or_default()
                ));
            }
            snap.push_str(&show(&map, &outcome));
            insta::assert_snapshot!(
                format!("{case}@{}-{}", target_name(target), mode_name(mode)),
                snap
            );
            count += 1;
        }
    }
    assert!(count >= 20, "only {count} codegen runs");
}

/// The example workspace: every spec rendered for each target its template supports,
/// and every environment and service template compiled alone.
#[test]
fn examples() {
    let ws = root().join("examples/acme");
    let mut specs: Vec<PathBuf> = files_under(&ws.join("environments"), "yaml");
    specs.extend(files_under(&ws.join("services"), "yaml"));
    assert!(specs.len() >= 5);
    let mut rendered = 0;
    for spec in &specs {
        let rel = spec
            .strip_prefix(&ws)
            .unwrap_or(spec)
            .to_string_lossy()
            .replace('\\', "/");
        let template = template_of(spec);
        for target in [Target::CloudFormation, Target::Terraform] {
            let (map, outcome) = compile_dir(
                &ws,
                Pick::Name(&template),
                Some(&rel),
                None,
                target,
                Mode::Render,
            );
            if is_unsupported_target(&outcome) {
                continue;
            }
            let artifacts = outcome
                .as_ref()
                .unwrap_or_else(|_| panic!("{rel}: {}", show(&map, &outcome)));
            check_properties(&rel, target, artifacts);
            rendered += artifacts.len();
            insta::assert_snapshot!(
                format!("example-{}@{}-render", stem(spec), target_name(target)),
                show(&map, &outcome)
            );
        }
    }
    assert!(rendered >= 9, "rendered {rendered} artifacts");
    let mut templates = BTreeSet::new();
    for spec in &specs {
        templates.insert(template_of(spec));
    }
    for template in &templates {
        for target in [Target::CloudFormation, Target::Terraform] {
            let (map, outcome) = compile_dir(
                &ws,
                Pick::Name(template),
                None,
                None,
                target,
                Mode::Parameterised,
            );
            if is_unsupported_target(&outcome) {
                continue;
            }
            if let Ok(artifacts) = &outcome {
                check_properties(template, target, artifacts);
            }
            // A template CloudFormation cannot take parameterised is refused with E0501,
            // and the snapshot shows why.
            let got = outcome_codes(&outcome);
            assert!(got.iter().all(|c| c == "E0501"), "{template}: {got:?}");
            insta::assert_snapshot!(
                format!("example-{template}@{}-parameterised", target_name(target)),
                show(&map, &outcome)
            );
        }
    }
}

fn template_of(spec: &Path) -> String {
    let text = std::fs::read_to_string(spec).expect("spec");
    text.lines()
        .find_map(|l| l.strip_prefix("template: "))
        .map(|t| t.split('@').next().unwrap_or(t).trim().to_string())
        .expect("example specs name their template")
}

fn stem(p: &Path) -> String {
    p.file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("")
        .to_string()
}

fn is_unsupported_target(outcome: &Outcome) -> bool {
    matches!(outcome, Err(d) if codes(d) == ["E0223"])
}

/// Secrets: a spec that writes a secret's value in plain text is refused without
/// repeating it, and a spec that names a secret store yields references only.
#[test]
fn secrets_never_reach_an_output() {
    const CANARY: &str = "CANARY-s3cr3t-7f1d";
    let dir = root().join("tests/fixtures/codegen/secrets");
    let tmp = temp("secrets");
    for f in ["template.fw", "environment.fw", "environments/dev.yaml"] {
        std::fs::create_dir_all(tmp.join(f).parent().expect("a folder")).expect("mkdir");
        std::fs::copy(dir.join(f), tmp.join(f)).expect("copy");
    }
    let plain = format!(
        "proton: ServiceSpec\ninstances:\n  - name: db-dev\n    environment: dev\n    spec:\n      password: {CANARY}\n      api_key: \"{CANARY}\"\n"
    );
    std::fs::write(tmp.join("spec.yaml"), plain).expect("write");
    let (map, outcome) = compile_dir(
        &tmp,
        Pick::File("template.fw"),
        Some("spec.yaml"),
        None,
        Target::CloudFormation,
        Mode::Render,
    );
    let Err(diags) = &outcome else {
        panic!("a plain secret was accepted");
    };
    assert_eq!(codes(diags), ["E0317", "E0317"]);
    // Messages, labels, notes and help never repeat the value; the rendered excerpt
    // quotes the spec's line, which is the user's own text.
    let message_only: String = diags.iter().map(|d| format!("{d:?}")).collect();
    assert!(
        !message_only.contains(CANARY),
        "a diagnostic repeats the secret"
    );
    assert!(render_human(&map, diags).contains("E0317"));
    // With references, every output of every mode holds references only.
    let web = root().join("examples/acme");
    for (ws, pick, spec) in [
        (dir.clone(), Pick::File("template.fw"), Some("spec.yaml")),
        (web.clone(), Pick::Name("web"), Some("services/web.yaml")),
    ] {
        for mode in [Mode::Render, Mode::Parameterised] {
            let spec = if mode == Mode::Render { spec } else { None };
            let pick = match &pick {
                Pick::File(f) => Pick::File(f),
                Pick::Name(n) => Pick::Name(n),
            };
            let (map, outcome) = compile_dir(&ws, pick, spec, None, Target::CloudFormation, mode);
            let artifacts = outcome.unwrap_or_else(|d| panic!("{}", render_human(&map, &d)));
            for a in &artifacts {
                for (_, text) in &a.files {
                    assert!(!text.contains(CANARY));
                    assert!(!text.contains("NoEcho") || mode == Mode::Parameterised);
                    assert!(
                        text.contains("{{resolve:"),
                        "{}: no dynamic reference",
                        a.name
                    );
                }
            }
        }
    }
}

/// What every output must satisfy, whatever the template.
fn check_properties(case: &str, target: Target, artifacts: &[Artifact]) {
    for a in artifacts {
        match target {
            Target::CloudFormation => {
                let json = file(a, "template.json");
                let doc: Value = serde_json::from_str(json)
                    .unwrap_or_else(|e| panic!("{case}: template.json: {e}"));
                check_cloudformation(case, &doc);
                if let Some(yaml) = a.files.iter().find(|(n, _)| n == "template.yaml") {
                    let from_yaml = yaml_to_json(&yaml.1);
                    assert_eq!(from_yaml, doc, "{case}: YAML and JSON differ");
                }
            }
            Target::Terraform => {
                let main: Value = serde_json::from_str(file(a, "main.tf.json"))
                    .unwrap_or_else(|e| panic!("{case}: main.tf.json: {e}"));
                let vars: Value = a
                    .files
                    .iter()
                    .find(|(n, _)| n == "variables.tf.json")
                    .map(|(_, t)| serde_json::from_str(t).expect("variables.tf.json parses"))
                    .unwrap_or(Value::Null);
                check_terraform(case, &main, &vars);
            }
        }
    }
}

fn file<'a>(a: &'a Artifact, name: &str) -> &'a str {
    a.files
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, t)| t.as_str())
        .unwrap_or_else(|| panic!("{}: no {name}", a.name))
}

/// Every `Ref`, `Fn::GetAtt`, `Condition`, `Fn::If`, `Fn::FindInMap`, `DependsOn` and
/// `${…}` in `Fn::Sub` names something the template declares.
fn check_cloudformation(case: &str, doc: &Value) {
    assert_eq!(doc["AWSTemplateFormatVersion"], "2010-09-09", "{case}");
    let names = |key: &str| -> BTreeSet<String> {
        doc.get(key)
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    };
    let resources = names("Resources");
    let params = names("Parameters");
    let conditions = names("Conditions");
    let mappings = names("Mappings");
    assert!(!resources.is_empty(), "{case}: no resources");
    for id in resources.iter().chain(&params).chain(&conditions) {
        assert!(
            id.chars().all(|c| c.is_ascii_alphanumeric()),
            "{case}: `{id}` is not a valid logical ID"
        );
    }
    let mut stack = vec![doc];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("Ref") {
                    assert!(
                        resources.contains(r) || params.contains(r) || r.starts_with("AWS::"),
                        "{case}: Ref to unknown `{r}`"
                    );
                }
                if let Some(Value::Array(a)) = m.get("Fn::GetAtt") {
                    let r = a[0].as_str().unwrap_or("");
                    assert!(resources.contains(r), "{case}: GetAtt of unknown `{r}`");
                }
                if let Some(Value::Array(a)) = m.get("Fn::If") {
                    let c = a[0].as_str().unwrap_or("");
                    assert!(conditions.contains(c), "{case}: Fn::If on unknown `{c}`");
                }
                if let Some(Value::String(c)) = m.get("Condition") {
                    assert!(conditions.contains(c), "{case}: unknown condition `{c}`");
                }
                if let Some(Value::Array(a)) = m.get("Fn::FindInMap") {
                    let t = a[0].as_str().unwrap_or("");
                    assert!(mappings.contains(t), "{case}: unknown mapping `{t}`");
                }
                if let Some(Value::Array(d)) = m.get("DependsOn") {
                    for x in d {
                        assert!(
                            resources.contains(x.as_str().unwrap_or("")),
                            "{case}: DependsOn"
                        );
                    }
                }
                if let Some(sub) = m.get("Fn::Sub") {
                    let (template, vars) = match sub {
                        Value::String(s) => (s.as_str(), BTreeSet::new()),
                        Value::Array(a) => (
                            a[0].as_str().unwrap_or(""),
                            a[1].as_object()
                                .map(|o| o.keys().cloned().collect())
                                .unwrap_or_default(),
                        ),
                        _ => ("", BTreeSet::new()),
                    };
                    for name in sub_names(template) {
                        let head = name.split('.').next().unwrap_or("");
                        assert!(
                            vars.contains(head)
                                || resources.contains(head)
                                || params.contains(head)
                                || head.starts_with("AWS::"),
                            "{case}: Fn::Sub names unknown `{name}`"
                        );
                    }
                }
                stack.extend(m.values());
            }
            Value::Array(a) => stack.extend(a),
            _ => {}
        }
    }
}

/// The `${Name}` references of an `Fn::Sub` template (`${!Literal}` is text).
fn sub_names(template: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(i) = rest.find("${") {
        let after = &rest[i + 2..];
        let end = after.find('}').unwrap_or(after.len());
        let name = &after[..end];
        if !name.starts_with('!') && !name.starts_with("resolve:") {
            out.push(name.to_string());
        }
        rest = &after[end.min(after.len())..];
    }
    out
}

/// Every `aws_x.name` and `var.name` a Terraform expression reads is declared.
fn check_terraform(case: &str, main: &Value, vars: &Value) {
    let mut declared: BTreeSet<String> = BTreeSet::new();
    if let Some(types) = main["resource"].as_object() {
        for (ty, items) in types {
            for name in items.as_object().map(|o| o.keys()).into_iter().flatten() {
                declared.insert(format!("{ty}.{name}"));
            }
        }
    }
    let variables: BTreeSet<String> = vars["variable"]
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    let mut stack = vec![main];
    while let Some(v) = stack.pop() {
        match v {
            Value::String(s) => {
                for expr in templates(s) {
                    for word in
                        // HCL names may hold `-`; formwork spaces its operators.
                        expr.split(|c: char| {
                            !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
                        })
                    {
                        let mut parts = word.split('.');
                        let (Some(a), Some(b)) = (parts.next(), parts.next()) else {
                            continue;
                        };
                        if a == "var" {
                            assert!(variables.contains(b), "{case}: undeclared variable `{b}`");
                        } else if a.starts_with("aws_") {
                            assert!(
                                declared.contains(&format!("{a}.{b}")),
                                "{case}: unknown resource `{a}.{b}`"
                            );
                        }
                    }
                }
            }
            Value::Object(m) => stack.extend(m.values()),
            Value::Array(a) => stack.extend(a),
            _ => {}
        }
    }
}

/// The `${…}` expressions of a Terraform string (`$${` is a literal `${`).
fn templates(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let bytes = s.as_bytes();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == b'$' && bytes[i + 1] == b'$' {
            i += 2;
            continue;
        }
        if bytes[i] == b'$' && bytes[i + 1] == b'{' {
            let start = i + 2;
            let mut depth = 1;
            let mut j = start;
            while j < bytes.len() && depth > 0 {
                match bytes[j] {
                    b'{' => depth += 1,
                    b'}' => depth -= 1,
                    _ => {}
                }
                j += 1;
            }
            out.push(&s[start..j.saturating_sub(1).max(start)]);
            i = j;
            continue;
        }
        i += 1;
    }
    out
}

/// Writes every output of the codegen fixtures and the example to
/// `$FORMWORK_OUTPUT_DIR`, for the third-party validators (`tests/external/`). Run by
/// `.ci/run` with `FORMWORK_OUTPUT_DIR=… cargo test --test codegen export_outputs`; without the
/// variable it writes to a temporary folder, so `cargo test` runs it too.
#[test]
fn export_outputs() {
    let out = export_dir("export-outputs");
    let mut written = 0;
    let mut write = |dir: &Path, artifacts: &[Artifact]| {
        for a in artifacts {
            let target = dir.join(&a.name);
            std::fs::create_dir_all(&target).expect("create output folder");
            for (name, text) in &a.files {
                std::fs::write(target.join(name), text).expect("write output");
                written += 1;
            }
        }
    };
    for (dir, case, text, spec) in cases() {
        for (target, mode, want) in runs(&text) {
            if !want.is_empty() {
                continue;
            }
            let (_, outcome) =
                compile_dir(&dir, Pick::File("template.fw"), spec, None, target, mode);
            let artifacts = outcome.expect("a clean fixture compiles");
            write(
                &out.join("fixtures").join(&case).join(format!(
                    "{}-{}",
                    target_name(target),
                    mode_name(mode)
                )),
                &artifacts,
            );
        }
    }
    let ws = root().join("examples/acme");
    let mut specs: Vec<PathBuf> = files_under(&ws.join("environments"), "yaml");
    specs.extend(files_under(&ws.join("services"), "yaml"));
    for spec in &specs {
        let rel = spec
            .strip_prefix(&ws)
            .unwrap_or(spec)
            .to_string_lossy()
            .replace('\\', "/");
        let template = template_of(spec);
        for target in [Target::CloudFormation, Target::Terraform] {
            for mode in [Mode::Render, Mode::Parameterised] {
                // Parameterised Terraform takes the spec too: its values become tfvars.
                if mode == Mode::Parameterised && target == Target::CloudFormation {
                    continue;
                }
                let (_, outcome) =
                    compile_dir(&ws, Pick::Name(&template), Some(&rel), None, target, mode);
                if let Ok(artifacts) = outcome {
                    write(
                        &out.join("examples").join(stem(spec)).join(format!(
                            "{}-{}",
                            target_name(target),
                            mode_name(mode)
                        )),
                        &artifacts,
                    );
                }
            }
        }
        let (_, outcome) = compile_dir(
            &ws,
            Pick::Name(&template),
            None,
            None,
            Target::CloudFormation,
            Mode::Parameterised,
        );
        if let Ok(artifacts) = outcome {
            write(
                &out.join("examples")
                    .join(&template)
                    .join("cloudformation-parameterised"),
                &artifacts,
            );
        }
    }
    assert!(written >= 40, "wrote only {written} files");
}
