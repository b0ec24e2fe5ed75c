//! `formwork check PATHS…`: report every error in the named files and folders.

use std::path::{Path, PathBuf};

use crate::check::{add_source, check_all};
use crate::cli::output::{err, print_report};
use crate::cli::sources::{UsageError, display_name, find_files, io_reason, load};
use crate::cli::workspace::is_workspace;
use crate::cli::{ColorChoice, OutputFormat, status};
use crate::diagnostics::{Diagnostic, codes};
use crate::syntax::span::{FileId, SourceMap, Span};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Files and folders to check (folders are searched for `.fw` files).
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t)]
    format: OutputFormat,
    /// When to colour human output.
    #[arg(long, value_enum, default_value_t)]
    color: ColorChoice,
}

pub fn run(args: Args) -> u8 {
    // Each path is a workspace, something inside one (found by walking up to
    // `formwork.yaml`, as cargo finds `Cargo.toml`), or a loose file or folder.
    let mut whole: Vec<PathBuf> = Vec::new();
    let mut inside: Vec<(PathBuf, Vec<PathBuf>)> = Vec::new();
    let mut loose: Vec<PathBuf> = Vec::new();
    for p in &args.paths {
        if p.is_dir() && is_workspace(p) {
            whole.push(p.clone());
        } else if let Some(root) = enclosing_workspace(p) {
            match inside.iter_mut().find(|(r, _)| *r == root) {
                Some((_, named)) => named.push(p.clone()),
                None => inside.push((root, vec![p.clone()])),
            }
        } else {
            loose.push(p.clone());
        }
    }
    // Workspaces inside the loose folders are checked as workspaces (their specs,
    // their registry); the other files on their own.
    let nested: Vec<PathBuf> = loose
        .iter()
        .filter(|p| p.is_dir())
        .flat_map(|p| nested_workspaces(p))
        .collect();
    whole.extend(nested.iter().cloned());
    let mut status = status::OK;
    for w in &whole {
        status = status.max(check_workspace(w, None, &args));
    }
    for (root, named) in &inside {
        if whole.contains(root) {
            continue;
        }
        status = status.max(check_workspace(root, Some(named), &args));
    }
    if loose.is_empty() {
        return status;
    }
    let (mut specs, sources): (Vec<PathBuf>, Vec<PathBuf>) = loose
        .into_iter()
        .partition(|p| p.is_file() && is_spec_path(p));
    // Spec files in the loose folders (YAML or JSON with a top-level `proton:`): they
    // too are in no workspace.
    for dir in sources.iter().filter(|p| p.is_dir()) {
        specs.extend(loose_specs_under(dir, &nested));
    }
    let loaded = find_files(&sources).and_then(|files| {
        let files: Vec<PathBuf> = files
            .into_iter()
            .filter(|f| !nested.iter().any(|w| f.starts_with(w)))
            .collect();
        let (map, problems) = load(&files)?;
        Ok((files.len(), map, problems))
    });
    let (count, mut map, mut problems) = match loaded {
        Ok(v) => v,
        Err(e) => {
            err(&format!("error: {}\n", e.0));
            return status::USAGE;
        }
    };
    if count == 0 && specs.is_empty() {
        if nested.is_empty() && whole.is_empty() && inside.is_empty() {
            // Nothing to check is no green.
            let named: Vec<String> = args
                .paths
                .iter()
                .map(|p| format!("`{}`", p.display()))
                .collect();
            err(&format!(
                "error: found no `.fw` file, spec file or workspace in {}\n",
                named.join(", ")
            ));
            return status::USAGE;
        }
        return status;
    }
    // A spec file outside any workspace has no template to be checked against.
    for s in &specs {
        match loose_spec(&mut map, s) {
            Ok(d) => problems.extend(d),
            Err(e) => {
                err(&format!("error: {}\n", e.0));
                return status::USAGE;
            }
        }
    }
    let report = check_all(&mut map, problems);
    print_report(&report, &map, args.format, args.color, count + specs.len());
    if report.error_count() > 0 {
        status::INPUT_ERRORS
    } else {
        status
    }
}

/// The spec files under a folder that is in no workspace (outside the workspaces in it).
fn loose_specs_under(dir: &Path, workspaces: &[PathBuf]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut work = vec![dir.to_path_buf()];
    while let Some(d) = work.pop() {
        if workspaces.contains(&d) {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let name = e.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            match e.file_type() {
                Ok(t) if t.is_dir() => work.push(p),
                Ok(t) if t.is_file() && is_spec_path(&p) && looks_like_spec(&p) => found.push(p),
                _ => {}
            }
        }
    }
    found.sort();
    found
}

