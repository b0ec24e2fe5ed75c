//! Inputs proven against the properties they feed (`E0230`). When a resource
//! property's value is computed from inputs, this module works out what values the
//! inputs' declared types let it take (`domain.rs`: integer and number intervals,
//! string lengths, finite sets of strings and numbers) and reports on the input's
//! declaration when some of them are values the property's catalog type rejects
//! (`report.rs`).
//!
//! It follows input reads, `let`s, literals, `+ - *` and unary `-`, string
//! interpolation, `if` and `match` (narrowing an input compared with a constant, or
//! matched against literals), and the resource's `when`. Anything else (a function
//! call, a resource attribute, a loop variable, an input whose type states no bound,
//! a condition it cannot narrow by) is not followed. The rule is to name only values
//! that really occur: what it cannot follow it forgets or stays silent about, never
//! guesses. A constant is not its business (`E0203`–`E0205` check constants), nor a
//! value whose type already does not fit (`E0201`).

mod domain;
mod report;

use std::collections::BTreeMap;

use crate::syntax::ast::{self, BinaryOp, BodyItem, Expr, ExprKind, Literal, NumberValue, Pattern};
use crate::types::Checker;
use crate::types::decl::{ItemRef, PropertySink, Scope};
use crate::types::resources::Target;
use crate::types::ty::{Lit, Refinement, Ty};
use crate::types::value::Value;
use domain::{Abs, Cmp, Num, Str};

/// How many expression nodes one property's analysis visits (`let`s are followed at
/// each read) before it gives up.
const BUDGET: usize = 4096;

/// How deep a chain of `let`s is followed (each is a level of recursion).
const MAX_LETS: usize = 64;

/// What each input is known to be, narrowed by the conditions on the way.
type Env = BTreeMap<String, Abs>;

impl Checker<'_> {
    /// `E0230`: checks what `e` (whose value `v` already fits `ty` as a type) can be
    /// against `ty`'s bounds, lengths and patterns.
    pub(crate) fn check_admitted(
        &mut self,
        sc: &Scope<'_>,
        e: &Expr,
        v: &Value,
        ty: &Ty,
        sink: &PropertySink<'_>,
    ) {
        // The provider's schema carries no validation; the few Terraform bounds there
        // are come from its documentation (`stdlib/terraform/documented.json`): inputs
        // are held only to the CloudFormation schemas'.
        if sink.schema.target != Target::CloudFormation
            || !matches!(ty, Ty::Refined(..))
            || v.is_poison()
            || v.is_secret()
            || v.constant.is_some()
            || !v.ty.is_subtype_of(ty)
        {
            return;
        }
        let mut walk = Walk {
            sc,
            env: Env::new(),
            reads: Vec::new(),
            lets: Vec::new(),
            budget: BUDGET,
        };
        if !walk.guard(sink.resource) {
            return;
        }
        let abs = walk.eval(e);
        if walk.budget == 0 || walk.reads.is_empty() {
            return;
        }
        let Some(finding) = report::find(&abs, ty) else {
            return;
        };
        let mut inputs: Vec<String> = Vec::new();
        for r in walk.reads {
            if !inputs.contains(&r) {
                inputs.push(r);
            }
        }
        let direct = direct_input(sc, e, 0);
        let declared: Vec<report::Declared> = inputs
            .iter()
            .filter_map(|name| {
                let (field, name_span) = sc.inputs.get(name)?;
                Some(report::Declared {
                    name: name.clone(),
                    ty: field.ty.clone(),
                    span: self.input_type_span(sc, name).unwrap_or(*name_span),
                })
            })
            .collect();
        let place = report::Place {
            path: sink.path,
            type_name: &sink.schema.type_name,
            span: e.span,
        };
        if let Some(d) = report::diagnostic(&finding, &declared, direct.as_deref(), &place) {
            self.diags.push(d);
        }
    }

    /// Where the type of input `name` of the declaration is written.
    fn input_type_span(&self, sc: &Scope<'_>, name: &str) -> Option<crate::syntax::span::Span> {
        let decl = self.program.decl(sc.id)?;
        decl.body.iter().find_map(|item| match item {
            BodyItem::Input(block) if !block.pipeline => block
                .fields
                .iter()
                .find(|f| f.name.name == name)
                .map(|f| f.ty.span),
            _ => None,
        })
    }
}

