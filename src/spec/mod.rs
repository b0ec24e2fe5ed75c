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
pub use layout::{PIPELINE_PROVIDERS, is_stack_name};
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
    /// A service's `pipeline_provider:` (`github`, `gitlab`, `codepipeline`), when
    /// given and valid.
    pub pipeline_provider: Option<(String, Span)>,
    /// A service's `pipeline:` inputs, when given.
    pub pipeline: Option<SpecNode>,
    /// An environment's `spec:` inputs (an empty mapping when left out); `None` for a
    /// service.
    pub environment_inputs: Option<SpecNode>,
    /// A service's instances, in file order.
    pub instances: Vec<Instance>,
    /// A service's `branch_name:` and `repository_id:` (what `service.branch_name`
    /// and `service.repository_id` read), when given.
    pub branch_name: Option<(String, Span)>,
    pub repository_id: Option<(String, Span)>,
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
    /// The instance's own `template: NAME@VERSION`, when it pins one: a version of its
    /// service's template other than the spec's.
    pub template: Option<TemplateRef>,
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

/// A service spec's `pipeline:` inputs, checked against the template's pipeline
/// inputs when the spec gives them or the template has a pipeline (which then needs
/// its required inputs); an absent block is an empty one.
pub fn check_pipeline_inputs(
    spec: &SpecFile,
    schema: &std::collections::BTreeMap<String, (crate::types::ty::FieldTy, Span)>,
    template_has_pipeline: bool,
    template_name: &str,
) -> (InputValues, Vec<Diagnostic>) {
    let empty = SpecNode::empty_map(Span::new(spec.file, 0, 0));
    let given = spec.pipeline.as_ref().unwrap_or(&empty);
    let (values, diags) = check_inputs(given, schema, template_name);
    if spec.pipeline.is_some() || template_has_pipeline {
        (values, diags)
    } else {
        (values, Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::types::ty::{FieldTy, Lit, Ty};
    use crate::types::value::Const;

    const F: FileId = FileId(0);

    fn field(ty: Ty, optional: bool) -> (FieldTy, Span) {
        (FieldTy { ty, optional }, Span::default())
    }

    #[test]
    fn spans_are_bytes_even_after_non_ascii_text() {
        let text = "proton: ServiceSpec\n# été ça\ninstances:\n  - name: web\n    environment: e\n    spec: { note: \"déjà\" }\n";
        let (spec, diags) = read_spec(F, text);
        assert!(diags.is_empty(), "{diags:?}");
        let spec = spec.expect("read");
        let i = &spec.instances[0];
        assert_eq!(&text[i.name_span.range()], "web");
        assert_eq!(&text[i.environment_span.range()], "e");
    }

    #[test]
    fn merge_keys_aliases_and_secrets() {
        let text = "proton: ServiceSpec\ninstances:\n  - name: a\n    environment: e\n    spec: &base\n      port: 80\n      pw: {secretsmanager: db, key: password}\n  - name: b\n    environment: e\n    spec:\n      <<: *base\n      port: 81\n      flag: no\n";
        let (spec, diags) = read_spec(F, text);
        assert!(diags.is_empty(), "{diags:?}");
        let spec = spec.expect("read");
        let schema: BTreeMap<String, (FieldTy, Span)> = [
            ("port".to_string(), field(Ty::Int, false)),
            ("pw".to_string(), field(Ty::Secret, false)),
            ("flag".to_string(), field(Ty::String, true)),
        ]
        .into_iter()
        .collect();
        let (values, diags) = check_inputs(&spec.instances[1].inputs, &schema, "t");
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(values.values["port"], Const::Lit(Lit::Int(81)));
        // YAML 1.2: a bare `no` is a string.
        assert_eq!(values.values["flag"], Const::Lit(Lit::String("no".into())));
        assert_eq!(
            values.secrets["pw"],
            SecretRef::SecretsManager {
                name: "db".into(),
                key: Some("password".into())
            }
        );
        assert!(!values.values.contains_key("pw"));
    }

    #[test]
    fn core_schema_scalars() {
        let text = "proton: EnvironmentSpec\nspec:\n  a: 0x1F\n  b: 0o17\n  c: -1.5e3\n  d: ~\n  e: '12'\n  f: !!str 12\n  g: 1.10\n";
        let (spec, diags) = read_spec(F, text);
        assert!(diags.is_empty(), "{diags:?}");
        let inputs = spec.and_then(|s| s.environment_inputs).expect("inputs");
        let kind = |k: &str| inputs.get(k).map(|e| e.value.kind.clone());
        assert_eq!(kind("a"), Some(NodeKind::Int(31)));
        assert_eq!(kind("b"), Some(NodeKind::Int(15)));
        assert_eq!(kind("c"), Some(NodeKind::Float(-1500.0)));
        assert_eq!(kind("d"), Some(NodeKind::Null));
        assert_eq!(kind("e"), Some(NodeKind::Str("12".into())));
        assert_eq!(kind("f"), Some(NodeKind::Str("12".into())));
        assert_eq!(kind("g"), Some(NodeKind::Float(1.1)));
    }

    #[test]
    fn json_is_detected_and_strict() {
        let (spec, diags) = read_spec(F, "{\"proton\": \"EnvironmentSpec\", \"spec\": {}}");
        assert!(spec.is_some() && diags.is_empty(), "{diags:?}");
        let (spec, diags) = read_spec(F, "{\"proton\": \"EnvironmentSpec\", # no\n}");
        assert!(spec.is_none());
        assert_eq!(diags[0].code, codes::SPEC_SYNTAX);
    }
}
