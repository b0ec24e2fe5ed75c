//! `formwork schema`: a JSON Schema (draft 2020-12) of a template's spec files, so
//! that YAML and JSON editors validate parameter files as they are typed.
//!
//! The schema mirrors what `spec/` accepts: Proton's layout (`spec/layout.rs`: the
//! allowed keys, `template: NAME@VERSION`, instance names that are stack names) and
//! each input's type (`spec/inputs.rs`: closed records, `T?` admitting `null`, a
//! `Secret` as a reference to a secret store, literal unions as `enum`, refinements as
//! `minimum`/`maximum`, `minLength`/`maxLength`, `minItems`/`maxItems` and `pattern`).
//! Titles, descriptions (`///` comments) and defaults come from the template's AST.
//!
//! A few rules JSON Schema cannot say, so the schema accepts what formwork refuses:
//! `8.0` for an `Int` (JSON has one number type: `8.0` and `8` are the same value),
//! two instances with the same name, and YAML-level hazards (duplicate keys, alias
//! bombs, numbers too large). `grammar/REFERENCE.md` §10 lists them. No IO.

use std::collections::BTreeMap;

use crate::codegen::doc::{Node, to_json};
use crate::compile::{Failure, Selector, find_template};
use crate::diagnostics::Diagnostic;
use crate::resolve::{DeclId, Program};
use crate::syntax::ast::{
    self, BodyItem, DeclKind, ExprKind, Literal, MapKey, NumberValue, TypeExpr, TypeKind, UnaryOp,
};
use crate::syntax::span::SourceMap;
use crate::types::Checker;
use crate::types::Signature;
use crate::types::ty::{FieldTy, Lit, Refinement, Ty};

/// The JSON Schema dialect every exported schema declares.
pub const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// An instance's or environment's name: a CloudFormation stack name, as
/// [`crate::spec::is_stack_name`] checks it.
pub const STACK_NAME_PATTERN: &str = "^[A-Za-z][A-Za-z0-9-]*$";

/// A secret's or parameter's name in a secret reference: not empty, no whitespace.
const SECRET_NAME_PATTERN: &str = "^\\S+$";

/// `MAJOR.MINOR`, as [`crate::resolve::Version::parse`] reads it (no leading zeros).
const VERSION_PATTERN: &str = "(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)";

/// Which spec file, or which part of one, the schema describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// A whole environment spec file (`proton: EnvironmentSpec`).
    Environment,
    /// A whole service spec file: each instance's `spec:`, and `pipeline:`.
    Instance,
    /// A service spec's `pipeline:` mapping alone.
    Pipeline,
}

impl Part {
    pub fn name(self) -> &'static str {
        match self {
            Part::Environment => "environment",
            Part::Instance => "instance",
            Part::Pipeline => "pipeline",
        }
    }
}

/// Checks the workspace in `map`, finds the template `selector` names and returns its
/// spec schema as pretty JSON (with a final newline). `part` defaults to the
/// template's kind: `environment` for an environment, `instance` for a service.
pub fn export(
    map: &mut SourceMap,
    unreadable: Vec<Diagnostic>,
    selector: &Selector,
    part: Option<Part>,
) -> Result<String, Failure> {
    let (program, diags) = crate::check::build_and_check(map, unreadable);
    if diags.iter().any(Diagnostic::is_error) {
        return Err(diags.into());
    }
    let decl = find_template(&program, selector)?;
    let mut checker = Checker::new(&program);
    let Some(sig) = checker.signature(decl) else {
        return Err(Failure::Diagnostics(vec![]));
    };
    let schema = spec_schema(&program, decl, &sig, part).map_err(Failure::Usage)?;
    Ok(to_json(&schema))
}

