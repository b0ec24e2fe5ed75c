//! A span-free, layout-free printing of the tree, one node per line, indented.
//!
//! Parser snapshots show it, and the formatter's tests compare it before and after
//! formatting: two files with the same shape mean the same thing.

use std::fmt::Write;

use crate::syntax::ast::*;

pub fn shape(file: &SourceFile) -> String {
    let mut p = Printer::default();
    for item in &file.items {
        p.item(item);
    }
    p.out
}

#[derive(Default)]
struct Printer {
    out: String,
    indent: usize,
}

impl Printer {
    fn line(&mut self, text: impl AsRef<str>) {
        for _ in 0..self.indent {
            self.out.push_str("  ");
        }
        self.out.push_str(text.as_ref());
        self.out.push('\n');
    }

    fn nested(&mut self, head: impl AsRef<str>, body: impl FnOnce(&mut Self)) {
        self.line(head);
        self.indent += 1;
        body(self);
        self.indent -= 1;
    }

    fn doc(&mut self, doc: &Option<Doc>) {
        if let Some(d) = doc {
            for l in &d.lines {
                self.line(format!("doc {l:?}"));
            }
        }
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Import(i) => {
                let target = match &i.target {
                    ImportTarget::File(s) => string(s),
                    ImportTarget::Path(p) => path(p),
                };
                let alias = i.alias.as_ref().map(|a| format!(" as {}", a.name));
                self.line(format!("import {target}{}", alias.unwrap_or_default()));
            }
            Item::TypeAlias(t) => {
                self.doc(&t.doc);
                self.nested(format!("type {}", t.name.name), |p| p.ty(&t.ty));
            }
            Item::Decl(d) => {
                self.doc(&d.doc);
                self.nested(format!("{} {}", d.kind.keyword(), string(&d.name)), |p| {
                    for b in &d.body {
                        p.body(b);
                    }
                });
            }
            Item::Error(_) => self.line("error"),
        }
    }

    fn body(&mut self, item: &BodyItem) {
        match item {
            BodyItem::Attribute(a) => self.attribute(a),
            BodyItem::Requires(r) => {
                self.doc(&r.doc);
                self.line(format!(
                    "requires environment {} {}",
                    string(&r.name),
                    constraint(&r.constraint)
                ));
            }
            BodyItem::Input(b) => {
                let head = if b.pipeline {
                    "pipeline input"
                } else {
                    "input"
                };
                self.nested(head, |p| {
                    for f in &b.fields {
                        p.field(f);
                    }
                });
            }
            BodyItem::Let(l) => {
                self.doc(&l.doc);
                self.nested(format!("let {}", l.name.name), |p| {
                    if let Some(t) = &l.ty {
                        p.ty(t);
                    }
                    p.expr(&l.value);
                });
            }
            BodyItem::Use(u) => {
                self.doc(&u.doc);
                self.nested(format!("use {} = {}", u.name.name, path(&u.module)), |p| {
                    for a in &u.args {
                        p.attribute(a);
                    }
                });
            }
            BodyItem::Resource(r) => {
                self.doc(&r.doc);
                let untyped = if r.ty.untyped { "untyped " } else { "" };
                self.nested(
                    format!("resource {}: {untyped}{}", r.name.name, r.ty.name),
                    |p| {
                        if let Some(c) = &r.condition {
                            p.nested("when", |p| p.expr(c));
                        }
                        if let Some(f) = &r.for_each {
                            p.for_clause(f);
                        }
                        for a in &r.body {
                            p.attribute(a);
                        }
                    },
                );
            }
            BodyItem::Output(o) => {
                self.doc(&o.doc);
                self.nested(format!("output {}", o.name.name), |p| {
                    if let Some(t) = &o.ty {
                        p.ty(t);
                    }
                    p.expr(&o.value);
                });
            }
            BodyItem::Pipeline(pl) => self.nested("pipeline", |p| {
                for i in &pl.items {
                    p.pipeline_item(i);
                }
            }),
            BodyItem::Error(_) => self.line("error"),
        }
    }

    fn pipeline_item(&mut self, item: &PipelineItem) {
        match item {
            PipelineItem::Attribute(a) => self.attribute(a),
            PipelineItem::Step(s) => {
                let arg = match &s.arg {
                    StepArg::String(st) => string(st),
                    StepArg::Path(pa) => path(pa),
                    StepArg::List(_) => "list".to_string(),
                    StepArg::Named { name, value } => format!("{} = {}", name.name, string(value)),
                    StepArg::Loop { var, source } => format!("{} in {}", var.name, path(source)),
                };
                self.nested(format!("step {} {arg}", s.keyword.name), |p| {
                    if let StepArg::List(e) = &s.arg {
                        p.expr(e);
                    }
                    if let Some(c) = &s.condition {
                        p.nested("when", |p| p.expr(c));
                    }
                    for i in s.body.iter().flatten() {
                        p.pipeline_item(i);
                    }
                });
            }
            PipelineItem::Error(_) => self.line("error"),
        }
    }

    fn attribute(&mut self, a: &Attribute) {
        self.nested(format!("{} =", a.name.name), |p| p.expr(&a.value));
    }

    fn field(&mut self, f: &Field) {
        self.doc(&f.doc);
        self.nested(format!("field {}", f.name.name), |p| {
            p.ty(&f.ty);
            if let Some(d) = &f.default {
                p.nested("default", |p| p.expr(d));
            }
        });
    }

    fn for_clause(&mut self, f: &ForClause) {
        let key = f.key.as_ref().map(|k| format!("{}, ", k.name));
        self.nested(
            format!("for {}{} in", key.unwrap_or_default(), f.value.name),
            |p| p.expr(&f.collection),
        );
    }

    fn ty(&mut self, t: &TypeExpr) {
        match &t.kind {
            TypeKind::Named { path: pa, args } => self.nested(format!("type {}", path(pa)), |p| {
                for a in args {
                    p.ty(a);
                }
            }),
            TypeKind::Record { fields, .. } => self.nested("record", |p| {
                for f in fields {
                    p.field(f);
                }
            }),
            TypeKind::Literal(l) => self.line(format!("literal {}", literal(l))),
            TypeKind::String(s) => self.line(format!("literal {}", string(s))),
            TypeKind::Optional(inner) => self.nested("optional", |p| p.ty(inner)),
            TypeKind::Union(ts) => self.nested("union", |p| {
                for a in ts {
                    p.ty(a);
                }
            }),
            TypeKind::Refined { base, refinement } => {
                let r = match &**refinement {
                    Refinement::Range(b) => format!("in {}", bounds(b)),
                    Refinement::Length(b) => format!("len {}", bounds(b)),
                    Refinement::Matches(re) => format!("matches /{}/", re.pattern),
                };
                self.nested(format!("refined {r}"), |p| p.ty(base));
            }
            TypeKind::Paren(inner) => self.nested("paren", |p| p.ty(inner)),
            TypeKind::Error => self.line("error"),
        }
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Literal(l) => self.line(literal(l)),
            ExprKind::String(s) => self.string_expr(s),
            ExprKind::Name(n) => self.line(format!("name {}", n.name)),
            ExprKind::List { items, .. } => self.nested("list", |p| {
                for i in items {
                    p.expr(i);
                }
            }),
            ExprKind::Map { entries, .. } => self.nested("map", |p| {
                for en in entries {
                    let key = match &en.key {
                        MapKey::Ident(i) => i.name.to_string(),
                        MapKey::String(s) => string(s),
                    };
                    p.nested(format!("{key} ="), |p| p.expr(&en.value));
                }
            }),
            ExprKind::ListComprehension {
                clause,
                body,
                filter,
            } => self.nested("list-for", |p| {
                p.for_clause(clause);
                p.expr(body);
                if let Some(f) = filter {
                    p.nested("if", |p| p.expr(f));
                }
            }),
            ExprKind::MapComprehension {
                clause,
                key,
                value,
                filter,
            } => self.nested("map-for", |p| {
                p.for_clause(clause);
                p.expr(key);
                p.expr(value);
                if let Some(f) = filter {
                    p.nested("if", |p| p.expr(f));
                }
            }),
            ExprKind::Member { object, field } => {
                self.nested(format!(".{}", field.name), |p| p.expr(object))
            }
            ExprKind::Index { object, index } => self.nested("index", |p| {
                p.expr(object);
                p.expr(index);
            }),
            ExprKind::Call { callee, args } => self.nested("call", |p| {
                p.expr(callee);
                for a in args {
                    p.expr(a);
                }
            }),
            ExprKind::Unary { op, operand } => {
                let sym = match op {
                    UnaryOp::Not => "!",
                    UnaryOp::Neg => "-",
                };
                self.nested(format!("unary {sym}"), |p| p.expr(operand));
            }
            ExprKind::Binary { op, lhs, rhs } => {
                self.nested(format!("binary {}", op.symbol()), |p| {
                    p.expr(lhs);
                    p.expr(rhs);
                })
            }
            ExprKind::If {
                cond,
                then_branch,
                else_branch,
            } => self.nested("if", |p| {
                p.expr(cond);
                p.expr(then_branch);
                p.expr(else_branch);
            }),
            ExprKind::Match {
                scrutinee, arms, ..
            } => self.nested("match", |p| {
                p.expr(scrutinee);
                for a in arms {
                    let pats: Vec<String> = a.patterns.iter().map(pattern).collect();
                    p.nested(format!("{} =>", pats.join(" | ")), |p| p.expr(&a.value));
                }
            }),
            ExprKind::Paren(inner) => self.nested("paren", |p| p.expr(inner)),
            ExprKind::Error => self.line("error"),
        }
    }

    fn string_expr(&mut self, s: &StringLit) {
        if s.as_plain().is_some() {
            self.line(string(s));
            return;
        }
        self.nested("interpolated", |p| {
            for part in &s.parts {
                match part {
                    StringPart::Text { value, .. } => p.line(format!("{value:?}")),
                    StringPart::Interpolation(e) => p.expr(e),
                }
            }
        });
    }
}

