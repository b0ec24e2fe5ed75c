//! What the last check of a workspace found, kept by file, so that the next check
//! re-checks only what an edit can change: the edited files' declarations, the
//! declarations that depend on them (through an import, a `requires`, or another
//! version of the same template), and the service specs whose instances run one of
//! those templates. Everything else keeps the diagnostics and plans it had.
//!
//! The stages are the compiler's own (`types::check_files`, `check::lowering_errors`,
//! `workspace::SpecChecker`), only told which declarations and specs to look at. A
//! change to what a file declares (a template renamed, a version or a file added),
//! or a file saved, created or deleted, makes the next check a whole one.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};

use crate::diagnostics::Diagnostic;
use crate::resolve::Program;
use crate::syntax::ast::Item;
use crate::syntax::span::{FileId, SourceMap};
use crate::workspace::ServicePlan;

/// One file's name and a hash of its text, at a check.
pub type Stamp = (String, u64);

/// Diagnostics by the file of their primary span.
pub type ByFile = BTreeMap<FileId, Vec<Diagnostic>>;

/// A service spec's last check: what it found, and its plan when it had one.
#[derive(Clone)]
pub struct ServiceCheck {
    pub diagnostics: Vec<Diagnostic>,
    pub plan: Option<ServicePlan>,
}

/// What the last check of a workspace found.
#[derive(Default)]
pub struct Previous {
    pub stamps: Vec<Stamp>,
    /// What each template file declares: (keyword, name, version).
    pub shapes: BTreeMap<FileId, Vec<String>>,
    pub types: ByFile,
    /// `None` when the last check did not get as far (an error stopped it).
    pub lowering: Option<ByFile>,
    pub services: Option<BTreeMap<FileId, ServiceCheck>>,
    /// A file changed on disk since: check everything again.
    pub stale: bool,
}

pub fn stamps(map: &SourceMap) -> Vec<Stamp> {
    map.files()
        .map(|(_, f)| {
            let mut h = DefaultHasher::new();
            f.text.hash(&mut h);
            (f.name.clone(), h.finish())
        })
        .collect()
}

/// What each user template file of `program` declares, for [`Previous::shapes`].
pub fn shapes(program: &Program) -> BTreeMap<FileId, Vec<String>> {
    let mut out = BTreeMap::new();
    for (id, d) in program.user_decls() {
        let name = d.name.as_plain().unwrap_or_default();
        let version = program
            .versions_of(d.kind, &name)
            .iter()
            .find(|(_, d)| *d == id)
            .map(|(v, _)| format!("{v:?}"))
            .unwrap_or_default();
        out.entry(id.file)
            .or_insert_with(Vec::new)
            .push(format!("{} {name} {version}", d.kind.keyword()));
    }
    out
}

/// The files an edit changed, when the next check can be a partial one: the same
/// files, by the same names, declaring the same templates; `None` otherwise.
pub fn changed(
    prev: &Previous,
    stamps: &[Stamp],
    shapes: &BTreeMap<FileId, Vec<String>>,
) -> Option<BTreeSet<FileId>> {
    if prev.stale || prev.stamps.len() != stamps.len() || prev.shapes != *shapes {
        return None;
    }
    let mut out = BTreeSet::new();
    for (i, (old, new)) in prev.stamps.iter().zip(stamps).enumerate() {
        if old.0 != new.0 {
            return None;
        }
        if old.1 != new.1 {
            out.insert(FileId(i as u32));
        }
    }
    Some(out)
}

/// The changed files and every template file that depends on one, directly or not.
pub fn affected(program: &Program, changed: &BTreeSet<FileId>) -> BTreeSet<FileId> {
    // Each file's dependencies: what it imports, the files of the environments its
    // declarations require, and the files declaring other versions of its templates.
    let mut depends: BTreeMap<FileId, BTreeSet<FileId>> = BTreeMap::new();
    for f in program.files.values() {
        let deps = depends.entry(f.id).or_default();
        deps.extend(f.imports.values().copied());
        for item in &f.ast.items {
            let Item::Decl(d) = item else { continue };
            let name = d.name.as_plain().unwrap_or_default();
            deps.extend(
                program
                    .versions_of(d.kind, &name)
                    .iter()
                    .map(|(_, id)| id.file),
            );
            for b in &d.body {
                if let crate::syntax::ast::BodyItem::Requires(r) = b {
                    let env = r.name.as_plain().unwrap_or_default();
                    deps.extend(
                        program
                            .versions_of(crate::syntax::ast::DeclKind::Environment, &env)
                            .iter()
                            .map(|(_, id)| id.file),
                    );
                }
            }
        }
    }
    let mut out = changed.clone();
    loop {
        let before = out.len();
        for (file, deps) in &depends {
            if !out.contains(file) && deps.iter().any(|d| out.contains(d)) {
                out.insert(*file);
            }
        }
        if out.len() == before {
            return out;
        }
    }
}

/// `found` (from checking the `affected` files) in place of what `old` held for
/// those files; what it found about other files is what `old` holds already.
pub fn merge(old: &ByFile, found: Vec<Diagnostic>, affected: &BTreeSet<FileId>) -> ByFile {
    let mut out: ByFile = old
        .iter()
        .filter(|(f, _)| !affected.contains(f))
        .map(|(f, d)| (*f, d.clone()))
        .collect();
    for (f, d) in by_file(found) {
        if affected.contains(&f) {
            out.insert(f, d);
        }
    }
    out
}

pub fn by_file(found: Vec<Diagnostic>) -> ByFile {
    let mut out = ByFile::new();
    for d in found {
        if let Some(s) = d.primary_span() {
            out.entry(s.file).or_default().push(d);
        }
    }
    out
}

/// Whether a service spec checked before must be checked again: it changed, it had
/// no plan, or one of its templates is among the `affected` files.
pub fn service_is_stale(
    file: FileId,
    last: Option<&ServiceCheck>,
    changed: &BTreeSet<FileId>,
    affected: &BTreeSet<FileId>,
) -> bool {
    let Some(last) = last else { return true };
    let Some(plan) = &last.plan else { return true };
    changed.contains(&file)
        || affected.contains(&plan.decl.file)
        || plan
            .instances
            .iter()
            .any(|i| affected.contains(&i.decl.file))
}
