//! `formwork render TEMPLATE --spec FILE` and `formwork compile TEMPLATE`: one
//! template to CloudFormation or Terraform, for an instance (render) or alone
//! (parameterised).

use std::path::{Path, PathBuf};

use clap::ValueEnum;

use crate::check::add_source;
use crate::cli::output::{err, out, print_report};
use crate::cli::sources::{display_name, io_reason};
use crate::cli::{ColorChoice, OutputFormat, status};
use crate::compile::{Artifact, Failure, Options, compile, compile_each};
use crate::diagnostics::{Diagnostic, codes};
use crate::ir::Mode;
use crate::syntax::span::Span;
use crate::types::targets::Target;

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum TargetArg {
    Cloudformation,
    Terraform,
}

#[derive(clap::Args, Debug)]
pub struct RenderArgs {
    /// The template: its name (`web`, `web@2.1`) or its `.fw` file.
    template: String,
    /// The spec file (YAML or JSON) with the instance's inputs.
    #[arg(long)]
    spec: PathBuf,
    /// The service instance to render (every instance of the spec when left out).
    #[arg(long)]
    instance: Option<String>,
    #[command(flatten)]
    common: Common,
}

#[derive(clap::Args, Debug)]
pub struct CompileArgs {
    /// The template: its name (`web`, `web@2.1`) or its `.fw` file.
    template: String,
    /// Terraform only: a spec whose values are written to `terraform.tfvars.json`.
    #[arg(long)]
    spec: Option<PathBuf>,
    /// With `--spec`, the service instance whose values to write.
    #[arg(long)]
    instance: Option<String>,
    #[command(flatten)]
    common: Common,
}

#[derive(clap::Args, Debug)]
struct Common {
    /// The backend.
    #[arg(long, value_enum)]
    target: TargetArg,
    /// CloudFormation: write YAML (beside the JSON with `-o`; instead of it on stdout).
    #[arg(long)]
    yaml: bool,
    /// The folder to write to (stdout when left out, for one CloudFormation template).
    #[arg(short = 'o', long = "out")]
    out: Option<PathBuf>,
    /// The workspace whose templates are loaded.
    #[arg(long, default_value = ".")]
    workspace: PathBuf,
    /// The AWS provider version constraint written in Terraform's `required_providers`.
    #[arg(long, default_value = crate::codegen::terraform::DEFAULT_AWS_PROVIDER)]
    aws_provider: String,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t)]
    format: OutputFormat,
    /// When to colour human output.
    #[arg(long, value_enum, default_value_t)]
    color: ColorChoice,
}

pub fn run_render(args: RenderArgs) -> u8 {
    run(
        &args.template,
        Some(&args.spec),
        args.instance.as_deref(),
        Mode::Render,
        &args.common,
    )
}

pub fn run_compile(args: CompileArgs) -> u8 {
    run(
        &args.template,
        args.spec.as_deref(),
        args.instance.as_deref(),
        Mode::Parameterised,
        &args.common,
    )
}

