//! Spec values against a template's input schema: each given value has the declared
//! type (records, lists, maps, optionals, unions of literals, refinements), every
//! required input is given, no unknown one is, and a `Secret` is given as a
//! reference to a secret store, never as its value.
//!
//! Each error points at the value in the spec and, with a secondary label, at the
//! input's declaration in the template; the message says which side must change.
//! Defaults are not filled in: the caller evaluates them.

use std::collections::BTreeMap;

use crate::diagnostics::suggest::did_you_mean;
use crate::diagnostics::{Code, Diagnostic, codes};
use crate::spec::node::{MapEntry, NodeKind, SpecNode};
use crate::syntax::span::Span;
use crate::types::an;
use crate::types::conform::{Misfit, conform, range_text};
use crate::types::ty::{FieldTy, Lit, Ty};
use crate::types::value::Const;

/// The checked values of one set of inputs (an instance's, an environment's, a
/// pipeline's). Inputs left out are absent: their defaults are the caller's.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InputValues {
    pub values: BTreeMap<String, Const>,
    /// `Secret` inputs, by name (a secret inside a record or map by its path, like
    /// `db.password`): where the value is to be read at deploy time.
    pub secrets: BTreeMap<String, SecretRef>,
}

/// Where a secret lives. Neither carries the secret itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretRef {
    /// `{secretsmanager: NAME}` or `{secretsmanager: NAME, key: JSON_KEY}`: an AWS
    /// Secrets Manager secret (name or ARN), or one key of its JSON value.
    SecretsManager { name: String, key: Option<String> },
    /// `{ssm: NAME}`: an SSM Parameter Store `SecureString` parameter.
    SsmSecure { name: String },
}

/// Checks `values` (a `spec:` or `pipeline:` mapping) against `schema`, the inputs of
/// template `template_name`.
pub fn check_inputs(
    values: &SpecNode,
    schema: &BTreeMap<String, (FieldTy, Span)>,
    template_name: &str,
) -> (InputValues, Vec<Diagnostic>) {
    let mut c = InputChecker {
        template: template_name,
        out: InputValues::default(),
        diags: Vec::new(),
    };
    let empty = Vec::new();
    let entries = match &values.kind {
        NodeKind::Map(entries) => entries,
        NodeKind::Null => &empty,
        NodeKind::Invalid => return (c.out, c.diags),
        _ => {
            c.diags.push(
                Diagnostic::new(
                    codes::SPEC_TYPE_MISMATCH,
                    format!(
                        "the inputs of template `{template_name}` must be a mapping of names to values"
                    ),
                )
                .with_primary(values.span, format!("this is {}", values.describe()))
                .with_help("write one `name: value` line per input"),
            );
            return (c.out, c.diags);
        }
    };
    for e in entries {
        match schema.get(&e.key) {
            Some((field, decl)) => {
                let input = Input {
                    name: &e.key,
                    decl: *decl,
                    declared: &field.ty,
                    optional: field.optional,
                };
                if let Some(v) = c.value(&e.value, &field.ty, &Path::Input(&e.key), &input) {
                    c.out.values.insert(e.key.clone(), v);
                }
            }
            None => c.unknown_input(e, schema.keys().map(String::as_str)),
        }
    }
    for (name, (field, decl)) in schema {
        if !field.optional && !entries.iter().any(|e| &e.key == name) {
            c.diags.push(
                Diagnostic::new(
                    codes::MISSING_SPEC_INPUT,
                    format!(
                        "input `{name}` is required by template `{template_name}` but not given"
                    ),
                )
                .with_primary(values.span, format!("`{name}` is missing here"))
                .with_secondary(
                    *decl,
                    format!(
                        "`{name}` is declared here as `{}`, with no default",
                        field.ty
                    ),
                )
                .with_help(format!("add `{name}: …` to the spec")),
            );
        }
    }
    (c.out, c.diags)
}

