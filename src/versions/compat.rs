//! The signature-level comparison of two versions of a template: what a spec, a
//! service or a pipeline written against the old version relies on.
//!
//! Inputs (and pipeline inputs): removed (with a guess at a rename), added as
//! required, made required, narrowed (see `narrowing`), widened, their default
//! changed. Outputs: removed, type changed (a narrower output type is compatible:
//! every reader still accepts it). A service's `requires` (see `requires`), and the
//! targets the template compiles to.

use std::collections::BTreeMap;

use crate::diagnostics::suggest::did_you_mean;
use crate::diagnostics::{Diagnostic, codes};
use crate::resolve::{DeclId, Program};
use crate::syntax::ast::{BodyItem, Decl, DeclKind, Field};
use crate::syntax::span::Span;
use crate::types::decl::Scope;
use crate::types::targets::Target;
use crate::types::ty::{FieldTy, Ty};
use crate::types::value::Const;
use crate::types::{Checker, Signature};
use crate::versions::narrowing::narrowing;
use crate::versions::{Change, ChangeKind, const_text, input_word};

/// One version being compared: its declaration, signature, and how messages name it.
pub(crate) struct Side<'a> {
    pub id: DeclId,
    pub decl: &'a Decl,
    pub sig: std::rc::Rc<Signature>,
    /// `1.0`, or `the draft` for a template without a version.
    pub label: String,
}

impl Side<'_> {
    /// "`web` 1.1"
    pub fn named(&self) -> String {
        let name = self.decl.name.as_plain().unwrap_or_default();
        format!("`{name}` {}", self.label)
    }
}

pub(crate) fn side<'a>(checker: &mut Checker<'a>, id: DeclId) -> Option<Side<'a>> {
    let program: &'a Program = checker.program;
    let decl = program.decl(id)?;
    let sig = checker.signature(id)?;
    let label = Program::version_of(decl)
        .map(|v| v.to_string())
        .unwrap_or_else(|| "the draft".to_string());
    Some(Side {
        id,
        decl,
        sig,
        label,
    })
}

/// Compares the signatures of two checked versions of one template. Changes come
/// in a stable order: inputs, pipeline inputs, outputs, environments, targets, each
/// by name.
pub fn compare_signatures(program: &Program, old: DeclId, new: DeclId) -> Vec<Change> {
    let mut checker = Checker::new(program);
    let (Some(old), Some(new)) = (side(&mut checker, old), side(&mut checker, new)) else {
        return Vec::new();
    };
    let mut changes = Vec::new();
    for pipeline in [false, true] {
        let pick = |s: &Side<'_>| -> BTreeMap<String, (FieldTy, Span)> {
            if pipeline {
                s.sig.pipeline_inputs.clone()
            } else {
                s.sig.inputs.clone()
            }
        };
        let (old_inputs, new_inputs) = (pick(&old), pick(&new));
        compare_inputs(
            &mut checker,
            &old,
            &new,
            &old_inputs,
            &new_inputs,
            pipeline,
            &mut changes,
        );
    }
    compare_outputs(&old, &new, &mut changes);
    if new.decl.kind == DeclKind::Service {
        changes.extend(crate::versions::requires::compare_requires(
            program, &old, &new,
        ));
    }
    compare_targets(&old, &new, &mut changes);
    changes
}

/// The field that declares an input, for the spans of its type and default.
fn field<'a>(decl: &'a Decl, name: &str, pipeline: bool) -> Option<&'a Field> {
    decl.body.iter().find_map(|b| match b {
        BodyItem::Input(block) if block.pipeline == pipeline => {
            block.fields.iter().find(|f| f.name.name == name)
        }
        _ => None,
    })
}

