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
//! ```

use crate::diagnostics::suggest::did_you_mean;
use crate::diagnostics::{Diagnostic, codes};
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
];
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
                    None => d.with_help("the settings are `name`, `target`, `region`, `folders`, `pipeline` and `providers`"),
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
}
