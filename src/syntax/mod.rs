//! The front end: source text to a tree. Depends on nothing else in the crate.
//!
//! `span` (positions and the source map) · `token` and `lexer` (logos, modal) ·
//! `grammar_util` (what the lalrpop grammar's actions call) · `ast` · `docs` (doc
//! comments to declarations) · `parse` (the only entry point) · `parts` (a large file
//! parsed in parallel, in parts) · `shape` (a span-free
//! printing of the tree, for tests) · `error` (what can be wrong).

pub mod ast;
pub mod docs;
pub mod error;
pub mod grammar_util;
pub mod lexer;
pub mod parse;
pub mod parts;
pub mod shape;
pub mod small_string;
pub mod span;
pub mod token;

pub use error::SyntaxError;
pub use parse::{Parsed, decode_source, parse, parse_in_parts, parse_whole};
pub use span::{FileId, SourceFile, SourceMap, Span};
