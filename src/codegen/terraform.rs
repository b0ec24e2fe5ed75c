//! Terraform JSON: a [`Stack`] to `main.tf.json` (provider requirements, resources,
//! data sources for secrets, outputs), `variables.tf.json` and, given an instance's
//! values, `terraform.tfvars.json`.
//!
//! Deploy-time values become HCL expressions inside `"${…}"` strings:
//! `${aws_vpc.vpc.id}`, `${var.port * 2}`, `${[for s in aws_subnet.private : s.id]}`.
//! Literal text is escaped (`$${`, `%%{`) so it is never read as a template. A service
//! reads its environment's outputs from one object variable, `environment`, which the
//! deploy fills from `terraform output -json` of the environment.

use crate::codegen::doc::Node;
use crate::ir::lower::Inputs;
use crate::ir::lower::functions::number_text;
use crate::ir::{BinaryOp, Expr, Mode, Repeat, ResId, SecretSource, Stack, UnaryOp};
use crate::types::pseudo::Pseudo;
use crate::types::ty::{Lit, Refinement, Ty};
use crate::types::value::Const;

/// The variable a service's environment outputs arrive in.
pub const ENVIRONMENT_VARIABLE: &str = "environment";

/// The AWS provider constraint used when the workspace pins none.
pub const DEFAULT_AWS_PROVIDER: &str = ">= 5.0, < 7.0";

/// The files of one Terraform artifact.
#[derive(Debug, Clone, PartialEq)]
pub struct Files {
    pub main: Node,
    pub variables: Node,
    /// Present when an instance's values were given in parameterised mode.
    pub tfvars: Option<Node>,
}

pub fn generate(stack: &Stack, values: Option<&Inputs>, aws_provider: &str) -> Files {
    let g = Gen { stack };
    let mut main = Vec::new();
    main.push((
        "terraform".to_string(),
        Node::single(
            "required_providers",
            Node::single(
                "aws",
                Node::Map(vec![
                    ("source".into(), Node::str("hashicorp/aws")),
                    ("version".into(), Node::str(aws_provider)),
                ]),
            ),
        ),
    ));
    let mut locals = vec![("formwork".to_string(), metadata(stack))];
    locals.sort_by(|a, b| a.0.cmp(&b.0));
    main.push(("locals".into(), Node::Map(locals)));
    let mut data: Vec<(String, Vec<(String, Node)>)> = Vec::new();
    if stack.mode == Mode::Render {
        for s in &stack.secrets {
            let (ty, body) = match &s.source {
                SecretSource::SecretsManager { name, .. } => (
                    "aws_secretsmanager_secret_version",
                    Node::single("secret_id", Node::str(escape(name))),
                ),
                SecretSource::SsmSecure { name } => (
                    "aws_ssm_parameter",
                    Node::Map(vec![
                        ("name".into(), Node::str(escape(name))),
                        ("with_decryption".into(), Node::Bool(true)),
                    ]),
                ),
            };
            push_grouped(&mut data, ty, (s.input.clone(), body));
        }
    }
    // One data source for each pseudo-parameter kind the stack reads.
    let mut declared = std::collections::BTreeSet::new();
    for p in &stack.pseudo {
        let Some((ty, name, _)) = p.terraform() else {
            continue;
        };
        if !declared.insert((ty, name)) {
            continue;
        }
        let body = if *p == Pseudo::AvailabilityZones {
            Node::single("state", Node::str("available"))
        } else {
            Node::Map(Vec::new())
        };
        push_grouped(&mut data, ty, (name.to_string(), body));
    }
    if !data.is_empty() {
        main.push(("data".into(), grouped(data)));
    }
    let mut resources: Vec<(String, Vec<(String, Node)>)> = Vec::new();
    for r in stack.resources_in_order() {
        let mut body = Vec::new();
        match (&r.repeat, &r.condition) {
            (Some(Repeat::Count(n)), _) => body.push(("count".to_string(), g.value(n))),
            (Some(Repeat::ForEach(c)), _) => body.push((
                "for_each".to_string(),
                Node::str(format!(
                    "${{{{for i, v in {} : tostring(i) => v}}}}",
                    g.hcl(c)
                )),
            )),
            (None, Some(cond)) => body.push((
                "count".to_string(),
                Node::str(format!("${{{} ? 1 : 0}}", g.condition_hcl(cond))),
            )),
            (None, None) => {}
        }
        for (k, v) in &r.properties {
            body.push((k.clone(), g.value(v)));
        }
        if !r.depends_on.is_empty() {
            let deps = r
                .depends_on
                .iter()
                .filter_map(|d| stack.resources.get(d.0 as usize))
                .map(|d| Node::str(format!("{}.{}", d.type_name, d.id)))
                .collect();
            body.push(("depends_on".into(), Node::List(deps)));
        }
        if !r.lifecycle.is_empty() {
            let entries = r
                .lifecycle
                .iter()
                .map(|(k, v)| (k.clone(), g.value(v)))
                .collect();
            body.push(("lifecycle".into(), Node::Map(entries)));
        }
        push_grouped(
            &mut resources,
            &r.type_name,
            (r.id.clone(), Node::Map(body)),
        );
    }
    main.push(("resource".into(), grouped(resources)));
    let mut outputs = Vec::new();
    for o in &stack.outputs {
        let mut body = Vec::new();
        if let Some(d) = &o.description {
            body.push(("description".to_string(), Node::str(escape(d))));
        }
        // A conditional resource is read with `one(…[*].attr)`, null when absent, so
        // the output needs no condition of its own.
        let value = g.value(&o.value);
        body.push(("value".into(), value));
        outputs.push((o.name.clone(), Node::Map(body)));
    }
    if !outputs.is_empty() {
        main.push(("output".into(), Node::Map(outputs)));
    }
    let variables = variables(stack);
    let tfvars = match (stack.mode, values) {
        (Mode::Parameterised, Some(v)) => Some(tfvars(stack, v)),
        _ => None,
    };
    Files {
        main: Node::Map(main),
        variables,
        tfvars,
    }
}

