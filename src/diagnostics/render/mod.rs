//! Rendering diagnostics for people (`human`: codespan-reporting) and for machines
//! (`json`, `github` workflow commands, `sarif` 2.1.0). Every format resolves spans
//! through [`Position`], so they all agree on lines and columns: 1-based, columns
//! counting characters (not bytes, not UTF-16 units), end positions exclusive.
//!
//! Rendering never panics: a span past the end of its file or inside a character is
//! clamped, and a label in a file the source map does not hold is shown without a
//! place rather than dropped silently or trusted blindly.

mod github;
mod human;
mod json;
mod masked;
mod sarif;
mod window;

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use crate::diagnostics::diagnostic::Diagnostic;
use crate::syntax::span::{SourceFile, SourceMap, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Github,
    Sarif,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Format; 4] = [Format::Human, Format::Json, Format::Github, Format::Sarif];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Github => "github",
            Format::Sarif => "sarif",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Format, String> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| format!("unknown format `{s}`: expected human, json, github or sarif"))
    }
}

/// Renders `diags` (already in the order to show them) in `format`. `color` applies to
/// `Human` only; the machine formats are never coloured.
pub fn render(diags: &[Diagnostic], sources: &SourceMap, format: Format, color: bool) -> String {
    match format {
        Format::Human => human::render(diags, sources, color),
        Format::Json => json::render(diags, sources),
        Format::Github => github::render(diags, sources),
        Format::Sarif => sarif::render(diags, sources),
    }
}

/// A span resolved for display: the file's name and 1-based lines and columns, the end
/// exclusive (a zero-width span has `end == start`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Position<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
}

impl<'a> Position<'a> {
    /// Where `span` is, or `None` when its file is not in `sources`.
    fn of(sources: &'a SourceMap, span: Span) -> Option<Position<'a>> {
        let file = sources.get(span.file)?;
        let range = clamp(file, span);
        let (line, column) = file.line_col(range.start);
        let (end_line, end_column) = file.line_col(range.end);
        Some(Position {
            file: &file.name,
            line,
            column,
            end_line,
            end_column,
        })
    }
}

/// `span`'s byte range, cut to the file's length and widened outwards to character
/// boundaries, so that slicing the text with it cannot panic.
fn clamp(file: &SourceFile, span: Span) -> Range<usize> {
    let text = &file.text;
    let mut start = (span.start as usize).min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (span.end as usize).clamp(start, text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

/// The notes and help of `d` as lines, `note: …` and `help: …`, for the formats with a
/// single text field.
fn notes_and_help(d: &Diagnostic) -> impl Iterator<Item = String> + '_ {
    let notes = d.notes.iter().map(|n| format!("note: {n}"));
    notes.chain(d.help.iter().map(|h| format!("help: {h}")))
}

#[cfg(test)]
mod test_support {
    //! Diagnostics shared by the format tests.

    use crate::diagnostics::codes;
    use crate::diagnostics::diagnostic::Diagnostic;
    use crate::syntax::span::{FileId, SourceMap, Span};

    /// Two files: `service.fw` (CRLF line ends, a tab, a non-ASCII name) and
    /// `spec/env.fw`, plus an empty `empty.fw`.
    pub fn sources() -> (SourceMap, FileId, FileId, FileId) {
        let mut map = SourceMap::new();
        let a = map.add(
            "service.fw",
            "service \"wéb\" {\r\n\tinput { port: Int = 80 }\r\n  let x = ;\r\n}\r\n",
        );
        let b = map.add(
            "spec/env.fw",
            "environment \"vpc\" {\n  version = \"3.1\"\n}\n",
        );
        let empty = map.add("empty.fw", "");
        (map, a, b, empty)
    }

    /// An error in `a` at `;` (line 3, column 11) with a secondary label in `b`, a
    /// note and a help line; a warning at the zero-width end of `b`; an error in the
    /// empty file.
    pub fn diagnostics(a: FileId, b: FileId, empty: FileId) -> Vec<Diagnostic> {
        let semi = "service \"wéb\" {\r\n\tinput { port: Int = 80 }\r\n  let x = ".len();
        let b_len = "environment \"vpc\" {\n  version = \"3.1\"\n}\n".len();
        vec![
            Diagnostic::new(codes::UNEXPECTED_TOKEN, "unexpected `;`, 100% wrong")
                .with_primary(Span::new(a, semi, semi + 1), "expected an expression")
                .with_secondary(Span::new(b, 22, 37), "declared here: `version`, a string")
                .with_note("first line\nsecond line")
                .with_help("write a value, like `1`"),
            Diagnostic::new(codes::DANGLING_DOC_COMMENT, "doc comment documents nothing")
                .with_primary(Span::new(b, b_len, b_len), "the file ends here"),
            Diagnostic::new(codes::UNEXPECTED_EOF, "unexpected end of file")
                .with_primary(Span::new(empty, 0, 0), "expected a declaration"),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::span::FileId;

    #[test]
    fn formats_parse_from_their_names() {
        for f in Format::ALL {
            assert_eq!(f.as_str().parse::<Format>(), Ok(f));
        }
        assert!("xml".parse::<Format>().unwrap_err().contains("`xml`"));
    }

    #[test]
    fn positions_count_characters_and_clamp() {
        let mut map = SourceMap::new();
        let f = map.add("a.fw", "é\tx\r\ny");
        // `x` is the third character of line 1 although it starts at byte 3.
        let p = Position::of(&map, Span::new(f, 3, 4)).unwrap();
        assert_eq!((p.line, p.column, p.end_line, p.end_column), (1, 3, 1, 4));
        // Inside `é`, and past the end: widened to `é`, cut to the end.
        let p = Position::of(&map, Span::new(f, 1, 1)).unwrap();
        assert_eq!((p.column, p.end_column), (1, 2));
        let p = Position::of(&map, Span::new(f, 90, 99)).unwrap();
        assert_eq!((p.line, p.column, p.end_line, p.end_column), (2, 2, 2, 2));
        assert_eq!(Position::of(&map, Span::new(FileId(7), 0, 0)), None);
    }
}
