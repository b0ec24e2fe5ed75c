//! Whether a type change can turn away a value the old type accepted: the question
//! behind every input change (and, reversed, every output change).
//!
//! `Ty::is_subtype_of` ignores refinements on its target (they are checked on values),
//! so it cannot answer this: `Int in 1..100` is a subtype of `Int in 1..10` by it. Here
//! refinements count. The old type's values are all accepted by the new one when:
//! - the new type's base accepts the old one's (`Int` by `Number`, a union member by
//!   the union, a record field by the same field);
//! - each refinement of the new type is implied by the old type's: a range or length
//!   at least as wide, the very same pattern (whether one regular expression accepts
//!   all another does is not decided here: a changed pattern counts as narrowed);
//! - literals (an enum's members) are checked as values, with `conform`.
//!
//! The answer is conservative: a change that cannot be proven safe is a narrowing.

use crate::types::conform::{conform, range_text};
use crate::types::ty::{FieldTy, Refinement, Ty};
use crate::types::value::Const;

/// Why some value of `old` is not a value of `new`, in words ("the range narrowed
/// from `1..100` to `1..10`"), or `None` when every value of `old` is one of `new`.
/// `name` names the value, for the place of a change inside it: "(at `tags[]`)".
pub fn narrowing(name: &str, old: &Ty, new: &Ty) -> Option<String> {
    accepts_all(old, new, name).err()
}

/// `what`, and where when it is inside the value (`root` is the value itself).
fn at(path: &str, what: String) -> String {
    if path.contains(['.', '[']) {
        format!("{what} (at `{path}`)")
    } else {
        what
    }
}

fn accepts_all(old: &Ty, new: &Ty, path: &str) -> Result<(), String> {
    use Ty::*;
    if old == new {
        return Ok(());
    }
    match (old, new) {
        (Error, _) | (_, Error | Any) => Ok(()),
        (Union(members), _) => members.iter().try_for_each(|m| accepts_all(m, new, path)),
        (Lit(l), _) => conform(&Const::Lit(l.clone()), new)
            .map_err(|_| at(path, format!("`{l}` is no longer accepted"))),
        (Null, Optional(_)) => Ok(()),
        (Optional(s), Optional(t)) => accepts_all(s, t, path),
        (Optional(_) | Null, _) => Err(at(path, "`null` is no longer accepted".to_string())),
        (_, Optional(t)) => accepts_all(old, t, path),
        (_, Union(members)) => {
            if members.iter().any(|m| accepts_all(old, m, path).is_ok()) {
                Ok(())
            } else {
                Err(at(
                    path,
                    format!("only `{new}` is accepted now, not any `{old}`"),
                ))
            }
        }
        (Refined(old_base, old_refinements), _) => {
            let (new_base, new_refinements) = split(new);
            accepts_all(old_base, new_base, path)?;
            new_refinements
                .iter()
                .try_for_each(|r| implied(old_refinements, r).map_err(|why| at(path, why)))
        }
        (_, Refined(new_base, new_refinements)) => {
            accepts_all(old, new_base, path)?;
            new_refinements
                .iter()
                .try_for_each(|r| implied(&[], r).map_err(|why| at(path, why)))
        }
        (Int, Number) => Ok(()),
        (List(s), List(t)) | (Map(s), Map(t)) => accepts_all(s, t, &format!("{path}[]")),
        (Record(s), Record(t)) => record(s, t, path),
        (Record(s), Map(t)) => s
            .iter()
            .try_for_each(|(k, f)| accepts_all(&f.ty, t, &format!("{path}.{k}"))),
        _ => Err(at(
            path,
            format!("the type changed from `{old}` to `{new}`"),
        )),
    }
}

/// A type's base and refinements (none for an unrefined type).
fn split(t: &Ty) -> (&Ty, &[Refinement]) {
    match t {
        Ty::Refined(base, rs) => (base, rs),
        t => (t, &[]),
    }
}

/// Records are closed: a field the new record lacks turns away old values that set it,
/// and a new required field turns away old values that leave it out.
fn record(
    old: &std::collections::BTreeMap<String, FieldTy>,
    new: &std::collections::BTreeMap<String, FieldTy>,
    path: &str,
) -> Result<(), String> {
    for (k, f) in old {
        let here = format!("{path}.{k}");
        let Some(g) = new.get(k) else {
            return Err(at(path, format!("the field `{k}` was removed")));
        };
        if f.optional && !g.optional {
            return Err(at(path, format!("the field `{k}` is now required")));
        }
        accepts_all(&f.ty, &g.ty, &here)?;
    }
    match new
        .iter()
        .find(|(k, g)| !g.optional && !old.contains_key(*k))
    {
        Some((k, _)) => Err(at(path, format!("a required field `{k}` was added"))),
        None => Ok(()),
    }
}