/// The input `e` reads as it is (through parentheses and `let`s), if it does.
fn direct_input(sc: &Scope<'_>, e: &Expr, depth: usize) -> Option<String> {
    if depth > 32 {
        return None;
    }
    match &e.kind {
        ExprKind::Paren(inner) => direct_input(sc, inner, depth + 1),
        ExprKind::Name(n) => match sc.items.get(n.name.as_str()) {
            Some(ItemRef::Let(l)) if !is_local(sc, &n.name) => {
                direct_input(sc, &l.value, depth + 1)
            }
            _ => None,
        },
        _ => input_read(sc, e).map(str::to_string),
    }
}

fn is_local(sc: &Scope<'_>, name: &str) -> bool {
    sc.locals.iter().any(|(k, _)| k == name)
}

/// `input.NAME`, for an input the declaration has.
fn input_read<'e>(sc: &Scope<'_>, e: &'e Expr) -> Option<&'e str> {
    let ExprKind::Member { object, field } = &e.kind else {
        return None;
    };
    let ExprKind::Name(root) = &object.kind else {
        return None;
    };
    (root.name == "input"
        && !is_local(sc, "input")
        && !sc.items.contains_key("input")
        && sc.inputs.contains_key(field.name.as_str()))
    .then_some(field.name.as_str())
}

/// What an input's declared type lets it be; `Unknown` when the type states no bound
/// of a kind the analysis follows.
fn declared(ty: &Ty) -> Abs {
    match ty {
        Ty::Refined(base, rs) => match base.as_ref() {
            Ty::Int | Ty::Number => {
                let int = **base == Ty::Int;
                let (mut lo, mut hi): (Option<f64>, Option<f64>) = (None, None);
                for r in rs {
                    let Refinement::Range { lo: l, hi: h } = r else {
                        return Abs::Unknown;
                    };
                    let l = l.map(|l| if int { l.ceil() } else { l });
                    let h = h.map(|h| if int { h.floor() } else { h });
                    lo = domain::tighter_lo(lo, l);
                    hi = domain::tighter_hi(hi, h);
                }
                Num::range(int, lo, hi).map_or(Abs::Unknown, Abs::Num)
            }
            Ty::String => {
                let (mut lo, mut hi) = (0, None::<u64>);
                for r in rs {
                    let Refinement::Length { lo: l, hi: h } = r else {
                        // A pattern may rule out lengths: the lengths are not vouched for.
                        return Abs::Unknown;
                    };
                    lo = lo.max(l.unwrap_or(0));
                    hi = match (hi, h) {
                        (Some(a), Some(b)) => Some(a.min(*b)),
                        (a, b) => a.or(*b),
                    };
                }
                Str::lengths(lo, hi).map_or(Abs::Unknown, Abs::Str)
            }
            _ => Abs::Unknown,
        },
        Ty::Lit(l) => lit(l),
        Ty::Union(members) => literals(members).unwrap_or(Abs::Unknown),
        _ => Abs::Unknown,
    }
}

fn lit(l: &Lit) -> Abs {
    match l {
        Lit::Int(i) => Num::values(true, vec![*i as f64]).map_or(Abs::Unknown, Abs::Num),
        Lit::Number(n) => Num::values(false, vec![*n]).map_or(Abs::Unknown, Abs::Num),
        Lit::String(s) => Str::values(vec![s.clone()]).map_or(Abs::Unknown, Abs::Str),
        Lit::Bool(_) => Abs::Unknown,
    }
}

