//! What the last check of a workspace found, kept by file, so that the next check
//! re-checks only what an edit can change: the edited files' declarations, the
//! declarations that depend on them (through an import, a `requires`, or another
//! version of the same template), and the service specs whose instances run one of
//! those templates. Everything else keeps the diagnostics and plans it had.
//!
//! The stages are the compiler's own (`types::check_files`, `check::lowering_errors_by_file`,
//! `workspace::SpecChecker`), only told which declarations and specs to look at. A
//! change to what a file declares (a template renamed, a version or a file added),
//! or a file saved, created or deleted, makes the next check a whole one.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};

use crate::diagnostics::Diagnostic;
use crate::resolve::Program;
use crate::syntax::ast::Item;
use crate::syntax::span::{FileId, SourceMap, Span};
use crate::workspace::ServicePlan;

/// One file's name and a hash of its text, at a check.
pub type Stamp = (String, u64);

/// Diagnostics by file: of their primary span (the type check's), or of the template
/// that found them (the compile stage's, which may point into a module it uses).
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
    /// Each service spec as read (with what reading it found), and its text's hash.
    pub read: BTreeMap<FileId, (u64, Option<crate::spec::SpecFile>, Vec<Diagnostic>)>,
    /// The user's template files' texts, to tell what an edit changed in them.
    pub texts: BTreeMap<FileId, String>,
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

/// Where an edit moved a file's text: the bytes before `keep` stayed, those from
/// `tail` on (in the old text) moved by `delta`; those between were replaced.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shift {
    keep: u32,
    tail: u32,
    delta: i64,
}

impl Shift {
    pub fn between(old: &str, new: &str) -> Shift {
        let (a, b) = (old.as_bytes(), new.as_bytes());
        let keep = a.iter().zip(b).take_while(|(x, y)| x == y).count();
        let room = a.len().min(b.len()) - keep;
        let same_end = a
            .iter()
            .rev()
            .zip(b.iter().rev())
            .take(room)
            .take_while(|(x, y)| x == y)
            .count();
        Shift {
            keep: keep as u32,
            tail: (a.len() - same_end) as u32,
            delta: b.len() as i64 - a.len() as i64,
        }
    }

    /// Where `span` of the old text is in the new; `None` when the edit touched it.
    pub fn span(&self, span: Span) -> Option<Span> {
        if span.end <= self.keep {
            return Some(span);
        }
        if span.start < self.tail {
            return None;
        }
        let moved = |o: u32| u32::try_from(i64::from(o) + self.delta).ok();
        Some(Span::new(
            span.file,
            moved(span.start)? as usize,
            moved(span.end)? as usize,
        ))
    }
}

/// Whether `new` reads as `old` does to a spec's check: the same tokens, but for
/// the text of a `description = "…"` (comments and white space are no tokens). A
/// spec check reads a template's inputs, pipeline, requirements and resources,
/// never its description.
pub fn same_for_specs(old: &str, new: &str) -> bool {
    use crate::syntax::lexer::Lexer;
    use crate::syntax::token::TokKind;
    let tokens = |t: &str| -> Vec<(TokKind, usize, usize)> {
        Lexer::new(t, FileId(0))
            .kinds()
            .map(|(l, k, r)| (k, l, r))
            .collect()
    };
    let (a, b) = (tokens(old), tokens(new));
    if a.len() != b.len() {
        return false;
    }
    let text = |t: &str, l: usize, r: usize| t.get(l..r).unwrap_or("").to_string();
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        if x.0 != y.0 {
            return false;
        }
        let same = text(old, x.1, x.2) == text(new, y.1, y.2);
        // `description = " TEXT "`: the text two tokens after `=`.
        let in_description = x.0 == TokKind::StrText
            && i >= 3
            && a[i - 1].0 == TokKind::StrOpen
            && a[i - 2].0 == TokKind::Eq
            && a[i - 3].0 == TokKind::Ident
            && text(old, a[i - 3].1, a[i - 3].2) == "description"
            && a.get(i + 1).map(|t| t.0) == Some(TokKind::StrClose);
        if !same && !in_description {
            return false;
        }
    }
    true
}

/// A spec's last check, its diagnostics' places moved as `shifts` (by file) say;
/// `None` when an edit touched one of them.
pub fn shifted(check: &ServiceCheck, shifts: &BTreeMap<FileId, Shift>) -> Option<ServiceCheck> {
    let mut out = check.clone();
    for d in &mut out.diagnostics {
        for l in &mut d.labels {
            if let Some(s) = shifts.get(&l.span.file) {
                l.span = s.span(l.span)?;
            }
        }
    }
    Some(out)
}
