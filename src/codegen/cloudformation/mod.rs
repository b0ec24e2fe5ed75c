//! CloudFormation: a [`Stack`] to a template document (written as JSON or YAML with
//! long-form intrinsics).
//!
//! Deploy-time values become intrinsics: `Ref` (parameters, resources), `Fn::GetAtt`
//! (attributes), `Fn::Sub` (interpolation), `Fn::Join`, `Fn::Split`, `Fn::Select`,
//! `Fn::Base64`, `Fn::If` over named `Conditions`, and `Fn::ImportValue` for the
//! environment's exported outputs. What CloudFormation cannot compute (arithmetic or
//! ordering on a parameter, a `for` over one) is error E0501 at the expression.

pub mod quotas;
mod tables;

use std::collections::BTreeSet;

use crate::codegen::doc::Node;
use crate::diagnostics::{Diagnostic, codes};
use crate::ir::lower::functions::number_text;
use crate::ir::names::logical_id;
use crate::ir::{BinaryOp, Expr, Mode, SecretSource, Stack, UnaryOp};
use crate::syntax::span::Span;
use crate::types::context::ContextName;
use crate::types::pseudo::Pseudo;
use crate::types::ty::{Lit, Refinement, Ty};

/// The parameter a parameterised service takes: its environment's stack name, the
/// prefix of the environment's export names.
pub const ENVIRONMENT_PARAMETER: &str = "EnvironmentName";

/// The export name of an environment output: `<environment>:<OutputId>`.
pub fn export_name(environment: &str, output: &str) -> String {
    format!("{environment}:{}", logical_id(output))
}

struct Gen<'s> {
    stack: &'s Stack,
    diags: Vec<Diagnostic>,
    /// Conditions hoisted from `if`s, after the stack's own.
    conditions: Vec<(String, Node)>,
    params_used: BTreeSet<String>,
    env_param_used: bool,
    /// The context names read that are parameters of their own (`ServiceName`).
    context_used: BTreeSet<ContextName>,
    /// `Mappings` tables of values computed for each value of a parameter.
    mappings: Vec<(String, Node)>,
    /// Why the last expression could not be tabulated, for the error that follows.
    why_not_tabulated: Option<String>,
}

