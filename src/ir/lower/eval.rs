//! Evaluating expressions: constants fold, what is known later becomes IR nodes.

use crate::diagnostics::{Diagnostic, codes};
use crate::ir::lower::decl::{Binding, Frame, Lowerer, push_loop};
use crate::ir::lower::functions;
use crate::ir::{Expr, ForExpr, Mode};
use crate::syntax::ast::{self, BinaryOp, ExprKind, Literal, NumberValue, Pattern, UnaryOp};
use crate::syntax::span::Span;
use crate::types::context::ContextName;
use crate::types::pseudo::Pseudo;
use crate::types::targets::Target;

impl Lowerer<'_, '_, '_> {
    pub(super) fn eval(&mut self, frame: &mut Frame, e: &ast::Expr) -> Expr {
        match &e.kind {
            ExprKind::Literal(l) => literal(l),
            ExprKind::String(s) => self.string(frame, s),
            ExprKind::Name(n) => self.name(frame, n),
            ExprKind::List { items, .. } => {
                Expr::List(items.iter().map(|i| self.eval(frame, i)).collect())
            }
            ExprKind::Map { entries, .. } => {
                let mut out = Vec::with_capacity(entries.len());
                for entry in entries {
                    let key = match &entry.key {
                        ast::MapKey::Ident(i) => i.name.to_string(),
                        ast::MapKey::String(s) => match self.string(frame, s) {
                            Expr::String(k) => k,
                            other => {
                                self.unknown_key(other, s.span);
                                continue;
                            }
                        },
                    };
                    let v = self.eval(frame, &entry.value);
                    out.push((key, v));
                }
                Expr::Map(out)
            }
            ExprKind::ListComprehension {
                clause,
                body,
                filter,
            } => self.comprehension(frame, clause, None, body, filter.as_deref(), e.span),
            ExprKind::MapComprehension {
                clause,
                key,
                value,
                filter,
            } => self.comprehension(frame, clause, Some(key), value, filter.as_deref(), e.span),
            ExprKind::Member { object, field } => self.member(frame, object, field, e.span),
            ExprKind::Index { object, index } => {
                let o = self.eval(frame, object);
                let i = self.eval(frame, index);
                self.index(o, i, e.span)
            }
            ExprKind::Call { callee, args } => {
                let name = match &callee.kind {
                    ExprKind::Name(n) => n.name.as_str(),
                    _ => "",
                };
                let args: Vec<Expr> = args.iter().map(|a| self.eval(frame, a)).collect();
                if self.budget.exceeded() {
                    return Expr::Null;
                }
                let v = self.call(name, args, e.span);
                self.count(&v, e.span);
                v
            }
            ExprKind::Unary { op, operand } => {
                let v = self.eval(frame, operand);
                match (op, v) {
                    (UnaryOp::Not, Expr::Bool(b)) => Expr::Bool(!b),
                    (UnaryOp::Neg, Expr::Int(i)) => match i.checked_neg() {
                        Some(n) => Expr::Int(n),
                        None => self.failed(e.span, "the negation overflows a 64-bit integer"),
                    },
                    (UnaryOp::Neg, Expr::Number(n)) => Expr::Number(-n),
                    (op, v) => Expr::Unary(*op, Box::new(v), e.span),
                }
            }
            ExprKind::Binary { op, lhs, rhs } => self.binary(frame, *op, lhs, rhs, e.span),
            ExprKind::If {
                cond,
                then_branch,
                else_branch,
            } => match self.eval(frame, cond) {
                Expr::Bool(true) => self.eval(frame, then_branch),
                Expr::Bool(false) => self.eval(frame, else_branch),
                c => {
                    let a = self.eval(frame, then_branch);
                    let b = self.eval(frame, else_branch);
                    Expr::If(Box::new(c), Box::new(a), Box::new(b), e.span)
                }
            },
            ExprKind::Match {
                scrutinee, arms, ..
            } => self.match_expr(frame, scrutinee, arms, e.span),
            ExprKind::Paren(inner) => self.eval(frame, inner),
            ExprKind::Error => Expr::Null,
        }
    }

    fn unknown_key(&mut self, key: Expr, span: Span) {
        let _ = key;
        self.diags.push(
            Diagnostic::new(
                codes::NOT_EXPRESSIBLE,
                "a map key must be known when the template is compiled",
            )
            .with_primary(span, "this key is known only at deploy time")
            .with_help("build the key from inputs and constants"),
        );
    }

    pub(super) fn failed(&mut self, span: Span, message: impl Into<String>) -> Expr {
        self.diags.push(
            Diagnostic::new(codes::EVALUATION_FAILED, message.into())
                .with_primary(span, "while computing this value"),
        );
        Expr::Null
    }

    fn string(&mut self, frame: &mut Frame, s: &ast::StringLit) -> Expr {
        let mut parts: Vec<Expr> = Vec::new();
        let mut text = String::new();
        for part in &s.parts {
            match part {
                ast::StringPart::Text { value, .. } => text.push_str(value),
                ast::StringPart::Interpolation(e) => match self.eval(frame, e) {
                    Expr::String(v) => text.push_str(&v),
                    Expr::Int(i) => text.push_str(&i.to_string()),
                    Expr::Number(n) => text.push_str(&functions::number_text(n)),
                    Expr::Bool(b) => text.push_str(if b { "true" } else { "false" }),
                    Expr::Null => {}
                    v if v.is_const() => text.push_str(&functions::json_text(&v)),
                    // A string made of parts, interpolated: its parts, in place (one
                    // `Fn::Sub`, one HCL template, not one inside another).
                    Expr::Concat(inner, _) => {
                        for p in inner {
                            match p {
                                Expr::String(t) => text.push_str(&t),
                                other => {
                                    if !text.is_empty() {
                                        parts.push(Expr::String(std::mem::take(&mut text)));
                                    }
                                    parts.push(other);
                                }
                            }
                        }
                    }
                    v => {
                        if !text.is_empty() {
                            parts.push(Expr::String(std::mem::take(&mut text)));
                        }
                        parts.push(v);
                    }
                },
            }
        }
        if let Some(d) = self.budget.string(text.len(), s.span) {
            self.diags.push(d);
        }
        if self.budget.exceeded() {
            return Expr::Null;
        }
        if parts.is_empty() {
            return Expr::String(text);
        }
        if !text.is_empty() {
            parts.push(Expr::String(text));
        }
        if parts.len() == 1
            && let Some(only) = parts.pop()
        {
            // `"${x}"` of a deploy-time string is `x` itself.
            return match only {
                Expr::Param(..)
                | Expr::Attr(..)
                | Expr::EnvOutput(..)
                | Expr::Pseudo(..)
                | Expr::Secret(..) => only,
                other => Expr::Concat(vec![other], s.span),
            };
        }
        Expr::Concat(parts, s.span)
    }

    fn name(&mut self, frame: &mut Frame, n: &ast::Ident) -> Expr {
        if let Some((_, v)) = frame.locals.iter().rev().find(|(k, _)| *k == n.name) {
            return v.clone();
        }
        match frame.values.get(n.name.as_str()) {
            Some(Binding::Value(v)) => {
                // Each read copies the value: `let b = a + a` forty times over a
                // deploy-time `a` doubles a tree forty times. The copies count.
                let size = v.size_capped(super::limits::MAX_VALUES + 1);
                if size > 1 {
                    if let Some(d) = self.budget.values(size as usize, n.span) {
                        self.diags.push(d);
                    }
                    if self.budget.exceeded() {
                        return Expr::Null;
                    }
                }
                return v.clone();
            }
            Some(Binding::Absent { name, when }) => {
                let (name, when) = (name.clone(), *when);
                self.diags.push(
                    Diagnostic::new(
                        codes::ABSENT_RESOURCE,
                        format!("`{name}` is read, but this instance does not create it"),
                    )
                    .with_primary(n.span, "read here")
                    .with_secondary(when, "this condition is false for this instance")
                    .with_help(
                        "guard the read with the same condition, or make the condition true",
                    ),
                );
                return Expr::Null;
            }
            None => {}
        }
        match n.name.as_str() {
            "input" => Expr::Map(
                frame
                    .inputs
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ),
            "target" => Expr::String(self.req.target.name().to_string()),
            _ => Expr::Null,
        }
    }

    fn member(
        &mut self,
        frame: &mut Frame,
        object: &ast::Expr,
        field: &ast::Ident,
        span: Span,
    ) -> Expr {
        let shadowed = |frame: &Frame, n: &str| {
            frame.locals.iter().any(|(k, _)| k == n) || frame.values.contains_key(n)
        };
        if let ExprKind::Member {
            object: root,
            field: mid,
        } = &object.kind
            && let ExprKind::Name(r) = &root.kind
            && !shadowed(frame, &r.name)
        {
            match (r.name.as_str(), mid.name.as_str()) {
                ("environment", "outputs") => {
                    if !self.env_outputs_read.iter().any(|o| *o == field.name) {
                        self.env_outputs_read.push(field.name.to_string());
                    }
                    return Expr::EnvOutput(field.name.to_string(), span);
                }
                ("pipeline", "input") => {
                    return frame
                        .pipeline_inputs
                        .get(field.name.as_str())
                        .cloned()
                        .unwrap_or(Expr::Null);
                }
                _ => {}
            }
        }
        if let Some(c) = context_name(object, field, &|n| shadowed(frame, n)) {
            return match c {
                Err(p) => self.pseudo(p, span),
                Ok(c) => self.context(c, span),
            };
        }
        if let ExprKind::Name(r) = &object.kind
            && r.name == crate::types::pseudo::ROOT
            && !shadowed(frame, &r.name)
            && let Some(p) = Pseudo::from_field(&field.name)
        {
            return self.pseudo(p, span);
        }
        if let ExprKind::Name(r) = &object.kind
            && r.name == "input"
            && !shadowed(frame, "input")
        {
            return frame
                .inputs
                .get(field.name.as_str())
                .cloned()
                .unwrap_or(Expr::Null);
        }
        let o = self.eval(frame, object);
        self.field(o, &field.name, span)
    }

    pub(super) fn field(&mut self, o: Expr, name: &str, span: Span) -> Expr {
        match o {
            Expr::Map(entries) => entries
                .into_iter()
                .find(|(k, _)| k == name)
                .map_or(Expr::Null, |(_, v)| v),
            Expr::Ref(id, _) => Expr::Attr(id, name.to_string(), span),
            Expr::Attr(id, path, _) => Expr::Attr(id, format!("{path}.{name}"), span),
            Expr::Null => Expr::Null,
            other => Expr::Member(Box::new(other), name.to_string(), span),
        }
    }

    fn index(&mut self, o: Expr, i: Expr, span: Span) -> Expr {
        match (o, i) {
            (Expr::List(items), Expr::Int(n)) => {
                let len = items.len();
                match usize::try_from(n)
                    .ok()
                    .and_then(|n| items.into_iter().nth(n))
                {
                    Some(v) => v,
                    None => self.failed(
                        span,
                        format!("index {n} is out of range: the list has {len} elements"),
                    ),
                }
            }
            (Expr::Map(entries), Expr::String(k)) => {
                match entries.into_iter().find(|(key, _)| *key == k) {
                    Some((_, v)) => v,
                    None => self.failed(span, format!("the map has no key `{k}`")),
                }
            }
            (o, i) => Expr::Index(Box::new(o), Box::new(i), span),
        }
    }

    /// A context name: its value when rendering an instance; in a template compiled
    /// alone, a node the backends make a parameter of (with the instance's value, for
    /// Terraform's `tfvars`, when one was given).
    fn context(&mut self, c: ContextName, span: Span) -> Expr {
        let of_environment = self
            .program
            .decl(self.req.decl)
            .is_some_and(|d| d.kind == ast::DeclKind::Environment);
        let ctx = &self.req.context;
        let known = match c {
            ContextName::EnvironmentName if of_environment => self.req.instance.clone(),
            ContextName::EnvironmentName => self.req.environment.clone(),
            ContextName::InstanceName => self.req.instance.clone(),
            ContextName::ServiceName => ctx.service.clone(),
            ContextName::ServiceBranchName => ctx.branch_name.clone(),
            ContextName::ServiceRepositoryId => ctx.repository_id.clone(),
            // An environment is the one instance of its template.
            ContextName::InstanceIndex if of_environment => return Expr::Int(0),
            ContextName::InstanceIndex => {
                let i = ctx.index.or(self.req.instance.as_ref().map(|_| 0));
                return self.known_context(c, i.map(|i| Expr::Int(i as i64)), span);
            }
        };
        self.known_context(c, known.map(Expr::String), span)
    }

    fn known_context(&mut self, c: ContextName, value: Option<Expr>, span: Span) -> Expr {
        match (self.req.mode, value) {
            (Mode::Render, Some(v)) => v,
            (Mode::Render, None) => self.failed(
                span,
                format!(
                    "`{}` is not known for this instance{}",
                    c.written(),
                    c.spec_key()
                        .map(|k| format!(": the spec gives no `{k}:`"))
                        .unwrap_or_default()
                ),
            ),
            (Mode::Parameterised, v) => {
                self.stack.context.insert(c, v);
                Expr::Context(c, span)
            }
        }
    }

    /// A pseudo-parameter, noted for the backends that declare what they read.
    fn pseudo(&mut self, p: Pseudo, span: Span) -> Expr {
        self.stack.pseudo.insert(p);
        Expr::Pseudo(p, span)
    }

    fn call(&mut self, name: &str, args: Vec<Expr>, span: Span) -> Expr {
        if name == crate::types::pseudo::ZONES_FUNCTION {
            return self.pseudo(Pseudo::AvailabilityZones, span);
        }
        let Some(f) = crate::types::functions::lookup(name) else {
            return Expr::Null;
        };
        if args.iter().all(Expr::is_const) {
            return match functions::call(name, &args) {
                Ok(v) => v,
                Err(message) => self.failed(span, format!("`{name}` fails: {message}")),
            };
        }
        match f.name {
            "coalesce" => coalesce(args, span),
            "json_encode" if self.req.target == Target::CloudFormation => {
                self.json_text_at_deploy(args, span)
            }
            _ => Expr::Call(f.name, args, span),
        }
    }

    /// `json_encode` of a value with deploy-time parts, for CloudFormation: JSON text
    /// with the parts substituted (`Fn::Sub`), or an error naming the part it cannot
    /// write.
    fn json_text_at_deploy(&mut self, mut args: Vec<Expr>, span: Span) -> Expr {
        let Some(value) = args.pop() else {
            return Expr::Null;
        };
        match super::json::deploy_text(&value, &self.stack, span) {
            Ok(text) => text,
            Err(refusal) => {
                self.diags.push(*refusal);
                Expr::Null
            }
        }
    }

    fn binary(
        &mut self,
        frame: &mut Frame,
        op: BinaryOp,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        span: Span,
    ) -> Expr {
        let a = self.eval(frame, lhs);
        // `&&`, `||` and `??` do not evaluate their right side when the left decides.
        match (op, &a) {
            (BinaryOp::And, Expr::Bool(false)) => return Expr::Bool(false),
            (BinaryOp::Or, Expr::Bool(true)) => return Expr::Bool(true),
            (BinaryOp::Coalesce, Expr::Null) => return self.eval(frame, rhs),
            (BinaryOp::Coalesce, a) if a.is_const() => return a.clone(),
            (BinaryOp::Coalesce, _) => {
                // Known at deploy time: `a` when it was given, else `b`.
                let b = self.eval(frame, rhs);
                let given = Expr::Binary(
                    BinaryOp::Ne,
                    Box::new(a.clone()),
                    Box::new(Expr::Null),
                    span,
                );
                return Expr::If(Box::new(given), Box::new(a), Box::new(b), span);
            }
            _ => {}
        }
        let b = self.eval(frame, rhs);
        match (op, &a, &b) {
            (BinaryOp::And | BinaryOp::Or, Expr::Bool(_), _) => return b,
            (BinaryOp::And, _, Expr::Bool(true)) | (BinaryOp::Or, _, Expr::Bool(false)) => {
                return a;
            }
            _ => {}
        }
        if a.is_const() && b.is_const() {
            return match functions::binary(op, &a, &b) {
                Ok(v) => v,
                Err(message) => self.failed(span, message),
            };
        }
        Expr::Binary(op, Box::new(a), Box::new(b), span)
    }

    fn match_expr(
        &mut self,
        frame: &mut Frame,
        scrutinee: &ast::Expr,
        arms: &[ast::MatchArm],
        span: Span,
    ) -> Expr {
        let s = self.eval(frame, scrutinee);
        if s.is_const() {
            for arm in arms {
                for p in &arm.patterns {
                    let hit = match p {
                        Pattern::Wildcard(_) => true,
                        Pattern::Literal(l, _) => literal(l) == s,
                        Pattern::String(st) => st.as_plain().is_some_and(|t| s == Expr::String(t)),
                    };
                    if hit {
                        return self.eval(frame, &arm.value);
                    }
                }
            }
            return self.failed(span, "no arm of the `match` fits this value");
        }
        // Known later: a chain of conditionals, last arm first.
        let mut out: Option<Expr> = None;
        for arm in arms.iter().rev() {
            let v = self.eval(frame, &arm.value);
            let mut cond: Option<Expr> = None;
            for p in &arm.patterns {
                let test = match p {
                    Pattern::Wildcard(_) => None,
                    Pattern::Literal(l, _) => Some(literal(l)),
                    Pattern::String(st) => st.as_plain().map(Expr::String),
                };
                let Some(test) = test else {
                    cond = None;
                    break;
                };
                let eq = Expr::Binary(BinaryOp::Eq, Box::new(s.clone()), Box::new(test), span);
                cond = Some(match cond {
                    None => eq,
                    Some(c) => Expr::Binary(BinaryOp::Or, Box::new(c), Box::new(eq), span),
                });
            }
            out = Some(match (cond, out) {
                (Some(c), Some(rest)) => Expr::If(Box::new(c), Box::new(v), Box::new(rest), span),
                (_, _) => v,
            });
        }
        out.unwrap_or(Expr::Null)
    }

    /// Counts what a function built (`range`, `concat`, `join`, `format`…).
    fn count(&mut self, v: &Expr, span: Span) {
        let d = match v {
            Expr::List(items) => self.budget.values(items.len(), span),
            Expr::Map(entries) => self.budget.values(entries.len(), span),
            Expr::String(s) => self.budget.string(s.len(), span),
            _ => None,
        };
        self.diags.extend(d);
    }

    fn comprehension(
        &mut self,
        frame: &mut Frame,
        clause: &ast::ForClause,
        key: Option<&ast::Expr>,
        body: &ast::Expr,
        filter: Option<&ast::Expr>,
        span: Span,
    ) -> Expr {
        let coll = self.eval(frame, &clause.collection);
        let elements: Vec<(Expr, Expr)> = match coll {
            Expr::List(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (Expr::Int(i as i64), v))
                .collect(),
            Expr::Map(entries) => entries
                .into_iter()
                .map(|(k, v)| (Expr::String(k), v))
                .collect(),
            Expr::Null => Vec::new(),
            other => return self.symbolic_for(frame, clause, key, body, filter, other, span),
        };
        let mut list = Vec::new();
        let mut map = Vec::new();
        if let Some(d) = self.budget.values(elements.len(), span) {
            self.diags.push(d);
        }
        for (k, v) in elements {
            if self.budget.exceeded() {
                break;
            }
            let n = push_loop(frame, clause, k, v);
            let keep = match filter.map(|f| self.eval(frame, f)) {
                None | Some(Expr::Bool(true)) => true,
                Some(Expr::Bool(false)) => false,
                Some(_) => {
                    self.diags.push(
                        Diagnostic::new(
                            codes::NOT_EXPRESSIBLE,
                            "a `for` filter must be known when the template is compiled",
                        )
                        .with_primary(filter.map_or(span, |f| f.span), "known only later")
                        .with_help("filter on inputs and constants"),
                    );
                    false
                }
            };
            if keep {
                match key {
                    Some(ke) => {
                        let k = self.eval(frame, ke);
                        let v = self.eval(frame, body);
                        match k {
                            Expr::String(k) => map.push((k, v)),
                            other => self.unknown_key(other, ke.span),
                        }
                    }
                    None => list.push(self.eval(frame, body)),
                }
            }
            frame.locals.truncate(frame.locals.len() - n);
        }
        if key.is_some() {
            Expr::Map(map)
        } else {
            Expr::List(list)
        }
    }

    /// A `for` over a collection known only later (Terraform evaluates it).
    #[allow(clippy::too_many_arguments)]
    fn symbolic_for(
        &mut self,
        frame: &mut Frame,
        clause: &ast::ForClause,
        key: Option<&ast::Expr>,
        body: &ast::Expr,
        filter: Option<&ast::Expr>,
        collection: Expr,
        span: Span,
    ) -> Expr {
        let kv = clause.key.as_ref().map(|k| k.name.to_string());
        let vv = clause.value.name.to_string();
        let n = push_loop(
            frame,
            clause,
            Expr::Var(kv.clone().unwrap_or_default(), span),
            Expr::Var(vv.clone(), span),
        );
        let map_key = key.map(|k| self.eval(frame, k));
        let body = self.eval(frame, body);
        let filter = filter.map(|f| self.eval(frame, f));
        frame.locals.truncate(frame.locals.len() - n);
        Expr::For(
            Box::new(ForExpr {
                key: kv,
                value: vv,
                collection,
                map_key,
                body,
                filter,
            }),
            span,
        )
    }
}

