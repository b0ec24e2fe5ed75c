//! `formwork fmt [--check] PATHS…`: rewrite files in the canonical layout, or with
//! `--check` name those that are not (exit 1). `-` formats standard input to
//! standard output, for editors.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::check::{Report, add_source};
use crate::cli::output::{err, out, print_report};
use crate::cli::sources::{display_name, find_files, io_reason};
use crate::cli::{ColorChoice, OutputFormat, status};
use crate::diagnostics::Diagnostic;
use crate::format::format_source;
use crate::syntax::span::SourceMap;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Files and folders to format; `-` reads standard input and writes standard output.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Change nothing; list the files that are not formatted and exit 1 if any.
    #[arg(long)]
    check: bool,
    /// When to colour diagnostics.
    #[arg(long, value_enum, default_value_t)]
    color: ColorChoice,
}

enum Outcome {
    Unchanged,
    Changed(String),
    Broken(SourceMap, Vec<Diagnostic>),
}

fn format_bytes(name: &str, bytes: &[u8]) -> Outcome {
    let mut map = SourceMap::new();
    let (id, problem) = add_source(&mut map, name, bytes);
    if let Some(p) = problem {
        return Outcome::Broken(map, vec![p]);
    }
    let text = map.get(id).map(|f| f.text.clone()).unwrap_or_default();
    match format_source(&text) {
        // Compare with the bytes as read, so a BOM or CRLF alone counts as a change.
        Ok(formatted) if formatted.as_bytes() == bytes => Outcome::Unchanged,
        Ok(formatted) => Outcome::Changed(formatted),
        Err(errors) => {
            // `format_source` parses as file 0, which is `id` in this one-file map.
            let diags = errors.into_iter().map(Diagnostic::from).collect();
            Outcome::Broken(map, diags)
        }
    }
}

pub fn run(args: Args) -> u8 {
    if args.paths.iter().any(|p| p == Path::new("-")) {
        return run_stdin(&args);
    }
    let files = match find_files(&args.paths) {
        Ok(f) => f,
        Err(e) => {
            err(&format!("error: {}\n", e.0));
            return status::USAGE;
        }
    };
    let mut failed = false;
    let mut unformatted = Vec::new();
    for f in &files {
        let name = display_name(f);
        let bytes = match std::fs::read(f) {
            Ok(b) => b,
            Err(e) => {
                err(&format!("error: cannot read `{name}`: {}\n", io_reason(&e)));
                return status::USAGE;
            }
        };
        match format_bytes(&name, &bytes) {
            Outcome::Unchanged => {}
            Outcome::Changed(text) if args.check => {
                let _ = text;
                unformatted.push(name);
            }
            Outcome::Changed(text) => {
                if let Err(e) = crate::cli::output::write_atomic(f, text.as_bytes(), true) {
                    err(&format!(
                        "error: cannot write `{name}`: {}\n",
                        io_reason(&e)
                    ));
                    return status::USAGE;
                }
            }
            Outcome::Broken(map, diags) => {
                failed = true;
                print_report(
                    &Report { diagnostics: diags },
                    &map,
                    OutputFormat::Human,
                    args.color,
                    1,
                );
            }
        }
    }
    for name in &unformatted {
        out(&format!("{name}\n"));
    }
    if !unformatted.is_empty() {
        err(&format!(
            "{} not formatted; run `formwork fmt` to fix\n",
            match unformatted.len() {
                1 => "1 file is".to_string(),
                n => format!("{n} files are"),
            }
        ));
    }
    if failed || !unformatted.is_empty() {
        status::INPUT_ERRORS
    } else {
        status::OK
    }
}

fn run_stdin(args: &Args) -> u8 {
    let mut bytes = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
        err(&format!(
            "error: cannot read standard input: {}\n",
            io_reason(&e)
        ));
        return status::USAGE;
    }
    match format_bytes("<stdin>", &bytes) {
        Outcome::Unchanged => {
            if !args.check {
                out(&String::from_utf8_lossy(&bytes));
            }
            status::OK
        }
        Outcome::Changed(text) => {
            if args.check {
                out("<stdin>\n");
                return status::INPUT_ERRORS;
            }
            out(&text);
            status::OK
        }
        Outcome::Broken(map, diags) => {
            print_report(
                &Report { diagnostics: diags },
                &map,
                OutputFormat::Human,
                args.color,
                1,
            );
            status::INPUT_ERRORS
        }
    }
}
