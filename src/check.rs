//! What `formwork check` runs over a set of sources: parse every file, build the
//! program (with the embedded standard library), resolve and type-check it.
//!
//! No IO: the command line reads the files and hands their bytes to [`add_source`].

use std::collections::BTreeMap;

use crate::diagnostics::Diagnostic;
use crate::resolve::{self, stdlib};
use crate::syntax::span::{FileId, SourceMap};
use crate::syntax::{decode_source, parse};
use crate::types;
use crate::versions::registry::Registry;

/// Adds a file's bytes to `map`. A file that cannot be read as source (not UTF-8,
/// too large) is added anyway, so its diagnostic can show it, and reported.
pub fn add_source(
    map: &mut SourceMap,
    name: impl Into<String>,
    bytes: &[u8],
) -> (FileId, Option<Diagnostic>) {
    let name = name.into();
    let next = FileId(map.files().count() as u32);
    let (text, problem) = decode_source(bytes, next);
    let spec = [".yaml", ".yml", ".json"].iter().any(|x| name.ends_with(x));
    let id = map.add(name, text);
    debug_assert_eq!(id, next);
    let problem = problem.map(|p| match p {
        // A spec file over the size limit is a spec's problem, with a spec's advice.
        crate::syntax::SyntaxError::FileTooLarge { span, size, .. } if spec => Diagnostic::new(
            crate::diagnostics::codes::SPEC_TOO_LARGE,
            format!(
                "spec file is too large ({size} bytes; the limit is {} bytes)",
                crate::spec::MAX_SPEC_BYTES
            ),
        )
        .with_primary(span, "file not read")
        .with_help("split the service's instances into several spec files"),
        other => Diagnostic::from(other),
    });
    (id, problem)
}

