//! Diagnostics: the one type every stage reports with (`diagnostic`), the code
//! registry (`codes`), how each is shown to people and machines (`render`), the
//! did-you-mean helper (`suggest`), and one file per family of conversions
//! (`syntax`).

pub mod codes;
pub mod diagnostic;
pub mod render;
pub mod suggest;
pub mod syntax;

pub use codes::Code;
pub use diagnostic::{Diagnostic, Label, Severity};
