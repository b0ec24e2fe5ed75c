//! The instance-level comparison: each existing instance rendered with the old and
//! the new version (the lowering `formwork render` runs), and the resources of the two
//! stacks compared by logical ID (CloudFormation) or address (Terraform: type and
//! name, so a Terraform resource whose type changes is a deletion and a creation).
//!
//! - A resource only the old stack has is deleted when the instance upgrades: breaking.
//!   So is a resource renamed, since names come from template paths.
//! - A resource whose type changed is replaced: breaking.
//! - A resource whose create-only property changed is replaced: breaking. Which
//!   properties are create-only comes from the resource catalogs: for CloudFormation
//!   the provider schemas' `createOnlyProperties` (nested paths too), for Terraform the
//!   `ForceNew` arguments the provider documents for the types the stdlib uses
//!   (`stdlib/terraform/documented.json`: its schema does not say). A type neither
//!   catalog knows (an `untyped` resource) has no such data: only its removal and a
//!   change of its type are caught; its property changes are taken as updates.
//! - Other property changes are updates in place, and new resources are created:
//!   compatible, and listed.
//!
//! Each finding is reported once, with every instance that shows it. `depends_on` and
//! `lifecycle` changes are not compared: neither replaces a resource.

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostics::{Diagnostic, codes};
use crate::ir::lower::{self, Cache, Inputs, InstanceContext, Request};
use crate::ir::{Mode, Resource, Stack};
use crate::resolve::{DeclId, Program};
use crate::syntax::span::Span;
use crate::types::Checker;
use crate::types::resources::lookup;
use crate::types::targets::Target;
use crate::versions::canon::{Canon, address};
use crate::versions::compat::{Side, side};
use crate::versions::{Change, ChangeKind};

/// An instance deployed with the old version.
#[derive(Debug, Clone, PartialEq)]
pub struct ExistingInstance {
    /// The instance's name: a service instance's, or the environment's.
    pub name: String,
    /// For a service instance: the environment it runs in.
    pub environment: Option<String>,
    /// Its values, as the spec gives them, checked against the old version
    /// (`spec::check_inputs`, then `compile::inputs`).
    pub inputs: Inputs,
    /// What else its spec says of it (`service.name`, …).
    pub context: InstanceContext,
}

/// Renders every instance with both versions for `target` and compares the
/// resources. The program must have been checked without errors. When either version
/// cannot be compiled for `target`, there is nothing to compare (the signature
/// comparison reports a dropped target).
///
/// `Err` holds the diagnostics of an instance the old version cannot render: its
/// values are wrong, which no change of the template explains. An instance the new
/// version cannot render is a breaking change, except for a missing input: a new
/// required input is the signature comparison's to report.
pub fn compare_instances(
    program: &Program,
    old: DeclId,
    new: DeclId,
    instances: &[ExistingInstance],
    target: Target,
) -> Result<Vec<Change>, Vec<Diagnostic>> {
    let mut checker = Checker::new(program);
    let mut cache = Cache::default();
    let (Some(old), Some(new)) = (side(&mut checker, old), side(&mut checker, new)) else {
        return Ok(Vec::new());
    };
    if !old.sig.targets.supports(target) || !new.sig.targets.supports(target) {
        return Ok(Vec::new());
    }
    let mut findings: BTreeMap<(String, u8), Finding> = BTreeMap::new();
    let mut changes = Vec::new();
    for inst in instances {
        let before = render(&mut checker, &mut cache, old.id, target, inst)?;
        let after = match render(&mut checker, &mut cache, new.id, target, inst) {
            Ok(stack) => stack,
            Err(diags) => {
                if let Some(d) = not_rendered(&new, inst, &diags) {
                    changes.push(Change::reported(
                        ChangeKind::InstanceNotRendered {
                            instance: inst.name.clone(),
                        },
                        d,
                    ));
                }
                continue;
            }
        };
        compare_stacks(&before, &after, &inst.name, &mut findings);
    }
    changes.extend(
        findings
            .into_values()
            .map(|f| f.into_change(&old, &new, target)),
    );
    Ok(changes)
}

fn render(
    checker: &mut Checker<'_>,
    cache: &mut Cache,
    decl: DeclId,
    target: Target,
    inst: &ExistingInstance,
) -> Result<Stack, Vec<Diagnostic>> {
    let request = Request {
        decl,
        target,
        mode: Mode::Render,
        inputs: Some(&inst.inputs),
        instance: Some(inst.name.clone()),
        environment: inst.environment.clone(),
        source_hash: String::new(),
        context: inst.context.clone(),
    };
    lower::lower(checker, cache, &request)
}

