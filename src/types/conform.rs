//! Whether a constant fits a type's refinements and literals: the check behind
//! defaults, literals in templates and (later) the values of parameter files.

use crate::types::ty::{FieldTy, Lit, Refinement, Ty};
use crate::types::value::Const;

/// Why a constant does not fit.
#[derive(Debug, Clone, PartialEq)]
pub enum Misfit {
    /// Not of the type at all (a string for an `Int`).
    Type,
    OutOfRange {
        lo: Option<f64>,
        hi: Option<f64>,
    },
    Length {
        lo: Option<u64>,
        hi: Option<u64>,
        actual: u64,
    },
    Pattern(String),
    /// Not one of a union of literals.
    NotOneOf(Vec<String>),
    /// In a record or list: where, and why.
    At(String, Box<Misfit>),
}

/// Checks `c` against `ty`. Refinement patterns must already have compiled (the type
/// was built by `lower`); a pattern that does not compile is not held against `c`.
pub fn conform(c: &Const, ty: &Ty) -> Result<(), Misfit> {
    match (ty, c) {
        (Ty::Error | Ty::Any, _) => Ok(()),
        (Ty::Optional(_), Const::Null) | (Ty::Null, Const::Null) => Ok(()),
        (Ty::Optional(t), c) => conform(c, t),
        (Ty::Refined(base, refinements), c) => {
            conform(c, base)?;
            refinements.iter().try_for_each(|r| refine(c, r))
        }
        (Ty::Lit(l), Const::Lit(v)) => {
            if lit_eq(l, v) {
                Ok(())
            } else {
                Err(Misfit::NotOneOf(vec![l.to_string()]))
            }
        }
        (Ty::Union(members), c) => {
            if members.iter().any(|m| conform(c, m).is_ok()) {
                return Ok(());
            }
            let lits: Vec<String> = members
                .iter()
                .filter_map(|m| match m {
                    Ty::Lit(l) => Some(l.to_string()),
                    _ => None,
                })
                .collect();
            if lits.len() == members.len() {
                Err(Misfit::NotOneOf(lits))
            } else {
                Err(Misfit::Type)
            }
        }
        (Ty::Bool, Const::Lit(Lit::Bool(_)))
        | (Ty::Int, Const::Lit(Lit::Int(_)))
        | (Ty::Number, Const::Lit(Lit::Int(_) | Lit::Number(_)))
        | (Ty::String, Const::Lit(Lit::String(_))) => Ok(()),
        (Ty::List(t), Const::List(items)) => items.iter().enumerate().try_for_each(|(i, item)| {
            conform(item, t).map_err(|m| Misfit::At(format!("[{i}]"), Box::new(m)))
        }),
        (Ty::Map(t), Const::Map(entries)) => entries.iter().try_for_each(|(k, v)| {
            conform(v, t).map_err(|m| Misfit::At(format!(".{k}"), Box::new(m)))
        }),
        (Ty::Record(fields), Const::Map(entries)) => conform_record(fields, entries),
        _ => Err(Misfit::Type),
    }
}

fn conform_record(
    fields: &std::collections::BTreeMap<String, FieldTy>,
    entries: &[(String, Const)],
) -> Result<(), Misfit> {
    for (k, v) in entries {
        match fields.get(k) {
            Some(f) => conform(v, &f.ty).map_err(|m| Misfit::At(format!(".{k}"), Box::new(m)))?,
            None => return Err(Misfit::At(format!(".{k}"), Box::new(Misfit::Type))),
        }
    }
    Ok(())
}

fn lit_eq(a: &Lit, b: &Lit) -> bool {
    match (a, b) {
        (Lit::Int(x), Lit::Number(y)) | (Lit::Number(y), Lit::Int(x)) => (*x as f64) == *y,
        _ => a == b,
    }
}

fn number(c: &Const) -> Option<f64> {
    match c {
        Const::Lit(Lit::Int(i)) => Some(*i as f64),
        Const::Lit(Lit::Number(n)) => Some(*n),
        _ => None,
    }
}

fn refine(c: &Const, r: &Refinement) -> Result<(), Misfit> {
    match r {
        Refinement::Range { lo, hi } => {
            let Some(n) = number(c) else { return Ok(()) };
            if lo.is_some_and(|lo| n < lo) || hi.is_some_and(|hi| n > hi) {
                return Err(Misfit::OutOfRange { lo: *lo, hi: *hi });
            }
            Ok(())
        }
        Refinement::Length { lo, hi } => {
            let len = match c {
                Const::Lit(Lit::String(s)) => s.chars().count() as u64,
                Const::List(items) => items.len() as u64,
                _ => return Ok(()),
            };
            if lo.is_some_and(|lo| len < lo) || hi.is_some_and(|hi| len > hi) {
                return Err(Misfit::Length {
                    lo: *lo,
                    hi: *hi,
                    actual: len,
                });
            }
            Ok(())
        }
        Refinement::Pattern(p) => {
            let Const::Lit(Lit::String(s)) = c else {
                return Ok(());
            };
            match crate::types::lower::compiled_regex(p) {
                Some(re) if !re.is_match(s) => Err(Misfit::Pattern(p.clone())),
                _ => Ok(()),
            }
        }
    }
}

/// Says a misfit in words, for a message: "is outside 1..65535".
pub fn describe(m: &Misfit, ty: &Ty) -> String {
    match m {
        Misfit::Type => format!("is not {}", crate::types::an(ty)),
        Misfit::OutOfRange { lo, hi } => format!("is outside {}", range_text(lo, hi)),
        Misfit::Length { lo, hi, actual } => {
            let bounds = match (lo, hi) {
                (Some(l), Some(h)) => format!("{l}..{h}"),
                (Some(l), None) => format!("{l}.."),
                (None, Some(h)) => format!("..{h}"),
                (None, None) => "..".to_string(),
            };
            format!("has length {actual}, outside {bounds}")
        }
        Misfit::Pattern(p) => format!("does not match /{p}/"),
        Misfit::NotOneOf(options) => format!("is not one of {}", options.join(", ")),
        Misfit::At(path, inner) => format!("at `{path}` {}", describe(inner, ty)),
    }
}

pub fn range_text(lo: &Option<f64>, hi: &Option<f64>) -> String {
    let f = |v: &Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    format!("{}..{}", f(lo), f(hi))
}
