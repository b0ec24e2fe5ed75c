//! Loading a workspace from disk: `formwork.yaml`, every template (the registry's
//! snapshots too), the registry's index, every spec file of the environments and
//! services folders, into one source map.

use std::path::{Path, PathBuf};

use crate::check::add_source;
use crate::cli::sources::{
    UsageError, display_name, find_files, io_reason, load_within, outside, resolves_inside,
};
use crate::diagnostics::Diagnostic;
use crate::syntax::span::{FileId, SourceMap};
use crate::versions::registry::INDEX_FILE;
use crate::workspace::config::{CONFIG_FILE, Config, read_config};

pub struct Loaded {
    pub root: PathBuf,
    pub map: SourceMap,
    pub config: Config,
    /// Unreadable sources and mistakes in `formwork.yaml`.
    pub problems: Vec<Diagnostic>,
    pub environments: Vec<FileId>,
    pub services: Vec<FileId>,
    /// How many files were read, for the summary line.
    pub files: usize,
}

/// Whether `dir` is a workspace root.
pub fn is_workspace(dir: &Path) -> bool {
    dir.join(CONFIG_FILE).is_file()
}

/// Reads the workspace rooted at `root`. Names in diagnostics are relative to the
/// current folder, as the user typed `root`.
pub fn load_workspace(root: &Path) -> Result<Loaded, UsageError> {
    let config_path = root.join(CONFIG_FILE);
    let config_bytes = std::fs::read(&config_path).map_err(|e| {
        UsageError(format!(
            "no workspace at `{}`: cannot read {CONFIG_FILE} ({}); `formwork init` makes one",
            root.display(),
            io_reason(&e)
        ))
    })?;
    let templates = find_files(&[root.to_path_buf()])?;
    let (mut map, mut problems) = load_within(&templates, Some(root))?;
    let (config_id, problem) = add_source(&mut map, display_name(&config_path), &config_bytes);
    problems.extend(problem);
    let text = map
        .get(config_id)
        .map(|f| f.text.clone())
        .unwrap_or_default();
    let (config, diags) = read_config(config_id, &text);
    problems.extend(diags);
    let mut files = templates.len() + 1;
    if add_registry_index(&mut map, root, &config.folders.registry, &mut problems)? {
        files += 1;
    }
    let mut specs = |folder: &str| -> Result<Vec<FileId>, UsageError> {
        let (ids, problem, read) = read_specs(&mut map, &root.join(folder), root)?;
        problems.extend(problem);
        files += read;
        Ok(ids)
    };
    let environments = specs(&config.folders.environments)?;
    let services = specs(&config.folders.services)?;
    Ok(Loaded {
        root: root.to_path_buf(),
        map,
        config,
        problems,
        environments,
        services,
        files,
    })
}

/// The spec files of a workspace's folder, added to `map`: their ids, the files that
/// could not be read as text, and how many files were read.
fn read_specs(
    map: &mut SourceMap,
    dir: &Path,
    root: &Path,
) -> Result<(Vec<FileId>, Vec<Diagnostic>, usize), UsageError> {
    let mut paths: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.is_file()
                    && p.extension()
                        .is_some_and(|x| x == "yaml" || x == "yml" || x == "json")
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    paths.sort();
    let mut ids = Vec::new();
    let mut problems = Vec::new();
    for p in &paths {
        if !resolves_inside(p, root) {
            problems.push(outside(map, p, root));
            continue;
        }
        let bytes = std::fs::read(p)
            .map_err(|e| UsageError(format!("cannot read `{}`: {}", p.display(), io_reason(&e))))?;
        let (id, problem) = add_source(map, display_name(p), &bytes);
        match problem {
            Some(d) => problems.push(d),
            None => ids.push(id),
        }
    }
    Ok((ids, problems, paths.len()))
}

/// Adds the spec files of the workspace at `root` (its environments and services
/// folders, as `formwork.yaml` names them) to `map`; none when `root` holds no
/// `formwork.yaml`. Files that cannot be read as text are left out: the spec a command
/// names is read, and reported, on its own.
pub fn add_workspace_specs(
    root: &Path,
    map: &mut SourceMap,
) -> Result<crate::compile::WorkspaceSpecs, UsageError> {
    let mut specs = crate::compile::WorkspaceSpecs::default();
    let Ok(bytes) = std::fs::read(root.join(CONFIG_FILE)) else {
        return Ok(specs);
    };
    let text = String::from_utf8_lossy(&bytes);
    let (config, _) = read_config(FileId(u32::MAX), &text);
    specs.environments = read_specs(map, &root.join(&config.folders.environments), root)?.0;
    specs.services = read_specs(map, &root.join(&config.folders.services), root)?.0;
    Ok(specs)
}

