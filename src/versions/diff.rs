//! A structural diff of two JSON documents: what `formwork diff` shows of an
//! instance rendered with two versions, and what `formwork drift` shows of a deployed
//! template against the built one. No IO.
//!
//! Maps are compared key by key (keys in sorted order, whatever order the documents
//! wrote them in), lists index by index; every other value differs as a whole. Each
//! [`Difference`] is a path (`Resources.Queue.Properties.VisibilityTimeout`), what
//! happened there, and, in a CloudFormation template or a Terraform `main.tf.json`,
//! whether deploying it deletes or replaces a resource: a resource removed, its type
//! changed, or a create-only property changed, as the resource catalogs say (the same
//! data `rendered.rs` judges a new version by).
//!
//! The bookkeeping formwork writes into every artifact (`Metadata.Formwork`,
//! `locals.formwork`: the template's version, the compiler, the source hash) is left
//! out by [`without_formwork_metadata`]: a changed source hash that changes nothing
//! else deploys nothing (CloudFormation does not even update a stack for it).

use std::collections::BTreeSet;
use std::fmt;

use serde_json::{Map, Value};

use crate::types::resources::lookup;

/// The longest value shown whole in text; longer ones are cut with `…`.
const SHOWN_CHARS: usize = 60;

/// One step of a path: a map's key or a list's index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// Where a difference is: `Resources.Queue.Properties.Tags[0].Value`. Keys that are
/// not plain words are written `["a.b"]`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct DocPath(pub Vec<Seg>);

impl DocPath {
    fn child(&self, seg: Seg) -> DocPath {
        let mut segs = self.0.clone();
        segs.push(seg);
        DocPath(segs)
    }
}

fn plain_key(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | ':' | '/'))
}

impl fmt::Display for DocPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return write!(f, "(the document)");
        }
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) if plain_key(k) => {
                    if i > 0 {
                        write!(f, ".")?;
                    }
                    write!(f, "{k}")?;
                }
                Seg::Key(k) => write!(f, "[{}]", Value::String(k.clone()))?,
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// What happened at a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Added,
    Removed,
    Changed,
}

impl Op {
    pub fn symbol(self) -> char {
        match self {
            Op::Added => '+',
            Op::Removed => '-',
            Op::Changed => '~',
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Op::Added => "added",
            Op::Removed => "removed",
            Op::Changed => "changed",
        }
    }
}

/// What deploying a difference does to a resource beyond updating it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// The resource is deleted (with what it holds).
    Deletes { resource: String },
    /// A new resource is created and the old one deleted: its type changed.
    ReplacesType { resource: String },
    /// Likewise: `property` (a dotted path) is create-only.
    ReplacesCreateOnly { resource: String, property: String },
}

impl Effect {
    pub fn name(&self) -> &'static str {
        match self {
            Effect::Deletes { .. } => "delete",
            Effect::ReplacesType { .. } | Effect::ReplacesCreateOnly { .. } => "replace",
        }
    }

    pub fn resource(&self) -> &str {
        match self {
            Effect::Deletes { resource }
            | Effect::ReplacesType { resource }
            | Effect::ReplacesCreateOnly { resource, .. } => resource,
        }
    }
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Effect::Deletes { resource } => write!(f, "deletes `{resource}`"),
            Effect::ReplacesType { resource } => {
                write!(f, "replaces `{resource}`: its type changes")
            }
            Effect::ReplacesCreateOnly { resource, property } => {
                write!(f, "replaces `{resource}`: `{property}` is create-only")
            }
        }
    }
}

/// One difference between two documents.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    pub path: DocPath,
    pub op: Op,
    /// The value before (`None` when added).
    pub old: Option<Value>,
    /// The value after (`None` when removed).
    pub new: Option<Value>,
    pub effect: Option<Effect>,
}

/// Every difference between `old` and `new`, in path order (keys sorted, indices
/// ascending): the same documents always give the same list.
pub fn diff(old: &Value, new: &Value) -> Vec<Difference> {
    let mut out = Vec::new();
    let layout = Layout::of(old, new);
    walk(&layout, &DocPath::default(), old, new, &mut out);
    for d in &mut out {
        d.effect = layout.effect(d, old, new);
    }
    out
}

