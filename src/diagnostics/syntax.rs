//! Syntax errors as diagnostics: their codes, messages and help lines.

use crate::diagnostics::codes;
use crate::diagnostics::diagnostic::Diagnostic;
use crate::diagnostics::suggest::did_you_mean;
use crate::syntax::error::{Expected, SyntaxError};

fn expected_text(e: &Expected) -> Option<String> {
    match e.phrases.as_slice() {
        [] => None,
        [one] => Some(one.clone()),
        [init @ .., last] => Some(format!("{} or {last}", init.join(", "))),
    }
}

impl From<SyntaxError> for Diagnostic {
    fn from(e: SyntaxError) -> Diagnostic {
        match e {
            SyntaxError::UnexpectedChar { span, text } if text.starts_with('#') => {
                Diagnostic::new(codes::UNEXPECTED_CHARACTER, "unexpected character `#`")
                    .with_primary(span, "`#` does not start a comment in formwork")
                    .with_help("comments start with `//`")
            }
            SyntaxError::UnexpectedChar { span, text } => {
                let shown: String = text.chars().take(8).flat_map(char::escape_debug).collect();
                let (what, label) = if text.chars().count() == 1 {
                    (format!("unexpected character `{shown}`"), "no token starts with this character")
                } else {
                    (format!("unexpected characters `{shown}`"), "no token starts with these characters")
                };
                let d = Diagnostic::new(codes::UNEXPECTED_CHARACTER, what).with_primary(span, label);
                match text.chars().next() {
                    Some(';') => d.with_help("formwork needs no `;`: end the line instead"),
                    Some('\'') => d.with_help("strings are written in double quotes: \"…\""),
                    _ => d,
                }
            }
            SyntaxError::UnterminatedString { open, long: false } => {
                Diagnostic::new(codes::UNTERMINATED_STRING, "unterminated string")
                    .with_primary(open, "this string is never closed")
                    .with_help("add a closing `\"` on the same line; a string of several lines is written between `\"\"\"`s")
            }
            SyntaxError::UnterminatedString { open, long: true } => {
                Diagnostic::new(codes::UNTERMINATED_STRING, "unterminated long string")
                    .with_primary(open, "this `\"\"\"` string is never closed")
                    .with_help("close it with `\"\"\"` on a line of its own, indented as far as its text")
            }
            SyntaxError::UnterminatedBlockComment { open } => {
                Diagnostic::new(codes::UNTERMINATED_BLOCK_COMMENT, "unterminated block comment")
                    .with_primary(open, "this comment is never closed")
                    .with_help("close it with `*/`; block comments nest, so each `/*` needs its own `*/`")
            }
            SyntaxError::UnterminatedInterpolation { open } => Diagnostic::new(
                codes::UNTERMINATED_INTERPOLATION,
                "unterminated interpolation",
            )
            .with_primary(open, "this `${` is never closed on its line")
            .with_help("close the interpolation with `}` before the string's closing quote"),
            SyntaxError::UnterminatedRegex { open } => {
                Diagnostic::new(codes::UNTERMINATED_REGEX, "unterminated regular expression")
                    .with_primary(open, "this `/` opens a regular expression that is never closed")
                    .with_help("end the pattern with `/` on the same line; write a literal slash as `\\/`")
            }
            SyntaxError::InvalidEscape { span, text } => {
                Diagnostic::new(codes::INVALID_ESCAPE, format!("unknown escape `{text}`"))
                    .with_primary(span, "not a valid escape")
                    .with_help(
                        "valid escapes are `\\n`, `\\t`, `\\r`, `\\0`, `\\\\`, `\\\"`, `\\$`, `\\/` and `\\u{…}`; write a backslash as `\\\\`",
                    )
            }
            SyntaxError::NumberTooLarge { span, text } => Diagnostic::new(
                codes::NUMBER_TOO_LARGE,
                format!("number `{text}` is too large"),
            )
            .with_primary(span, "does not fit in a 64-bit integer or float")
            .with_help(format!(
                "integers range from {} to {}; write a larger value as a string",
                i64::MIN,
                i64::MAX
            )),
            SyntaxError::InvalidVersion { span, text } => {
                Diagnostic::new(codes::INVALID_VERSION, format!("`{text}` is not a version"))
                    .with_primary(span, "expected `MAJOR`, `MAJOR.MINOR` or `MAJOR.x`")
                    .with_help("template versions have two parts, like `3.1`; constraints look like `^3.0`, `~2.4` or `>=1.2, <2`")
            }
            SyntaxError::UnexpectedToken {
                span,
                found,
                name,
                expected,
            } => {
                let d = Diagnostic::new(codes::UNEXPECTED_TOKEN, format!("unexpected {found}"));
                let d = match expected_text(&expected) {
                    Some(exp) => d.with_primary(span, format!("expected {exp}")),
                    None => d.with_primary(span, "not expected here"),
                };
                let keyword = name.as_deref().and_then(|n| {
                    did_you_mean(n, expected.keywords.iter().map(String::as_str))
                });
                let wants_equals = expected.phrases.iter().any(|p| p == "`=`");
                match keyword {
                    Some(k) => d.with_help(format!("did you mean `{k}`?")),
                    None if found == "`:`" && wants_equals => d.with_help(
                        "a property, setting or argument is given with `=`: `NAME = VALUE` (`:` declares a type)",
                    ),
                    None => d,
                }
            }
            SyntaxError::UnexpectedEof { span, expected } => {
                let d = Diagnostic::new(codes::UNEXPECTED_EOF, "unexpected end of file");
                match expected_text(&expected) {
                    Some(exp) => d.with_primary(span, format!("expected {exp}")),
                    None => d.with_primary(span, "the file ends here"),
                }
            }
            SyntaxError::NestingTooDeep { span, limit } => {
                Diagnostic::new(codes::NESTING_TOO_DEEP, "nesting too deep")
                    .with_primary(span, format!("nested more than {limit} levels deep"))
                    .with_help("split the expression with `let` bindings")
            }
            SyntaxError::InvalidUtf8 { span, offset } => Diagnostic::new(
                codes::INVALID_UTF8,
                format!("file is not valid UTF-8 (invalid byte at offset {offset})"),
            )
            .with_primary(span, "this byte is not UTF-8")
            .with_help("save the file as UTF-8"),
            SyntaxError::FileTooLarge { span, size, limit } => Diagnostic::new(
                codes::FILE_TOO_LARGE,
                format!("file is too large ({size} bytes; the limit is {limit} bytes)"),
            )
            .with_primary(span, "file not read")
            .with_help("split the template into modules"),
            SyntaxError::DanglingDocComment { span } => {
                Diagnostic::new(codes::DANGLING_DOC_COMMENT, "doc comment documents nothing")
                    .with_primary(span, "no declaration follows this `///` comment")
                    .with_help("put it directly above a declaration, field, `let`, resource or output, or use `//`")
            }
            SyntaxError::Misplaced {
                span,
                message,
                label,
                help,
            } => Diagnostic::new(codes::UNEXPECTED_TOKEN, message)
                .with_primary(span, label)
                .with_help(help),
            SyntaxError::TooManyErrors { span, limit } => Diagnostic::new(
                codes::TOO_MANY_ERRORS,
                format!("too many syntax errors; only the first {limit} are shown"),
            )
            .with_primary(span, "later errors in this file are not reported")
            .with_help("fix the first errors and run again"),
        }
    }
}
