//! The program: every parsed file of a workspace (and the embedded standard library),
//! indexed by what declarations and imports name. Import paths are resolved here,
//! import cycles found, and duplicate templates reported.
//!
//! Name lookups inside a declaration (inputs, `let`s, resources) belong to the
//! checker (`types/`), which walks declarations in dependency order; `deps.rs` builds
//! that order and reports cycles.

pub mod deps;
pub mod stdlib;

use std::collections::BTreeMap;

use crate::diagnostics::{Diagnostic, codes};
use crate::syntax::ast::{self, DeclKind, ImportTarget, Item};
use crate::syntax::span::{FileId, SourceMap, Span};

/// A template version, `MAJOR.MINOR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl Version {
    pub fn parse(s: &str) -> Option<Version> {
        let (a, b) = s.split_once('.')?;
        let ok = |p: &str| {
            !p.is_empty()
                && p.chars().all(|c| c.is_ascii_digit())
                && !(p.len() > 1 && p.starts_with('0'))
        };
        if !ok(a) || !ok(b) {
            return None;
        }
        Some(Version {
            major: a.parse().ok()?,
            minor: b.parse().ok()?,
        })
    }
}

/// One parsed file.
#[derive(Debug)]
pub struct File {
    pub id: FileId,
    /// The path as the workspace names it (`templates/web.fw`), or `std/aws.fw`.
    pub name: String,
    pub ast: ast::SourceFile,
    /// Import aliases to the files they name.
    pub imports: BTreeMap<String, FileId>,
    /// For a standard-library file, the path it is imported by (`["std", "aws"]`).
    pub std_path: Option<Vec<String>>,
}

/// Every version of one template the workspace has, oldest first (drafts without a
/// version last).
pub type TemplateVersions = Vec<(Option<Version>, DeclId)>;

/// A declaration's place: the file and the item's index in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DeclId {
    pub file: FileId,
    pub item: usize,
}

#[derive(Debug, Default)]
pub struct Program {
    pub files: BTreeMap<FileId, File>,
    /// Environment and service templates by name: every version the workspace has.
    pub templates: BTreeMap<(DeclKind, String), TemplateVersions>,
    pub diagnostics: Vec<Diagnostic>,
    /// The registry's snapshot folders the program was built with.
    pub snapshots: Vec<SnapshotRoot>,
    /// Drafts left out of [`Program::templates`] because a published snapshot declares
    /// the same template and version: (the draft, the published declaration). They are
    /// still checked, since they are what will be published next.
    pub shadowed: Vec<(DeclId, DeclId)>,
}

/// A published snapshot's folder (`registry/web/2.2/`, as the source map names its
/// files): the workspace root of the files under it, so its imports name its own
/// copies; and the template and version it publishes, which win over a draft of the
/// same name and version.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SnapshotRoot {
    /// Ends with `/`.
    pub folder: String,
    pub name: String,
    pub version: Version,
}

impl Program {
    pub fn file(&self, id: FileId) -> Option<&File> {
        self.files.get(&id)
    }

    pub fn decl(&self, id: DeclId) -> Option<&ast::Decl> {
        match self.files.get(&id.file)?.ast.items.get(id.item)? {
            Item::Decl(d) => Some(d),
            _ => None,
        }
    }

    /// Every declaration of the user's files (not the standard library's).
    pub fn user_decls(&self) -> impl Iterator<Item = (DeclId, &ast::Decl)> {
        self.files
            .values()
            .filter(|f| f.std_path.is_none())
            .flat_map(|f| {
                f.ast
                    .items
                    .iter()
                    .enumerate()
                    .filter_map(move |(i, item)| match item {
                        Item::Decl(d) => Some((
                            DeclId {
                                file: f.id,
                                item: i,
                            },
                            d,
                        )),
                        _ => None,
                    })
            })
    }

