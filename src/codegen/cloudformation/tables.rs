//! Computations CloudFormation has no intrinsic for, made possible by a finite domain.
//!
//! In parameterised mode `input.memory_mb * 2` or `input.desired_count > 1` cannot be
//! computed by CloudFormation. But when the expression reads exactly one parameter,
//! and that parameter can take only a few values (a `Bool`, a union of literals, an
//! `Int` range of at most [`MAX_DOMAIN`] values), formwork computes it for every value
//! now: a value becomes a `Mappings` table read with `Fn::FindInMap` (or a chain of
//! `Fn::If` when the parameter's values cannot be mapping keys); a condition becomes
//! `Fn::Equals` on the values that make it true (or `Fn::Not` on those that make it
//! false, whichever is shorter).

use std::collections::BTreeSet;

use super::Gen;
use crate::codegen::doc::Node;
use crate::ir::lower::functions;
use crate::ir::names::logical_id;
use crate::ir::{BinaryOp, Expr, Param, UnaryOp};
use crate::types::ty::{Lit, Refinement, Ty};

/// The most values a parameter may take for formwork to tabulate an expression over it
/// (CloudFormation allows 200 keys in one mapping).
pub const MAX_DOMAIN: i64 = 200;

impl Gen<'_> {
    /// `e` as a lookup in a table of its values, one per value of the one parameter it
    /// reads.
    pub(super) fn tabulated_value(&mut self, e: &Expr) -> Option<Node> {
        let (param, rows) = self.table(e)?;
        let first = rows.first()?.1.clone();
        if rows.iter().all(|(_, v)| *v == first) {
            return self.value(&first);
        }
        self.params_used.insert(param.name.clone());
        let param_id = logical_id(&param.name);
        let keys_ok = rows
            .iter()
            .all(|(k, _)| !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric()));
        let scalars = rows.iter().all(|(_, v)| {
            matches!(
                v,
                Expr::String(_) | Expr::Int(_) | Expr::Number(_) | Expr::Bool(_)
            )
        });
        if keys_ok && scalars {
            let table = Node::Map(
                rows.iter()
                    .map(|(k, v)| {
                        let node = match v {
                            Expr::Bool(b) => Node::str(b.to_string()),
                            other => self.value(other).unwrap_or(Node::Null),
                        };
                        (k.clone(), Node::single("Value", node))
                    })
                    .collect(),
            );
            let name = match self.mappings.iter().find(|(_, t)| *t == table) {
                Some((n, _)) => n.clone(),
                None => {
                    let n = format!("{param_id}Table{}", self.mappings.len() + 1);
                    self.mappings.push((n.clone(), table));
                    n
                }
            };
            return Some(Node::single(
                "Fn::FindInMap",
                Node::List(vec![
                    Node::str(name),
                    Node::single("Ref", Node::str(param_id)),
                    Node::str("Value"),
                ]),
            ));
        }
        // A chain of `Fn::If`, last value innermost.
        let mut rows = rows;
        let (_, last) = rows.pop()?;
        let mut node = self.value(&last)?;
        for (key, v) in rows.into_iter().rev() {
            let cond = self.equals_condition(&param_id, std::slice::from_ref(&key));
            let name = self.named(cond);
            let v = self.value(&v)?;
            node = Node::single("Fn::If", Node::List(vec![Node::str(name), v, node]));
        }
        Some(node)
    }

    /// A condition over one finite-domain parameter, as the values that make it true.
    pub(super) fn tabulated_condition(&mut self, e: &Expr) -> Option<Node> {
        let (param, rows) = self.table(e)?;
        let mut yes = Vec::new();
        let mut no = Vec::new();
        for (k, v) in rows {
            match v {
                Expr::Bool(true) => yes.push(k),
                Expr::Bool(false) => no.push(k),
                _ => return None,
            }
        }
        self.params_used.insert(param.name.clone());
        let param_id = logical_id(&param.name);
        Some(match (yes.is_empty(), no.is_empty()) {
            // Always true or always false: compare constants.
            (_, true) => equals(Node::str("true"), Node::str("true")),
            (true, _) => equals(Node::str("true"), Node::str("false")),
            _ if yes.len() <= no.len() => self.equals_condition(&param_id, &yes),
            _ => {
                let c = self.equals_condition(&param_id, &no);
                Node::single("Fn::Not", Node::List(vec![c]))
            }
        })
    }

    /// `Fn::Equals` of the parameter and one value, or `Fn::Or` of several (nested, as
    /// `Fn::Or` takes at most 10).
    fn equals_condition(&mut self, param_id: &str, values: &[String]) -> Node {
        let mut items: Vec<Node> = values
            .iter()
            .map(|v| {
                equals(
                    Node::single("Ref", Node::str(param_id)),
                    Node::str(v.clone()),
                )
            })
            .collect();
        if items.len() == 1 {
            return items.pop().unwrap_or(Node::Null);
        }
        while items.len() > 10 {
            let groups: Vec<Node> = items
                .chunks(10)
                .map(|c| {
                    if c.len() == 1 {
                        c[0].clone()
                    } else {
                        Node::single("Fn::Or", Node::List(c.to_vec()))
                    }
                })
                .collect();
            items = groups;
        }
        Node::single("Fn::Or", Node::List(items))
    }

    /// Names a condition node, reusing an equal one.
    fn named(&mut self, cond: Node) -> String {
        if let Some((name, _)) = self.conditions.iter().find(|(_, n)| *n == cond) {
            return name.clone();
        }
        let name = format!("Condition{}", self.conditions.len() + 1);
        self.conditions.push((name.clone(), cond));
        name
    }

    /// The one parameter `e` reads and `e`'s value for each of its values, as
    /// (CloudFormation's text of the parameter value, the value). `None` when `e` reads
    /// something else known only later, more than one parameter, or one with too many
    /// values.
    fn table(&mut self, e: &Expr) -> Option<(Param, Vec<(String, Expr)>)> {
        self.why_not_tabulated = None;
        let mut params = BTreeSet::new();
        if !self.reads_only_params(e, &mut params) {
            return None;
        }
        if params.len() > 1 {
            let names: Vec<String> = params.iter().map(|p| format!("`{p}`")).collect();
            self.why_not_tabulated.replace(format!(
                "this reads the parameters {}: formwork computes an expression for each value of a parameter only when it reads one",
                names.join(" and ")
            ));
            return None;
        }
        let name = params.into_iter().next()?;
        let param = self.stack.params.iter().find(|p| p.name == name)?.clone();
        let Some(domain) = domain(&param.ty) else {
            self.why_not_tabulated.replace(format!(
                "parameter `{name}` takes too many values to compute this for each (formwork does so for a `Bool`, a union of literals, or an `Int` range of at most {MAX_DOMAIN} values)"
            ));
            return None;
        };
        let mut rows = Vec::with_capacity(domain.len());
        for v in domain {
            let key = match &v {
                Expr::Bool(b) => b.to_string(),
                Expr::Int(i) => i.to_string(),
                Expr::Number(n) => functions::number_text(*n),
                Expr::String(s) => s.clone(),
                Expr::Null => String::new(),
                _ => return None,
            };
            let result = self.fold(e, &name, &v)?;
            rows.push((key, result));
        }
        Some((param, rows))
    }

    /// Whether `e` reads nothing known later but parameters (collected in `out`).
    fn reads_only_params(&self, e: &Expr, out: &mut BTreeSet<String>) -> bool {
        match e {
            Expr::Null | Expr::Bool(_) | Expr::Int(_) | Expr::Number(_) | Expr::String(_) => true,
            Expr::Param(p, _) => {
                out.insert(p.clone());
                true
            }
            Expr::List(items) | Expr::Concat(items, _) | Expr::Call(_, items, _) => {
                items.iter().all(|i| self.reads_only_params(i, out))
            }
            Expr::Map(entries) => entries.iter().all(|(_, v)| self.reads_only_params(v, out)),
            Expr::Unary(_, a, _) | Expr::Member(a, _, _) => self.reads_only_params(a, out),
            Expr::Binary(_, a, b, _) | Expr::Index(a, b, _) => {
                self.reads_only_params(a, out) && self.reads_only_params(b, out)
            }
            Expr::If(c, a, b, _) => {
                self.reads_only_params(c, out)
                    && self.reads_only_params(a, out)
                    && self.reads_only_params(b, out)
            }
            Expr::Cond(name, _) => self
                .stack
                .conditions
                .iter()
                .find(|c| c.name == *name)
                .is_some_and(|c| self.reads_only_params(&c.expr, out)),
            _ => false,
        }
    }

    /// `e` with parameter `param` set to `value`, computed; `None` if it fails.
    fn fold(&self, e: &Expr, param: &str, value: &Expr) -> Option<Expr> {
        Some(match e {
            Expr::Param(p, _) if p == param => value.clone(),
            Expr::Null | Expr::Bool(_) | Expr::Int(_) | Expr::Number(_) | Expr::String(_) => {
                e.clone()
            }
            Expr::List(items) => Expr::List(
                items
                    .iter()
                    .map(|i| self.fold(i, param, value))
                    .collect::<Option<_>>()?,
            ),
            Expr::Map(entries) => Expr::Map(
                entries
                    .iter()
                    .map(|(k, v)| Some((k.clone(), self.fold(v, param, value)?)))
                    .collect::<Option<_>>()?,
            ),
            Expr::Concat(parts, _) => {
                let mut s = String::new();
                for p in parts {
                    match self.fold(p, param, value)? {
                        Expr::String(t) => s.push_str(&t),
                        Expr::Int(i) => s.push_str(&i.to_string()),
                        Expr::Number(n) => s.push_str(&functions::number_text(n)),
                        Expr::Bool(b) => s.push_str(&b.to_string()),
                        Expr::Null => {}
                        other => s.push_str(&functions::json_text(&other)),
                    }
                }
                Expr::String(s)
            }
            Expr::Call(f, args, _) => {
                let args: Vec<Expr> = args
                    .iter()
                    .map(|a| self.fold(a, param, value))
                    .collect::<Option<_>>()?;
                functions::call(f, &args).ok()?
            }
            Expr::Unary(op, a, _) => match (op, self.fold(a, param, value)?) {
                (UnaryOp::Not, Expr::Bool(b)) => Expr::Bool(!b),
                (UnaryOp::Neg, Expr::Int(i)) => Expr::Int(i.checked_neg()?),
                (UnaryOp::Neg, Expr::Number(n)) => Expr::Number(-n),
                _ => return None,
            },
            Expr::Binary(op, a, b, _) => {
                let a = self.fold(a, param, value)?;
                let b = self.fold(b, param, value)?;
                match (op, &a, &b) {
                    (BinaryOp::And, Expr::Bool(x), Expr::Bool(y)) => Expr::Bool(*x && *y),
                    (BinaryOp::Or, Expr::Bool(x), Expr::Bool(y)) => Expr::Bool(*x || *y),
                    _ => functions::binary(*op, &a, &b).ok()?,
                }
            }
            Expr::If(c, a, b, _) => match self.fold(c, param, value)? {
                Expr::Bool(true) => self.fold(a, param, value)?,
                Expr::Bool(false) => self.fold(b, param, value)?,
                _ => return None,
            },
            Expr::Cond(name, _) => {
                let c = self.stack.conditions.iter().find(|c| c.name == *name)?;
                self.fold(&c.expr, param, value)?
            }
            Expr::Index(a, i, _) => {
                match (self.fold(a, param, value)?, self.fold(i, param, value)?) {
                    (Expr::List(items), Expr::Int(n)) => {
                        items.get(usize::try_from(n).ok()?)?.clone()
                    }
                    (Expr::Map(entries), Expr::String(k)) => {
                        entries.into_iter().find(|(key, _)| *key == k)?.1
                    }
                    _ => return None,
                }
            }
            Expr::Member(a, f, _) => match self.fold(a, param, value)? {
                Expr::Map(entries) => entries.into_iter().find(|(k, _)| k == f)?.1,
                _ => return None,
            },
            _ => return None,
        })
    }
}

