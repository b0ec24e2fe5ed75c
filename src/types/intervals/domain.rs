//! The abstract values of the admitted-values analysis: what an expression built from
//! inputs can be. Every value an abstract value names is one the inputs can really
//! produce (an under-approximation at the edges): a `Range` that is `dense` holds
//! every number between its bounds, one that is not holds at least its bounds, and a
//! value list holds exactly values that occur. The analysis may forget values (an
//! arm it cannot follow), never invent them, so a value it reports is a real one.

/// At most this many values are kept as a list; past it, a list becomes a range.
pub const MAX_VALUES: usize = 64;

/// What a number can be.
#[derive(Debug, Clone, PartialEq)]
pub struct Num {
    /// Every value is an integer.
    pub int: bool,
    pub shape: NumShape,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NumShape {
    /// Exactly these values (sorted, without repeats, not empty).
    Values(Vec<f64>),
    /// Between inclusive bounds (`None`: unbounded on that side). `dense`: every
    /// number between them (every integer, for `int`) occurs; otherwise at least the
    /// finite bounds do, and on an unbounded side values as far out as one likes.
    Range {
        lo: Option<f64>,
        hi: Option<f64>,
        dense: bool,
    },
}

/// What a string can be.
#[derive(Debug, Clone, PartialEq)]
pub struct Str {
    /// Exactly these strings, when there are few enough.
    pub values: Option<Vec<String>>,
    /// Its length in characters.
    pub len: Num,
}

/// What the analysis knows of an expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Abs {
    Num(Num),
    Str(Str),
    /// Nothing it can vouch for: the expression is not followed.
    Unknown,
}

impl Num {
    pub fn values(int: bool, mut vs: Vec<f64>) -> Option<Num> {
        if vs.iter().any(|v| !v.is_finite()) {
            return None;
        }
        vs.sort_by(f64::total_cmp);
        vs.dedup();
        if vs.is_empty() {
            return None;
        }
        if vs.len() > MAX_VALUES {
            let (lo, hi) = (vs[0], vs[vs.len() - 1]);
            return Some(Num {
                int,
                shape: NumShape::Range {
                    lo: Some(lo),
                    hi: Some(hi),
                    dense: int && consecutive(&vs),
                },
            });
        }
        Some(Num {
            int,
            shape: NumShape::Values(vs),
        })
    }

    pub fn range(int: bool, lo: Option<f64>, hi: Option<f64>) -> Option<Num> {
        if let (Some(l), Some(h)) = (lo, hi)
            && l > h
        {
            return None;
        }
        if lo == hi
            && let Some(v) = lo
        {
            return Num::values(int, vec![v]);
        }
        Some(Num {
            int,
            shape: NumShape::Range {
                lo,
                hi,
                dense: true,
            },
        })
    }

    /// The bounds and whether every value between them occurs.
    pub fn hull(&self) -> (Option<f64>, Option<f64>, bool) {
        match &self.shape {
            NumShape::Values(vs) => (
                vs.first().copied(),
                vs.last().copied(),
                vs.len() == 1 || self.int && consecutive(vs),
            ),
            NumShape::Range { lo, hi, dense } => (*lo, *hi, *dense),
        }
    }

    fn pointwise(&self, other: &Num, f: impl Fn(f64, f64) -> f64) -> Option<Num> {
        let (NumShape::Values(a), NumShape::Values(b)) = (&self.shape, &other.shape) else {
            return None;
        };
        if a.len() * b.len() > MAX_VALUES {
            return None;
        }
        let vs = a.iter().flat_map(|x| b.iter().map(|y| f(*x, *y))).collect();
        Num::values(self.int && other.int, vs)
    }

    pub fn add(&self, other: &Num) -> Option<Num> {
        if let Some(n) = self.pointwise(other, |x, y| x + y) {
            return Some(n);
        }
        let (alo, ahi, ad) = self.hull();
        let (blo, bhi, bd) = other.hull();
        let single = |n: &Num| matches!(&n.shape, NumShape::Values(v) if v.len() == 1);
        // The sum of two dense ranges of independent values is dense.
        let dense = ad && (bd || single(other)) || bd && single(self);
        let plus = |x: Option<f64>, y: Option<f64>| Some(x? + y?);
        Num::range(self.int && other.int, plus(alo, blo), plus(ahi, bhi)).map(|n| n.densify(dense))
    }