    /// A standard-library file by its import path (`std.aws`).
    pub fn std_file(&self, path: &[&str]) -> Option<&File> {
        self.files.values().find(|f| {
            f.std_path
                .as_ref()
                .is_some_and(|p| p.iter().map(String::as_str).eq(path.iter().copied()))
        })
    }

    /// The versions of a template, oldest first (unversioned drafts last).
    pub fn versions_of(&self, kind: DeclKind, name: &str) -> &[(Option<Version>, DeclId)] {
        self.templates
            .get(&(kind, name.to_string()))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The snapshot folder holding `file`, if it is in one.
    pub fn snapshot_of(&self, file: FileId) -> Option<&SnapshotRoot> {
        let name = &self.files.get(&file)?.name;
        snapshot_containing(&self.snapshots, name)
    }

    /// Whether `id` is the template a snapshot publishes (not a draft).
    pub fn is_published(&self, id: DeclId) -> bool {
        let (Some(root), Some(decl)) = (self.snapshot_of(id.file), self.decl(id)) else {
            return false;
        };
        decl.kind != DeclKind::Module
            && decl.name.as_plain().as_deref() == Some(root.name.as_str())
            && Program::version_of(decl) == Some(root.version)
    }

    /// The `version = "…"` of a declaration, if it has a valid one.
    pub fn version_of(decl: &ast::Decl) -> Option<Version> {
        decl.body.iter().find_map(|b| match b {
            ast::BodyItem::Attribute(a) if a.name.name == "version" => match &a.value.kind {
                ast::ExprKind::String(s) => s.as_plain().and_then(|v| Version::parse(&v)),
                _ => None,
            },
            _ => None,
        })
    }
}

/// Normalises an import path relative to the workspace root: `a/./b/../c.fw` is
/// `a/c.fw`. `None` when the path leaves the workspace or is absolute.
pub fn normalize_import(path: &str) -> Option<String> {
    if path.starts_with('/') || path.contains('\\') || path.contains(':') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

fn snapshot_containing<'a>(roots: &'a [SnapshotRoot], name: &str) -> Option<&'a SnapshotRoot> {
    roots.iter().find(|r| name.starts_with(&r.folder))
}

/// Builds the program from parsed files. `files` pairs each file's id and
/// workspace-relative name with its tree; standard-library files carry their path.
pub fn build(
    map: &SourceMap,
    parsed: Vec<(FileId, ast::SourceFile, Option<Vec<String>>)>,
) -> Program {
    build_with_snapshots(map, parsed, Vec::new())
}

/// [`build`] for a workspace with a registry: the files under each snapshot folder
/// import from that folder, and the template each publishes wins over a draft of
/// the same name and version (recorded in [`Program::shadowed`], not a duplicate).
pub fn build_with_snapshots(
    map: &SourceMap,
    parsed: Vec<(FileId, ast::SourceFile, Option<Vec<String>>)>,
    snapshots: Vec<SnapshotRoot>,
) -> Program {
    let mut program = Program {
        snapshots,
        ..Program::default()
    };
    let by_name: BTreeMap<String, FileId> = parsed
        .iter()
        .filter_map(|(id, _, std)| {
            let f = map.get(*id)?;
            std.is_none().then(|| (f.name.clone(), *id))
        })
        .collect();
    for (id, ast, std_path) in parsed {
        let name = map.get(id).map(|f| f.name.clone()).unwrap_or_default();
        let mut file = File {
            id,
            name,
            ast,
            imports: BTreeMap::new(),
            std_path,
        };
        let root = snapshot_containing(&program.snapshots, &file.name).map(|r| r.folder.clone());
        resolve_imports(
            &mut file,
            &by_name,
            root.as_deref(),
            &mut program.diagnostics,
        );
        program.files.insert(id, file);
    }
    index_templates(&mut program);
    find_import_cycles(&mut program);
    program
}

