//! The registry: published versions of templates, each a snapshot of the template's
//! file and every local file it imports, at `REGISTRY/NAME/MAJOR.MINOR/PATH` (the
//! path as in the workspace, so the snapshot's imports name its own copies), and
//! `REGISTRY/index.json`, which records each snapshot's hashes and what people add by
//! hand: a template's `recommended` version, a version's `deprecated` reason.
//!
//! Everything here reads the source map: the command line puts `formwork.yaml`, the
//! index and every `.fw` file of the workspace in it, and [`Registry::locate`] finds
//! the registry from there, so every command that checks a workspace verifies it
//! (`E0407` a snapshot that changed, `E0408` an index that is wrong) and sees drafts
//! shadowed by their published version (`W0403` when they differ). No IO: `formwork
//! publish` (`cli/publish.rs`) writes what [`Registry::to_json`] and
//! [`rewrite_version`] give it.
//!
//! Hashes are sha256 over a file's text as formwork reads it (UTF-8, no byte-order
//! mark); a snapshot's hash is over the lines `HASH  PATH\n` of its files, sorted by
//! path (what `sha256sum` prints).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::codegen::doc::{Node, to_json};
use crate::diagnostics::{Diagnostic, codes};
use crate::resolve::{DeclId, Program, SnapshotRoot, Version};
use crate::syntax::ast::{BodyItem, Decl, DeclKind, ExprKind};
use crate::syntax::span::{FileId, SourceMap, Span};
use crate::workspace::config::{CONFIG_FILE, read_config};

/// The index's file name, in the registry folder.
pub const INDEX_FILE: &str = "index.json";

/// A workspace's registry: where it is, what its index says, which snapshot folders
/// the source map holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Registry {
    /// The workspace root as the source map names files: `""`, or `examples/acme/`.
    pub root: String,
    /// The registry folder as the source map names files, ending with `/`:
    /// `registry/`, `examples/acme/registry/`.
    pub folder: String,
    /// The index, when the source map has it.
    pub index: Option<FileId>,
    /// What the index records, by template name.
    pub templates: BTreeMap<String, TemplateEntry>,
    /// Every snapshot folder the source map has files in (listed or not).
    pub snapshots: Vec<SnapshotRoot>,
    /// Templates whose record could not be read (`"*"`: the whole index), whose
    /// snapshots are not reported again as unrecorded.
    pub unreadable: BTreeSet<String>,
}

/// One template of the index.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateEntry {
    pub kind: DeclKind,
    /// Set by hand; without it the newest version not deprecated is recommended.
    pub recommended: Option<Version>,
    pub versions: BTreeMap<Version, Published>,
}

/// One published version.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Published {
    /// The snapshot's hash (see the module's documentation).
    pub sha256: String,
    /// Each file's hash, by its path in the snapshot (`templates/web.fw`).
    pub files: BTreeMap<String, String>,
    /// Set by hand: why the version should not be used any more.
    pub deprecated: Option<String>,
}

impl Published {
    /// The record of a snapshot of these files (path in the snapshot, text).
    pub fn of_files(files: &BTreeMap<String, String>) -> Published {
        let files: BTreeMap<String, String> =
            files.iter().map(|(p, t)| (p.clone(), hash(t))).collect();
        Published {
            sha256: snapshot_hash(&files),
            files,
            deprecated: None,
        }
    }
}

