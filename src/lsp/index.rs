//! The names a template file declares and where each is used, read from the
//! parser's tree (the program the check built): inputs, pipeline inputs, lets, module
//! uses, resources, outputs and the declarations themselves; uses of `input.X`,
//! `pipeline.input.X`, a local name, `environment.outputs.X`, a module's path and a
//! resource's type. Hover, definition, references, rename and symbols read it.

use crate::resolve::{DeclId, Program};
use crate::syntax::ast::{self, BodyItem, DeclKind, Expr, ExprKind, Item, StringPart};
use crate::syntax::span::{FileId, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefKind {
    Decl(DeclKind),
    Input,
    PipelineInput,
    Let,
    Use,
    Resource,
    Output,
}

impl DefKind {
    pub fn word(self) -> &'static str {
        match self {
            DefKind::Decl(k) => k.keyword(),
            DefKind::Input => "input",
            DefKind::PipelineInput => "pipeline input",
            DefKind::Let => "let",
            DefKind::Use => "module use",
            DefKind::Resource => "resource",
            DefKind::Output => "output",
        }
    }
}

/// A name a declaration declares.
#[derive(Debug, Clone)]
pub struct Def {
    pub kind: DefKind,
    pub name: String,
    /// The name as written.
    pub span: Span,
    /// The whole item.
    pub item: Span,
    pub decl: DeclId,
    pub doc: Option<String>,
}

/// What a name used in an expression refers to.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// An input, let, use or resource of the enclosing declaration.
    Local(DefKind, String),
    /// `environment.outputs.NAME`: an output of a required environment.
    EnvironmentOutput(String),
    /// `std.aws.fargate_service`, `network.vpc`: a module.
    Module(Vec<String>),
    /// A resource's type.
    ResourceType(String),
    /// A resource's property (its type, the property).
    Property(String, String),
    /// A function call's name.
    Function(String),
}

/// A use of a name: where, what it refers to, and the declaration it is in.
#[derive(Debug, Clone)]
pub struct Ref {
    pub span: Span,
    pub target: Target,
    pub decl: DeclId,
}

#[derive(Debug, Default)]
pub struct FileIndex {
    pub defs: Vec<Def>,
    pub refs: Vec<Ref>,
}

fn doc(d: &Option<ast::Doc>) -> Option<String> {
    d.as_ref().map(|d| d.lines.join("\n"))
}

