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
