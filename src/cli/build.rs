//! `formwork build [-o DIR]`: render every environment and service instance of the
//! workspace, and write `manifest.json`. The new tree is written beside the old one
//! and swapped in whole: a failed build leaves the previous output untouched, and
//! files of artifacts that no longer exist disappear.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::cli::out_dir::{self, Refusal, check_target, sibling, swap_in};
use crate::cli::output::{err, print_diagnostic, print_report};
use crate::cli::sources::io_reason;
use crate::cli::workspace::{Planned, plan_workspace};
use crate::cli::{ColorChoice, OutputFormat, status};
use crate::compile::Failure;
use crate::diagnostics::Diagnostic;
use crate::workspace::build::build;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The output folder (default: the workspace's `out` folder).
    #[arg(short = 'o', long = "out")]
    out: Option<PathBuf>,
    /// The workspace (the folder holding `formwork.yaml`).
    #[arg(default_value = ".")]
    workspace: PathBuf,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t)]
    format: OutputFormat,
    /// When to colour human output.
    #[arg(long, value_enum, default_value_t)]
    color: ColorChoice,
    /// `INSTANCE.INPUT=FILE`: build the instance with the file's text (its final line
    /// break dropped) as the input's value, in place of its spec's: how a pipeline's
    /// deploy job hands an artifact (an image tag, an S3 key) to the instances it
    /// deploys. May be repeated.
    #[arg(long = "input-file", value_name = "INSTANCE.INPUT=FILE")]
    input_files: Vec<String>,
}

/// Reads each `--input-file INSTANCE.INPUT=FILE` into the plan's overrides; an
/// instance the workspace lacks, or a file that cannot be read, is a usage error.
fn input_overrides(
    given: &[String],
    plan: &crate::workspace::Plan,
    root: &Path,
) -> Result<crate::compile::InputOverrides, String> {
    let mut out = crate::compile::InputOverrides::new();
    for g in given {
        let parsed = g
            .split_once('=')
            .and_then(|(target, file)| Some((target.split_once('.')?, file)));
        let Some(((instance, input), file)) =
            parsed.filter(|((i, n), f)| !i.is_empty() && !n.is_empty() && !f.is_empty())
        else {
            return Err(format!(
                "`--input-file {g}`: expected INSTANCE.INPUT=FILE, like `web-dev.image=image.txt`"
            ));
        };
        let known = plan
            .services
            .iter()
            .flat_map(|s| &s.instances)
            .any(|i| i.name == instance);
        if !known {
            return Err(format!(
                "`--input-file {g}`: the workspace has no service instance `{instance}`"
            ));
        }
        let path = root.join(file);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            format!(
                "`--input-file {g}`: cannot read `{}`: {}",
                path.display(),
                io_reason(&e)
            )
        })?;
        let text = text
            .strip_suffix('\n')
            .map(|t| t.strip_suffix('\r').unwrap_or(t))
            .unwrap_or(&text);
        out.entry(instance.to_string())
            .or_default()
            .insert(input.to_string(), text.to_string());
    }
    Ok(out)
}