/// The index of one file of the program.
pub fn index_file(program: &Program, file: FileId) -> FileIndex {
    let mut out = FileIndex::default();
    let Some(f) = program.file(file) else {
        return out;
    };
    for (i, item) in f.ast.items.iter().enumerate() {
        let Item::Decl(d) = item else { continue };
        let id = DeclId { file, item: i };
        let def = |kind, name: &ast::Ident, item: Span, d: &Option<ast::Doc>| Def {
            kind,
            name: name.name.to_string(),
            span: name.span,
            item,
            decl: id,
            doc: doc(d),
        };
        out.defs.push(Def {
            kind: DefKind::Decl(d.kind),
            name: d.name.as_plain().unwrap_or_default(),
            span: d.name.span,
            item: d.span,
            decl: id,
            doc: doc(&d.doc),
        });
        let mut walker = Walker {
            decl: id,
            refs: &mut out.refs,
            locals: Vec::new(),
        };
        for b in &d.body {
            match b {
                BodyItem::Input(block) => {
                    let kind = if block.pipeline {
                        DefKind::PipelineInput
                    } else {
                        DefKind::Input
                    };
                    for field in &block.fields {
                        out.defs
                            .push(def(kind, &field.name, field.span, &field.doc));
                        if let Some(e) = &field.default {
                            walker.expr(e);
                        }
                    }
                }
                BodyItem::Let(l) => out.defs.push(def(DefKind::Let, &l.name, l.span, &l.doc)),
                BodyItem::Use(u) => out.defs.push(def(DefKind::Use, &u.name, u.span, &u.doc)),
                BodyItem::Resource(r) => {
                    out.defs
                        .push(def(DefKind::Resource, &r.name, r.span, &r.doc))
                }
                BodyItem::Output(o) => out.defs.push(def(DefKind::Output, &o.name, o.span, &o.doc)),
                _ => {}
            }
        }
        let names: Vec<(String, DefKind)> = out
            .defs
            .iter()
            .filter(|x| x.decl == id)
            .filter(|x| matches!(x.kind, DefKind::Let | DefKind::Use | DefKind::Resource))
            .map(|x| (x.name.clone(), x.kind))
            .collect();
        walker.locals = names;
        for b in &d.body {
            match b {
                BodyItem::Attribute(a) => walker.expr(&a.value),
                BodyItem::Let(l) => walker.expr(&l.value),
                BodyItem::Output(o) => walker.expr(&o.value),
                BodyItem::Use(u) => {
                    walker.refs.push(Ref {
                        span: u
                            .module
                            .first()
                            .map(|f| f.span.to(u.module.last().map_or(f.span, |l| l.span)))
                            .unwrap_or(u.span),
                        target: Target::Module(
                            u.module.iter().map(|i| i.name.to_string()).collect(),
                        ),
                        decl: id,
                    });
                    for a in &u.args {
                        walker.expr(&a.value);
                    }
                }
                BodyItem::Resource(r) => {
                    walker.refs.push(Ref {
                        span: r.ty.span,
                        target: Target::ResourceType(r.ty.name.clone()),
                        decl: id,
                    });
                    if let Some(c) = &r.condition {
                        walker.expr(c);
                    }
                    if let Some(f) = &r.for_each {
                        walker.expr(&f.collection);
                    }
                    for a in &r.body {
                        walker.refs.push(Ref {
                            span: a.name.span,
                            target: Target::Property(r.ty.name.clone(), a.name.name.to_string()),
                            decl: id,
                        });
                        walker.expr(&a.value);
                    }
                }
                BodyItem::Pipeline(p) => walker.pipeline(&p.items),
                _ => {}
            }
        }
    }
    out
}

struct Walker<'a> {
    decl: DeclId,
    refs: &'a mut Vec<Ref>,
    locals: Vec<(String, DefKind)>,
}

/// The names of a path of members: `environment.outputs.x` is
/// `["environment", "outputs", "x"]` with each name's span.
fn path_of(e: &Expr) -> Option<Vec<(String, Span)>> {
    match &e.kind {
        ExprKind::Name(i) => Some(vec![(i.name.to_string(), i.span)]),
        ExprKind::Member { object, field } => {
            let mut p = path_of(object)?;
            p.push((field.name.to_string(), field.span));
            Some(p)
        }
        _ => None,
    }
}