/// The file an import names. Paths are relative to the workspace root, which is the
/// folder the files were named from (`templates/web.fw` imports `modules/net.fw`).
/// When the workspace was named from outside (`examples/acme/templates/web.fw`), the
/// root is the importing file's nearest ancestor folder that holds the imported path.
fn find_import(by_name: &BTreeMap<String, FileId>, importer: &str, path: &str) -> Option<FileId> {
    if let Some(id) = by_name.get(path) {
        return Some(*id);
    }
    let mut dir = importer;
    while let Some((parent, _)) = dir.rsplit_once('/') {
        if let Some(id) = by_name.get(&format!("{parent}/{path}")) {
            return Some(*id);
        }
        dir = parent;
    }
    None
}

/// `snapshot`: the snapshot folder holding the file, whose imports stay inside it (a
/// published version never reads the drafts).
fn resolve_imports(
    file: &mut File,
    by_name: &BTreeMap<String, FileId>,
    snapshot: Option<&str>,
    diags: &mut Vec<Diagnostic>,
) {
    for item in &file.ast.items {
        let Item::Import(imp) = item else { continue };
        let ImportTarget::File(path) = &imp.target else {
            // `import std.aws as aws`: bound lazily by the checker through `std_file`.
            continue;
        };
        let Some(raw) = path.as_plain() else {
            diags.push(
                Diagnostic::new(
                    codes::IMPORT_NOT_FOUND,
                    "an import path cannot be interpolated",
                )
                .with_primary(path.span, "write the path as a plain string"),
            );
            continue;
        };
        let Some(normal) = normalize_import(&raw) else {
            diags.push(
                Diagnostic::new(
                    codes::IMPORT_OUTSIDE_WORKSPACE,
                    format!("import `{raw}` leaves the workspace"),
                )
                .with_primary(path.span, "imports must name a file inside the workspace")
                .with_help("write the path relative to the workspace root, without `..` past it"),
            );
            continue;
        };
        let found = match snapshot {
            Some(folder) => by_name.get(&format!("{folder}{normal}")).copied(),
            None => find_import(by_name, &file.name, &normal),
        };
        let Some(target) = found else {
            let d = Diagnostic::new(
                codes::IMPORT_NOT_FOUND,
                format!("cannot find `{normal}` in the workspace"),
            )
            .with_primary(path.span, "no such file");
            let known = by_name.keys().map(String::as_str);
            let d = match crate::diagnostics::suggest::did_you_mean(&normal, known) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_note("import paths are relative to the workspace root"),
            };
            diags.push(d);
            continue;
        };
        let alias = imp
            .alias
            .as_ref()
            .map(|a| a.name.to_string())
            .unwrap_or_else(|| {
                normal
                    .rsplit('/')
                    .next()
                    .unwrap_or(&normal)
                    .trim_end_matches(".fw")
                    .replace('-', "_")
            });
        file.imports.insert(alias, target);
    }
}