/// sha256 of a text, in lower-case hex.
pub fn hash(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A snapshot's hash from its files' hashes (by path).
pub fn snapshot_hash(files: &BTreeMap<String, String>) -> String {
    let mut h = Sha256::new();
    for (path, file_hash) in files {
        h.update(format!("{file_hash}  {path}\n").as_bytes());
    }
    hex(&h.finalize())
}

impl Registry {
    /// The registry of the workspace whose `formwork.yaml` the source map holds (the
    /// outermost one, when it has several), with the mistakes of its index (`E0408`).
    /// `None` when the map has no `formwork.yaml`; an empty registry when the
    /// workspace has published nothing yet.
    pub fn locate(map: &SourceMap) -> Option<(Registry, Vec<Diagnostic>)> {
        let (config_id, config) = map
            .files()
            .filter(|(_, f)| f.name == CONFIG_FILE || f.name.ends_with(&format!("/{CONFIG_FILE}")))
            .min_by_key(|(_, f)| f.name.len())?;
        let root = config.name[..config.name.len() - CONFIG_FILE.len()].to_string();
        let (settings, _) = read_config(config_id, &config.text);
        let folder = settings
            .folders
            .registry
            .trim_start_matches("./")
            .trim_end_matches('/')
            .to_string();
        let folder = format!("{root}{folder}/");
        let mut snapshots = BTreeSet::new();
        let mut index = None;
        for (id, f) in map.files() {
            let Some(rest) = f.name.strip_prefix(&folder) else {
                continue;
            };
            if rest == INDEX_FILE {
                index = Some(id);
                continue;
            }
            if !rest.ends_with(".fw") {
                continue;
            }
            let mut parts = rest.splitn(3, '/');
            let (Some(name), Some(version), Some(_)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            if let Some(v) = Version::parse(version) {
                snapshots.insert(SnapshotRoot {
                    folder: format!("{folder}{name}/{version}/"),
                    name: name.to_string(),
                    version: v,
                });
            }
        }
        let mut registry = Registry {
            root,
            folder,
            index,
            templates: BTreeMap::new(),
            snapshots: snapshots.into_iter().collect(),
            unreadable: BTreeSet::new(),
        };
        let mut diags = Vec::new();
        match index.and_then(|id| map.get(id).map(|f| (id, f))) {
            Some((id, f)) => {
                registry.templates = read_index(id, &f.text, &mut registry.unreadable, &mut diags)
            }
            None => {
                registry.unreadable.insert("*".into());
                if let Some(first) = registry.snapshots.first() {
                    let span = first_line_under(map, &first.folder);
                    diags.push(
                        Diagnostic::new(
                            codes::INVALID_REGISTRY,
                            format!("the registry has no `{INDEX_FILE}`"),
                        )
                        .with_primary(span, "a published snapshot, but no index records it")
                        .with_note(format!(
                            "`{}{INDEX_FILE}` records each snapshot's hashes, so a change to a published version is caught",
                            registry.folder
                        ))
                        .with_help(
                            "restore the index from version control; `formwork publish` writes it",
                        ),
                    );
                }
            }
        }
        Some((registry, diags))
    }

    /// The snapshot folders as the resolver takes them.
    pub fn snapshot_roots(&self) -> Vec<SnapshotRoot> {
        self.snapshots.clone()
    }

    /// The folder of a published version, as the source map names it.
    pub fn version_folder(&self, name: &str, version: Version) -> String {
        format!("{}{name}/{version}/", self.folder)
    }

    /// The newest published version of `name`.
    pub fn latest(&self, name: &str) -> Option<Version> {
        self.templates
            .get(name)?
            .versions
            .keys()
            .next_back()
            .copied()
    }

    /// The version specs of `name` should use: the index's `recommended`, else the
    /// newest version that is not deprecated (the latest minor of the latest major).
    pub fn recommended(&self, kind: DeclKind, name: &str) -> Option<Version> {
        let entry = self.templates.get(name).filter(|e| e.kind == kind)?;
        entry.recommended.or_else(|| {
            entry
                .versions
                .iter()
                .rev()
                .find(|(_, p)| p.deprecated.is_none())
                .map(|(v, _)| *v)
        })
    }

    /// Why `name` `version` is deprecated, when the index says it is.
    pub fn deprecated(&self, kind: DeclKind, name: &str, version: Version) -> Option<String> {
        let entry = self.templates.get(name).filter(|e| e.kind == kind)?;
        entry.versions.get(&version)?.deprecated.clone()
    }

    /// The index as `formwork publish` writes it: deterministic JSON, templates by
    /// name, versions oldest first, files by path.
    pub fn to_json(&self) -> String {
        let templates = self
            .templates
            .iter()
            .map(|(name, t)| {
                let mut fields = vec![("kind".to_string(), Node::str(t.kind.keyword()))];
                if let Some(r) = t.recommended {
                    fields.push(("recommended".into(), Node::str(r.to_string())));
                }
                let versions = t
                    .versions
                    .iter()
                    .map(|(v, p)| {
                        let mut fields = vec![("sha256".to_string(), Node::str(&p.sha256))];
                        if let Some(d) = &p.deprecated {
                            fields.push(("deprecated".into(), Node::str(d)));
                        }
                        let files = p
                            .files
                            .iter()
                            .map(|(path, h)| (path.clone(), Node::str(h)))
                            .collect();
                        fields.push(("files".into(), Node::Map(files)));
                        (v.to_string(), Node::Map(fields))
                    })
                    .collect();
                fields.push(("versions".into(), Node::Map(versions)));
                (name.clone(), Node::Map(fields))
            })
            .collect();
        to_json(&Node::single("templates", Node::Map(templates)))
    }

    /// The files of a snapshot folder the source map holds: (path in the snapshot,
    /// file).
    pub fn files_under(&self, map: &SourceMap, folder: &str) -> BTreeMap<String, FileId> {
        map.files()
            .filter_map(|(id, f)| Some((f.name.strip_prefix(folder)?.to_string(), id)))
            .collect()
    }

    /// A file's path from the workspace root.
    pub fn relative<'a>(&self, name: &'a str) -> &'a str {
        name.strip_prefix(&self.root).unwrap_or(name)
    }

    /// Checks every snapshot against the index (`E0407`, `E0408`), and every draft a
    /// published version shadows against it (`W0403`).
    pub fn verify(&self, map: &SourceMap, program: &Program) -> Vec<Diagnostic> {
        let mut diags = Vec::new();
        // Snapshots that changed: their drafts are not compared with them.
        let mut changed: BTreeSet<String> = BTreeSet::new();
        let index_text = self
            .index
            .and_then(|id| map.get(id))
            .map_or("", |f| f.text.as_str());
        let index_span = |path: &[&str]| -> Span {
            let id = self.index.unwrap_or_default();
            key_span(id, index_text, path)
        };
        for (name, entry) in &self.templates {
            for (version, published) in &entry.versions {
                let folder = self.version_folder(name, *version);
                let present = self.files_under(map, &folder);
                let v = version.to_string();
                if !present.keys().any(|p| p.ends_with(".fw")) {
                    diags.push(
                        Diagnostic::new(
                            codes::INVALID_REGISTRY,
                            format!("`{name}` {version} is published, but its snapshot is missing"),
                        )
                        .with_primary(
                            index_span(&[name, &v]),
                            format!("recorded here, but `{folder}` has no template"),
                        )
                        .with_help(format!(
                            "restore `{folder}` from version control, or remove `{version}` from the index if it was never used"
                        )),
                    );
                    continue;
                }
                if let Some(d) = self.changed_snapshot(map, name, *version, published, &present) {
                    changed.insert(folder.clone());
                    diags.push(d.with_secondary(
                        index_span(&[name, &v, "sha256"]),
                        "the hashes recorded when it was published",
                    ));
                }
            }
            if let Some(r) = entry.recommended
                && !entry.versions.contains_key(&r)
            {
                diags.push(
                    Diagnostic::new(
                        codes::INVALID_REGISTRY,
                        format!("the recommended version of `{name}`, {r}, is not published"),
                    )
                    .with_primary(index_span(&[name, "recommended"]), "no such version")
                    .with_note(format!("published versions: {}", versions_text(entry)))
                    .with_help(
                        "name a published version, or remove `recommended` to recommend the newest",
                    ),
                );
            }
        }
        for root in &self.snapshots {
            let listed = self
                .templates
                .get(&root.name)
                .is_some_and(|t| t.versions.contains_key(&root.version));
            if listed || self.unreadable.contains("*") || self.unreadable.contains(&root.name) {
                continue;
            }
            let span = first_line_under(map, &root.folder);
            diags.push(
                Diagnostic::new(
                    codes::INVALID_REGISTRY,
                    format!(
                        "`{}` is not in the registry's index",
                        root.folder
                    ),
                )
                .with_primary(span, "a snapshot the index does not record")
                .with_note("only `formwork publish` adds a version: it proves the version compatible and records its hashes")
                .with_help(format!(
                    "remove `{}`, and publish the draft with `formwork publish {}`",
                    root.folder, root.name
                )),
            );
        }
        for &(draft, published) in &program.shadowed {
            // A stray file in a snapshot folder is `E0408`'s, not a draft.
            if program.snapshot_of(draft.file).is_some()
                || program
                    .snapshot_of(published.file)
                    .is_some_and(|r| changed.contains(&r.folder))
            {
                continue;
            }
            if let Some(d) = self.differing_draft(map, program, draft, published) {
                diags.push(d);
            }
        }
        diags
    }

    /// `E0407` when the files of a snapshot are not those the index records.
    fn changed_snapshot(
        &self,
        map: &SourceMap,
        name: &str,
        version: Version,
        published: &Published,
        present: &BTreeMap<String, FileId>,
    ) -> Option<Diagnostic> {
        let folder = self.version_folder(name, version);
        let mut changed = Vec::new();
        let mut first: Option<FileId> = None;
        for (path, want) in &published.files {
            match present.get(path) {
                None => changed.push(format!("`{path}` was removed")),
                Some(&id) => {
                    let text = map.get(id).map_or("", |f| f.text.as_str());
                    if hash(text) != *want {
                        changed.push(format!("`{path}` was edited"));
                        first.get_or_insert(id);
                    }
                }
            }
        }
        for (path, &id) in present {
            if path.ends_with(".fw") && !published.files.contains_key(path) {
                changed.push(format!("`{path}` was added"));
                first.get_or_insert(id);
            }
        }
        if changed.is_empty() && snapshot_hash(&published.files) != published.sha256 {
            changed.push("the index's record of it was edited".to_string());
        }
        if changed.is_empty() {
            return None;
        }
        let primary = first.or_else(|| present.values().next().copied())?;
        let line_end = map
            .get(primary)
            .and_then(|f| f.line_range(0))
            .map_or(0, |r| r.end);
        Some(
            Diagnostic::new(
                codes::SNAPSHOT_CHANGED,
                format!("`{name}` {version} changed after it was published"),
            )
            .with_primary(
                Span::new(primary, 0, line_end),
                format!("this snapshot is not what `{name}` {version} published"),
            )
            .with_note(format!("in `{folder}`: {}", changed.join(", ")))
            .with_note("a published version never changes: instances deployed with it rely on what it was")
            .with_help(format!(
                "restore `{folder}` from version control; to change the template, edit its draft and run `formwork publish {name}`"
            )),
        )
    }

    /// `W0403` when a draft shadowed by its published version differs from it.
    fn differing_draft(
        &self,
        map: &SourceMap,
        program: &Program,
        draft: DeclId,
        published: DeclId,
    ) -> Option<Diagnostic> {
        let root = program.snapshot_of(published.file)?;
        let snapshot: BTreeMap<String, String> = self
            .files_under(map, &root.folder)
            .into_iter()
            .filter(|(p, _)| p.ends_with(".fw"))
            .filter_map(|(p, id)| Some((p, map.get(id)?.text.clone())))
            .collect();
        let drafted = self.draft_files(map, program, draft);
        if drafted == snapshot {
            return None;
        }
        let decl = program.decl(draft)?;
        let name = &root.name;
        let version = root.version;
        let span = version_setting(decl).map_or(decl.name.span, |(_, s)| s);
        Some(
            Diagnostic::new(
                codes::DRAFT_DIFFERS,
                format!("the draft of `{name}` {version} differs from the published {version}"),
            )
            .with_primary(
                span,
                format!("{version} is published already: this draft is left out"),
            )
            .with_note(format!(
                "specs pinning `{name}@{version}` get the published version, from `{}`",
                root.folder
            ))
            .with_help(format!(
                "publish it to make a new version: `formwork publish {name}`"
            )),
        )
    }

    /// A draft's files as a snapshot would hold them: its own file and every local
    /// file it imports, by their paths from the workspace root.
    pub fn draft_files(
        &self,
        map: &SourceMap,
        program: &Program,
        draft: DeclId,
    ) -> BTreeMap<String, String> {
        closure(program, draft.file)
            .into_iter()
            .filter_map(|id| {
                let f = map.get(id)?;
                Some((self.relative(&f.name).to_string(), f.text.clone()))
            })
            .collect()
    }
}