/// Where a value is within an input (`health_check.path`, `subnets[2]`): written
/// out only for a message, so checking allocates nothing for it.
#[derive(Clone, Copy)]
enum Path<'a> {
    Input(&'a str),
    Field(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl Path<'_> {
    /// The last name on the path: the field or input itself.
    fn last(&self) -> String {
        match self {
            Path::Input(name) | Path::Field(_, name) => name.to_string(),
            Path::Index(parent, _) => parent.last(),
        }
    }
}

impl std::fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Path::Input(name) => write!(f, "{name}"),
            Path::Field(parent, name) => write!(f, "{parent}.{name}"),
            Path::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

/// The top-level input a value belongs to, for the secondary label.
struct Input<'a> {
    name: &'a str,
    decl: Span,
    declared: &'a Ty,
    optional: bool,
}

struct InputChecker<'t> {
    template: &'t str,
    out: InputValues,
    diags: Vec<Diagnostic>,
}

/// YAML 1.1 booleans that YAML 1.2 (and so formwork) reads as strings.
fn yaml11_bool(s: &str) -> Option<bool> {
    match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Some(true),
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Some(false),
        _ => None,
    }
}

fn lit_base(l: &Lit) -> Ty {
    match l {
        Lit::Bool(_) => Ty::Bool,
        Lit::Int(_) => Ty::Int,
        Lit::Number(_) => Ty::Number,
        Lit::String(_) => Ty::String,
    }
}

/// The node as a constant, unchecked (for `Any`).
fn to_const(n: &SpecNode) -> Const {
    match &n.kind {
        NodeKind::Null | NodeKind::Invalid => Const::Null,
        NodeKind::Bool(b) => Const::Lit(Lit::Bool(*b)),
        NodeKind::Int(i) => Const::Lit(Lit::Int(*i)),
        NodeKind::Float(f) => Const::Lit(Lit::Number(*f)),
        NodeKind::Str(s) => Const::Lit(Lit::String(s.clone())),
        NodeKind::Seq(items) => Const::List(items.iter().map(to_const).collect()),
        NodeKind::Map(entries) => Const::Map(
            entries
                .iter()
                .map(|e| (e.key.clone(), to_const(&e.value)))
                .collect(),
        ),
    }
}

/// A value shown in a message: short, one line.
fn shown(n: &SpecNode) -> String {
    match &n.kind {
        NodeKind::Str(s) => {
            let short: String = s.chars().take(40).collect();
            let dots = if short.len() < s.len() { "…" } else { "" };
            format!("{short:?}{dots}")
        }
        NodeKind::Int(i) => i.to_string(),
        NodeKind::Float(f) => f.to_string(),
        NodeKind::Bool(b) => b.to_string(),
        _ => n.describe().to_string(),
    }
}

