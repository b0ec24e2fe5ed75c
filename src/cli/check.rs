//! `formwork check PATHS…`: report every error in the named files and folders.

use std::path::PathBuf;

use crate::check::check_all;
use crate::cli::output::{err, print_report};
use crate::cli::sources::{find_files, load};
use crate::cli::{ColorChoice, OutputFormat, status};

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
    if let [root] = args.paths.as_slice()
        && crate::cli::workspace::is_workspace(root)
    {
        return check_workspace(root, &args);
    }
    // Workspaces inside the folders are checked as workspaces (their specs, their
    // registry); the other files on their own.
    let workspaces: Vec<PathBuf> = args
        .paths
        .iter()
        .filter(|p| p.is_dir())
        .flat_map(|p| nested_workspaces(p))
        .collect();
    let mut status = status::OK;
    for w in &workspaces {
        status = status.max(check_workspace(w, &args));
    }
    let loaded = find_files(&args.paths).and_then(|files| {
        let files: Vec<PathBuf> = files
            .into_iter()
            .filter(|f| !workspaces.iter().any(|w| f.starts_with(w)))
            .collect();
        let (map, problems) = load(&files)?;
        Ok((files.len(), map, problems))
    });
    let (count, mut map, problems) = match loaded {
        Ok(v) => v,
        Err(e) => {
            err(&format!("error: {}\n", e.0));
            return status::USAGE;
        }
    };
    if count == 0 && !workspaces.is_empty() {
        return status;
    }
    let report = check_all(&mut map, problems);
    print_report(&report, &map, args.format, args.color, count);
    if report.error_count() > 0 {
        status::INPUT_ERRORS
    } else {
        status
    }
}

/// The workspaces (folders holding `formwork.yaml`) at or under `dir`, outside hidden
/// folders and build outputs; a workspace's own subfolders are not searched.
fn nested_workspaces(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut work = vec![dir.to_path_buf()];
    while let Some(d) = work.pop() {
        if crate::cli::workspace::is_workspace(&d) {
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
/// (template and version, environment, the service's `requires`).
fn check_workspace(root: &std::path::Path, args: &Args) -> u8 {
    let mut ws = match crate::cli::workspace::load_workspace(root) {
        Ok(w) => w,
        Err(e) => {
            err(&format!("error: {}\n", e.0));
            return status::USAGE;
        }
    };
    let problems = std::mem::take(&mut ws.problems);
    let (program, mut diagnostics) = crate::check::build_and_check(&mut ws.map, problems);
    if !diagnostics
        .iter()
        .any(crate::diagnostics::Diagnostic::is_error)
    {
        let (_, d) = crate::workspace::plan(&program, &ws.map, &ws.environments, &ws.services);
        diagnostics.extend(d);
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