/// Whether the old refinements imply `r`: every value within them is within `r`.
fn implied(old: &[Refinement], r: &Refinement) -> Result<(), String> {
    match r {
        Refinement::Range { lo, hi } => {
            let (old_lo, old_hi) = old.iter().fold((None, None), |(l, h), o| match o {
                Refinement::Range { lo, hi } => {
                    (tighter(l, *lo, f64::max), tighter(h, *hi, f64::min))
                }
                _ => (l, h),
            });
            let within = lo.is_none_or(|lo| old_lo.is_some_and(|o| o >= lo))
                && hi.is_none_or(|hi| old_hi.is_some_and(|o| o <= hi));
            if within {
                Ok(())
            } else if old_lo.is_none() && old_hi.is_none() {
                Err(format!("the range `{}` was added", range_text(lo, hi)))
            } else {
                Err(format!(
                    "the range narrowed from `{}` to `{}`",
                    range_text(&old_lo, &old_hi),
                    range_text(lo, hi)
                ))
            }
        }
        Refinement::Length { lo, hi } => {
            let (old_lo, old_hi) = old.iter().fold((None, None), |(l, h), o| match o {
                Refinement::Length { lo, hi } => {
                    (tighter(l, *lo, u64::max), tighter(h, *hi, u64::min))
                }
                _ => (l, h),
            });
            let within = lo.is_none_or(|lo| old_lo.is_some_and(|o| o >= lo))
                && hi.is_none_or(|hi| old_hi.is_some_and(|o| o <= hi));
            let text = |l: Option<u64>, h: Option<u64>| {
                format!(
                    "{}..{}",
                    l.map(|v| v.to_string()).unwrap_or_default(),
                    h.map(|v| v.to_string()).unwrap_or_default()
                )
            };
            if within {
                Ok(())
            } else if old_lo.is_none() && old_hi.is_none() {
                Err(format!(
                    "the length bound `len {}` was added",
                    text(*lo, *hi)
                ))
            } else {
                Err(format!(
                    "the length bound narrowed from `len {}` to `len {}`",
                    text(old_lo, old_hi),
                    text(*lo, *hi)
                ))
            }
        }
        Refinement::Pattern(p) => {
            if old
                .iter()
                .any(|o| matches!(o, Refinement::Pattern(q) if q == p))
            {
                return Ok(());
            }
            match old.iter().find_map(|o| match o {
                Refinement::Pattern(q) => Some(q),
                _ => None,
            }) {
                Some(q) => Err(format!("the pattern changed from `/{q}/` to `/{p}/`")),
                None => Err(format!("the pattern `/{p}/` was added")),
            }
        }
    }
}

/// The tighter of two optional bounds (`pick` says which is tighter).
fn tighter<T: Copy>(a: Option<T>, b: Option<T>, pick: fn(T, T) -> T) -> Option<T> {
    match (a, b) {
        (Some(x), Some(y)) => Some(pick(x, y)),
        (x, None) => x,
        (None, y) => y,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::ty::Lit;

    fn range(t: Ty, lo: f64, hi: f64) -> Ty {
        Ty::Refined(
            Box::new(t),
            vec![Refinement::Range {
                lo: Some(lo),
                hi: Some(hi),
            }],
        )
    }

    fn s(v: &str) -> Ty {
        Ty::Lit(Lit::String(v.into()))
    }

    #[test]
    fn widening_is_accepted_and_narrowing_explained() {
        assert_eq!(
            narrowing("x", &range(Ty::Int, 1.0, 10.0), &range(Ty::Int, 0.0, 100.0)),
            None
        );
        assert_eq!(
            narrowing("x", &range(Ty::Int, 1.0, 100.0), &range(Ty::Int, 1.0, 10.0)).as_deref(),
            Some("the range narrowed from `1..100` to `1..10`")
        );
        assert_eq!(narrowing("x", &Ty::Int, &Ty::Number), None);
        assert!(narrowing("x", &Ty::Number, &Ty::Int).is_some());
        assert_eq!(narrowing("x", &range(Ty::Int, 1.0, 10.0), &Ty::Int), None);
        assert!(narrowing("x", &Ty::Int, &range(Ty::Int, 1.0, 10.0)).is_some());
        let small = Ty::Union(vec![s("a"), s("b")]);
        let large = Ty::Union(vec![s("a"), s("b"), s("c")]);
        assert_eq!(narrowing("x", &small, &large), None);
        assert_eq!(
            narrowing("x", &large, &small).as_deref(),
            Some("`\"c\"` is no longer accepted")
        );
        assert_eq!(narrowing("x", &small, &Ty::String), None);
        assert!(narrowing("x", &Ty::String, &small).is_some());
        assert_eq!(narrowing("x", &Ty::Int, &Ty::optional(Ty::Int)), None);
        assert!(narrowing("x", &Ty::optional(Ty::Int), &Ty::Int).is_some());
        assert_eq!(
            narrowing("x", &Ty::list(Ty::Int), &Ty::list(Ty::Number)),
            None
        );
    }

    #[test]
    fn patterns_must_be_kept() {
        let p = |re: &str| Ty::Refined(Box::new(Ty::String), vec![Refinement::Pattern(re.into())]);
        assert_eq!(narrowing("x", &p("^a"), &p("^a")), None);
        assert_eq!(narrowing("x", &p("^a"), &Ty::String), None);
        assert!(narrowing("x", &p("^a"), &p("^b")).is_some());
        assert!(narrowing("x", &Ty::String, &p("^b")).is_some());
        assert_eq!(narrowing("x", &s("abc"), &p("^a")), None);
    }
}