fn run(
    template: &str,
    spec: Option<&Path>,
    instance: Option<&str>,
    mode: Mode,
    common: &Common,
) -> u8 {
    let (mut map, problems, selector, count) =
        match crate::cli::workspace::load_templates(&common.workspace, template) {
            Ok(v) => v,
            Err(e) => {
                err(&format!("error: {e}\n"));
                return status::USAGE;
            }
        };
    // The workspace's specs: the spec is checked with them, as `check` checks it.
    let workspace_specs =
        match crate::cli::workspace::add_workspace_specs(&common.workspace, &mut map) {
            Ok(ids) if spec.is_some() => ids,
            Ok(_) => crate::compile::WorkspaceSpecs::default(),
            Err(e) => {
                err(&format!("error: {}\n", e.0));
                return status::USAGE;
            }
        };
    let loaded = spec.and_then(|p| crate::cli::workspace::find_loaded(&map, &workspace_specs, p));
    let spec_id = match spec {
        None => None,
        Some(_) if loaded.is_some() => loaded,
        Some(path) => match std::fs::read(path) {
            Ok(bytes) => {
                let (id, problem) = add_source(&mut map, display_name(path), &bytes);
                if let Some(p) = problem {
                    let report = crate::check::Report {
                        diagnostics: vec![p],
                    };
                    print_report(&report, &map, common.format, common.color, 1);
                    return status::INPUT_ERRORS;
                }
                Some(id)
            }
            Err(e) => {
                err(&format!(
                    "error: cannot read `{}`: {}\n",
                    path.display(),
                    io_reason(&e)
                ));
                return status::USAGE;
            }
        },
    };
    // A spec is checked in its workspace, as `check` checks it: without one, its
    // environments cannot be known (E0325, as `check` of a loose spec).
    if let Some(id) = spec_id
        && !crate::cli::workspace::is_workspace(&common.workspace)
    {
        let d = Diagnostic::new(
            codes::SPEC_OUTSIDE_WORKSPACE,
            "this spec cannot be checked against its workspace: the workspace has no `formwork.yaml`",
        )
        .with_primary(Span::new(id, 0, 0), "this spec")
        .with_note(format!(
            "`--spec` checks the spec as `formwork check` does, in the workspace `{}` (`--workspace`), which has no `formwork.yaml`",
            common.workspace.display()
        ))
        .with_help("pass the workspace with `--workspace DIR`, or make one with `formwork init`");
        let report = crate::check::Report {
            diagnostics: vec![d],
        };
        print_report(&report, &map, common.format, common.color, count);
        return status::INPUT_ERRORS;
    }
    let options = Options {
        target: match common.target {
            TargetArg::Cloudformation => Target::CloudFormation,
            TargetArg::Terraform => Target::Terraform,
        },
        mode,
        yaml: common.yaml,
        aws_provider: common.aws_provider.clone(),
        input_overrides: Default::default(),
    };
    let report_failure = |map: &crate::syntax::span::SourceMap, f: Failure| match f {
        Failure::Usage(msg) | Failure::Io(msg) => {
            err(&format!("error: {msg}\n"));
            status::USAGE
        }
        Failure::Diagnostics(diagnostics) => {
            let report = crate::check::Report { diagnostics };
            print_report(&report, map, common.format, common.color, count);
            status::INPUT_ERRORS
        }
    };
    let Some(dir) = &common.out else {
        return match compile(
            &mut map,
            problems,
            &selector,
            spec_id,
            &workspace_specs,
            instance,
            &options,
        ) {
            Ok(artifacts) => print_single(&artifacts, common),
            Err(f) => report_failure(&map, f),
        };
    };
    // Each artifact is written as soon as it is compiled, into a staging folder inside
    // `dir`; when every instance has compiled, the files are renamed into place. A
    // failed render leaves `dir` as it was.
    let staging = dir.join(format!(".formwork-staging-{}", std::process::id()));
    if dir.is_file() {
        let r = crate::cli::out_dir::Refusal::new(
            format!(
                "`{}` is a file, not a folder: `-o` names the folder the files are written into",
                dir.display()
            ),
            Some(
                "name a folder (it is made if it does not exist), or leave `-o` out to print one template",
            ),
        );
        crate::cli::output::print_diagnostic(r.diagnostic(), common.format, common.color);
        return status::USAGE;
    }
    if let Err(e) = std::fs::create_dir_all(&staging) {
        return refuse(
            format!("cannot create `{}`: {}", staging.display(), io_reason(&e)),
            common,
        );
    }
    let written: std::sync::Mutex<Vec<(String, String)>> = std::sync::Mutex::new(Vec::new());
    let result = compile_each(
        &mut map,
        problems,
        &selector,
        spec_id,
        &workspace_specs,
        instance,
        &options,
        &|_, artifact| stage(&staging, &artifact, &written),
    );
    let staged = written.into_inner().unwrap_or_default();
    let code = match result {
        Ok(n) => publish(dir, &staging, &staged, n, common),
        Err(f) => report_failure(&map, f),
    };
    let _ = std::fs::remove_dir_all(&staging);
    code
}

