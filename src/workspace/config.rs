//! `formwork.yaml`, the workspace's settings, read with positions like a spec file.
//!
//! ```yaml
//! name: acme
//! target: cloudformation        # the default target of templates that support several
//! region: us-east-1
//! folders:                      # all optional; these are the defaults
//!   templates: templates
//!   environments: environments
//!   services: services
//!   registry: registry
//!   out: out
//! pipeline: github              # github | gitlab | codepipeline
//! providers:
//!   aws: ">= 5.0, < 7.0"        # Terraform's required_providers pin
//! formwork:                     # how pipeline jobs install formwork: one of
//!   git: https://github.com/org/formwork
//!   rev: 0123456789abcdef0123456789abcdef01234567   # a commit, never a branch or tag
//! # formwork: { url: https://…/formwork-x86_64-linux.tar.gz, sha256: <64 hex> }
//! # formwork: { path: tools/formwork }                  # inside the workspace
//! ```
//!
//! The `formwork:` setting is checked here (`E0326`–`E0328`); that a workspace with
//! service pipelines has one is checked with each service spec (`E0329`, `SpecChecker`).

use crate::diagnostics::suggest::did_you_mean;
use crate::diagnostics::{Diagnostic, codes};
use crate::ir::pipeline::FormworkSource;
use crate::spec::node::read_tree;
use crate::spec::{NodeKind, SpecNode, SpecSyntax};
use crate::syntax::span::{FileId, Span};
use crate::types::targets::Target;

/// The name of the settings file at a workspace's root.
pub const CONFIG_FILE: &str = "formwork.yaml";

const KEYS: &[&str] = &[
    "name",
    "target",
    "region",
    "folders",
    "pipeline",
    "providers",
    "formwork",
];
const SOURCE_KEYS: &[&str] = &["git", "rev", "url", "sha256", "path"];
const FOLDER_KEYS: &[&str] = &["templates", "environments", "services", "registry", "out"];
const PIPELINES: &[&str] = &["github", "gitlab", "codepipeline"];

/// The workspace's folders, relative to its root.
#[derive(Debug, Clone, PartialEq)]
pub struct Folders {
    pub templates: String,
    pub environments: String,
    pub services: String,
    pub registry: String,
    pub out: String,
}

impl Default for Folders {
    fn default() -> Folders {
        Folders {
            templates: "templates".into(),
            environments: "environments".into(),
            services: "services".into(),
            registry: "registry".into(),
            out: "out".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub name: String,
    /// The target of a template that supports several; `None`: CloudFormation.
    pub target: Option<Target>,
    pub region: Option<String>,
    pub folders: Folders,
    pub pipeline: Option<String>,
    /// The AWS provider's version constraint for Terraform artifacts.
    pub aws_provider: Option<String>,
    /// How pipeline jobs install formwork (`formwork:`); `None` when not set.
    pub formwork: Option<FormworkSource>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            name: "workspace".into(),
            target: None,
            region: None,
            folders: Folders::default(),
            pipeline: None,
            aws_provider: None,
            formwork: None,
        }
    }
}

fn invalid(span: Span, message: String, label: &str) -> Diagnostic {
    Diagnostic::new(codes::INVALID_WORKSPACE_CONFIG, message).with_primary(span, label.to_string())
}

fn string(node: &SpecNode, key: &str, diags: &mut Vec<Diagnostic>) -> Option<String> {
    match &node.kind {
        NodeKind::Str(s) if !s.is_empty() => Some(s.clone()),
        _ => {
            diags.push(invalid(
                node.span,
                format!(
                    "`{key}` must be a non-empty string, not {}",
                    node.describe()
                ),
                "expected a string",
            ));
            None
        }
    }
}

/// A folder setting: a relative path that stays inside the workspace.
fn folder(node: &SpecNode, key: &str, diags: &mut Vec<Diagnostic>) -> Option<String> {
    let s = string(node, key, diags)?;
    match crate::resolve::normalize_import(&s) {
        Some(p) if !p.is_empty() => Some(p),
        _ => {
            diags.push(
                invalid(
                    node.span,
                    format!("folder `{s}` is not inside the workspace"),
                    "leaves the workspace",
                )
                .with_help("give a path relative to the folder holding formwork.yaml, without `..` above it"),
            );
            None
        }
    }
}