/// Whether a YAML or JSON file says it is a Proton spec (a top-level `proton:` key).
fn looks_like_spec(p: &Path) -> bool {
    std::fs::read(p).is_ok_and(|b| {
        String::from_utf8_lossy(&b)
            .lines()
            .any(|l| l.starts_with("proton:") || l.contains("\"proton\""))
    })
}

/// Whether a file is read as a spec (or workspace file) rather than as source.
fn is_spec_path(p: &Path) -> bool {
    p.extension()
        .is_some_and(|x| x == "yaml" || x == "yml" || x == "json")
}

/// The workspace a path is inside: the nearest folder at or above it holding
/// `formwork.yaml`.
fn enclosing_workspace(p: &Path) -> Option<PathBuf> {
    let abs = std::fs::canonicalize(p).ok()?;
    let start = if abs.is_dir() {
        abs.as_path()
    } else {
        abs.parent()?
    };
    let root = start.ancestors().find(|d| is_workspace(d))?;
    // Named as the user would: relative to the current folder when one is inside the
    // other.
    let cwd = std::env::current_dir()
        .ok()
        .and_then(|c| std::fs::canonicalize(c).ok());
    let Some(cwd) = cwd else {
        return Some(root.to_path_buf());
    };
    if let Ok(below) = root.strip_prefix(&cwd) {
        return Some(if below.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            below.to_path_buf()
        });
    }
    if let Ok(above) = cwd.strip_prefix(root) {
        let up: PathBuf = above.components().map(|_| "..").collect();
        return Some(up);
    }
    Some(root.to_path_buf())
}

/// A spec file (or any YAML or JSON file) outside every workspace: what reading it
/// finds, and `E0325` when it reads as a spec.
fn loose_spec(map: &mut SourceMap, path: &Path) -> Result<Vec<Diagnostic>, UsageError> {
    let bytes = std::fs::read(path).map_err(|e| {
        UsageError(format!(
            "cannot read `{}`: {}",
            path.display(),
            io_reason(&e)
        ))
    })?;
    let (id, problem) = add_source(map, display_name(path), &bytes);
    if let Some(p) = problem {
        return Ok(vec![p]);
    }
    let text = map.get(id).map(|f| f.text.clone()).unwrap_or_default();
    let (spec, mut diags) = crate::spec::read_spec(id, &text);
    if spec.is_some() && !diags.iter().any(Diagnostic::is_error) {
        diags.push(
            Diagnostic::new(
                codes::SPEC_OUTSIDE_WORKSPACE,
                "this spec file is in no workspace, so it cannot be checked against its template",
            )
            .with_primary(Span::new(id, 0, 0), "this spec")
            .with_note("formwork looked for `formwork.yaml` in the spec's folder and every folder above it")
            .with_help("check it inside its workspace (`formwork check WORKSPACE`), or make one with `formwork init`"),
        );
    }
    Ok(diags)
}

/// The workspaces (folders holding `formwork.yaml`) at or under `dir`, outside hidden
/// folders and build outputs; a workspace's own subfolders are not searched.
fn nested_workspaces(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut work = vec![dir.to_path_buf()];
    while let Some(d) = work.pop() {
        if is_workspace(&d) {
            found.push(d);
            continue;
        }
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') || name == "out" {
                continue;
            }
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                work.push(e.path());
            }
        }
    }
    found.sort();
    found
}

