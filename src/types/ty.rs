//! Types as the checker sees them, and the subtyping relation.
//!
//! Types are structural. The rules (also in `grammar/REFERENCE.md`):
//! - `Int <: Number`; a literal type is a subtype of its base (`"small" <: String`).
//! - `T <: T?` and `Null <: T?`.
//! - A refined type is a subtype of its base (`Int in 1..10 <: Int`). The converse
//!   holds only for a value known at compile time that satisfies the refinement; that
//!   is checked on values, not here.
//! - `List<A> <: List<B>` and `Map<A> <: Map<B>` when `A <: B`.
//! - Records are closed: `{a: A}` is a subtype of `{a: B, c?: C}` when `A <: B` and
//!   every field of the target missing from the source is optional; a field the target
//!   does not declare is an error (it is most likely a typo).
//! - A union is a subtype of `T` when each member is; `T` is a subtype of a union when
//!   it is a subtype of one member.
//! - `Secret` is a subtype of nothing but itself, `Secret?` and `Any`: a secret never
//!   becomes a plain string.
//! - `Any` (the untyped escape hatch) and `Error` (poison, after a reported mistake)
//!   are compatible with everything, both ways, so one mistake gives one error.

use std::collections::BTreeMap;
use std::fmt;

/// A refinement on a base type.
#[derive(Debug, Clone, PartialEq)]
pub enum Refinement {
    /// Inclusive numeric bounds.
    Range { lo: Option<f64>, hi: Option<f64> },
    /// Inclusive bounds on the length of a string (in characters) or a list.
    Length { lo: Option<u64>, hi: Option<u64> },
    /// A regular expression the whole string must match somewhere (as `regex::is_match`).
    Pattern(String),
}

/// A literal value at the type level.
#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    Bool(bool),
    Int(i64),
    Number(f64),
    String(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct FieldTy {
    pub ty: Ty,
    /// The field may be left out (it is optional or has a default).
    pub optional: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    /// Poison: the type of something already reported as wrong.
    Error,
    /// The untyped escape hatch.
    Any,
    Null,
    Bool,
    Int,
    Number,
    String,
    Secret,
    Lit(Lit),
    List(Box<Ty>),
    Map(Box<Ty>),
    Record(BTreeMap<String, FieldTy>),
    Union(Vec<Ty>),
    Optional(Box<Ty>),
    Refined(Box<Ty>, Vec<Refinement>),
    /// A resource of the named type (`AWS::EC2::VPC`, `aws_vpc`); its members are the
    /// type's attributes. `untyped` resources have any member.
    Resource {
        type_name: String,
        untyped: bool,
    },
    /// An instance of a module (a `use`); its members are the module's outputs.
    Module(crate::resolve::DeclId),
}

impl Ty {
    pub fn list(t: Ty) -> Ty {
        Ty::List(Box::new(t))
    }

    pub fn map(t: Ty) -> Ty {
        Ty::Map(Box::new(t))
    }

    pub fn optional(t: Ty) -> Ty {
        match t {
            Ty::Optional(_) | Ty::Any | Ty::Error | Ty::Null => t,
            t => Ty::Optional(Box::new(t)),
        }
    }

    /// The type once `null` is ruled out: `T?` is `T`; `Null` stays (nothing is left).
    pub fn non_null(&self) -> Ty {
        match self {
            Ty::Optional(t) => (**t).clone(),
            t => t.clone(),
        }
    }

    /// Whether `null` is a value of this type.
    pub fn admits_null(&self) -> bool {
        matches!(self, Ty::Optional(_) | Ty::Null)
    }

    pub fn is_poison(&self) -> bool {
        matches!(self, Ty::Error | Ty::Any)
    }

    /// The type without refinements, literals widened to their base.
    pub fn base(&self) -> Ty {
        match self {
            Ty::Lit(Lit::Bool(_)) => Ty::Bool,
            Ty::Lit(Lit::Int(_)) => Ty::Int,
            Ty::Lit(Lit::Number(_)) => Ty::Number,
            Ty::Lit(Lit::String(_)) => Ty::String,
            Ty::Refined(t, _) => t.base(),
            Ty::Union(ts) => {
                let bases: Vec<Ty> = ts.iter().map(Ty::base).collect();
                match bases.first() {
                    Some(first) if bases.iter().all(|b| b == first) => first.clone(),
                    _ => Ty::Union(bases),
                }
            }
            t => t.clone(),
        }
    }

    /// Strips refinements (keeping literals).
    pub fn unrefined(&self) -> &Ty {
        match self {
            Ty::Refined(t, _) => t.unrefined(),
            t => t,
        }
    }

    pub fn is_numeric(&self) -> bool {
        matches!(self.base(), Ty::Int | Ty::Number)
    }

    pub fn is_stringy(&self) -> bool {
        matches!(self.base(), Ty::String)
    }

    /// Whether a value of type `self` may be used where `target` is expected.
    pub fn is_subtype_of(&self, target: &Ty) -> bool {
        use Ty::*;
        if self == target {
            return true;
        }
        match (self, target) {
            (Error | Any, _) | (_, Error | Any) => true,
            (Union(ms), t) => ms.iter().all(|m| m.is_subtype_of(t)),
            (s, Union(ms)) => ms.iter().any(|m| s.is_subtype_of(m)),
            (Refined(s, _), t) => s.is_subtype_of(t),
            // Refinements on the target are checked on values by the checker.
            (s, Refined(t, _)) => s.is_subtype_of(t),
            (Null, Optional(_)) => true,
            (Optional(s), Optional(t)) => s.is_subtype_of(t),
            (s, Optional(t)) => s.is_subtype_of(t),
            (Int, Number) => true,
            (Lit(l), t) => lit_base(l).is_subtype_of(t) && !matches!(t, Lit(_)),
            (List(s), List(t)) | (Map(s), Map(t)) => s.is_subtype_of(t),
            (Record(s), Map(t)) => s.values().all(|f| f.ty.is_subtype_of(t)),
            (Record(s), Record(t)) => {
                s.iter()
                    .all(|(k, f)| t.get(k).is_some_and(|tf| f.ty.is_subtype_of(&tf.ty)))
                    && t.iter().all(|(k, tf)| tf.optional || s.contains_key(k))
            }
            _ => false,
        }
    }
}

fn lit_base(l: &Lit) -> Ty {
    match l {
        Lit::Bool(_) => Ty::Bool,
        Lit::Int(_) => Ty::Int,
        Lit::Number(_) => Ty::Number,
        Lit::String(_) => Ty::String,
    }
}

impl fmt::Display for Lit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Lit::Bool(b) => write!(f, "{b}"),
            Lit::Int(i) => write!(f, "{i}"),
            Lit::Number(n) => write!(f, "{n}"),
            Lit::String(s) => write!(f, "{s:?}"),
        }
    }
}