/// A union of literals of one kind (numbers or strings) as a set of values.
fn literals(members: &[Ty]) -> Option<Abs> {
    let mut nums = Vec::new();
    let mut strs = Vec::new();
    let mut int = true;
    for m in members {
        match m {
            Ty::Lit(Lit::Int(i)) => nums.push(*i as f64),
            Ty::Lit(Lit::Number(n)) => {
                int = false;
                nums.push(*n);
            }
            Ty::Lit(Lit::String(s)) => strs.push(s.clone()),
            _ => return None,
        }
    }
    match (nums.is_empty(), strs.is_empty()) {
        (false, true) => Num::values(int, nums).map(Abs::Num),
        (true, false) => Str::values(strs).map(Abs::Str),
        _ => None,
    }
}

/// The types an unrefined input may have for the analysis to know that it can take
/// any value of its type (so that a comparison with it can go either way).
fn unbounded(ty: &Ty) -> bool {
    matches!(ty, Ty::Int | Ty::Number | Ty::String | Ty::Bool)
}

/// A constant a condition or pattern compares with.
enum Constant {
    Num(f64),
    Str(String),
    Bool(bool),
}

fn constant(e: &Expr) -> Option<Constant> {
    match &e.kind {
        ExprKind::Paren(inner) => constant(inner),
        ExprKind::Literal(Literal::Number(n)) => Some(Constant::Num(number(n.value))),
        ExprKind::Literal(Literal::Bool(b)) => Some(Constant::Bool(*b)),
        ExprKind::Unary {
            op: ast::UnaryOp::Neg,
            operand,
        } => match &operand.kind {
            ExprKind::Literal(Literal::Number(n)) => Some(Constant::Num(-number(n.value))),
            _ => None,
        },
        ExprKind::String(s) => s.as_plain().map(Constant::Str),
        _ => None,
    }
}

fn number(v: NumberValue) -> f64 {
    match v {
        NumberValue::Int(i) => i as f64,
        NumberValue::Float(f) => f,
    }
}

/// The context names whose value is any string (a comparison with one can go
/// either way).
fn context_name(sc: &Scope<'_>, e: &Expr) -> bool {
    let ExprKind::Member { object, field } = &e.kind else {
        return false;
    };
    let ExprKind::Name(root) = &object.kind else {
        return false;
    };
    field.name == "name"
        && matches!(root.name.as_str(), "environment" | "service" | "instance")
        && !is_local(sc, &root.name)
        && !sc.items.contains_key(root.name.as_str())
}

struct Walk<'s, 'a> {
    sc: &'s Scope<'a>,
    env: Env,
    /// The inputs read, in order, with repeats.
    reads: Vec<String>,
    /// The `let`s being followed (the checker has already refused cycles).
    lets: Vec<String>,
    budget: usize,
}

impl Walk<'_, '_> {
    /// Narrows by the resource's `when`; false when the analysis cannot follow it or
    /// the resource never exists.
    fn guard(&mut self, r: &ast::Resource) -> bool {
        if let Some(clause) = &r.for_each
            && matches!(&clause.collection.kind, ExprKind::List { items, .. } if items.is_empty())
        {
            return false;
        }
        let Some(cond) = &r.condition else {
            return true;
        };
        let reads = self.reads.len();
        let branches = self.branches(cond);
        // The guard's reads are not the value's: only the value's inputs are named.
        self.reads.truncate(reads);
        match branches {
            Some((Some(then), _)) => {
                self.env = then;
                true
            }
            _ => false,
        }
    }

    /// What `name` is here: narrowed, or as declared.
    fn input(&mut self, name: &str) -> Abs {
        self.reads.push(name.to_string());
        if let Some(a) = self.env.get(name) {
            return a.clone();
        }
        self.sc
            .inputs
            .get(name)
            .map_or(Abs::Unknown, |(f, _)| declared(&f.ty))
    }