#[allow(clippy::too_many_arguments)]
fn compare_inputs(
    checker: &mut Checker<'_>,
    old: &Side<'_>,
    new: &Side<'_>,
    old_inputs: &BTreeMap<String, (FieldTy, Span)>,
    new_inputs: &BTreeMap<String, (FieldTy, Span)>,
    pipeline: bool,
    changes: &mut Vec<Change>,
) {
    let word = input_word(pipeline);
    let added: Vec<&str> = new_inputs
        .keys()
        .filter(|k| !old_inputs.contains_key(*k))
        .map(String::as_str)
        .collect();
    let removed: Vec<&str> = old_inputs
        .keys()
        .filter(|k| !new_inputs.contains_key(*k))
        .map(String::as_str)
        .collect();
    for (name, (old_ty, old_span)) in old_inputs {
        let Some((new_ty, new_span)) = new_inputs.get(name) else {
            let renamed_to = rename_guess(name, &old_ty.ty, &removed, &added, new_inputs);
            let help = match &renamed_to {
                Some(r) => format!(
                    "renamed? a rename breaks every spec that sets `{name}`: keep `{name}` beside `{r}`, or publish a major version"
                ),
                None => format!(
                    "keep `{name}` (unused, if need be) so specs that set it still work, or publish a major version"
                ),
            };
            let d = Diagnostic::new(
                codes::BREAKING_CHANGE,
                format!("{word} `{name}` was removed"),
            )
            .with_primary(
                new.decl.name.span,
                format!("{} has no {word} `{name}`", new.named()),
            )
            .with_secondary(*old_span, format!("declared in {}", old.label))
            .with_note(format!(
                "specs that set `{name}` are refused by {}",
                new.label
            ))
            .with_help(help);
            changes.push(Change::reported(
                ChangeKind::InputRemoved {
                    input: name.clone(),
                    pipeline,
                    renamed_to,
                },
                d,
            ));
            continue;
        };
        let new_field = field(new.decl, name, pipeline);
        let old_field = field(old.decl, name, pipeline);
        let now_required = old_ty.optional && !new_ty.optional;
        if now_required {
            let d = Diagnostic::new(
                codes::BREAKING_CHANGE,
                format!("{word} `{name}` is now required"),
            )
            .with_primary(*new_span, "no default, and not optional")
            .with_secondary(*old_span, format!("optional in {}", old.label))
            .with_note(format!(
                "specs written for {} may leave `{name}` out",
                old.label
            ))
            .with_help(format!(
                "give `{name}` a default, or publish a major version"
            ));
            changes.push(Change::reported(
                ChangeKind::InputNowRequired {
                    input: name.clone(),
                    pipeline,
                },
                d,
            ));
        } else if !old_ty.optional && new_ty.optional {
            changes.push(Change::compatible(ChangeKind::InputNowOptional {
                input: name.clone(),
                pipeline,
            }));
        }
        // A required input no longer takes `null`: said once, as "now required".
        let old_values = match &old_ty.ty {
            Ty::Optional(t) if now_required => t,
            t => t,
        };
        if let Some(why) = narrowing(name, old_values, &new_ty.ty) {
            let type_span = new_field.map_or(*new_span, |f| f.ty.span);
            let old_type_span = old_field.map_or(*old_span, |f| f.ty.span);
            let d = Diagnostic::new(
                codes::BREAKING_CHANGE,
                format!("{word} `{name}` accepts fewer values than in {}", old.label),
            )
            .with_primary(type_span, why.clone())
            .with_secondary(old_type_span, format!("`{}` in {}", old_ty.ty, old.label))
            .with_note(format!(
                "a spec value {} accepted may be refused by {}",
                old.label, new.label
            ))
            .with_help(format!(
                "accept every value of `{}`, or publish a major version",
                old_ty.ty
            ));
            changes.push(Change::reported(
                ChangeKind::InputNarrowed {
                    input: name.clone(),
                    pipeline,
                    old: old_ty.ty.clone(),
                    new: new_ty.ty.clone(),
                    why,
                },
                d,
            ));
        } else if *old_values != new_ty.ty {
            changes.push(Change::compatible(ChangeKind::InputWidened {
                input: name.clone(),
                pipeline,
                old: old_values.clone(),
                new: new_ty.ty.clone(),
            }));
        }
        let old_default = effective_default(checker, old.id, old_field, &old_ty.ty);
        let new_default = effective_default(checker, new.id, new_field, &new_ty.ty);
        if let (Some(a), Some(b)) = (&old_default, &new_default)
            && !same_const(a, b)
        {
            let new_at = new_field
                .and_then(|f| f.default.as_ref().map(|d| d.span))
                .unwrap_or(*new_span);
            let old_default_span = old_field.and_then(|f| f.default.as_ref().map(|d| d.span));
            let (a_text, b_text) = (const_text(a), const_text(b));
            let d = Diagnostic::new(
                codes::DEFAULT_CHANGED,
                format!("the default of {word} `{name}` changed from `{a_text}` to `{b_text}`"),
            )
            .with_primary(
                new_at,
                format!("instances that leave `{name}` out get `{b_text}` when upgraded"),
            )
            .with_secondary(
                old_default_span.unwrap_or(*old_span),
                match old_default_span {
                    Some(_) => format!("`{a_text}` in {}", old.label),
                    None => format!("no default in {}: `{a_text}`", old.label),
                },
            )
            .with_help(format!(
                "to keep the old value, give `{name}: {a_text}` in the specs that leave it out"
            ));
            changes.push(Change::reported(
                ChangeKind::DefaultChanged {
                    input: name.clone(),
                    pipeline,
                    old: old_default.clone(),
                    new: new_default.clone(),
                },
                d,
            ));
        }
    }
    for name in &added {
        let Some((ty, span)) = new_inputs.get(*name) else {
            continue;
        };
        let kind = ChangeKind::InputAdded {
            input: name.to_string(),
            pipeline,
            required: !ty.optional,
        };
        if ty.optional {
            changes.push(Change::compatible(kind));
            continue;
        }
        let d = Diagnostic::new(
            codes::BREAKING_CHANGE,
            format!("new {word} `{name}` is required"),
        )
        .with_primary(*span, "no default, and not optional")
        .with_secondary(
            old.decl.name.span,
            format!("specs written for {} do not give it", old.label),
        )
        .with_help(format!(
            "give `{name}` a default, or make it optional (`{name}: {}?`), or publish a major version",
            ty.ty
        ));
        changes.push(Change::reported(kind, d));
    }
}

