//! The few helpers through which tests call the compiler. Everything else in
//! `tests/` goes through these, so a change in the compiler's API is one change here.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use formwork::check::{add_source, check_all};
use formwork::diagnostics::Diagnostic;
use formwork::diagnostics::render::{Format, render};
use formwork::syntax::span::SourceMap;

/// Checks one file's bytes as `formwork check` would.
pub fn check_bytes(name: &str, bytes: &[u8]) -> (SourceMap, Vec<Diagnostic>) {
    let mut map = SourceMap::new();
    let (_, problem) = add_source(&mut map, name, bytes);
    let report = check_all(&mut map, problem.into_iter().collect());
    (map, report.diagnostics)
}

/// Parses one file's bytes, as the first stage of `formwork check` does: syntax
/// diagnostics only.
pub fn parse_bytes(name: &str, bytes: &[u8]) -> (SourceMap, Vec<Diagnostic>) {
    let mut map = SourceMap::new();
    let (id, problem) = add_source(&mut map, name, bytes);
    let mut diags: Vec<Diagnostic> = problem.into_iter().collect();
    if diags.is_empty()
        && let Some(file) = map.get(id)
    {
        diags.extend(
            formwork::syntax::parse(&file.text, id)
                .errors
                .into_iter()
                .map(Diagnostic::from),
        );
    }
    (map, diags)
}

/// The diagnostics as a person sees them, without colour.
pub fn render_human(map: &SourceMap, diags: &[Diagnostic]) -> String {
    render(diags, map, Format::Human, false)
}

/// The codes emitted, sorted.
pub fn codes(diags: &[Diagnostic]) -> Vec<&'static str> {
    let mut c: Vec<_> = diags.iter().map(|d| d.code.id).collect();
    c.sort_unstable();
    c
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every file with extension `ext` under `dir`, recursively, sorted.
pub fn files_under(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == ext) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// What a fixture's header says it expects: `// expect: ok` (`# expect: ok` in a
/// YAML spec), or
/// `// expect: E0006 E0006 W0001` (each code as often as it is emitted).
#[derive(Debug, PartialEq)]
pub enum Expectation {
    Clean,
    Codes(Vec<String>),
}

pub fn expectation(text: &str) -> Option<Expectation> {
    let line = text.lines().find_map(|l| {
        let l = l.trim_start_matches('\u{feff}').trim();
        // `#` for spec files (YAML).
        l.strip_prefix("// expect:")
            .or_else(|| l.strip_prefix("# expect:"))
    })?;
    let words: Vec<String> = line
        .split([' ', ','])
        .filter(|w| !w.is_empty() && *w != "error" && *w != "warning")
        .map(str::to_string)
        .collect();
    if words == ["ok"] {
        return Some(Expectation::Clean);
    }
    let mut words = words;
    words.sort();
    Some(Expectation::Codes(words))
}

/// Checks a template (its first declaration) and reads a spec file against it: the
/// template's own diagnostics, the spec's, and those of its inputs against the
/// template's (`spec` for an environment or each instance, `pipeline` for a
/// service's pipeline inputs). An empty template reads the spec alone.
pub fn check_spec(template: &[u8], spec_name: &str, spec: &[u8]) -> (SourceMap, Vec<Diagnostic>) {
    use formwork::resolve::{self, stdlib};
    use formwork::spec::{SpecKind, check_inputs, read_spec};

    let mut map = SourceMap::new();
    let (template_id, problem) = add_source(&mut map, "template.fw", template);
    let (spec_id, spec_problem) = add_source(&mut map, spec_name, spec);
    let mut diags: Vec<Diagnostic> = problem.into_iter().chain(spec_problem).collect();
    let mut parsed = Vec::new();
    if let Some(file) = map.get(template_id) {
        let p = formwork::syntax::parse(&file.text, template_id);
        diags.extend(p.errors.into_iter().map(Diagnostic::from));
        parsed.push((template_id, p.file, None));
    }
    for f in stdlib::FILES {
        let id = map.add(f.name, f.source);
        let p = formwork::syntax::parse(f.source, id);
        parsed.push((
            id,
            p.file,
            Some(f.path.iter().map(|s| s.to_string()).collect()),
        ));
    }
    let program = resolve::build(&map, parsed);
    diags.extend(program.diagnostics.iter().cloned());
    diags.extend(formwork::types::check_program(&program));
    let text = map.get(spec_id).map(|f| f.text.clone()).unwrap_or_default();
    let (read, spec_diags) = read_spec(spec_id, &text);
    diags.extend(spec_diags);
    let decl = program
        .user_decls()
        .next()
        .map(|(id, d)| (id, d.name.as_plain()));
    if let (Some(read), Some((decl_id, name))) = (read, decl) {
        let name = name.unwrap_or_default();
        let mut checker = formwork::types::Checker::new(&program);
        if let Some(sig) = checker.signature(decl_id) {
            match read.kind {
                SpecKind::Environment => {
                    if let Some(inputs) = &read.environment_inputs {
                        diags.extend(check_inputs(inputs, &sig.inputs, &name).1);
                    }
                }
                SpecKind::Service => {
                    let has_pipeline = program.decl(decl_id).and_then(|d| d.pipeline()).is_some();
                    diags.extend(
                        formwork::spec::check_pipeline_inputs(
                            &read,
                            &sig.pipeline_inputs,
                            has_pipeline,
                            &name,
                        )
                        .1,
                    );
                    for i in &read.instances {
                        diags.extend(check_inputs(&i.inputs, &sig.inputs, &name).1);
                    }
                }
            }
        }
    }
    diags.sort_by_key(|d| d.primary_span().map(|s| (s.file, s.start, s.end)));
    (map, diags)
}