fn equals(a: Node, b: Node) -> Node {
    Node::single("Fn::Equals", Node::List(vec![a, b]))
}

/// The values a parameter of type `ty` can take, when there are few enough.
pub fn domain(ty: &Ty) -> Option<Vec<Expr>> {
    let lit = |l: &Lit| match l {
        Lit::Bool(b) => Expr::Bool(*b),
        Lit::Int(i) => Expr::Int(*i),
        Lit::Number(n) => Expr::Number(*n),
        Lit::String(s) => Expr::String(s.clone()),
    };
    match ty {
        // An optional input's parameter may also be empty: its `null`.
        Ty::Optional(inner) => {
            let mut values = domain(inner)?;
            values.push(Expr::Null);
            Some(values)
        }
        Ty::Bool => Some(vec![Expr::Bool(true), Expr::Bool(false)]),
        Ty::Lit(l) => Some(vec![lit(l)]),
        Ty::Union(members) => members
            .iter()
            .map(|m| match m {
                Ty::Lit(l) => Some(lit(l)),
                _ => None,
            })
            .collect(),
        Ty::Refined(base, refinements) if **base == Ty::Int => {
            let (mut lo, mut hi) = (None, None);
            for r in refinements {
                if let Refinement::Range { lo: l, hi: h } = r {
                    lo = l.map(|x| x.ceil() as i64).or(lo);
                    hi = h.map(|x| x.floor() as i64).or(hi);
                }
            }
            let (lo, hi) = (lo?, hi?);
            if hi < lo || hi - lo + 1 > MAX_DOMAIN {
                return None;
            }
            Some((lo..=hi).map(Expr::Int).collect())
        }
        _ => None,
    }
}
