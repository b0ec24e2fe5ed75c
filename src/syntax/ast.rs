//! The abstract syntax tree of a `.fw` file.
//!
//! Every node carries the [`Span`] it was parsed from. The tree is lossless enough for
//! the formatter: comments live beside it in [`Trivia`], and whether a list, map or
//! match was written over several lines is kept on the node. Broken input becomes
//! `Error` nodes, never a missing tree.

pub use crate::syntax::small_string::SmallString;
use crate::syntax::span::Span;

/// A parsed file: its items, and the comments found between tokens.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceFile {
    pub items: Vec<Item>,
    pub trivia: Trivia,
    pub span: Span,
}

/// Comments, in source order. Doc comments (`///`) are also attached to the
/// declaration they precede, as `doc` fields.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Trivia {
    pub comments: Vec<Comment>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentKind {
    /// `// …`
    Line,
    /// `/// …`
    Doc,
    /// `/* … */`, possibly nested and over several lines.
    Block,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    pub kind: CommentKind,
    pub span: Span,
}

/// A name as written, with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    pub name: SmallString,
    pub span: Span,
}

/// The text of the `///` comments attached to a declaration, one line each, without
/// the leading `///` and at most one leading space.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Doc {
    pub lines: Vec<String>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Import(Import),
    TypeAlias(TypeAlias),
    Decl(Decl),
    Error(Span),
}

/// `import "modules/network.fw" as network` or `import std.aws as aws`.
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    pub target: ImportTarget,
    pub alias: Option<Ident>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ImportTarget {
    File(StringLit),
    Path(Vec<Ident>),
}

/// `type Port = Int in 1..65535`
#[derive(Debug, Clone, PartialEq)]
pub struct TypeAlias {
    pub doc: Option<Doc>,
    pub name: Ident,
    pub ty: TypeExpr,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DeclKind {
    Environment,
    Service,
    Module,
}

impl DeclKind {
    pub fn keyword(self) -> &'static str {
        match self {
            DeclKind::Environment => "environment",
            DeclKind::Service => "service",
            DeclKind::Module => "module",
        }
    }
}

/// `service "web" { … }`, `environment "shared-vpc" { … }`, `module "bucket" { … }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Decl {
    pub doc: Option<Doc>,
    pub kind: DeclKind,
    pub name: StringLit,
    pub body: Vec<BodyItem>,
    pub span: Span,
}