pub mod codegen;
pub mod schema;
pub mod versions;

/// Reads a spec file alone (no template): its diagnostics, and every instance's
/// inputs checked against an empty schema (each input is then unknown).
pub fn read_spec_bytes(bytes: &[u8]) -> Vec<Diagnostic> {
    let mut map = SourceMap::new();
    let (id, problem) = add_source(&mut map, "spec.yaml", bytes);
    let mut diags: Vec<Diagnostic> = problem.into_iter().collect();
    let text = map.get(id).map(|f| f.text.clone()).unwrap_or_default();
    let (spec, d) = formwork::spec::read_spec(id, &text);
    diags.extend(d);
    let schema = std::collections::BTreeMap::new();
    for i in spec.iter().flat_map(|s| &s.instances) {
        diags.extend(formwork::spec::check_inputs(&i.inputs, &schema, "t").1);
    }
    diags
}

/// Checks a workspace given as files (path relative to its root, text), as
/// `formwork check` does on a folder holding `formwork.yaml`: the settings, every
/// template, every spec of `environments/` and `services/` and their references.
pub fn check_workspace_files(files: &[(String, String)]) -> (SourceMap, Vec<Diagnostic>) {
    let mut map = SourceMap::new();
    let mut problems = Vec::new();
    let mut environments = Vec::new();
    let mut services = Vec::new();
    let mut config = None;
    for (path, text) in files {
        let (id, problem) = add_source(&mut map, path.as_str(), text.as_bytes());
        problems.extend(problem);
        if path == "formwork.yaml" {
            config = Some(id);
        } else if path.starts_with("environments/") {
            environments.push(id);
        } else if path.starts_with("services/") {
            services.push(id);
        }
    }
    if let Some(id) = config {
        let text = map.get(id).map(|f| f.text.clone()).unwrap_or_default();
        let (_, d) = formwork::workspace::config::read_config(id, &text);
        problems.extend(d);
    }
    let (program, mut diags) = formwork::check::build_and_check(&mut map, problems);
    if !diags.iter().any(Diagnostic::is_error) {
        let (_, d) = formwork::workspace::plan(&program, &map, &environments, &services);
        diags.extend(d);
    }
    diags.sort_by_key(|d| d.primary_span().map(|s| (s.file, s.start, s.end)));
    (map, diags)
}

/// Adds the workspace's `formwork.yaml` and its registry's index (when `dir` has them)
/// to `map`, named relative to `dir`, as the command line does: the registry's
/// snapshots, loaded with the templates, then win over their drafts.
pub fn add_workspace_settings(map: &mut SourceMap, dir: &Path, problems: &mut Vec<Diagnostic>) {
    let Ok(config) = std::fs::read(dir.join("formwork.yaml")) else {
        return;
    };
    let (id, problem) = add_source(map, "formwork.yaml", &config);
    problems.extend(problem);
    let text = map.get(id).map(|f| f.text.clone()).unwrap_or_default();
    let (settings, _) = formwork::workspace::config::read_config(id, &text);
    let index = format!("{}/index.json", settings.folders.registry);
    if let Ok(bytes) = std::fs::read(dir.join(&index)) {
        problems.extend(add_source(map, index, &bytes).1);
    }
}

