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
//! **Blank lines.** Top-level items are separated by exactly one blank line, except
//! that consecutive `import`s form a group: between two of them the user's choice of
//! none or one is kept. Elsewhere (in a declaration body and in every sequence
//! written one element per line) a blank line the user left between two elements or
//! comments is kept, and several collapse into one. There is never a blank line
//! right after an opening bracket, before a closing one, or at the start of the file.
//!
//! **Items.** `import "path.fw" as name`, `import std.aws as aws`,
//! `type Name = Type`, and `service "web" {` … `}` (also `environment`, `module`), the
//! body one item per line at one more level of indentation, `service "web" {}` when
//! empty. Body items: `name = expr`; `requires environment "x" CONSTRAINT`;
//! `input { … }` and `pipeline input { … }` holding fields `name: Type = default`;
//! `let x = expr`, `let x: T = expr`; `use app = std.aws.fargate_service { … }` holding
//! attributes; `resource name: TYPE when EXPR for x in EXPR { … }` holding
//! attributes; `output name: T = expr`, `output name = expr`; `pipeline { … }`
//! holding attributes and steps `KEYWORD ARG` or `KEYWORD ARG { … }`
//! (`stage "build" { … }`, `run "make"`, `deploy instances`, `notify ["a", "b"]`).
//!
//! **Version constraints.** Comparators joined by `, `, alternatives by ` || `, each
//! operator tight against its version: `^3.0`, `>=1.2, <2`, `^1 || ^2`, `=3.1`, `~2.4`.
//! Versions keep the user's digits (`3.0` stays `3.0`, `3` stays `3`); a wildcard is
//! written `3.x` (`3.X` and `3.*` become `3.x`).
//!
//! **Sequences, on one line or several.** A declaration body is always one item per
//! line. Every other bracketed sequence (input blocks, `use` arguments, resource
//! bodies, `pipeline { … }`, step bodies, lists, maps, record types, match arms) keeps
//! the user's choice: if its opening and closing brackets were on the same source
//! line, it is written on one line, with `, ` between elements and, inside braces, one
//! space after `{` and before `}`: `[1, 2, 3]`, `{ a = 1, b = 2 }`,
//! `input { port: Int = 80 }`, `{ name: String, port: Int = 80 }`,
//! `match s { "a" => 1, _ => 2 }`, `stage "build" { run "make" }`. Otherwise it is
//! written one element per line at one more level of indentation, with the closing
//! bracket on a line of its own at the level of the line that opened it; then list
//! elements and match arms end with `,` (the last one too), while items, fields,
//! attributes, map entries and steps have no comma. An empty sequence is `[]` or `{}`
//! either way; one holding only comments is written like a non-empty one.
//!
//! **Expressions** are written on one line, breaking only inside a multi-line list,
//! map or match they contain: one space around every binary operator (`a + b`,
//! `a == b`, `a && b`), around `=` and `=>`, and around `|` in unions and patterns;
//! nothing after a prefix operator (`!x`, `-x`, but `- -x`, so that it does not read as
//! `--`); nothing around `.`, or inside `()`, `[]` and `<>` (`a.b`, `a[i]`, `f(a, b)`,
//! `(a + b)`, where parentheses are kept as written); `if c then a else b`,
//! `[for x in xs : f(x) if c]`, `{for k, v in m : k => v}` (no spaces inside the
//! brackets of a comprehension). A call's arguments break only where an argument is
//! itself a multi-line list, map or match: `f({` … `}, x)`. Numbers keep their text
//! (`2.10`, `1_000`, `2e3`). A member of an integer literal keeps a space, `1 .x`,
//! because `1.x` is a version wildcard.
//!
//! **Types.** `String`, `std.net.Cidr`, `List<String>`, `Map<String, Int>`, `T?`,
//! `A | B`, `(T)`, `"small"`, `80`, `true`, `Int in 1..65535`, `Int in 1..`,
//! `Number in ..-1.5`, `String len 1..64` (`..` tight, bounds as written),
//! `String matches /re/` (the pattern byte for byte).
//!
//! **Strings** are written from their source pieces, so escapes stay byte for byte;
//! only the expressions inside `${…}` are reformatted: `"${ a+b }"` becomes
//! `"${a + b}"`.
//!
//! **Comments.** Every comment is printed exactly once, in source order. Line (`//`)
//! and doc (`///`) comments keep their text, less trailing whitespace; block comments
//! (`/* */`) are copied as written, with `\n` line ends and no trailing whitespace on
//! their lines (their inner lines are not re-indented).
//! - A comment on its own line before an item, field, attribute, map entry, list
//!   element, match arm or step of a declaration body or of a sequence written one
//!   element per line stays on its own line before it, at its indentation. (So does
//!   a comment before a top-level item.)
//! - A comment after code on the same source line stays at the end of that line,
//!   after one space. This includes a comment after an opening `{` or `[` and after
//!   a closing one.
//! - A comment before a closing `}` or `]` of a multi-line sequence stays inside it,
//!   on its own line before the bracket.
//! - A block comment on one line that is followed, on the same line, by an item, a
//!   name, an expression, a type, a string or the closing bracket of a one-line
//!   sequence stays in place: `/* a */ let x = /* b */ 1`, `[1, 2 /* c */]`.
//! - Any other comment inside code written on one line (a line comment in a call
//!   spread over several lines, a block comment over several lines inside an
//!   expression) moves to the end of that output line. Only one line comment fits
//!   there, so a second one, and every comment after it, moves to its own line before
//!   the next element (or the closing bracket).
//! - Comments after the last item stay at the end of the file.
//!
//! One consequence to know: a `///` comment inside code (between a keyword and its
//! `{`, say), which documents nothing, may move to just before the next item and
//! then document it.

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
