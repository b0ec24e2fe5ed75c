//! Top-level items, declaration bodies and pipelines in canonical form.
//!
//! A declaration's body is always written one item per line. Input blocks, `use`
//! argument blocks, resource bodies, the `pipeline { … }` block and step bodies keep
//! the user's choice: on one line when written on one line, else one element per
//! line; empty, they are `{}`.

use crate::format::printer::{BLOCK, Printer};
use crate::syntax::ast::*;
use crate::syntax::span::Span;

impl Printer<'_> {
    /// The whole file: items one blank line apart (consecutive imports excepted, as
    /// they form a group), then the comments after the last.
    pub(super) fn file(&mut self, file: &SourceFile) {
        for (i, item) in file.items.iter().enumerate() {
            let import_group = i > 0
                && matches!(item, Item::Import(_))
                && matches!(file.items[i - 1], Item::Import(_));
            if i > 0 && !import_group {
                self.force_blank_line();
            }
            let span = item_span(item);
            self.boundary(span.start);
            self.item(item);
            let next = file
                .items
                .get(i + 1)
                .map_or(u32::MAX, |n| item_span(n).start);
            self.end_line(span.end, next);
        }
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Import(i) => {
                self.write("import ");
                match &i.target {
                    ImportTarget::File(s) => self.string(s),
                    ImportTarget::Path(p) => self.path(p),
                }
                if let Some(alias) = &i.alias {
                    self.write(" as ");
                    self.ident(alias);
                }
            }
            Item::TypeAlias(t) => {
                self.write("type ");
                self.ident(&t.name);
                self.write(" = ");
                self.ty(&t.ty);
            }
            Item::Decl(d) => {
                self.write(d.kind.keyword());
                self.write(" ");
                self.string(&d.name);
                self.write(" ");
                let open = self.find_open(d.name.span.end, b'{');
                let close = d.span.end - 1;
                self.seq(
                    open,
                    close,
                    &d.body,
                    true,
                    &BLOCK,
                    body_span,
                    Self::body_item,
                );
            }
            Item::Error(span) => self.verbatim(*span),
        }
    }

    fn body_item(&mut self, item: &BodyItem) {
        match item {
            BodyItem::Attribute(a) => self.attribute(a),
            BodyItem::Requires(r) => {
                self.write("requires environment ");
                self.string(&r.name);
                self.write(" ");
                self.constraint(&r.constraint);
            }
            BodyItem::Input(b) => {
                self.write(if b.pipeline {
                    "pipeline input "
                } else {
                    "input "
                });
                let open = self.find_open(b.span.start, b'{');
                let close = b.span.end - 1;
                self.seq(
                    open,
                    close,
                    &b.fields,
                    b.multiline,
                    &BLOCK,
                    |f| f.span,
                    Self::field,
                );
            }
            BodyItem::Let(l) => {
                self.write("let ");
                self.ident(&l.name);
                self.typed_value(l.ty.as_ref(), &l.value);
            }
            BodyItem::Use(u) => {
                self.write("use ");
                self.ident(&u.name);
                self.write(" = ");
                self.path(&u.module);
                self.write(" ");
                let after = u.module.last().map_or(u.name.span.end, |m| m.span.end);
                let open = self.find_open(after, b'{');
                let close = u.span.end - 1;
                self.seq(
                    open,
                    close,
                    &u.args,
                    u.multiline,
                    &BLOCK,
                    |a| a.span,
                    Self::attribute,
                );
            }
            BodyItem::Resource(r) => {
                self.write("resource ");
                self.ident(&r.name);
                self.write(": ");
                self.inline_comments(r.ty.span.start);
                if r.ty.untyped {
                    self.write("untyped ");
                }
                self.write(&r.ty.name);
                let mut after = r.ty.span.end;
                if let Some(c) = &r.condition {
                    self.write(" when ");
                    self.expr(c);
                    after = c.span.end;
                }
                if let Some(f) = &r.for_each {
                    self.write(" ");
                    self.for_clause(f);
                    after = f.span.end;
                }
                self.write(" ");
                let open = self.find_open(after, b'{');
                let close = r.span.end - 1;
                self.seq(
                    open,
                    close,
                    &r.body,
                    r.multiline,
                    &BLOCK,
                    |a| a.span,
                    Self::attribute,
                );
            }
            BodyItem::Output(o) => {
                self.write("output ");
                self.ident(&o.name);
                self.typed_value(o.ty.as_ref(), &o.value);
            }
            BodyItem::Pipeline(p) => {
                self.write("pipeline ");
                let open = self.find_open(p.span.start, b'{');
                let close = p.span.end - 1;
                let multiline = self.spans_lines(open, close);
                self.seq(
                    open,
                    close,
                    &p.items,
                    multiline,
                    &BLOCK,
                    pipeline_span,
                    Self::pipeline_item,
                );
            }
            BodyItem::Error(span) => self.verbatim(*span),
        }
    }

    /// `: Type = value` or ` = value`, after a `let` or `output` name.
    fn typed_value(&mut self, ty: Option<&TypeExpr>, value: &Expr) {
        if let Some(t) = ty {
            self.write(": ");
            self.ty(t);
        }
        self.write(" = ");
        self.expr(value);
    }

    /// `name = value`: a setting, a resource property, a module argument.
    fn attribute(&mut self, a: &Attribute) {
        self.ident(&a.name);
        self.write(" = ");
        self.expr(&a.value);
    }

    fn pipeline_item(&mut self, item: &PipelineItem) {
        match item {
            PipelineItem::Attribute(a) => self.attribute(a),
            PipelineItem::Step(s) => {
                self.ident(&s.keyword);
                self.write(" ");
                let arg_end = match &s.arg {
                    StepArg::String(st) => {
                        self.string(st);
                        st.span.end
                    }
                    StepArg::Path(p) => {
                        self.path(p);
                        p.last().map_or(s.keyword.span.end, |i| i.span.end)
                    }
                    StepArg::List(e) => {
                        self.expr(e);
                        e.span.end
                    }
                    StepArg::Named { name, value } => {
                        self.ident(name);
                        self.write(" = ");
                        self.string(value);
                        value.span.end
                    }
                    StepArg::Loop { var, source } => {
                        self.ident(var);
                        self.write(" in ");
                        self.path(source);
                        source.last().map_or(var.span.end, |i| i.span.end)
                    }
                };
                let arg_end = match &s.condition {
                    Some(c) => {
                        self.write(" when ");
                        self.expr(c);
                        c.span.end
                    }
                    None => arg_end,
                };
                if let Some(body) = &s.body {
                    self.write(" ");
                    let open = self.find_open(arg_end, b'{');
                    let close = s.span.end - 1;
                    let multiline = self.spans_lines(open, close);
                    self.seq(
                        open,
                        close,
                        body,
                        multiline,
                        &BLOCK,
                        pipeline_span,
                        Self::pipeline_item,
                    );
                }
            }
            PipelineItem::Error(span) => self.verbatim(*span),
        }
    }
}

fn item_span(item: &Item) -> Span {
    match item {
        Item::Import(i) => i.span,
        Item::TypeAlias(t) => t.span,
        Item::Decl(d) => d.span,
        Item::Error(span) => *span,
    }
}

fn body_span(item: &BodyItem) -> Span {
    match item {
        BodyItem::Attribute(a) => a.span,
        BodyItem::Requires(r) => r.span,
        BodyItem::Input(b) => b.span,
        BodyItem::Let(l) => l.span,
        BodyItem::Use(u) => u.span,
        BodyItem::Resource(r) => r.span,
        BodyItem::Output(o) => o.span,
        BodyItem::Pipeline(p) => p.span,
        BodyItem::Error(span) => *span,
    }
}

fn pipeline_span(item: &PipelineItem) -> Span {
    match item {
        PipelineItem::Attribute(a) => a.span,
        PipelineItem::Step(s) => s.span,
        PipelineItem::Error(span) => *span,
    }
}