impl InputChecker<'_> {
    fn error(
        &mut self,
        code: Code,
        message: String,
        at: &SpecNode,
        label: String,
        input: &Input<'_>,
    ) -> &mut Diagnostic {
        self.diags.push(
            Diagnostic::new(code, message)
                .with_primary(at.span, label)
                .with_secondary(
                    input.decl,
                    format!("`{}` is declared here as `{}`", input.name, input.declared),
                ),
        );
        let last = self.diags.len() - 1;
        &mut self.diags[last]
    }

    fn unknown_input<'a>(&mut self, e: &MapEntry, known: impl Iterator<Item = &'a str>) {
        let known: Vec<&str> = known.collect();
        let d = Diagnostic::new(
            codes::UNKNOWN_SPEC_INPUT,
            format!("template `{}` has no input `{}`", self.template, e.key),
        )
        .with_primary(e.key_span, "not an input of this template");
        let d = match did_you_mean(&e.key, known.iter().copied()) {
            Some(k) => d.with_help(format!("did you mean `{k}`?")),
            None if known.is_empty() => d.with_help(format!(
                "template `{}` takes no inputs here: remove this line",
                self.template
            )),
            None => d.with_help(format!(
                "remove it from the spec, or declare it in the template; the inputs are {}",
                list(&known)
            )),
        };
        self.diags.push(d);
    }

    /// Checks `n` against `ty`; its constant when it fits (and holds no secret).
    fn value(
        &mut self,
        n: &SpecNode,
        ty: &Ty,
        path: &Path<'_>,
        input: &Input<'_>,
    ) -> Option<Const> {
        if n.kind == NodeKind::Invalid {
            return None;
        }
        match ty {
            Ty::Error | Ty::Any => Some(to_const(n)),
            Ty::Optional(_) | Ty::Null if matches!(n.kind, NodeKind::Null) => Some(Const::Null),
            Ty::Optional(inner) => self.value(n, inner, path, input),
            Ty::Secret => {
                let r = self.secret(n, path, input)?;
                self.out.secrets.insert(path.to_string(), r);
                None
            }
            Ty::Null | Ty::Bool | Ty::Int | Ty::Number | Ty::String => {
                self.scalar(n, ty, path, input)
            }
            Ty::Lit(l) => {
                let c = self.scalar(n, &lit_base(l), path, input)?;
                match conform(&c, ty) {
                    Ok(()) => Some(c),
                    Err(_) => {
                        self.not_allowed(n, &[l.to_string()], path, input);
                        None
                    }
                }
            }
            Ty::Union(members) => self.union(n, ty, members, path, input),
            Ty::Refined(base, _) => {
                let c = self.value(n, base, path, input)?;
                match conform(&c, ty) {
                    Ok(()) => Some(c),
                    Err(m) => {
                        self.misfit(n, &m, path, input);
                        None
                    }
                }
            }
            Ty::List(item) => {
                let NodeKind::Seq(items) = &n.kind else {
                    self.mismatch(n, ty, path, input);
                    return None;
                };
                let mut out = Vec::with_capacity(items.len());
                let mut ok = true;
                for (i, item_node) in items.iter().enumerate() {
                    match self.value(item_node, item, &Path::Index(path, i), input) {
                        Some(c) => out.push(c),
                        None => ok = false,
                    }
                }
                ok.then_some(Const::List(out))
            }
            Ty::Map(item) => {
                let NodeKind::Map(entries) = &n.kind else {
                    self.mismatch(n, ty, path, input);
                    return None;
                };
                let mut out = Vec::with_capacity(entries.len());
                let mut ok = true;
                for e in entries {
                    match self.value(&e.value, item, &Path::Field(path, &e.key), input) {
                        Some(c) => out.push((e.key.clone(), c)),
                        None => ok = false,
                    }
                }
                ok.then_some(Const::Map(out))
            }
            Ty::Record(fields) => self.record(n, ty, fields, path, input),
            Ty::Resource { .. } | Ty::Module(_) => {
                self.mismatch(n, ty, path, input);
                None
            }
        }
    }

    fn scalar(
        &mut self,
        n: &SpecNode,
        ty: &Ty,
        path: &Path<'_>,
        input: &Input<'_>,
    ) -> Option<Const> {
        let c = match (ty, &n.kind) {
            (Ty::Null, NodeKind::Null) => Const::Null,
            (Ty::Bool, NodeKind::Bool(b)) => Const::Lit(Lit::Bool(*b)),
            (Ty::Int, NodeKind::Int(i)) => Const::Lit(Lit::Int(*i)),
            (Ty::Number, NodeKind::Int(i)) => Const::Lit(Lit::Int(*i)),
            (Ty::Number, NodeKind::Float(f)) if f.is_finite() => Const::Lit(Lit::Number(*f)),
            (Ty::String, NodeKind::Str(s)) => Const::Lit(Lit::String(s.clone())),
            _ => {
                self.mismatch(n, ty, path, input);
                return None;
            }
        };
        Some(c)
    }

    fn mismatch(&mut self, n: &SpecNode, ty: &Ty, path: &Path<'_>, input: &Input<'_>) {
        let given = match &n.kind {
            NodeKind::Float(f) if !f.is_finite() => "a number that is not finite",
            _ => n.describe(),
        };
        let message = format!(
            "input `{path}` must be {}, but the spec gives {given}",
            an(ty)
        );
        let label = format!("{given}, expected {}", an(ty));
        let base = ty.base();
        let help: Option<String> = match (&base, &n.kind) {
            (Ty::String, NodeKind::Int(_) | NodeKind::Float(_)) => Some(format!(
                "put the value in quotes: unquoted, YAML reads it as the number {}",
                shown(n)
            )),
            (Ty::String, NodeKind::Bool(b)) => Some(format!(
                "put the value in quotes: unquoted, YAML reads it as the boolean `{b}`"
            )),
            (
                Ty::List(_),
                NodeKind::Str(_) | NodeKind::Int(_) | NodeKind::Float(_) | NodeKind::Bool(_),
            ) => Some("write a list: `[a, b]`, or one `- item` per line".into()),
            (Ty::Int | Ty::Number, NodeKind::Str(s)) if s.trim().parse::<f64>().is_ok() => {
                Some("remove the quotes: a quoted number is a string".into())
            }
            (Ty::Int, NodeKind::Float(f)) if f.is_finite() && f.fract() == 0.0 => {
                Some(format!("write it without a decimal point: `{}`", *f as i64))
            }
            (Ty::Bool, NodeKind::Str(s)) if n.plain && yaml11_bool(s).is_some() => {
                Some(format!("write `{}`", yaml11_bool(s).unwrap_or_default()))
            }
            (Ty::Bool, NodeKind::Str(_)) => Some("write `true` or `false`".into()),
            (_, NodeKind::Null) if input.optional && matches!(path, Path::Input(_)) => {
                Some(format!(
                    "give a value, or remove the line to use the default of `{}`",
                    input.name
                ))
            }
            _ => None,
        };
        let note = match (&base, &n.kind) {
            (Ty::Bool, NodeKind::Str(s)) if n.plain && yaml11_bool(s).is_some() => Some(format!(
                "YAML 1.1 would read `{s}` as a boolean; formwork reads YAML 1.2, where it is the string {s:?}"
            )),
            _ => None,
        };
        let d = self.error(codes::SPEC_TYPE_MISMATCH, message, n, label, input);
        d.help = help;
        d.notes.extend(note);
    }

    fn union(
        &mut self,
        n: &SpecNode,
        ty: &Ty,
        members: &[Ty],
        path: &Path<'_>,
        input: &Input<'_>,
    ) -> Option<Const> {
        let lits: Vec<&Lit> = members
            .iter()
            .filter_map(|m| match m {
                Ty::Lit(l) => Some(l),
                _ => None,
            })
            .collect();
        if lits.len() == members.len() {
            let c = to_const(n);
            if conform(&c, ty).is_ok() {
                return Some(c);
            }
            let same_base = lits.iter().any(|l| {
                matches!(
                    (lit_base(l), &n.kind),
                    (Ty::String, NodeKind::Str(_))
                        | (Ty::Bool, NodeKind::Bool(_))
                        | (Ty::Int | Ty::Number, NodeKind::Int(_) | NodeKind::Float(_))
                )
            });
            if same_base {
                let options: Vec<String> = lits.iter().map(|l| l.to_string()).collect();
                self.not_allowed(n, &options, path, input);
            } else {
                self.mismatch(n, ty, path, input);
            }
            return None;
        }
        // A general union: the first member the value fits, without reporting the
        // members it does not.
        for m in members {
            let mut trial = InputChecker {
                template: self.template,
                out: InputValues::default(),
                diags: Vec::new(),
            };
            if let Some(c) = trial.value(n, m, path, input)
                && trial.diags.is_empty()
            {
                self.out.secrets.extend(trial.out.secrets);
                return Some(c);
            }
            if trial.diags.is_empty() && !trial.out.secrets.is_empty() {
                self.out.secrets.extend(trial.out.secrets);
                return None;
            }
        }
        self.mismatch(n, ty, path, input);
        None
    }

    fn record(
        &mut self,
        n: &SpecNode,
        ty: &Ty,
        fields: &BTreeMap<String, FieldTy>,
        path: &Path<'_>,
        input: &Input<'_>,
    ) -> Option<Const> {
        let NodeKind::Map(entries) = &n.kind else {
            self.mismatch(n, ty, path, input);
            return None;
        };
        let mut out = Vec::with_capacity(entries.len());
        let mut ok = true;
        for e in entries {
            let Some(f) = fields.get(&e.key) else {
                ok = false;
                let names: Vec<&str> = fields.keys().map(String::as_str).collect();
                let d = Diagnostic::new(
                    codes::UNKNOWN_SPEC_INPUT,
                    format!("input `{path}` has no field `{}`", e.key),
                )
                .with_primary(e.key_span, format!("not a field of `{path}`"))
                .with_secondary(
                    input.decl,
                    format!("`{}` is declared here as `{}`", input.name, input.declared),
                );
                let d = match did_you_mean(&e.key, names.iter().copied()) {
                    Some(k) => d.with_help(format!("did you mean `{k}`?")),
                    None => d.with_help(format!("the fields of `{path}` are {}", list(&names))),
                };
                self.diags.push(d);
                continue;
            };
            match self.value(&e.value, &f.ty, &Path::Field(path, &e.key), input) {
                Some(c) => out.push((e.key.clone(), c)),
                None => ok = false,
            }
        }
        for (name, f) in fields {
            if !f.optional && !entries.iter().any(|e| &e.key == name) {
                ok = false;
                let message = format!("input `{path}` lacks the required field `{name}`");
                let label = format!("`{name}` is missing here");
                self.error(codes::MISSING_SPEC_INPUT, message, n, label, input)
                    .help = Some(format!("add `{name}: …` to `{path}`"));
            }
        }
        ok.then_some(Const::Map(out))
    }

    fn not_allowed(
        &mut self,
        n: &SpecNode,
        options: &[String],
        path: &Path<'_>,
        input: &Input<'_>,
    ) {
        let template = self.template;
        let message = format!(
            "input `{path}` is {}, which template `{template}` does not allow",
            shown(n)
        );
        let label = format!("not one of {}", options.join(", "));
        let typo = match &n.kind {
            NodeKind::Str(s) => {
                let quoted: Vec<String> = options.to_vec();
                did_you_mean(&format!("{s:?}"), quoted.iter().map(String::as_str))
                    .map(str::to_string)
            }
            _ => None,
        };
        let help = match typo {
            Some(t) => format!("did you mean {t}?"),
            None => format!("use one of {}", options.join(", ")),
        };
        self.error(codes::SPEC_VALUE_NOT_ALLOWED, message, n, label, input)
            .help = Some(help);
    }

    fn misfit(&mut self, n: &SpecNode, m: &Misfit, path: &Path<'_>, input: &Input<'_>) {
        let value = shown(n);
        let (code, message, label, help) = match m {
            Misfit::OutOfRange { lo, hi } => (
                codes::SPEC_VALUE_OUT_OF_RANGE,
                format!(
                    "input `{path}` is {value}, outside its range {}",
                    range_text(lo, hi)
                ),
                format!("outside {}", range_text(lo, hi)),
                match (lo, hi) {
                    (Some(l), Some(h)) => format!("use a value from {l} to {h}"),
                    (Some(l), None) => format!("use a value of at least {l}"),
                    (None, Some(h)) => format!("use a value of at most {h}"),
                    (None, None) => "use a value within the range".into(),
                },
            ),
            Misfit::Length { lo, hi, actual } => {
                let bounds = format!(
                    "{}..{}",
                    lo.map(|v| v.to_string()).unwrap_or_default(),
                    hi.map(|v| v.to_string()).unwrap_or_default()
                );
                let unit = if matches!(n.kind, NodeKind::Seq(_)) {
                    "items"
                } else {
                    "characters"
                };
                (
                    codes::SPEC_LENGTH_OUT_OF_RANGE,
                    format!("input `{path}` has {actual} {unit}, outside {bounds}"),
                    format!("{actual} {unit}, outside {bounds}"),
                    match (lo, hi) {
                        (Some(l), Some(h)) => format!("use {l} to {h} {unit}"),
                        (Some(l), None) => format!("use at least {l} {unit}"),
                        (None, Some(h)) => format!("use at most {h} {unit}"),
                        (None, None) => format!("change the number of {unit}"),
                    },
                )
            }
            Misfit::Pattern(p) => (
                codes::SPEC_PATTERN_MISMATCH,
                format!("input `{path}` is {value}, which does not match its pattern"),
                format!("does not match /{p}/"),
                format!("give `{path}` a value matching /{p}/"),
            ),
            Misfit::NotOneOf(options) => {
                self.not_allowed(n, options, path, input);
                return;
            }
            Misfit::Type | Misfit::At(..) => {
                self.mismatch(n, input.declared, path, input);
                return;
            }
        };
        self.error(code, message, n, label, input).help = Some(help);
    }

    /// A `Secret` must be a reference to a secret store: a plain value in a spec
    /// file (kept in git) is a leak.
    fn secret(&mut self, n: &SpecNode, path: &Path<'_>, input: &Input<'_>) -> Option<SecretRef> {
        let reference_help = || {
            format!(
                "store the secret in AWS Secrets Manager and write `{name}: {{secretsmanager: NAME}}` (with `key: JSON_KEY` for one key of a JSON secret), or as an SSM SecureString parameter and write `{name}: {{ssm: NAME}}`",
                name = path.last()
            )
        };
        let NodeKind::Map(entries) = &n.kind else {
            if matches!(n.kind, NodeKind::Seq(_) | NodeKind::Null) {
                let label = format!("{}, expected a secret reference", n.describe());
                let message = format!("input `{path}` must be a reference to a secret");
                self.error(codes::INVALID_SECRET_REFERENCE, message, n, label, input)
                    .help = Some(reference_help());
                return None;
            }
            // The value is not repeated anywhere in the diagnostic.
            let message = format!("secret input `{path}` is written in plain text in the spec");
            let d = self.error(
                codes::PLAIN_SECRET_IN_SPEC,
                message,
                n,
                "a secret value in plain text".into(),
                input,
            );
            d.help = Some(reference_help());
            d.redact.push(n.span);
            d.notes.push(
                "a spec file is kept in git: anyone who can read the repository can read this value, so change the secret once it is removed".into(),
            );
            return None;
        };
        let get = |k: &str| entries.iter().find(|e| e.key == k);
        let bad = |this: &mut Self, at: &SpecNode, label: String| {
            let message = format!("input `{path}` is not a valid secret reference");
            this.error(codes::INVALID_SECRET_REFERENCE, message, at, label, input)
                .help = Some(reference_help());
            None
        };
        for e in entries {
            if !matches!(e.key.as_str(), "secretsmanager" | "ssm" | "key") {
                let at = SpecNode::empty_map(e.key_span);
                return bad(
                    self,
                    &at,
                    format!("unknown key `{}` in a secret reference", e.key),
                );
            }
        }
        let name_of = |e: &MapEntry| match &e.value.kind {
            NodeKind::Str(s) if !s.trim().is_empty() && !s.contains(char::is_whitespace) => {
                Some(s.clone())
            }
            _ => None,
        };
        match (get("secretsmanager"), get("ssm"), get("key")) {
            (Some(sm), None, key) => {
                let Some(name) = name_of(sm) else {
                    return bad(self, &sm.value, "expected the secret's name or ARN".into());
                };
                let key = match key {
                    None => None,
                    Some(k) => match name_of(k) {
                        Some(k) => Some(k),
                        None => {
                            return bad(
                                self,
                                &k.value,
                                "expected a key of the secret's JSON value".into(),
                            );
                        }
                    },
                };
                Some(SecretRef::SecretsManager { name, key })
            }
            (None, Some(ssm), None) => match name_of(ssm) {
                Some(name) => Some(SecretRef::SsmSecure { name }),
                None => bad(self, &ssm.value, "expected the parameter's name".into()),
            },
            (None, Some(_), Some(k)) => {
                let at = SpecNode::empty_map(k.key_span);
                bad(self, &at, "`key:` goes with `secretsmanager:` only".into())
            }
            (Some(_), Some(ssm), _) => {
                let at = SpecNode::empty_map(ssm.key_span);
                bad(
                    self,
                    &at,
                    "give `secretsmanager:` or `ssm:`, not both".into(),
                )
            }
            (None, None, _) => bad(self, n, "expected `secretsmanager:` or `ssm:`".into()),
        }
    }
}

/// `a`, `b` and `c`, each in backticks (at most ten, then "…").
fn list(names: &[&str]) -> String {
    let mut shown: Vec<String> = names.iter().take(10).map(|n| format!("`{n}`")).collect();
    if names.len() > 10 {
        shown.push("…".into());
    }
    shown.join(", ")
}