pub fn run(args: Args) -> u8 {
    let started = std::time::Instant::now();
    let Planned {
        ws,
        program,
        plan: mut the_plan,
    } = match plan_workspace(&args.workspace, args.format, args.color) {
        Ok(p) => p,
        Err(code) => return code,
    };
    // Files are named as the deploy job sees them: relative to where it runs.
    match input_overrides(&args.input_files, &the_plan, Path::new(".")) {
        Ok(o) => the_plan.input_overrides = o,
        Err(m) => {
            err(&format!("error: {m}\n"));
            return status::USAGE;
        }
    }
    let report = |map: &crate::syntax::span::SourceMap, diagnostics: Vec<Diagnostic>| {
        let report = crate::check::Report { diagnostics };
        print_report(&report, map, args.format, args.color, ws.files);
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| ws.root.join(&ws.config.folders.out));
    let total: usize = the_plan.environments.len()
        + the_plan
            .services
            .iter()
            .map(|s| s.instances.len())
            .sum::<usize>();
    if let Err(r) = check_target(&out, &ws.root) {
        print_diagnostic(r.diagnostic(), args.format, args.color);
        return status::USAGE;
    }
    let _lock = match out_dir::lock(&out, || {
        err(&format!(
            "waiting for another build into `{}` to finish\n",
            out.display()
        ))
    }) {
        Ok(l) => l,
        Err(r) => {
            print_diagnostic(r.diagnostic(), args.format, args.color);
            return status::USAGE;
        }
    };
    // What a killed build left, now that no other build is running.
    out_dir::recover(&out);
    // Checked again under the lock: another build may have changed it.
    if let Err(r) = check_target(&out, &ws.root) {
        print_diagnostic(r.diagnostic(), args.format, args.color);
        return status::USAGE;
    }
    let staging = sibling(&out, "new");
    if let Err(e) = std::fs::create_dir_all(&staging) {
        let r = Refusal::io(format!(
            "cannot create `{}`: {}",
            staging.display(),
            io_reason(&e)
        ));
        print_diagnostic(r.diagnostic(), args.format, args.color);
        return status::USAGE;
    }
    let progress = (std::io::stderr().is_terminal() && total > 1).then(|| {
        let bar = indicatif::ProgressBar::new(total as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} artifacts {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let written = AtomicUsize::new(0);
    let root = crate::cli::sources::display_name(&ws.root.join("x"));
    let root = root.strip_suffix('x').unwrap_or("").to_string();
    let workspace_dir = repository_relative(&ws.root);
    let result = build(
        &program,
        &ws.map,
        &root,
        &workspace_dir,
        &the_plan,
        &ws.config,
        &|path, text| {
            let target = staging.join(path);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(|e| {
                    format!("cannot create `{}`: {}", parent.display(), io_reason(&e))
                })?;
            }
            std::fs::write(&target, text)
                .map_err(|e| format!("cannot write `{}`: {}", target.display(), io_reason(&e)))?;
            if path.ends_with("/template.json") || path.ends_with("/main.tf.json") {
                written.fetch_add(1, Ordering::Relaxed);
                if let Some(bar) = &progress {
                    bar.inc(1);
                }
            }
            Ok(())
        },
    );
    if let Some(bar) = &progress {
        bar.finish_and_clear();
    }
    let built = match result {
        Ok(b) => b,
        Err(Failure::Diagnostics(d)) => {
            let _ = std::fs::remove_dir_all(&staging);
            report(&ws.map, d);
            return status::INPUT_ERRORS;
        }
        Err(Failure::Usage(m) | Failure::Io(m)) => {
            let _ = std::fs::remove_dir_all(&staging);
            err(&format!("error: {m}\n"));
            return status::USAGE;
        }
    };
    if let Err(e) = std::fs::write(staging.join("manifest.json"), &built.manifest) {
        let _ = std::fs::remove_dir_all(&staging);
        err(&format!(
            "error: cannot write the manifest: {}\n",
            io_reason(&e)
        ));
        return status::USAGE;
    }
    if let Err(e) = swap_in(&staging, &out) {
        let _ = std::fs::remove_dir_all(&staging);
        err(&format!(
            "error: cannot replace `{}`: {}\n",
            out.display(),
            io_reason(&e)
        ));
        return status::USAGE;
    }
    let envs = built
        .records
        .iter()
        .filter(|r| r.kind == "environment")
        .count();
    err(&format!(
        "built {} environment{} and {} service instance{} into {} in {:.2} s\n",
        envs,
        if envs == 1 { "" } else { "s" },
        built.records.len() - envs,
        if built.records.len() - envs == 1 {
            ""
        } else {
            "s"
        },
        out.display(),
        started.elapsed().as_secs_f64()
    ));
    status::OK
}

/// The folder `dir` relative to the root of the git repository holding it
/// (`examples/acme`), with `/` between names: where the provisioning workflows run.
/// `.` at the repository's root, and when no enclosing folder holds a `.git`.
fn repository_relative(dir: &Path) -> String {
    let Ok(dir) = std::fs::canonicalize(dir) else {
        return ".".into();
    };
    let Some(repo) = dir.ancestors().find(|a| a.join(".git").exists()) else {
        return ".".into();
    };
    let names: Vec<String> = dir
        .strip_prefix(repo)
        .map(|rel| {
            rel.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    if names.is_empty() {
        ".".into()
    } else {
        names.join("/")
    }
}