/// A workspace: every template, `formwork.yaml`, and every spec with its references
/// (template and version, environment, the service's `requires`). With `named`, the
/// paths inside it that the command named: every spec is still read (a service's
/// environments, stack names across all specs), but only what concerns the named
/// specs is reported, with everything about templates and settings.
fn check_workspace(root: &Path, named: Option<&[PathBuf]>, args: &Args) -> u8 {
    let mut ws = match crate::cli::workspace::load_workspace(root) {
        Ok(w) => w,
        Err(e) => {
            err(&format!("error: {}\n", e.0));
            return status::USAGE;
        }
    };
    let mut problems = std::mem::take(&mut ws.problems);
    let selection = match named {
        None => None,
        Some(paths) => match select(&mut ws, paths, &mut problems) {
            Ok(s) => Some(s),
            Err(e) => {
                err(&format!("error: {}\n", e.0));
                return status::USAGE;
            }
        },
    };
    let (program, mut diagnostics) = crate::check::build_and_check(&mut ws.map, problems);
    if !diagnostics
        .iter()
        .any(crate::diagnostics::Diagnostic::is_error)
    {
        let unnamed = selection
            .as_ref()
            .map(|s| s.unnamed.clone())
            .unwrap_or_default();
        let (_, d) = crate::workspace::plan_reporting(
            &program,
            &ws.map,
            &ws.environments,
            &ws.services,
            None,
            &|f| !unnamed.contains(&f),
        );
        diagnostics.extend(d);
    }
    if let Some(Selection { unnamed }) = &selection {
        // Specs not named that could not be read at all.
        diagnostics.retain(|d| d.primary_span().is_none_or(|s| !unnamed.contains(&s.file)));
    }
    diagnostics.sort_by_key(|d| d.primary_span().map(|s| (s.file, s.start, s.end)));
    let report = crate::check::Report { diagnostics };
    print_report(&report, &ws.map, args.format, args.color, ws.files);
    if report.error_count() > 0 {
        status::INPUT_ERRORS
    } else {
        status::OK
    }
}

/// A workspace's environments and services folders, as resolved paths.
fn spec_folders(ws: &crate::cli::workspace::Loaded) -> [PathBuf; 2] {
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    [
        canon(&ws.root.join(&ws.config.folders.environments)),
        canon(&ws.root.join(&ws.config.folders.services)),
    ]
}

/// The specs of a workspace that a command did not name.
struct Selection {
    unnamed: Vec<FileId>,
}

/// Which of the workspace's specs `paths` name: a spec file, a folder holding specs,
/// or `formwork.yaml` (the whole workspace). A named YAML or JSON file that is not one
/// of the workspace's specs is read as a spec all the same (its `proton:` says which
/// kind), so a file that is no spec is an error saying what formwork expected.
fn select(
    ws: &mut crate::cli::workspace::Loaded,
    paths: &[PathBuf],
    problems: &mut Vec<Diagnostic>,
) -> Result<Selection, UsageError> {
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let config = canon(&ws.root.join(crate::workspace::config::CONFIG_FILE));
    let spec_path = |ws: &crate::cli::workspace::Loaded, id: FileId| {
        ws.map.get(id).map(|f| canon(Path::new(&f.name)))
    };
    let mut named_ids: Vec<FileId> = Vec::new();
    for p in paths {
        let c = canon(p);
        if c == config || c.is_dir() && c == canon(&ws.root) {
            return Ok(Selection {
                unnamed: Vec::new(),
            });
        }
        let mut found = false;
        let folders = spec_folders(ws);
        let ids: Vec<FileId> = ws.map.files().map(|(id, _)| id).collect();
        for id in ids {
            if spec_path(ws, id)
                .is_some_and(|s| s.starts_with(&c) && folders.iter().any(|d| s.starts_with(d)))
            {
                named_ids.push(id);
                found = true;
            }
        }
        if found || !c.is_file() || !is_spec_path(&c) {
            continue;
        }
        // A YAML or JSON file outside the spec folders (the registry's index is
        // verified with the templates).
        if c.file_name()
            .is_some_and(|n| n == crate::versions::registry::INDEX_FILE)
        {
            continue;
        }
        let bytes = std::fs::read(p)
            .map_err(|e| UsageError(format!("cannot read `{}`: {}", p.display(), io_reason(&e))))?;
        let (id, problem) = add_source(&mut ws.map, display_name(p), &bytes);
        ws.files += 1;
        if let Some(d) = problem {
            problems.push(d);
            continue;
        }
        let text = ws.map.get(id).map(|f| f.text.clone()).unwrap_or_default();
        let (spec, diags) = crate::spec::read_spec(id, &text);
        match spec {
            Some(s) if !diags.iter().any(Diagnostic::is_error) => {
                match s.kind {
                    crate::spec::SpecKind::Environment => ws.environments.push(id),
                    crate::spec::SpecKind::Service => ws.services.push(id),
                }
                named_ids.push(id);
            }
            _ => problems.extend(diags),
        }
    }
    // Every spec file not named, those that could not be read as text too.
    let folders = spec_folders(ws);
    let unnamed = ws
        .map
        .files()
        .filter(|(id, f)| {
            let p = canon(Path::new(&f.name));
            !named_ids.contains(id) && folders.iter().any(|d| p.starts_with(d))
        })
        .map(|(id, _)| id)
        .collect();
    Ok(Selection { unnamed })
}
