//! The lowered program: what backends read, and all they read (they never see the
//! AST). One [`Stack`] is one deployable artifact: a template rendered for one
//! instance, or a template alone in parameterised mode.
//!
//! Compile-time values are folded away during lowering, so an [`Expr`] is a plain
//! value (null, bool, number, string, list, map) except where a node says the value is
//! only known later: a parameter, a resource attribute, an environment output, a
//! secret, or an operation on one of those. Each backend turns those nodes into its own
//! expressions, or reports (at the node's span) that it cannot.

pub mod lower;
pub mod names;
pub mod pipeline;

/// The operators of [`Expr::Binary`] and [`Expr::Unary`] (the language's own).
pub use crate::syntax::ast::{BinaryOp, UnaryOp};
use crate::syntax::span::Span;
use crate::types::context::ContextName;
use crate::types::pseudo::Pseudo;
use crate::types::targets::Target;
use crate::types::ty::Ty;

/// How a template is compiled (DESIGN.md, "two compile modes").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A template and one instance's inputs: a concrete template.
    Render,
    /// A template alone: inputs become parameters or variables.
    Parameterised,
}

/// What was compiled, for the artifact's metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateInfo {
    /// `environment`, `service`.
    pub kind: &'static str,
    pub name: String,
    pub version: String,
    pub description: Option<String>,
    /// sha256 of the sources the artifact was compiled from (the template's file and
    /// the files it imports), hex.
    pub source_hash: String,
    /// The instance rendered: the environment's or service instance's name.
    pub instance: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Stack {
    pub template: TemplateInfo,
    pub target: Target,
    pub mode: Mode,
    /// Parameters (parameterised mode: every input; both modes: the environment's name
    /// when a parameterised service imports its outputs).
    pub params: Vec<Param>,
    /// Named boolean conditions over parameters (parameterised mode).
    pub conditions: Vec<Condition>,
    pub resources: Vec<Resource>,
    pub outputs: Vec<Output>,
    /// The environment this stack runs in, for a service that reads its outputs.
    pub environment: Option<EnvironmentLink>,
    /// Secrets read from a secret store in render mode (CloudFormation resolves them
    /// with dynamic references; Terraform reads them with data sources).
    pub secrets: Vec<SecretRead>,
    /// The pseudo-parameters the stack reads (Terraform declares a data source for
    /// each).
    pub pseudo: std::collections::BTreeSet<Pseudo>,
    /// The context names a template compiled alone reads (each a parameter, but what
    /// the engine knows), with the instance's value when one was given (for
    /// `terraform.tfvars.json`).
    pub context: std::collections::BTreeMap<ContextName, Option<Expr>>,
}

impl Stack {
    /// The resources in the order the template declares them (a `for`'s elements in
    /// order, a module's resources where its `use` is). Lowering adds them in
    /// dependency order, which the IDs ([`ResId`]) keep.
    pub fn resources_in_order(&self) -> Vec<&Resource> {
        let mut out: Vec<(usize, &Resource)> = self.resources.iter().enumerate().collect();
        out.sort_by_key(|(i, r)| (r.anchor, *i));
        out.into_iter().map(|(_, r)| r).collect()
    }
}

/// One template input, as a CloudFormation parameter or a Terraform variable.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// The input's name (`desired_count`); backends derive their own spelling.
    pub name: String,
    pub ty: Ty,
    pub description: Option<String>,
    /// The default, when the input has one (a constant).
    pub default: Option<Expr>,
    pub secret: bool,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub name: String,
    pub expr: Expr,
}

/// A resource index into [`Stack::resources`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResId(pub u32);

