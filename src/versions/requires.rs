//! The environments a service admits, before and after: a version that admits fewer
//! environment templates or versions strands the instances running in the others.
//!
//! A service without `requires` admits every environment; with some, an environment
//! whose template one of them names and whose version its constraint admits (as
//! `workspace/` checks instances). Constraints are unions of intervals of
//! `MAJOR.MINOR` versions whose ends are the versions they name, the next minor, or
//! the next major; so comparing the two services at those versions (and `0.0`, and
//! the versions the workspace has) decides exactly whether some version was dropped.

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostics::{Diagnostic, codes};
use crate::resolve::{Program, Version};
use crate::syntax::ast::{BodyItem, Decl, DeclKind, Requires};
use crate::types::versions::admits;
use crate::versions::compat::Side;
use crate::versions::{Change, ChangeKind};

/// What one version of a service admits.
struct Admission<'a> {
    /// No `requires`: every environment.
    any: bool,
    by_name: BTreeMap<String, Vec<&'a Requires>>,
}

impl<'a> Admission<'a> {
    fn of(decl: &'a Decl) -> Admission<'a> {
        let mut by_name: BTreeMap<String, Vec<&Requires>> = BTreeMap::new();
        for b in &decl.body {
            if let BodyItem::Requires(r) = b
                && let Some(name) = r.name.as_plain()
            {
                by_name.entry(name).or_default().push(r);
            }
        }
        Admission {
            any: by_name.is_empty(),
            by_name,
        }
    }

    fn admits(&self, name: &str, v: Version) -> bool {
        self.any
            || self
                .by_name
                .get(name)
                .is_some_and(|rs| rs.iter().any(|r| admits(&r.constraint, v)))
    }

    /// Where messages point for `name`: its constraint, or the first `requires`.
    fn span(&self, name: &str) -> Option<crate::syntax::span::Span> {
        self.by_name
            .get(name)
            .and_then(|rs| rs.first())
            .map(|r| r.constraint.span)
            .or_else(|| {
                self.by_name
                    .values()
                    .flatten()
                    .map(|r| r.span)
                    .min_by_key(|s| s.start)
            })
    }
}

/// The versions at which two admissions of `name` can differ (see the module doc).
fn witnesses(program: &Program, name: &str, sides: [&Admission<'_>; 2]) -> BTreeSet<Version> {
    let mut out: BTreeSet<Version> = program
        .versions_of(DeclKind::Environment, name)
        .iter()
        .filter_map(|(v, _)| *v)
        .collect();
    out.insert(Version { major: 0, minor: 0 });
    for a in sides {
        for r in a.by_name.get(name).into_iter().flatten() {
            for set in &r.constraint.alternatives {
                for c in &set.comparators {
                    let (major, minor) = (c.version.major, c.version.minor.unwrap_or(0));
                    out.insert(Version { major, minor });
                    out.insert(Version {
                        major,
                        minor: minor.saturating_add(1),
                    });
                    out.insert(Version {
                        major: major.saturating_add(1),
                        minor: 0,
                    });
                }
            }
        }
    }
    out
}

/// The environment versions `from` admits and `to` does not, by template name, in
/// words: the workspace's versions when some are dropped, else the lowest dropped one.
fn lost(program: &Program, from: &Admission<'_>, to: &Admission<'_>) -> Vec<(String, String)> {
    let mut names: BTreeSet<String> = from
        .by_name
        .keys()
        .chain(to.by_name.keys())
        .cloned()
        .collect();
    if from.any {
        names.extend(
            program
                .templates
                .keys()
                .filter(|(k, _)| *k == DeclKind::Environment)
                .map(|(_, n)| n.clone()),
        );
    }
    let mut out = Vec::new();
    for name in names {
        let known: BTreeSet<Version> = program
            .versions_of(DeclKind::Environment, &name)
            .iter()
            .filter_map(|(v, _)| *v)
            .collect();
        let dropped: Vec<Version> = witnesses(program, &name, [from, to])
            .into_iter()
            .filter(|v| from.admits(&name, *v) && !to.admits(&name, *v))
            .collect();
        let known_dropped: Vec<String> = dropped
            .iter()
            .filter(|v| known.contains(v))
            .map(Version::to_string)
            .collect();
        let text = if !known_dropped.is_empty() {
            format!("`{name}` {} environments", known_dropped.join(", "))
        } else if let Some(v) = dropped.first() {
            format!("`{name}` {v} environments")
        } else {
            continue;
        };
        out.push((name, text));
    }
    if from.any && !to.any {
        let named: Vec<String> = to.by_name.keys().map(|n| format!("`{n}`")).collect();
        out.push((
            String::new(),
            format!("environments of any template but {}", named.join(", ")),
        ));
    }
    out
}

/// The changes in what a service admits between two versions.
pub(crate) fn compare_requires(program: &Program, old: &Side<'_>, new: &Side<'_>) -> Vec<Change> {
    let (before, after) = (Admission::of(old.decl), Admission::of(new.decl));
    let mut changes = Vec::new();
    for (name, text) in lost(program, &before, &after) {
        let primary = after.span(&name).unwrap_or(new.decl.name.span);
        let (secondary, was) = match before.span(&name) {
            Some(s) if !before.any => (s, format!("{} admits {text}", old.label)),
            _ => (
                old.decl.name.span,
                format!("{} admits every environment", old.label),
            ),
        };
        let d = Diagnostic::new(
            codes::BREAKING_CHANGE,
            format!("{} no longer admits {text}", new.named()),
        )
        .with_primary(primary, format!("{text} are not admitted here"))
        .with_secondary(secondary, was)
        .with_note(format!(
            "instances running in those environments cannot upgrade to {}",
            new.label
        ))
        .with_help("admit them too (join constraints with `||`), or publish a major version");
        changes.push(Change::reported(
            ChangeKind::EnvironmentsDropped {
                dropped: vec![text],
            },
            d,
        ));
    }
    let gained: Vec<String> = lost(program, &after, &before)
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    if !gained.is_empty() {
        changes.push(Change::compatible(ChangeKind::EnvironmentsAdded {
            added: gained,
        }));
    }
    changes
}
