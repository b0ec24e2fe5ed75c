//! AWS Proton's spec formats, read from the tree: `proton: EnvironmentSpec` with
//! `spec:`, and `proton: ServiceSpec` with `pipeline:` and `instances:` (each a
//! `name`, an `environment` and a `spec:`), both extended with `template:
//! NAME@VERSION`. Whatever of the shape is wrong is reported and the rest still
//! read, so one run reports every mistake.

use crate::diagnostics::suggest::did_you_mean;
use crate::diagnostics::{Diagnostic, codes};
use crate::resolve::Version;
use crate::spec::node::{MapEntry, NodeKind, SpecNode};
use crate::spec::{Instance, SpecFile, SpecKind, TemplateRef};
use crate::syntax::span::{FileId, Span};

const ENVIRONMENT_KEYS: &[&str] = &["proton", "template", "spec"];
const SERVICE_KEYS: &[&str] = &[
    "proton",
    "template",
    "pipeline_provider",
    "branch_name",
    "repository_id",
    "pipeline",
    "instances",
];
/// The pipeline providers a service spec may choose.
pub const PIPELINE_PROVIDERS: &[&str] = &["github", "gitlab", "codepipeline"];
const INSTANCE_KEYS: &[&str] = &["name", "environment", "template", "spec"];
const KINDS: &[&str] = &["EnvironmentSpec", "ServiceSpec"];

fn layout_error(message: impl Into<String>, span: Span, label: impl Into<String>) -> Diagnostic {
    Diagnostic::new(codes::INVALID_SPEC_LAYOUT, message).with_primary(span, label)
}

/// Reads the Proton shape of a spec whose tree was read.
pub(crate) fn read_layout(
    file: FileId,
    root: Option<SpecNode>,
    diags: &mut Vec<Diagnostic>,
) -> Option<SpecFile> {
    let Some(root) = root else {
        diags.push(
            layout_error("spec file is empty", Span::new(file, 0, 0), "nothing here")
                .with_help("start with `proton: ServiceSpec` or `proton: EnvironmentSpec`"),
        );
        return None;
    };
    let Some(entries) = root.entries() else {
        diags.push(
            layout_error(
                "a spec file must be a mapping",
                root.span,
                format!("this is {}", root.describe()),
            )
            .with_help("start with `proton: ServiceSpec` or `proton: EnvironmentSpec`"),
        );
        return None;
    };
    let kind = spec_kind(&root, entries, diags)?;
    let allowed = match kind {
        SpecKind::Environment => ENVIRONMENT_KEYS,
        SpecKind::Service => SERVICE_KEYS,
    };
    for e in entries {
        if !allowed.contains(&e.key.as_str()) {
            diags.push(unknown_key(e, kind, allowed));
        }
    }
    let template = root.get("template").and_then(|e| template_ref(e, diags));
    let pipeline_provider = match kind {
        SpecKind::Service => root
            .get("pipeline_provider")
            .and_then(|e| pipeline_provider(e, diags)),
        SpecKind::Environment => None,
    };
    let source = |key: &str, diags: &mut Vec<Diagnostic>| match kind {
        SpecKind::Service => root.get(key).and_then(|e| plain_string(e, diags)),
        SpecKind::Environment => None,
    };
    let branch_name = source("branch_name", diags);
    let repository_id = source("repository_id", diags);
    let proton_span = root.get("proton").map_or(root.span, |e| e.key_span);
    // The tree is taken apart, not copied: a large service's inputs are most of it.
    let (mut inputs, mut pipeline, mut instances_entry) = (None, None, None);
    if let NodeKind::Map(entries) = root.kind {
        for e in entries {
            match e.key.as_str() {
                "spec" => inputs = Some(e),
                "pipeline" => pipeline = Some(e),
                "instances" => instances_entry = Some(e),
                _ => {}
            }
        }
    }
    let mut spec = SpecFile {
        file,
        kind,
        template,
        pipeline_provider,
        pipeline: None,
        environment_inputs: None,
        instances: Vec::new(),
        branch_name,
        repository_id,
    };
    match kind {
        SpecKind::Environment => {
            spec.environment_inputs = Some(match inputs {
                Some(e) => inputs_map(e, diags),
                None => SpecNode::empty_map(proton_span),
            });
        }
        SpecKind::Service => {
            spec.pipeline = pipeline.map(|e| inputs_map(e, diags));
            match instances_entry {
                Some(e) => spec.instances = instances(e, diags),
                None => diags.push(
                    layout_error(
                        "service spec has no `instances:`",
                        proton_span,
                        "in this service spec",
                    )
                    .with_help(
                        "add `instances:`, a list of `- name: …`, `environment: …` and `spec: …`",
                    ),
                ),
            }
        }
    }
    duplicate_instances(&spec.instances, diags);
    instance_pins(&spec, diags);
    Some(spec)
}

