//! `formwork diff NAME@A NAME@B [--instance NAME…]`: what changed between two
//! versions of a template of the workspace (drafts and published snapshots alike):
//! every change `versions::compare_signatures` finds, compatible ones too, then for
//! each instance named, the structural diff (`versions::diff`) of the instance
//! rendered with each version, resources that would be replaced or deleted flagged.
//!
//! A report: exit 0 whatever changed; 1 when the templates or specs have errors; 2
//! for a template, version or instance the workspace does not have.

use std::path::PathBuf;

use serde_json::{Map, Value, json};

use crate::check::build_and_check;
use crate::cli::output::{err, out, print_report};
use crate::cli::workspace::load_workspace;
use crate::cli::{ColorChoice, status};
use crate::compile::{Artifact, Failure, Options, Selector, find_template, prepare, run_batches};
use crate::diagnostics::Diagnostic;
use crate::diagnostics::suggest::did_you_mean;
use crate::resolve::{DeclId, Program};
use crate::syntax::ast::BodyItem;
use crate::syntax::span::{FileId, SourceMap};
use crate::types::Checker;
use crate::types::targets::Target;
use crate::versions::diff::{Difference, diff, render_text, to_json, without_formwork_metadata};
use crate::versions::{Change, ChangeKind, Impact, compare_signatures};
use crate::workspace::build::{render_options, target_for};
use crate::workspace::config::Config;
use crate::workspace::plan;

/// How the report is printed.
#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum ReportFormat {
    /// Lines for people (to stdout).
    #[default]
    Text,
    /// One JSON document (to stdout).
    Json,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The older version: `NAME@MAJOR.MINOR`.
    from: String,
    /// The newer version: `NAME@MAJOR.MINOR`.
    to: String,
    /// An instance to render with both versions: an environment's name, or a service
    /// instance's (repeatable).
    #[arg(long = "instance", value_name = "NAME")]
    instances: Vec<String>,
    /// The workspace (the folder holding `formwork.yaml`).
    #[arg(long, default_value = ".")]
    workspace: PathBuf,
    /// How to print the report.
    #[arg(long, value_enum, default_value_t)]
    format: ReportFormat,
    /// When to colour diagnostics.
    #[arg(long, value_enum, default_value_t)]
    color: ColorChoice,
}

/// `NAME@VERSION`, both parts required.
fn split(arg: &str) -> Result<(&str, &str), String> {
    match arg.split_once('@') {
        Some((n, v)) if !n.is_empty() && !v.is_empty() => Ok((n, v)),
        _ => Err(format!(
            "`{arg}` names no version: write `NAME@MAJOR.MINOR`, like `worker@1.0`"
        )),
    }
}

pub fn run(args: Args) -> u8 {
    let parsed = split(&args.from).and_then(|a| Ok((a, split(&args.to)?)));
    let ((name, from), (other, to)) = match parsed {
        Ok(v) => v,
        Err(m) => return usage(&m),
    };
    if name != other {
        return usage(&format!(
            "`{}` and `{}` are different templates: compare two versions of one, like `{name}@{from} {name}@{to}`",
            args.from, args.to
        ));
    }
    let mut ws = match load_workspace(&args.workspace) {
        Ok(w) => w,
        Err(e) => return usage(&e.0),
    };
    let problems = std::mem::take(&mut ws.problems);
    let (program, diags) = build_and_check(&mut ws.map, problems);
    let report = |map: &SourceMap, diagnostics: Vec<Diagnostic>| {
        let report = crate::check::Report { diagnostics };
        print_report(
            &report,
            map,
            crate::cli::OutputFormat::Human,
            args.color,
            ws.files,
        );
        status::INPUT_ERRORS
    };
    if diags.iter().any(Diagnostic::is_error) {
        return report(&ws.map, diags);
    }
    let pick = |version: &str| {
        find_template(
            &program,
            &Selector::Name {
                name: name.to_string(),
                version: Some(version.to_string()),
            },
        )
    };
    let (old, new) = match (pick(from), pick(to)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(Failure::Usage(m)), _) | (_, Err(Failure::Usage(m))) => return usage(&m),
        (Err(_), _) | (_, Err(_)) => return status::INPUT_ERRORS,
    };
    let changes = compare_signatures(&program, old, new);
    let mut instances = Vec::new();
    if !args.instances.is_empty() {
        let (the_plan, d) = plan(&program, &ws.map, &ws.environments, &ws.services);
        if d.iter().any(Diagnostic::is_error) {
            return report(&ws.map, d);
        }
        for wanted in &args.instances {
            let found = match find_instance(&program, &ws.map, &the_plan, name, wanted) {
                Ok(f) => f,
                Err(m) => return usage(&m),
            };
            instances.push(compare_rendered(
                &program,
                &ws.map,
                &ws.config,
                &found,
                (old, from),
                (new, to),
            ));
        }
    }
    let text = match args.format {
        ReportFormat::Text => text_report(
            &program,
            &ws.map,
            name,
            (from, to),
            new,
            &changes,
            &instances,
        ),
        ReportFormat::Json => {
            let report = json_report(name, (from, to), &changes, &instances);
            let mut doc = serde_json::to_string_pretty(&report).unwrap_or_default();
            doc.push('\n');
            doc
        }
    };
    out(&text);
    status::OK
}