fn string(s: &StringLit) -> String {
    match s.as_plain() {
        Some(v) => format!("{v:?}"),
        None => "\"…${…}…\"".to_string(),
    }
}

fn path(p: &[Ident]) -> String {
    p.iter()
        .map(|i| i.name.as_str())
        .collect::<Vec<_>>()
        .join(".")
}

fn literal(l: &Literal) -> String {
    match l {
        Literal::Bool(b) => b.to_string(),
        Literal::Null => "null".to_string(),
        Literal::Number(n) => n.text.to_string(),
    }
}

fn bounds(b: &RangeBounds) -> String {
    let lo = b.lo.as_ref().map(|n| n.text.as_str()).unwrap_or("");
    let hi = b.hi.as_ref().map(|n| n.text.as_str()).unwrap_or("");
    format!("{lo}..{hi}")
}

fn pattern(p: &Pattern) -> String {
    match p {
        Pattern::Literal(l, _) => literal(l),
        Pattern::String(s) => string(s),
        Pattern::Wildcard(_) => "_".to_string(),
    }
}

fn constraint(c: &VersionConstraint) -> String {
    let mut out = String::new();
    for (i, set) in c.alternatives.iter().enumerate() {
        if i > 0 {
            out.push_str(" || ");
        }
        for (j, cmp) in set.comparators.iter().enumerate() {
            if j > 0 {
                out.push_str(", ");
            }
            let v = &cmp.version;
            let _ = write!(out, "{}{}", cmp.op.symbol(), v.major);
            match (v.minor, v.wildcard) {
                (Some(m), _) => {
                    let _ = write!(out, ".{m}");
                }
                (None, true) => out.push_str(".x"),
                (None, false) => {}
            }
        }
    }
    out
}
