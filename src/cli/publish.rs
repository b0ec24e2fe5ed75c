//! `formwork publish TEMPLATE [--major] [DIR]`: snapshot a template's draft into the
//! registry as its next version. The draft is compared with the latest published
//! version (`versions::compare`, every instance of that major rendered with both):
//! compatible, it is the next minor; breaking, it is refused unless `--major`. The
//! snapshot folder is written beside the registry and renamed in, then the index
//! replaced, then the draft's `version` rewritten: a refused or failed publish leaves
//! the registry as it was.

use std::path::{Path, PathBuf};

use crate::check::{Report, build_and_check};
use crate::cli::output::{err, print_report, write_atomic};
use crate::cli::sources::{display_name, io_reason};
use crate::cli::workspace::{Loaded, load_workspace};
use crate::cli::{ColorChoice, OutputFormat, status};
use crate::diagnostics::Diagnostic;
use crate::resolve::{DeclId, Program, Version, normalize_import};
use crate::syntax::span::{FileId, SourceMap};
use crate::versions::publish::{draft_of, existing_instances, target_for};
use crate::versions::registry::{
    INDEX_FILE, Published, Registry, TemplateEntry, rewrite_version, version_setting,
};
use crate::versions::{Change, Impact, compare, next_version};
use crate::workspace::{Plan, plan};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The template to publish, by name: its draft is the template of that name
    /// outside the registry.
    template: String,
    /// Publish the next major version: needed when the draft breaks existing specs or
    /// instances.
    #[arg(long)]
    major: bool,
    /// The workspace (the folder holding `formwork.yaml`).
    #[arg(default_value = ".")]
    workspace: PathBuf,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t)]
    format: OutputFormat,
    /// When to colour human output.
    #[arg(long, value_enum, default_value_t)]
    color: ColorChoice,
}

/// What a run stops with: diagnostics (exit 1), a usage error (exit 2), or a
/// message for a run that had nothing to do (exit 0).
enum Stop {
    Diagnostics(SourceMap, Vec<Diagnostic>, String),
    Usage(String),
    Nothing(String),
}

pub fn run(args: Args) -> u8 {
    let ws = match load_workspace(&args.workspace) {
        Ok(w) => w,
        Err(e) => {
            err(&format!("error: {}\n", e.0));
            return status::USAGE;
        }
    };
    let files = ws.files;
    match publish(&args, ws) {
        Ok(()) => status::OK,
        Err(Stop::Nothing(message)) => {
            err(&format!("{message}\n"));
            status::OK
        }
        Err(Stop::Usage(message)) => {
            err(&format!("error: {message}\n"));
            status::USAGE
        }
        Err(Stop::Diagnostics(map, diagnostics, why)) => {
            let report = Report { diagnostics };
            print_report(&report, &map, args.format, args.color, files);
            err(&format!("error: {why}\n"));
            status::INPUT_ERRORS
        }
    }
}

/// The workspace checked with the draft's text replaced (its version renumbered).
struct Checked {
    map: SourceMap,
    program: Program,
}

fn check(
    pristine: &SourceMap,
    problems: &[Diagnostic],
    replaced: Option<(FileId, &str)>,
    name: &str,
) -> Result<(Checked, Vec<Diagnostic>), Stop> {
    let mut map = SourceMap::new();
    for (id, f) in pristine.files() {
        match replaced {
            Some((r, text)) if r == id => map.add(f.name.clone(), text),
            _ => map.add(f.name.clone(), f.text.clone()),
        };
    }
    let (program, diags) = build_and_check(&mut map, problems.to_vec());
    if diags.iter().any(Diagnostic::is_error) {
        let errors = diags.into_iter().filter(Diagnostic::is_error).collect();
        return Err(Stop::Diagnostics(
            map,
            errors,
            format!("`{name}` was not published: the workspace has errors"),
        ));
    }
    Ok((Checked { map, program }, diags))
}