/// The schema of `part` of the spec files of template `decl`, whose checked signature
/// is `sig`. An error (a usage mistake) when the template has no such part.
pub fn spec_schema(
    program: &Program,
    decl: DeclId,
    sig: &Signature,
    part: Option<Part>,
) -> Result<Node, String> {
    let Some(d) = program.decl(decl) else {
        return Err("the template was not found".into());
    };
    let name = d.name.as_plain().unwrap_or_default();
    let version = Program::version_of(d);
    let part = part.unwrap_or(match d.kind {
        DeclKind::Environment => Part::Environment,
        _ => Part::Instance,
    });
    match (d.kind, part) {
        (DeclKind::Module, _) => {
            return Err(format!(
                "`{name}` is a module: only environment and service templates have spec files"
            ));
        }
        (DeclKind::Environment, Part::Instance | Part::Pipeline) => {
            return Err(format!(
                "`{name}` is an environment template: its spec has no `{}` part; use `--part environment`",
                part.name()
            ));
        }
        (DeclKind::Service, Part::Environment) => {
            return Err(format!(
                "`{name}` is a service template: use `--part instance` or `--part pipeline`"
            ));
        }
        _ => {}
    }
    let mut b = Builder::default();
    let versioned = match version {
        Some(v) => format!("{name}@{v}"),
        None => name.clone(),
    };
    let mut root: Vec<(String, Node)> = vec![("$schema".into(), Node::str(DIALECT))];
    match part {
        Part::Environment => {
            root.push((
                "title".into(),
                Node::str(format!("{versioned} environment spec")),
            ));
            root.extend(description(d).map(|t| ("description".to_string(), Node::str(t))));
            let (spec, required) = b.inputs(&sig.inputs, input_fields(d, false), "spec");
            let mut req = vec!["proton"];
            if required {
                req.push("spec");
            }
            root.extend(file_object(
                vec![
                    ("proton".into(), proton("EnvironmentSpec")),
                    ("template".into(), template_ref(&name)),
                    ("spec".into(), spec),
                ],
                &req,
            ));
        }
        Part::Instance => {
            root.push((
                "title".into(),
                Node::str(format!("{versioned} service spec")),
            ));
            root.extend(description(d).map(|t| ("description".to_string(), Node::str(t))));
            let (spec, required) = b.inputs(&sig.inputs, input_fields(d, false), "spec");
            let (pipeline, pipeline_required) =
                b.inputs(&sig.pipeline_inputs, input_fields(d, true), "pipeline");
            // formwork checks a spec's pipeline inputs when the template has a pipeline
            // (or the spec gives them): then required ones make `pipeline:` required.
            let has_pipeline = d.pipeline().is_some();
            let mut file_req = vec!["proton", "instances"];
            if pipeline_required && has_pipeline {
                file_req.push("pipeline");
            }
            let mut instance_req = vec!["name", "environment"];
            if required {
                instance_req.push("spec");
            }
            let instance = object(vec![
                (
                    "title".into(),
                    Node::str(format!("an instance of `{name}`")),
                ),
                ("type".into(), Node::str("object")),
                (
                    "properties".into(),
                    Node::Map(vec![
                        (
                            "name".into(),
                            stack_name(
                                "The instance's name, unique in this service: its stack's name",
                            ),
                        ),
                        (
                            "environment".into(),
                            stack_name("The environment to deploy the instance into"),
                        ),
                        ("template".into(), template_ref(&name)),
                        ("spec".into(), spec),
                    ]),
                ),
                ("required".into(), strings(&instance_req)),
                ("additionalProperties".into(), Node::Bool(false)),
            ]);
            let instances = object(vec![
                ("title".into(), Node::str("instances")),
                ("type".into(), types(&["array", "null"])),
                ("items".into(), instance),
            ]);
            root.extend(file_object(
                vec![
                    ("proton".into(), proton("ServiceSpec")),
                    ("template".into(), template_ref(&name)),
                    (
                        "pipeline_provider".into(),
                        object(vec![
                            ("title".into(), Node::str("pipeline provider")),
                            (
                                "enum".into(),
                                Node::List(
                                    crate::spec::PIPELINE_PROVIDERS
                                        .iter()
                                        .map(|p| Node::str(*p))
                                        .collect(),
                                ),
                            ),
                        ]),
                    ),
                    ("pipeline".into(), pipeline),
                    ("instances".into(), instances),
                ],
                &file_req,
            ));
        }
        Part::Pipeline => {
            root.push((
                "title".into(),
                Node::str(format!("{versioned} pipeline inputs")),
            ));
            let (pipeline, _) = b.inputs(&sig.pipeline_inputs, input_fields(d, true), "pipeline");
            if let Node::Map(entries) = pipeline {
                // The mapping itself, not a file's optional key: `null` is not one.
                root.extend(
                    entries
                        .into_iter()
                        .filter(|(k, _)| k != "title")
                        .map(|(k, v)| match k.as_str() {
                            "type" => (k, Node::str("object")),
                            _ => (k, v),
                        }),
                );
            }
        }
    }
    if b.secret_used {
        root.push((
            "$defs".into(),
            Node::Map(vec![("secret".into(), secret_schema())]),
        ));
    }
    Ok(Node::Map(root))
}