#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// The path the template gives it: `vpc`, `public_subnet[1]`, `app.task`.
    pub path: String,
    /// CloudFormation logical ID or Terraform resource name, unique in the stack.
    pub id: String,
    pub type_name: String,
    pub properties: Vec<(String, Expr)>,
    /// Present only when this condition holds (parameterised mode).
    pub condition: Option<String>,
    /// Terraform `count`/`for_each` in parameterised mode.
    pub repeat: Option<Repeat>,
    pub depends_on: Vec<ResId>,
    /// `lifecycle { … }` as written (Terraform), and `prevent_destroy` for CloudFormation.
    pub lifecycle: Vec<(String, Expr)>,
    /// Where the template declares it (its `use`, for a module's resource): output lists
    /// resources in the template's order.
    pub anchor: u32,
    pub span: Span,
}

/// A Terraform resource repeated over a collection only known when it is applied.
#[derive(Debug, Clone, PartialEq)]
pub enum Repeat {
    /// `count = N`, the loop variable is `count.index`.
    Count(Expr),
    /// `for_each = collection`; the loop variables are `each.key` and `each.value`.
    ForEach(Expr),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    pub name: String,
    pub value: Expr,
    pub ty: Ty,
    pub description: Option<String>,
    /// Exported for services to import (environment outputs).
    pub export: bool,
    pub condition: Option<String>,
    pub span: Span,
}