/// Every file under `dir`, as (path relative to `dir` with `/`, text), sorted.
pub fn read_tree(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(text) = std::fs::read_to_string(&p) {
                let rel = p
                    .strip_prefix(dir)
                    .unwrap_or(&p)
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((rel, text));
            }
        }
    }
    out.sort();
    out
}

/// The folders directly under `dir`, sorted: one fixture each.
pub fn subfolders(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// A YAML document as JSON, read with saphyr's loader (the Python check in
/// `tests/external/` uses a parser formwork has nothing to do with).
pub fn yaml_to_json(text: &str) -> serde_json::Value {
    use saphyr::{LoadableYamlNode, Scalar, Yaml};
    use serde_json::Value;
    fn conv(y: &Yaml) -> Value {
        match y {
            Yaml::Value(Scalar::Null) => Value::Null,
            Yaml::Value(Scalar::Boolean(b)) => Value::Bool(*b),
            Yaml::Value(Scalar::Integer(i)) => Value::from(*i),
            Yaml::Value(Scalar::FloatingPoint(f)) => {
                serde_json::Number::from_f64(f.into_inner()).map_or(Value::Null, Value::Number)
            }
            Yaml::Value(Scalar::String(s)) => Value::String(s.to_string()),
            Yaml::Sequence(items) => Value::Array(items.iter().map(conv).collect()),
            Yaml::Mapping(m) => Value::Object(
                m.iter()
                    .map(|(k, v)| {
                        let key = match k {
                            Yaml::Value(Scalar::String(s)) => s.to_string(),
                            other => format!("{other:?}"),
                        };
                        (key, conv(v))
                    })
                    .collect(),
            ),
            other => panic!("unexpected YAML node {other:?}"),
        }
    }
    let docs = Yaml::load_from_str(text).expect("the YAML output parses");
    assert_eq!(docs.len(), 1, "one YAML document");
    conv(&docs[0])
}

/// Copies a workspace (without its `out/`) to `to`.
pub fn copy_tree(from: &Path, to: &Path) {
    for (rel, text) in read_tree(from) {
        if rel.starts_with("out/") {
            continue;
        }
        let p = to.join(&rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }
}

/// A temporary folder, removed with everything in it when the guard is dropped: at
/// the end of the test that holds it, whether the test passes or panics. Derefs to
/// its path.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    /// An empty folder `formwork-NAME-PID` under the system's temporary folder (one
    /// left by an earlier process with the same id is emptied first).
    pub fn new(name: &str) -> TempDir {
        let d = std::env::temp_dir().join(format!("formwork-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).expect("temp dir");
        TempDir(d)
    }
}

impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for TempDir {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh temporary folder for this test process, removed when the guard is dropped.
pub fn temp(name: &str) -> TempDir {
    TempDir::new(name)
}

/// What a run of the `formwork` binary gave.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the `formwork` binary in `dir`, without colour.
pub fn run_formwork(dir: &Path, args: &[&str]) -> Run {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_formwork"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run formwork");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Where an export test writes. Derefs to its path.
#[derive(Debug)]
pub enum ExportDir {
    /// `$FORMWORK_OUTPUT_DIR`: kept, for the validators `.ci/run` runs afterwards.
    Named(PathBuf),
    /// A temporary folder, removed when this is dropped.
    Temp(TempDir),
}

impl std::ops::Deref for ExportDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        match self {
            ExportDir::Named(p) => p,
            ExportDir::Temp(t) => t,
        }
    }
}

impl AsRef<Path> for ExportDir {
    fn as_ref(&self) -> &Path {
        self
    }
}

/// Where an export test writes: `$FORMWORK_OUTPUT_DIR` when `.ci/run` names it (for
/// the third-party validators; left in place), else a fresh temporary folder,
/// removed at the end of the test, so `cargo test` runs the export too and checks
/// what it writes.
pub fn export_dir(name: &str) -> ExportDir {
    match std::env::var_os("FORMWORK_OUTPUT_DIR") {
        Some(dir) => ExportDir::Named(PathBuf::from(dir)),
        None => ExportDir::Temp(temp(name)),
    }
}

/// xorshift64: deterministic, dependency-free, good enough to shuffle syntax.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}
