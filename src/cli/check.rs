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
    let loaded = find_files(&args.paths).and_then(|files| {
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
    let report = check_all(&mut map, problems);
    print_report(&report, &map, args.format, args.color, count);
    if report.error_count() > 0 {
        status::INPUT_ERRORS
    } else {
        status::OK
    }
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