fn publish(args: &Args, mut ws: Loaded) -> Result<(), Stop> {
    let name = args.template.as_str();
    let problems = std::mem::take(&mut ws.problems);
    let pristine = ws.map.clone();
    let (first, _) = check(&pristine, &problems, None, name)?;
    let (the_plan, d) = plan(&first.program, &first.map, &ws.environments, &ws.services);
    if d.iter().any(Diagnostic::is_error) {
        return Err(Stop::Diagnostics(
            first.map,
            d.into_iter().filter(Diagnostic::is_error).collect(),
            format!("`{name}` was not published: the workspace has errors"),
        ));
    }
    let Some((mut registry, _)) = Registry::locate(&first.map) else {
        return Err(Stop::Usage("the workspace has no `formwork.yaml`".into()));
    };
    let draft = draft_of(&first.program, &first.map, name).map_err(Stop::Usage)?;
    let decl = first
        .program
        .decl(draft)
        .ok_or_else(|| Stop::Usage(format!("the draft of `{name}` cannot be read")))?;
    let kind = decl.kind;
    if let Some(entry) = registry.templates.get(name)
        && entry.kind != kind
    {
        return Err(Stop::Usage(format!(
            "`{name}` is published as {} template; the draft is {} template: rename one",
            article(entry.kind.keyword()),
            article(kind.keyword())
        )));
    }
    let draft_file = draft.file;
    let draft_text = first
        .map
        .get(draft_file)
        .map(|f| f.text.clone())
        .unwrap_or_default();
    let draft_path = first
        .map
        .get(draft_file)
        .map(|f| f.name.clone())
        .unwrap_or_default();
    let Some((own_version, _)) = version_setting(decl) else {
        return Err(Stop::Usage(format!(
            "the draft of `{name}` (`{draft_path}`) has no `version = \"MAJOR.MINOR\"` setting: add one (`version = \"1.0\"` for a first version)"
        )));
    };
    let renumbered = |v: Version| {
        rewrite_version(&draft_text, decl, v)
            .ok_or_else(|| Stop::Usage(format!("cannot rewrite the version of `{draft_path}`")))
    };
    let mut breaking_lines = String::new();
    let (version, summary, checked) = match registry.latest(name) {
        None => {
            let Some(v) = own_version else {
                return Err(Stop::Usage(format!(
                    "the draft of `{name}` has no valid version: write `version = \"MAJOR.MINOR\"`, like `\"1.0\"`"
                )));
            };
            (v, "the first version".to_string(), first)
        }
        Some(base) => {
            let base_decl = published_decl(&first.program, kind, name, base).ok_or_else(|| {
                Stop::Usage(format!(
                    "`{name}` {base} is in the registry's index, but its snapshot is not in the workspace"
                ))
            })?;
            // The draft as it would be if it were the base: nothing to publish?
            let as_base = renumbered(base)?;
            let mut drafted = registry.draft_files(&first.map, &first.program, draft);
            drafted.insert(registry.relative(&draft_path).to_string(), as_base);
            let folder = registry.version_folder(name, base);
            let snapshot: std::collections::BTreeMap<String, String> = registry
                .files_under(&first.map, &folder)
                .into_iter()
                .filter(|(p, _)| p.ends_with(".fw"))
                .filter_map(|(p, id)| Some((p, first.map.get(id)?.text.clone())))
                .collect();
            if drafted == snapshot {
                return Err(Stop::Nothing(format!(
                    "nothing to publish: the draft of `{name}` is `{name}` {base} as published"
                )));
            }
            let candidate = Version {
                major: base.major,
                minor: base.minor.saturating_add(1),
            };
            let ctx = Compare {
                pristine: &pristine,
                problems: &problems,
                plan: &the_plan,
                config: &ws.config,
                name,
                draft_file,
                base,
                base_decl,
                draft,
            };
            let (checked, changes) = ctx.run(candidate, &renumbered(candidate)?)?;
            let (version, checked, changes) = match next_version(base, &changes, args.major) {
                Ok(v) if v == candidate => (v, checked, changes),
                // Compared again under its real number, so messages name it.
                Ok(v) => {
                    let (checked, changes) = ctx.run(v, &renumbered(v)?)?;
                    (v, checked, changes)
                }
                Err(breaking) => {
                    let mut shown = reported(&changes);
                    shown.sort_by_key(|d| d.primary_span().map(|s| (s.file, s.start, s.end)));
                    return Err(Stop::Diagnostics(
                        checked.map,
                        shown,
                        format!(
                            "`{name}` was not published: {} {} breaking; publish a major version with `formwork publish {name} --major` (and plan the migration), or keep the draft compatible",
                            count(breaking.len(), "change"),
                            if breaking.len() == 1 { "is" } else { "are" }
                        ),
                    ));
                }
            };
            let warnings: Vec<Diagnostic> = changes
                .iter()
                .filter(|c| c.impact == Impact::Warning)
                .filter_map(|c| c.diagnostic.clone())
                .collect();
            if !warnings.is_empty() {
                let report = Report {
                    diagnostics: warnings,
                };
                print_report(&report, &checked.map, args.format, args.color, ws.files);
            }
            breaking_lines = changes
                .iter()
                .filter(|c| c.is_breaking())
                .map(|c| format!("  breaking: {}\n", c.kind))
                .collect();
            (version, describe(base, version, &changes), checked)
        }
    };
    write(
        &ws,
        &mut registry,
        &checked,
        draft,
        kind,
        name,
        version,
        &draft_path,
    )?;
    let shown = display_name(
        &ws.root
            .join(&ws.config.folders.registry)
            .join(name)
            .join(version.to_string()),
    );
    err(&format!(
        "published {name} {version} ({summary}) to {shown}\n{breaking_lines}"
    ));
    Ok(())
}

