//! A large file parses in parts, in parallel: split at top-level items, each part
//! lexed and parsed on its own, the items put back in order. There are up to two parts
//! per thread, so that when one core falls behind (as a shared machine's often does)
//! the other takes over its second part.
//!
//! The result is the whole file's parse, or nothing. A part starts at a line that
//! begins with an item's keyword (`environment`, `service`, `module`, `import`,
//! `type`), as every item does in a formatted file. Every part but the last must end
//! as a file could (its lexer [`ended_clean`](Lexer::ended_clean): no string, comment
//! or bracket open), and every part must lex and parse without a single error. Then
//! each part is a list of whole items; since the grammar is LR(1), and so unambiguous,
//! the items of the parts, in order, are the only parse of the whole, and the one the
//! sequential parser builds. Spans are the file's own: each part's lexer starts at its
//! offset in the whole text. Anything else (a small file, no place to split, any
//! error) returns `None`, and the file is parsed whole, which is also what reports
//! the errors: diagnostics never depend on the split.

use rayon::prelude::*;

use crate::syntax::ast::{Comment, Item};
use crate::syntax::grammar_util::ParseState;
use crate::syntax::lexer::Lexer;
use crate::syntax::parse::grammar;
use crate::syntax::span::FileId;

/// Files smaller than twice this parse whole: a part must be worth a thread.
pub const MIN_PART_BYTES: usize = 64 * 1024;

/// What a line that starts a top-level item begins with.
const ITEM_STARTS: [&str; 5] = ["environment ", "service ", "module ", "import ", "type "];

/// The items and comments of `src`, parsed in up to `2 * threads` parts on the thread
/// pool; `None` when the file should be parsed whole (see the module's comment).
pub fn parse_items_in_parts(
    src: &str,
    file: FileId,
    threads: usize,
) -> Option<(Vec<Item>, Vec<Comment>)> {
    let parts = split(src, threads)?;
    let parsed: Vec<(Vec<Item>, Vec<Comment>)> = parts
        .par_iter()
        .map(|&(start, end)| parse_part(src, file, start, end))
        .collect::<Option<_>>()?;
    let mut items = Vec::with_capacity(parsed.iter().map(|p| p.0.len()).sum());
    let mut comments = Vec::with_capacity(parsed.iter().map(|p| p.1.len()).sum());
    for (part_items, part_comments) in parsed {
        items.extend(part_items);
        comments.extend(part_comments);
    }
    Some((items, comments))
}

/// Byte ranges covering `src`, at most `2 * threads` of them and each at least
/// [`MIN_PART_BYTES`], split at lines that start items; `None` for fewer than two, or
/// with one thread.
pub fn split(src: &str, threads: usize) -> Option<Vec<(usize, usize)>> {
    let count = (2 * threads).min(src.len() / MIN_PART_BYTES);
    if threads < 2 || count < 2 {
        return None;
    }
    let mut bounds = vec![0];
    for i in 1..count {
        let target = src.len() / count * i;
        let last = bounds.last().copied().unwrap_or(0);
        if let Some(at) = item_line_from(src, target.max(last + MIN_PART_BYTES))
            && src.len() - at >= MIN_PART_BYTES
        {
            bounds.push(at);
        }
    }
    if bounds.len() < 2 {
        return None;
    }
    bounds.push(src.len());
    Some(bounds.windows(2).map(|w| (w[0], w[1])).collect())
}

/// The first line start at or after `from` whose line begins with an item keyword.
fn item_line_from(src: &str, from: usize) -> Option<usize> {
    let bytes = src.as_bytes();
    let mut at = from;
    while at < bytes.len() {
        let line = bytes[at..].iter().position(|&b| b == b'\n')? + at + 1;
        let rest = &bytes[line..];
        if ITEM_STARTS.iter().any(|k| rest.starts_with(k.as_bytes())) {
            return Some(line);
        }
        at = line;
    }
    None
}

/// One part's items and comments, if it lexes and parses cleanly and ends where a
/// file could.
fn parse_part(
    src: &str,
    file: FileId,
    start: usize,
    end: usize,
) -> Option<(Vec<Item>, Vec<Comment>)> {
    let mut lexer = Lexer::part(src, file, start, end)?;
    let mut state = ParseState::new(file, src);
    let items = grammar::FileParser::new()
        .parse(&mut state, lexer.kinds())
        .ok()?;
    (state.errors.is_empty() && lexer.ended_clean()).then_some((items, lexer.comments))
}