fn usage(message: &str) -> u8 {
    err(&format!("error: {message}\n"));
    status::USAGE
}

/// An instance of the workspace's specs: its spec file and, for a service instance,
/// its name in the spec.
struct Found {
    name: String,
    spec: FileId,
    service_instance: bool,
}

fn find_instance(
    program: &Program,
    map: &SourceMap,
    the_plan: &crate::workspace::Plan,
    template: &str,
    wanted: &str,
) -> Result<Found, String> {
    let template_of = |decl: DeclId| {
        program
            .decl(decl)
            .and_then(|d| d.name.as_plain())
            .unwrap_or_default()
    };
    let mut all: Vec<(String, FileId, DeclId, bool)> = Vec::new();
    for env in &the_plan.environments {
        all.push((env.name.clone(), env.spec, env.decl, false));
    }
    for svc in &the_plan.services {
        for inst in &svc.instances {
            all.push((inst.name.clone(), svc.spec, inst.decl, true));
        }
    }
    if let Some((n, spec, decl, service_instance)) = all.iter().find(|(n, ..)| n == wanted) {
        let uses = template_of(*decl);
        if uses != template {
            return Err(format!(
                "instance `{n}` uses `{uses}`, not `{template}` (its spec is `{}`)",
                map.get(*spec).map(|f| f.name.as_str()).unwrap_or_default()
            ));
        }
        return Ok(Found {
            name: n.clone(),
            spec: *spec,
            service_instance: *service_instance,
        });
    }
    let of_template: Vec<&str> = all
        .iter()
        .filter(|(_, _, d, _)| template_of(*d) == template)
        .map(|(n, ..)| n.as_str())
        .collect();
    let mut m = format!("the workspace has no instance `{wanted}`");
    match did_you_mean(wanted, of_template.iter().copied()) {
        Some(s) => m.push_str(&format!("; did you mean `{s}`?")),
        None if of_template.is_empty() => {
            m.push_str(&format!("; no spec of the workspace uses `{template}`"))
        }
        None => m.push_str(&format!(
            "; instances of `{template}`: {}",
            of_template.join(", ")
        )),
    }
    Err(m)
}

/// An instance rendered with both versions: the differences, or why a version could
/// not render it.
struct Rendered {
    name: String,
    target: Target,
    result: Result<Vec<Difference>, String>,
}

fn compare_rendered(
    program: &Program,
    map: &SourceMap,
    config: &Config,
    found: &Found,
    (old, from): (DeclId, &str),
    (new, to): (DeclId, &str),
) -> Rendered {
    let target = target_for(&mut Checker::new(program), old, config);
    let options = render_options(config, target);
    let instance = found.service_instance.then_some(found.name.as_str());
    let render = |decl: DeclId, version: &str| -> Result<Value, String> {
        let artifact = render_one(program, map, decl, found.spec, instance, &options)
            .map_err(|why| format!("cannot be rendered with {version}: {why}"))?;
        let main = match target {
            Target::CloudFormation => "template.json",
            Target::Terraform => "main.tf.json",
        };
        let text = artifact
            .files
            .iter()
            .find(|(n, _)| n == main)
            .map(|(_, t)| t.as_str())
            .unwrap_or("{}");
        serde_json::from_str(text)
            .map(without_formwork_metadata)
            .map_err(|e| format!("its {version} rendering is not JSON: {e}"))
    };
    let result = render(old, from).and_then(|a| Ok(diff(&a, &render(new, to)?)));
    Rendered {
        name: found.name.clone(),
        target,
        result,
    }
}

/// One instance's artifact, in memory; the error says why there is none.
fn render_one(
    program: &Program,
    map: &SourceMap,
    decl: DeclId,
    spec: FileId,
    instance: Option<&str>,
    options: &Options,
) -> Result<Artifact, String> {
    let failure = |f: Failure| match f {
        Failure::Usage(m) | Failure::Io(m) => m,
        Failure::Diagnostics(d) => match d.iter().find(|d| d.is_error()) {
            Some(d) => format!("{} {}", d.code.id, d.message),
            None => "it has errors".to_string(),
        },
    };
    let batch = prepare(program, map, decl, Some(spec), instance, options).map_err(failure)?;
    let made = std::sync::Mutex::new(None);
    run_batches(program, std::slice::from_ref(&batch), &|_, _, a| {
        if let Ok(mut m) = made.lock() {
            *m = Some(a);
        }
        Ok(())
    })
    .map_err(failure)?;
    made.into_inner()
        .ok()
        .flatten()
        .ok_or_else(|| "nothing was rendered".to_string())
}

