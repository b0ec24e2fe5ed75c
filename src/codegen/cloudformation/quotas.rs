//! CloudFormation's documented quotas on one template, checked when it is written:
//! a stack refuses a template over any of them, so `render`, `compile` and `build`
//! refuse it first (`E0505`), naming the quota and the count.
//!
//! From the CloudFormation user guide's quotas page: 500 resources, 200 parameters,
//! 200 outputs, 200 mappings and 200 conditions per template, and a template body of at
//! most 1 MB (1,048,576 bytes, uploaded through S3; 51,200 bytes passed inline, which
//! `deploy.sh` never does).

use crate::codegen::doc::Node;
use crate::diagnostics::{Diagnostic, codes};
use crate::syntax::span::Span;

/// (section, the most a template may have).
pub const SECTION_QUOTAS: &[(&str, usize)] = &[
    ("Resources", 500),
    ("Parameters", 200),
    ("Outputs", 200),
    ("Mappings", 200),
    ("Conditions", 200),
];

/// The largest template body, in bytes.
pub const MAX_TEMPLATE_BYTES: usize = 1_048_576;

/// Every quota the template `doc` (written as `json_len` bytes of JSON) is over, as
/// errors at `span` (the template's name).
pub fn check(doc: &Node, json_len: usize, name: &str, span: Span) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let Node::Map(sections) = doc else {
        return out;
    };
    for (section, max) in SECTION_QUOTAS {
        let count = sections
            .iter()
            .find(|(k, _)| k == section)
            .map_or(0, |(_, v)| match v {
                Node::Map(m) => m.len(),
                _ => 0,
            });
        if count > *max {
            out.push(
                Diagnostic::new(
                    codes::CLOUDFORMATION_QUOTA,
                    format!(
                        "`{name}` renders {count} {}; a CloudFormation template takes at most {max}",
                        section.to_lowercase()
                    ),
                )
                .with_primary(span, "this template")
                .with_note("CloudFormation refuses the whole stack when a template is over a quota")
                .with_help("split the template: move part of it into another environment or service, each its own stack"),
            );
        }
    }
    if json_len > MAX_TEMPLATE_BYTES {
        out.push(
            Diagnostic::new(
                codes::CLOUDFORMATION_QUOTA,
                format!(
                    "`{name}` renders a template of {json_len} bytes; CloudFormation takes at most {MAX_TEMPLATE_BYTES}"
                ),
            )
            .with_primary(span, "this template")
            .with_help("split the template into several stacks, or move large values (scripts, policies) into files the stack reads"),
        );
    }
    out
}