fn literal(l: &Literal) -> Expr {
    match l {
        Literal::Bool(b) => Expr::Bool(*b),
        Literal::Null => Expr::Null,
        Literal::Number(n) => match n.value {
            NumberValue::Int(i) => Expr::Int(i),
            NumberValue::Float(f) => Expr::Number(f),
        },
    }
}

/// `environment.name`, `service.NAME`, `instance.NAME`, `instance.environment.name`
/// (`Ok`), and `environment.region` and `environment.account_id`, the deploy's own
/// (`Err`: a pseudo-parameter), unless a local name shadows the root.
fn context_name(
    object: &ast::Expr,
    field: &ast::Ident,
    shadowed: &dyn Fn(&str) -> bool,
) -> Option<Result<ContextName, Pseudo>> {
    let f = field.name.as_str();
    match &object.kind {
        ExprKind::Name(r) if !shadowed(&r.name) => match (r.name.as_str(), f) {
            ("environment", "name") => Some(Ok(ContextName::EnvironmentName)),
            ("environment", "region") => Some(Err(Pseudo::Region)),
            ("environment", "account_id") => Some(Err(Pseudo::AccountId)),
            ("service", "name") => Some(Ok(ContextName::ServiceName)),
            ("service", "branch_name") => Some(Ok(ContextName::ServiceBranchName)),
            ("service", "repository_id") => Some(Ok(ContextName::ServiceRepositoryId)),
            ("instance", "name") => Some(Ok(ContextName::InstanceName)),
            ("instance", "index") => Some(Ok(ContextName::InstanceIndex)),
            _ => None,
        },
        ExprKind::Member {
            object: root,
            field: mid,
        } => match &root.kind {
            ExprKind::Name(r)
                if r.name == "instance"
                    && mid.name == "environment"
                    && f == "name"
                    && !shadowed("instance") =>
            {
                Some(Ok(ContextName::EnvironmentName))
            }
            _ => None,
        },
        _ => None,
    }
}

/// `coalesce(a, b, …)` with deploy-time arguments: the first that is given.
fn coalesce(args: Vec<Expr>, span: Span) -> Expr {
    let mut rest = args.into_iter().filter(|a| *a != Expr::Null).rev();
    let Some(mut out) = rest.next() else {
        return Expr::Null;
    };
    for a in rest {
        if a.is_const() {
            out = a;
            continue;
        }
        let given = Expr::Binary(
            BinaryOp::Ne,
            Box::new(a.clone()),
            Box::new(Expr::Null),
            span,
        );
        out = Expr::If(Box::new(given), Box::new(a), Box::new(out), span);
    }
    out
}