/// `+` for what is new, `-` for what is gone, `~` for what changed.
fn symbol(kind: &ChangeKind) -> char {
    use ChangeKind::*;
    match kind {
        InputAdded { .. }
        | OutputAdded { .. }
        | EnvironmentsAdded { .. }
        | TargetAdded { .. }
        | ResourceAdded { .. } => '+',
        InputRemoved { .. }
        | OutputRemoved { .. }
        | EnvironmentsDropped { .. }
        | TargetDropped { .. }
        | ResourceRemoved { .. }
        | InstanceNotRendered { .. } => '-',
        _ => '~',
    }
}

fn impact_name(i: Impact) -> &'static str {
    match i {
        Impact::Compatible => "compatible",
        Impact::Warning => "warning",
        Impact::Breaking => "breaking",
    }
}

/// The declaration of an added input, as written after its name: `String = "a"`.
fn declared(program: &Program, map: &SourceMap, decl: DeclId, kind: &ChangeKind) -> Option<String> {
    let ChangeKind::InputAdded {
        input, pipeline, ..
    } = kind
    else {
        return None;
    };
    let d = program.decl(decl)?;
    let field = d.body.iter().find_map(|b| match b {
        BodyItem::Input(block) if block.pipeline == *pipeline => {
            block.fields.iter().find(|f| f.name.name == *input)
        }
        _ => None,
    })?;
    let text = map.slice(field.span);
    let after = text.get(field.name.span.end.saturating_sub(field.span.start) as usize..)?;
    let after = after.trim_start().trim_start_matches(':').trim();
    let one_line: Vec<&str> = after.split_whitespace().collect();
    (!one_line.is_empty()).then(|| one_line.join(" "))
}

fn text_report(
    program: &Program,
    map: &SourceMap,
    name: &str,
    (from, to): (&str, &str),
    new: DeclId,
    changes: &[Change],
    instances: &[Rendered],
) -> String {
    let breaking = changes.iter().filter(|c| c.is_breaking()).count();
    let mut s = format!(
        "`{name}` {from} → {to}: {}",
        match (changes.len(), breaking) {
            (0, _) => "no changes to inputs, outputs, environments or targets".to_string(),
            (n, 0) => format!("{n} change{}, none breaking", plural(n)),
            (n, b) => format!("{n} change{}, {b} breaking", plural(n)),
        }
    );
    s.push('\n');
    for c in changes {
        s.push_str(&format!("  {} {}", symbol(&c.kind), c.kind));
        if let Some(d) = declared(program, map, new, &c.kind) {
            s.push_str(&format!(": `{d}`"));
        }
        match c.impact {
            Impact::Compatible => {}
            i => s.push_str(&format!("  [{}]", impact_name(i))),
        }
        s.push('\n');
    }
    for r in instances {
        s.push('\n');
        match &r.result {
            Ok(diffs) if diffs.is_empty() => s.push_str(&format!(
                "instance `{}` ({}): renders the same with {from} and {to}\n",
                r.name,
                r.target.display()
            )),
            Ok(diffs) => {
                let flagged = diffs.iter().filter(|d| d.effect.is_some()).count();
                s.push_str(&format!(
                    "instance `{}` ({}): {} difference{}{}\n",
                    r.name,
                    r.target.display(),
                    diffs.len(),
                    plural(diffs.len()),
                    match flagged {
                        0 => String::new(),
                        n => format!(", {n} replacing or deleting a resource"),
                    }
                ));
                s.push_str(&render_text(diffs, "  "));
            }
            Err(why) => s.push_str(&format!("instance `{}` {why}\n", r.name)),
        }
    }
    s
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn json_report(
    name: &str,
    (from, to): (&str, &str),
    changes: &[Change],
    instances: &[Rendered],
) -> Value {
    let changes: Vec<Value> = changes
        .iter()
        .map(|c| {
            let mut m = Map::new();
            let change = match symbol(&c.kind) {
                '+' => "added",
                '-' => "removed",
                _ => "changed",
            };
            m.insert("change".into(), json!(change));
            m.insert("impact".into(), json!(impact_name(c.impact)));
            m.insert("text".into(), json!(c.kind.to_string()));
            if let Some(d) = &c.diagnostic {
                m.insert("code".into(), json!(d.code.id));
                m.insert("message".into(), json!(d.message));
            }
            Value::Object(m)
        })
        .collect();
    let instances: Vec<Value> = instances
        .iter()
        .map(|r| {
            let mut m = Map::new();
            m.insert("instance".into(), json!(r.name));
            m.insert("target".into(), json!(r.target.name()));
            match &r.result {
                Ok(d) => m.insert("differences".into(), to_json(d)),
                Err(why) => m.insert("error".into(), json!(why)),
            };
            Value::Object(m)
        })
        .collect();
    json!({
        "template": name,
        "from": from,
        "to": to,
        "changes": changes,
        "instances": instances,
    })
}