/// The `help:` of a `formwork:` mistake: the three forms.
pub const SOURCE_FORMS: &str = "`formwork: { git: https://github.com/org/formwork, rev: <40-hex commit> }`, `formwork: { url: https://…/formwork.tar.gz, sha256: <64-hex digest> }` or `formwork: { path: tools/formwork }`";

fn invalid_source(span: Span, message: String, label: &str) -> Diagnostic {
    Diagnostic::new(codes::INVALID_FORMWORK_SOURCE, message).with_primary(span, label.to_string())
}

fn unpinned(span: Span, message: String, label: &str) -> Diagnostic {
    Diagnostic::new(codes::UNPINNED_FORMWORK_SOURCE, message).with_primary(span, label.to_string())
}

/// Whether `s` is `n` hexadecimal digits.
fn is_hex(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A URL the jobs may fetch: `https://HOST/…`, no credentials, nothing a shell or
/// YAML would read differently. `key` is `git` or `url`.
fn source_url(node: &SpecNode, key: &str, url: &str, diags: &mut Vec<Diagnostic>) -> bool {
    let Some(rest) = url.strip_prefix("https://") else {
        diags.push(
            unpinned(
                node.span,
                format!("`{key}` `{url}` is not an https URL"),
                "fetched without TLS, anyone on the path can change it",
            )
            .with_help(format!(
                "give the `https://` address of the {}",
                if key == "git" {
                    "repository"
                } else {
                    "download"
                }
            )),
        );
        return false;
    };
    let authority = rest.split('/').next().unwrap_or("");
    if authority.is_empty()
        || url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "\"'`\\<>{}|^".contains(c))
    {
        diags.push(invalid_source(
            node.span,
            format!("`{key}` is not a URL"),
            "expected `https://host/path`",
        ));
        return false;
    }
    if authority.contains('@') {
        diags.push(
            invalid_source(
                node.span,
                format!("`{key}` holds credentials"),
                "formwork.yaml is committed: this would publish them",
            )
            .with_help("drop the `user:password@`; a private repository or download is reached with the runner's own credentials"),
        );
        return false;
    }
    true
}

