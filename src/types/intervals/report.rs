//! Comparing what a value can be with what a property takes, and saying so: the
//! values that would fail (sub-ranges of numbers, lengths, or the very strings and
//! numbers of a finite set), on the declaration of the inputs they come from.

use super::domain::{Abs, Num, NumShape, Str, tighter_hi, tighter_lo};
use crate::diagnostics::{Diagnostic, codes};
use crate::syntax::span::Span;
use crate::types::ty::{Refinement, Ty};

/// Values a property rejects, in words.
pub(super) struct Finding {
    /// "1..127", "strings of 257..300 characters", "\"Dev_1\"".
    pub what: String,
    /// What the property takes: "128..32768", "1..64 characters", "strings matching /…/".
    pub takes: String,
    /// A type the input could be narrowed to, when the value is the input itself.
    narrowed: Option<Narrowing>,
}

/// How the input's own type could be narrowed.
enum Narrowing {
    Range(Option<f64>, Option<f64>),
    Length(Option<u64>, Option<u64>),
    Drop(Vec<String>),
}

/// An input the value is computed from.
pub(super) struct Declared {
    pub name: String,
    pub ty: Ty,
    /// Its type, as written.
    pub span: Span,
}

/// The property the value is written to.
pub(super) struct Place<'s> {
    pub path: &'s str,
    pub type_name: &'s str,
    /// The value, as written in the resource.
    pub span: Span,
}

/// At most this many rejected values are named.
const NAMED: usize = 3;

/// What of `abs` the refinements of `ty` reject, if anything (bounds and lengths
/// first, then patterns).
pub(super) fn find(abs: &Abs, ty: &Ty) -> Option<Finding> {
    let Ty::Refined(base, rs) = ty else {
        return None;
    };
    match (abs, base.as_ref()) {
        (Abs::Num(n), Ty::Int | Ty::Number) => rs.iter().find_map(|r| match r {
            Refinement::Range { lo, hi } => numbers(n, *lo, *hi),
            _ => None,
        }),
        (Abs::Str(s), Ty::String) => {
            let lengths = rs.iter().find_map(|r| match r {
                Refinement::Length { lo, hi } => lengths(s, *lo, *hi),
                _ => None,
            });
            lengths.or_else(|| {
                rs.iter().find_map(|r| match r {
                    Refinement::Pattern(p) => pattern(s, p),
                    _ => None,
                })
            })
        }
        _ => None,
    }
}

