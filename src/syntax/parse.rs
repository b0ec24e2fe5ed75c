//! The one entry point of the parser: text in, a tree and its syntax errors out.
//!
//! Parsing never fails. Whatever the input, [`parse`] returns a [`SourceFile`]; broken
//! parts become `Error` nodes and [`SyntaxError`]s, so the checker and the editor
//! always have a tree to work on. Nothing outside `syntax/` sees lalrpop's types.

use crate::syntax::ast::*;
use crate::syntax::error::SyntaxError;
use crate::syntax::grammar_util::{self, ParseState};
use crate::syntax::lexer::Lexer;
use crate::syntax::parts;
use crate::syntax::span::{FileId, MAX_SOURCE_BYTES, Span};

lalrpop_util::lalrpop_mod!(
    #[allow(clippy::all, clippy::pedantic, unused_qualifications, dead_code)]
    pub(super) grammar,
    "/formwork.rs"
);

/// At most this many syntax errors are reported per file; the rest are summarised.
pub const MAX_ERRORS_PER_FILE: usize = 100;

#[derive(Debug, Clone)]
pub struct Parsed {
    pub file: SourceFile,
    /// Errors and warnings (`DanglingDocComment`), in source order.
    pub errors: Vec<SyntaxError>,
}

/// Parses one file's text. `src` must be the text the [`crate::syntax::span::SourceMap`]
/// holds for `file`, so that spans point into it. A large file is parsed in parts, in
/// parallel, when it can be ([`parts`]); the result is always what [`parse_whole`]
/// gives.
pub fn parse(src: &str, file: FileId) -> Parsed {
    parse_in_parts(src, file, rayon::current_num_threads())
        .unwrap_or_else(|| parse_whole(src, file))
}

/// Parses a large file in parts (up to two per thread), in parallel; `None` when it
/// must be parsed whole (too small, no place to split, or any error: see [`parts`]).
pub fn parse_in_parts(src: &str, file: FileId, threads: usize) -> Option<Parsed> {
    if src.len() > MAX_SOURCE_BYTES {
        return None;
    }
    let (items, comments) = parts::parse_items_in_parts(src, file, threads)?;
    Some(finish(src, file, items, comments, Vec::new()))
}

/// Parses one file's text in one go, on this thread.
pub fn parse_whole(src: &str, file: FileId) -> Parsed {
    let whole = Span::new(file, 0, src.len());
    if src.len() > MAX_SOURCE_BYTES {
        return Parsed {
            file: SourceFile {
                items: Vec::new(),
                trivia: Trivia::default(),
                span: whole,
            },
            errors: vec![SyntaxError::FileTooLarge {
                span: Span::new(file, 0, 0),
                size: src.len() as u64,
                limit: MAX_SOURCE_BYTES as u64,
            }],
        };
    }
    let mut lexer = Lexer::new(src, file);
    let mut state = ParseState::new(file, src);
    let result = grammar::FileParser::new().parse(&mut state, lexer.kinds());
    let items = match result {
        Ok(items) => items,
        Err(e) => {
            state.errors.extend(grammar_util::parse_error(file, src, e));
            Vec::new()
        }
    };
    let mut errors = lexer.errors;
    let mut parser_errors = drop_cascades(state.errors, &lexer.token_starts);
    // A file that ends inside an unterminated comment or string ends early: that is
    // the one mistake, not the end of file that follows from it.
    if errors.iter().any(|e| {
        matches!(
            e,
            SyntaxError::UnterminatedBlockComment { .. }
                | SyntaxError::UnterminatedString { .. }
                | SyntaxError::UnterminatedInterpolation { .. }
        )
    }) {
        parser_errors.retain(|e| !matches!(e, SyntaxError::UnexpectedEof { .. }));
    }
    errors.extend(parser_errors);
    // The lexer's bracket limit and the grammar's nesting limit can both trip on one
    // deep construct; each reports once per file, and so must the two together.
    let mut too_deep_seen = false;
    errors.retain(|e| {
        !matches!(e, SyntaxError::NestingTooDeep { .. })
            || !std::mem::replace(&mut too_deep_seen, true)
    });
    finish(src, file, items, lexer.comments, errors)
}