fn metadata(stack: &Stack) -> Node {
    let t = &stack.template;
    let mut m = vec![
        ("template".to_string(), Node::str(escape(&t.name))),
        ("kind".into(), Node::str(t.kind)),
        ("version".into(), Node::str(&t.version)),
    ];
    if let Some(i) = &t.instance {
        m.push(("instance".into(), Node::str(escape(i))));
    }
    m.push((
        "compiler".into(),
        Node::str(concat!("formwork ", env!("CARGO_PKG_VERSION"))),
    ));
    m.push((
        "source_hash".into(),
        Node::str(format!("sha256:{}", t.source_hash)),
    ));
    Node::Map(m)
}

fn push_grouped(groups: &mut Vec<(String, Vec<(String, Node)>)>, key: &str, item: (String, Node)) {
    match groups.iter_mut().find(|(k, _)| k == key) {
        Some((_, items)) => items.push(item),
        None => groups.push((key.to_string(), vec![item])),
    }
}

fn grouped(groups: Vec<(String, Vec<(String, Node)>)>) -> Node {
    Node::Map(
        groups
            .into_iter()
            .map(|(k, items)| (k, Node::Map(items)))
            .collect(),
    )
}

/// Literal text in a Terraform JSON string: `${` and `%{` would start a template.
fn escape(s: &str) -> String {
    s.replace("${", "$${").replace("%{", "%%{")
}

/// An HCL string literal.
fn hcl_string(s: &str) -> String {
    serde_json::Value::String(escape(s)).to_string()
}

struct Gen<'s> {
    stack: &'s Stack,
}