/// A service's environment: its name (known in render mode; a parameter otherwise).
#[derive(Debug, Clone, PartialEq)]
pub struct EnvironmentLink {
    pub template: String,
    pub instance: Option<String>,
    /// The outputs the service reads, with their types.
    pub outputs: Vec<(String, Ty)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SecretSource {
    /// AWS Secrets Manager: a secret's name or ARN, and optionally a JSON key in it.
    SecretsManager { name: String, key: Option<String> },
    /// An SSM Parameter Store `SecureString`.
    SsmSecure { name: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct SecretRead {
    /// The input it fills.
    pub input: String,
    pub source: SecretSource,
}

/// A value. Constants are plain; every other node is known only at deploy time (or,
/// for a parameter, when the stack is created) and carries the span it came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Null,
    Bool(bool),
    Int(i64),
    Number(f64),
    String(String),
    List(Vec<Expr>),
    Map(Vec<(String, Expr)>),
    /// An input in parameterised mode.
    Param(String, Span),
    /// The resource itself: CloudFormation `Ref`, Terraform `id`.
    Ref(ResId, Span),
    /// An attribute of a resource: `Fn::GetAtt`, `${aws_x.y.attr}`.
    Attr(ResId, String, Span),
    /// An output of the environment the service runs in.
    EnvOutput(String, Span),
    /// What the deploy knows of where it runs: `aws.region`, `availability_zones()`.
    Pseudo(Pseudo, Span),
    /// A context name in a template compiled alone (`instance.name`): a parameter or
    /// what the engine knows (`AWS::StackName`). Rendering writes its value.
    Context(ContextName, Span),
    /// A secret input read from a store.
    Secret(String, Span),
    /// A string made of parts (interpolation).
    Concat(Vec<Expr>, Span),
    /// A standard function applied to a deploy-time argument.
    Call(&'static str, Vec<Expr>, Span),
    Unary(UnaryOp, Box<Expr>, Span),
    Binary(BinaryOp, Box<Expr>, Box<Expr>, Span),
    If(Box<Expr>, Box<Expr>, Box<Expr>, Span),
    /// A condition of [`Stack::conditions`], by name (CloudFormation `Condition`).
    Cond(String, Span),
    Index(Box<Expr>, Box<Expr>, Span),
    Member(Box<Expr>, String, Span),
    /// A Terraform `for` expression over a collection known at apply time.
    For(Box<ForExpr>, Span),
    /// A loop variable of [`Expr::For`] or of a repeated resource.
    Var(String, Span),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ForExpr {
    pub key: Option<String>,
    pub value: String,
    pub collection: Expr,
    /// `[for …: body]`, or `{for …: key => body}` when `map_key` is set.
    pub map_key: Option<Expr>,
    pub body: Expr,
    pub filter: Option<Expr>,
}

impl Expr {
    /// How many nodes the value holds (list and map elements, deploy-time operations),
    /// counting no further than `cap`: what a copy of it costs.
    pub fn size_capped(&self, cap: u64) -> u64 {
        let mut n = 0u64;
        let mut stack = vec![self];
        while let Some(e) = stack.pop() {
            n += 1;
            if n >= cap {
                return n;
            }
            match e {
                Expr::List(items) | Expr::Concat(items, _) | Expr::Call(_, items, _) => {
                    stack.extend(items)
                }
                Expr::Map(entries) => stack.extend(entries.iter().map(|(_, v)| v)),
                Expr::Unary(_, a, _) | Expr::Member(a, _, _) => stack.push(a),
                Expr::Binary(_, a, b, _) | Expr::Index(a, b, _) => {
                    stack.push(a);
                    stack.push(b);
                }
                Expr::If(c, a, b, _) => {
                    stack.push(c);
                    stack.push(a);
                    stack.push(b);
                }
                Expr::For(f, _) => {
                    stack.push(&f.collection);
                    stack.push(&f.body);
                    if let Some(k) = &f.map_key {
                        stack.push(k);
                    }
                    if let Some(x) = &f.filter {
                        stack.push(x);
                    }
                }
                _ => {}
            }
        }
        n
    }

    /// Whether the value is fully known now (no deploy-time node inside).
    pub fn is_const(&self) -> bool {
        match self {
            Expr::Null | Expr::Bool(_) | Expr::Int(_) | Expr::Number(_) | Expr::String(_) => true,
            Expr::List(items) => items.iter().all(Expr::is_const),
            Expr::Map(entries) => entries.iter().all(|(_, v)| v.is_const()),
            _ => false,
        }
    }

    /// The span of a deploy-time node (constants have none).
    pub fn span(&self) -> Option<Span> {
        match self {
            Expr::Param(_, s)
            | Expr::Ref(_, s)
            | Expr::Attr(_, _, s)
            | Expr::EnvOutput(_, s)
            | Expr::Pseudo(_, s)
            | Expr::Context(_, s)
            | Expr::Secret(_, s)
            | Expr::Concat(_, s)
            | Expr::Call(_, _, s)
            | Expr::Unary(_, _, s)
            | Expr::Binary(_, _, _, s)
            | Expr::If(_, _, _, s)
            | Expr::Cond(_, s)
            | Expr::Index(_, _, s)
            | Expr::Member(_, _, s)
            | Expr::For(_, s)
            | Expr::Var(_, s) => Some(*s),
            _ => None,
        }
    }

    /// Every resource this value reads, in order of first appearance.
    pub fn resources(&self, out: &mut Vec<ResId>) {
        let mut stack = vec![self];
        while let Some(e) = stack.pop() {
            match e {
                Expr::Ref(r, _) | Expr::Attr(r, _, _) if !out.contains(r) => out.push(*r),
                Expr::List(items) | Expr::Concat(items, _) | Expr::Call(_, items, _) => {
                    stack.extend(items.iter().rev())
                }
                Expr::Map(entries) => stack.extend(entries.iter().rev().map(|(_, v)| v)),
                Expr::Unary(_, a, _) | Expr::Member(a, _, _) => stack.push(a),
                Expr::Binary(_, a, b, _) | Expr::Index(a, b, _) => {
                    stack.push(b);
                    stack.push(a);
                }
                Expr::If(c, a, b, _) => {
                    stack.push(b);
                    stack.push(a);
                    stack.push(c);
                }
                Expr::For(f, _) => {
                    stack.push(&f.body);
                    if let Some(k) = &f.map_key {
                        stack.push(k);
                    }
                    if let Some(c) = &f.filter {
                        stack.push(c);
                    }
                    stack.push(&f.collection);
                }
                _ => {}
            }
        }
    }
}