    fn eval(&mut self, e: &Expr) -> Abs {
        if self.budget == 0 {
            return Abs::Unknown;
        }
        self.budget -= 1;
        match &e.kind {
            ExprKind::Paren(inner) => self.eval(inner),
            ExprKind::Literal(Literal::Number(n)) => {
                let int = matches!(n.value, NumberValue::Int(_));
                Num::values(int, vec![number(n.value)]).map_or(Abs::Unknown, Abs::Num)
            }
            ExprKind::String(s) => self.string(s),
            ExprKind::Name(n) => {
                if is_local(self.sc, &n.name)
                    || self.lets.len() >= MAX_LETS
                    || self.lets.iter().any(|l| *l == n.name)
                {
                    return Abs::Unknown;
                }
                match self.sc.items.get(n.name.as_str()) {
                    Some(ItemRef::Let(l)) => {
                        self.lets.push(n.name.to_string());
                        let a = self.eval(&l.value);
                        self.lets.pop();
                        a
                    }
                    _ => Abs::Unknown,
                }
            }
            ExprKind::Member { .. } => match input_read(self.sc, e) {
                Some(name) => self.input(name),
                None => Abs::Unknown,
            },
            ExprKind::Unary {
                op: ast::UnaryOp::Neg,
                operand,
            } => match self.eval(operand) {
                Abs::Num(n) => Abs::Num(n.neg()),
                _ => Abs::Unknown,
            },
            ExprKind::Binary { op, lhs, rhs } => self.arithmetic(*op, lhs, rhs),
            ExprKind::If {
                cond,
                then_branch,
                else_branch,
            } => {
                let Some((then, otherwise)) = self.branches(cond) else {
                    return Abs::Unknown;
                };
                let arms = [(then, then_branch), (otherwise, else_branch)];
                self.arms(arms.into_iter().filter_map(|(env, e)| Some((env?, &**e))))
            }
            ExprKind::Match {
                scrutinee, arms, ..
            } => match self.match_arms(scrutinee, arms) {
                Some(arms) => self.arms(arms.into_iter()),
                None => Abs::Unknown,
            },
            _ => Abs::Unknown,
        }
    }

