//! Finding and reading the `.fw` files a command names: files as given, folders
//! searched recursively (skipping hidden folders, `target/`, `out/` and
//! `node_modules/`), in a stable order.

use std::path::{Path, PathBuf};

use crate::check::add_source;
use crate::diagnostics::Diagnostic;
use crate::syntax::span::SourceMap;

const SKIPPED_DIRS: &[&str] = &["target", "out", "node_modules"];

/// A problem with the command line itself (exit status 2).
#[derive(Debug)]
pub struct UsageError(pub String);

/// Every `.fw` file under `paths`, sorted and without repeats.
pub fn find_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, UsageError> {
    let mut found = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p)
            .map_err(|e| UsageError(format!("cannot read `{}`: {}", p.display(), io_reason(&e))))?;
        if meta.is_dir() {
            walk(p, &mut found)?;
        } else {
            found.push(p.clone());
        }
    }
    found.sort();
    found.dedup();
    Ok(found)
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> Result<(), UsageError> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        UsageError(format!(
            "cannot read folder `{}`: {}",
            dir.display(),
            io_reason(&e)
        ))
    })?;
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if !name.starts_with('.') && !SKIPPED_DIRS.contains(&name.as_ref()) {
                walk(&path, found)?;
            }
        } else if path.extension().is_some_and(|e| e == "fw") {
            found.push(path);
        }
    }
    Ok(())
}

pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or folder".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

/// How a path is shown in diagnostics: as given, with forward slashes.
pub fn display_name(p: &Path) -> String {
    let s = p.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

/// Reads `files` into a source map, and then the files they import, transitively;
/// unreadable sources come back as diagnostics. An import names a path from the
/// workspace root, so it is looked for in each folder from the importing file's own
/// up to the current one.
pub fn load(files: &[PathBuf]) -> Result<(SourceMap, Vec<Diagnostic>), UsageError> {
    load_within(files, None)
}

/// Whether `path`, its links resolved, is inside `root` (resolved too).
pub fn resolves_inside(path: &Path, root: &Path) -> bool {
    match (std::fs::canonicalize(path), std::fs::canonicalize(root)) {
        (Ok(p), Ok(r)) => p.starts_with(r),
        _ => false,
    }
}

/// `E0123`: a file that a link (or an import through a linked folder) takes outside
/// the workspace. The file is not read: its name is added to `map` with no text, so
/// the diagnostic names it without printing a line of it.
pub fn outside(map: &mut SourceMap, path: &Path, root: &Path) -> Diagnostic {
    let (id, _) = add_source(map, display_name(path), b"");
    let target = std::fs::canonicalize(path)
        .map(|t| format!("`{}`", t.display()))
        .unwrap_or_else(|_| "a file that does not exist".into());
    Diagnostic::new(
        crate::diagnostics::codes::LINK_OUTSIDE_WORKSPACE,
        format!(
            "`{}` leads outside the workspace `{}`, to {target}",
            display_name(path),
            root.display()
        ),
    )
    .with_primary(crate::syntax::span::Span::new(id, 0, 0), "not read")
    .with_note("a symbolic link, or an import through a linked folder, may not take formwork out of the workspace: what it reads there is not the repository's")
    .with_help("copy the file into the workspace, or link to a file inside it")
}

/// [`load`], refusing to read a file whose resolved path is outside `root` (a
/// workspace's folder): links are followed only inside it.
pub fn load_within(
    files: &[PathBuf],
    root: Option<&Path>,
) -> Result<(SourceMap, Vec<Diagnostic>), UsageError> {
    let mut map = SourceMap::new();
    let mut problems = Vec::new();
    let mut queue: Vec<PathBuf> = files.to_vec();
    let mut seen: Vec<PathBuf> = Vec::new();
    let mut next = 0;
    while next < queue.len() {
        let f = queue[next].clone();
        next += 1;
        let key = std::fs::canonicalize(&f).unwrap_or_else(|_| f.clone());
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        if let Some(r) = root
            && !resolves_inside(&f, r)
        {
            problems.push(outside(&mut map, &f, r));
            continue;
        }
        let bytes = std::fs::read(&f)
            .map_err(|e| UsageError(format!("cannot read `{}`: {}", f.display(), io_reason(&e))))?;
        let (id, problem) = add_source(&mut map, display_name(&f), &bytes);
        if problem.is_some() {
            problems.extend(problem);
            continue;
        }
        let text = map.get(id).map(|s| s.text.clone()).unwrap_or_default();
        for import in crate::check::imported_paths(&text) {
            if let Some(found) = find_import_file(&f, &import) {
                queue.push(found);
            }
        }
    }
    Ok((map, problems))
}

fn find_import_file(importer: &Path, import: &str) -> Option<PathBuf> {
    let mut dir = importer.parent();
    while let Some(d) = dir {
        let candidate = d.join(import);
        if candidate.is_file() {
            return Some(candidate);
        }
        if d.as_os_str().is_empty() {
            break;
        }
        dir = d.parent();
    }
    None
}