/// A file and every user file it imports, transitively.
pub fn closure(program: &Program, file: FileId) -> BTreeSet<FileId> {
    let mut seen = BTreeSet::new();
    let mut work = vec![file];
    while let Some(f) = work.pop() {
        let Some(file) = program.file(f) else {
            continue;
        };
        if file.std_path.is_some() || !seen.insert(f) {
            continue;
        }
        work.extend(file.imports.values().copied());
    }
    seen
}

/// A declaration's `version = "…"` setting: its version and the span of its string.
pub fn version_setting(decl: &Decl) -> Option<(Option<Version>, Span)> {
    decl.body.iter().find_map(|b| match b {
        BodyItem::Attribute(a) if a.name.name == "version" => match &a.value.kind {
            ExprKind::String(s) => {
                Some((s.as_plain().and_then(|v| Version::parse(&v)), a.value.span))
            }
            _ => None,
        },
        _ => None,
    })
}

/// `text` (the file declaring `decl`) with the declaration's `version = "…"` string
/// replaced by `version`; `None` when it has no version setting.
pub fn rewrite_version(text: &str, decl: &Decl, version: Version) -> Option<String> {
    let (_, span) = version_setting(decl)?;
    let range = span.range();
    let (before, after) = (text.get(..range.start)?, text.get(range.end..)?);
    Some(format!("{before}\"{version}\"{after}"))
}