fn object(entries: Vec<(String, Node)>) -> Node {
    Node::Map(entries)
}

fn strings(items: &[&str]) -> Node {
    Node::List(items.iter().map(|s| Node::str(*s)).collect())
}

fn types(items: &[&str]) -> Node {
    strings(items)
}

/// A spec file's top level: its keys, which are required, and no others.
fn file_object(properties: Vec<(String, Node)>, required: &[&str]) -> Vec<(String, Node)> {
    vec![
        ("type".into(), Node::str("object")),
        ("properties".into(), Node::Map(properties)),
        ("required".into(), strings(required)),
        ("additionalProperties".into(), Node::Bool(false)),
    ]
}

fn proton(kind: &str) -> Node {
    object(vec![
        (
            "description".into(),
            Node::str("The spec's kind (AWS Proton's format)"),
        ),
        ("const".into(), Node::str(kind)),
    ])
}

/// `template: NAME` or `template: NAME@MAJOR.MINOR`, naming this template.
fn template_ref(name: &str) -> Node {
    object(vec![
        (
            "description".into(),
            Node::str("The template and, optionally, its version: `NAME@MAJOR.MINOR`"),
        ),
        ("type".into(), Node::str("string")),
        (
            "pattern".into(),
            Node::str(format!("^{}(@{VERSION_PATTERN})?$", escape_regex(name))),
        ),
    ])
}

fn stack_name(what: &str) -> Node {
    object(vec![
        (
            "description".into(),
            Node::str(format!(
                "{what}; letters, digits and hyphens, starting with a letter, at most 128 characters (a CloudFormation stack name)"
            )),
        ),
        ("type".into(), Node::str("string")),
        ("pattern".into(), Node::str(STACK_NAME_PATTERN)),
        ("maxLength".into(), Node::Int(128)),
    ])
}