/// The template, or the reasons it cannot be written.
pub fn generate(stack: &Stack) -> Result<Node, Vec<Diagnostic>> {
    let mut g = Gen {
        stack,
        diags: Vec::new(),
        conditions: Vec::new(),
        params_used: BTreeSet::new(),
        env_param_used: false,
        context_used: BTreeSet::new(),
        mappings: Vec::new(),
        why_not_tabulated: None,
    };
    for c in &stack.conditions {
        let node = g.condition(&c.expr);
        g.conditions.push((c.name.clone(), node));
    }
    let mut resources = Vec::new();
    for r in stack.resources_in_order() {
        let mut body = vec![("Type".to_string(), Node::str(&r.type_name))];
        if let Some(c) = &r.condition {
            body.push(("Condition".into(), Node::str(c)));
        }
        if !r.depends_on.is_empty() {
            let ids: Vec<Node> = r
                .depends_on
                .iter()
                .filter_map(|d| stack.resources.get(d.0 as usize))
                .map(|d| Node::str(&d.id))
                .collect();
            body.push(("DependsOn".into(), Node::List(ids)));
        }
        if r.lifecycle
            .iter()
            .any(|(k, v)| k == "prevent_destroy" && *v == Expr::Bool(true))
        {
            body.push(("DeletionPolicy".into(), Node::str("Retain")));
            body.push(("UpdateReplacePolicy".into(), Node::str("Retain")));
        }
        let mut props = Vec::new();
        for (k, v) in &r.properties {
            if let Some(n) = g.value(v) {
                props.push((k.clone(), n));
            }
        }
        if !props.is_empty() {
            body.push(("Properties".into(), Node::Map(props)));
        }
        resources.push((r.id.clone(), Node::Map(body)));
    }
    let mut outputs = Vec::new();
    for o in &stack.outputs {
        let Some(value) = g.value(&o.value) else {
            continue;
        };
        let value = match (&o.ty, value) {
            // A list read from an import is the imported string, joined already.
            (Ty::List(_), Node::Map(m))
                if m.len() == 1
                    && m[0].0 == "Fn::Split"
                    && matches!(&m[0].1, Node::List(a) if a.len() == 2 && a[0] == Node::str(",")) =>
            {
                match &m[0].1 {
                    Node::List(a) => a[1].clone(),
                    _ => Node::Map(m),
                }
            }
            (_, Node::List(items)) => Node::single(
                "Fn::Join",
                Node::List(vec![Node::str(","), Node::List(items)]),
            ),
            (Ty::List(_), v) => Node::single("Fn::Join", Node::List(vec![Node::str(","), v])),
            (_, Node::Bool(b)) => Node::str(b.to_string()),
            (_, Node::Int(i)) => Node::str(i.to_string()),
            (_, Node::Number(n)) => Node::str(number_text(n)),
            (_, Node::Null) => Node::str(""),
            (_, v) => v,
        };
        let mut body = Vec::new();
        if let Some(d) = &o.description {
            body.push(("Description".to_string(), Node::str(d)));
        }
        if let Some(c) = &o.condition {
            body.push(("Condition".into(), Node::str(c)));
        }
        body.push(("Value".into(), value));
        if o.export {
            let name = match (stack.mode, &stack.template.instance) {
                (Mode::Render, Some(instance)) => Node::str(export_name(instance, &o.name)),
                _ => Node::single(
                    "Fn::Sub",
                    Node::str(format!("${{AWS::StackName}}:{}", logical_id(&o.name))),
                ),
            };
            body.push(("Export".into(), Node::single("Name", name)));
        }
        outputs.push((logical_id(&o.name), Node::Map(body)));
    }
    let params = g.parameters();
    if !g.diags.is_empty() {
        return Err(g.diags);
    }
    let mut doc = vec![(
        "AWSTemplateFormatVersion".to_string(),
        Node::str("2010-09-09"),
    )];
    let t = &stack.template;
    let description = match &t.description {
        Some(d) => format!("{d} ({} {}@{})", t.kind, t.name, t.version),
        None => format!("{} {}@{}", t.kind, t.name, t.version),
    };
    doc.push(("Description".into(), Node::str(description)));
    doc.push(("Metadata".into(), metadata(stack)));
    if !params.is_empty() {
        doc.push(("Parameters".into(), Node::Map(params)));
    }
    if !g.mappings.is_empty() {
        doc.push((
            "Mappings".into(),
            Node::Map(std::mem::take(&mut g.mappings)),
        ));
    }
    if !g.conditions.is_empty() {
        doc.push(("Conditions".into(), Node::Map(g.conditions)));
    }
    doc.push(("Resources".into(), Node::Map(resources)));
    if !outputs.is_empty() {
        doc.push(("Outputs".into(), Node::Map(outputs)));
    }
    Ok(Node::Map(doc))
}

/// What compiled the artifact: template, version, instance, compiler, source hash. No
/// timestamps, so the same inputs give the same bytes.
pub fn metadata(stack: &Stack) -> Node {
    let t = &stack.template;
    let mut m = vec![
        ("Template".to_string(), Node::str(&t.name)),
        ("Kind".into(), Node::str(t.kind)),
        ("Version".into(), Node::str(&t.version)),
    ];
    if let Some(i) = &t.instance {
        m.push(("Instance".into(), Node::str(i)));
    }
    m.push((
        "Mode".into(),
        Node::str(match stack.mode {
            Mode::Render => "render",
            Mode::Parameterised => "parameterised",
        }),
    ));
    m.push((
        "Compiler".into(),
        Node::str(concat!("formwork ", env!("CARGO_PKG_VERSION"))),
    ));
    m.push((
        "SourceHash".into(),
        Node::str(format!("sha256:{}", t.source_hash)),
    ));
    Node::single("Formwork", Node::Map(m))
}