/// The inputs of one comparison of the draft, renumbered, with the base.
struct Compare<'a> {
    pristine: &'a SourceMap,
    problems: &'a [Diagnostic],
    plan: &'a Plan,
    config: &'a crate::workspace::config::Config,
    name: &'a str,
    draft_file: FileId,
    base: Version,
    base_decl: DeclId,
    draft: DeclId,
}

impl Compare<'_> {
    fn run(&self, version: Version, text: &str) -> Result<(Checked, Vec<Change>), Stop> {
        let name = self.name;
        let (checked, _) = check(
            self.pristine,
            self.problems,
            Some((self.draft_file, text)),
            name,
        )?;
        let not_published = |map: SourceMap, d: Vec<Diagnostic>| {
            Stop::Diagnostics(
                map,
                d,
                format!(
                    "`{name}` was not published: an instance of `{name}` {} has errors",
                    self.base
                ),
            )
        };
        let instances = match existing_instances(
            &checked.program,
            &checked.map,
            self.plan,
            name,
            self.base.major,
            self.base_decl,
        ) {
            Ok(i) => i,
            Err(d) => return Err(not_published(checked.map, d)),
        };
        let target = target_for(&checked.program, self.base_decl, self.config);
        match compare(
            &checked.program,
            self.base_decl,
            self.draft,
            &instances,
            target,
        ) {
            Ok(changes) => Ok((checked, changes)),
            Err(d) => Err(not_published(checked.map, d)),
        }
        .map_err(|e| match e {
            Stop::Diagnostics(m, d, _) if d.is_empty() => Stop::Diagnostics(
                m,
                d,
                format!("`{name}` {version} cannot be compared with {}", self.base),
            ),
            other => other,
        })
    }
}

/// The published declaration of `name` `version`.
fn published_decl(
    program: &Program,
    kind: crate::syntax::ast::DeclKind,
    name: &str,
    version: Version,
) -> Option<DeclId> {
    program
        .versions_of(kind, name)
        .iter()
        .find(|(v, id)| *v == Some(version) && program.is_published(*id))
        .map(|(_, id)| *id)
}

/// The diagnostics of the breaking changes and warnings.
fn reported(changes: &[Change]) -> Vec<Diagnostic> {
    changes
        .iter()
        .filter_map(|c| c.diagnostic.clone())
        .collect()
}