/// Recursion is bounded by the documents' depth: `serde_json` refuses more than 128
/// levels when parsing, and formwork writes fewer.
fn walk(layout: &Layout, path: &DocPath, old: &Value, new: &Value, out: &mut Vec<Difference>) {
    let empty = Value::Object(Map::new());
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for k in keys {
                let here = path.child(Seg::Key(k.clone()));
                match (a.get(k), b.get(k)) {
                    (Some(x), Some(y)) => walk(layout, &here, x, y, out),
                    // A section of resources added or removed whole: each resource
                    // is, so each is judged.
                    (Some(x), None) if x.is_object() && layout.holds_resources(&here) => {
                        walk(layout, &here, x, &empty, out)
                    }
                    (None, Some(y)) if y.is_object() && layout.holds_resources(&here) => {
                        walk(layout, &here, &empty, y, out)
                    }
                    (Some(x), None) => out.push(removed(here, x)),
                    (None, Some(y)) => out.push(added(here, y)),
                    (None, None) => {}
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for i in 0..a.len().max(b.len()) {
                let here = path.child(Seg::Index(i));
                match (a.get(i), b.get(i)) {
                    (Some(x), Some(y)) => walk(layout, &here, x, y, out),
                    (Some(x), None) => out.push(removed(here, x)),
                    (None, Some(y)) => out.push(added(here, y)),
                    (None, None) => {}
                }
            }
        }
        (a, b) if same(a, b) => {}
        (a, b) => out.push(Difference {
            path: path.clone(),
            op: Op::Changed,
            old: Some(a.clone()),
            new: Some(b.clone()),
            effect: None,
        }),
    }
}

/// Equal values; numbers by value, so `1` and `1.0` are one number.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn added(path: DocPath, v: &Value) -> Difference {
    Difference {
        path,
        op: Op::Added,
        old: None,
        new: Some(v.clone()),
        effect: None,
    }
}

fn removed(path: DocPath, v: &Value) -> Difference {
    Difference {
        path,
        op: Op::Removed,
        old: Some(v.clone()),
        new: None,
        effect: None,
    }
}

/// Where a document keeps its resources, so differences can be judged.
enum Layout {
    /// `Resources.ID.{Type, Properties}`.
    CloudFormation,
    /// `resource.TYPE.NAME.{arguments}`.
    Terraform,
    Other,
}

impl Layout {
    /// Whether the map at `path` holds resources (or, in Terraform, types of them).
    fn holds_resources(&self, path: &DocPath) -> bool {
        match (self, path.0.as_slice()) {
            (Layout::CloudFormation, [Seg::Key(k)]) => k == "Resources",
            (Layout::Terraform, [Seg::Key(k)] | [Seg::Key(k), _]) => k == "resource",
            _ => false,
        }
    }

    fn of(old: &Value, new: &Value) -> Layout {
        let has = |k: &str| {
            old.get(k).is_some_and(Value::is_object) || new.get(k).is_some_and(Value::is_object)
        };
        if has("Resources") {
            Layout::CloudFormation
        } else if has("resource") {
            Layout::Terraform
        } else {
            Layout::Other
        }
    }

    fn effect(&self, d: &Difference, old: &Value, new: &Value) -> Option<Effect> {
        let segs = &d.path.0;
        match self {
            Layout::CloudFormation => {
                let [Seg::Key(top), Seg::Key(id), rest @ ..] = segs.as_slice() else {
                    return None;
                };
                if top != "Resources" {
                    return None;
                }
                let resource = id.clone();
                match rest {
                    [] if d.op == Op::Removed => Some(Effect::Deletes { resource }),
                    [] => None,
                    [Seg::Key(k)] if k == "Type" && d.op == Op::Changed => {
                        Some(Effect::ReplacesType { resource })
                    }
                    [Seg::Key(k), props @ ..] if k == "Properties" => {
                        let type_name = [new, old]
                            .into_iter()
                            .find_map(|doc| doc.get("Resources")?.get(id)?.get("Type")?.as_str())?;
                        create_only(type_name, props, d)
                            .map(|property| Effect::ReplacesCreateOnly { resource, property })
                    }
                    _ => None,
                }
            }
            Layout::Terraform => {
                let [
                    Seg::Key(top),
                    Seg::Key(type_name),
                    Seg::Key(name),
                    rest @ ..,
                ] = segs.as_slice()
                else {
                    return None;
                };
                if top != "resource" {
                    return None;
                }
                let resource = format!("{type_name}.{name}");
                match rest {
                    [] if d.op == Op::Removed => Some(Effect::Deletes { resource }),
                    [] => None,
                    props => create_only(type_name, props, d)
                        .map(|property| Effect::ReplacesCreateOnly { resource, property }),
                }
            }
            Layout::Other => None,
        }
    }
}

