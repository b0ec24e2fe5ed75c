//! formwork: a typed, declarative language and compiler for platform templates.
//!
//! The pipeline, and where each stage lives, is drawn in ARCHITECTURE.md.

pub mod check;
pub mod cli;
pub mod codegen;
pub mod compile;
pub mod diagnostics;
pub mod format;
pub mod ir;
pub mod lsp;
pub mod resolve;
pub mod schema;
pub mod spec;
pub mod syntax;
pub mod types;
pub mod versions;
pub mod workspace;
