//! One check of a workspace (or of the loose files open outside any): the files
//! from disk with the editor's unsaved buffers over them, through the very stages
//! `formwork check` runs (`check::build_and_check`, then `workspace::plan_reporting`,
//! whose `SpecChecker` checks every spec), and the diagnostics sorted by file.
//! Files unchanged since the last check are not parsed again (`check::ParseCache`);
//! only the declarations and specs an edit can change are checked again
//! (`incremental`), and resolving the names is done for the whole program each time.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::check::add_source;
use crate::diagnostics::{Diagnostic, codes};
use crate::resolve::Program;
use crate::syntax::span::{FileId, SourceMap, Span};
use crate::workspace::config::read_config;

use super::files::{Disk, Kind};
use super::incremental::{self, Previous, ServiceCheck};
use crate::workspace::SpecChecker;

/// What one check found, and what the requests read: the source map (the texts
/// checked), the checked program, and which file is which.
pub struct Analysis {
    pub map: SourceMap,
    pub program: Option<Program>,
    /// The path of each file of the map (`None` for the standard library's).
    pub paths: Vec<Option<PathBuf>>,
    pub kinds: BTreeMap<FileId, Kind>,
    pub environments: Vec<FileId>,
    pub services: Vec<FileId>,
    /// Every diagnostic, by the file of its primary span.
    pub diagnostics: BTreeMap<PathBuf, Vec<Diagnostic>>,
    /// What the check did: files parsed and reused, declarations checked.
    pub work: Work,
}

#[derive(Debug, Default, Clone, Copy)]
pub struct Work {
    pub parsed: usize,
    pub reused: usize,
    /// Declarations type-checked (the standard library's count on a whole check).
    pub declarations: usize,
    /// Service specs checked, and their instances.
    pub specs: usize,
    pub instances: usize,
}

impl Analysis {
    /// The file of the map that is `path`.
    pub fn file_of(&self, path: &Path) -> Option<FileId> {
        self.paths
            .iter()
            .position(|p| p.as_deref() == Some(path))
            .map(|i| FileId(i as u32))
    }

    pub fn path_of(&self, id: FileId) -> Option<&Path> {
        self.paths.get(id.0 as usize).and_then(|p| p.as_deref())
    }
}

/// Checks the workspace of `disk`, with `open` (the editor's buffers, by path)
/// read instead of the disk's copies.
pub fn check_workspace(
    disk: &Disk,
    open: &BTreeMap<PathBuf, String>,
    cache: &mut crate::check::ParseCache,
    previous: &mut Previous,
) -> Analysis {
    let mut texts: BTreeMap<(Kind, &Path), &[u8]> = BTreeMap::new();
    for (p, bytes) in &disk.files {
        if let Some(k) = disk.kind(p) {
            texts.insert((k, p), bytes);
        }
    }
    for (p, text) in open {
        if let Some(k) = disk.kind(p) {
            texts.insert((k, p), text.as_bytes());
        }
    }
    let mut map = SourceMap::new();
    let mut problems = Vec::new();
    let mut paths = Vec::new();
    let mut kinds = BTreeMap::new();
    let mut environments = Vec::new();
    let mut services = Vec::new();
    // Templates first, then the settings and the index, then environments, services:
    // the order `formwork check` reads them in.
    for ((kind, path), bytes) in &texts {
        let (id, problem) = add_source(&mut map, path.to_string_lossy(), bytes);
        paths.push(Some(path.to_path_buf()));
        kinds.insert(id, *kind);
        match (problem, kind) {
            (Some(p), _) => problems.push(p),
            (None, Kind::Config) => {
                let text = map.get(id).map(|f| f.text.clone()).unwrap_or_default();
                problems.extend(read_config(id, &text).1);
            }
            (None, Kind::Environment) => environments.push(id),
            (None, Kind::Service) => services.push(id),
            _ => {}
        }
    }
    let (program, mut diagnostics) = crate::check::build_cached(&mut map, problems, cache);
    let work = check_incrementally(
        &program,
        &map,
        &environments,
        &services,
        previous,
        &mut diagnostics,
    );
    diagnostics.sort_by_key(|d| d.primary_span().map(|s| (s.file, s.start, s.end)));
    diagnostics.dedup();
    let mut a = finish(
        map,
        Some(program),
        paths,
        kinds,
        environments,
        services,
        diagnostics,
    );
    a.work = Work {
        parsed: cache.parsed,
        reused: cache.reused,
        ..work
    };
    a
}

