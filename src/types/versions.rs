//! What a version constraint admits.
//!
//! `^3.1`: 3.1 up to, not including, 4.0. `^3`: any 3.x. `~3.1`: 3.1 and later 3.1
//! releases only, which for `MAJOR.MINOR` versions is exactly 3.1; `~3`: any 3.x.
//! `3.1` and `=3.1`: exactly 3.1. `3` and `3.x`: any 3.x. `>`, `>=`, `<`, `<=` compare
//! (a missing minor counts as 0). `,` joins comparators that must all hold; `||` joins
//! alternatives of which one must.

use crate::resolve::Version;
use crate::syntax::ast::{Comparator, ConstraintOp, VersionConstraint};

pub fn admits(c: &VersionConstraint, v: Version) -> bool {
    c.alternatives
        .iter()
        .any(|set| set.comparators.iter().all(|cmp| comparator_admits(cmp, v)))
}

fn comparator_admits(c: &Comparator, v: Version) -> bool {
    let major = c.version.major;
    let minor = c.version.minor;
    let floor = Version {
        major,
        minor: minor.unwrap_or(0),
    };
    match (c.op, minor) {
        (ConstraintOp::Caret, _) => v.major == major && v >= floor,
        (ConstraintOp::Tilde | ConstraintOp::Exact | ConstraintOp::Eq, Some(m)) => {
            v.major == major && v.minor == m
        }
        (ConstraintOp::Tilde | ConstraintOp::Exact | ConstraintOp::Eq, None) => v.major == major,
        (ConstraintOp::Gt, _) => v > floor,
        (ConstraintOp::Ge, _) => v >= floor,
        (ConstraintOp::Lt, _) => v < floor,
        (ConstraintOp::Le, _) => v <= floor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{FileId, ast, parse};

    fn constraint(text: &str) -> VersionConstraint {
        let src = format!("service \"s\" {{ requires environment \"e\" {text} }}");
        let parsed = parse(&src, FileId(0));
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        match &parsed.file.items[0] {
            ast::Item::Decl(d) => match &d.body[0] {
                ast::BodyItem::Requires(r) => r.constraint.clone(),
                _ => panic!("not a requirement"),
            },
            _ => panic!("not a declaration"),
        }
    }

    fn v(major: u64, minor: u64) -> Version {
        Version { major, minor }
    }

    #[test]
    fn constraint_semantics() {
        let caret = constraint("^3.1");
        assert!(admits(&caret, v(3, 1)) && admits(&caret, v(3, 9)));
        assert!(!admits(&caret, v(3, 0)) && !admits(&caret, v(4, 0)));
        let tilde = constraint("~2.4");
        assert!(admits(&tilde, v(2, 4)) && !admits(&tilde, v(2, 5)));
        let range = constraint(">=1.2, <2");
        assert!(admits(&range, v(1, 2)) && admits(&range, v(1, 9)) && !admits(&range, v(2, 0)));
        let either = constraint("^1 || ^2.1");
        assert!(admits(&either, v(1, 0)) && admits(&either, v(2, 1)) && !admits(&either, v(2, 0)));
        let wild = constraint("3.x");
        assert!(admits(&wild, v(3, 7)) && !admits(&wild, v(4, 0)));
        let exact = constraint("3.1");
        assert!(admits(&exact, v(3, 1)) && !admits(&exact, v(3, 2)));
    }
}