/// Writes one artifact's files into the staging folder, side by side as
/// `NAME.FILE` (names are checked stack names, so they hold no `/` or `..`), and
/// records them.
fn stage(
    staging: &Path,
    artifact: &Artifact,
    written: &std::sync::Mutex<Vec<(String, String)>>,
) -> Result<(), String> {
    for (name, text) in &artifact.files {
        let path = staging.join(format!("{}.{name}", artifact.name));
        std::fs::write(&path, text)
            .map_err(|e| format!("cannot write `{}`: {}", path.display(), io_reason(&e)))?;
        if let Ok(mut w) = written.lock() {
            w.push((artifact.name.clone(), name.clone()));
        }
    }
    Ok(())
}

/// Renames the staged files into `dir`. CloudFormation templates go side by side,
/// named after their artifact (`web-dev.template.json`, as `cdk.out` names stacks);
/// Terraform artifacts are root modules, so each has its folder (`dir/jobs-dev/`), or
/// `dir` itself when there is one.
fn publish(
    dir: &Path,
    staging: &Path,
    staged: &[(String, String)],
    artifacts: usize,
    common: &Common,
) -> u8 {
    let target = common.target;
    let nested = target == TargetArg::Terraform && artifacts > 1;
    use rayon::prelude::*;
    if nested {
        let mut folders: Vec<&str> = staged.iter().map(|(a, _)| a.as_str()).collect();
        folders.sort_unstable();
        folders.dedup();
        for f in folders {
            if let Err(e) = std::fs::create_dir_all(dir.join(f)) {
                return refuse(
                    format!(
                        "cannot create `{}`: {}",
                        dir.join(f).display(),
                        io_reason(&e)
                    ),
                    common,
                );
            }
        }
    }
    let failed = staged.par_iter().find_map_any(|(artifact, file)| {
        let from = staging.join(format!("{artifact}.{file}"));
        let to = match target {
            TargetArg::Cloudformation => dir.join(format!("{artifact}.{file}")),
            TargetArg::Terraform if nested => dir.join(artifact).join(file),
            TargetArg::Terraform => dir.join(file),
        };
        std::fs::rename(&from, &to).err().map(|e| (to, e))
    });
    if let Some((to, e)) = failed {
        return refuse(
            format!("cannot write `{}`: {}", to.display(), io_reason(&e)),
            common,
        );
    }
    let files = staged.len();
    err(&format!(
        "wrote {files} file{} for {artifacts} artifact{} to {}\n",
        if files == 1 { "" } else { "s" },
        if artifacts == 1 { "" } else { "s" },
        dir.display()
    ));
    status::OK
}

/// An output folder `-o` cannot write (`E0506`), in the chosen format.
fn refuse(message: String, common: &Common) -> u8 {
    let d = crate::cli::out_dir::Refusal::io(message).diagnostic();
    crate::cli::output::print_diagnostic(d, common.format, common.color);
    status::USAGE
}

/// Without `-o`: one CloudFormation template to stdout.
fn print_single(artifacts: &[Artifact], common: &Common) -> u8 {
    let [artifact] = artifacts else {
        err(
            "error: the spec has several instances: pick one with `--instance`, or write them all with `-o DIR`\n",
        );
        return status::USAGE;
    };
    if common.target == TargetArg::Terraform {
        err("error: Terraform output is several files: give a folder with `-o DIR`\n");
        return status::USAGE;
    }
    let want = if common.yaml {
        "template.yaml"
    } else {
        "template.json"
    };
    match artifact.files.iter().find(|(n, _)| n == want) {
        Some((_, text)) => {
            out(text);
            status::OK
        }
        None => status::USAGE,
    }
}