/// The checks after parsing and resolving, of what `previous` says an edit can have
/// changed (everything, for a first check): types, then (without errors) what
/// compiling each template finds, then the specs. Adds to `diagnostics` and keeps
/// what it found in `previous` for the next check.
fn check_incrementally(
    program: &Program,
    map: &SourceMap,
    environments: &[FileId],
    services: &[FileId],
    previous: &mut Previous,
    diagnostics: &mut Vec<Diagnostic>,
) -> Work {
    let stamps = incremental::stamps(map);
    let shapes = incremental::shapes(program);
    // A change to a file that is neither a template nor a spec (`formwork.yaml`, the
    // registry's index) can change how every spec reads: check everything.
    let known = |f: &FileId| {
        program.files.contains_key(f) || environments.contains(f) || services.contains(f)
    };
    let changed = incremental::changed(previous, &stamps, &shapes).filter(|c| c.iter().all(known));
    let all: BTreeSet<FileId> = program.files.keys().copied().collect();
    let affected = match &changed {
        Some(c) => incremental::affected(program, c),
        None => all.clone(),
    };
    // Templates whose edit a spec's check cannot see (a description, comments): the
    // specs running them keep their last check, its places moved.
    let shifts: BTreeMap<FileId, incremental::Shift> = match &changed {
        None => BTreeMap::new(),
        Some(c) => c
            .iter()
            .filter_map(|f| {
                let old = previous.texts.get(f)?;
                let new = &map.get(*f)?.text;
                incremental::same_for_specs(old, new)
                    .then(|| (*f, incremental::Shift::between(old, new)))
            })
            .collect(),
    };
    let changed = changed.unwrap_or_else(|| all.clone());
    let for_specs: BTreeSet<FileId> = changed
        .iter()
        .filter(|f| !shifts.contains_key(f))
        .copied()
        .collect();
    let affected_specs = incremental::affected(program, &for_specs);
    previous.texts = program
        .user_decls()
        .map(|(id, _)| id.file)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .filter_map(|f| Some((f, map.get(f)?.text.clone())))
        .collect();
    let mut work = Work {
        declarations: program
            .files
            .values()
            .filter(|f| affected.contains(&f.id))
            .flat_map(|f| &f.ast.items)
            .filter(|i| matches!(i, crate::syntax::ast::Item::Decl(_)))
            .count(),
        ..Work::default()
    };
    let found = crate::types::check_files(program, &|f| affected.contains(&f));
    let types = incremental::merge(&previous.types, found, &affected);
    diagnostics.extend(types.values().flatten().cloned());
    previous.stamps = stamps;
    previous.shapes = shapes;
    previous.types = types;
    previous.stale = false;
    if diagnostics.iter().any(Diagnostic::is_error) {
        previous.lowering = None;
        previous.services = None;
        return work;
    }
    // Kept by the file of the template that found them, not the file they point
    // into: re-checking a template replaces all of its errors, also those in an
    // unchanged module it uses.
    let lowering = match &previous.lowering {
        Some(old) => {
            let found =
                crate::check::lowering_errors_by_file(program, &|d| affected.contains(&d.file));
            let mut out: incremental::ByFile = old
                .iter()
                .filter(|(f, _)| !affected.contains(f))
                .map(|(f, d)| (*f, d.clone()))
                .collect();
            out.extend(found);
            out
        }
        None => crate::check::lowering_errors_by_file(program, &|_| true),
    };
    diagnostics.extend(lowering.values().flatten().cloned());
    previous.lowering = Some(lowering);
    if diagnostics.iter().any(Diagnostic::is_error) {
        previous.services = None;
        return work;
    }

    // The environments first (services refer to them), each time: they are few.
    let mut specs = SpecChecker::new(program, map);
    let mut plan = crate::workspace::Plan::default();
    for &file in environments {
        if let Some(p) = specs.environment(file, diagnostics) {
            plan.environments.push(p);
        }
    }
    let environment_changed = environments.iter().any(|f| changed.contains(f));
    let old = previous.services.take().unwrap_or_default();
    let mut checked = BTreeMap::new();
    for &file in services {
        let last = old.get(&file);
        let stale = environment_changed
            || incremental::service_is_stale(file, last, &changed, &affected_specs);
        let kept = last
            .filter(|_| !stale)
            .and_then(|l| incremental::shifted(l, &shifts));
        let check = match kept {
            Some(kept) => kept,
            None => {
                // The spec as read last time, while its text is the same.
                let stamp = previous.stamps.get(file.0 as usize).map_or(0, |s| s.1);
                let (spec, mut d) = match previous.read.get(&file) {
                    Some((h, spec, d)) if *h == stamp => (spec.clone(), d.clone()),
                    _ => {
                        let text = map.get(file).map_or("", |f| f.text.as_str());
                        let (spec, d) = crate::spec::read_spec(file, text);
                        previous.read.insert(file, (stamp, spec.clone(), d.clone()));
                        (spec, d)
                    }
                };
                let plan = spec.and_then(|spec| specs.service_read(file, spec, &mut d));
                work.specs += 1;
                work.instances += plan.as_ref().map_or(0, |p| p.instances.len());
                ServiceCheck {
                    diagnostics: d,
                    plan,
                }
            }
        };
        diagnostics.extend(check.diagnostics.iter().cloned());
        plan.services.extend(check.plan.clone());
        checked.insert(file, check);
    }
    diagnostics.extend(crate::workspace::stacks::collisions(&plan, map));
    previous.services = Some(checked);
    work
}