fn count(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn article(word: &str) -> String {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        format!("an {word}")
    } else {
        format!("a {word}")
    }
}

/// `minor: 3 compatible changes`, `major: 1 breaking change, 2 compatible changes`.
fn describe(base: Version, version: Version, changes: &[Change]) -> String {
    let by = |i: Impact| changes.iter().filter(|c| c.impact == i).count();
    let (breaking, warnings, compatible) = (
        by(Impact::Breaking),
        by(Impact::Warning),
        by(Impact::Compatible),
    );
    let mut parts = Vec::new();
    if breaking > 0 {
        parts.push(count(breaking, "breaking change"));
    }
    if compatible > 0 || (breaking == 0 && warnings == 0) {
        parts.push(count(compatible, "compatible change"));
    }
    if warnings > 0 {
        parts.push(count(warnings, "warning"));
    }
    let level = if version.major > base.major {
        "major"
    } else {
        "minor"
    };
    format!("{level}: {}", parts.join(", "))
}

/// Writes the snapshot, the index and the renumbered draft, in that order: the
/// snapshot into a hidden folder renamed into place, the index and the draft each
/// through a temporary file. A failure before the index is replaced removes the new
/// snapshot, so the registry stays as it was.
#[allow(clippy::too_many_arguments)]
fn write(
    ws: &Loaded,
    registry: &mut Registry,
    checked: &Checked,
    draft: DeclId,
    kind: crate::syntax::ast::DeclKind,
    name: &str,
    version: Version,
    draft_path: &str,
) -> Result<(), Stop> {
    let files = registry.draft_files(&checked.map, &checked.program, draft);
    for path in files.keys() {
        if normalize_import(path).as_deref() != Some(path.as_str()) {
            return Err(Stop::Usage(format!(
                "`{path}`, which `{name}` imports, is not a path inside the workspace"
            )));
        }
    }
    let registry_dir = ws.root.join(&ws.config.folders.registry);
    let dest = registry_dir.join(name).join(version.to_string());
    if dest.exists() {
        return Err(Stop::Usage(format!(
            "`{}` exists already, but the registry's index does not record it: remove it, then publish again",
            display_name(&dest)
        )));
    }
    let io = |what: &str, path: &Path, e: std::io::Error| {
        Stop::Usage(format!(
            "cannot {what} `{}`: {}",
            display_name(path),
            io_reason(&e)
        ))
    };
    let parent = registry_dir.join(name);
    std::fs::create_dir_all(&parent).map_err(|e| io("create", &parent, e))?;
    let staging = parent.join(format!(".{version}.formwork-new-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    let staged = (|| {
        for (path, text) in &files {
            let target = staging.join(path);
            if let Some(p) = target.parent() {
                std::fs::create_dir_all(p).map_err(|e| io("create", p, e))?;
            }
            std::fs::write(&target, text).map_err(|e| io("write", &target, e))?;
        }
        std::fs::rename(&staging, &dest).map_err(|e| io("create", &dest, e))
    })();
    if let Err(e) = staged {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    let entry = registry
        .templates
        .entry(name.to_string())
        .or_insert_with(|| TemplateEntry {
            kind,
            recommended: None,
            versions: Default::default(),
        });
    entry.versions.insert(version, Published::of_files(&files));
    let index = registry_dir.join(INDEX_FILE);
    if let Err(e) = write_atomic(&index, registry.to_json().as_bytes(), true) {
        let _ = std::fs::remove_dir_all(&dest);
        return Err(io("write", &index, e));
    }
    // The draft now says what was published (its text is the snapshot's).
    let new_text = checked.map.get(draft.file).map(|f| f.text.as_str());
    let old_text = ws.map.get(draft.file).map(|f| f.text.as_str());
    if let Some(text) = new_text
        && new_text != old_text
        && let Err(e) = write_atomic(Path::new(draft_path), text.as_bytes(), true)
    {
        err(&format!(
            "warning: cannot rewrite `{draft_path}` ({}): set its `version = \"{version}\"` by hand\n",
            io_reason(&e)
        ));
    }
    Ok(())
}