/// The kind from `proton:`; when it is missing or wrong, guessed from the keys so
/// the rest is still checked.
fn spec_kind(
    root: &SpecNode,
    entries: &[MapEntry],
    diags: &mut Vec<Diagnostic>,
) -> Option<SpecKind> {
    let guess = if root.get("instances").is_some() || root.get("pipeline").is_some() {
        Some(SpecKind::Service)
    } else if root.get("spec").is_some() {
        Some(SpecKind::Environment)
    } else {
        None
    };
    let help = match guess {
        Some(SpecKind::Service) => "this looks like a service: write `proton: ServiceSpec`",
        Some(SpecKind::Environment) => {
            "this looks like an environment: write `proton: EnvironmentSpec`"
        }
        None => "write `proton: ServiceSpec` or `proton: EnvironmentSpec`",
    };
    let Some(proton) = root.get("proton") else {
        let at = entries.first().map_or(root.span, |e| e.key_span);
        diags.push(
            layout_error(
                "spec file has no `proton:` kind",
                at,
                "expected `proton:` among these keys",
            )
            .with_help(help),
        );
        return guess;
    };
    match proton.value.as_str() {
        Some("EnvironmentSpec") => Some(SpecKind::Environment),
        Some("ServiceSpec") => Some(SpecKind::Service),
        other => {
            let mut d = layout_error(
                "unknown spec kind",
                proton.value.span,
                "expected `ServiceSpec` or `EnvironmentSpec`",
            );
            d = match other.and_then(|s| did_you_mean(s, KINDS.iter().copied())) {
                Some(k) => d.with_help(format!("did you mean `{k}`?")),
                None => d.with_help(help),
            };
            diags.push(d);
            guess
        }
    }
}

fn unknown_key(e: &MapEntry, kind: SpecKind, allowed: &[&str]) -> Diagnostic {
    let what = match kind {
        SpecKind::Environment => "an environment spec",
        SpecKind::Service => "a service spec",
    };
    let d = layout_error(
        format!("unknown key `{}` in {what}", e.key),
        e.key_span,
        format!("{what} does not have this key"),
    );
    if let Some(k) = did_you_mean(&e.key, allowed.iter().copied()) {
        return d.with_help(format!("did you mean `{k}`?"));
    }
    match (kind, e.key.as_str()) {
        (SpecKind::Service, "spec") => d.with_help(
            "a service's inputs go under each instance's `spec:`; pipeline inputs under `pipeline:`",
        ),
        (SpecKind::Environment, "instances" | "pipeline") => {
            d.with_help("is this a service? write `proton: ServiceSpec`")
        }
        _ => d.with_help(format!("the keys of {what} are {}", backticked(allowed))),
    }
}