/// Checks files open outside every workspace, as `formwork check FILES` would: the
/// templates as one program, each spec read alone (`E0325`: no template to check it
/// against).
pub fn check_loose(open: &BTreeMap<PathBuf, String>) -> Analysis {
    let mut map = SourceMap::new();
    let mut problems = Vec::new();
    let mut paths = Vec::new();
    let mut kinds = BTreeMap::new();
    let mut specs = Vec::new();
    for (p, text) in open {
        let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
        // A YAML or JSON file is a spec only when it says so (a top-level `proton:`,
        // as `formwork check` decides for loose files): others are not formwork's.
        let says_spec = text
            .lines()
            .any(|l| l.starts_with("proton:") || l.contains("\"proton\""));
        let kind = match ext {
            "fw" => Kind::Template,
            "yaml" | "yml" | "json" if says_spec => Kind::Service,
            _ => continue,
        };
        let (id, problem) = add_source(&mut map, p.to_string_lossy(), text.as_bytes());
        paths.push(Some(p.clone()));
        kinds.insert(id, kind);
        match problem {
            Some(d) => problems.push(d),
            None if kind == Kind::Service => specs.push(id),
            None => {}
        }
    }
    for id in specs {
        let text = map.get(id).map(|f| f.text.clone()).unwrap_or_default();
        let (spec, mut diags) = crate::spec::read_spec(id, &text);
        if spec.is_some() && !diags.iter().any(Diagnostic::is_error) {
            diags.push(
                Diagnostic::new(
                    codes::SPEC_OUTSIDE_WORKSPACE,
                    "this spec file is in no workspace, so it cannot be checked against its template",
                )
                .with_primary(Span::new(id, 0, 0), "this spec")
                .with_help("open it inside its workspace (a folder holding `formwork.yaml`), or make one with `formwork init`"),
            );
        }
        problems.extend(diags);
    }
    let (program, diagnostics) = crate::check::build_and_check(&mut map, problems);
    finish(
        map,
        Some(program),
        paths,
        kinds,
        Vec::new(),
        Vec::new(),
        diagnostics,
    )
}

fn finish(
    map: SourceMap,
    program: Option<Program>,
    mut paths: Vec<Option<PathBuf>>,
    kinds: BTreeMap<FileId, Kind>,
    environments: Vec<FileId>,
    services: Vec<FileId>,
    diagnostics: Vec<Diagnostic>,
) -> Analysis {
    paths.resize(map.files().count(), None);
    // The standard library's files, at their copies on disk.
    for (id, f) in map.files() {
        if paths[id.0 as usize].is_none() {
            paths[id.0 as usize] = super::pages::std_path(&f.name);
        }
    }
    let mut by_file: BTreeMap<PathBuf, Vec<Diagnostic>> = BTreeMap::new();
    for d in diagnostics {
        let Some(span) = d.primary_span() else {
            continue;
        };
        if let Some(Some(p)) = paths.get(span.file.0 as usize) {
            by_file.entry(p.clone()).or_default().push(d);
        }
    }
    // The checker checks every declaration of the program, the stdlib's too.
    let declarations = program.as_ref().map_or(0, |p| {
        p.files
            .values()
            .flat_map(|f| &f.ast.items)
            .filter(|i| matches!(i, crate::syntax::ast::Item::Decl(_)))
            .count()
    });
    Analysis {
        work: Work {
            declarations,
            ..Work::default()
        },
        map,
        program,
        paths,
        kinds,
        environments,
        services,
        diagnostics: by_file,
    }
}