fn index_templates(program: &mut Program) {
    let mut templates: BTreeMap<(DeclKind, String), TemplateVersions> = BTreeMap::new();
    // The first declaration of each key: its name's span, its id, whether published.
    type Key = (DeclKind, String, Option<Version>);
    let mut seen: BTreeMap<Key, (Span, DeclId, bool)> = BTreeMap::new();
    let mut shadowed = Vec::new();
    let mut diagnostics = Vec::new();
    for f in program.files.values() {
        for (i, item) in f.ast.items.iter().enumerate() {
            let Item::Decl(d) = item else { continue };
            let Some(name) = d.name.as_plain() else {
                continue;
            };
            let id = DeclId {
                file: f.id,
                item: i,
            };
            let version = Program::version_of(d);
            let key = (d.kind, name.clone(), version);
            // Modules are looked up per file; templates across the workspace.
            let scope_key = if d.kind == DeclKind::Module {
                (d.kind, format!("{}#{name}", f.id.0), version)
            } else {
                key
            };
            let published = program.is_published(id);
            if let Some(&(first_span, first, first_published)) = seen.get(&scope_key) {
                // A published version wins over its draft, whichever comes first.
                if published != first_published {
                    if published {
                        shadowed.push((first, id));
                        seen.insert(scope_key, (d.name.span, id, true));
                        if let Some(entry) = templates
                            .get_mut(&(d.kind, name))
                            .and_then(|vs| vs.iter_mut().find(|(_, v)| *v == first))
                        {
                            entry.1 = id;
                        }
                    } else {
                        shadowed.push((id, first));
                    }
                    continue;
                }
                let v = version.map(|v| format!(" {v}")).unwrap_or_default();
                diagnostics.push(
                    Diagnostic::new(
                        codes::DUPLICATE_DECLARATION,
                        format!("{} `{name}`{v} is declared twice", d.kind.keyword()),
                    )
                    .with_primary(d.name.span, "declared again here")
                    .with_secondary(first_span, "first declared here")
                    .with_help(
                        "give each version its own `version = \"MAJOR.MINOR\"`, or rename one",
                    ),
                );
                continue;
            }
            seen.insert(scope_key, (d.name.span, id, published));
            if d.kind != DeclKind::Module {
                templates
                    .entry((d.kind, name))
                    .or_default()
                    .push((version, id));
            }
        }
    }
    for versions in templates.values_mut() {
        versions.sort_by_key(|(v, _)| (v.is_none(), *v));
    }
    program.templates = templates;
    program.diagnostics.extend(diagnostics);
    shadowed.sort();
    program.shadowed = shadowed;
}

fn find_import_cycles(program: &mut Program) {
    let graph: BTreeMap<FileId, Vec<FileId>> = program
        .files
        .values()
        .map(|f| (f.id, f.imports.values().copied().collect()))
        .collect();
    for cycle in deps::cycles(&graph) {
        let Some(&first) = cycle.first() else {
            continue;
        };
        let names: Vec<String> = cycle
            .iter()
            .chain(std::iter::once(&first))
            .filter_map(|id| program.files.get(id).map(|f| format!("`{}`", f.name)))
            .collect();
        let span = import_span(program, first, cycle.get(1).copied().unwrap_or(first));
        program.diagnostics.push(
            Diagnostic::new(codes::IMPORT_CYCLE, "files import each other in a cycle")
                .with_primary(span, "this import closes the cycle")
                .with_note(format!("the cycle: {}", names.join(" → ")))
                .with_help("move what both files need into a third file that imports neither"),
        );
    }
}

fn import_span(program: &Program, from: FileId, to: FileId) -> Span {
    let Some(f) = program.files.get(&from) else {
        return Span::default();
    };
    let alias = f
        .imports
        .iter()
        .find(|(_, t)| **t == to)
        .map(|(a, _)| a.clone());
    f.ast
        .items
        .iter()
        .find_map(|i| match i {
            Item::Import(imp)
                if imp.alias.as_ref().map(|a| a.name.as_str()) == alias.as_deref()
                    || matches!(&imp.target, ImportTarget::File(_)) && alias.is_some() =>
            {
                Some(imp.span)
            }
            _ => None,
        })
        .unwrap_or(f.ast.span)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_paths_stay_in_the_workspace() {
        assert_eq!(
            normalize_import("modules/./net.fw").as_deref(),
            Some("modules/net.fw")
        );
        assert_eq!(normalize_import("a/../b.fw").as_deref(), Some("b.fw"));
        assert_eq!(normalize_import("../b.fw"), None);
        assert_eq!(normalize_import("/etc/passwd"), None);
    }

    #[test]
    fn versions_are_major_minor() {
        assert_eq!(Version::parse("3.1"), Some(Version { major: 3, minor: 1 }));
        assert_eq!(Version::parse("3"), None);
        assert_eq!(Version::parse("3.01"), None);
        assert_eq!(Version::parse("3.1.2"), None);
    }
}
