//! What `formwork check` runs over a set of sources: today, parsing each file and
//! collecting its diagnostics; the name resolver and type checker join here.
//!
//! No IO: the command line reads the files and hands their bytes to [`add_source`].

use crate::diagnostics::Diagnostic;
use crate::syntax::span::{FileId, SourceMap};
use crate::syntax::{decode_source, parse};

/// Adds a file's bytes to `map`. A file that cannot be read as source (not UTF-8,
/// too large) is added anyway, so its diagnostic can show it, and reported.
pub fn add_source(map: &mut SourceMap, name: impl Into<String>, bytes: &[u8]) -> (FileId, Option<Diagnostic>) {
    let next = FileId(map.files().count() as u32);
    let (text, problem) = decode_source(bytes, next);
    let id = map.add(name, text);
    debug_assert_eq!(id, next);
    (id, problem.map(Diagnostic::from))
}

/// Checks one file already in `map`.
pub fn check_file(map: &SourceMap, id: FileId) -> Vec<Diagnostic> {
    let Some(file) = map.get(id) else {
        return Vec::new();
    };
    parse(&file.text, id)
        .errors
        .into_iter()
        .map(Diagnostic::from)
        .collect()
}

/// The result of checking a set of files: every diagnostic, in file then source order.
#[derive(Debug, Default)]
pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    pub fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.diagnostics.len() - self.error_count()
    }
}

/// Checks every file in `map`; `unreadable` are the files [`add_source`] already
/// reported, which are not parsed.
pub fn check_all(map: &SourceMap, unreadable: Vec<Diagnostic>) -> Report {
    let skip: Vec<FileId> = unreadable
        .iter()
        .filter_map(|d| d.primary_span().map(|s| s.file))
        .collect();
    let mut diagnostics = unreadable;
    for (id, _) in map.files() {
        if !skip.contains(&id) {
            diagnostics.extend(check_file(map, id));
        }
    }
    diagnostics.sort_by_key(|d| d.primary_span().map(|s| (s.file, s.start, s.end)));
    Report { diagnostics }
}
