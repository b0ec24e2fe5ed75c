//! `formwork schema TEMPLATE[@VERSION] [--part …] [-o FILE]`: the JSON Schema of a
//! template's spec files, for editors (see `schema.rs`).

use std::path::PathBuf;

use clap::ValueEnum;

use crate::cli::output::{err, out, print_report, write_atomic};
use crate::cli::sources::io_reason;
use crate::cli::{ColorChoice, OutputFormat, status};
use crate::compile::Failure;
use crate::schema::{Part, export};

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum PartArg {
    /// A whole environment spec file (the default for environment templates).
    Environment,
    /// A whole service spec file: instances and pipeline (the default for services).
    Instance,
    /// A service spec's `pipeline:` mapping alone.
    Pipeline,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The template: its name (`web`, `web@2.1`) or its `.fw` file.
    template: String,
    /// Which spec file, or part of one, the schema describes.
    #[arg(long, value_enum)]
    part: Option<PartArg>,
    /// The workspace whose templates are loaded.
    #[arg(long, default_value = ".")]
    workspace: PathBuf,
    /// The file to write the schema to (stdout when left out).
    #[arg(short = 'o', long = "out")]
    out: Option<PathBuf>,
    /// How to print diagnostics, when the templates have errors.
    #[arg(long, value_enum, default_value_t)]
    format: OutputFormat,
    /// When to colour human output.
    #[arg(long, value_enum, default_value_t)]
    color: ColorChoice,
}

pub fn run(args: Args) -> u8 {
    let (mut map, problems, selector, count) =
        match crate::cli::workspace::load_templates(&args.workspace, &args.template) {
            Ok(v) => v,
            Err(e) => {
                err(&format!("error: {e}\n"));
                return status::USAGE;
            }
        };
    let part = args.part.map(|p| match p {
        PartArg::Environment => Part::Environment,
        PartArg::Instance => Part::Instance,
        PartArg::Pipeline => Part::Pipeline,
    });
    let json = match export(&mut map, problems, &selector, part) {
        Ok(json) => json,
        Err(Failure::Usage(msg) | Failure::Io(msg)) => {
            err(&format!("error: {msg}\n"));
            return status::USAGE;
        }
        Err(Failure::Diagnostics(diagnostics)) => {
            let report = crate::check::Report { diagnostics };
            print_report(&report, &map, args.format, args.color, count);
            return status::INPUT_ERRORS;
        }
    };
    match &args.out {
        None => {
            out(&json);
            status::OK
        }
        Some(path) => match write_atomic(path, json.as_bytes(), false) {
            Ok(()) => status::OK,
            Err(e) => {
                err(&format!(
                    "error: cannot write `{}`: {}\n",
                    path.display(),
                    io_reason(&e)
                ));
                status::USAGE
            }
        },
    }
}