/// The create-only property a difference at `props` (inside a resource's properties)
/// changes, as a dotted path, if any. A whole properties map added or removed changes
/// each of its keys.
fn create_only(type_name: &str, props: &[Seg], d: &Difference) -> Option<String> {
    let schema = lookup(type_name)?;
    if props.is_empty() {
        let keys: BTreeSet<&String> = [&d.old, &d.new]
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
            .flat_map(Map::keys)
            .collect();
        return keys
            .into_iter()
            .find(|k| schema.replaces_on_change(k))
            .cloned();
    }
    let dotted = props
        .iter()
        .map(|s| match s {
            Seg::Key(k) => k.clone(),
            Seg::Index(i) => i.to_string(),
        })
        .collect::<Vec<_>>()
        .join(".");
    schema.replaces_on_change(&dotted).then_some(dotted)
}

/// The document without formwork's own bookkeeping: CloudFormation's
/// `Metadata.Formwork` (and `Metadata` when nothing else is left in it), Terraform's
/// `locals.formwork` (and `locals` likewise).
pub fn without_formwork_metadata(mut doc: Value) -> Value {
    if let Some(top) = doc.as_object_mut() {
        for (section, key) in [("Metadata", "Formwork"), ("locals", "formwork")] {
            let emptied = match top.get_mut(section).and_then(Value::as_object_mut) {
                Some(m) => {
                    m.remove(key);
                    m.is_empty()
                }
                None => false,
            };
            if emptied {
                top.remove(section);
            }
        }
    }
    doc
}

/// A value on one line, cut short past [`SHOWN_CHARS`] characters.
pub fn compact(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() <= SHOWN_CHARS {
        return text;
    }
    let cut: String = text.chars().take(SHOWN_CHARS - 1).collect();
    format!("{cut}…")
}

/// Two long strings, each shown from a little before where they start to differ,
/// so the difference is in sight: `"…(service worker@1.0)"`.
fn around_difference(a: &str, b: &str) -> (String, String) {
    let (ja, jb) = (compact(&Value::from(a)), compact(&Value::from(b)));
    if !ja.ends_with('…') && !jb.ends_with('…') {
        return (ja, jb);
    }
    let common = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    let skip = common.saturating_sub(SHOWN_CHARS / 3);
    if skip == 0 {
        return (ja, jb);
    }
    let from = |s: &str| {
        let rest: String = s.chars().skip(skip).collect();
        let shown = compact(&Value::from(rest));
        format!("\"…{}", shown.strip_prefix('"').unwrap_or(&shown))
    };
    (from(a), from(b))
}

/// One line per difference, each starting with `indent`:
/// `~ Resources.Queue.Properties.VisibilityTimeout: 360 → 720`, and after it
/// `  (replaces `Queue`: `QueueName` is create-only)` when deploying it replaces or
/// deletes a resource.
pub fn render_text(diffs: &[Difference], indent: &str) -> String {
    let mut out = String::new();
    for d in diffs {
        out.push_str(indent);
        out.push(d.op.symbol());
        out.push(' ');
        out.push_str(&d.path.to_string());
        match (&d.old, &d.new) {
            (Some(Value::String(a)), Some(Value::String(b))) => {
                let (a, b) = around_difference(a, b);
                out.push_str(&format!(": {a} → {b}"));
            }
            (Some(a), Some(b)) => out.push_str(&format!(": {} → {}", compact(a), compact(b))),
            (Some(v), None) | (None, Some(v)) => out.push_str(&format!(": {}", compact(v))),
            (None, None) => {}
        }
        if let Some(e) = &d.effect {
            out.push_str(&format!("  ({e})"));
        }
        out.push('\n');
    }
    out
}