/// The file of `ids` that is `path` (the same file on disk), when one is.
pub fn find_loaded(
    map: &SourceMap,
    specs: &crate::compile::WorkspaceSpecs,
    path: &Path,
) -> Option<FileId> {
    let want = std::fs::canonicalize(path).ok()?;
    specs
        .environments
        .iter()
        .chain(&specs.services)
        .copied()
        .find(|&id| {
            map.get(id)
                .and_then(|f| std::fs::canonicalize(&f.name).ok())
                .is_some_and(|p| p == want)
        })
}

/// Adds the registry's index (`REGISTRY/index.json`) to `map` when the workspace has
/// one; whether it did.
fn add_registry_index(
    map: &mut SourceMap,
    root: &Path,
    registry: &str,
    problems: &mut Vec<Diagnostic>,
) -> Result<bool, UsageError> {
    let path = root.join(registry).join(INDEX_FILE);
    if !path.is_file() {
        return Ok(false);
    }
    let bytes = std::fs::read(&path).map_err(|e| {
        UsageError(format!(
            "cannot read `{}`: {}",
            path.display(),
            io_reason(&e)
        ))
    })?;
    let (_, problem) = add_source(map, display_name(&path), &bytes);
    problems.extend(problem);
    Ok(true)
}

/// Every template of the workspace at `root`, and the template `template` names: a
/// name (`web`, `web@2.1`) or one of its `.fw` files. The error is the message for
/// exit status 2.
pub fn load_templates(
    root: &Path,
    template: &str,
) -> Result<(SourceMap, Vec<Diagnostic>, crate::compile::Selector, usize), String> {
    use crate::compile::Selector;
    let files = find_files(&[root.to_path_buf()]).map_err(|e| e.0)?;
    let (mut map, mut problems) = load_within(&files, Some(root)).map_err(|e| e.0)?;
    // The settings and the registry's index, so the registry is verified and its
    // snapshots win over their drafts.
    let config_path = root.join(CONFIG_FILE);
    if let Ok(bytes) = std::fs::read(&config_path) {
        // Mistakes in the settings stop a render as they stop `check`.
        let (id, problem) = add_source(&mut map, display_name(&config_path), &bytes);
        problems.extend(problem);
        let text = map.get(id).map(|f| f.text.clone()).unwrap_or_default();
        let (config, diags) = read_config(id, &text);
        problems.extend(diags);
        add_registry_index(&mut map, root, &config.folders.registry, &mut problems)
            .map_err(|e| e.0)?;
    }
    let selector = if template.ends_with(".fw") {
        let want = display_name(Path::new(template));
        let found = map
            .files()
            .find(|(_, f)| f.name == want || f.name.ends_with(&format!("/{want}")))
            .map(|(id, _)| id);
        match found {
            Some(id) => Selector::File(id),
            None => {
                return Err(format!(
                    "`{template}` is not a template file of the workspace `{}`",
                    root.display()
                ));
            }
        }
    } else {
        Selector::parse_name(template)
    };
    Ok((map, problems, selector, files.len()))
}

/// A workspace read, checked and planned: what the commands acting on a whole
/// workspace start from.
pub struct Planned {
    pub ws: Loaded,
    pub program: crate::resolve::Program,
    pub plan: crate::workspace::Plan,
}

/// Reads, checks and plans the workspace at `root`. A usage error, or any error in
/// templates or specs, is printed and its exit status returned; warnings are printed
/// and the plan goes on.
pub fn plan_workspace(
    root: &Path,
    format: crate::cli::OutputFormat,
    color: crate::cli::ColorChoice,
) -> Result<Planned, u8> {
    use crate::cli::output::{err, print_report};
    use crate::cli::status;
    let mut ws = load_workspace(root).map_err(|e| {
        err(&format!("error: {}\n", e.0));
        status::USAGE
    })?;
    let problems = std::mem::take(&mut ws.problems);
    let (program, mut diags) = crate::check::build_and_check(&mut ws.map, problems);
    let mut plan = crate::workspace::Plan::default();
    if !diags.iter().any(Diagnostic::is_error) {
        let (p, d) = crate::workspace::plan(&program, &ws.map, &ws.environments, &ws.services);
        plan = p;
        diags.extend(d);
    }
    if !diags.is_empty() {
        let failed = diags.iter().any(Diagnostic::is_error);
        let report = crate::check::Report { diagnostics: diags };
        print_report(&report, &ws.map, format, color, ws.files);
        if failed {
            return Err(status::INPUT_ERRORS);
        }
    }
    Ok(Planned { ws, program, plan })
}
