//! How large a value a template may compute. A few bytes of source can ask for a huge
//! value (a `for` over `range(10000)` inside another, a string doubled in forty
//! `let`s); formwork stops each with `E0227` long before memory runs out.
//!
//! - a string is at most [`MAX_STRING_BYTES`]: CloudFormation takes a template of at
//!   most 1 MB (through S3), so a longer string can never deploy;
//! - one instance's evaluation builds at most [`MAX_VALUES`] list and map elements and
//!   [`MAX_TOTAL_BYTES`] of strings in all; a `let` read copies its value, and the
//!   copy's nodes count too (a deploy-time value doubled in forty `let`s is a tree of
//!   2^40 nodes when compiled alone).
//!
//! The checker applies the string limit to the constants it folds (`types/expr.rs`);
//! lowering applies all three ([`Budget`]).

use crate::diagnostics::{Diagnostic, codes};
use crate::syntax::span::Span;

/// The longest string a template may compute, in bytes.
pub const MAX_STRING_BYTES: usize = 1 << 20;
/// The list and map elements one instance's evaluation may build.
pub const MAX_VALUES: u64 = 2_000_000;
/// The string bytes one instance's evaluation may build.
pub const MAX_TOTAL_BYTES: u64 = 256 << 20;

/// What an evaluation has built, and whether it has gone over (reported once).
#[derive(Debug, Default)]
pub struct Budget {
    values: u64,
    bytes: u64,
    exceeded: bool,
}

impl Budget {
    /// Whether the evaluation has gone over a limit: loops stop, values become null.
    pub fn exceeded(&self) -> bool {
        self.exceeded
    }

    /// Counts `n` new elements; the error the first time the limit is passed.
    pub fn values(&mut self, n: usize, span: Span) -> Option<Diagnostic> {
        self.values = self.values.saturating_add(n as u64);
        if self.values > MAX_VALUES {
            return self.exceed(
                span,
                format!("more than {MAX_VALUES} values (list and map elements, or copies of a value known only at deploy time)"),
            );
        }
        None
    }

    /// Counts a new string of `len` bytes; the error the first time a limit is passed.
    pub fn string(&mut self, len: usize, span: Span) -> Option<Diagnostic> {
        self.bytes = self.bytes.saturating_add(len as u64);
        if len > MAX_STRING_BYTES {
            return self.exceed(span, format!("a string of {len} bytes"));
        }
        if self.bytes > MAX_TOTAL_BYTES {
            return self.exceed(
                span,
                format!("more than {} MiB of strings", MAX_TOTAL_BYTES >> 20),
            );
        }
        None
    }

    fn exceed(&mut self, span: Span, what: String) -> Option<Diagnostic> {
        if self.exceeded {
            return None;
        }
        self.exceeded = true;
        Some(too_large(span, &what))
    }
}

/// `E0227` at `span`: evaluating it builds `what`.
pub fn too_large(span: Span, what: &str) -> Diagnostic {
    Diagnostic::new(
        codes::VALUE_TOO_LARGE,
        format!("this computes {what}, over formwork's limit"),
    )
    .with_primary(span, "computed here")
    .with_note(format!(
        "a string is at most {} MiB (CloudFormation takes templates up to 1 MB), and one instance builds at most {MAX_VALUES} list and map elements and {} MiB of strings",
        MAX_STRING_BYTES >> 20,
        MAX_TOTAL_BYTES >> 20
    ))
    .with_help("compute less: a smaller range, fewer nested `for`s, or a value taken as an input")
}