/// The change for an instance the new version cannot render, unless only missing
/// inputs stop it (reported by the signature comparison).
fn not_rendered(
    new: &Side<'_>,
    inst: &ExistingInstance,
    diags: &[Diagnostic],
) -> Option<Diagnostic> {
    let cause = diags
        .iter()
        .find(|d| d.is_error() && d.code != codes::MISSING_SPEC_INPUT)?;
    let span = cause.primary_span().unwrap_or(new.decl.name.span);
    Some(
        Diagnostic::new(
            codes::RESOURCE_REPLACED,
            format!(
                "instance `{}` cannot be rendered with {}",
                inst.name,
                new.named()
            ),
        )
        .with_primary(span, cause.message.clone())
        .with_note(format!("{} error: {}", cause.code.id, cause.message))
        .with_help("make the new version accept the instance's values, or publish a major version"),
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum What {
    Removed,
    TypeChanged,
    Replaced,
    Updated,
    Added,
}

/// One resource's change, over every instance that shows it.
struct Finding {
    what: What,
    resource: String,
    type_name: String,
    new_type: String,
    old_span: Option<Span>,
    new_span: Option<Span>,
    instances: Vec<String>,
    /// Replaced: the create-only paths that changed; updated: the changed paths.
    paths: BTreeSet<String>,
    /// Replaced: the first create-only path's old and new value, in the first instance.
    values: Option<(String, String, String)>,
    /// Removed: an added resource of the same type, in the first instance (a rename?).
    renamed_to: Option<String>,
}

impl Finding {
    fn new(what: What, resource: &Resource, target: Target, instance: &str) -> Finding {
        Finding {
            what,
            resource: address(resource, target),
            type_name: resource.type_name.clone(),
            new_type: resource.type_name.clone(),
            old_span: None,
            new_span: None,
            instances: vec![instance.to_string()],
            paths: BTreeSet::new(),
            values: None,
            renamed_to: None,
        }
    }
}

/// The properties of a resource as one map, so paths start at property names.
fn properties(r: &Resource, stack: &Stack) -> Canon {
    Canon::Map(
        r.properties
            .iter()
            .map(|(k, v)| (k.clone(), Canon::of(v, stack)))
            .collect(),
    )
}

fn compare_stacks(
    before: &Stack,
    after: &Stack,
    instance: &str,
    findings: &mut BTreeMap<(String, u8), Finding>,
) {
    let target = after.target;
    let old_by_id: BTreeMap<String, &Resource> = before
        .resources
        .iter()
        .map(|r| (address(r, target), r))
        .collect();
    let new_by_id: BTreeMap<String, &Resource> = after
        .resources
        .iter()
        .map(|r| (address(r, target), r))
        .collect();
    let mut record = |what: What, r: &Resource, fill: &mut dyn FnMut(&mut Finding)| {
        let f = findings
            .entry((address(r, target), what as u8))
            .or_insert_with(|| {
                let mut f = Finding::new(what, r, target, instance);
                fill(&mut f);
                f
            });
        if f.instances.last().map(String::as_str) != Some(instance) {
            f.instances.push(instance.to_string());
            if matches!(what, What::Updated) {
                fill(f);
            }
        }
    };
    for (id, old) in &old_by_id {
        let Some(new) = new_by_id.get(id) else {
            let renamed_to = after
                .resources
                .iter()
                .map(|n| (n, address(n, target)))
                .find(|(n, a)| n.type_name == old.type_name && !old_by_id.contains_key(a))
                .map(|(_, a)| a);
            record(What::Removed, old, &mut |f| {
                f.old_span = Some(old.span);
                f.renamed_to = renamed_to.clone();
            });
            continue;
        };
        if old.type_name != new.type_name {
            record(What::TypeChanged, old, &mut |f| {
                f.old_span = Some(old.span);
                f.new_span = Some(new.span);
                f.new_type = new.type_name.clone();
            });
            continue;
        }
        let (a, b) = (properties(old, before), properties(new, after));
        let mut paths = Vec::new();
        Canon::differences(Some(&a), Some(&b), "", &mut paths);
        if paths.is_empty() {
            continue;
        }
        let schema = lookup(&new.type_name);
        let create_only: Vec<&String> = paths
            .iter()
            .filter(|p| schema.is_some_and(|s| s.replaces_on_change(p)))
            .collect();
        if let Some(first) = create_only.first() {
            let shown = |c: &Canon| {
                c.at(first)
                    .map_or("nothing".to_string(), |v| format!("`{}`", v.short()))
            };
            let values = ((*first).clone(), shown(&a), shown(&b));
            let all: BTreeSet<String> = create_only.iter().map(|p| (*p).clone()).collect();
            record(What::Replaced, new, &mut |f| {
                f.old_span = Some(old.span);
                f.new_span = Some(new.span);
                f.paths = all.clone();
                f.values = Some(values.clone());
            });
        } else {
            record(What::Updated, new, &mut |f| {
                f.paths.extend(paths.iter().cloned());
            });
        }
    }
    for (id, new) in &new_by_id {
        if !old_by_id.contains_key(id) {
            record(What::Added, new, &mut |_| {});
        }
    }
}

fn instances_text(instances: &[String]) -> String {
    let names: Vec<String> = instances.iter().map(|n| format!("`{n}`")).collect();
    match names.as_slice() {
        [one] => format!("instance {one}"),
        _ => format!("instances {}", names.join(", ")),
    }
}

impl Finding {
    fn into_change(self, old: &Side<'_>, new: &Side<'_>, target: Target) -> Change {
        let Finding {
            what,
            resource,
            type_name,
            new_type,
            old_span,
            new_span,
            instances,
            paths,
            values,
            renamed_to,
        } = self;
        let tool = target.display();
        let id_word = match target {
            Target::CloudFormation => "logical ID",
            Target::Terraform => "address",
        };
        let which = instances_text(&instances);
        let old_span = old_span.unwrap_or(old.decl.name.span);
        let new_span = new_span.unwrap_or(new.decl.name.span);
        match what {
            What::Added => Change::compatible(ChangeKind::ResourceAdded {
                resource,
                type_name,
                instances,
            }),
            What::Updated => Change::compatible(ChangeKind::ResourceUpdated {
                resource,
                type_name,
                properties: paths.into_iter().collect(),
                instances,
            }),
            What::Removed => {
                let help = match &renamed_to {
                    Some(r) => format!(
                        "renamed to `{r}`? a new {id_word} is a new resource: keep the old name (names come from template paths), or publish a major version with a migration"
                    ),
                    None => {
                        "keep the resource, or publish a major version with a migration".to_string()
                    }
                };
                let d = Diagnostic::new(
                    codes::RESOURCE_REPLACED,
                    format!("resource `{resource}` would be deleted from {which}"),
                )
                .with_primary(
                    new_span,
                    format!("{} no longer creates `{resource}`", new.named()),
                )
                .with_secondary(old_span, format!("created here in {}", old.label))
                .with_note(format!(
                    "{tool} deletes a resource whose {id_word} leaves the template, and what it holds with it"
                ))
                .with_help(help);
                Change::reported(
                    ChangeKind::ResourceRemoved {
                        resource,
                        type_name,
                        instances,
                    },
                    d,
                )
            }
            What::TypeChanged => {
                let d = Diagnostic::new(
                    codes::RESOURCE_REPLACED,
                    format!("resource `{resource}` would be replaced in {which}"),
                )
                .with_primary(new_span, format!("its type is `{new_type}` now"))
                .with_secondary(old_span, format!("`{type_name}` in {}", old.label))
                .with_note(format!(
                    "{tool} cannot change a resource's type: it creates a new resource and deletes the old one"
                ))
                .with_help("keep the type, declare the new resource under a new name beside the old one, or publish a major version with a migration");
                Change::reported(
                    ChangeKind::ResourceTypeChanged {
                        resource,
                        old_type: type_name,
                        new_type,
                        instances,
                    },
                    d,
                )
            }
            What::Replaced => {
                let (property, before, after) = values.unwrap_or_default();
                let others: Vec<String> = paths
                    .iter()
                    .filter(|p| **p != property)
                    .map(|p| format!("`{p}`"))
                    .collect();
                let mut d = Diagnostic::new(
                    codes::RESOURCE_REPLACED,
                    format!("resource `{resource}` would be replaced in {which}"),
                )
                .with_primary(
                    new_span,
                    format!("`{property}` changes from {before} to {after}"),
                )
                .with_secondary(old_span, format!("in {}", old.label))
                .with_note(format!(
                    "`{property}` of `{type_name}` is create-only: {tool} replaces the resource to change it (a new one is created, the old one deleted)"
                ));
                if !others.is_empty() {
                    d = d.with_note(format!("so are {}, which change too", others.join(", ")));
                }
                let d = d.with_help(format!(
                    "keep `{property}` as it was for existing instances (an input whose default is the old value, say), or publish a major version with a migration"
                ));
                Change::reported(
                    ChangeKind::ResourceReplaced {
                        resource,
                        type_name,
                        property,
                        instances,
                    },
                    d,
                )
            }
        }
    }
}