fn bound<T: fmt::Display>(b: &Option<T>) -> String {
    b.as_ref().map(|v| v.to_string()).unwrap_or_default()
}

impl fmt::Display for Refinement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refinement::Range { lo, hi } => write!(f, "in {}..{}", bound(lo), bound(hi)),
            Refinement::Length { lo, hi } => write!(f, "len {}..{}", bound(lo), bound(hi)),
            Refinement::Pattern(p) => write!(f, "matches /{p}/"),
        }
    }
}

/// Types print as they are written in formwork.
impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ty::Error => write!(f, "{{unknown}}"),
            Ty::Any => write!(f, "Any"),
            Ty::Null => write!(f, "Null"),
            Ty::Bool => write!(f, "Bool"),
            Ty::Int => write!(f, "Int"),
            Ty::Number => write!(f, "Number"),
            Ty::String => write!(f, "String"),
            Ty::Secret => write!(f, "Secret"),
            Ty::Lit(l) => write!(f, "{l}"),
            Ty::List(t) => write!(f, "List<{t}>"),
            Ty::Map(t) => write!(f, "Map<{t}>"),
            Ty::Record(fields) => {
                write!(f, "{{ ")?;
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{k}: {}{}", v.ty, if v.optional { " = …" } else { "" })?;
                }
                write!(f, " }}")
            }
            Ty::Union(ts) => {
                for (i, t) in ts.iter().enumerate() {
                    if i > 0 {
                        write!(f, " | ")?;
                    }
                    write!(f, "{t}")?;
                }
                Ok(())
            }
            Ty::Optional(t) => match **t {
                Ty::Union(_) | Ty::Refined(..) => write!(f, "({t})?"),
                _ => write!(f, "{t}?"),
            },
            Ty::Refined(t, rs) => {
                write!(f, "{t}")?;
                for r in rs {
                    write!(f, " {r}")?;
                }
                Ok(())
            }
            Ty::Resource { type_name, .. } => write!(f, "resource {type_name}"),
            Ty::Module(_) => write!(f, "module instance"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subtyping_rules() {
        let small = Ty::Lit(Lit::String("small".into()));
        let size = Ty::Union(vec![small.clone(), Ty::Lit(Lit::String("large".into()))]);
        assert!(Ty::Int.is_subtype_of(&Ty::Number));
        assert!(!Ty::Number.is_subtype_of(&Ty::Int));
        assert!(small.is_subtype_of(&Ty::String));
        assert!(small.is_subtype_of(&size));
        assert!(!Ty::String.is_subtype_of(&size));
        assert!(size.is_subtype_of(&Ty::String));
        assert!(Ty::Null.is_subtype_of(&Ty::optional(Ty::Int)));
        assert!(Ty::Int.is_subtype_of(&Ty::optional(Ty::Number)));
        assert!(!Ty::Secret.is_subtype_of(&Ty::String));
        assert!(!Ty::String.is_subtype_of(&Ty::Secret));
        let r = Ty::Refined(
            Box::new(Ty::Int),
            vec![Refinement::Range {
                lo: Some(1.0),
                hi: Some(10.0),
            }],
        );
        assert!(r.is_subtype_of(&Ty::Number));
        assert_eq!(r.to_string(), "Int in 1..10");
    }

    #[test]
    fn records_are_closed() {
        let mut a = BTreeMap::new();
        a.insert(
            "path".to_string(),
            FieldTy {
                ty: Ty::String,
                optional: false,
            },
        );
        let mut b = a.clone();
        b.insert(
            "interval".to_string(),
            FieldTy {
                ty: Ty::Int,
                optional: true,
            },
        );
        assert!(Ty::Record(a.clone()).is_subtype_of(&Ty::Record(b.clone())));
        assert!(!Ty::Record(b).is_subtype_of(&Ty::Record(a)));
    }
}
