//! The command line (clap derive): one file per subcommand. This is the IO edge:
//! the only place, with `lsp/` and the workspace writer, that touches files, the
//! terminal and the environment.
//!
//! Exit codes: 0 clean, 1 errors in the user's input, 2 usage errors (clap's own
//! errors exit 2 too). A panic would be 101; none is reachable from input.

mod build;
mod check;
mod diff;
mod drift;
mod explain;
mod fmt;
mod init;
mod lsp;
mod out_dir;
mod outdated;
mod output;
mod publish;
mod render;
mod schema;
mod sources;
mod upgrade;
mod workspace;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// formwork: typed platform templates, compiled to CloudFormation, Terraform and CI pipelines.
#[derive(Parser, Debug)]
#[command(name = "formwork", version, about, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check templates for errors: a file, a folder, or a workspace.
    Check(check::Args),
    /// Format `.fw` files in the canonical layout.
    Fmt(fmt::Args),
    /// Explain a diagnostic code, like `formwork explain E0006`.
    Explain(explain::Args),
    /// Render a template for an instance's inputs: a concrete CloudFormation or Terraform artifact.
    Render(render::RenderArgs),
    /// Compile a template alone: inputs become CloudFormation parameters or Terraform variables.
    Compile(render::CompileArgs),
    /// Build the workspace: every environment and service instance, and a manifest.
    Build(build::Args),
    /// Create a small working workspace.
    Init(init::Args),
    /// Print the JSON Schema of a template's spec files, for editors validating them.
    Schema(schema::Args),
    /// Publish a template's draft as its next version, proven compatible (or `--major`).
    Publish(publish::Args),
    /// Show what changed between two versions of a template, and in the instances rendered with them.
    Diff(diff::Args),
    /// Compare deployed templates with what the workspace builds; exit 1 when they differ.
    Drift(drift::Args),
    /// List the environments and service instances behind their template's recommended version.
    Outdated(outdated::Args),
    /// Move specs to a newer version of their template, rewriting only the version pin.
    Upgrade(upgrade::Args),
    /// Run the language server for editors, over standard input and output.
    Lsp(lsp::Args),
}

/// How diagnostics are printed.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum OutputFormat {
    /// For people, with source excerpts (to stderr).
    #[default]
    Human,
    /// One JSON document (to stdout).
    Json,
    /// GitHub Actions workflow commands, shown as annotations (to stdout).
    Github,
    /// SARIF 2.1.0, for code-scanning tools (to stdout).
    Sarif,
}

/// When to colour human output.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set.
    #[default]
    Auto,
    Always,
    Never,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Render(args) => render::run_render(args),
        Command::Compile(args) => render::run_compile(args),
        Command::Build(args) => build::run(args),
        Command::Init(args) => init::run(args),
        Command::Schema(args) => schema::run(args),
        Command::Publish(args) => publish::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Drift(args) => drift::run(args),
        Command::Outdated(args) => outdated::run(args),
        Command::Upgrade(args) => upgrade::run(args),
        Command::Lsp(args) => lsp::run(args),
    };
    ExitCode::from(code)
}

/// Exit statuses.
pub mod status {
    pub const OK: u8 = 0;
    pub const INPUT_ERRORS: u8 = 1;
    pub const USAGE: u8 = 2;
}