    /// The union of the arms that can be taken, each under its environment.
    fn arms<'e>(&mut self, arms: impl Iterator<Item = (Env, &'e Expr)>) -> Abs {
        let outer = self.env.clone();
        let mut out: Option<Abs> = None;
        for (env, e) in arms {
            self.env = env;
            let a = self.eval(e);
            out = Some(match out {
                None => a,
                Some(o) => o.union(&a),
            });
        }
        self.env = outer;
        out.unwrap_or(Abs::Unknown)
    }

    fn arithmetic(&mut self, op: BinaryOp, lhs: &Expr, rhs: &Expr) -> Abs {
        if !matches!(op, BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul) {
            return Abs::Unknown;
        }
        let start = self.reads.len();
        let a = self.eval(lhs);
        let mid = self.reads.len();
        let b = self.eval(rhs);
        // `x - x` is 0, not `lo - hi..hi - lo`: bounds hold only for independent operands.
        if self.shares_reads(start, mid) {
            return Abs::Unknown;
        }
        let (Abs::Num(a), Abs::Num(b)) = (a, b) else {
            return Abs::Unknown;
        };
        let n = match op {
            BinaryOp::Add => a.add(&b),
            BinaryOp::Sub => a.add(&b.neg()),
            _ => a.mul(&b),
        };
        n.map_or(Abs::Unknown, Abs::Num)
    }

    /// Whether the reads in `start..mid` and those after `mid` name a common input.
    fn shares_reads(&self, start: usize, mid: usize) -> bool {
        let (left, right) = self.reads[start..].split_at(mid - start);
        left.iter().any(|r| right.contains(r))
    }

    fn string(&mut self, s: &ast::StringLit) -> Abs {
        let start = self.reads.len();
        let mut out = Str::values(vec![String::new()]);
        for part in &s.parts {
            let mid = self.reads.len();
            let piece = match part {
                ast::StringPart::Text { value, .. } => Str::values(vec![value.to_string()]),
                ast::StringPart::Interpolation(e) => match self.eval(e) {
                    Abs::Str(s) => Some(s),
                    Abs::Num(n) => digits(&n),
                    Abs::Unknown => None,
                },
            };
            if self.shares_reads(start, mid) {
                return Abs::Unknown;
            }
            out = match (out, piece) {
                (Some(o), Some(p)) => o.concat(&p),
                _ => return Abs::Unknown,
            };
        }
        out.map_or(Abs::Unknown, Abs::Str)
    }

    /// The environments under which `cond` holds and fails (`None` for a side that
    /// cannot happen or that the analysis cannot vouch for); `None` when it cannot
    /// follow the condition at all.
    fn branches(&mut self, cond: &Expr) -> Option<(Option<Env>, Option<Env>)> {
        let both = || Some((Some(self.env.clone()), Some(self.env.clone())));
        match &cond.kind {
            ExprKind::Paren(inner) => self.branches(inner),
            ExprKind::Literal(Literal::Bool(b)) => {
                let env = Some(self.env.clone());
                Some(if *b { (env, None) } else { (None, env) })
            }
            ExprKind::Unary {
                op: ast::UnaryOp::Not,
                operand,
            } => self.branches(operand).map(|(t, f)| (f, t)),
            ExprKind::Member { .. } => {
                let name = input_read(self.sc, cond)?;
                let (field, _) = self.sc.inputs.get(name)?;
                if field.ty != Ty::Bool {
                    return None;
                }
                self.reads.push(name.to_string());
                both()
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let cmp = match op {
                    BinaryOp::Lt => Cmp::Lt,
                    BinaryOp::Le => Cmp::Le,
                    BinaryOp::Gt => Cmp::Gt,
                    BinaryOp::Ge => Cmp::Ge,
                    BinaryOp::Eq => Cmp::Eq,
                    BinaryOp::Ne => Cmp::Ne,
                    _ => return None,
                };
                let (subject, c, cmp) = match (constant(lhs), constant(rhs)) {
                    (None, Some(c)) => (&**lhs, c, cmp),
                    (Some(c), None) => (&**rhs, c, cmp.flipped()),
                    _ => return None,
                };
                if context_name(self.sc, subject) {
                    return matches!((cmp, c), (Cmp::Eq | Cmp::Ne, Constant::Str(_))).then(both)?;
                }
                let name = input_read(self.sc, subject)?;
                self.compare(name, cmp, &c)
            }
            _ => None,
        }
    }

    /// The two sides of `input.NAME CMP c`.
    fn compare(
        &mut self,
        name: &str,
        cmp: Cmp,
        c: &Constant,
    ) -> Option<(Option<Env>, Option<Env>)> {
        let declared_ty = self.sc.inputs.get(name).map(|(f, _)| f.ty.clone())?;
        let now = self.input(name);
        let side = |a: Option<Abs>, env: &Env| {
            a.map(|a| {
                let mut env = env.clone();
                env.insert(name.to_string(), a);
                env
            })
        };
        match (now, c) {
            (Abs::Unknown, _) => {
                // An input of a plain type can be anything, so either side can happen.
                unbounded(&declared_ty).then(|| (Some(self.env.clone()), Some(self.env.clone())))
            }
            (Abs::Num(n), Constant::Num(c)) => {
                let t = n.narrow(cmp, *c).map(Abs::Num);
                let f = n.narrow(cmp.negated(), *c).map(Abs::Num);
                Some((side(t, &self.env), side(f, &self.env)))
            }
            (Abs::Str(s), Constant::Str(c)) if matches!(cmp, Cmp::Eq | Cmp::Ne) => {
                let eq = cmp == Cmp::Eq;
                let t = s.narrow(eq, c).map(Abs::Str);
                let f = s.narrow(!eq, c).map(Abs::Str);
                Some((side(t, &self.env), side(f, &self.env)))
            }
            _ => None,
        }
    }

    /// The arms of a `match` on an input that can be taken, each with the input
    /// narrowed to what reaches it; `None` when the analysis cannot follow it.
    fn match_arms<'e>(
        &mut self,
        scrutinee: &Expr,
        arms: &'e [ast::MatchArm],
    ) -> Option<Vec<(Env, &'e Expr)>> {
        let mut subject = scrutinee;
        while let ExprKind::Paren(inner) = &subject.kind {
            subject = inner;
        }
        let name = input_read(self.sc, subject)?;
        let declared_ty = self.sc.inputs.get(name).map(|(f, _)| f.ty.clone())?;
        let mut remaining = Some(self.input(name));
        let plain = matches!(remaining, Some(Abs::Unknown));
        if plain && !unbounded(&declared_ty) {
            return None;
        }
        let mut bools_seen = Vec::new();
        let mut out = Vec::new();
        for arm in arms {
            let mut matched: Option<Abs> = None;
            for p in &arm.patterns {
                let c = match p {
                    Pattern::Wildcard(_) => {
                        if let Some(r) = &remaining {
                            matched = Some(match matched {
                                None => r.clone(),
                                Some(m) => m.union(r),
                            });
                        }
                        remaining = None;
                        continue;
                    }
                    Pattern::Literal(Literal::Number(n), _) => Constant::Num(number(n.value)),
                    Pattern::Literal(Literal::Bool(b), _) => Constant::Bool(*b),
                    Pattern::Literal(Literal::Null, _) => return None,
                    Pattern::String(s) => Constant::Str(s.as_plain()?),
                };
                let Some(r) = remaining.take() else {
                    continue;
                };
                let (hit, rest) = match (&r, &c) {
                    (Abs::Unknown, Constant::Bool(b)) if declared_ty == Ty::Bool => {
                        let new = !bools_seen.contains(b);
                        bools_seen.push(*b);
                        let rest = (bools_seen.len() < 2 || !bools_seen.contains(&!b))
                            .then_some(Abs::Unknown);
                        (new.then_some(Abs::Unknown), rest)
                    }
                    (Abs::Unknown, Constant::Bool(_)) => return None,
                    // A plain input can be any value: each literal can match.
                    (Abs::Unknown, _) => (Some(Abs::Unknown), Some(Abs::Unknown)),
                    (Abs::Num(n), Constant::Num(c)) => (
                        n.narrow(Cmp::Eq, *c).map(Abs::Num),
                        n.narrow(Cmp::Ne, *c).map(Abs::Num),
                    ),
                    (Abs::Str(s), Constant::Str(c)) => (
                        s.narrow(true, c).map(Abs::Str),
                        s.narrow(false, c).map(Abs::Str),
                    ),
                    _ => return None,
                };
                if let Some(h) = hit {
                    matched = Some(match matched {
                        None => h,
                        Some(m) => m.union(&h),
                    });
                }
                remaining = rest;
            }
            if let Some(m) = matched {
                let mut env = self.env.clone();
                env.insert(name.to_string(), m);
                out.push((env, &arm.value));
            }
        }
        Some(out)
    }
}

/// The decimal text of an integer, as interpolation writes it.
fn digits(n: &Num) -> Option<Str> {
    if !n.int {
        return None;
    }
    match &n.shape {
        domain::NumShape::Values(vs) => {
            Str::values(vs.iter().map(|v| format!("{}", *v as i64)).collect())
        }
        domain::NumShape::Range { lo, hi, dense } => {
            let lo = (*lo)?;
            if lo < 0.0 {
                return None;
            }
            let width = |v: f64| format!("{}", v as i64).len() as u64;
            let s = Str::lengths(width(lo), hi.map(width))?;
            // Every width between those of the bounds is the width of some value
            // only when every value occurs.
            Some(if *dense {
                s
            } else {
                Str {
                    values: None,
                    len: Num::range(true, Some(width(lo) as f64), hi.map(|h| width(h) as f64))?
                        .densify(false),
                }
            })
        }
    }
}