impl Gen<'_> {
    fn unsupported(&mut self, span: Span, what: &str) {
        let d = Diagnostic::new(
            codes::NOT_EXPRESSIBLE,
            format!("CloudFormation cannot compute {what}"),
        );
        let d = match self.why_not_tabulated.take() {
            Some(note) => d.with_note(note),
            None => d,
        };
        self.diags.push(
            d.with_primary(
                span,
                match self.stack.mode {
                    Mode::Parameterised => "known only when the stack is created",
                    Mode::Render => "known only at deploy time",
                },
            )
            .with_note(match self.stack.mode {
                Mode::Parameterised => "in parameterised mode every input is a stack parameter, and CloudFormation has no arithmetic, ordering or string functions beyond its intrinsics",
                Mode::Render => "this value is known only at deploy time, and CloudFormation has no intrinsic for this",
            })
            .with_help(match self.stack.mode {
                Mode::Parameterised => "render the template per instance (`formwork render`), where inputs are constants, or compile it for Terraform",
                Mode::Render => "compute it from compile-time values, or compile the template for Terraform",
            }),
        );
    }

    fn param_ref(&mut self, name: &str) -> Node {
        if self.stack.params.iter().any(|p| p.name == name && p.secret) {
            return self.secret(name);
        }
        self.params_used.insert(name.to_string());
        Node::single("Ref", Node::str(logical_id(name)))
    }

    /// A value; `None` for a null (left out).
    fn value(&mut self, e: &Expr) -> Option<Node> {
        Some(match e {
            Expr::Null => return None,
            Expr::Bool(b) => Node::Bool(*b),
            Expr::Int(i) => Node::Int(*i),
            Expr::Number(n) => Node::Number(*n),
            Expr::String(s) => Node::str(s),
            Expr::List(items) => Node::List(items.iter().filter_map(|i| self.value(i)).collect()),
            Expr::Map(entries) => Node::Map(
                entries
                    .iter()
                    .filter_map(|(k, v)| Some((k.clone(), self.value(v)?)))
                    .collect(),
            ),
            Expr::Param(name, _) => self.param_ref(name),
            Expr::Ref(id, _) => Node::single("Ref", Node::str(self.resource_id(*id))),
            Expr::Attr(id, attr, _) => {
                if self.is_ref(*id, attr) {
                    Node::single("Ref", Node::str(self.resource_id(*id)))
                } else {
                    Node::single(
                        "Fn::GetAtt",
                        Node::List(vec![Node::str(self.resource_id(*id)), Node::str(attr)]),
                    )
                }
            }
            Expr::EnvOutput(name, _) => self.import(name),
            Expr::Pseudo(Pseudo::AvailabilityZones, _) => {
                Node::single(Pseudo::AvailabilityZones.cloudformation(), Node::str(""))
            }
            Expr::Pseudo(p, _) => Node::single("Ref", Node::str(p.cloudformation())),
            Expr::Context(c, _) => Node::single("Ref", Node::str(self.context_id(*c))),
            Expr::Secret(input, _) => self.secret(input),
            Expr::Concat(parts, _) => match self.tabulated_value(e) {
                Some(n) => n,
                None => self.sub(parts),
            },
            Expr::Call(f, args, span) => return self.call(e, f, args, *span),
            Expr::If(c, a, b, _) => {
                if let Some(n) = self.tabulated_value(e) {
                    return Some(n);
                }
                let name = self.hoist(c);
                let no_value = || Node::single("Ref", Node::str("AWS::NoValue"));
                let a = self.value(a).unwrap_or_else(no_value);
                let b = self.value(b).unwrap_or_else(no_value);
                Node::single("Fn::If", Node::List(vec![Node::str(name), a, b]))
            }
            Expr::Cond(..) | Expr::Unary(UnaryOp::Not, ..) => {
                let name = self.hoist(e);
                Node::single(
                    "Fn::If",
                    Node::List(vec![Node::str(name), Node::Bool(true), Node::Bool(false)]),
                )
            }
            Expr::Binary(op, _, _, span) => match op {
                BinaryOp::Eq | BinaryOp::Ne | BinaryOp::And | BinaryOp::Or => {
                    let name = self.hoist(e);
                    Node::single(
                        "Fn::If",
                        Node::List(vec![Node::str(name), Node::Bool(true), Node::Bool(false)]),
                    )
                }
                op => {
                    if let Some(n) = self.tabulated_value(e) {
                        return Some(n);
                    }
                    self.unsupported(
                        *span,
                        &format!("`{}` on a value known only then", op.symbol()),
                    );
                    return None;
                }
            },
            Expr::Unary(UnaryOp::Neg, _, span) => {
                if let Some(n) = self.tabulated_value(e) {
                    return Some(n);
                }
                self.unsupported(*span, "a negation of a value known only then");
                return None;
            }
            Expr::Index(list, index, span) => match (self.value(list), &**index) {
                (Some(l), Expr::Int(i)) => {
                    Node::single("Fn::Select", Node::List(vec![Node::str(i.to_string()), l]))
                }
                _ => {
                    if let Some(n) = self.tabulated_value(e) {
                        return Some(n);
                    }
                    self.unsupported(*span, "an index known only when the stack is created");
                    return None;
                }
            },
            Expr::Member(_, field, span) => {
                if let Some(n) = self.tabulated_value(e) {
                    return Some(n);
                }
                self.unsupported(
                    *span,
                    &format!("the field `{field}` of a value known only then"),
                );
                return None;
            }
            Expr::For(_, span) | Expr::Var(_, span) => {
                self.unsupported(*span, "a `for` over a value known only then");
                return None;
            }
        })
    }

    /// The prefix length of a network known only at deploy time, when the template
    /// fixes it: a VPC's `CidrBlock` when the VPC sets `Ipv4NetmaskLength`.
    fn known_prefix(&self, e: &Expr) -> Option<u32> {
        let Expr::Attr(id, attr, _) = e else {
            return None;
        };
        let r = self.stack.resources.get(id.0 as usize)?;
        if attr != "CidrBlock" || r.type_name != "AWS::EC2::VPC" {
            return None;
        }
        match r
            .properties
            .iter()
            .find(|(k, _)| k == "Ipv4NetmaskLength")?
            .1
        {
            Expr::Int(n) if (0..=32).contains(&n) => u32::try_from(n).ok(),
            _ => None,
        }
    }

    /// Whether reading `attr` is a `Ref`: it is the type's primary identifier and not a
    /// `Fn::GetAtt` attribute (a log group's `LogGroupName`, a bucket's `BucketName`).
    fn is_ref(&self, id: crate::ir::ResId, attr: &str) -> bool {
        let Some(schema) = self
            .stack
            .resources
            .get(id.0 as usize)
            .and_then(|r| crate::types::resources::lookup(&r.type_name))
        else {
            return false;
        };
        let read_only = schema.property(attr).is_some_and(|p| p.read_only)
            || schema.nested_read_only.contains(attr);
        !read_only && schema.primary_identifier.len() == 1 && schema.primary_identifier[0] == attr
    }

    fn resource_id(&self, id: crate::ir::ResId) -> String {
        self.stack
            .resources
            .get(id.0 as usize)
            .map(|r| r.id.clone())
            .unwrap_or_default()
    }

    fn import(&mut self, name: &str) -> Node {
        let instance = self
            .stack
            .environment
            .as_ref()
            .and_then(|l| l.instance.clone());
        let export = match (self.stack.mode, instance) {
            (Mode::Render, Some(env)) => Node::str(export_name(&env, name)),
            _ => {
                self.env_param_used = true;
                Node::single(
                    "Fn::Sub",
                    Node::str(format!("${{{ENVIRONMENT_PARAMETER}}}:{}", logical_id(name))),
                )
            }
        };
        let import = Node::single("Fn::ImportValue", export);
        let is_list = self
            .stack
            .environment
            .as_ref()
            .and_then(|l| l.outputs.iter().find(|(n, _)| n == name))
            .is_some_and(|(_, t)| matches!(t.unrefined(), Ty::List(_)));
        if is_list {
            Node::single("Fn::Split", Node::List(vec![Node::str(","), import]))
        } else {
            import
        }
    }

    fn secret(&mut self, input: &str) -> Node {
        if self.stack.mode == Mode::Parameterised {
            // The parameter names the secret; CloudFormation reads its value.
            self.params_used.insert(input.to_string());
            return Node::single(
                "Fn::Sub",
                Node::str(format!(
                    "{{{{resolve:secretsmanager:${{{}}}}}}}",
                    secret_parameter(input)
                )),
            );
        }
        let source = self
            .stack
            .secrets
            .iter()
            .find(|s| s.input == input)
            .map(|s| s.source.clone());
        Node::str(match source {
            Some(SecretSource::SecretsManager { name, key: Some(k) }) => {
                format!("{{{{resolve:secretsmanager:{name}:SecretString:{k}}}}}")
            }
            Some(SecretSource::SecretsManager { name, key: None }) => {
                format!("{{{{resolve:secretsmanager:{name}}}}}")
            }
            Some(SecretSource::SsmSecure { name }) => format!("{{{{resolve:ssm-secure:{name}}}}}"),
            None => String::new(),
        })
    }

    /// Interpolation: `Fn::Sub`, with `${Name}` and `${Name.Attr}` written inline and
    /// anything else bound as a variable.
    fn sub(&mut self, parts: &[Expr]) -> Node {
        let mut template = String::new();
        let mut vars: Vec<(String, Node)> = Vec::new();
        for part in parts {
            match part {
                Expr::String(s) => template.push_str(&s.replace("${", "${!")),
                Expr::Int(i) => template.push_str(&i.to_string()),
                Expr::Param(name, _) => {
                    self.params_used.insert(name.clone());
                    template.push_str(&format!("${{{}}}", logical_id(name)));
                }
                Expr::Pseudo(p, _) if *p != Pseudo::AvailabilityZones => {
                    template.push_str(&format!("${{{}}}", p.cloudformation()))
                }
                Expr::Context(c, _) => {
                    let id = self.context_id(*c);
                    template.push_str(&format!("${{{id}}}"))
                }
                Expr::Ref(id, _) => template.push_str(&format!("${{{}}}", self.resource_id(*id))),
                Expr::Attr(id, attr, _) => {
                    if self.is_ref(*id, attr) {
                        template.push_str(&format!("${{{}}}", self.resource_id(*id)))
                    } else {
                        template.push_str(&format!("${{{}.{attr}}}", self.resource_id(*id)))
                    }
                }
                other => {
                    let Some(node) = self.value(other) else {
                        continue;
                    };
                    let var = format!("Part{}", vars.len());
                    template.push_str(&format!("${{{var}}}"));
                    vars.push((var, node));
                }
            }
        }
        if vars.is_empty() {
            Node::single("Fn::Sub", Node::str(template))
        } else {
            Node::single(
                "Fn::Sub",
                Node::List(vec![Node::str(template), Node::Map(vars)]),
            )
        }
    }

    fn call(&mut self, whole: &Expr, f: &str, args: &[Expr], span: Span) -> Option<Node> {
        if !matches!(f, "split" | "join" | "element" | "base64_encode")
            && let Some(n) = self.tabulated_value(whole)
        {
            return Some(n);
        }
        let vals: Vec<Option<Node>> = args.iter().map(|a| self.value(a)).collect();
        let arg = |i: usize| vals.get(i).cloned().flatten();
        let intrinsic = |name: &str, list: Vec<Option<Node>>| -> Option<Node> {
            let items: Option<Vec<Node>> = list.into_iter().collect();
            Some(Node::single(name, Node::List(items?)))
        };
        match f {
            "split" => intrinsic("Fn::Split", vec![arg(0), arg(1)]),
            "join" => intrinsic("Fn::Join", vec![arg(0), arg(1)]),
            "element" => match args.get(1) {
                Some(Expr::Int(i)) => {
                    intrinsic("Fn::Select", vec![Some(Node::str(i.to_string())), arg(0)])
                }
                _ => {
                    self.unsupported(span, "`element` with an index known only then");
                    None
                }
            },
            "base64_encode" => Some(Node::single("Fn::Base64", arg(0)?)),
            "cidr_subnet" | "cidr_subnets" => {
                // `Fn::Cidr` counts host bits, so the network's prefix length must be
                // known now, though its address is not (a VPC given its block by IPAM,
                // with `Ipv4NetmaskLength`).
                let prefix = args.first().and_then(|c| self.known_prefix(c));
                match (prefix, args.get(1), args.get(2)) {
                    (Some(prefix), Some(Expr::Int(bits)), Some(Expr::Int(n)))
                        if (1..=256).contains(&(n + i64::from(f == "cidr_subnet")))
                            && *bits > 0
                            && i64::from(prefix) + bits <= 32 =>
                    {
                        let host_bits = 32 - i64::from(prefix) - bits;
                        let count = if f == "cidr_subnet" { n + 1 } else { *n };
                        let cidr = Node::single(
                            "Fn::Cidr",
                            Node::List(vec![
                                arg(0)?,
                                Node::str(count.to_string()),
                                Node::str(host_bits.to_string()),
                            ]),
                        );
                        Some(if f == "cidr_subnet" {
                            Node::single(
                                "Fn::Select",
                                Node::List(vec![Node::str(n.to_string()), cidr]),
                            )
                        } else {
                            cidr
                        })
                    }
                    _ => {
                        self.unsupported(
                            span,
                            &format!("`{f}` of a network whose prefix length it learns only then"),
                        );
                        None
                    }
                }
            }
            _ => {
                self.unsupported(span, &format!("`{f}` on a value known only then"));
                None
            }
        }
    }

    /// Names a condition for an `if`, reusing one with the same meaning.
    fn hoist(&mut self, c: &Expr) -> String {
        if let Expr::Cond(name, _) = c {
            return name.clone();
        }
        let node = self.condition(c);
        if let Some((name, _)) = self.conditions.iter().find(|(_, n)| *n == node) {
            return name.clone();
        }
        let name = format!("Condition{}", self.conditions.len() + 1);
        self.conditions.push((name.clone(), node));
        name
    }

    /// A condition function: `Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not`, `Condition`.
    fn condition(&mut self, e: &Expr) -> Node {
        match e {
            Expr::Cond(name, _) => Node::single("Condition", Node::str(name)),
            Expr::Unary(UnaryOp::Not, inner, _) => {
                let c = self.condition(inner);
                Node::single("Fn::Not", Node::List(vec![c]))
            }
            Expr::Binary(op @ (BinaryOp::And | BinaryOp::Or), a, b, _) => {
                let name = if *op == BinaryOp::And {
                    "Fn::And"
                } else {
                    "Fn::Or"
                };
                let mut items = Vec::new();
                self.flatten(*op, a, &mut items);
                self.flatten(*op, b, &mut items);
                // `Fn::And` and `Fn::Or` take 2 to 10 conditions.
                while items.len() > 10 {
                    let rest: Vec<Node> = items.drain(9..).collect();
                    items.push(Node::single(name, Node::List(rest)));
                }
                Node::single(name, Node::List(items))
            }
            // `(x ?? d) == k`: conditions cannot hold an `Fn::If`, so the comparison
            // goes into each branch: `(given && x == k) || (!given && d == k)`.
            Expr::Binary(op @ (BinaryOp::Eq | BinaryOp::Ne), a, b, span)
                if matches!(**a, Expr::If(..)) || matches!(**b, Expr::If(..)) =>
            {
                let (pick, other, flipped) = match (&**a, &**b) {
                    (Expr::If(..), _) => (&**a, &**b, false),
                    _ => (&**b, &**a, true),
                };
                let Expr::If(c, x, y, _) = pick else {
                    return Node::Null;
                };
                let compare = |v: &Expr| -> Expr {
                    let (l, r) = if flipped { (other, v) } else { (v, other) };
                    match (const_text(l), const_text(r)) {
                        (Some(l), Some(r)) => Expr::Bool((l == r) == (*op == BinaryOp::Eq)),
                        _ => Expr::Binary(*op, Box::new(l.clone()), Box::new(r.clone()), *span),
                    }
                };
                let and = |g: Expr, t: Expr| match t {
                    Expr::Bool(true) => g,
                    Expr::Bool(false) => Expr::Bool(false),
                    t => Expr::Binary(BinaryOp::And, Box::new(g), Box::new(t), *span),
                };
                let yes = and((**c).clone(), compare(x));
                let no = and(Expr::Unary(UnaryOp::Not, c.clone(), *span), compare(y));
                let whole = match (yes, no) {
                    (Expr::Bool(false), n) => n,
                    (y, Expr::Bool(false)) => y,
                    (y, n) => Expr::Binary(BinaryOp::Or, Box::new(y), Box::new(n), *span),
                };
                self.condition(&whole)
            }
            Expr::Binary(op @ (BinaryOp::Eq | BinaryOp::Ne), a, b, _) => {
                let a = self.comparable(a);
                let b = self.comparable(b);
                let eq = Node::single("Fn::Equals", Node::List(vec![a, b]));
                if *op == BinaryOp::Ne {
                    Node::single("Fn::Not", Node::List(vec![eq]))
                } else {
                    eq
                }
            }
            Expr::Param(..) => {
                let v = self.comparable(e);
                Node::single("Fn::Equals", Node::List(vec![v, Node::str("true")]))
            }
            Expr::Bool(b) => {
                let s = Node::str(b.to_string());
                Node::single("Fn::Equals", Node::List(vec![s, Node::str("true")]))
            }
            other => {
                if let Some(n) = self.tabulated_condition(other) {
                    return n;
                }
                let span = other.span().unwrap_or_default();
                self.unsupported(
                    span,
                    "this condition: its conditions compare values for equality only",
                );
                Node::Null
            }
        }
    }

    fn flatten(&mut self, op: BinaryOp, e: &Expr, out: &mut Vec<Node>) {
        match e {
            Expr::Binary(inner, a, b, _) if *inner == op => {
                self.flatten(op, a, out);
                self.flatten(op, b, out);
            }
            other => {
                let c = self.condition(other);
                out.push(c);
            }
        }
    }

    /// An operand of `Fn::Equals`: parameters are strings, so constants are too.
    fn comparable(&mut self, e: &Expr) -> Node {
        match e {
            Expr::Bool(b) => Node::str(b.to_string()),
            Expr::Int(i) => Node::str(i.to_string()),
            Expr::Number(n) => Node::str(number_text(*n)),
            other => self.value(other).unwrap_or(Node::str("")),
        }
    }

    /// The `Parameters` section: the inputs the template reads, and the environment's
    /// name when outputs are imported.
    /// What a context name is in a template compiled alone: a stack is named after
    /// its instance (`AWS::StackName`, an environment's too); a service's environment
    /// is the parameter its imports already use; the rest are parameters of their own.
    fn context_id(&mut self, c: ContextName) -> String {
        let of_environment = self.stack.template.kind == "environment";
        match c {
            ContextName::InstanceName => "AWS::StackName".into(),
            ContextName::EnvironmentName if of_environment => "AWS::StackName".into(),
            ContextName::EnvironmentName => {
                self.env_param_used = true;
                ENVIRONMENT_PARAMETER.into()
            }
            other => {
                self.context_used.insert(other);
                logical_id(other.parameter())
            }
        }
    }

    fn parameters(&mut self) -> Vec<(String, Node)> {
        let mut out = Vec::new();
        for p in &self.stack.params {
            if !self.params_used.contains(&p.name) {
                continue;
            }
            let mut body = Vec::new();
            let (ty, refinements) = split_refinements(&p.ty);
            // An optional input with no default may be left out: its parameter defaults
            // to "" (what a `null` is in CloudFormation), so a number is a `String`
            // checked by a pattern, as a `Number` parameter cannot be empty.
            let may_be_empty = matches!(p.ty, Ty::Optional(_)) && p.default.is_none();
            let cfn_type = match ty {
                Ty::Int | Ty::Number if may_be_empty => "String",
                Ty::Int | Ty::Number => "Number",
                Ty::List(inner) if matches!(inner.unrefined(), Ty::Int | Ty::Number) => {
                    "List<Number>"
                }
                Ty::List(_) => "CommaDelimitedList",
                Ty::Map(_) | Ty::Record(_) => {
                    self.diags.push(
                        Diagnostic::new(
                            codes::NOT_EXPRESSIBLE,
                            format!("input `{}` cannot be a CloudFormation parameter", p.name),
                        )
                        .with_primary(p.span, "a map or record")
                        .with_note("CloudFormation parameters are strings, numbers and lists of them")
                        .with_help("render the template per instance (`formwork render`), or compile it for Terraform"),
                    );
                    continue;
                }
                _ => "String",
            };
            if p.secret {
                let what = p.description.as_ref().map_or_else(
                    || format!("`{}`", p.name),
                    |d| d.trim_end_matches('.').to_string(),
                );
                out.push((
                    secret_parameter(&p.name),
                    Node::Map(vec![
                        ("Type".into(), Node::str("String")),
                        (
                            "Description".into(),
                            Node::str(format!(
                                "The Secrets Manager secret holding {what}: its name or ARN, optionally followed by `:SecretString:JSON_KEY`. CloudFormation reads the value; it never passes through a parameter"
                            )),
                        ),
                        ("MinLength".into(), Node::Int(1)),
                    ]),
                ));
                continue;
            }
            body.push(("Type".to_string(), Node::str(cfn_type)));
            if let Some(d) = &p.description {
                body.push(("Description".into(), Node::str(d)));
            }
            if let Some(d) = &p.default {
                body.push(("Default".into(), parameter_value(d)));
            } else if may_be_empty {
                body.push(("Default".into(), Node::str("")));
            }
            let mut allowed: Vec<Node> = match ty {
                Ty::Bool => vec![Node::str("true"), Node::str("false")],
                Ty::Lit(l) => vec![lit_node(l)],
                Ty::Union(members) => members
                    .iter()
                    .filter_map(|m| match m {
                        Ty::Lit(l) => Some(lit_node(l)),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            if !allowed.is_empty() {
                if may_be_empty {
                    allowed.push(Node::str(""));
                }
                body.push(("AllowedValues".into(), Node::List(allowed)));
            }
            if may_be_empty && matches!(ty, Ty::Int | Ty::Number) {
                let number = if *ty == Ty::Int {
                    "-?[0-9]+"
                } else {
                    "-?[0-9]+(\\.[0-9]+)?"
                };
                body.push(("AllowedPattern".into(), Node::str(format!("^({number})?$"))));
            }
            for r in refinements {
                match r {
                    // A `String` parameter has no `MinValue`: the range of an optional
                    // number is checked by the spec, and by `formwork check` of it.
                    Refinement::Range { .. } if may_be_empty => {}
                    Refinement::Range { lo, hi } => {
                        if let Some(lo) = lo {
                            body.push(("MinValue".into(), number_node(*lo)));
                        }
                        if let Some(hi) = hi {
                            body.push(("MaxValue".into(), number_node(*hi)));
                        }
                    }
                    Refinement::Length { lo, hi } => {
                        if let Some(lo) = lo {
                            body.push(("MinLength".into(), Node::Int(*lo as i64)));
                        }
                        if let Some(hi) = hi {
                            body.push(("MaxLength".into(), Node::Int(*hi as i64)));
                        }
                    }
                    Refinement::Pattern(p) => {
                        body.push(("AllowedPattern".into(), Node::str(allowed_pattern(p))));
                    }
                }
            }
            out.push((logical_id(&p.name), Node::Map(body)));
        }
        for c in &self.context_used {
            let ty = if c.ty() == Ty::Int {
                "Number"
            } else {
                "String"
            };
            out.push((
                logical_id(c.parameter()),
                Node::Map(vec![
                    ("Type".into(), Node::str(ty)),
                    ("Description".into(), Node::str(c.description())),
                ]),
            ));
        }
        if self.env_param_used {
            let env = self
                .stack
                .environment
                .as_ref()
                .map(|l| l.template.clone())
                .unwrap_or_default();
            out.push((
                ENVIRONMENT_PARAMETER.to_string(),
                Node::Map(vec![
                    ("Type".into(), Node::str("String")),
                    (
                        "Description".into(),
                        Node::str(format!(
                            "The stack name of the `{env}` environment this service runs in (the prefix of its exports)"
                        )),
                    ),
                ]),
            ));
        }
        out
    }
}

/// The parameter naming the secret a `Secret` input reads: `db_password` →
/// `DbPasswordSecretId`.
pub fn secret_parameter(input: &str) -> String {
    format!("{}SecretId", logical_id(input))
}

/// A `matches` pattern as an `AllowedPattern`: formwork's patterns match anywhere in
/// the string (like Terraform's `regex`), CloudFormation's must match all of it.
fn allowed_pattern(p: &str) -> String {
    if p.starts_with('^') && p.ends_with('$') && !p.ends_with("\\$") {
        p.to_string()
    } else {
        format!(".*(?:{p}).*")
    }
}

/// A type and its refinements, looking through optionality.
fn split_refinements(ty: &Ty) -> (&Ty, &[Refinement]) {
    match ty {
        Ty::Optional(t) => split_refinements(t),
        Ty::Refined(t, rs) => (t, rs),
        t => (t, &[]),
    }
}

fn lit_node(l: &Lit) -> Node {
    match l {
        Lit::Bool(b) => Node::str(b.to_string()),
        Lit::Int(i) => Node::str(i.to_string()),
        Lit::Number(n) => Node::str(number_text(*n)),
        Lit::String(s) => Node::str(s),
    }
}

fn number_node(n: f64) -> Node {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        Node::Int(n as i64)
    } else {
        Node::Number(n)
    }
}

/// A parameter default: CloudFormation takes strings (lists comma-joined).
fn parameter_value(e: &Expr) -> Node {
    match e {
        Expr::Bool(b) => Node::str(b.to_string()),
        Expr::Int(i) => Node::str(i.to_string()),
        Expr::Number(n) => Node::str(number_text(*n)),
        Expr::String(s) => Node::str(s),
        Expr::List(items) => Node::str(
            items
                .iter()
                .map(|i| match parameter_value(i) {
                    Node::String(s) => s,
                    _ => String::new(),
                })
                .collect::<Vec<_>>()
                .join(","),
        ),
        _ => Node::str(""),
    }
}

/// A constant as CloudFormation compares it (as text), for folding a comparison.
fn const_text(e: &Expr) -> Option<String> {
    match e {
        Expr::String(s) => Some(s.clone()),
        Expr::Int(i) => Some(i.to_string()),
        Expr::Number(n) => Some(number_text(*n)),
        Expr::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}