fn fmt(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// What a property takes, in words: `128..32768`, `at most 63`, `at least 1`.
fn takes(lo: Option<f64>, hi: Option<f64>) -> String {
    match (lo, hi) {
        (None, Some(h)) => format!("at most {}", fmt(h)),
        (Some(l), None) => format!("at least {}", fmt(l)),
        _ => bounds(lo, hi),
    }
}

fn bounds(lo: Option<f64>, hi: Option<f64>) -> String {
    format!(
        "{}..{}",
        lo.map(fmt).unwrap_or_default(),
        hi.map(fmt).unwrap_or_default()
    )
}

fn listed<T: AsRef<str>>(items: &[T]) -> String {
    let mut out: Vec<String> = items
        .iter()
        .take(NAMED)
        .map(|s| s.as_ref().to_string())
        .collect();
    if items.len() > NAMED {
        out.push(format!("{} more", items.len() - NAMED));
    }
    match out.len() {
        0 | 1 => out.concat(),
        n => format!("{} and {}", out[..n - 1].join(", "), out[n - 1]),
    }
}

/// How [`outside`] words values: numbers, or string lengths.
struct Words {
    /// Before and after a range or list of values that all occur.
    prefix: &'static str,
    unit: &'static str,
    below: &'static str,
    above: &'static str,
    low: &'static str,
    high: &'static str,
}

const NUMBERS: Words = Words {
    prefix: "",
    unit: "",
    below: "values below",
    above: "values above",
    low: "as low as",
    high: "as high as",
};

const LENGTHS: Words = Words {
    prefix: "strings of ",
    unit: " characters",
    below: "strings shorter than",
    above: "strings longer than",
    low: "as short as",
    high: "as long as",
};

/// The parts of `n` outside `lo..hi`, in words (`None` if it is all inside). A dense
/// range names its sub-ranges; any other names the bound it passes and how far the
/// values it is sure of go.
fn outside(n: &Num, lo: Option<f64>, hi: Option<f64>, w: &Words) -> Option<String> {
    let out = |v: f64| lo.is_some_and(|l| v < l) || hi.is_some_and(|h| v > h);
    let (prefix, unit) = (w.prefix, w.unit);
    match &n.shape {
        NumShape::Values(vs) => {
            let bad: Vec<String> = vs.iter().copied().filter(|v| out(*v)).map(fmt).collect();
            (!bad.is_empty()).then(|| format!("{prefix}{}{unit}", listed(&bad)))
        }
        NumShape::Range {
            lo: vlo,
            hi: vhi,
            dense,
        } => {
            let step = if n.int { 1.0 } else { 0.0 };
            let mut parts = Vec::new();
            if let Some(l) = lo
                && vlo.is_none_or(|v| v < l)
            {
                let top = vhi.map_or(l - step, |h| h.min(l - step));
                parts.push(match (dense, n.int) {
                    (true, true) if *vlo == Some(top) => format!("{prefix}{}{unit}", fmt(top)),
                    (true, true) => format!("{prefix}{}{unit}", bounds(*vlo, Some(top))),
                    _ => match vlo {
                        Some(v) => format!("{} {}{unit} ({} {})", w.below, fmt(l), w.low, fmt(*v)),
                        None => format!("{} {}{unit}", w.below, fmt(l)),
                    },
                });
            }
            if let Some(h) = hi
                && vhi.is_none_or(|v| v > h)
            {
                let bottom = vlo.map_or(h + step, |l| l.max(h + step));
                parts.push(match (dense, n.int) {
                    (true, true) if *vhi == Some(bottom) => {
                        format!("{prefix}{}{unit}", fmt(bottom))
                    }
                    (true, true) => format!("{prefix}{}{unit}", bounds(Some(bottom), *vhi)),
                    _ => match vhi {
                        Some(v) => format!("{} {}{unit} ({} {})", w.above, fmt(h), w.high, fmt(*v)),
                        None => format!("{} {}{unit}", w.above, fmt(h)),
                    },
                });
            }
            (!parts.is_empty()).then(|| parts.join(" and "))
        }
    }
}

fn numbers(n: &Num, lo: Option<f64>, hi: Option<f64>) -> Option<Finding> {
    let what = outside(n, lo, hi, &NUMBERS)?;
    let narrowed = match &n.shape {
        NumShape::Values(vs) => Narrowing::Drop(
            vs.iter()
                .copied()
                .filter(|v| lo.is_some_and(|l| *v < l) || hi.is_some_and(|h| *v > h))
                .map(fmt)
                .collect(),
        ),
        NumShape::Range {
            lo: vlo, hi: vhi, ..
        } => Narrowing::Range(tighter_lo(*vlo, lo), tighter_hi(*vhi, hi)),
    };
    Some(Finding {
        what,
        takes: takes(lo, hi),
        narrowed: Some(narrowed),
    })
}

fn lengths(s: &Str, lo: Option<u64>, hi: Option<u64>) -> Option<Finding> {
    let (flo, fhi) = (lo.map(|l| l as f64), hi.map(|h| h as f64));
    let takes = format!("{} characters", takes(flo, fhi));
    if let Some(vs) = &s.values {
        let bad: Vec<&String> = vs
            .iter()
            .filter(|v| {
                let n = v.chars().count() as u64;
                lo.is_some_and(|l| n < l) || hi.is_some_and(|h| n > h)
            })
            .collect();
        if bad.is_empty() {
            return None;
        }
        let shown: Vec<String> = bad
            .iter()
            .map(|v| format!("{v:?} ({} characters)", v.chars().count()))
            .collect();
        return Some(Finding {
            what: listed(&shown),
            takes,
            narrowed: Some(Narrowing::Drop(
                bad.iter().map(|v| format!("{v:?}")).collect(),
            )),
        });
    }
    let what =
        outside(&s.len, flo, fhi, &LENGTHS)?.replace("strings of 0 characters", "the empty string");
    let (vlo, vhi, _) = s.len.hull();
    let to_u64 = |v: Option<f64>| v.map(|v| v as u64);
    Some(Finding {
        what,
        takes,
        narrowed: Some(Narrowing::Length(
            to_u64(tighter_lo(vlo, flo)),
            to_u64(tighter_hi(vhi, fhi)),
        )),
    })
}

fn pattern(s: &Str, p: &str) -> Option<Finding> {
    // Only a string known to occur can be shown to fail a pattern.
    let vs = s.values.as_ref()?;
    let re = crate::types::lower::compiled_regex(p)?;
    let bad: Vec<String> = vs
        .iter()
        .filter(|v| !re.is_match(v))
        .map(|v| format!("{v:?}"))
        .collect();
    if bad.is_empty() {
        return None;
    }
    Some(Finding {
        what: listed(&bad),
        takes: format!("strings matching /{p}/"),
        narrowed: Some(Narrowing::Drop(bad)),
    })
}

fn quoted_names(declared: &[Declared]) -> String {
    let names: Vec<String> = declared.iter().map(|d| format!("`{}`", d.name)).collect();
    listed(&names)
}

/// The `E0230` diagnostic: on the first input's type, with the others' and the
/// property's value as secondary labels. `direct` names the input when the value is
/// that input as it is.
pub(super) fn diagnostic(
    f: &Finding,
    declared: &[Declared],
    direct: Option<&str>,
    place: &Place<'_>,
) -> Option<Diagnostic> {
    let first = declared.first()?;
    let property = format!("`{}` of `{}`", place.path, place.type_name);
    let (message, value_label) = match direct {
        Some(name) => (
            format!(
                "input `{name}` admits {}, which {property} rejects (it takes {})",
                f.what, f.takes
            ),
            format!("`{}` is set to `{name}` here", place.path),
        ),
        None => (
            format!(
                "{} {} {} {property} be {}, which it rejects (it takes {})",
                if declared.len() == 1 {
                    "input"
                } else {
                    "inputs"
                },
                quoted_names(declared),
                if declared.len() == 1 { "lets" } else { "let" },
                f.what,
                f.takes
            ),
            format!("this can be {}", f.what),
        ),
    };
    let mut d = Diagnostic::new(codes::INPUT_ADMITS_REJECTED_VALUE, message).with_primary(
        first.span,
        format!("`{}` is declared as `{}`", first.name, first.ty),
    );
    for other in &declared[1..] {
        d = d.with_secondary(
            other.span,
            format!("`{}` is declared as `{}`", other.name, other.ty),
        );
    }
    d = d.with_secondary(place.span, value_label);
    let help = match (direct, &f.narrowed) {
        (Some(name), Some(n)) => narrowing_help(name, &first.ty, n),
        _ => None,
    };
    Some(d.with_help(help.unwrap_or_else(|| {
        format!(
            "narrow {}, or compute the value so that it fits {property}",
            if declared.len() == 1 {
                "the input's type"
            } else {
                "the inputs' types"
            }
        )
    })))
}

fn narrowing_help(name: &str, ty: &Ty, n: &Narrowing) -> Option<String> {
    let base = match ty {
        Ty::Refined(base, _) => base.to_string(),
        _ => String::new(),
    };
    match n {
        Narrowing::Range(lo, hi) if !base.is_empty() => {
            if let (Some(l), Some(h)) = (lo, hi)
                && l > h
            {
                return Some(format!(
                    "`{name}` and the property have no value in common: take another input, or compute a value the property takes"
                ));
            }
            Some(format!("declare `{name}: {base} in {}`", bounds(*lo, *hi)))
        }
        Narrowing::Length(lo, hi) if !base.is_empty() => {
            if let (Some(l), Some(h)) = (lo, hi)
                && l > h
            {
                return None;
            }
            Some(format!(
                "declare `{name}: {base} len {}`",
                bounds(lo.map(|v| v as f64), hi.map(|v| v as f64))
            ))
        }
        Narrowing::Drop(values) => Some(format!("leave {} out of `{name}`'s type", listed(values))),
        _ => None,
    }
}