/// Escapes ECMA-262's syntax characters (a template name holds letters, digits and
/// `-_./`, of which only `.` is one).
fn escape_regex(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "^$\\.*+?()[]{}|".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn secret_schema() -> Node {
    let name = || {
        object(vec![
            ("type".into(), Node::str("string")),
            ("pattern".into(), Node::str(SECRET_NAME_PATTERN)),
        ])
    };
    let reference = |properties: Vec<(String, Node)>, required: &str| {
        object(vec![
            ("type".into(), Node::str("object")),
            ("properties".into(), Node::Map(properties)),
            ("required".into(), strings(&[required])),
            ("additionalProperties".into(), Node::Bool(false)),
        ])
    };
    object(vec![
        ("title".into(), Node::str("secret reference")),
        (
            "description".into(),
            Node::str(
                "Where the secret is stored, never its value: `{secretsmanager: NAME}` (an AWS Secrets Manager secret's name or ARN; add `key: JSON_KEY` for one key of a JSON secret) or `{ssm: NAME}` (an SSM Parameter Store SecureString parameter)",
            ),
        ),
        (
            "oneOf".into(),
            Node::List(vec![
                reference(
                    vec![("secretsmanager".into(), name()), ("key".into(), name())],
                    "secretsmanager",
                ),
                reference(vec![("ssm".into(), name())], "ssm"),
            ]),
        ),
    ])
}

/// The template's `description = "…"`, or its `///` comment.
fn description(d: &ast::Decl) -> Option<String> {
    let attribute = d.body.iter().find_map(|b| match b {
        BodyItem::Attribute(a) if a.name.name == "description" => match &a.value.kind {
            ExprKind::String(s) => s.as_plain(),
            _ => None,
        },
        _ => None,
    });
    attribute.or_else(|| d.doc.as_ref().map(doc_text))
}

/// The fields of the template's `input` (or `pipeline input`) blocks, in order.
fn input_fields(d: &ast::Decl, pipeline: bool) -> Vec<&ast::Field> {
    d.body
        .iter()
        .filter_map(|b| match b {
            BodyItem::Input(block) if block.pipeline == pipeline => Some(&block.fields),
            _ => None,
        })
        .flatten()
        .collect()
}

/// A `///` comment as a description: lines of one paragraph joined by spaces,
/// paragraphs by a blank line.
fn doc_text(doc: &ast::Doc) -> String {
    let mut out = String::new();
    let mut blank = false;
    for line in &doc.lines {
        let line = line.trim();
        if line.is_empty() {
            blank = !out.is_empty();
            continue;
        }
        if blank {
            out.push_str("\n\n");
            blank = false;
        } else if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(line);
    }
    out
}

/// A default written out in the template, as a JSON value. `None` for anything but
/// literals, lists and maps of them (the checker refuses other defaults anyway).
fn constant(e: &ast::Expr) -> Option<Node> {
    match &e.kind {
        ExprKind::Literal(Literal::Bool(b)) => Some(Node::Bool(*b)),
        ExprKind::Literal(Literal::Null) => Some(Node::Null),
        ExprKind::Literal(Literal::Number(n)) => Some(number(n.value)),
        ExprKind::String(s) => s.as_plain().map(Node::String),
        ExprKind::List { items, .. } => items
            .iter()
            .map(constant)
            .collect::<Option<_>>()
            .map(Node::List),
        ExprKind::Map { entries, .. } => entries
            .iter()
            .map(|entry| {
                let key = match &entry.key {
                    MapKey::Ident(i) => Some(i.name.to_string()),
                    MapKey::String(s) => s.as_plain(),
                }?;
                Some((key, constant(&entry.value)?))
            })
            .collect::<Option<_>>()
            .map(Node::Map),
        ExprKind::Unary {
            op: UnaryOp::Neg,
            operand,
        } => match constant(operand)? {
            Node::Int(i) => i.checked_neg().map(Node::Int),
            Node::Number(f) => Some(Node::Number(-f)),
            _ => None,
        },
        ExprKind::Paren(inner) => constant(inner),
        _ => None,
    }
}

fn number(v: NumberValue) -> Node {
    match v {
        NumberValue::Int(i) => Node::Int(i),
        NumberValue::Float(f) => Node::Number(f),
    }
}

/// A bound: an integer when it is one (`1`, not `1.0`, for an `Int in 1..10`).
fn bound(v: f64) -> Node {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        Node::Int(v as i64)
    } else {
        Node::Number(v)
    }
}

fn lit(l: &Lit) -> Node {
    match l {
        Lit::Bool(b) => Node::Bool(*b),
        Lit::Int(i) => Node::Int(*i),
        Lit::Number(n) => Node::Number(*n),
        Lit::String(s) => Node::str(s.clone()),
    }
}

/// The type expression under parentheses.
fn peel(src: Option<&TypeExpr>) -> Option<&TypeExpr> {
    let mut src = src?;
    while let TypeKind::Paren(inner) = &src.kind {
        src = inner;
    }
    Some(src)
}

#[derive(Default)]
struct Builder {
    /// A `Secret` was met: the schema needs `$defs/secret`.
    secret_used: bool,
}

