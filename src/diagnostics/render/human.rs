//! Diagnostics for people: codespan-reporting's rich format, with the source lines
//! under each label, in colour or in plain text.
//!
//! codespan reads files through its `Files` trait, implemented here on a thin adapter
//! over our [`SourceMap`] so that its file ids are ours and labels in several files
//! need no translation table.

use std::ops::Range;

use codespan_reporting::diagnostic::{
    Diagnostic as CsDiagnostic, Label as CsLabel, Severity as CsSeverity,
};
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term::{self, Config, termcolor::Ansi};

use crate::diagnostics::diagnostic::{Diagnostic, Severity};
use crate::diagnostics::render::masked::masked;
use crate::diagnostics::render::window::Windowed;
use crate::diagnostics::render::{Position, clamp, notes_and_help};
use crate::syntax::span::{FileId, SourceFile, SourceMap};

pub(super) fn render(diags: &[Diagnostic], sources: &SourceMap, color: bool) -> String {
    let files = SourceFiles(sources);
    let config = Config::default();
    let mut out = String::new();
    for d in diags {
        // A secret or a control character in the excerpt: print a masked copy.
        let masked_sources = masked(d, sources);
        let masked_files = masked_sources.as_ref().map(SourceFiles);
        let (sources, files) = match (&masked_sources, &masked_files) {
            (Some(m), Some(f)) => (m, f),
            _ => (sources, &files),
        };
        let mut cs = to_codespan(d, sources);
        let ranges: Vec<(FileId, Range<usize>)> = cs
            .labels
            .iter()
            .map(|l| (l.file_id, l.range.clone()))
            .collect();
        // A label on a very long line: the message shows a window of it.
        let rendered = match Windowed::new(sources, &ranges) {
            Some(w) => {
                for l in &mut cs.labels {
                    l.range = w.map(l.file_id, l.range.start)..w.map(l.file_id, l.range.end);
                }
                emit(&w, &config, &cs, color)
            }
            None => emit(files, &config, &cs, color),
        };
        match rendered {
            Ok(text) => out.push_str(&text),
            // Labels are clamped to their files above, so codespan has no reason to
            // fail; if it does, the one-line form still tells the user what is wrong.
            Err(_) => out.push_str(&one_line(d, sources)),
        }
    }
    out
}

fn emit<'f, F: Files<'f, FileId = FileId>>(
    files: &'f F,
    config: &Config,
    cs: &CsDiagnostic<FileId>,
    color: bool,
) -> Result<String, FilesError> {
    if color {
        let mut writer = Ansi::new(Vec::new());
        term::emit_to_write_style(&mut writer, config, files, cs)
            .map(|()| String::from_utf8_lossy(&writer.into_inner()).into_owned())
    } else {
        term::emit_into_string(config, files, cs)
    }
}

/// Our diagnostic in codespan's terms. Labels in files the map does not hold are left
/// out (codespan could not show their lines) and named in a note instead.
fn to_codespan(d: &Diagnostic, sources: &SourceMap) -> CsDiagnostic<FileId> {
    let severity = match d.severity {
        Severity::Error => CsSeverity::Error,
        Severity::Warning => CsSeverity::Warning,
    };
    let mut notes = Vec::new();
    let mut labels = Vec::new();
    for l in &d.labels {
        let Some(file) = sources.get(l.span.file) else {
            notes.push(format!(
                "note: {} (in a file that is not loaded)",
                l.message
            ));
            continue;
        };
        let range = clamp(file, l.span);
        let label = if l.primary {
            CsLabel::primary(l.span.file, range)
        } else {
            CsLabel::secondary(l.span.file, range)
        };
        labels.push(label.with_message(&l.message));
    }
    notes.extend(notes_and_help(d));
    CsDiagnostic::new(severity)
        .with_code(d.code.id)
        .with_message(&d.message)
        .with_labels(labels)
        .with_notes(notes)
}

