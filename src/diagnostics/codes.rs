//! The registry of diagnostic codes. Each code has a kebab-case name, a one-line
//! summary, and a page `docs/errors/<CODE>.md` compiled into the binary (a code
//! without its page does not build). Codes are never reused: retire one by leaving
//! it here, unemitted, with its page saying so.
//!
//! Ranges by stage: 00xx lexing and parsing, 01xx names and imports, 02xx types,
//! 03xx specs and workspace, 04xx versions, 05xx code generation, 06xx pipelines.

use crate::diagnostics::diagnostic::Severity;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Code {
    /// `E0006`
    pub id: &'static str,
    /// `unexpected-token`
    pub name: &'static str,
    /// One line, lower case, no final period.
    pub summary: &'static str,
    /// The explanation `formwork explain` prints (Markdown).
    pub page: &'static str,
}

impl Code {
    pub fn severity(self) -> Severity {
        if self.id.starts_with('W') {
            Severity::Warning
        } else {
            Severity::Error
        }
    }
}

macro_rules! codes {
    ($( $konst:ident = $id:literal, $name:literal, $summary:literal; )*) => {
        $(
            pub const $konst: Code = Code {
                id: $id,
                name: $name,
                summary: $summary,
                page: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/errors/", $id, ".md")),
            };
        )*
        /// Every registered code, in order.
        pub const ALL: &[Code] = &[$($konst),*];
    };
}

codes! {
    UNEXPECTED_CHARACTER = "E0001", "unexpected-character", "characters that start no token";
    UNTERMINATED_STRING = "E0002", "unterminated-string", "a string with no closing quote on its line";
    UNTERMINATED_BLOCK_COMMENT = "E0003", "unterminated-block-comment", "a `/*` comment with no matching `*/`";
    UNTERMINATED_INTERPOLATION = "E0004", "unterminated-interpolation", "a `${` with no matching `}` on its line";
    INVALID_ESCAPE = "E0005", "invalid-escape", "a backslash escape that means nothing";
    UNEXPECTED_TOKEN = "E0006", "unexpected-token", "a token the grammar does not allow here";
    UNEXPECTED_EOF = "E0007", "unexpected-end-of-file", "the file ends in the middle of a construct";
    NESTING_TOO_DEEP = "E0008", "nesting-too-deep", "expressions, types or steps nested too deeply";
    INVALID_UTF8 = "E0009", "invalid-utf8", "a source file that is not UTF-8";
    FILE_TOO_LARGE = "E0010", "file-too-large", "a source file over the size limit";
    NUMBER_TOO_LARGE = "E0011", "number-too-large", "a number literal that does not fit";
    UNTERMINATED_REGEX = "E0012", "unterminated-regex", "a regular expression with no closing `/`";
    INVALID_VERSION = "E0013", "invalid-version", "a version in a constraint that is not `MAJOR.MINOR`";
    TOO_MANY_ERRORS = "E0014", "too-many-errors", "more syntax errors in one file than are reported";
    DANGLING_DOC_COMMENT = "W0001", "dangling-doc-comment", "a `///` comment that documents nothing";
}

/// Looks a code up by id (`E0006`, case-insensitive) or name (`unexpected-token`).
pub fn lookup(key: &str) -> Option<Code> {
    ALL.iter()
        .copied()
        .find(|c| c.id.eq_ignore_ascii_case(key) || c.name == key)
}