/// The `formwork:` setting: one source, pinned. Every mistake is reported; `None`
/// unless the setting is whole and right.
fn formwork_source(v: &SpecNode, diags: &mut Vec<Diagnostic>) -> Option<FormworkSource> {
    let Some(entries) = v.entries() else {
        diags.push(
            invalid_source(
                v.span,
                format!(
                    "`formwork` must be a mapping naming where formwork comes from, not {}",
                    v.describe()
                ),
                "expected `git` + `rev`, `url` + `sha256`, or `path`",
            )
            .with_help(format!("write one of {SOURCE_FORMS}")),
        );
        return None;
    };
    let before = diags.len();
    let mut found: Vec<(&str, &SpecNode, Span, String)> = Vec::new();
    for e in entries {
        let Some(key) = SOURCE_KEYS.iter().copied().find(|k| *k == e.key) else {
            let d = invalid_source(
                e.key_span,
                format!("unknown key `{}` in `formwork`", e.key),
                "not part of a formwork source",
            );
            // `revision` is too far from `rev` for the edit distance, but means it.
            let near = did_you_mean(&e.key, SOURCE_KEYS.iter().copied())
                .or_else(|| SOURCE_KEYS.iter().copied().find(|k| e.key.starts_with(k)));
            diags.push(match near {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help("the keys are `git` and `rev`, `url` and `sha256`, or `path`"),
            });
            continue;
        };
        match &e.value.kind {
            NodeKind::Str(s) if !s.is_empty() => found.push((key, &e.value, e.key_span, s.clone())),
            _ => diags.push(invalid_source(
                e.value.span,
                format!(
                    "`formwork.{key}` must be a non-empty string, not {}",
                    e.value.describe()
                ),
                "expected a string",
            )),
        }
    }
    // One mistake, one error: a misspelt `rev` is not also a missing one.
    if diags.len() > before {
        return None;
    }
    let get = |k: &str| found.iter().find(|(key, ..)| *key == k);
    let sources: Vec<_> = found
        .iter()
        .filter(|(k, ..)| matches!(*k, "git" | "url" | "path"))
        .collect();
    match sources.as_slice() {
        [] => {
            diags.push(
                invalid_source(
                    v.span,
                    "`formwork` names no source".into(),
                    "no `git`, `url` or `path`",
                )
                .with_help(format!("write one of {SOURCE_FORMS}")),
            );
            return None;
        }
        [_] => {}
        [first, second, ..] => {
            diags.push(
                invalid_source(
                    second.2,
                    format!("`formwork` names both `{}` and `{}`", first.0, second.0),
                    "a second source",
                )
                .with_secondary(first.2, "the first")
                .with_note("a job installs formwork one way; two sources would leave it unsaid which bytes run")
                .with_help("keep one of them"),
            );
            return None;
        }
    }
    let (kind, node, key_span, value) = sources[0];
    // The companions each source needs, and those it must not have.
    let (needs, strays): (Option<&str>, &[&str]) = match *kind {
        "git" => (Some("rev"), &["sha256"]),
        "url" => (Some("sha256"), &["rev"]),
        _ => (None, &["rev", "sha256"]),
    };
    for stray in strays {
        if let Some((k, _, span, _)) = get(stray) {
            diags.push(
                invalid_source(
                    *span,
                    format!("`{k}` does not go with `{kind}`"),
                    "not part of this source",
                )
                .with_secondary(*key_span, "the source")
                .with_help(format!("write one of {SOURCE_FORMS}")),
            );
        }
    }
    let companion = match needs {
        Some(n) => match get(n) {
            Some(c) => Some(c),
            None => {
                let why = if n == "rev" {
                    "the commit to build: without it, whatever the default branch holds when a job runs would deploy"
                } else {
                    "the download's sha256: without it, whatever the server hands out would run with the deploy role"
                };
                diags.push(
                    invalid_source(*key_span, format!("`{kind}` without `{n}`"), "not pinned")
                        .with_note(format!("`{n}` is {why}"))
                        .with_help(format!("write one of {SOURCE_FORMS}")),
                );
                return None;
            }
        },
        None => None,
    };
    if diags.len() > before {
        return None;
    }
    match *kind {
        "git" => {
            let (_, rev_node, _, rev) = companion?;
            let url_ok = source_url(node, "git", value, diags);
            let rev_ok = if is_hex(rev, 40) {
                true
            } else {
                let d = if rev.bytes().all(|b| b.is_ascii_hexdigit()) && rev.len() < 40 {
                    unpinned(
                        rev_node.span,
                        format!("`rev` `{rev}` is an abbreviated commit"),
                        "a prefix may come to name another commit",
                    )
                } else {
                    unpinned(
                        rev_node.span,
                        format!("`rev` `{rev}` is not a commit id"),
                        "a branch or tag name, not a commit",
                    )
                    .with_note("a branch or tag can move: the same formwork.yaml would install other code tomorrow")
                };
                diags.push(d.with_help(
                    "give the full 40-hex-digit commit id: `git rev-parse TAG^{commit}`",
                ));
                false
            };
            (url_ok && rev_ok).then(|| FormworkSource::Git {
                url: value.clone(),
                rev: rev.to_ascii_lowercase(),
            })
        }
        "url" => {
            let (_, hash_node, _, hash) = companion?;
            let url_ok = source_url(node, "url", value, diags);
            let hash_ok = is_hex(hash, 64);
            if !hash_ok {
                diags.push(
                    unpinned(
                        hash_node.span,
                        format!(
                            "`sha256` is not a sha256 digest ({} characters)",
                            hash.chars().count()
                        ),
                        "expected 64 hexadecimal digits",
                    )
                    .with_help(
                        "give the download's digest: `sha256sum formwork-x86_64-linux.tar.gz`",
                    ),
                );
            }
            (url_ok && hash_ok).then(|| FormworkSource::Download {
                url: value.clone(),
                sha256: hash.to_ascii_lowercase(),
            })
        }
        _ => {
            let absolute = value.starts_with('/')
                || value.starts_with('~')
                || value.as_bytes().get(1) == Some(&b':');
            match crate::resolve::normalize_import(value) {
                Some(p) if !absolute && !p.is_empty() && !p.starts_with('-') => {
                    Some(FormworkSource::Path { path: p })
                }
                _ => {
                    diags.push(
                        Diagnostic::new(
                            codes::FORMWORK_PATH_OUTSIDE_WORKSPACE,
                            format!("`path` `{value}` is not inside the workspace"),
                        )
                        .with_primary(node.span, if absolute { "an absolute path: a runner's file, not the repository's" } else { "leaves the workspace" })
                        .with_note("a job checks out the repository and nothing else: only what is committed is pinned by the commit")
                        .with_help("give a path relative to the folder holding formwork.yaml, without `..` above it"),
                    );
                    None
                }
            }
        }
    }
}