impl Builder {
    /// The schema of a `spec:` or `pipeline:` mapping of inputs, and whether any input
    /// is required. When none is, the key may be left blank (`null`), as formwork reads
    /// a blank mapping as an empty one.
    fn inputs(
        &mut self,
        inputs: &BTreeMap<String, (FieldTy, crate::syntax::span::Span)>,
        fields: Vec<&ast::Field>,
        key: &str,
    ) -> (Node, bool) {
        let fields_ty: Vec<(&str, &FieldTy)> =
            inputs.iter().map(|(k, (f, _))| (k.as_str(), f)).collect();
        let (properties, required) = self.properties(&fields_ty, &fields);
        let any_required = !required.is_empty();
        let ty = if any_required {
            Node::str("object")
        } else {
            types(&["object", "null"])
        };
        let title = match key {
            "pipeline" => "pipeline inputs",
            _ => "inputs",
        };
        let mut entries = vec![
            ("title".to_string(), Node::str(title)),
            ("type".to_string(), ty),
            ("properties".to_string(), Node::Map(properties)),
        ];
        if any_required {
            entries.push(("required".into(), Node::List(required)));
        }
        entries.push(("additionalProperties".into(), Node::Bool(false)));
        (Node::Map(entries), any_required)
    }

    /// Each field's schema, in the template's order, and the names of the required
    /// fields (neither optional nor defaulted).
    fn properties(
        &mut self,
        fields: &[(&str, &FieldTy)],
        source: &[&ast::Field],
    ) -> (Vec<(String, Node)>, Vec<Node>) {
        let position = |name: &str| {
            source
                .iter()
                .position(|f| f.name.name == name)
                .unwrap_or(usize::MAX)
        };
        let mut ordered: Vec<&(&str, &FieldTy)> = fields.iter().collect();
        ordered.sort_by_key(|(name, _)| (position(name), *name));
        let mut properties = Vec::new();
        let mut required = Vec::new();
        for (name, field) in ordered {
            let ast_field = source.iter().find(|f| f.name.name == *name);
            let mut entries = vec![("title".to_string(), Node::str(*name))];
            if let Some(doc) = ast_field.and_then(|f| f.doc.as_ref()) {
                entries.push(("description".into(), Node::str(doc_text(doc))));
            }
            entries.extend(self.ty(&field.ty, ast_field.map(|f| &f.ty)));
            if let Some(default) = ast_field
                .and_then(|f| f.default.as_ref())
                .and_then(constant)
            {
                entries.push(("default".into(), default));
            }
            if !field.optional {
                required.push(Node::str(*name));
            }
            properties.push((name.to_string(), Node::Map(entries)));
        }
        (properties, required)
    }

