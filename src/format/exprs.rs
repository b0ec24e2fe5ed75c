//! Expressions, strings, literals and match patterns in canonical form.
//!
//! An expression is written on one line, with single spaces around binary operators,
//! `=`, `=>` and `|`, and none inside `a.b`, `a[i]`, `f(a, b)`, `!x` or `-x`. Only a
//! list, a map or a match the user wrote over several lines is written one element
//! per line, and whatever contains it breaks only where it does. Parentheses are kept
//! as written, so the printed tokens are the parsed ones and the tree cannot change.

use crate::format::printer::{ARMS, BLOCK, LIST, Printer};
use crate::syntax::ast::*;

impl Printer<'_> {
    pub(super) fn expr(&mut self, e: &Expr) {
        self.inline_comments(e.span.start);
        match &e.kind {
            ExprKind::Literal(l) => self.literal(l),
            ExprKind::String(s) => self.string(s),
            ExprKind::Name(n) => self.ident(n),
            ExprKind::List { items, multiline } => {
                let (open, close) = (e.span.start, e.span.end - 1);
                self.seq(
                    open,
                    close,
                    items,
                    *multiline,
                    &LIST,
                    |x| x.span,
                    Self::expr,
                );
            }
            ExprKind::Map { entries, multiline } => {
                let (open, close) = (e.span.start, e.span.end - 1);
                self.seq(
                    open,
                    close,
                    entries,
                    *multiline,
                    &BLOCK,
                    |x| x.span,
                    Self::map_entry,
                );
            }
            ExprKind::ListComprehension {
                clause,
                body,
                filter,
            } => {
                self.write("[");
                self.for_clause(clause);
                self.write(" : ");
                self.expr(body);
                if let Some(f) = filter {
                    self.write(" if ");
                    self.expr(f);
                }
                self.inline_comments_before_close(e.span.end - 1, true);
                self.write("]");
            }
            ExprKind::MapComprehension {
                clause,
                key,
                value,
                filter,
            } => {
                self.write("{");
                self.for_clause(clause);
                self.write(" : ");
                self.expr(key);
                self.write(" => ");
                self.expr(value);
                if let Some(f) = filter {
                    self.write(" if ");
                    self.expr(f);
                }
                self.inline_comments_before_close(e.span.end - 1, true);
                self.write("}");
            }
            ExprKind::Member { object, field } => {
                self.expr(object);
                // `1 .x` written tight would lex as the version wildcard `1.x`.
                if matches!(&object.kind, ExprKind::Literal(Literal::Number(n)) if !n.text.contains(['.', 'e', 'E']))
                {
                    self.write(" ");
                }
                self.write(".");
                self.ident(field);
            }
            ExprKind::Index { object, index } => {
                self.expr(object);
                self.write("[");
                self.expr(index);
                self.inline_comments_before_close(e.span.end - 1, true);
                self.write("]");
            }
            ExprKind::Call { callee, args } => {
                self.expr(callee);
                self.write("(");
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        self.write(", ");
                    }
                    self.expr(a);
                }
                self.inline_comments_before_close(e.span.end - 1, !args.is_empty());
                self.write(")");
            }
            ExprKind::Unary { op, operand } => {
                self.write(match op {
                    UnaryOp::Not => "!",
                    UnaryOp::Neg => "-",
                });
                // `- -x`, not `--x`, which reads as a decrement.
                if *op == UnaryOp::Neg
                    && matches!(
                        operand.kind,
                        ExprKind::Unary {
                            op: UnaryOp::Neg,
                            ..
                        }
                    )
                {
                    self.write(" ");
                }
                self.expr(operand);
            }
            ExprKind::Binary { op, lhs, rhs } => {
                self.expr(lhs);
                self.write(" ");
                self.write(op.symbol());
                self.write(" ");
                self.expr(rhs);
            }
            ExprKind::If {
                cond,
                then_branch,
                else_branch,
            } => {
                self.write("if ");
                self.expr(cond);
                self.write(" then ");
                self.expr(then_branch);
                self.write(" else ");
                self.expr(else_branch);
            }
            ExprKind::Match {
                scrutinee,
                arms,
                multiline,
            } => {
                self.write("match ");
                self.expr(scrutinee);
                self.write(" ");
                let open = self.find_open(scrutinee.span.end, b'{');
                let close = e.span.end - 1;
                self.seq(
                    open,
                    close,
                    arms,
                    *multiline,
                    &ARMS,
                    |a| a.span,
                    Self::match_arm,
                );
            }
            ExprKind::Paren(inner) => {
                self.write("(");
                self.expr(inner);
                self.inline_comments_before_close(e.span.end - 1, true);
                self.write(")");
            }
            ExprKind::Error => self.verbatim(e.span),
        }
    }

    /// Text the parser could not read is written back as it was. It never reaches
    /// here from [`crate::format::format_source`], which refuses files with errors.
    pub(super) fn verbatim(&mut self, span: crate::syntax::span::Span) {
        let text = self.source(span);
        self.write(text);
    }

    pub(super) fn literal(&mut self, l: &Literal) {
        match l {
            Literal::Bool(true) => self.write("true"),
            Literal::Bool(false) => self.write("false"),
            Literal::Null => self.write("null"),
            Literal::Number(n) => self.write(&n.text),
        }
    }

    /// A string from its raw source pieces, so escapes stay byte for byte; only the
    /// expressions in `${…}` are reformatted.
    pub(super) fn string(&mut self, s: &StringLit) {
        self.inline_comments(s.span.start);
        let quote = if s.long { "\"\"\"" } else { "\"" };
        self.write(quote);
        for (i, part) in s.parts.iter().enumerate() {
            match part {
                // A long string's lines end as the formatted file's do.
                StringPart::Text { raw, .. } if s.long => self.write(&raw.replace("\r\n", "\n")),
                StringPart::Text { raw, .. } => self.write(raw),
                StringPart::Interpolation(e) => {
                    self.write("${");
                    self.expr(e);
                    let close = match s.parts.get(i + 1) {
                        Some(StringPart::Text { span, .. }) => span.start,
                        Some(StringPart::Interpolation(next)) => next.span.start,
                        None => s.span.end - quote.len() as u32,
                    };
                    self.inline_comments_before_close(close, true);
                    self.write("}");
                }
            }
        }
        self.write(quote);
    }

    fn map_entry(&mut self, entry: &MapEntry) {
        match &entry.key {
            MapKey::Ident(i) => self.ident(i),
            MapKey::String(s) => self.string(s),
        }
        self.write(" = ");
        self.expr(&entry.value);
    }

    fn match_arm(&mut self, arm: &MatchArm) {
        for (i, p) in arm.patterns.iter().enumerate() {
            if i > 0 {
                self.write(" | ");
            }
            match p {
                Pattern::Literal(l, span) => {
                    self.inline_comments(span.start);
                    self.literal(l);
                }
                Pattern::String(s) => self.string(s),
                Pattern::Wildcard(span) => {
                    self.inline_comments(span.start);
                    self.write("_");
                }
            }
        }
        self.write(" => ");
        self.expr(&arm.value);
    }

    /// `for x in xs` or `for k, v in m`.
    pub(super) fn for_clause(&mut self, f: &ForClause) {
        self.write("for ");
        if let Some(k) = &f.key {
            self.ident(k);
            self.write(", ");
        }
        self.ident(&f.value);
        self.write(" in ");
        self.expr(&f.collection);
    }

    /// A name, after the block comments before it.
    pub(super) fn ident(&mut self, id: &Ident) {
        self.inline_comments(id.span.start);
        self.write(&id.name);
    }

    /// A dotted name: `std.aws.fargate_service`.
    pub(super) fn path(&mut self, path: &[Ident]) {
        for (i, id) in path.iter().enumerate() {
            if i > 0 {
                self.write(".");
            }
            self.ident(id);
        }
    }
}
