//! Formatting with `fmt`'s own formatter (`format::format_source`): the whole
//! document, or a range (its lines as the whole document's formatting writes them,
//! when that formatting changes nothing outside them). A file that does not parse
//! is left as it is.

use lsp_types::{
    DocumentFormattingParams, DocumentRangeFormattingParams, Position, Range, TextEdit,
};

use crate::lsp::convert;
use crate::lsp::state::State;

fn text_of(state: &State, uri: &lsp_types::Uri) -> Option<String> {
    let path = convert::uri_to_path(uri)?;
    if path.extension().is_none_or(|e| e != "fw") {
        return None;
    }
    match state.documents.get(&path) {
        Some(d) => Some(d.text.clone()),
        None => std::fs::read_to_string(&path).ok(),
    }
}

/// One edit replacing the whole text, when formatting changes it.
pub fn document(state: &State, p: DocumentFormattingParams) -> Option<Vec<TextEdit>> {
    let text = text_of(state, &p.text_document.uri)?;
    let formatted = crate::format::format_source(&text).ok()?;
    if formatted == text {
        return Some(Vec::new());
    }
    let starts = convert::line_starts(&text);
    let end = convert::position(&text, &starts, text.len(), state.enc());
    Some(vec![TextEdit::new(
        Range::new(Position::new(0, 0), end),
        formatted,
    )])
}

/// The lines of the range, replaced by the same lines of the formatted document
/// when the lines outside the range are unchanged by formatting; otherwise
/// nothing (formatting the range alone would change more than the range).
pub fn range(state: &State, p: DocumentRangeFormattingParams) -> Option<Vec<TextEdit>> {
    let text = text_of(state, &p.text_document.uri)?;
    let formatted = crate::format::format_source(&text).ok()?;
    let old: Vec<&str> = text.split_inclusive('\n').collect();
    let new: Vec<&str> = formatted.split_inclusive('\n').collect();
    let first = p.range.start.line as usize;
    let last = (p.range.end.line as usize).min(old.len().saturating_sub(1));
    if first > last {
        return Some(Vec::new());
    }
    // The lines before the range and after it must be the same in both.
    let after = old.len() - last - 1;
    if new.len() < first + after
        || old[..first] != new[..first]
        || old[last + 1..] != new[new.len() - after..]
    {
        return Some(Vec::new());
    }
    let replacement: String = new[first..new.len() - after].concat();
    let original: String = old[first..=last].concat();
    if replacement == original {
        return Some(Vec::new());
    }
    Some(vec![TextEdit::new(
        Range::new(
            Position::new(first as u32, 0),
            Position::new(last as u32 + 1, 0),
        ),
        replacement,
    )])
}