fn backticked(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An instance's own `template:` pins a version of its service's template: the same
/// name, so one service's instances are one template at several versions.
fn instance_pins(spec: &SpecFile, diags: &mut Vec<Diagnostic>) {
    for inst in &spec.instances {
        let Some(pin) = &inst.template else {
            continue;
        };
        match &spec.template {
            Some(t) if t.name == pin.name => {}
            Some(t) => diags.push(
                Diagnostic::new(
                    codes::INVALID_TEMPLATE_REFERENCE,
                    format!(
                        "instance `{}` pins `{}`, but its service's template is `{}`",
                        inst.name, pin.name, t.name
                    ),
                )
                .with_primary(pin.span, "another template")
                .with_secondary(t.span, "the service's template")
                .with_help(format!(
                    "an instance pins a version of its service's template: `template: {}@MAJOR.MINOR`",
                    t.name
                )),
            ),
            None => diags.push(
                Diagnostic::new(
                    codes::INVALID_TEMPLATE_REFERENCE,
                    format!("instance `{}` pins a version, but the spec names no template", inst.name),
                )
                .with_primary(pin.span, "a version of which template?")
                .with_help(format!("name the service's template at the top: `template: {}`", pin.name)),
            ),
        }
    }
}

/// `pipeline_provider: gitlab`
/// A non-empty string value (`branch_name: main`).
fn plain_string(e: &MapEntry, diags: &mut Vec<Diagnostic>) -> Option<(String, Span)> {
    match e.value.as_str() {
        Some(v) if !v.is_empty() => Some((v.to_string(), e.value.span)),
        _ if e.value.kind == NodeKind::Invalid => None,
        _ => {
            diags.push(
                layout_error(
                    format!("`{}:` must be a string", e.key),
                    e.value.span,
                    format!("this is {}", e.value.describe()),
                )
                .with_help(match e.key.as_str() {
                    "branch_name" => {
                        "the branch the service's pipeline builds: `branch_name: main`"
                    }
                    _ => "the service's source repository: `repository_id: acme/web`",
                }),
            );
            None
        }
    }
}

fn pipeline_provider(e: &MapEntry, diags: &mut Vec<Diagnostic>) -> Option<(String, Span)> {
    let span = e.value.span;
    match e.value.as_str() {
        Some(p) if PIPELINE_PROVIDERS.contains(&p) => Some((p.to_string(), span)),
        _ if e.value.kind == NodeKind::Invalid => None,
        found => {
            let label = match found {
                Some(p) => format!("formwork does not write `{p}` pipelines"),
                None => format!("expected a provider's name, found {}", e.value.describe()),
            };
            let d = Diagnostic::new(
                codes::INVALID_PIPELINE_PROVIDER,
                "unknown pipeline provider",
            )
            .with_primary(span, label);
            let d = match found.and_then(|p| did_you_mean(p, PIPELINE_PROVIDERS.iter().copied())) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help("choose `github` (GitHub Actions), `gitlab` (GitLab CI) or `codepipeline` (AWS CodePipeline)"),
            };
            diags.push(d);
            None
        }
    }
}

fn template_ref(e: &MapEntry, diags: &mut Vec<Diagnostic>) -> Option<TemplateRef> {
    let span = e.value.span;
    let bad = |label: &str| {
        Diagnostic::new(codes::INVALID_TEMPLATE_REFERENCE, "invalid template reference")
            .with_primary(span, label)
            .with_help("write `template: NAME@MAJOR.MINOR`, like `template: web@2.1`, or `template: NAME` for the latest version")
    };
    let Some(text) = e.value.as_str() else {
        if e.value.kind == NodeKind::Invalid {
            return None;
        }
        diags.push(bad(&format!(
            "expected `NAME@VERSION`, found {}",
            e.value.describe()
        )));
        return None;
    };
    let (name, version) = match text.split_once('@') {
        Some((n, v)) => (n, Some(v)),
        None => (text, None),
    };
    let name_ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
    if !name_ok {
        diags.push(bad("not a template name"));
        return None;
    }
    if let Some(v) = version
        && Version::parse(v).is_none()
    {
        diags.push(bad(&format!(
            "`{v}` is not a version: expected `MAJOR.MINOR`"
        )));
        return None;
    }
    Some(TemplateRef {
        name: name.to_string(),
        version: version.map(str::to_string),
        span,
    })
}

/// A `spec:` or `pipeline:` value: a mapping of inputs; empty when left blank.
fn inputs_map(e: MapEntry, diags: &mut Vec<Diagnostic>) -> SpecNode {
    match &e.value.kind {
        NodeKind::Map(_) => e.value,
        NodeKind::Null | NodeKind::Invalid => SpecNode::empty_map(e.key_span),
        _ => {
            diags.push(
                layout_error(
                    format!("`{}:` must be a mapping of input names to values", e.key),
                    e.value.span,
                    format!("this is {}", e.value.describe()),
                )
                .with_help(format!(
                    "write each input on its own line under `{}:`, as `name: value`",
                    e.key
                )),
            );
            SpecNode::empty_map(e.key_span)
        }
    }
}

fn instances(e: MapEntry, diags: &mut Vec<Diagnostic>) -> Vec<Instance> {
    let items = match e.value.kind {
        NodeKind::Seq(items) => items,
        NodeKind::Null | NodeKind::Invalid => Vec::new(),
        _ => {
            diags.push(
                layout_error(
                    "`instances:` must be a list",
                    e.value.span,
                    format!("this is {}", e.value.describe()),
                )
                .with_help("write each instance as a list item: `- name: …`"),
            );
            return Vec::new();
        }
    };
    items
        .into_iter()
        .filter_map(|item| instance(item, diags))
        .collect()
}