impl Walker<'_> {
    fn push(&mut self, span: Span, target: Target) {
        self.refs.push(Ref {
            span,
            target,
            decl: self.decl,
        });
    }

    fn pipeline(&mut self, items: &[ast::PipelineItem]) {
        for item in items {
            match item {
                ast::PipelineItem::Attribute(a) => self.expr(&a.value),
                ast::PipelineItem::Step(s) => {
                    match &s.arg {
                        ast::StepArg::String(st) => self.string(st),
                        ast::StepArg::List(e) => self.expr(e),
                        ast::StepArg::Named { value, .. } => self.string(value),
                        ast::StepArg::Path(_) | ast::StepArg::Loop { .. } => {}
                    }
                    if let Some(body) = &s.body {
                        self.pipeline(body);
                    }
                }
                ast::PipelineItem::Error(_) => {}
            }
        }
    }

    fn string(&mut self, s: &ast::StringLit) {
        for part in &s.parts {
            if let StringPart::Interpolation(e) = part {
                self.expr(e);
            }
        }
    }

    /// Records the names `e` uses. The tree's depth is capped by the parser, so the
    /// recursion is bounded.
    fn expr(&mut self, e: &Expr) {
        if let Some(path) = path_of(e) {
            let names: Vec<&str> = path.iter().map(|(n, _)| n.as_str()).collect();
            match names.as_slice() {
                ["input", x, ..] => {
                    return self.push(path[1].1, Target::Local(DefKind::Input, x.to_string()));
                }
                ["pipeline", "input", x, ..] => {
                    return self.push(
                        path[2].1,
                        Target::Local(DefKind::PipelineInput, x.to_string()),
                    );
                }
                ["environment", "outputs", x, ..] => {
                    return self.push(path[2].1, Target::EnvironmentOutput(x.to_string()));
                }
                [x, ..] => {
                    if let Some((_, kind)) = self.locals.iter().find(|(n, _)| n == x) {
                        let kind = *kind;
                        return self.push(path[0].1, Target::Local(kind, x.to_string()));
                    }
                    return;
                }
                [] => return,
            }
        }
        match &e.kind {
            ExprKind::String(s) => self.string(s),
            ExprKind::List { items, .. } => items.iter().for_each(|x| self.expr(x)),
            ExprKind::Map { entries, .. } => entries.iter().for_each(|x| self.expr(&x.value)),
            ExprKind::ListComprehension {
                clause,
                body,
                filter,
            } => {
                self.expr(&clause.collection);
                self.expr(body);
                if let Some(f) = filter {
                    self.expr(f);
                }
            }
            ExprKind::MapComprehension {
                clause,
                key,
                value,
                filter,
            } => {
                self.expr(&clause.collection);
                self.expr(key);
                self.expr(value);
                if let Some(f) = filter {
                    self.expr(f);
                }
            }
            ExprKind::Member { object, .. } => self.expr(object),
            ExprKind::Index { object, index } => {
                self.expr(object);
                self.expr(index);
            }
            ExprKind::Call { callee, args } => {
                if let ExprKind::Name(i) = &callee.kind {
                    self.push(i.span, Target::Function(i.name.to_string()));
                } else {
                    self.expr(callee);
                }
                args.iter().for_each(|x| self.expr(x));
            }
            ExprKind::Unary { operand, .. } => self.expr(operand),
            ExprKind::Binary { lhs, rhs, .. } => {
                self.expr(lhs);
                self.expr(rhs);
            }
            ExprKind::If {
                cond,
                then_branch,
                else_branch,
            } => {
                self.expr(cond);
                self.expr(then_branch);
                self.expr(else_branch);
            }
            ExprKind::Match {
                scrutinee, arms, ..
            } => {
                self.expr(scrutinee);
                arms.iter().for_each(|a| self.expr(&a.value));
            }
            ExprKind::Paren(x) => self.expr(x),
            ExprKind::Literal(_) | ExprKind::Name(_) | ExprKind::Error => {}
        }
    }
}

/// The environment templates a declaration requires, newest version first.
pub fn required_environments(program: &Program, decl: DeclId) -> Vec<DeclId> {
    let Some(d) = program.decl(decl) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for b in &d.body {
        if let BodyItem::Requires(r) = b {
            let name = r.name.as_plain().unwrap_or_default();
            let versions = program.versions_of(DeclKind::Environment, &name);
            let admitted = versions
                .iter()
                .rev()
                .find(|(v, _)| v.is_some_and(|v| crate::types::versions::admits(&r.constraint, v)));
            if let Some((_, id)) = admitted.or(versions.last()) {
                out.push(*id);
            }
        }
    }
    out
}

/// The module a use's path names, from the file the use is in.
pub fn module_decl(program: &Program, file: FileId, path: &[String]) -> Option<DeclId> {
    let (name, prefix) = path.split_last()?;
    let target = if prefix.first().map(String::as_str) == Some("std") {
        let p: Vec<&str> = prefix.iter().map(String::as_str).collect();
        program.std_file(&p)?.id
    } else if prefix.len() == 1 {
        *program.file(file)?.imports.get(&prefix[0])?
    } else if prefix.is_empty() {
        file
    } else {
        return None;
    };
    let f = program.file(target)?;
    f.ast
        .items
        .iter()
        .enumerate()
        .find_map(|(i, item)| match item {
            Item::Decl(d)
                if d.kind == DeclKind::Module && d.name.as_plain().as_deref() == Some(name) =>
            {
                Some(DeclId {
                    file: target,
                    item: i,
                })
            }
            _ => None,
        })
}
