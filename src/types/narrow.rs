//! Flow narrowing: what a condition proves is not `null`.
//!
//! Inside `when c`, `if c then A else B`, the right side of `c && …` (or `c || …`) and
//! the arms of a `match`, a path that the condition has tested against `null` reads as
//! `T` rather than `T?`. A path is a name followed by fields (`input.name`,
//! `settings.kms_key`); anything else (an index, a call) is not narrowed, as a value
//! computed twice is not known to be the same.

use crate::syntax::ast::{BinaryOp, Expr, ExprKind, Literal, UnaryOp};

/// The path an expression reads, when it is a name followed by fields.
pub fn path_of(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Name(n) => Some(n.name.to_string()),
        ExprKind::Member { object, field } => {
            path_of(object).map(|p| format!("{p}.{}", field.name))
        }
        ExprKind::Paren(inner) => path_of(inner),
        _ => None,
    }
}

fn is_null(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Literal(Literal::Null) => true,
        ExprKind::Paren(inner) => is_null(inner),
        _ => false,
    }
}

/// The path compared with `null` by `a == null`, `null != a` and the like, with
/// whether the comparison is `!=`.
pub fn null_test(e: &Expr) -> Option<(String, bool)> {
    match &e.kind {
        ExprKind::Paren(inner) => null_test(inner),
        ExprKind::Binary {
            op: op @ (BinaryOp::Eq | BinaryOp::Ne),
            lhs,
            rhs,
        } => {
            let other = if is_null(rhs) {
                lhs
            } else if is_null(lhs) {
                rhs
            } else {
                return None;
            };
            Some((path_of(other)?, *op == BinaryOp::Ne))
        }
        _ => None,
    }
}

/// Pushes onto `out` the paths proven non-null when `e` evaluates to `holds`.
pub fn facts(e: &Expr, holds: bool, out: &mut Vec<String>) {
    match &e.kind {
        ExprKind::Paren(inner) => facts(inner, holds, out),
        ExprKind::Unary {
            op: UnaryOp::Not,
            operand,
        } => facts(operand, !holds, out),
        ExprKind::Binary {
            op: BinaryOp::And,
            lhs,
            rhs,
        } if holds => {
            facts(lhs, true, out);
            facts(rhs, true, out);
        }
        ExprKind::Binary {
            op: BinaryOp::Or,
            lhs,
            rhs,
        } if !holds => {
            facts(lhs, false, out);
            facts(rhs, false, out);
        }
        _ => {
            if let Some((path, ne)) = null_test(e)
                && ne == holds
            {
                out.push(path);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::ast::{BodyItem, Item};
    use crate::syntax::span::FileId;

    fn parse(expr: &str) -> Expr {
        let src = format!("service \"s\" {{\n  let x = {expr}\n}}\n");
        let parsed = crate::syntax::parse::parse(&src, FileId(0));
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let Some(Item::Decl(d)) = parsed.file.items.into_iter().next() else {
            panic!("no declaration");
        };
        match d.body.into_iter().next() {
            Some(BodyItem::Let(l)) => l.value,
            _ => panic!("no let"),
        }
    }

    fn proven(src: &str, holds: bool) -> Vec<String> {
        let mut out = Vec::new();
        facts(&parse(src), holds, &mut out);
        out
    }

    #[test]
    fn comparisons_with_null_prove_their_path() {
        assert_eq!(proven("input.a != null", true), ["input.a"]);
        assert_eq!(proven("null != input.a", true), ["input.a"]);
        assert!(proven("input.a != null", false).is_empty());
        assert_eq!(proven("input.a == null", false), ["input.a"]);
        assert!(proven("input.a == null", true).is_empty());
        assert_eq!(proven("!(input.a == null)", true), ["input.a"]);
    }

    #[test]
    fn and_proves_both_sides_when_true_and_or_when_false() {
        assert_eq!(
            proven("input.a != null && (x.b != null)", true),
            ["input.a", "x.b"]
        );
        assert!(proven("input.a != null && x.b != null", false).is_empty());
        assert_eq!(
            proven("input.a == null || x.b == null", false),
            ["input.a", "x.b"]
        );
        assert!(proven("input.a != null || x.b != null", true).is_empty());
    }

    #[test]
    fn only_names_and_fields_are_paths() {
        assert!(proven("xs[0] != null", true).is_empty());
        assert!(proven("f(x) != null", true).is_empty());
        assert!(proven("input.a != input.b", true).is_empty());
    }
}