    /// The keywords that say `t`. `src` is the type as written, when it is at hand,
    /// for the docs and defaults of a record's fields.
    fn ty(&mut self, t: &Ty, src: Option<&TypeExpr>) -> Vec<(String, Node)> {
        let src = peel(src);
        let kv = |k: &str, v: Node| vec![(k.to_string(), v)];
        match t {
            Ty::Error | Ty::Any => vec![],
            Ty::Null => kv("type", Node::str("null")),
            Ty::Bool => kv("type", Node::str("boolean")),
            Ty::Int => kv("type", Node::str("integer")),
            Ty::Number => kv("type", Node::str("number")),
            Ty::String => kv("type", Node::str("string")),
            Ty::Secret => {
                self.secret_used = true;
                kv("$ref", Node::str("#/$defs/secret"))
            }
            Ty::Lit(l) => kv("const", lit(l)),
            Ty::Union(members) => {
                let lits: Vec<Node> = members
                    .iter()
                    .filter_map(|m| match m {
                        Ty::Lit(l) => Some(lit(l)),
                        _ => None,
                    })
                    .collect();
                if lits.len() == members.len() {
                    return kv("enum", Node::List(lits));
                }
                let sources: Vec<Option<&TypeExpr>> = match src.map(|s| &s.kind) {
                    Some(TypeKind::Union(exprs)) if exprs.len() == members.len() => {
                        exprs.iter().map(Some).collect()
                    }
                    _ => vec![None; members.len()],
                };
                let any_of = members
                    .iter()
                    .zip(sources)
                    .map(|(m, s)| Node::Map(self.ty(m, s)))
                    .collect();
                kv("anyOf", Node::List(any_of))
            }
            Ty::Optional(inner) => {
                let inner_src = match src.map(|s| &s.kind) {
                    Some(TypeKind::Optional(i)) => Some(&**i),
                    _ => None,
                };
                let inner = Node::Map(self.ty(inner, inner_src));
                kv(
                    "anyOf",
                    Node::List(vec![inner, Node::Map(kv("type", Node::str("null")))]),
                )
            }
            Ty::Refined(base, refinements) => {
                let mut base_src = src;
                while let Some(TypeKind::Refined { base, .. }) = base_src.map(|s| &s.kind) {
                    base_src = peel(Some(base));
                }
                let mut entries = self.ty(base, base_src);
                let mut all_of = Vec::new();
                let underlying = base.base();
                for r in refinements {
                    for (k, v) in refinement(r, &underlying) {
                        if entries.iter().any(|(e, _)| *e == k) {
                            all_of.push(Node::Map(vec![(k, v)]));
                        } else {
                            entries.push((k, v));
                        }
                    }
                }
                if !all_of.is_empty() {
                    entries.push(("allOf".into(), Node::List(all_of)));
                }
                entries
            }
            Ty::List(item) => {
                let item_src = match src.map(|s| &s.kind) {
                    Some(TypeKind::Named { args, .. }) if args.len() == 1 => args.first(),
                    _ => None,
                };
                vec![
                    ("type".into(), Node::str("array")),
                    ("items".into(), Node::Map(self.ty(item, item_src))),
                ]
            }
            Ty::Map(item) => {
                let item_src = match src.map(|s| &s.kind) {
                    Some(TypeKind::Named { args, .. }) if args.len() == 1 => args.first(),
                    _ => None,
                };
                vec![
                    ("type".into(), Node::str("object")),
                    (
                        "additionalProperties".into(),
                        Node::Map(self.ty(item, item_src)),
                    ),
                ]
            }
            Ty::Record(fields) => {
                let source: Vec<&ast::Field> = match src.map(|s| &s.kind) {
                    Some(TypeKind::Record { fields, .. }) => fields.iter().collect(),
                    _ => Vec::new(),
                };
                let fields: Vec<(&str, &FieldTy)> =
                    fields.iter().map(|(k, f)| (k.as_str(), f)).collect();
                let (properties, required) = self.properties(&fields, &source);
                let mut entries = vec![
                    ("type".to_string(), Node::str("object")),
                    ("properties".to_string(), Node::Map(properties)),
                ];
                if !required.is_empty() {
                    entries.push(("required".into(), Node::List(required)));
                }
                entries.push(("additionalProperties".into(), Node::Bool(false)));
                entries
            }
            // Not input types: no spec value fits.
            Ty::Resource { .. } | Ty::Module(_) => kv("not", Node::Map(vec![])),
        }
    }
}

/// The keywords of one refinement on a value whose base type is `base`.
fn refinement(r: &Refinement, base: &Ty) -> Vec<(String, Node)> {
    let mut out = Vec::new();
    match r {
        Refinement::Range { lo, hi } => {
            out.extend(lo.map(|v| ("minimum".to_string(), bound(v))));
            out.extend(hi.map(|v| ("maximum".to_string(), bound(v))));
        }
        Refinement::Length { lo, hi } => {
            // Each keyword applies only to its own JSON type, so when the base is
            // neither a string nor a list, both pairs are given.
            let (string, list) = match base {
                Ty::String => (true, false),
                Ty::List(_) => (false, true),
                _ => (true, true),
            };
            let count = |v: u64| Node::Int(i64::try_from(v).unwrap_or(i64::MAX));
            if string {
                out.extend(lo.map(|v| ("minLength".to_string(), count(v))));
                out.extend(hi.map(|v| ("maxLength".to_string(), count(v))));
            }
            if list {
                out.extend(lo.map(|v| ("minItems".to_string(), count(v))));
                out.extend(hi.map(|v| ("maxItems".to_string(), count(v))));
            }
        }
        Refinement::Pattern(p) => out.push(("pattern".into(), Node::str(p.clone()))),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_names_are_escaped_for_ecma_regexes() {
        assert_eq!(escape_regex("shared-vpc"), "shared-vpc");
        assert_eq!(escape_regex("a.b/c"), "a\\.b/c");
    }

    #[test]
    fn integral_bounds_are_integers() {
        assert_eq!(bound(1.0), Node::Int(1));
        assert_eq!(bound(0.5), Node::Number(0.5));
    }
}