    pub fn neg(&self) -> Num {
        let shape = match &self.shape {
            NumShape::Values(vs) => NumShape::Values(vs.iter().rev().map(|v| -v).collect()),
            NumShape::Range { lo, hi, dense } => NumShape::Range {
                lo: hi.map(|h| -h),
                hi: lo.map(|l| -l),
                dense: *dense,
            },
        };
        Num {
            int: self.int,
            shape,
        }
    }

    pub fn mul(&self, other: &Num) -> Option<Num> {
        if let Some(n) = self.pointwise(other, |x, y| x * y) {
            return Some(n);
        }
        let (alo, ahi, ad) = self.hull();
        let (blo, bhi, bd) = other.hull();
        let lo = |b: Option<f64>| b.unwrap_or(f64::NEG_INFINITY);
        let hi = |b: Option<f64>| b.unwrap_or(f64::INFINITY);
        let corners = [
            (lo(alo), lo(blo)),
            (lo(alo), hi(bhi)),
            (hi(ahi), lo(blo)),
            (hi(ahi), hi(bhi)),
        ];
        // 0 × ∞ is 0 here: a factor that can be 0 makes the product 0.
        let products: Vec<f64> = corners
            .iter()
            .map(|(x, y)| if *x == 0.0 || *y == 0.0 { 0.0 } else { x * y })
            .collect();
        let min = products.iter().copied().fold(f64::INFINITY, f64::min);
        let max = products.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let finite = |v: f64| v.is_finite().then_some(v);
        let unit = |n: &Num| matches!(&n.shape, NumShape::Values(v) if v == &[1.0] || v == &[-1.0]);
        let dense = ad && unit(other) || bd && unit(self);
        Num::range(self.int && other.int, finite(min), finite(max)).map(|n| n.densify(dense))
    }

    pub fn densify(mut self, dense: bool) -> Num {
        if let NumShape::Range { dense: d, .. } = &mut self.shape {
            *d = dense;
        }
        self
    }

    /// The values either may have.
    pub fn union(&self, other: &Num) -> Num {
        let int = self.int && other.int;
        if let (NumShape::Values(a), NumShape::Values(b)) = (&self.shape, &other.shape)
            && let Some(n) = Num::values(int, a.iter().chain(b).copied().collect())
        {
            return n;
        }
        let (alo, ahi, ad) = self.hull();
        let (blo, bhi, bd) = other.hull();
        let min = |x: Option<f64>, y: Option<f64>| Some(x?.min(y?));
        let max = |x: Option<f64>, y: Option<f64>| Some(x?.max(y?));
        let gap = if int { 1.0 } else { 0.0 };
        let touch = |h: Option<f64>, l: Option<f64>| match (h, l) {
            (Some(h), Some(l)) => l <= h + gap,
            _ => true,
        };
        let dense = ad && bd && touch(ahi, blo) && touch(bhi, alo);
        Num {
            int,
            shape: NumShape::Range {
                lo: min(alo, blo),
                hi: max(ahi, bhi),
                dense,
            },
        }
    }

    /// The values for which `v OP c` holds; `None` when none is left or when the
    /// analysis cannot vouch for any (a strict bound on a non-integer range). A range
    /// cut at a bound stays dense; one with a point taken out keeps only its bounds.
    pub fn narrow(&self, op: Cmp, c: f64) -> Option<Num> {
        match &self.shape {
            NumShape::Values(vs) => Num::values(
                self.int,
                vs.iter().copied().filter(|v| op.holds(*v, c)).collect(),
            ),
            NumShape::Range { lo, hi, dense } => {
                let (mut lo, mut hi, mut dense) = (*lo, *hi, *dense);
                let step = if self.int { 1.0 } else { 0.0 };
                // A strict bound on a non-integer range cannot be held as an inclusive one.
                if !self.int && matches!(op, Cmp::Lt | Cmp::Gt | Cmp::Ne) {
                    return None;
                }
                let below = |b: f64| if self.int { b.ceil() } else { b };
                let above = |b: f64| if self.int { b.floor() } else { b };
                match op {
                    Cmp::Lt => hi = Some(hi.map_or(below(c) - step, |h| h.min(below(c) - step))),
                    Cmp::Le => hi = Some(hi.map_or(above(c), |h| h.min(above(c)))),
                    Cmp::Gt => lo = Some(lo.map_or(above(c) + step, |l| l.max(above(c) + step))),
                    Cmp::Ge => lo = Some(lo.map_or(below(c), |l| l.max(below(c)))),
                    Cmp::Eq => {
                        let inside = lo.is_none_or(|l| c >= l) && hi.is_none_or(|h| c <= h);
                        let whole = !self.int || c.fract() == 0.0;
                        // A point inside a range that is not dense may not occur.
                        return (inside && whole && dense)
                            .then(|| Num::values(self.int, vec![c]))?;
                    }
                    Cmp::Ne => {
                        if lo == Some(c) {
                            lo = Some(c + step);
                        } else if hi == Some(c) {
                            hi = Some(c - step);
                        } else {
                            dense = false;
                        }
                    }
                }
                Num::range(self.int, lo, hi).map(|n| match n.shape {
                    NumShape::Range { .. } => n.densify(dense),
                    _ => n,
                })
            }
        }
    }
}

