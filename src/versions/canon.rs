//! Resource property values in a form two renderings can be compared in: no spans,
//! resources named by their [`address`] (a [`ResId`](crate::ir::ResId) is an index
//! into one stack and means nothing in the other), map keys sorted (CloudFormation and
//! Terraform do not care about their order), `1` and `1.0` one number. A value known
//! only at deploy time is a leaf, written as formwork would write it.

use std::collections::BTreeMap;
use std::fmt;

use crate::ir::{Expr, Resource, Stack};
use crate::types::targets::Target;

#[derive(Debug, Clone, PartialEq)]
pub enum Canon {
    Null,
    Bool(bool),
    /// The number's shortest text, integers without a decimal point.
    Number(String),
    String(String),
    List(Vec<Canon>),
    Map(BTreeMap<String, Canon>),
    /// A deploy-time value, as text: `vpc.VpcId`, `environment.outputs.vpc_id`.
    Deployed(String),
}

impl Canon {
    pub fn of(e: &Expr, stack: &Stack) -> Canon {
        match e {
            Expr::Null => Canon::Null,
            Expr::Bool(b) => Canon::Bool(*b),
            Expr::Int(i) => Canon::Number(i.to_string()),
            Expr::Number(n) => Canon::Number(number_text(*n)),
            Expr::String(s) => Canon::String(s.clone()),
            Expr::List(items) => Canon::List(items.iter().map(|i| Canon::of(i, stack)).collect()),
            Expr::Map(entries) => Canon::Map(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), Canon::of(v, stack)))
                    .collect(),
            ),
            e => Canon::Deployed(node_text(e, stack)),
        }
    }

    /// The dotted paths (`Tags.0.Value`) at which two values differ, `path` being
    /// where they are. Maps are compared key by key and lists of one length element by
    /// element; anything else differs as a whole.
    pub fn differences(a: Option<&Canon>, b: Option<&Canon>, path: &str, out: &mut Vec<String>) {
        let join = |k: &str| {
            if path.is_empty() {
                k.to_string()
            } else {
                format!("{path}.{k}")
            }
        };
        match (a, b) {
            (Some(Canon::Map(x)), Some(Canon::Map(y))) => {
                let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
                for k in keys {
                    Canon::differences(x.get(k), y.get(k), &join(k), out);
                }
            }
            (Some(Canon::List(x)), Some(Canon::List(y))) if x.len() == y.len() => {
                for (i, (p, q)) in x.iter().zip(y).enumerate() {
                    Canon::differences(Some(p), Some(q), &join(&i.to_string()), out);
                }
            }
            (a, b) if a == b => {}
            _ => out.push(path.to_string()),
        }
    }

    /// The value at a dotted path, if there is one.
    pub fn at(&self, path: &str) -> Option<&Canon> {
        let mut here = self;
        for seg in path.split('.').filter(|s| !s.is_empty()) {
            here = match here {
                Canon::Map(m) => m.get(seg)?,
                Canon::List(items) => items.get(seg.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(here)
    }

    /// The value for a label: its text, cut short past 60 characters.
    pub fn short(&self) -> String {
        let text = self.to_string();
        if text.chars().count() <= 60 {
            return text;
        }
        let cut: String = text.chars().take(57).collect();
        format!("{cut}…")
    }
}

fn number_text(n: f64) -> String {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

/// Values print as formwork writes them: `"a"`, `[1, 2]`, `{ Key = "Name" }`.
impl fmt::Display for Canon {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Canon::Null => write!(f, "null"),
            Canon::Bool(b) => write!(f, "{b}"),
            Canon::Number(n) => write!(f, "{n}"),
            Canon::String(s) => write!(f, "{s:?}"),
            Canon::List(items) => {
                write!(f, "[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{item}")?;
                }
                write!(f, "]")
            }
            Canon::Map(entries) if entries.is_empty() => write!(f, "{{}}"),
            Canon::Map(entries) => {
                write!(f, "{{ ")?;
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{k} = {v}")?;
                }
                write!(f, " }}")
            }
            Canon::Deployed(text) => write!(f, "{text}"),
        }
    }
}