/// The differences as JSON: `[{"path", "change", "old", "new", "effect", "resource"}]`,
/// values whole, `old`/`new` absent when there is none, `effect` (`replace` or
/// `delete`) and `resource` only when deploying it does more than update.
pub fn to_json(diffs: &[Difference]) -> Value {
    Value::Array(
        diffs
            .iter()
            .map(|d| {
                let mut m = Map::new();
                m.insert("path".into(), Value::String(d.path.to_string()));
                m.insert("change".into(), Value::String(d.op.name().into()));
                if let Some(v) = &d.old {
                    m.insert("old".into(), v.clone());
                }
                if let Some(v) = &d.new {
                    m.insert("new".into(), v.clone());
                }
                if let Some(e) = &d.effect {
                    m.insert("effect".into(), Value::String(e.name().into()));
                    m.insert("resource".into(), Value::String(e.resource().into()));
                    if let Effect::ReplacesCreateOnly { property, .. } = e {
                        m.insert("property".into(), Value::String(property.clone()));
                    }
                }
                Value::Object(m)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lines(old: Value, new: Value) -> String {
        render_text(&diff(&old, &new), "")
    }

    #[test]
    fn nested_maps_and_lists_by_index() {
        let old = json!({"a": {"b": 1, "c": [1, 2, 3]}, "gone": true, "same": "x"});
        let new = json!({"a": {"b": 2.0, "c": [1, 5]}, "new": {"k": null}, "same": "x"});
        assert_eq!(
            lines(old, new),
            "~ a.b: 1 → 2.0\n~ a.c[1]: 2 → 5\n- a.c[2]: 3\n- gone: true\n+ new: {\"k\":null}\n"
        );
        assert!(diff(&json!({"n": 1}), &json!({"n": 1.0})).is_empty());
        assert_eq!(lines(json!([]), json!({})), "~ (the document): [] → {}\n");
    }

    #[test]
    fn odd_keys_are_quoted_and_long_values_cut() {
        let long = "x".repeat(100);
        let out = lines(json!({"a.b": 1, "": 2}), json!({"a.b": 3, "": long}));
        assert!(out.starts_with("~ [\"\"]: 2 → \"xxx"), "{out}");
        assert!(out.contains("…\n"), "{out}");
        assert!(out.contains("~ [\"a.b\"]: 1 → 3\n"), "{out}");
        let a = format!("{} worker@1.0)", "x".repeat(80));
        let b = format!("{} worker@2.0)", "x".repeat(80));
        assert_eq!(
            lines(json!({"d": a}), json!({"d": b})),
            "~ d: \"…xxxxxxxxxxxx worker@1.0)\" → \"…xxxxxxxxxxxx worker@2.0)\"\n"
        );
    }

    #[test]
    fn resources_replaced_or_deleted_are_flagged() {
        let old = json!({"Resources": {
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "a", "VisibilityTimeout": 30}},
            "Bucket": {"Type": "AWS::S3::Bucket"},
            "Topic": {"Type": "AWS::SNS::Topic"},
        }});
        let new = json!({"Resources": {
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "b", "VisibilityTimeout": 60}},
            "Topic": {"Type": "AWS::SQS::Queue"},
            "Alarm": {"Type": "AWS::CloudWatch::Alarm"},
        }});
        assert_eq!(
            lines(old, new),
            "+ Resources.Alarm: {\"Type\":\"AWS::CloudWatch::Alarm\"}\n\
             - Resources.Bucket: {\"Type\":\"AWS::S3::Bucket\"}  (deletes `Bucket`)\n\
             ~ Resources.Queue.Properties.QueueName: \"a\" → \"b\"  (replaces `Queue`: `QueueName` is create-only)\n\
             ~ Resources.Queue.Properties.VisibilityTimeout: 30 → 60\n\
             ~ Resources.Topic.Type: \"AWS::SNS::Topic\" → \"AWS::SQS::Queue\"  (replaces `Topic`: its type changes)\n"
        );
    }

    #[test]
    fn terraform_resources_are_flagged_too() {
        let old = json!({"resource": {"aws_sqs_queue": {"q": {"name": "a", "visibility_timeout_seconds": 30}}}});
        let new = json!({"resource": {"aws_sqs_queue": {"q": {"name": "b", "visibility_timeout_seconds": 60}}}});
        let d = diff(&old, &new);
        let effects: Vec<Option<&str>> = d
            .iter()
            .map(|d| d.effect.as_ref().map(Effect::name))
            .collect();
        assert_eq!(effects, [Some("replace"), None]);
        let gone = diff(&old, &json!({"resource": {}}));
        assert_eq!(
            gone[0].effect,
            Some(Effect::Deletes {
                resource: "aws_sqs_queue.q".into()
            })
        );
    }

    #[test]
    fn deterministic_and_metadata_ignored() {
        let old = json!({"Metadata": {"Formwork": {"SourceHash": "sha256:1"}}, "B": 1, "A": [1]});
        let new = json!({"A": [2], "Metadata": {"Formwork": {"SourceHash": "sha256:2"}}, "B": 2});
        let first = diff(&old, &new);
        assert_eq!(first, diff(&old, &new));
        let paths: Vec<String> = first.iter().map(|d| d.path.to_string()).collect();
        assert_eq!(paths, ["A[0]", "B", "Metadata.Formwork.SourceHash"]);
        let stripped = diff(
            &without_formwork_metadata(old),
            &without_formwork_metadata(new),
        );
        assert_eq!(stripped.len(), 2);
        let kept = without_formwork_metadata(json!({"Metadata": {"Formwork": 1, "Other": 2}}));
        assert_eq!(kept, json!({"Metadata": {"Other": 2}}));
        assert_eq!(
            to_json(&stripped[..1]),
            json!([{"path": "A[0]", "change": "changed", "old": 1, "new": 2}])
        );
    }
}