/// The file's tree from its items and comments, doc comments attached.
fn finish(
    src: &str,
    file: FileId,
    items: Vec<Item>,
    comments: Vec<Comment>,
    mut errors: Vec<SyntaxError>,
) -> Parsed {
    let mut file_ast = SourceFile {
        items,
        trivia: Trivia { comments },
        span: Span::new(file, 0, src.len()),
    };
    errors.extend(crate::syntax::docs::attach_docs(&mut file_ast, src));
    Parsed {
        file: file_ast,
        errors: tidy_errors(errors),
    }
}

/// How many tokens the parser must read past one error before another counts.
const TOKENS_BETWEEN_ERRORS: usize = 3;

/// Drops parser errors that follow another within a few tokens: after recovery the
/// parser often trips again on the rest of the same mistake, and one mistake should
/// give one error.
fn drop_cascades(mut errors: Vec<SyntaxError>, token_starts: &[u32]) -> Vec<SyntaxError> {
    errors.sort_by_key(|e| (e.span().start, e.span().end));
    let mut last_token: Option<usize> = None;
    errors.retain(|e| {
        if !matches!(
            e,
            SyntaxError::UnexpectedToken { .. } | SyntaxError::UnexpectedEof { .. }
        ) {
            return true;
        }
        let index = token_starts.partition_point(|&s| s < e.span().start);
        let keep = last_token.is_none_or(|last| index >= last + TOKENS_BETWEEN_ERRORS);
        if keep {
            last_token = Some(index);
        }
        keep
    });
    errors
}

/// Sorts errors by position, drops repeats at one place, and caps their number.
fn tidy_errors(mut errors: Vec<SyntaxError>) -> Vec<SyntaxError> {
    errors.sort_by_key(|e| (e.span().start, e.span().end));
    errors.dedup_by(|b, a| a.span().start == b.span().start && same_kind(a, b));
    if errors.len() > MAX_ERRORS_PER_FILE {
        let span = errors[MAX_ERRORS_PER_FILE].span();
        errors.truncate(MAX_ERRORS_PER_FILE);
        errors.push(SyntaxError::TooManyErrors {
            span,
            limit: MAX_ERRORS_PER_FILE,
        });
    }
    errors
}

fn same_kind(a: &SyntaxError, b: &SyntaxError) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
        || matches!(
            (a, b),
            (
                SyntaxError::UnexpectedToken { .. } | SyntaxError::UnexpectedEof { .. },
                SyntaxError::UnexpectedToken { .. } | SyntaxError::UnexpectedEof { .. }
            )
        )
}

/// Decodes a file's bytes. Invalid UTF-8 is reported at its first bad byte, and the
/// text is kept (lossily) only so the report can show the line.
pub fn decode_source(bytes: &[u8], file: FileId) -> (String, Option<SyntaxError>) {
    if bytes.len() > MAX_SOURCE_BYTES {
        let err = SyntaxError::FileTooLarge {
            span: Span::new(file, 0, 0),
            size: bytes.len() as u64,
            limit: MAX_SOURCE_BYTES as u64,
        };
        return (String::new(), Some(err));
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), None),
        Err(e) => {
            let text = String::from_utf8_lossy(bytes).into_owned();
            let offset = e.valid_up_to();
            // The lossy text agrees with the bytes up to `offset`, where U+FFFD now stands.
            let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
            let at = offset.saturating_sub(bom);
            let err = SyntaxError::InvalidUtf8 {
                span: Span::new(file, at, at + '\u{fffd}'.len_utf8()),
                offset,
            };
            (text, Some(err))
        }
    }
}
