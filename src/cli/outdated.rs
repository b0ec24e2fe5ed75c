//! `formwork outdated [DIR]`: every environment and service instance behind its
//! template's recommended version, as a table or JSON; `--fail-on` makes it a CI gate.

use std::path::PathBuf;

use crate::cli::output::{err, out};
use crate::cli::workspace::{Planned, plan_workspace};
use crate::cli::{ColorChoice, OutputFormat, status};
use crate::versions::outdated::{Upgrade, catalog, json, outdated, table};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The workspace (the folder holding `formwork.yaml`).
    #[arg(default_value = ".")]
    workspace: PathBuf,
    /// `human`: a table; `json`: one document (both to stdout).
    #[arg(long, value_enum, default_value_t)]
    format: TableFormat,
    /// Exit with status 1 when an instance is behind by a minor (or a major) version,
    /// or by a major one.
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
    /// When to colour diagnostics.
    #[arg(long, value_enum, default_value_t)]
    color: ColorChoice,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum TableFormat {
    #[default]
    Human,
    Json,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Any upgrade: a minor or a major one.
    Minor,
    /// Only a major upgrade.
    Major,
}

pub fn run(args: Args) -> u8 {
    let Planned { ws, program, plan } =
        match plan_workspace(&args.workspace, OutputFormat::Human, args.color) {
            Ok(p) => p,
            Err(code) => return code,
        };
    let rows = outdated(&program, &plan, catalog(&ws.map).as_ref());
    match args.format {
        TableFormat::Human => out(&table(&rows)),
        TableFormat::Json => out(&json(&rows)),
    }
    let minor = rows.iter().filter(|r| r.upgrade == Upgrade::Minor).count();
    let major = rows.iter().filter(|r| r.upgrade == Upgrade::Major).count();
    let deprecated = rows.iter().filter(|r| r.deprecated.is_some()).count();
    let mut summary = format!(
        "{} of {} instance{} behind the recommended version ({minor} minor, {major} major)",
        minor + major,
        rows.len(),
        if rows.len() == 1 { "" } else { "s" }
    );
    if deprecated > 0 {
        summary.push_str(&format!(", {deprecated} on a deprecated version"));
    }
    err(&format!("{summary}\n"));
    let failed = match args.fail_on {
        Some(FailOn::Minor) => minor + major > 0,
        Some(FailOn::Major) => major > 0,
        None => false,
    };
    if failed {
        status::INPUT_ERRORS
    } else {
        status::OK
    }
}
