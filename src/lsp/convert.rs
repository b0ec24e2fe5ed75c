//! Every mapping between the compiler's byte spans and LSP positions, and between
//! file paths and URIs; diagnostics in LSP's terms (code, page, related locations).
//!
//! Positions count UTF-8 bytes or UTF-16 code units, whichever was negotiated at
//! `initialize` (`general.positionEncodings`; UTF-16 is the protocol's default).

use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_types::{
    CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    Position, Range, Uri,
};

use crate::diagnostics::{Diagnostic, Severity};
use crate::syntax::span::{SourceMap, Span};

/// How a position's `character` counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

/// The byte offset where each line of `text` starts.
pub fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

/// The byte offset of `pos` in `text` (clamped to the line's end and the text's).
pub fn offset(text: &str, starts: &[usize], pos: Position, enc: Encoding) -> usize {
    let Some(&start) = starts.get(pos.line as usize) else {
        return text.len();
    };
    let end = starts
        .get(pos.line as usize + 1)
        .map(|e| e - 1)
        .unwrap_or(text.len());
    let line = text.get(start..end).unwrap_or("");
    let want = pos.character as usize;
    let mut units = 0;
    for (i, c) in line.char_indices() {
        if units >= want {
            return start + i;
        }
        units += match enc {
            Encoding::Utf8 => c.len_utf8(),
            Encoding::Utf16 => c.len_utf16(),
        };
    }
    end
}

/// The position of byte `offset` in `text`.
pub fn position(text: &str, starts: &[usize], offset: usize, enc: Encoding) -> Position {
    let offset = offset.min(text.len());
    let line = match starts.binary_search(&offset) {
        Ok(l) => l,
        Err(next) => next.saturating_sub(1),
    };
    let start = starts.get(line).copied().unwrap_or(0);
    let prefix = text.get(start..offset).unwrap_or("");
    let character = match enc {
        Encoding::Utf8 => prefix.len(),
        Encoding::Utf16 => prefix.chars().map(char::len_utf16).sum(),
    };
    Position::new(line as u32, character as u32)
}

/// The range of `span` in the source map's copy of its file.
pub fn range(map: &SourceMap, span: Span, enc: Encoding) -> Range {
    let Some(f) = map.get(span.file) else {
        return Range::default();
    };
    let starts = f.line_starts();
    Range::new(
        position(&f.text, starts, span.start as usize, enc),
        position(&f.text, starts, span.end as usize, enc),
    )
}

/// The `file://` URI of an absolute path (each byte outside the unreserved set
/// percent-encoded).
pub fn path_to_uri(path: &Path) -> Option<Uri> {
    let s = path.to_str()?;
    let mut out = String::from("file://");
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Uri::from_str(&out).ok()
}

/// The path of a `file://` URI, percent-decoded; `None` for other schemes.
pub fn uri_to_path(uri: &Uri) -> Option<PathBuf> {
    let s = uri.as_str();
    let rest = s.strip_prefix("file://")?;
    // `file://host/path`: only the local host (empty or `localhost`) is a path here.
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    if !rest.starts_with('/') {
        return None;
    }
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(h) = rest.get(i + 1..i + 3)
            && let Ok(v) = u8::from_str_radix(h, 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).ok().map(PathBuf::from)
}

/// Where the page of a code is (see [`super::pages`]), as a URI for `codeDescription`.
pub type PageUri = dyn Fn(&str) -> Option<Uri>;

/// A diagnostic in LSP's terms: its primary span as the range, the code with its
/// page, the help line and notes after the message, secondary labels (in any file the
/// map holds a path for) as related information.
pub fn diagnostic(
    d: &Diagnostic,
    map: &SourceMap,
    enc: Encoding,
    uri_of: &dyn Fn(crate::syntax::span::FileId) -> Option<Uri>,
    page: &PageUri,
) -> lsp_types::Diagnostic {
    let primary = d.primary_span().unwrap_or_default();
    let mut message = d.message.clone();
    if let Some(label) = d.labels.iter().find(|l| l.primary)
        && !label.message.is_empty()
    {
        message.push_str(&format!("\n{}", label.message));
    }
    for n in &d.notes {
        message.push_str(&format!("\nnote: {n}"));
    }
    if let Some(h) = &d.help {
        message.push_str(&format!("\nhelp: {h}"));
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .labels
        .iter()
        .filter(|l| !l.primary)
        .filter_map(|l| {
            Some(DiagnosticRelatedInformation {
                location: Location::new(uri_of(l.span.file)?, range(map, l.span, enc)),
                message: l.message.clone(),
            })
        })
        .collect();
    lsp_types::Diagnostic {
        range: range(map, primary, enc),
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.id.to_string())),
        code_description: page(d.code.id).map(|href| CodeDescription { href }),
        source: Some("formwork".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_round_trip_in_both_encodings() {
        let text = "ab\néx😀y\n";
        let starts = line_starts(text);
        for enc in [Encoding::Utf8, Encoding::Utf16] {
            for off in [0, 1, 3, 5, 10, 11] {
                let p = position(text, &starts, off, enc);
                assert_eq!(offset(text, &starts, p, enc), off, "{enc:?} {off}");
            }
        }
        assert_eq!(
            position(text, &starts, 10, Encoding::Utf16),
            Position::new(1, 4)
        );
        assert_eq!(
            position(text, &starts, 10, Encoding::Utf8),
            Position::new(1, 7)
        );
    }

    #[test]
    fn uris_and_paths() {
        let p = Path::new("/tmp/a b/c%d.fw");
        let uri = path_to_uri(p).expect("a valid uri");
        assert_eq!(uri.as_str(), "file:///tmp/a%20b/c%25d.fw");
        assert_eq!(uri_to_path(&uri).as_deref(), Some(p));
    }
}
