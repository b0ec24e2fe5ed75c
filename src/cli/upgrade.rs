//! `formwork upgrade [SPEC] [--to VERSION] [--major]`: moves specs to a newer version
//! of their template by rewriting the version of their `template:` pin in place, and
//! nothing else. The whole workspace is first planned with the new pins; if any spec
//! would then be wrong (a new required input, an environment a service no longer
//! admits), nothing is written and the errors say what to add.

use std::path::{Path, PathBuf};

use crate::check::build_and_check;
use crate::cli::output::{err, print_report};
use crate::cli::sources::io_reason;
use crate::cli::workspace::load_workspace;
use crate::cli::{ColorChoice, OutputFormat, status};
use crate::diagnostics::Diagnostic;
use crate::resolve::Version;
use crate::spec::{SpecKind, read_spec};
use crate::syntax::ast::DeclKind;
use crate::syntax::span::FileId;
use crate::versions::outdated::{catalog, versions};
use crate::versions::upgrade::{insert_instance_pin, rewrite_pin, target_version};
use crate::workspace::{plan, spec_name};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The service or environment to upgrade (its spec's name: `web` for
    /// `services/web.yaml`); every spec when left out.
    spec: Option<String>,
    /// The version to move to (default: the recommended version of the current major,
    /// or with `--major` the recommended version).
    #[arg(long)]
    to: Option<String>,
    /// Allow moving to a new major version (a migration: review the diff first).
    #[arg(long)]
    major: bool,
    /// Upgrade only these instances of the service: each gets (or updates) its own
    /// `template:` pin, and the others stay where they are.
    #[arg(long = "instance", value_name = "NAME")]
    instances: Vec<String>,
    /// The workspace (the folder holding `formwork.yaml`).
    #[arg(long, default_value = ".")]
    workspace: PathBuf,
    /// When to colour diagnostics.
    #[arg(long, value_enum, default_value_t)]
    color: ColorChoice,
}

/// One spec to rewrite.
struct Move {
    file: FileId,
    /// The instance whose own pin moves; `None` for the spec's pin.
    instance: Option<String>,
    path: PathBuf,
    template: String,
    from: Version,
    to: Version,
    text: String,
}