fn versions_text(entry: &TemplateEntry) -> String {
    entry
        .versions
        .keys()
        .map(Version::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The first line of the first file under `folder`.
fn first_line_under(map: &SourceMap, folder: &str) -> Span {
    map.files()
        .find(|(_, f)| f.name.starts_with(folder))
        .map_or(Span::default(), |(id, f)| {
            Span::new(id, 0, f.line_range(0).map_or(0, |r| r.end))
        })
}

/// The span of the string `"KEY"` that the path of keys leads to, found by searching
/// for each key after the previous one; the whole first line when one is not found.
fn key_span(file: FileId, text: &str, path: &[&str]) -> Span {
    let mut from = 0;
    let mut found = None;
    for key in path {
        let quoted = serde_json::to_string(key).unwrap_or_default();
        match text.get(from..).and_then(|t| t.find(&quoted)) {
            Some(at) => {
                let start = from + at;
                found = Some(Span::new(file, start, start + quoted.len()));
                from = start + quoted.len();
            }
            None => break,
        }
    }
    found.unwrap_or_else(|| Span::new(file, 0, text.find('\n').unwrap_or(text.len())))
}

/// Reads the index; every mistake is an `E0408` and leaves out what it is in.
fn read_index(
    file: FileId,
    text: &str,
    unreadable: &mut BTreeSet<String>,
    diags: &mut Vec<Diagnostic>,
) -> BTreeMap<String, TemplateEntry> {
    let mut out = BTreeMap::new();
    let invalid = |span: Span, message: String, label: &str| {
        Diagnostic::new(codes::INVALID_REGISTRY, message)
            .with_primary(span, label.to_string())
            .with_help("fix it by hand (only `recommended` and `deprecated` are meant to be edited), or restore it from version control")
    };
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let at = offset(text, e.line(), e.column());
            diags.push(invalid(
                Span::new(file, at, at),
                format!(
                    "the registry's index is not valid JSON: {}",
                    json_reason(&e)
                ),
                "here",
            ));
            unreadable.insert("*".into());
            return out;
        }
    };
    let whole = key_span(file, text, &[]);
    let Some(top) = value.as_object() else {
        diags.push(invalid(
            whole,
            "the registry's index is not a JSON object".into(),
            "expected `{ \"templates\": { … } }`",
        ));
        unreadable.insert("*".into());
        return out;
    };
    for key in top.keys().filter(|k| *k != "templates") {
        diags.push(invalid(
            key_span(file, text, &[key]),
            format!("unknown key `{key}` in the registry's index"),
            "not a key of the index",
        ));
    }
    let Some(templates) = top.get("templates").and_then(Value::as_object) else {
        diags.push(invalid(
            whole,
            "the registry's index has no `templates` object".into(),
            "expected `{ \"templates\": { … } }`",
        ));
        unreadable.insert("*".into());
        return out;
    };
    for (name, t) in templates {
        let before = diags.len();
        read_template(file, text, name, t, &mut out, diags);
        if diags.len() > before {
            unreadable.insert(name.clone());
        }
    }
    out
}

