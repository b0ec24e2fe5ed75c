//! What can be wrong with a file's syntax. `syntax/` knows nothing of diagnostics;
//! `diagnostics::syntax` turns each of these into a coded, rendered diagnostic.

use crate::syntax::span::Span;

#[derive(Debug, Clone, PartialEq)]
pub enum SyntaxError {
    /// Characters that start no token (a run of them is one error).
    UnexpectedChar { span: Span, text: String },
    /// A string with no closing `"` on its line.
    /// `long`: a `"""` string, which ends only at `"""`.
    UnterminatedString { open: Span, long: bool },
    /// A `/*` with no matching `*/`.
    UnterminatedBlockComment { open: Span },
    /// A `${` with no matching `}` on its line.
    UnterminatedInterpolation { open: Span },
    /// A `/` regular expression with no closing `/` on its line.
    UnterminatedRegex { open: Span },
    /// A backslash escape that means nothing, like `\q`.
    InvalidEscape { span: Span, text: String },
    /// An integer that does not fit in 64 bits, or a float that overflows.
    NumberTooLarge { span: Span, text: String },
    /// A version in a constraint that is not `MAJOR`, `MAJOR.MINOR` or `MAJOR.x`.
    InvalidVersion { span: Span, text: String },
    /// A token the grammar does not allow here.
    UnexpectedToken {
        span: Span,
        /// How the token is named to people: "keyword `let`", "`}`".
        found: String,
        /// The token's text when it is a name, for did-you-mean help.
        name: Option<String>,
        expected: Expected,
    },
    /// The file ended where the grammar needs more.
    UnexpectedEof { span: Span, expected: Expected },
    /// Brackets, expressions, types or blocks nested deeper than [`MAX_NESTING`].
    NestingTooDeep { span: Span, limit: u32 },
    /// Bytes that are not UTF-8.
    InvalidUtf8 { span: Span, offset: usize },
    /// A file over [`crate::syntax::span::MAX_SOURCE_BYTES`].
    FileTooLarge { span: Span, size: u64, limit: u64 },
    /// A `///` comment followed by no declaration it could document.
    DanglingDocComment { span: Span },
    /// More syntax errors in this file than are worth reading; the rest are dropped.
    TooManyErrors { span: Span, limit: usize },
    /// A common mistake the grammar recognises and reads as what was meant (`for …
    /// when` for `when … for`, an HCL block), so that it costs one error, not a
    /// cascade: what is wrong, the label, and the fix.
    Misplaced {
        span: Span,
        message: String,
        label: String,
        help: String,
    },
}

/// How deep expressions, types and pipeline blocks may nest.
pub const MAX_NESTING: u32 = 200;

/// What the grammar would have accepted where it failed, already phrased for people
/// (`a type, like \`String\` or \`Int in 1..10\``), most useful first.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Expected {
    pub phrases: Vec<String>,
    /// The keywords the grammar would have accepted, for did-you-mean help.
    pub keywords: Vec<String>,
}

impl SyntaxError {
    pub fn span(&self) -> Span {
        match self {
            SyntaxError::UnexpectedChar { span, .. }
            | SyntaxError::InvalidEscape { span, .. }
            | SyntaxError::NumberTooLarge { span, .. }
            | SyntaxError::InvalidVersion { span, .. }
            | SyntaxError::UnexpectedToken { span, .. }
            | SyntaxError::UnexpectedEof { span, .. }
            | SyntaxError::NestingTooDeep { span, .. }
            | SyntaxError::InvalidUtf8 { span, .. }
            | SyntaxError::FileTooLarge { span, .. }
            | SyntaxError::DanglingDocComment { span }
            | SyntaxError::Misplaced { span, .. }
            | SyntaxError::TooManyErrors { span, .. } => *span,
            SyntaxError::UnterminatedString { open, .. }
            | SyntaxError::UnterminatedBlockComment { open }
            | SyntaxError::UnterminatedInterpolation { open }
            | SyntaxError::UnterminatedRegex { open } => *open,
        }
    }
}
