//! What a human message may not print as it is: a secret written in plain text
//! (the diagnostic's `redact` spans), and control characters, which a terminal would
//! act on (a NUL, an escape sequence) instead of showing. Both are replaced byte for
//! byte, so every offset, line and column of the diagnostic stays the file's own: a
//! secret's bytes by `*`, a control character by `?`.

use std::collections::BTreeSet;

use crate::diagnostics::diagnostic::Diagnostic;
use crate::syntax::span::{FileId, SourceMap};

/// A copy of `sources` with what `d` may not show masked, or `None` when nothing in
/// its files needs it. Files the diagnostic does not label are copied empty (only
/// their ids must stay the same).
pub(super) fn masked(d: &Diagnostic, sources: &SourceMap) -> Option<SourceMap> {
    let labelled: BTreeSet<FileId> = d.labels.iter().map(|l| l.span.file).collect();
    let needs = !d.redact.is_empty()
        || labelled.iter().any(|id| {
            sources
                .get(*id)
                .is_some_and(|f| f.text.bytes().any(is_control))
        });
    if !needs {
        return None;
    }
    let mut out = SourceMap::new();
    for (id, file) in sources.files() {
        if !labelled.contains(&id) {
            out.add(file.name.clone(), String::new());
            continue;
        }
        let mut bytes = file.text.clone().into_bytes();
        for b in bytes.iter_mut() {
            if is_control(*b) {
                *b = b'?';
            }
        }
        for span in d.redact.iter().filter(|s| s.file == id) {
            let end = span.range().end.min(bytes.len());
            let start = span.range().start.min(end);
            for b in &mut bytes[start..end] {
                if !matches!(*b, b'\n' | b'\r') {
                    *b = b'*';
                }
            }
        }
        // Spans fall on character boundaries, so whole characters were replaced and
        // the text is still UTF-8; were it not, a lossy decode keeps it printable.
        let text = String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        out.add(file.name.clone(), text);
    }
    Some(out)
}

/// C0 controls (but tab, line feed and carriage return) and DEL.
fn is_control(b: u8) -> bool {
    (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::codes;
    use crate::syntax::span::Span;

    #[test]
    fn a_redacted_span_and_control_characters_are_masked_byte_for_byte() {
        let mut map = SourceMap::new();
        let other = map.add("other.yaml", "untouched");
        let id = map.add("spec.yaml", "a: hunter2\nb: x\u{1b}[2Jy\n");
        let mut d = Diagnostic::new(codes::PLAIN_SECRET_IN_SPEC, "m")
            .with_primary(Span::new(id, 3, 10), "here");
        d.redact.push(Span::new(id, 3, 10));
        let m = masked(&d, &map).expect("masked");
        let f = m.get(id).expect("the file");
        assert_eq!(f.text, "a: *******\nb: x?[2Jy\n");
        assert_eq!(f.text.len(), map.get(id).expect("the file").text.len());
        assert_eq!(m.get(other).map(|f| f.text.as_str()), Some(""));
    }

    #[test]
    fn nothing_to_mask_is_no_copy() {
        let mut map = SourceMap::new();
        let id = map.add("a.fw", "let x = 1\n");
        let d = Diagnostic::new(codes::PLAIN_SECRET_IN_SPEC, "m")
            .with_primary(Span::new(id, 0, 3), "here");
        assert!(masked(&d, &map).is_none());
    }
}