/// One template's record, into `out` when its kind and versions can be read.
fn read_template(
    file: FileId,
    text: &str,
    name: &String,
    t: &Value,
    out: &mut BTreeMap<String, TemplateEntry>,
    diags: &mut Vec<Diagnostic>,
) {
    let invalid = |span: Span, message: String, label: &str| {
        Diagnostic::new(codes::INVALID_REGISTRY, message)
            .with_primary(span, label.to_string())
            .with_help("fix it by hand (only `recommended` and `deprecated` are meant to be edited), or restore it from version control")
    };
    {
        let here = |path: &[&str]| {
            let mut full = vec!["templates", name.as_str()];
            full.extend_from_slice(path);
            key_span(file, text, &full)
        };
        let Some(t) = t.as_object() else {
            diags.push(invalid(
                here(&[]),
                format!("`{name}` in the registry's index is not an object"),
                "expected `{ \"kind\": …, \"versions\": { … } }`",
            ));
            return;
        };
        let kind = match t.get("kind").and_then(Value::as_str) {
            Some("environment") => DeclKind::Environment,
            Some("service") => DeclKind::Service,
            _ => {
                diags.push(invalid(
                    here(&["kind"]),
                    format!("`{name}` in the registry's index has no valid `kind`"),
                    "expected `\"kind\": \"environment\"` or `\"service\"`",
                ));
                return;
            }
        };
        for key in t
            .keys()
            .filter(|k| !["kind", "recommended", "versions"].contains(&k.as_str()))
        {
            diags.push(invalid(
                here(&[key]),
                format!("unknown key `{key}` for `{name}` in the registry's index"),
                "not a key of a template",
            ));
        }
        let recommended = match t.get("recommended") {
            None => None,
            Some(r) => match r.as_str().and_then(Version::parse) {
                Some(v) => Some(v),
                None => {
                    diags.push(invalid(
                        here(&["recommended"]),
                        format!("the recommended version of `{name}` is not a version"),
                        "expected `\"MAJOR.MINOR\"`",
                    ));
                    None
                }
            },
        };
        let mut versions = BTreeMap::new();
        let Some(vs) = t.get("versions").and_then(Value::as_object) else {
            diags.push(invalid(
                here(&[]),
                format!("`{name}` in the registry's index has no `versions` object"),
                "expected `\"versions\": { \"1.0\": { … } }`",
            ));
            return;
        };
        for (v, p) in vs {
            let at = |path: &[&str]| {
                let mut full = vec![v.as_str()];
                full.extend_from_slice(path);
                here(&full)
            };
            let Some(version) = Version::parse(v) else {
                diags.push(invalid(
                    at(&[]),
                    format!("`{v}` is not a version of `{name}`"),
                    "expected `MAJOR.MINOR`",
                ));
                continue;
            };
            match read_published(p) {
                Ok(published) => {
                    versions.insert(version, published);
                }
                Err((key, what)) => diags.push(invalid(
                    at(&[key]),
                    format!("`{name}` {version} in the registry's index: {what}"),
                    "here",
                )),
            }
        }
        out.insert(
            name.clone(),
            TemplateEntry {
                kind,
                recommended,
                versions,
            },
        );
    }
}