impl Gen<'_> {
    /// A JSON value: constants as JSON, anything else as a `"${…}"` template.
    fn value(&self, e: &Expr) -> Node {
        match e {
            Expr::Null => Node::Null,
            Expr::Bool(b) => Node::Bool(*b),
            Expr::Int(i) => Node::Int(*i),
            Expr::Number(n) => Node::Number(*n),
            Expr::String(s) => Node::str(escape(s)),
            Expr::List(items) => Node::List(items.iter().map(|i| self.value(i)).collect()),
            Expr::Map(entries) => Node::Map(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), self.value(v)))
                    .collect(),
            ),
            Expr::Concat(parts, _) => {
                let mut s = String::new();
                for p in parts {
                    match p {
                        Expr::String(t) => s.push_str(&escape(t)),
                        other => {
                            s.push_str("${");
                            s.push_str(&self.hcl(other));
                            s.push('}');
                        }
                    }
                }
                Node::str(s)
            }
            other => Node::str(format!("${{{}}}", self.hcl(other))),
        }
    }

    fn resource_ref(&self, id: ResId) -> (String, bool) {
        match self.stack.resources.get(id.0 as usize) {
            Some(r) => (
                format!("{}.{}", r.type_name, r.id),
                r.condition.is_some() && r.repeat.is_none(),
            ),
            None => (String::new(), false),
        }
    }

    fn condition_hcl(&self, name: &str) -> String {
        match self.stack.conditions.iter().find(|c| c.name == name) {
            Some(c) => self.hcl(&c.expr),
            None => "true".to_string(),
        }
    }

    /// An HCL expression.
    fn hcl(&self, e: &Expr) -> String {
        match e {
            Expr::Null => "null".into(),
            Expr::Bool(b) => b.to_string(),
            Expr::Int(i) => i.to_string(),
            Expr::Number(n) => number_text(*n),
            Expr::String(s) => hcl_string(s),
            Expr::List(items) => format!(
                "[{}]",
                items
                    .iter()
                    .map(|i| self.hcl(i))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Expr::Map(entries) => format!(
                "{{{}}}",
                entries
                    .iter()
                    .map(|(k, v)| format!("{} = {}", hcl_string(k), self.hcl(v)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Expr::Param(name, _) => format!("var.{name}"),
            Expr::Ref(id, _) => {
                let (r, conditional) = self.resource_ref(*id);
                let repeat = self
                    .stack
                    .resources
                    .get(id.0 as usize)
                    .and_then(|r| r.repeat.as_ref());
                if let Some(Repeat::ForEach(_)) = repeat {
                    format!("values({r})")
                } else if repeat.is_some() {
                    r
                } else if conditional {
                    format!("one({r}[*].id)")
                } else {
                    format!("{r}.id")
                }
            }
            Expr::Attr(id, attr, _) => {
                let (r, conditional) = self.resource_ref(*id);
                if conditional {
                    format!("one({r}[*].{attr})")
                } else {
                    format!("{r}.{attr}")
                }
            }
            Expr::EnvOutput(name, _) => format!("var.{ENVIRONMENT_VARIABLE}.{name}"),
            // A pseudo-parameter Terraform has no data source for forbids the target
            // at check (`Pseudo::forbids`), so it never reaches here; `null` if it did.
            Expr::Context(c, _) => format!("var.{}", c.parameter()),
            Expr::Pseudo(p, _) => match p.terraform() {
                Some((ty, name, attr)) => format!("data.{ty}.{name}.{attr}"),
                None => "null".into(),
            },
            Expr::Secret(input, _) => self.secret(input),
            Expr::Concat(parts, _) => {
                let mut s = String::from("\"");
                for p in parts {
                    match p {
                        Expr::String(t) => {
                            let lit = hcl_string(t);
                            s.push_str(&lit[1..lit.len() - 1]);
                        }
                        other => {
                            s.push_str("${");
                            s.push_str(&self.hcl(other));
                            s.push('}');
                        }
                    }
                }
                s.push('"');
                s
            }
            Expr::Call(f, args, _) => self.call(f, args),
            Expr::Unary(op, a, _) => match op {
                UnaryOp::Not => format!("!{}", self.operand(a)),
                UnaryOp::Neg => format!("-{}", self.operand(a)),
            },
            // Terraform evaluates both sides of `&&` and `||`, so a right side the
            // left guards (`x == null || x > 3`) fails on the null it was guarded
            // from. A conditional evaluates only the branch it takes.
            Expr::Binary(BinaryOp::Or, a, b, _) if tests_null(a) => {
                format!("{} ? true : {}", self.operand(a), self.operand(b))
            }
            Expr::Binary(BinaryOp::And, a, b, _) if tests_null(a) => {
                format!("{} ? {} : false", self.operand(a), self.operand(b))
            }
            Expr::Binary(op, a, b, _) => {
                format!("{} {} {}", self.operand(a), op.symbol(), self.operand(b))
            }
            Expr::If(c, a, b, _) => format!(
                "{} ? {} : {}",
                self.operand(c),
                self.operand(a),
                self.operand(b)
            ),
            Expr::Cond(name, _) => format!("({})", self.condition_hcl(name)),
            Expr::Index(a, i, _) => format!("{}[{}]", self.operand(a), self.hcl(i)),
            Expr::Member(a, f, _) => format!("{}.{f}", self.operand(a)),
            Expr::For(f, _) => {
                let vars = match &f.key {
                    Some(k) if !k.is_empty() => format!("{k}, {}", f.value),
                    _ => f.value.clone(),
                };
                let filter = f
                    .filter
                    .as_ref()
                    .map(|c| format!(" if {}", self.hcl(c)))
                    .unwrap_or_default();
                match &f.map_key {
                    Some(k) => format!(
                        "{{for {vars} in {} : {} => {}{filter}}}",
                        self.hcl(&f.collection),
                        self.hcl(k),
                        self.hcl(&f.body)
                    ),
                    None => format!(
                        "[for {vars} in {} : {}{filter}]",
                        self.hcl(&f.collection),
                        self.hcl(&f.body)
                    ),
                }
            }
            Expr::Var(name, _) => name.clone(),
        }
    }

    /// An operand: parenthesised unless it is atomic.
    fn operand(&self, e: &Expr) -> String {
        let s = self.hcl(e);
        match e {
            Expr::Unary(..) | Expr::Binary(..) | Expr::If(..) => format!("({s})"),
            _ => s,
        }
    }

    fn secret(&self, input: &str) -> String {
        if self.stack.mode == Mode::Parameterised {
            return format!("var.{input}");
        }
        match self
            .stack
            .secrets
            .iter()
            .find(|s| s.input == input)
            .map(|s| &s.source)
        {
            Some(SecretSource::SecretsManager { key: Some(k), .. }) => format!(
                "jsondecode(data.aws_secretsmanager_secret_version.{input}.secret_string)[{}]",
                hcl_string(k)
            ),
            Some(SecretSource::SecretsManager { key: None, .. }) => {
                format!("data.aws_secretsmanager_secret_version.{input}.secret_string")
            }
            Some(SecretSource::SsmSecure { .. }) => format!("data.aws_ssm_parameter.{input}.value"),
            None => "null".into(),
        }
    }

    fn call(&self, f: &str, args: &[Expr]) -> String {
        let a: Vec<String> = args.iter().map(|x| self.hcl(x)).collect();
        let all = a.join(", ");
        let name = match f {
            "upper" | "lower" | "replace" | "substr" | "split" | "join" | "length" | "element"
            | "contains" | "concat" | "flatten" | "distinct" | "sort" | "range" | "keys"
            | "values" | "merge" | "lookup" | "zipmap" | "coalesce" | "min" | "max" | "abs"
            | "ceil" | "floor" => f,
            "trim" => "trimspace",
            "starts_with" => "startswith",
            "ends_with" => "endswith",
            "to_string" | "format_number" => "tostring",
            "to_int" => "tonumber",
            "cidr_subnet" => "cidrsubnet",
            "cidr_host" => "cidrhost",
            "base64_encode" => "base64encode",
            "base64_decode" => "base64decode",
            "json_encode" => "jsonencode",
            "url_encode" => "urlencode",
            "cidr_subnets" => {
                // `cidrsubnets` takes one new-bits argument per subnet.
                return format!(
                    "[for i in range({}) : cidrsubnet({}, {}, i)]",
                    a.get(2).cloned().unwrap_or_default(),
                    a.first().cloned().unwrap_or_default(),
                    a.get(1).cloned().unwrap_or_default()
                );
            }
            other => other,
        };
        format!("{name}({all})")
    }
}

/// `variables.tf.json`: each input (parameterised mode), and the environment's
/// outputs for a service that reads them.
fn variables(stack: &Stack) -> Node {
    let mut vars = Vec::new();
    for p in &stack.params {
        let mut body = vec![("type".to_string(), Node::str(type_expr(&p.ty)))];
        if let Some(d) = &p.description {
            body.push(("description".into(), Node::str(escape(d))));
        }
        if let Some(d) = &p.default {
            body.push(("default".into(), literal(d)));
        } else if matches!(p.ty, Ty::Optional(_)) {
            body.push(("default".into(), Node::Null));
        }
        if p.secret {
            body.push(("sensitive".into(), Node::Bool(true)));
        }
        let rules = validations(&p.name, &p.ty);
        if !rules.is_empty() {
            body.push(("validation".into(), Node::List(rules)));
        }
        vars.push((p.name.clone(), Node::Map(body)));
    }
    for c in stack.context.keys() {
        let ty = if c.ty() == Ty::Int {
            "number"
        } else {
            "string"
        };
        vars.push((
            c.parameter().to_string(),
            Node::Map(vec![
                ("type".into(), Node::str(ty)),
                ("description".into(), Node::str(c.description())),
            ]),
        ));
    }
    if let Some(link) = &stack.environment
        && !link.outputs.is_empty()
    {
        let fields = link
            .outputs
            .iter()
            .map(|(n, t)| format!("{n} = {}", type_expr(t)))
            .collect::<Vec<_>>()
            .join(", ");
        vars.push((
            ENVIRONMENT_VARIABLE.to_string(),
            Node::Map(vec![
                ("type".into(), Node::str(format!("object({{{fields}}})"))),
                (
                    "description".into(),
                    Node::str(format!(
                        "The outputs of the `{}` environment this service runs in (`terraform output -json` of its stack)",
                        link.template
                    )),
                ),
            ]),
        ));
    }
    if vars.is_empty() {
        return Node::Map(Vec::new());
    }
    Node::single("variable", Node::Map(vars))
}

/// A Terraform type constraint.
pub fn type_expr(ty: &Ty) -> String {
    match ty {
        Ty::Bool => "bool".into(),
        Ty::Int | Ty::Number => "number".into(),
        Ty::String | Ty::Secret => "string".into(),
        Ty::Lit(l) => match l {
            Lit::Bool(_) => "bool".into(),
            Lit::Int(_) | Lit::Number(_) => "number".into(),
            Lit::String(_) => "string".into(),
        },
        Ty::List(t) => format!("list({})", type_expr(t)),
        Ty::Map(t) => format!("map({})", type_expr(t)),
        Ty::Record(fields) => format!(
            "object({{{}}})",
            fields
                .iter()
                .map(|(k, f)| format!("{k} = {}", type_expr(&f.ty)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Ty::Optional(t) | Ty::Refined(t, _) => type_expr(t),
        Ty::Union(members) => members.first().map_or("any".into(), type_expr),
        _ => "any".into(),
    }
}

/// Whether `e` compares something with `null`: the guard whose right side
/// Terraform must not evaluate when the guard decides.
fn tests_null(e: &Expr) -> bool {
    match e {
        Expr::Binary(BinaryOp::Eq | BinaryOp::Ne, a, b, _) => {
            matches!(**a, Expr::Null) || matches!(**b, Expr::Null)
        }
        Expr::Binary(BinaryOp::And | BinaryOp::Or, a, b, _) => tests_null(a) || tests_null(b),
        Expr::Unary(UnaryOp::Not, a, _) => tests_null(a),
        _ => false,
    }
}

/// `validation` blocks from literal unions and refinements.
fn validations(name: &str, ty: &Ty) -> Vec<Node> {
    let var = format!("var.{name}");
    let mut out = Vec::new();
    let rule = |cond: String, msg: String| {
        Node::Map(vec![
            ("condition".into(), Node::str(format!("${{{cond}}}"))),
            ("error_message".into(), Node::str(escape(&msg))),
        ])
    };
    let (inner, optional) = match ty {
        Ty::Optional(t) => (&**t, true),
        t => (t, false),
    };
    // A conditional, not `||`: Terraform evaluates both sides of `||`, and a
    // comparison with null fails.
    let guard = |c: String| {
        if optional {
            format!("{var} == null ? true : ({c})")
        } else {
            c
        }
    };
    let (base, refinements): (&Ty, &[Refinement]) = match inner {
        Ty::Refined(t, rs) => (t, rs),
        t => (t, &[]),
    };
    let allowed: Vec<String> = match base {
        Ty::Lit(l) => vec![lit_hcl(l)],
        Ty::Union(ms) => ms
            .iter()
            .filter_map(|m| match m {
                Ty::Lit(l) => Some(lit_hcl(l)),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    if !allowed.is_empty() {
        out.push(rule(
            guard(format!("contains([{}], {var})", allowed.join(", "))),
            format!("The value of {name} must be one of {}.", allowed.join(", ")),
        ));
    }
    for r in refinements {
        match r {
            Refinement::Range { lo, hi } => {
                let mut parts = Vec::new();
                if let Some(lo) = lo {
                    parts.push(format!("{var} >= {}", number_text(*lo)));
                }
                if let Some(hi) = hi {
                    parts.push(format!("{var} <= {}", number_text(*hi)));
                }
                if !parts.is_empty() {
                    out.push(rule(
                        guard(parts.join(" && ")),
                        format!(
                            "The value of {name} must be in {}..{}.",
                            lo.map(number_text).unwrap_or_default(),
                            hi.map(number_text).unwrap_or_default()
                        ),
                    ));
                }
            }
            Refinement::Length { lo, hi } => {
                let mut parts = Vec::new();
                if let Some(lo) = lo {
                    parts.push(format!("length({var}) >= {lo}"));
                }
                if let Some(hi) = hi {
                    parts.push(format!("length({var}) <= {hi}"));
                }
                if !parts.is_empty() {
                    out.push(rule(
                        guard(parts.join(" && ")),
                        format!("The length of {name} is out of bounds."),
                    ));
                }
            }
            Refinement::Pattern(p) => out.push(rule(
                guard(format!("can(regex({}, {var}))", hcl_string(p))),
                format!("The value of {name} must match the pattern {p}."),
            )),
        }
    }
    out
}

fn lit_hcl(l: &Lit) -> String {
    match l {
        Lit::Bool(b) => b.to_string(),
        Lit::Int(i) => i.to_string(),
        Lit::Number(n) => number_text(*n),
        Lit::String(s) => hcl_string(s),
    }
}

/// A constant as a plain JSON value (variable defaults and tfvars are not templates).
fn literal(e: &Expr) -> Node {
    match e {
        Expr::Bool(b) => Node::Bool(*b),
        Expr::Int(i) => Node::Int(*i),
        Expr::Number(n) => Node::Number(*n),
        Expr::String(s) => Node::str(s),
        Expr::List(items) => Node::List(items.iter().map(literal).collect()),
        Expr::Map(entries) => Node::Map(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), literal(v)))
                .collect(),
        ),
        _ => Node::Null,
    }
}

/// `terraform.tfvars.json`: the instance's values for the variables (secrets are
/// never written: Terraform reads them from `TF_VAR_…` at apply time).
fn tfvars(stack: &Stack, values: &Inputs) -> Node {
    let mut out = Vec::new();
    for p in &stack.params {
        if p.secret {
            continue;
        }
        if let Some(c) = values.values.get(&p.name) {
            out.push((p.name.clone(), literal(&const_expr(c))));
        }
    }
    for (c, value) in &stack.context {
        if let Some(v) = value {
            out.push((c.parameter().to_string(), literal(v)));
        }
    }
    Node::Map(out)
}

fn const_expr(c: &Const) -> Expr {
    crate::ir::lower::const_expr(c)
}
