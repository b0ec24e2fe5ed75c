//! Writing to the terminal without ever panicking (a closed pipe is not an error
//! worth a crash), and printing diagnostics in the chosen format.

use std::io::{IsTerminal, Write};

use crate::check::Report;
use crate::cli::{ColorChoice, OutputFormat};
use crate::diagnostics::render::{Format, render};
use crate::syntax::span::SourceMap;

pub fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

pub fn err(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(text.as_bytes());
    let _ = stderr.flush();
}

/// Whether human output to stderr should be coloured.
pub fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stderr().is_terminal()
        }
    }
}

/// Prints a report's diagnostics: human ones to stderr with a summary line, machine
/// formats as one document to stdout.
pub fn print_report(
    report: &Report,
    sources: &SourceMap,
    format: OutputFormat,
    color: ColorChoice,
    files: usize,
) {
    let f = match format {
        OutputFormat::Human => Format::Human,
        OutputFormat::Json => Format::Json,
        OutputFormat::Github => Format::Github,
        OutputFormat::Sarif => Format::Sarif,
    };
    let text = render(&report.diagnostics, sources, f, use_color(color));
    if format != OutputFormat::Human {
        out(&text);
        return;
    }
    err(&text);
    err(&summary(report, files));
}

/// A diagnostic about the command line (an output folder, `E0506`), with no place in
/// any file: in the chosen format, without the files-checked summary.
pub fn print_diagnostic(
    d: crate::diagnostics::Diagnostic,
    format: OutputFormat,
    color: ColorChoice,
) {
    let f = match format {
        OutputFormat::Human => Format::Human,
        OutputFormat::Json => Format::Json,
        OutputFormat::Github => Format::Github,
        OutputFormat::Sarif => Format::Sarif,
    };
    let text = render(&[d], &SourceMap::new(), f, use_color(color));
    if format == OutputFormat::Human {
        err(&text);
    } else {
        out(&text);
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn summary(report: &Report, files: usize) -> String {
    let (e, w) = (report.error_count(), report.warning_count());
    let checked = plural(files, "file");
    match (e, w) {
        (0, 0) => format!("checked {checked}: no problems\n"),
        (0, w) => format!("checked {checked}: {}\n", plural(w, "warning")),
        (e, 0) => format!("checked {checked}: {}\n", plural(e, "error")),
        (e, w) => format!(
            "checked {checked}: {}, {}\n",
            plural(e, "error"),
            plural(w, "warning")
        ),
    }
}

/// Writes `bytes` to a temporary file beside `path`, syncs it, and renames it over
/// `path` (keeping the old file's permissions): a reader sees the old file or the new
/// one, never a part, and an interrupted write leaves the old file whole.
///
/// `durable` also syncs the file before the rename, so it survives a crash: for the
/// user's sources (`fmt`). Generated artifacts, which a rerun rebuilds, skip it.
pub fn write_atomic(path: &std::path::Path, bytes: &[u8], durable: bool) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.formwork-tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        if durable {
            f.sync_all()?;
        }
        if let Ok(meta) = std::fs::metadata(path) {
            let _ = std::fs::set_permissions(&tmp, meta.permissions());
        }
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
