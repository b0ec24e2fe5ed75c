//! Exporting a template's spec schema (`formwork schema`) and reading a spec file
//! as JSON data, for `tests/schema.rs`.

use std::path::Path;

use formwork::check::{add_source, build_and_check};
use formwork::compile::{Failure, Selector, find_template};
use formwork::diagnostics::Diagnostic;
use formwork::schema::{Part, export};
use formwork::spec::{NodeKind, SpecKind, SpecNode, SpecSyntax, check_inputs, node, read_spec};
use formwork::syntax::span::SourceMap;
use formwork::types::Checker;

use super::files_under;

/// Loads every `.fw` file under `dir` (named relative to it) into a source map.
fn load_workspace(dir: &Path) -> (SourceMap, Vec<Diagnostic>) {
    let mut map = SourceMap::new();
    let mut problems = Vec::new();
    for path in files_under(dir, "fw") {
        let name = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        let bytes = std::fs::read(&path).expect("template is readable");
        problems.extend(add_source(&mut map, name, &bytes).1);
    }
    super::add_workspace_settings(&mut map, dir, &mut problems);
    (map, problems)
}

/// The schema `formwork schema` prints for the template `template` (a name, or a
/// `.fw` file relative to `dir`) of the workspace `dir`.
pub fn schema_of(dir: &Path, template: &str, part: Option<Part>) -> String {
    let (mut map, problems) = load_workspace(dir);
    let selector = if template.ends_with(".fw") {
        let id = map
            .files()
            .find(|(_, f)| f.name == template)
            .map(|(id, _)| id)
            .expect("the template file is in the folder");
        Selector::File(id)
    } else {
        Selector::parse_name(template)
    };
    match export(&mut map, problems, &selector, part) {
        Ok(json) => json,
        Err(Failure::Diagnostics(d)) => panic!("the template has errors: {d:?}"),
        Err(Failure::Usage(m) | Failure::Io(m)) => panic!("usage error: {m}"),
    }
}

/// formwork's own diagnostics for the spec `spec` (relative to the workspace `dir`)
/// against the template its `template:` names: the layout's, and its inputs' (each
/// instance's, the pipeline's or the environment's).
pub fn workspace_spec_diagnostics(dir: &Path, spec: &str) -> (String, Vec<Diagnostic>) {
    let (mut map, problems) = load_workspace(dir);
    let bytes = std::fs::read(dir.join(spec)).expect("spec is readable");
    let (spec_id, problem) = add_source(&mut map, spec, &bytes);
    let (program, mut diags) = build_and_check(&mut map, problems.into_iter().collect());
    diags.extend(problem);
    let text = map.get(spec_id).map(|f| f.text.clone()).unwrap_or_default();
    let (read, spec_diags) = read_spec(spec_id, &text);
    diags.extend(spec_diags);
    let read = read.expect("the spec's layout is readable");
    let template = read.template.clone().expect("the spec names its template");
    let selector = Selector::Name {
        name: template.name.clone(),
        version: template.version.clone(),
    };
    let decl = find_template(&program, &selector).expect("the spec's template exists");
    let mut checker = Checker::new(&program);
    let sig = checker.signature(decl).expect("a signature");
    match read.kind {
        SpecKind::Environment => {
            if let Some(inputs) = &read.environment_inputs {
                diags.extend(check_inputs(inputs, &sig.inputs, &template.name).1);
            }
        }
        SpecKind::Service => {
            let has_pipeline = program.decl(decl).and_then(|d| d.pipeline()).is_some();
            diags.extend(
                formwork::spec::check_pipeline_inputs(
                    &read,
                    &sig.pipeline_inputs,
                    has_pipeline,
                    &template.name,
                )
                .1,
            );
            for i in &read.instances {
                diags.extend(check_inputs(&i.inputs, &sig.inputs, &template.name).1);
            }
        }
    }
    let name = match template.version {
        Some(v) => format!("{}@{v}", template.name),
        None => template.name,
    };
    (name, diags)
}

/// A spec file's data as JSON, read by formwork's own reader (YAML 1.2 core schema,
/// merge keys, aliases). `None` when formwork cannot read it as data at all, or read
/// it with errors (a duplicate key, a number too large).
pub fn spec_as_json(text: &str) -> Option<serde_json::Value> {
    let (root, diags) = node::read_tree(
        formwork::syntax::span::FileId(0),
        text,
        SpecSyntax::detect(text),
    );
    if !diags.is_empty() {
        return None;
    }
    to_json(&root?)
}

fn to_json(n: &SpecNode) -> Option<serde_json::Value> {
    use serde_json::Value;
    Some(match &n.kind {
        NodeKind::Null => Value::Null,
        NodeKind::Bool(b) => Value::Bool(*b),
        NodeKind::Int(i) => Value::from(*i),
        NodeKind::Float(f) => Value::Number(serde_json::Number::from_f64(*f)?),
        NodeKind::Str(s) => Value::String(s.clone()),
        NodeKind::Seq(items) => Value::Array(items.iter().map(to_json).collect::<Option<_>>()?),
        NodeKind::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|e| Some((e.key.clone(), to_json(&e.value)?)))
                .collect::<Option<_>>()?,
        ),
        NodeKind::Invalid => return None,
    })
}
