//! `formwork explain CODE`: print a diagnostic code's page; with no code, list them.

use crate::cli::output::{err, out};
use crate::cli::status;
use crate::diagnostics::codes::{self, ALL};
use crate::diagnostics::suggest::did_you_mean;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A code like `E0006`, or its name like `unexpected-token`. Omit to list all codes.
    code: Option<String>,
}

pub fn run(args: Args) -> u8 {
    let Some(key) = args.code else {
        let mut text = String::new();
        for c in ALL {
            text.push_str(&format!("{}  {:<28} {}\n", c.id, c.name, c.summary));
        }
        out(&text);
        return status::OK;
    };
    match codes::lookup(key.trim()) {
        Some(code) => {
            out(code.page);
            status::OK
        }
        None => {
            let names = ALL.iter().flat_map(|c| [c.id, c.name]);
            let hint = did_you_mean(key.trim(), names)
                .map(|s| format!("\nhelp: did you mean `{s}`?"))
                .unwrap_or_default();
            err(&format!(
                "error: no diagnostic code `{key}`{hint}\nhelp: `formwork explain` lists every code\n"
            ));
            status::USAGE
        }
    }
}
