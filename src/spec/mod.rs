//! Parameter files (specs): AWS Proton's environment and service spec formats, in
//! YAML or JSON, read with exact positions and checked against a template's inputs.
//!
//! `node` reads the text into a tree of [`SpecNode`]s with byte spans; `layout`
//! reads Proton's shape from the tree (`proton:`, `template:`, `spec:`, `pipeline:`,
//! `instances:`); `inputs` checks values against a template's input schema. No IO:
//! the command line reads the file and adds its text to the source map.

mod inputs;
mod layout;
pub mod node;

pub use inputs::{InputValues, SecretRef, check_inputs};
pub use node::{MapEntry, NodeKind, SpecNode, SpecSyntax};

use crate::diagnostics::{Diagnostic, codes};
use crate::syntax::span::{FileId, Span};

/// The largest spec file formwork reads: 16 MiB. A 5,000-instance service is about
/// 1.5 MiB.
pub const MAX_SPEC_BYTES: usize = 16 * 1024 * 1024;

/// Which of Proton's two formats a spec is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecKind {
    /// `proton: EnvironmentSpec`
    Environment,
    /// `proton: ServiceSpec`
    Service,
}

/// A spec file, read: which template it instantiates, and its inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct SpecFile {
    pub file: FileId,
    pub kind: SpecKind,
    /// `template: NAME@VERSION`, when given.
    pub template: Option<TemplateRef>,
    /// A service's `pipeline:` inputs, when given.
    pub pipeline: Option<SpecNode>,
    /// An environment's `spec:` inputs (an empty mapping when left out); `None` for a
    /// service.
    pub environment_inputs: Option<SpecNode>,
    /// A service's instances, in file order.
    pub instances: Vec<Instance>,
}

/// `template: web@2.1`
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateRef {
    pub name: String,
    /// `MAJOR.MINOR`; `None` for the latest version.
    pub version: Option<String>,
    pub span: Span,
}

/// One service instance: deployed into `environment` with `inputs`.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    pub name: String,
    pub name_span: Span,
    pub environment: String,
    pub environment_span: Span,
    /// The `spec:` mapping, or an empty mapping (at the name) when left out.
    pub inputs: SpecNode,
    pub span: Span,
}

/// Reads a spec file's text (as the source map holds it), in the syntax its first
/// character suggests: JSON when it opens with `{` or `[`, YAML otherwise.
pub fn read_spec(file: FileId, text: &str) -> (Option<SpecFile>, Vec<Diagnostic>) {
    read_spec_as(file, text, SpecSyntax::detect(text))
}

/// Reads a spec file's text in the given syntax (the command line knows it from
/// the file's extension). `None` when the file cannot be read at all; otherwise the
/// spec with what could be read, and a diagnostic for each mistake found.
pub fn read_spec_as(
    file: FileId,
    text: &str,
    syntax: SpecSyntax,
) -> (Option<SpecFile>, Vec<Diagnostic>) {
    if text.len() > MAX_SPEC_BYTES {
        let d = Diagnostic::new(
            codes::SPEC_TOO_LARGE,
            format!(
                "spec file is too large ({} bytes; the limit is {MAX_SPEC_BYTES} bytes)",
                text.len()
            ),
        )
        .with_primary(Span::new(file, 0, 0), "file not read")
        .with_help("split the service into several spec files");
        return (None, vec![d]);
    }
    let (root, mut diags) = node::read_tree(file, text, syntax);
    if root.is_none() && !diags.is_empty() {
        return (None, diags);
    }
    let spec = layout::read_layout(file, root, &mut diags);
    (spec, diags)
}