fn is_hash(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// One version's record, or the key where it is wrong and what is wrong.
fn read_published(p: &Value) -> Result<Published, (&'static str, String)> {
    let p = p.as_object().ok_or(("", "not an object".to_string()))?;
    if let Some(key) = p
        .keys()
        .find(|k| !["sha256", "deprecated", "files"].contains(&k.as_str()))
    {
        return Err(("", format!("unknown key `{key}`")));
    }
    let sha256 = p
        .get("sha256")
        .and_then(Value::as_str)
        .filter(|s| is_hash(s))
        .ok_or(("sha256", "`sha256` is not a sha256 in hex".to_string()))?
        .to_string();
    let deprecated = match p.get("deprecated") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            return Err((
                "deprecated",
                "`deprecated` is not a string (the reason)".into(),
            ));
        }
    };
    let files = p.get("files").and_then(Value::as_object).ok_or((
        "files",
        "`files` is not an object of paths and hashes".to_string(),
    ))?;
    let mut out = BTreeMap::new();
    for (path, h) in files {
        let h = h.as_str().filter(|s| is_hash(s)).ok_or((
            "files",
            format!("the hash of `{path}` is not a sha256 in hex"),
        ))?;
        if crate::resolve::normalize_import(path).as_deref() != Some(path.as_str()) {
            return Err((
                "files",
                format!("`{path}` is not a path inside the workspace"),
            ));
        }
        out.insert(path.clone(), h.to_string());
    }
    Ok(Published {
        sha256,
        files: out,
        deprecated,
    })
}

