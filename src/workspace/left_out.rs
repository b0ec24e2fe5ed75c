//! `W0301`: an instance whose spec leaves an optional input unset, so the resources
//! whose `when` tests that input against `null` are not created. A spec that silently
//! drops half a stack is worth a line in every `check`, `render` and `build`.
//!
//! It follows the template's own resources (a `when` that proves `input.X != null`,
//! as narrowing reads it); resources inside a module, under the module's own inputs,
//! are not followed.

use std::collections::BTreeMap;

use crate::diagnostics::{Diagnostic, codes};
use crate::resolve::{DeclId, Program};
use crate::spec::InputValues;
use crate::syntax::ast::{BodyItem, ExprKind, Literal};
use crate::syntax::span::Span;
use crate::types::value::Const;

/// The warnings for one instance (`instance` its name, `at` where its spec names it).
pub fn left_out(
    program: &Program,
    decl: DeclId,
    values: &InputValues,
    instance: &str,
    at: Span,
) -> Vec<Diagnostic> {
    let Some(d) = program.decl(decl) else {
        return Vec::new();
    };
    // The optional inputs this instance leaves null: not given (or given `null`), and
    // no default other than `null`.
    let mut unset: BTreeMap<String, Span> = BTreeMap::new();
    for item in &d.body {
        let BodyItem::Input(block) = item else {
            continue;
        };
        if block.pipeline {
            continue;
        }
        for f in &block.fields {
            let name = f.name.name.to_string();
            let defaulted = f
                .default
                .as_ref()
                .is_some_and(|e| !matches!(e.kind, ExprKind::Literal(Literal::Null)));
            let given = values.values.get(&name).is_some_and(|c| *c != Const::Null)
                || values.secrets.contains_key(&name);
            if !given && !defaulted {
                unset.insert(name, f.name.span);
            }
        }
    }
    if unset.is_empty() {
        return Vec::new();
    }
    let mut dropped: BTreeMap<String, Vec<(String, Span)>> = BTreeMap::new();
    for item in &d.body {
        let BodyItem::Resource(r) = item else {
            continue;
        };
        let Some(c) = &r.condition else { continue };
        let mut paths = Vec::new();
        crate::types::narrow::facts(c, true, &mut paths);
        for p in paths {
            if let Some(input) = p.strip_prefix("input.")
                && unset.contains_key(input)
            {
                dropped
                    .entry(input.to_string())
                    .or_default()
                    .push((r.name.name.to_string(), c.span));
            }
        }
    }
    dropped
        .into_iter()
        .map(|(input, resources)| {
            let names: Vec<String> = resources.iter().map(|(n, _)| format!("`{n}`")).collect();
            let (what, them) = if names.len() == 1 {
                ("resource", "it")
            } else {
                ("resources", "them")
            };
            let mut d = Diagnostic::new(
                codes::RESOURCES_LEFT_OUT,
                format!(
                    "instance `{instance}` leaves out the {what} {}: its spec does not set `{input}`",
                    names.join(", ")
                ),
            )
            .with_primary(at, format!("`{input}` is not set here, so it is null"));
            if let Some(decl_span) = unset.get(&input) {
                d = d.with_secondary(*decl_span, "optional, with no default");
            }
            for (_, when) in &resources {
                d = d.with_secondary(*when, "created only when this holds");
            }
            d.with_help(format!(
                "set `{input}` in the instance's `spec:` to create {them}; if leaving {them} out is meant, this warning says so on every build"
            ))
        })
        .collect()
}