pub fn run(args: Args) -> u8 {
    let to = match args.to.as_deref().map(Version::parse) {
        Some(None) => {
            err("error: `--to` takes a version, `MAJOR.MINOR`\n");
            return status::USAGE;
        }
        Some(v) => v,
        None => None,
    };
    let mut ws = match load_workspace(&args.workspace) {
        Ok(w) => w,
        Err(e) => {
            err(&format!("error: {}\n", e.0));
            return status::USAGE;
        }
    };
    let problems = std::mem::take(&mut ws.problems);
    let (program, diags) = build_and_check(&mut ws.map, problems);
    if diags.iter().any(Diagnostic::is_error) {
        let report = crate::check::Report { diagnostics: diags };
        print_report(&report, &ws.map, OutputFormat::Human, args.color, ws.files);
        return status::INPUT_ERRORS;
    }
    let specs: Vec<(FileId, SpecKind)> = ws
        .environments
        .iter()
        .map(|f| (*f, SpecKind::Environment))
        .chain(ws.services.iter().map(|f| (*f, SpecKind::Service)))
        .collect();
    if let Some(name) = &args.spec
        && !specs.iter().any(|(f, _)| spec_name(&ws.map, *f) == *name)
    {
        err(&format!(
            "error: the workspace has no service or environment `{name}`\n"
        ));
        return status::USAGE;
    }
    let catalog = catalog(&ws.map);
    let mut moves = Vec::new();
    let mut majors = Vec::new();
    for (file, kind) in specs {
        if args
            .spec
            .as_ref()
            .is_some_and(|n| spec_name(&ws.map, file) != *n)
        {
            continue;
        }
        let Some(source) = ws.map.get(file) else {
            continue;
        };
        let (parsed, _) = read_spec(file, &source.text);
        let Some(parsed) = parsed else { continue };
        if parsed.kind != kind {
            continue;
        }
        let Some(pin) = &parsed.template else {
            continue;
        };
        let decl_kind = match kind {
            SpecKind::Environment => DeclKind::Environment,
            SpecKind::Service => DeclKind::Service,
        };
        let available = versions(&program, decl_kind, &pin.name);
        if !args.instances.is_empty() {
            match instance_moves(&args, &parsed, pin, &available, to, &source.text) {
                Ok(Some((text, moved))) => {
                    for (instance, from, target) in moved {
                        moves.push(Move {
                            file,
                            instance: Some(instance),
                            path: PathBuf::from(&source.name),
                            template: pin.name.clone(),
                            from,
                            to: target,
                            text: text.clone(),
                        });
                    }
                }
                Ok(None) => {}
                Err(message) => {
                    err(&format!("error: {message}\n"));
                    return status::USAGE;
                }
            }
            continue;
        }
        let Some(current) = pin
            .version
            .as_deref()
            .and_then(Version::parse)
            .or_else(|| available.last().copied())
        else {
            continue;
        };
        if let Some(t) = to
            && !available.contains(&t)
        {
            err(&format!(
                "error: the workspace has no version {t} of `{}` (it has {})\n",
                pin.name,
                available
                    .iter()
                    .map(Version::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            return status::USAGE;
        }
        let recommended = catalog.recommended(decl_kind, &pin.name);
        let Some(target) = target_version(current, &available, recommended, to, args.major) else {
            let newest_major = available.iter().max().filter(|v| v.major > current.major);
            if let Some(v) = newest_major.filter(|_| to.is_none() && !args.major) {
                majors.push(format!("{} ({} {current} → {v})", source.name, pin.name));
            }
            continue;
        };
        if target.major != current.major && !args.major && to.is_none() {
            continue;
        }
        let Some(text) = rewrite_pin(&source.text, pin.span, target) else {
            continue;
        };
        moves.push(Move {
            file,
            instance: None,
            path: PathBuf::from(&source.name),
            template: pin.name.clone(),
            from: current,
            to: target,
            text,
        });
    }
    if moves.is_empty() {
        err("every spec is on its recommended version\n");
        for m in &majors {
            err(&format!(
                "  a major upgrade is available: {m}; run with `--major`\n"
            ));
        }
        return status::OK;
    }
    // Plan the workspace as it would be: every spec that moves replaced by its new text.
    let mut map = ws.map.clone();
    let replace = |ids: &[FileId], map: &mut crate::syntax::span::SourceMap| -> Vec<FileId> {
        ids.iter()
            .map(|id| match moves.iter().find(|m| m.file == *id) {
                Some(m) => map.add(m.path.display().to_string(), m.text.clone()),
                None => *id,
            })
            .collect()
    };
    let environments = replace(&ws.environments, &mut map);
    let services = replace(&ws.services, &mut map);
    let (_, after) = plan(&program, &map, &environments, &services);
    if after.iter().any(Diagnostic::is_error) {
        let report = crate::check::Report { diagnostics: after };
        print_report(&report, &map, OutputFormat::Human, args.color, ws.files);
        for m in &moves {
            err(&format!(
                "not upgraded: {} ({} {} → {})\n",
                m.path.display(),
                m.template,
                m.from,
                m.to
            ));
        }
        err(
            "nothing was written: with the new versions, the specs above would be wrong; add or change what the errors name, then upgrade again\n",
        );
        return status::INPUT_ERRORS;
    }
    let mut written: Vec<&Path> = Vec::new();
    for m in &moves {
        let path = &m.path;
        if written.contains(&path.as_path()) {
            report_move(m);
            continue;
        }
        written.push(path);
        // The source map names a file by its path as the user gave the workspace.
        if let Err(e) = write_atomically(path, &m.text) {
            err(&format!(
                "error: cannot write `{}`: {}\n",
                path.display(),
                io_reason(&e)
            ));
            return status::USAGE;
        }
        report_move(m);
    }
    status::OK
}

fn report_move(m: &Move) {
    let kind = if m.to.major != m.from.major {
        "major"
    } else {
        "minor"
    };
    let what = match &m.instance {
        Some(i) => format!("{} (instance {i})", m.path.display()),
        None => m.path.display().to_string(),
    };
    err(&format!(
        "upgraded {what}: {} {} → {} ({kind})\n",
        m.template, m.from, m.to
    ));
}

/// An instance whose pin moves: its name, from, to.
type InstanceMove = (String, Version, Version);

/// The spec's text with the named instances pinned to their target version, and each
/// move (from, to); `None` when every named instance is already there.
fn instance_moves(
    args: &Args,
    parsed: &crate::spec::SpecFile,
    pin: &crate::spec::TemplateRef,
    available: &[Version],
    to: Option<Version>,
    text: &str,
) -> Result<Option<(String, Vec<InstanceMove>)>, String> {
    if parsed.kind != SpecKind::Service {
        return Err("`--instance` names instances of a service, not an environment".into());
    }
    let file_version = pin
        .version
        .as_deref()
        .and_then(Version::parse)
        .or_else(|| available.last().copied());
    let mut edits: Vec<(u32, Option<String>, Version, Version)> = Vec::new();
    for want in &args.instances {
        let Some(inst) = parsed.instances.iter().find(|i| i.name == *want) else {
            let names: Vec<&str> = parsed.instances.iter().map(|i| i.name.as_str()).collect();
            return Err(format!(
                "the service has no instance `{want}` (it has {})",
                names.join(", ")
            ));
        };
        let current = inst
            .template
            .as_ref()
            .and_then(|t| t.version.as_deref())
            .and_then(Version::parse)
            .or(file_version);
        let Some(current) = current else { continue };
        let Some(target) = target_version(current, available, None, to, args.major) else {
            continue;
        };
        let start = inst
            .template
            .as_ref()
            .map_or(inst.name_span.start, |t| t.span.start);
        edits.push((start, None, current, target));
        let last = edits.len() - 1;
        let new_text = match &inst.template {
            Some(t) => rewrite_pin(text, t.span, target),
            None => insert_instance_pin(text, inst.name_span, &pin.name, target),
        };
        match new_text {
            Some(_) => edits[last].1 = Some(inst.name.clone()),
            None => {
                return Err(format!(
                    "cannot add a `template:` pin to instance `{want}` written in flow style; add `template: {}@{target}` to it by hand",
                    pin.name
                ));
            }
        }
    }
    if edits.is_empty() {
        return Ok(None);
    }
    // Apply from the end of the file, so earlier offsets stay valid.
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = text.to_string();
    let mut moved = Vec::new();
    for (_, name, from, target) in &edits {
        let Some(inst) = parsed
            .instances
            .iter()
            .find(|i| Some(&i.name) == name.as_ref())
        else {
            continue;
        };
        let next = match &inst.template {
            Some(t) => rewrite_pin(&out, t.span, *target),
            None => insert_instance_pin(&out, inst.name_span, &pin.name, *target),
        };
        if let Some(n) = next {
            out = n;
            moved.push((inst.name.clone(), *from, *target));
        }
    }
    Ok(Some((out, moved)))
}

/// Writes `text` to a temporary file beside `path` and renames it over `path`: a
/// reader sees the old spec or the new one.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "spec".into());
    let tmp = path.with_file_name(format!(".{name}.formwork-{}", std::process::id()));
    std::fs::write(&tmp, text)?;
    if let Err(e) = std::fs::rename(&tmp, path) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(())
}