/// `file:line:col: error[E0006]: message`, the fallback when codespan cannot render.
fn one_line(d: &Diagnostic, sources: &SourceMap) -> String {
    let place = d
        .primary_span()
        .and_then(|s| Position::of(sources, s))
        .map(|p| format!("{}:{}:{}: ", p.file, p.line, p.column))
        .unwrap_or_default();
    format!(
        "{place}{}[{}]: {}\n",
        d.severity.as_str(),
        d.code.id,
        d.message
    )
}

/// The source map as codespan's file database.
struct SourceFiles<'m>(&'m SourceMap);

impl SourceFiles<'_> {
    fn file(&self, id: FileId) -> Result<&SourceFile, FilesError> {
        self.0.get(id).ok_or(FilesError::FileMissing)
    }
}

impl<'a> Files<'a> for SourceFiles<'_> {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        Ok(&self.file(id)?.name)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        Ok(&self.file(id)?.text)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, FilesError> {
        Ok(self.file(id)?.line_index(byte_index))
    }

    /// The line's bytes with its terminator, as codespan's own `SimpleFile` gives them:
    /// codespan trims `\r\n` itself, and a label may end just past the line's text.
    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, FilesError> {
        let file = self.file(id)?;
        let starts = file.line_starts();
        let start = *starts.get(line_index).ok_or(FilesError::LineTooLarge {
            given: line_index,
            max: starts.len() - 1,
        })?;
        let end = starts
            .get(line_index + 1)
            .copied()
            .unwrap_or(file.text.len());
        Ok(start..end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::codes;
    use crate::diagnostics::render::test_support::{diagnostics, sources};
    use crate::syntax::span::Span;

    #[test]
    fn plain_output_has_codes_labels_in_both_files_notes_and_help() {
        let (map, a, b, empty) = sources();
        let out = render(&diagnostics(a, b, empty), &map, false);
        let expected = "\
error[E0006]: unexpected `;`, 100% wrong
  ┌─ service.fw:3:11
  │
3 │   let x = ;
  │           ^ expected an expression
  │
  ┌─ spec/env.fw:2:3
  │
2 │   version = \"3.1\"
  │   --------------- declared here: `version`, a string
  │
  = note: first line
    second line
  = help: write a value, like `1`

warning[W0001]: doc comment documents nothing
  ┌─ spec/env.fw:4:1
  │
4 │ 
  │ ^ the file ends here

error[E0007]: unexpected end of file
  ┌─ empty.fw:1:1
  │
1 │ 
  │ ^ expected a declaration

";
        assert_eq!(out, expected);
        assert!(!out.contains('\u{1b}'), "no ANSI escapes without colour");
    }

    #[test]
    fn columns_count_characters_after_a_tab_and_non_ascii_text() {
        let (map, a, ..) = sources();
        let port = "service \"wéb\" {\r\n\tinput { ".len();
        let d = Diagnostic::new(codes::UNEXPECTED_TOKEN, "unexpected name")
            .with_primary(Span::new(a, port, port + 4), "here");
        let out = render(&[d], &map, false);
        assert!(out.contains("┌─ service.fw:2:10\n"), "{out}");
        assert!(
            !out.contains('\r'),
            "CRLF line ends are not echoed: {out:?}"
        );
    }

    #[test]
    fn colour_output_uses_ansi_escapes() {
        let (map, a, b, empty) = sources();
        let out = render(&diagnostics(a, b, empty), &map, true);
        assert!(out.contains('\u{1b}'));
        assert!(out.contains("error[E0006]"));
    }

    #[test]
    fn labels_in_unknown_files_and_past_the_end_do_not_panic() {
        let (map, a, ..) = sources();
        let d = Diagnostic::new(codes::UNEXPECTED_TOKEN, "unexpected `x`")
            .with_primary(Span::new(a, 5_000, 6_000), "past the end")
            .with_secondary(Span::new(FileId(42), 0, 1), "elsewhere");
        let out = render(&[d], &map, false);
        assert!(out.contains("error[E0006]: unexpected `x`"));
        assert!(out.contains("= note: elsewhere (in a file that is not loaded)"));
    }
}