/// The workspace-relative paths a source imports (those inside the workspace), for
/// the command line to load them too.
pub fn imported_paths(text: &str) -> Vec<String> {
    let parsed = parse(text, FileId(0));
    parsed
        .file
        .items
        .iter()
        .filter_map(|item| match item {
            crate::syntax::ast::Item::Import(imp) => match &imp.target {
                crate::syntax::ast::ImportTarget::File(s) => {
                    s.as_plain().and_then(|p| resolve::normalize_import(&p))
                }
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// The result of checking a set of files: every diagnostic, in file then source order.
#[derive(Debug, Default)]
pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    pub fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.diagnostics.len() - self.error_count()
    }
}

/// Checks every file in `map` as one program; `unreadable` are the files
/// [`add_source`] already reported, which are not parsed. The standard library is
/// added to `map`, so diagnostics can point into it.
pub fn check_all(map: &mut SourceMap, unreadable: Vec<Diagnostic>) -> Report {
    let (_, diagnostics) = build_and_check(map, unreadable);
    Report { diagnostics }
}

/// Parses, resolves and checks every file in `map` (see [`check_all`]), and returns
/// the program with every diagnostic, sorted by position. When `map` holds a
/// workspace's `formwork.yaml`, its registry is verified too (`versions::registry`).
pub fn build_and_check(
    map: &mut SourceMap,
    unreadable: Vec<Diagnostic>,
) -> (resolve::Program, Vec<Diagnostic>) {
    build_and_check_cached(map, unreadable, &mut ParseCache::default())
}

/// Parsed files kept from one check to the next (the language server's): a file at
/// the same id with the same text is not parsed again. `reused` and `parsed` count
/// the files of the last check.
#[derive(Debug, Default)]
pub struct ParseCache {
    files: std::collections::HashMap<FileId, (String, crate::syntax::parse::Parsed)>,
    pub reused: usize,
    pub parsed: usize,
}

impl ParseCache {
    fn parse(&mut self, text: &str, id: FileId) -> crate::syntax::parse::Parsed {
        if let Some((old, p)) = self.files.get(&id)
            && old == text
        {
            self.reused += 1;
            return p.clone();
        }
        self.parsed += 1;
        let p = parse(text, id);
        self.files.insert(id, (text.to_string(), p.clone()));
        p
    }
}

/// [`build_and_check`], parsing only the files `cache` does not hold as they are.
pub fn build_and_check_cached(
    map: &mut SourceMap,
    unreadable: Vec<Diagnostic>,
    cache: &mut ParseCache,
) -> (resolve::Program, Vec<Diagnostic>) {
    let (program, mut diagnostics) = build_cached(map, unreadable, cache);
    diagnostics.extend(types::check_program(&program));
    if !diagnostics.iter().any(Diagnostic::is_error) {
        diagnostics.extend(lowering_errors(&program, &|_| true));
    }
    diagnostics.sort_by_key(|d| d.primary_span().map(|s| (s.file, s.start, s.end)));
    diagnostics.dedup();
    (program, diagnostics)
}

/// The stages of [`build_and_check_cached`] before type checking: parse (through
/// `cache`), resolve, verify the registry. The language server checks the types of
/// only the declarations an edit can change, then calls [`lowering_errors`] for those.
pub fn build_cached(
    map: &mut SourceMap,
    unreadable: Vec<Diagnostic>,
    cache: &mut ParseCache,
) -> (resolve::Program, Vec<Diagnostic>) {
    cache.reused = 0;
    cache.parsed = 0;
    let skip: Vec<FileId> = unreadable
        .iter()
        .filter_map(|d| d.primary_span().map(|s| s.file))
        .collect();
    let user: Vec<FileId> = map
        .files()
        .map(|(id, _)| id)
        .filter(|id| !skip.contains(id) && !is_spec(map, *id))
        .collect();
    let mut std_ids = Vec::new();
    for f in stdlib::FILES {
        let id = map.add(f.name, f.source);
        std_ids.push((id, f.path.iter().map(|s| s.to_string()).collect::<Vec<_>>()));
    }
    let mut diagnostics = unreadable;
    let mut parsed = Vec::new();
    for id in user {
        let Some(file) = map.get(id) else { continue };
        let p = cache.parse(&file.text, id);
        diagnostics.extend(p.errors.into_iter().map(Diagnostic::from));
        parsed.push((id, p.file, None));
    }
    for (id, path) in std_ids {
        let Some(file) = map.get(id) else { continue };
        let p = cache.parse(&file.text, id);
        diagnostics.extend(p.errors.into_iter().map(Diagnostic::from));
        parsed.push((id, p.file, Some(path)));
    }
    // A workspace's registry: its snapshots import their own files and win over
    // drafts of the same version; they are verified against the index.
    let registry = Registry::locate(map);
    let roots = registry
        .as_ref()
        .map(|(r, _)| r.snapshot_roots())
        .unwrap_or_default();
    let program = resolve::build_with_snapshots(map, parsed, roots);
    diagnostics.extend(program.diagnostics.iter().cloned());
    if let Some((registry, problems)) = registry {
        diagnostics.extend(problems);
        diagnostics.extend(registry.verify(map, &program));
    }
    (program, diagnostics)
}

/// What compiling each template alone, for each target it supports, finds whatever
/// the instance: two resources or outputs with one name (`E0502`) under any `when`,
/// dependencies on resources a condition may leave out (`E0503`), values over the
/// size limits (`E0227`), and `json_encode` of a value CloudFormation cannot write as
/// text (`E0211`). These fail
/// every deploy of some instance, so `check` reports them, not only `render`.
/// Only the templates `pick` picks are compiled.
pub fn lowering_errors(
    program: &resolve::Program,
    pick: &dyn Fn(resolve::DeclId) -> bool,
) -> Vec<Diagnostic> {
    lowering_errors_by_file(program, pick)
        .into_values()
        .flatten()
        .collect()
}

/// [`lowering_errors`], by the file of the template that found each: an error may
/// point into another file (a module's resource), and is still the template's.
pub fn lowering_errors_by_file(
    program: &resolve::Program,
    pick: &dyn Fn(resolve::DeclId) -> bool,
) -> BTreeMap<FileId, Vec<Diagnostic>> {
    use crate::diagnostics::codes;
    use crate::ir::Mode;
    use crate::ir::lower::{self, Cache, Request};
    use crate::syntax::ast::DeclKind;
    let mut checker = types::Checker::new(program);
    let mut cache = Cache::default();
    let mut found: BTreeMap<FileId, Vec<Diagnostic>> = BTreeMap::new();
    let ids: Vec<_> = program.user_decls().map(|(id, _)| id).collect();
    for id in ids {
        let Some(d) = program.decl(id) else { continue };
        // A draft a published version shadows is the published one's business.
        let shadowed = program.shadowed.iter().any(|(draft, _)| *draft == id);
        if !matches!(d.kind, DeclKind::Service | DeclKind::Environment) || shadowed || !pick(id) {
            continue;
        }
        let Some(sig) = checker.signature(id) else {
            continue;
        };
        for target in sig.targets.supported() {
            let request = Request {
                decl: id,
                target,
                mode: Mode::Parameterised,
                inputs: None,
                instance: None,
                environment: None,
                source_hash: String::new(),
                context: Default::default(),
            };
            if let Err(diags) = lower::lower(&mut checker, &mut cache, &request) {
                found
                    .entry(id.file)
                    .or_default()
                    .extend(diags.into_iter().filter(|d| {
                        d.code == codes::NAME_COLLISION
                        || d.code == codes::VALUE_TOO_LARGE
                        // `json_encode` of a value CloudFormation cannot write as text.
                        || d.code == codes::NOT_EXPRESSIBLE_AT_DEPLOY_TIME
                        || (d.code == codes::ABSENT_RESOURCE && d.message.contains(" depends on "))
                    }));
            }
        }
    }
    found
}

/// Spec files (YAML and JSON) share the source map, for diagnostics, but are not
/// parsed as templates.
fn is_spec(map: &SourceMap, id: FileId) -> bool {
    map.get(id).is_some_and(|f| {
        [".yaml", ".yml", ".json"]
            .iter()
            .any(|ext| f.name.ends_with(ext))
    })
}
