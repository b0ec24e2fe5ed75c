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

/// What a fixture's header says it expects: `// expect: ok`, or
/// `// expect: E0006 E0006 W0001` (each code as often as it is emitted).
#[derive(Debug, PartialEq)]
pub enum Expectation {
    Clean,
    Codes(Vec<String>),
}

pub fn expectation(text: &str) -> Option<Expectation> {
    let line = text.lines().find_map(|l| {
        l.trim_start_matches('\u{feff}')
            .trim()
            .strip_prefix("// expect:")
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