/// The added input a removed one was most likely renamed to: one whose type accepts
/// every old value, by name (did-you-mean), or the only candidate when one input went
/// and one came.
fn rename_guess(
    name: &str,
    old_ty: &Ty,
    removed: &[&str],
    added: &[&str],
    new_inputs: &BTreeMap<String, (FieldTy, Span)>,
) -> Option<String> {
    let fitting: Vec<&str> = added
        .iter()
        .copied()
        .filter(|a| {
            new_inputs
                .get(*a)
                .is_some_and(|(t, _)| narrowing(a, old_ty, &t.ty).is_none())
        })
        .collect();
    if let Some(s) = did_you_mean(name, fitting.iter().copied()) {
        return Some(s.to_string());
    }
    match (removed, fitting.as_slice()) {
        ([_], [only]) => Some(only.to_string()),
        _ => None,
    }
}

/// What an instance that leaves the input out gets: its default, `null` for an
/// optional type without one, `None` when the input is required (or the default is
/// not a constant the checker can compute).
fn effective_default(
    checker: &mut Checker<'_>,
    decl: DeclId,
    field: Option<&Field>,
    ty: &Ty,
) -> Option<Const> {
    match field.and_then(|f| f.default.as_ref()) {
        Some(d) => {
            let mut scope = Scope::empty(
                DeclId {
                    file: decl.file,
                    item: usize::MAX,
                },
                DeclKind::Module,
            );
            checker.expr_quiet(&mut scope, d).constant
        }
        None if matches!(ty, Ty::Optional(_)) => Some(Const::Null),
        None => None,
    }
}

