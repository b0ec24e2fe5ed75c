//! Types, refinements, record fields and version constraints in canonical form.
//!
//! `List<String>` and `T?` are tight, `A | B` and refinements (`Int in 1..10`,
//! `String len 1..64`, `String matches /re/`) are spaced, ranges are tight. A record
//! type follows the block rule: one line when written on one line, else one field per
//! line. A version constraint is `^3.0`, `>=1.2, <2`, `^1 || ^2` or `3.x`, the version
//! numbers as the user wrote them.

use crate::format::printer::{BLOCK, Printer};
use crate::syntax::ast::*;

impl Printer<'_> {
    pub(super) fn ty(&mut self, t: &TypeExpr) {
        self.inline_comments(t.span.start);
        match &t.kind {
            TypeKind::Named { path, args } => {
                self.path(path);
                if !args.is_empty() {
                    self.write("<");
                    for (i, a) in args.iter().enumerate() {
                        if i > 0 {
                            self.write(", ");
                        }
                        self.ty(a);
                    }
                    self.inline_comments_before_close(t.span.end - 1, true);
                    self.write(">");
                }
            }
            TypeKind::Record { fields, multiline } => {
                let (open, close) = (t.span.start, t.span.end - 1);
                self.seq(
                    open,
                    close,
                    fields,
                    *multiline,
                    &BLOCK,
                    |f| f.span,
                    Self::field,
                );
            }
            TypeKind::Literal(l) => self.literal(l),
            TypeKind::String(s) => self.string(s),
            TypeKind::Optional(inner) => {
                self.ty(inner);
                self.write("?");
            }
            TypeKind::Union(members) => {
                for (i, m) in members.iter().enumerate() {
                    if i > 0 {
                        self.write(" | ");
                    }
                    self.ty(m);
                }
            }
            TypeKind::Refined { base, refinement } => {
                self.ty(base);
                match &**refinement {
                    Refinement::Range(b) => {
                        self.write(" in ");
                        self.range(b);
                    }
                    Refinement::Length(b) => {
                        self.write(" len ");
                        self.range(b);
                    }
                    Refinement::Matches(re) => {
                        // No comment goes between `matches` and the pattern: the lexer
                        // reads a regular expression only right after the keyword.
                        self.write(" matches ");
                        self.write("/");
                        self.write(&re.pattern);
                        self.write("/");
                    }
                }
            }
            TypeKind::Paren(inner) => {
                self.write("(");
                self.ty(inner);
                self.inline_comments_before_close(t.span.end - 1, true);
                self.write(")");
            }
            TypeKind::Error => self.verbatim(t.span),
        }
    }

    /// `lo..hi`, `lo..` or `..hi`, the numbers as written.
    fn range(&mut self, b: &RangeBounds) {
        self.inline_comments(b.span.start);
        if let Some(lo) = &b.lo {
            self.write(&lo.text);
        }
        self.write("..");
        if let Some(hi) = &b.hi {
            self.write(&hi.text);
        }
    }

    /// `name: Type = default`, in an input block or a record type.
    pub(super) fn field(&mut self, f: &Field) {
        self.ident(&f.name);
        self.write(": ");
        self.ty(&f.ty);
        if let Some(d) = &f.default {
            self.write(" = ");
            self.expr(d);
        }
    }

    /// `^3.0`, `>=1.2, <2`, `^1 || ^2`, `3.x`.
    pub(super) fn constraint(&mut self, c: &VersionConstraint) {
        for (i, set) in c.alternatives.iter().enumerate() {
            if i > 0 {
                self.write(" || ");
            }
            for (j, cmp) in set.comparators.iter().enumerate() {
                if j > 0 {
                    self.write(", ");
                }
                self.inline_comments(cmp.span.start);
                self.write(cmp.op.symbol());
                let text = self.source(cmp.version.span);
                if cmp.version.wildcard {
                    // `3.X` and `3.*` mean `3.x`, which is how they are written.
                    let major = text.split('.').next().unwrap_or(text);
                    self.write(major);
                    self.write(".x");
                } else {
                    self.write(text);
                }
            }
        }
    }
}
