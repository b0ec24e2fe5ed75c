//! What is at a place in a spec file, read with the spec reader `check` uses
//! (`spec::read_spec`): the template pin, an instance's `environment:`, or a key
//! or value of an inputs mapping (an environment's `spec:`, an instance's `spec:`,
//! a service's `pipeline:`), with the template the spec instantiates.

use crate::resolve::{DeclId, Program, Version};
use crate::spec::{NodeKind, SpecFile, SpecKind, SpecNode, TemplateRef};
use crate::syntax::ast::DeclKind;
use crate::syntax::span::{FileId, SourceMap, Span};

#[derive(Debug, Clone)]
pub enum SpecAt {
    /// `template: web@2.1` (the spec's or an instance's pin).
    Template(TemplateRef),
    /// `environment: dev`
    Environment(String),
    /// A key of an inputs mapping.
    Key { pipeline: bool, key: String },
    /// The value of an inputs mapping's key.
    Value { pipeline: bool, key: String },
    /// Inside an inputs mapping, on no key: the keys it has.
    Mapping { pipeline: bool, given: Vec<String> },
}

/// Reads the spec `file` of `map`.
pub fn read(map: &SourceMap, file: FileId) -> Option<SpecFile> {
    let text = &map.get(file)?.text;
    crate::spec::read_spec(file, text).0
}

/// The template the spec (or the instance holding `offset`) instantiates.
pub fn template_of(program: &Program, spec: &SpecFile, offset: u32) -> Option<DeclId> {
    let kind = match spec.kind {
        SpecKind::Environment => DeclKind::Environment,
        SpecKind::Service => DeclKind::Service,
    };
    let pin = spec
        .instances
        .iter()
        .find(|i| contains(i.span, offset))
        .and_then(|i| i.template.as_ref())
        .or(spec.template.as_ref())?;
    template_decl(program, kind, pin)
}

/// The declaration a pin names: its version, or the newest.
pub fn template_decl(program: &Program, kind: DeclKind, pin: &TemplateRef) -> Option<DeclId> {
    let versions = program.versions_of(kind, &pin.name);
    match pin.version.as_deref().and_then(Version::parse) {
        Some(v) => versions
            .iter()
            .find(|(x, _)| *x == Some(v))
            .map(|(_, id)| *id),
        None => versions.last().map(|(_, id)| *id),
    }
}

fn contains(span: Span, offset: u32) -> bool {
    span.start <= offset && offset <= span.end
}

/// What is at `offset` in `spec`.
pub fn at(spec: &SpecFile, offset: u32) -> Option<SpecAt> {
    let mut pins: Vec<&TemplateRef> = spec.template.iter().collect();
    pins.extend(spec.instances.iter().filter_map(|i| i.template.as_ref()));
    if let Some(p) = pins.into_iter().find(|p| contains(p.span, offset)) {
        return Some(SpecAt::Template(p.clone()));
    }
    for i in &spec.instances {
        if contains(i.environment_span, offset) && !i.environment_span.is_empty() {
            return Some(SpecAt::Environment(i.environment.clone()));
        }
    }
    let mut mappings: Vec<(bool, &SpecNode)> = Vec::new();
    mappings.extend(spec.pipeline.iter().map(|p| (true, p)));
    mappings.extend(spec.environment_inputs.iter().map(|p| (false, p)));
    mappings.extend(spec.instances.iter().map(|i| (false, &i.inputs)));
    for (pipeline, node) in mappings {
        let Some(entries) = node.entries() else {
            continue;
        };
        for e in entries {
            if contains(e.key_span, offset) {
                return Some(SpecAt::Key {
                    pipeline,
                    key: e.key.clone(),
                });
            }
            if contains(e.value.span, offset) && !matches!(e.value.kind, NodeKind::Map(_)) {
                return Some(SpecAt::Value {
                    pipeline,
                    key: e.key.clone(),
                });
            }
        }
        if contains(node.span, offset) {
            return Some(SpecAt::Mapping {
                pipeline,
                given: entries.iter().map(|e| e.key.clone()).collect(),
            });
        }
    }
    None
}