fn instance(item: SpecNode, diags: &mut Vec<Diagnostic>) -> Option<Instance> {
    let Some(entries) = item.entries() else {
        diags.push(
            layout_error(
                "an instance must be a mapping",
                item.span,
                format!("this is {}", item.describe()),
            )
            .with_help("give each instance `name:`, `environment:` and `spec:`"),
        );
        return None;
    };
    let mut unknown_key = false;
    for e in entries {
        if !INSTANCE_KEYS.contains(&e.key.as_str()) {
            unknown_key = true;
            let d = layout_error(
                format!("unknown key `{}` in an instance", e.key),
                e.key_span,
                "an instance does not have this key",
            );
            let d = match did_you_mean(&e.key, INSTANCE_KEYS.iter().copied()) {
                Some(k) => d.with_help(format!("did you mean `{k}`?")),
                None => d.with_help(format!(
                    "an instance has {}; its inputs go under `spec:`",
                    backticked(INSTANCE_KEYS)
                )),
            };
            diags.push(d);
        }
    }
    let name = required_string(&item, "name", diags);
    let environment = required_string(&item, "environment", diags);
    let (name, name_span) = name?;
    if !is_stack_name(&name) {
        diags.push(
            Diagnostic::new(
                codes::INVALID_SPEC_LAYOUT,
                format!("`{name}` cannot name an instance"),
            )
            .with_primary(name_span, "not a valid instance name")
            .with_note("an instance's name becomes its stack's name and the prefix of its exports")
            .with_help("use letters, digits and hyphens, starting with a letter, at most 128 characters (a CloudFormation stack name)"),
        );
        return None;
    }
    let (environment, environment_span) = environment.unwrap_or((String::new(), item.span));
    if !environment.is_empty() && !is_stack_name(&environment) {
        diags.push(
            Diagnostic::new(
                codes::INVALID_SPEC_LAYOUT,
                format!("`{environment}` cannot name an environment"),
            )
            .with_primary(environment_span, "not a valid environment name")
            .with_help("an environment is named like its spec file: letters, digits and hyphens, starting with a letter"),
        );
        return None;
    }
    let template = item.get("template").and_then(|e| template_ref(e, diags));
    let span = item.span;
    let spec = match item.kind {
        NodeKind::Map(entries) => entries.into_iter().find(|e| e.key == "spec"),
        _ => None,
    };
    let inputs = match spec {
        Some(e) => inputs_map(e, diags),
        // The inputs are most likely under the unknown key: reporting each as
        // missing would repeat the one mistake.
        None if unknown_key => SpecNode {
            kind: NodeKind::Invalid,
            span: name_span,
            plain: false,
        },
        None => SpecNode::empty_map(name_span),
    };
    Some(Instance {
        name,
        name_span,
        environment,
        environment_span,
        template,
        inputs,
        span,
    })
}

/// The string under `key` of an instance, reported when missing or not a string.
fn required_string(
    item: &SpecNode,
    key: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<(String, Span)> {
    let Some(e) = item.get(key) else {
        let at = item
            .entries()
            .and_then(|e| e.first())
            .map_or(item.span, |e| e.key_span);
        diags.push(
            layout_error(
                format!("instance has no `{key}:`"),
                at,
                format!("expected `{key}:` in this instance"),
            )
            .with_help(match key {
                "name" => "give the instance a name unique in this service: `name: prod`",
                _ => "name the environment to deploy this instance into: `environment: prod`",
            }),
        );
        return None;
    };
    match &e.value.kind {
        NodeKind::Str(s) if !s.is_empty() => Some((s.clone(), e.value.span)),
        NodeKind::Int(i) => Some((i.to_string(), e.value.span)),
        NodeKind::Invalid => None,
        _ => {
            diags.push(layout_error(
                format!("instance `{key}:` must be a non-empty string"),
                e.value.span,
                format!("this is {}", e.value.describe()),
            ));
            None
        }
    }
}

fn duplicate_instances(instances: &[Instance], diags: &mut Vec<Diagnostic>) {
    let mut seen: std::collections::HashMap<&str, Span> = std::collections::HashMap::new();
    for i in instances {
        if let Some(first) = seen.get(i.name.as_str()) {
            diags.push(
                Diagnostic::new(
                    codes::DUPLICATE_INSTANCE,
                    format!("two instances are named `{}`", i.name),
                )
                .with_primary(i.name_span, "named again here")
                .with_secondary(*first, "first named here")
                .with_help("instance names must be unique within a service: rename one"),
            );
        } else {
            seen.insert(&i.name, i.name_span);
        }
    }
}

/// A CloudFormation stack name: a letter, then letters, digits and hyphens, at most 128
/// characters. Instance and environment names become stack names, file names and export
/// prefixes, so nothing else is allowed (no `/`, no `..`).
pub fn is_stack_name(name: &str) -> bool {
    name.len() <= 128
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}