/// serde_json's message without its " at line L column C" suffix.
fn json_reason(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// The byte offset of a 1-based line and column (serde_json's; column 0 is the line's
/// start).
fn offset(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let col = column.saturating_sub(1);
    let line_len = text
        .get(start..)
        .map_or(0, |t| t.find('\n').unwrap_or(t.len()));
    let mut at = (start + col.min(line_len)).min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_round_trips() {
        let mut files = BTreeMap::new();
        files.insert(
            "templates/web.fw".to_string(),
            "service \"web\" {}\n".to_string(),
        );
        let mut p = Published::of_files(&files);
        p.deprecated = Some("use 2.0".into());
        let mut versions = BTreeMap::new();
        versions.insert(
            Version {
                major: 1,
                minor: 10,
            },
            p.clone(),
        );
        versions.insert(Version { major: 1, minor: 2 }, Published::of_files(&files));
        let mut r = Registry::default();
        r.templates.insert(
            "web".into(),
            TemplateEntry {
                kind: DeclKind::Service,
                recommended: Some(Version { major: 1, minor: 2 }),
                versions,
            },
        );
        let json = r.to_json();
        assert!(json.find("\"1.2\"") < json.find("\"1.10\""), "{json}");
        let mut diags = Vec::new();
        let back = read_index(FileId(0), &json, &mut BTreeSet::new(), &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(back, r.templates);
    }

    #[test]
    fn broken_indexes_are_diagnostics() {
        for text in [
            "",
            "{",
            "[]",
            "{\"templates\": 3}",
            "{\"templates\": {\"web\": {\"kind\": \"service\", \"versions\": {\"x\": {}}}}}",
            "{\"templates\": {\"web\": {\"kind\": \"service\", \"versions\": {\"1.0\": {\"sha256\": \"ab\", \"files\": {}}}}}}",
            "{\"templates\": {\"web\": {\"kind\": \"service\", \"versions\": {\"1.0\": {\"sha256\": \"ab\", \"files\": {\"../x.fw\": \"ab\"}}}}}}",
            "\u{e9}\n\u{e9}{",
        ] {
            let mut diags = Vec::new();
            read_index(FileId(0), text, &mut BTreeSet::new(), &mut diags);
            assert!(!diags.is_empty(), "{text}");
            assert!(diags.iter().all(|d| d.code == codes::INVALID_REGISTRY));
        }
    }
}
