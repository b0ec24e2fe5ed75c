//! The engine of `formwork fmt`: a parsed file back to text, in the one canonical
//! layout described below. Broken files are refused, never reformatted (like gofmt):
//! [`format_source`] returns their syntax errors instead.
//!
//! `printer` owns the writer and the comment cursor; `items`, `types` and `exprs`
//! print the tree. Formatting only changes whitespace, optional commas and the
//! spelling of version wildcards, so the formatted file parses to the same tree, and
//! formatting it again changes nothing.
//!
//! # The canonical layout
//!
//! **Text.** UTF-8 without a byte-order mark; `\n` line ends (CRLF becomes LF); two
//! spaces per indentation level; no tabs outside strings, regular expressions and
//! comments; no trailing whitespace; exactly one newline at the end (an empty file
//! stays empty).
//!
//! **Blank lines.** Top-level items are separated by exactly one blank line. Elsewhere
//! a blank line the user left between two items (or comments) of a multi-line block
//! is kept, and several collapse into one. There is never a blank line right after an
//! opening bracket, before a closing one, or at the start of the file.
//!
//! **Items.** `import "path.fw" as name`, `import std.aws as aws`,
//! `type Name = Type`, and `service "web" {` … `}` (also `environment`, `module`), the
//! body one item per line at one more level of indentation, `service "web" {}` when
//! empty. Body items: `name = expr`; `requires environment "x" CONSTRAINT`;
//! `input { … }` and `pipeline input { … }` holding fields `name: Type = default`;
//! `let x = expr`, `let x: T = expr`; `use app = std.aws.fargate_service { … }` holding
//! attributes; `resource name: TYPE when EXPR for x in EXPR { … }` holding
//! attributes; `output name: T = expr`, `output name = expr`; `pipeline { … }`
//! holding attributes and steps `KEYWORD ARG`, `KEYWORD ARG { … }` (`stage "build" {
//! … }`, `run "make"`, `deploy instances`).
//!
//! **Version constraints.** Comparators joined by `, `, alternatives by ` || `, each
//! operator tight against its version: `^3.0`, `>=1.2, <2`, `^1 || ^2`. Versions keep
//! the user's digits (`3.0` stays `3.0`, `3` stays `3`); a wildcard is written `3.x`
//! (`3.X` and `3.*` become `3.x`).
//!
//! **Blocks, one line or several.** A declaration body is always one item per line.
//! Every other bracketed sequence (input blocks, `use` arguments, resource bodies,
//! `pipeline { … }`, step bodies, lists, maps, record types, match arms) keeps the
//! user's choice: if its opening and closing brackets were on the same line it is
//! written on one line, with `, ` between elements and, for braces, one space inside:
//! `[1, 2, 3]`, `{ a = 1, b = 2 }`, `input { port: Int = 80 }`,
//! `{ name: String, port: Int = 80 }`, `match s { "a" => 1, _ => 2 }`,
//! `stage "build" { run "make" }`. Otherwise it is written one element per line at one
//! more level of indentation, the closing bracket on its own line at the opening
//! line's level; then list elements and match arms end with `,`, and items, fields,
//! attributes, map entries and steps have no comma. Empty, a sequence is `[]` or `{}`
//! either way, unless a comment is inside it.
//!
//! **Expressions** are written on one line, breaking only inside a multi-line list,
//! map or match they contain: `a + b`, `a == b`, `a && b` (one space around every
//! binary operator, `=` and `=>`, and `|` in unions and patterns), `!x`, `-x`,
//! `f(a, b)`, `a.b`, `a[i]`, `(a)` (parentheses are kept), `if c then a else b`,
//! `[for x in xs : f(x) if c]`, `{for k, v in m : k => v}`. Calls are on one line:
//! their arguments break only if an argument is itself a multi-line list, map or
//! match. Numbers keep their text (`2.10`, `1_000`).
//!
//! **Types.** `String`, `List<String>`, `Map<String, Int>` (tight brackets, `, `),
//! `T?`, `A | B`, `(T)`, `Int in 1..65535`, `Int in 1..`, `Int in ..9`,
//! `String len 1..64` (`..` tight), `String matches /re/` (the pattern as written).
//!
//! **Strings** are written from their source pieces, so escapes stay byte for byte;
//! only the expressions inside `${…}` are reformatted (`"${a + b}"`).
//!
//! **Comments.** Every comment is printed once, in source order. Line (`//`) and doc
//! (`///`) comments keep their text, less trailing whitespace; block comments
//! (`/* */`) are copied as written, less trailing whitespace on each line.
//! - A comment on its own line(s) before an item, field, attribute, map entry, list
//!   element, match arm or step of a multi-line block stays on its own line before it,
//!   at its indentation.
//! - A comment after code on the same line stays at the end of that line, one space
//!   after the code (this includes a comment after an opening `{` or `[`).
//! - A comment before a closing `}` or `]` stays inside the block, on its own line
//!   before the bracket.
//! - A block comment before an expression, type or string on the same line stays in
//!   place, followed by one space: `x = /* why */ 1`.
//! - Any other comment inside code that is written on one line (a line comment inside
//!   a call spread over several lines, say) moves to the end of that output line; a
//!   second line comment cannot share that line, so it and those after it move to
//!   their own lines before the next item (or the closing bracket).
//! - Comments after the last item stay at the end of the file.

mod exprs;
mod items;
mod printer;
mod types;

use crate::syntax::{FileId, SyntaxError, parse};

/// Formats one file's text. A leading byte-order mark is dropped; the spans of the
/// returned errors are relative to the text after it (as in the source map). Returns
/// the file's syntax errors, if it has any other than dangling doc comments (which
/// are only warnings), and otherwise its canonical text.
pub fn format_source(src: &str) -> Result<String, Vec<SyntaxError>> {
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let parsed = parse(src, FileId(0));
    let errors: Vec<SyntaxError> = parsed
        .errors
        .into_iter()
        .filter(|e| !matches!(e, SyntaxError::DanglingDocComment { .. }))
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut printer = printer::Printer::new(src, &parsed.file.trivia.comments);
    printer.file(&parsed.file);
    Ok(printer.finish())
}