impl Decl {
    /// The declaration's (first) `pipeline { … }` block.
    pub fn pipeline(&self) -> Option<&PipelineBlock> {
        self.body.iter().find_map(|b| match b {
            BodyItem::Pipeline(p) => Some(p),
            _ => None,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum BodyItem {
    Attribute(Attribute),
    Requires(Requires),
    Input(InputBlock),
    Let(Let),
    Use(Use),
    Resource(Resource),
    Output(Output),
    Pipeline(PipelineBlock),
    Error(Span),
}

/// `name = expr`: a declaration setting (`version`, `description`), a resource
/// property, a module argument or a pipeline setting.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

/// `requires environment "shared-vpc" ^3.0`
#[derive(Debug, Clone, PartialEq)]
pub struct Requires {
    pub doc: Option<Doc>,
    pub name: StringLit,
    pub constraint: VersionConstraint,
    pub span: Span,
}

/// Alternatives joined by `||`, each a set of comparators joined by `,`.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionConstraint {
    pub alternatives: Vec<ComparatorSet>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ComparatorSet {
    pub comparators: Vec<Comparator>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConstraintOp {
    /// `2.1`: exactly this version (or, with a wildcard, any matching one).
    Exact,
    /// `=2.1`
    Eq,
    /// `^2.1`: the same major, at least this minor.
    Caret,
    /// `~2.1`: the same major and minor.
    Tilde,
    Gt,
    Ge,
    Lt,
    Le,
}

impl ConstraintOp {
    pub fn symbol(self) -> &'static str {
        match self {
            ConstraintOp::Exact => "",
            ConstraintOp::Eq => "=",
            ConstraintOp::Caret => "^",
            ConstraintOp::Tilde => "~",
            ConstraintOp::Gt => ">",
            ConstraintOp::Ge => ">=",
            ConstraintOp::Lt => "<",
            ConstraintOp::Le => "<=",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Comparator {
    pub op: ConstraintOp,
    pub version: VersionPattern,
    pub span: Span,
}

/// `3`, `3.1` or `3.x`: a major version and an optional minor (`None` for `3` and `3.x`).
#[derive(Debug, Clone, PartialEq)]
pub struct VersionPattern {
    pub major: u64,
    pub minor: Option<u64>,
    pub wildcard: bool,
    pub span: Span,
}

/// `input { … }` (per-instance inputs) or `pipeline input { … }`.
#[derive(Debug, Clone, PartialEq)]
pub struct InputBlock {
    pub pipeline: bool,
    pub fields: Vec<Field>,
    pub multiline: bool,
    pub span: Span,
}

/// `name: Type = default`, in an input block or a record type.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub doc: Option<Doc>,
    pub name: Ident,
    pub ty: TypeExpr,
    pub default: Option<Expr>,
    pub span: Span,
}

/// `let name = expr` or `let name: Type = expr`.
#[derive(Debug, Clone, PartialEq)]
pub struct Let {
    pub doc: Option<Doc>,
    pub name: Ident,
    pub ty: Option<TypeExpr>,
    pub value: Expr,
    pub span: Span,
}

/// `use app = std.aws.fargate_service { cluster = …, image = … }`
#[derive(Debug, Clone, PartialEq)]
pub struct Use {
    pub doc: Option<Doc>,
    pub name: Ident,
    pub module: Vec<Ident>,
    pub args: Vec<Attribute>,
    pub multiline: bool,
    pub span: Span,
}

/// `resource name: TYPE [when EXPR] [for X in EXPR] { Property = … }`
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub doc: Option<Doc>,
    pub name: Ident,
    pub ty: ResourceType,
    pub condition: Option<Expr>,
    pub for_each: Option<ForClause>,
    pub body: Vec<Attribute>,
    pub multiline: bool,
    pub span: Span,
}

/// A resource type as the target names it: `AWS::EC2::VPC` or `aws_vpc`.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceType {
    pub name: String,
    /// Written `untyped TYPE`: no schema check, a warning instead.
    pub untyped: bool,
    pub span: Span,
}

/// `for x in xs` or `for k, v in m`.
#[derive(Debug, Clone, PartialEq)]
pub struct ForClause {
    pub key: Option<Ident>,
    pub value: Ident,
    pub collection: Box<Expr>,
    pub span: Span,
}

/// `output name: Type = expr` (the type may be left out).
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    pub doc: Option<Doc>,
    pub name: Ident,
    pub ty: Option<TypeExpr>,
    pub value: Expr,
    pub span: Span,
}

/// `pipeline { … }`: settings and steps.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineBlock {
    pub items: Vec<PipelineItem>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PipelineItem {
    Attribute(Attribute),
    Step(Step),
    Error(Span),
}

/// `KEYWORD ARG [when COND] [{ … }]`: `stage "build" { … }`, `run "make test"`,
/// `deploy instances`, `approve "release" when instance.inputs.approval`, and the loop
/// `for instance in instances { … }` (keyword `for`, argument [`StepArg::Loop`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub keyword: Ident,
    pub arg: StepArg,
    /// `when COND`: the step is there only when `COND` is true (decided when the
    /// pipeline is built, from the spec's values).
    pub condition: Option<Expr>,
    pub body: Option<Vec<PipelineItem>>,
    pub span: Span,
    /// How deeply steps nest (see [`TypeExpr::depth`]).
    pub depth: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StepArg {
    String(StringLit),
    Path(Vec<Ident>),
    List(Expr),
    /// `artifact NAME = "PATH"`: a named artifact, whose content later stages read as
    /// `artifacts.NAME`.
    Named {
        name: Ident,
        value: StringLit,
    },
    /// `for VAR in instances[.ENV]`: the loop's variable and what it walks.
    Loop {
        var: Ident,
        source: Vec<Ident>,
    },
}

// ---------------------------------------------------------------------------------
// Types

#[derive(Debug, Clone, PartialEq)]
pub struct TypeExpr {
    pub kind: TypeKind,
    pub span: Span,
    /// How deeply this type nests; the parser refuses trees deeper than `MAX_NESTING`,
    /// so every recursive pass over the tree has a bounded stack.
    pub depth: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    /// `String`, `Int`, `Cidr`, `List<T>`, `Map<T>`, `std.net.Cidr`.
    Named {
        path: Vec<Ident>,
        args: Vec<TypeExpr>,
    },
    /// `{ name: String, port: Int = 80 }`
    Record {
        fields: Vec<Field>,
        multiline: bool,
    },
    /// `80`, `true`: a singleton type.
    Literal(Literal),
    /// `"small"`: a singleton string type.
    String(StringLit),
    /// `T?`
    Optional(Box<TypeExpr>),
    /// `A | B | C`
    Union(Vec<TypeExpr>),
    /// `T in 1..10`, `T matches /re/`, `T len 1..64`.
    Refined {
        base: Box<TypeExpr>,
        refinement: Box<Refinement>,
    },
    /// `( T )`, kept so the formatter writes it back.
    Paren(Box<TypeExpr>),
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Refinement {
    Range(RangeBounds),
    Length(RangeBounds),
    Matches(RegexLit),
}

/// `lo..hi`, `lo..`, `..hi`: inclusive bounds.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeBounds {
    pub lo: Option<NumberLit>,
    pub hi: Option<NumberLit>,
    pub span: Span,
}

/// `/pattern/`, as written between the slashes (escapes of `/` kept).
#[derive(Debug, Clone, PartialEq)]
pub struct RegexLit {
    pub pattern: String,
    pub span: Span,
}

// ---------------------------------------------------------------------------------
// Expressions

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
    /// How deeply this expression nests (see [`TypeExpr::depth`]).
    pub depth: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Literal(Literal),
    String(StringLit),
    /// A name: `cpu`, `input`, `environment`.
    Name(Ident),
    List {
        items: Vec<Expr>,
        multiline: bool,
    },
    Map {
        entries: Vec<MapEntry>,
        multiline: bool,
    },
    /// `[for x in xs : f(x) if cond]`
    ListComprehension {
        clause: Box<ForClause>,
        body: Box<Expr>,
        filter: Option<Box<Expr>>,
    },
    /// `{for k, v in m : k => f(v) if cond}`
    MapComprehension {
        clause: Box<ForClause>,
        key: Box<Expr>,
        value: Box<Expr>,
        filter: Option<Box<Expr>>,
    },
    Member {
        object: Box<Expr>,
        field: Ident,
    },
    Index {
        object: Box<Expr>,
        index: Box<Expr>,
    },
    Call {
        callee: Box<Expr>,
        args: Vec<Expr>,
    },
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    If {
        cond: Box<Expr>,
        then_branch: Box<Expr>,
        else_branch: Box<Expr>,
    },
    Match {
        scrutinee: Box<Expr>,
        arms: Vec<MatchArm>,
        multiline: bool,
    },
    Paren(Box<Expr>),
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MapEntry {
    pub key: MapKey,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum MapKey {
    Ident(Ident),
    String(StringLit),
}

impl MapKey {
    /// The key's text (`None` for an interpolated string key) and its span.
    pub fn plain(&self) -> (Option<String>, Span) {
        match self {
            MapKey::Ident(i) => (Some(i.name.to_string()), i.span),
            MapKey::String(s) => (s.as_plain(), s.span),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct MatchArm {
    pub patterns: Vec<Pattern>,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Pattern {
    Literal(Literal, Span),
    String(StringLit),
    Wildcard(Span),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Not,
    Neg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    /// `a ?? b`: `a` unless it is null, else `b`.
    Coalesce,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "||",
            BinaryOp::And => "&&",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
            BinaryOp::Coalesce => "??",
        }
    }
}

/// Literals other than strings. Numbers keep their source text so `2.10` stays `2.10`.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Bool(bool),
    Null,
    Number(NumberLit),
}

#[derive(Debug, Clone, PartialEq)]
pub struct NumberLit {
    pub text: SmallString,
    pub value: NumberValue,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NumberValue {
    Int(i64),
    Float(f64),
}

/// A string literal: text pieces (escapes decoded) and `${…}` interpolations.
#[derive(Debug, Clone, PartialEq)]
pub struct StringLit {
    pub parts: Vec<StringPart>,
    pub span: Span,
    /// A `"""` string, which may span lines (its text values have the closing
    /// line's indentation stripped; `raw` keeps the source).
    pub long: bool,
}

impl StringLit {
    /// The string's value when it has no interpolation.
    pub fn as_plain(&self) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                StringPart::Text { value, .. } => out.push_str(value),
                StringPart::Interpolation(_) => return None,
            }
        }
        Some(out)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum StringPart {
    /// Decoded text, and the source text it came from (escapes as written).
    Text {
        value: SmallString,
        raw: SmallString,
        span: Span,
    },
    Interpolation(Box<Expr>),
}