/// A comparison with a constant, to narrow a value by.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cmp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl Cmp {
    pub fn holds(self, v: f64, c: f64) -> bool {
        match self {
            Cmp::Lt => v < c,
            Cmp::Le => v <= c,
            Cmp::Gt => v > c,
            Cmp::Ge => v >= c,
            Cmp::Eq => v == c,
            Cmp::Ne => v != c,
        }
    }

    /// The comparison with its sides swapped (`3 < x` is `x > 3`).
    pub fn flipped(self) -> Cmp {
        match self {
            Cmp::Lt => Cmp::Gt,
            Cmp::Le => Cmp::Ge,
            Cmp::Gt => Cmp::Lt,
            Cmp::Ge => Cmp::Le,
            c => c,
        }
    }

    /// The comparison that holds when this one does not.
    pub fn negated(self) -> Cmp {
        match self {
            Cmp::Lt => Cmp::Ge,
            Cmp::Le => Cmp::Gt,
            Cmp::Gt => Cmp::Le,
            Cmp::Ge => Cmp::Lt,
            Cmp::Eq => Cmp::Ne,
            Cmp::Ne => Cmp::Eq,
        }
    }
}

/// The tighter of two lower bounds (`None`: unbounded).
pub fn tighter_lo(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// The tighter of two upper bounds (`None`: unbounded).
pub fn tighter_hi(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn consecutive(vs: &[f64]) -> bool {
    vs.windows(2).all(|w| w[1] - w[0] == 1.0)
}

impl Str {
    /// A string that is exactly one of `values`.
    pub fn values(values: Vec<String>) -> Option<Str> {
        let mut values = values;
        values.sort();
        values.dedup();
        let lens = values.iter().map(|s| s.chars().count() as f64).collect();
        let len = Num::values(true, lens)?;
        Some(Str {
            values: (values.len() <= MAX_VALUES).then_some(values),
            len,
        })
    }

    /// Any string whose length is within the bounds.
    pub fn lengths(lo: u64, hi: Option<u64>) -> Option<Str> {
        Some(Str {
            values: None,
            len: Num::range(true, Some(lo as f64), hi.map(|h| h as f64))?,
        })
    }

    /// One string followed by another (independent) one.
    pub fn concat(&self, other: &Str) -> Option<Str> {
        let values = match (&self.values, &other.values) {
            (Some(a), Some(b)) if a.len() * b.len() <= MAX_VALUES => Some(
                a.iter()
                    .flat_map(|x| b.iter().map(move |y| format!("{x}{y}")))
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        };
        match values {
            Some(vs) => Str::values(vs),
            None => Some(Str {
                values: None,
                len: self.len.add(&other.len)?,
            }),
        }
    }

    pub fn union(&self, other: &Str) -> Str {
        if let (Some(a), Some(b)) = (&self.values, &other.values)
            && let Some(s) = Str::values(a.iter().chain(b).cloned().collect())
        {
            return s;
        }
        Str {
            values: None,
            len: self.len.union(&other.len),
        }
    }

    /// Keeps the strings equal (or, for `Ne`, unequal) to `c`; `None` if none is left.
    pub fn narrow(&self, eq: bool, c: &str) -> Option<Str> {
        match &self.values {
            Some(vs) => Str::values(
                vs.iter()
                    .filter(|v| (v.as_str() == c) == eq)
                    .cloned()
                    .collect(),
            ),
            None if eq => {
                let n = c.chars().count() as f64;
                let (lo, hi, dense) = self.len.hull();
                let fits = lo.is_none_or(|l| n >= l) && hi.is_none_or(|h| n <= h);
                // A string of any content with a length in a dense range can be `c`.
                (fits && dense && self.len.int).then(|| Str::values(vec![c.to_string()]))?
            }
            None => Some(self.clone()),
        }
    }
}

impl Abs {
    pub fn union(&self, other: &Abs) -> Abs {
        match (self, other) {
            (Abs::Num(a), Abs::Num(b)) => Abs::Num(a.union(b)),
            (Abs::Str(a), Abs::Str(b)) => Abs::Str(a.union(b)),
            // What one arm gives still occurs; the other arm's values are forgotten.
            (Abs::Unknown, known) | (known, Abs::Unknown) => known.clone(),
            _ => Abs::Unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(lo: f64, hi: f64) -> Num {
        Num::range(true, Some(lo), Some(hi)).expect("not empty")
    }

    #[test]
    fn arithmetic_keeps_bounds_and_density() {
        let x = range(1.0, 3008.0);
        let two = Num::values(true, vec![2.0]).expect("a value");
        let one = Num::values(true, vec![1.0]).expect("a value");
        assert_eq!(
            x.add(&two).map(|n| n.hull()),
            Some((Some(3.0), Some(3010.0), true))
        );
        assert_eq!(
            x.mul(&two).map(|n| n.hull()),
            Some((Some(2.0), Some(6016.0), false))
        );
        assert_eq!(
            x.mul(&one).map(|n| n.hull()),
            Some((Some(1.0), Some(3008.0), true))
        );
        assert_eq!(x.neg().hull(), (Some(-3008.0), Some(-1.0), true));
        let open = Num::range(true, Some(1.0), None).expect("not empty");
        assert_eq!(
            open.mul(&two).map(|n| n.hull()),
            Some((Some(2.0), None, false))
        );
        let set = Num::values(true, vec![64.0, 128.0]).expect("values");
        assert_eq!(
            set.add(&two).map(|n| n.shape),
            Some(NumShape::Values(vec![66.0, 130.0]))
        );
    }

    #[test]
    fn narrowing() {
        let x = range(1.0, 3008.0);
        assert_eq!(
            x.narrow(Cmp::Lt, 128.0).map(|n| n.hull()),
            Some((Some(1.0), Some(127.0), true))
        );
        assert_eq!(
            x.narrow(Cmp::Ge, 128.0).map(|n| n.hull()),
            Some((Some(128.0), Some(3008.0), true))
        );
        assert_eq!(x.narrow(Cmp::Gt, 5000.0), None);
        assert_eq!(
            x.narrow(Cmp::Ne, 7.0).map(|n| n.hull()),
            Some((Some(1.0), Some(3008.0), false))
        );
        assert_eq!(
            x.narrow(Cmp::Eq, 7.0).map(|n| n.shape),
            Some(NumShape::Values(vec![7.0]))
        );
    }

    #[test]
    fn unions_and_strings() {
        let a = range(1.0, 10.0);
        let b = range(20.0, 30.0);
        assert_eq!(a.union(&b).hull(), (Some(1.0), Some(30.0), false));
        assert_eq!(
            a.union(&range(11.0, 12.0)).hull(),
            (Some(1.0), Some(12.0), true)
        );
        let env = Str::values(vec!["dev".into(), "prod".into()]).expect("values");
        let suffix = Str::values(vec!["-logs".into()]).expect("values");
        let both = env.concat(&suffix).expect("concat");
        assert_eq!(
            both.values,
            Some(vec!["dev-logs".to_string(), "prod-logs".to_string()])
        );
        let name = Str::lengths(1, Some(300)).expect("lengths");
        assert_eq!(
            name.concat(&suffix).map(|s| s.len.hull()),
            Some((Some(6.0), Some(305.0), true))
        );
        assert_eq!(Abs::Unknown.union(&Abs::Num(a.clone())), Abs::Num(a));
    }
}