/// What identifies a deployed resource: its logical ID in CloudFormation, its address
/// (`aws_vpc.vpc`, type and name) in Terraform.
pub fn address(r: &Resource, target: Target) -> String {
    match target {
        Target::CloudFormation => r.id.clone(),
        Target::Terraform => format!("{}.{}", r.type_name, r.id),
    }
}

/// A deploy-time node as formwork would write it, resources by [`address`].
fn node_text(e: &Expr, stack: &Stack) -> String {
    let res = |r: &crate::ir::ResId| {
        stack
            .resources
            .get(r.0 as usize)
            .map_or_else(|| format!("#{}", r.0), |r| address(r, stack.target))
    };
    let t = |e: &Expr| match e {
        Expr::Null
        | Expr::Bool(_)
        | Expr::Int(_)
        | Expr::Number(_)
        | Expr::String(_)
        | Expr::List(_)
        | Expr::Map(_) => Canon::of(e, stack).to_string(),
        e => node_text(e, stack),
    };
    match e {
        Expr::Param(n, _) => format!("input.{n}"),
        Expr::Ref(r, _) => res(r),
        Expr::Attr(r, a, _) => format!("{}.{a}", res(r)),
        Expr::EnvOutput(n, _) => format!("environment.outputs.{n}"),
        Expr::Secret(n, _) => format!("secret input.{n}"),
        Expr::Concat(parts, _) => {
            let mut s = String::from("\"");
            for p in parts {
                match p {
                    Expr::String(text) => s.push_str(text),
                    p => {
                        s.push_str("${");
                        s.push_str(&t(p));
                        s.push('}');
                    }
                }
            }
            s.push('"');
            s
        }
        Expr::Call(name, args, _) => format!(
            "{name}({})",
            args.iter().map(t).collect::<Vec<_>>().join(", ")
        ),
        Expr::Unary(op, a, _) => format!("{op:?}({})", t(a)),
        Expr::Binary(op, a, b, _) => format!("({} {} {})", t(a), op.symbol(), t(b)),
        Expr::If(c, a, b, _) => format!("(if {} then {} else {})", t(c), t(a), t(b)),
        Expr::Cond(n, _) => format!("condition {n}"),
        Expr::Index(a, b, _) => format!("{}[{}]", t(a), t(b)),
        Expr::Member(a, n, _) => format!("{}.{n}", t(a)),
        Expr::For(f, _) => format!(
            "[for {}{} in {} : {}{}{}]",
            f.key.as_ref().map(|k| format!("{k}, ")).unwrap_or_default(),
            f.value,
            t(&f.collection),
            f.map_key
                .as_ref()
                .map(|k| format!("{} => ", t(k)))
                .unwrap_or_default(),
            t(&f.body),
            f.filter
                .as_ref()
                .map(|c| format!(" if {}", t(c)))
                .unwrap_or_default()
        ),
        Expr::Var(n, _) => n.clone(),
        e => Canon::of(e, stack).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_are_paths() {
        let a = Canon::Map(BTreeMap::from([
            ("A".to_string(), Canon::Number("1".into())),
            (
                "B".to_string(),
                Canon::List(vec![Canon::String("x".into()), Canon::String("y".into())]),
            ),
        ]));
        let b = Canon::Map(BTreeMap::from([
            ("A".to_string(), Canon::Number("1".into())),
            (
                "B".to_string(),
                Canon::List(vec![Canon::String("x".into()), Canon::String("z".into())]),
            ),
            ("C".to_string(), Canon::Bool(true)),
        ]));
        let mut out = Vec::new();
        Canon::differences(Some(&a), Some(&b), "", &mut out);
        assert_eq!(out, ["B.1", "C"]);
        assert_eq!(b.at("B.1"), Some(&Canon::String("z".into())));
        assert_eq!(number_text(3.0), "3");
        assert_eq!(number_text(0.5), "0.5");
    }
}