/// Reads `formwork.yaml`. Every mistake is a diagnostic at its line and column; what
/// could be read is kept, with defaults for the rest.
pub fn read_config(file: FileId, text: &str) -> (Config, Vec<Diagnostic>) {
    let (root, mut diags) = read_tree(file, text, SpecSyntax::Yaml);
    let mut config = Config::default();
    let Some(root) = root else {
        return (config, diags);
    };
    let entries = match &root.kind {
        NodeKind::Map(entries) => entries,
        NodeKind::Null => return (config, diags),
        _ => {
            diags.push(invalid(
                root.span,
                format!(
                    "formwork.yaml must be a mapping of settings, not {}",
                    root.describe()
                ),
                "expected `name:`, `target:`, …",
            ));
            return (config, diags);
        }
    };
    for e in entries {
        let v = &e.value;
        match e.key.as_str() {
            "name" => {
                if let Some(s) = string(v, "name", &mut diags) {
                    config.name = s;
                }
            }
            "target" => {
                if let Some(s) = string(v, "target", &mut diags) {
                    match Target::parse(&s) {
                        Some(t) => config.target = Some(t),
                        None => diags.push(
                            invalid(v.span, format!("unknown target `{s}`"), "not a target")
                                .with_help("`cloudformation` or `terraform`"),
                        ),
                    }
                }
            }
            "region" => config.region = string(v, "region", &mut diags),
            "pipeline" => {
                if let Some(s) = string(v, "pipeline", &mut diags) {
                    if PIPELINES.contains(&s.as_str()) {
                        config.pipeline = Some(s);
                    } else {
                        diags.push(
                            invalid(
                                v.span,
                                format!("unknown pipeline provider `{s}`"),
                                "not a provider",
                            )
                            .with_help("`github`, `gitlab` or `codepipeline`"),
                        );
                    }
                }
            }
            "providers" => match v.entries() {
                Some(ps) => {
                    for p in ps {
                        if p.key == "aws" {
                            config.aws_provider = string(&p.value, "providers.aws", &mut diags);
                        } else {
                            diags.push(
                                invalid(
                                    p.key_span,
                                    format!("unknown provider `{}`", p.key),
                                    "formwork pins only `aws`",
                                )
                                .with_help("templates use the AWS provider only"),
                            );
                        }
                    }
                }
                None => diags.push(invalid(
                    v.span,
                    format!(
                        "`providers` must be a mapping, like `aws: \">= 5.0\"`, not {}",
                        v.describe()
                    ),
                    "expected a mapping",
                )),
            },
            "formwork" => config.formwork = formwork_source(v, &mut diags),
            "folders" => match v.entries() {
                Some(fs) => {
                    for f in fs {
                        let Some(path) = folder(&f.value, &f.key, &mut diags) else {
                            continue;
                        };
                        let slot = match f.key.as_str() {
                            "templates" => &mut config.folders.templates,
                            "environments" => &mut config.folders.environments,
                            "services" => &mut config.folders.services,
                            "registry" => &mut config.folders.registry,
                            "out" => &mut config.folders.out,
                            other => {
                                let d = invalid(
                                    f.key_span,
                                    format!("unknown folder `{other}`"),
                                    "not a workspace folder",
                                );
                                diags.push(match did_you_mean(other, FOLDER_KEYS.iter().copied()) {
                                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                                    None => d.with_help("the folders are `templates`, `environments`, `services`, `registry` and `out`"),
                                });
                                continue;
                            }
                        };
                        *slot = path;
                    }
                }
                None => diags.push(invalid(
                    v.span,
                    format!("`folders` must be a mapping, not {}", v.describe()),
                    "expected a mapping",
                )),
            },
            other => {
                let d = invalid(
                    e.key_span,
                    format!("unknown setting `{other}`"),
                    "formwork.yaml has no such setting",
                );
                diags.push(match did_you_mean(other, KEYS.iter().copied()) {
                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                    None => d.with_help("the settings are `name`, `target`, `region`, `folders`, `pipeline`, `providers` and `formwork`"),
                });
            }
        }
    }
    (config, diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_setting() {
        let text = "name: acme\ntarget: terraform\nregion: eu-west-1\nfolders:\n  out: build/out\npipeline: gitlab\nproviders:\n  aws: \"~> 5.0\"\n";
        let (c, d) = read_config(FileId(0), text);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(c.name, "acme");
        assert_eq!(c.target, Some(Target::Terraform));
        assert_eq!(c.folders.out, "build/out");
        assert_eq!(c.folders.templates, "templates");
        assert_eq!(c.pipeline.as_deref(), Some("gitlab"));
        assert_eq!(c.aws_provider.as_deref(), Some("~> 5.0"));
    }

    #[test]
    fn mistakes_are_located() {
        let text = "name: acme\ntarget: cfn\nfolder:\n  out: x\nfolders:\n  out: ../elsewhere\n";
        let (_, d) = read_config(FileId(0), text);
        assert_eq!(d.len(), 3, "{d:?}");
        assert!(d.iter().all(|d| d.code == codes::INVALID_WORKSPACE_CONFIG));
    }

    fn source(text: &str) -> (Option<FormworkSource>, Vec<&'static str>) {
        let (c, d) = read_config(FileId(0), &format!("name: a\nformwork: {text}\n"));
        (c.formwork, d.iter().map(|d| d.code.id).collect())
    }

    #[test]
    fn reads_each_formwork_source() {
        let rev = "4F2C1D0E9B8A7F6E5D4C3B2A1F0E9D8C7B6A5F4E";
        assert_eq!(
            source(&format!("{{ git: https://github.com/o/f, rev: {rev} }}")),
            (
                Some(FormworkSource::Git {
                    url: "https://github.com/o/f".into(),
                    rev: rev.to_ascii_lowercase(),
                }),
                vec![]
            )
        );
        let sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        assert_eq!(
            source(&format!(
                "{{ url: https://x.example/f.tgz, sha256: {sha} }}"
            ))
            .1,
            Vec::<&str>::new()
        );
        assert_eq!(
            source("{ path: ./tools/../tools/formwork }").0,
            Some(FormworkSource::Path {
                path: "tools/formwork".into()
            })
        );
    }

    #[test]
    fn formwork_source_mistakes_have_their_codes() {
        let rev = "4f2c1d0e9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e";
        let sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        for (text, want) in [
            ("tools/formwork", "E0326"),
            ("{}", "E0326"),
            ("{ git: https://github.com/o/f }", "E0326"),
            ("{ url: https://x.example/f }", "E0326"),
            ("{ path: t, rev: abc }", "E0326"),
            ("{ gti: https://github.com/o/f }", "E0326"),
            ("{ git: https://github.com/o/f, rev: 4f2c1d0 }", "E0327"),
            ("{ git: https://github.com/o/f, rev: release-1.0 }", "E0327"),
            ("{ url: https://x.example/f, sha256: abc }", "E0327"),
            ("{ path: /opt/formwork }", "E0328"),
            ("{ path: ../formwork }", "E0328"),
            ("{ path: 'C:/formwork' }", "E0328"),
        ] {
            let (got, codes) = source(text);
            assert_eq!(got, None, "{text}");
            assert_eq!(codes, [want], "{text}");
        }
        assert_eq!(
            source(&format!("{{ git: http://github.com/o/f, rev: {rev} }}")).1,
            ["E0327"]
        );
        assert_eq!(
            source(&format!(
                "{{ url: 'https://u:p@x.example/f', sha256: {sha} }}"
            ))
            .1,
            ["E0326"]
        );
    }
}