/// Constants equal as values: `1` and `1.0` are one number (a spec cannot tell them
/// apart either), map entries in any order.
fn same_const(a: &Const, b: &Const) -> bool {
    use crate::types::ty::Lit;
    match (a, b) {
        (Const::Lit(Lit::Int(x)), Const::Lit(Lit::Number(y)))
        | (Const::Lit(Lit::Number(y)), Const::Lit(Lit::Int(x))) => (*x as f64) == *y,
        (Const::List(x), Const::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_const(p, q))
        }
        (Const::Map(x), Const::Map(y)) => {
            x.len() == y.len()
                && x.iter().all(|(k, v)| {
                    y.iter()
                        .find(|(l, _)| l == k)
                        .is_some_and(|(_, w)| same_const(v, w))
                })
        }
        _ => a == b,
    }
}

fn compare_outputs(old: &Side<'_>, new: &Side<'_>, changes: &mut Vec<Change>) {
    let readers = if new.decl.kind == DeclKind::Environment {
        "services that read it through `environment.outputs`"
    } else {
        "readers of the stack's outputs"
    };
    for (name, (old_ty, _, old_span)) in &old.sig.outputs {
        let Some((new_ty, _, new_span)) = new.sig.outputs.get(name) else {
            let d = Diagnostic::new(
                codes::BREAKING_CHANGE,
                format!("output `{name}` was removed"),
            )
            .with_primary(
                new.decl.name.span,
                format!("{} has no output `{name}`", new.named()),
            )
            .with_secondary(*old_span, format!("declared in {}", old.label))
            .with_note(format!("{readers} break"))
            .with_help(format!("keep output `{name}`, or publish a major version"));
            changes.push(Change::reported(
                ChangeKind::OutputRemoved {
                    output: name.clone(),
                },
                d,
            ));
            continue;
        };
        if old_ty == new_ty {
            continue;
        }
        // Covariant: every value the new output gives must be one the old could give.
        match narrowing(name, new_ty, old_ty) {
            None => changes.push(Change::compatible(ChangeKind::OutputNarrowed {
                output: name.clone(),
                old: old_ty.clone(),
                new: new_ty.clone(),
            })),
            Some(why) => {
                let d = Diagnostic::new(
                    codes::BREAKING_CHANGE,
                    format!("output `{name}` changed type from `{old_ty}` to `{new_ty}`"),
                )
                .with_primary(*new_span, format!("`{new_ty}` now"))
                .with_secondary(*old_span, format!("`{old_ty}` in {}", old.label))
                .with_note(format!("{readers} expect `{old_ty}`"))
                .with_help(format!(
                    "keep the type `{old_ty}` (or a narrower one), or publish a major version"
                ));
                changes.push(Change::reported(
                    ChangeKind::OutputTypeChanged {
                        output: name.clone(),
                        old: old_ty.clone(),
                        new: new_ty.clone(),
                        why,
                    },
                    d,
                ));
            }
        }
    }
    for name in new.sig.outputs.keys() {
        if !old.sig.outputs.contains_key(name) {
            changes.push(Change::compatible(ChangeKind::OutputAdded {
                output: name.clone(),
            }));
        }
    }
}

fn compare_targets(old: &Side<'_>, new: &Side<'_>, changes: &mut Vec<Change>) {
    for target in Target::ALL {
        match (
            old.sig.targets.supports(target),
            new.sig.targets.forbidden(target),
        ) {
            (true, Some(why)) => {
                let d = Diagnostic::new(
                    codes::BREAKING_CHANGE,
                    format!(
                        "{} can no longer be compiled for {}",
                        new.named(),
                        target.display()
                    ),
                )
                .with_primary(
                    why.span,
                    format!("{} is not available in {}", why.by, target.display()),
                )
                .with_secondary(
                    old.decl.name.span,
                    format!("{} supports {}", old.label, target.display()),
                )
                .with_help(format!(
                    "instances deployed with {} cannot upgrade: keep the template portable, or publish a major version",
                    target.display()
                ));
                changes.push(Change::reported(ChangeKind::TargetDropped { target }, d));
            }
            (false, None) => changes.push(Change::compatible(ChangeKind::TargetAdded { target })),
            _ => {}
        }
    }
}
