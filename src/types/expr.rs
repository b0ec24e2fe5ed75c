//! Checking expressions: names, members, calls, operators, conditionals, matches and
//! comprehensions. Each gives a [`Value`]: its type, its stage, its secrecy, and its
//! constant when it has one. A mistake is reported once, and the expression's value
//! becomes poison so nothing downstream reports it again.

use crate::diagnostics::suggest::did_you_mean;
use crate::diagnostics::{Diagnostic, codes};
use crate::resolve::DeclId;
use crate::syntax::ast::{
    self, BinaryOp, DeclKind, Expr, ExprKind, Literal, NumberValue, StringPart, UnaryOp,
};
use crate::syntax::span::Span;
use crate::types::context::{self, ContextName};
use crate::types::decl::{RESERVED, Requirement, Scope};
use crate::types::functions::{self, CloudFormation, Param, element_of};
use crate::types::narrow;
use crate::types::pseudo::{self, Pseudo};
use crate::types::targets::Target;
use crate::types::ty::{FieldTy, Lit, Ty};
use crate::types::value::{Const, DeployOrigin, SecretTrail, Stage, Value};
use crate::types::{Checker, resources};

fn join_types(a: &Ty, b: &Ty) -> Ty {
    if a.is_poison() || b.is_poison() {
        return Ty::Error;
    }
    if a.is_subtype_of(b) {
        return b.clone();
    }
    if b.is_subtype_of(a) {
        return a.clone();
    }
    match (a, b) {
        (Ty::List(x), Ty::List(y)) => return Ty::list(join_types(x, y)),
        (Ty::Map(x), Ty::Map(y)) => return Ty::map(join_types(x, y)),
        _ => {}
    }
    match (a.base(), b.base()) {
        (x, y) if x == y && !matches!(x, Ty::Union(_)) => {
            let mut members = Vec::new();
            for t in [a, b] {
                match t {
                    Ty::Union(ms) => members.extend(ms.iter().cloned()),
                    t => members.push(t.clone()),
                }
            }
            members.dedup();
            Ty::Union(members)
        }
        (Ty::Int, Ty::Number) | (Ty::Number, Ty::Int) => Ty::Number,
        _ => Ty::Union(vec![a.clone(), b.clone()]),
    }
}

fn lit_of(c: &Const) -> Option<&Lit> {
    match c {
        Const::Lit(l) => Some(l),
        _ => None,
    }
}

impl Checker<'_> {
    /// Checks `e` but drops what it reports: for values already checked piecewise.
    pub(crate) fn expr_quiet(&mut self, sc: &mut Scope<'_>, e: &Expr) -> Value {
        let n = self.diags.len();
        let v = self.expr(sc, e);
        self.diags.truncate(n);
        v
    }

    pub(crate) fn expr(&mut self, sc: &mut Scope<'_>, e: &Expr) -> Value {
        match &e.kind {
            ExprKind::Error => Value::poison(),
            ExprKind::Literal(Literal::Null) => Value::constant(Ty::Null, Const::Null),
            ExprKind::Literal(Literal::Bool(b)) => {
                Value::constant(Ty::Lit(Lit::Bool(*b)), Const::Lit(Lit::Bool(*b)))
            }
            ExprKind::Literal(Literal::Number(n)) => {
                let lit = match n.value {
                    NumberValue::Int(i) => Lit::Int(i),
                    NumberValue::Float(f) => Lit::Number(f),
                };
                Value::constant(Ty::Lit(lit.clone()), Const::Lit(lit))
            }
            ExprKind::String(s) => self.string(sc, s),
            ExprKind::Paren(inner) => self.expr(sc, inner),
            ExprKind::Name(n) => {
                let v = self.name(sc, n);
                narrowed(sc, e, v)
            }
            ExprKind::List { items, .. } => {
                let values: Vec<Value> = items.iter().map(|i| self.expr(sc, i)).collect();
                let mut ty: Option<Ty> = None;
                let mut stage = Stage::Const;
                let mut secret = None;
                for v in &values {
                    ty = Some(match ty {
                        None => v.ty.clone(),
                        Some(t) => join_types(&t, &v.ty),
                    });
                    stage = stage.join(&v.stage);
                    secret = secret.or(v.secret.clone());
                }
                let constant = values
                    .iter()
                    .map(|v| v.constant.clone())
                    .collect::<Option<Vec<_>>>()
                    .map(Const::List);
                Value {
                    ty: Ty::list(ty.unwrap_or(Ty::Any)),
                    stage,
                    secret,
                    constant,
                }
            }
            ExprKind::Map { entries, .. } => {
                let mut fields = std::collections::BTreeMap::new();
                let mut stage = Stage::Const;
                let mut secret = None;
                let mut consts = Some(Vec::new());
                let mut seen: std::collections::BTreeMap<String, Span> =
                    std::collections::BTreeMap::new();
                for en in entries {
                    let (key, key_span) = en.key.plain();
                    let v = self.expr(sc, &en.value);
                    let Some(key) = key else {
                        self.diags.push(
                            Diagnostic::new(
                                codes::TYPE_MISMATCH,
                                "a map key cannot be interpolated",
                            )
                            .with_primary(
                                key_span,
                                "write a plain key, or build the map with a `for`",
                            ),
                        );
                        continue;
                    };
                    if let Some(first) = seen.insert(key.clone(), key_span) {
                        self.repeated(&format!("key `{key}`"), "given", key_span, first);
                        continue;
                    }
                    stage = stage.join(&v.stage);
                    secret = secret.or(v.secret.clone());
                    if let (Some(cs), Some(c)) = (consts.as_mut(), v.constant.clone()) {
                        cs.push((key.clone(), c));
                    } else {
                        consts = None;
                    }
                    fields.insert(
                        key,
                        FieldTy {
                            ty: v.ty,
                            optional: false,
                        },
                    );
                }
                Value {
                    ty: Ty::Record(fields),
                    stage,
                    secret,
                    constant: consts.map(Const::Map),
                }
            }
            ExprKind::ListComprehension {
                clause,
                body,
                filter,
            } => {
                let coll = self.expr(sc, &clause.collection);
                self.deploy_collection(sc, &coll, &clause.collection);
                let n = self.bind_loop(sc, clause, &coll);
                let b = self.expr(sc, body);
                if let Some(f) = filter {
                    let fv = self.expr(sc, f);
                    self.require_bool(&fv, f, "a filter");
                }
                sc.locals.truncate(sc.locals.len() - n);
                Value {
                    ty: Ty::list(b.ty),
                    stage: coll.stage.join(&b.stage),
                    secret: b.secret,
                    constant: None,
                }
            }
            ExprKind::MapComprehension {
                clause,
                key,
                value,
                filter,
            } => {
                let coll = self.expr(sc, &clause.collection);
                self.deploy_collection(sc, &coll, &clause.collection);
                let n = self.bind_loop(sc, clause, &coll);
                let k = self.expr(sc, key);
                if !k.ty.is_subtype_of(&Ty::String) {
                    self.diags.push(
                        Diagnostic::new(
                            codes::TYPE_MISMATCH,
                            format!("map keys are strings, found `{}`", k.ty),
                        )
                        .with_primary(key.span, "not a string"),
                    );
                }
                let v = self.expr(sc, value);
                if let Some(f) = filter {
                    let fv = self.expr(sc, f);
                    self.require_bool(&fv, f, "a filter");
                }
                sc.locals.truncate(sc.locals.len() - n);
                Value {
                    ty: Ty::map(v.ty),
                    stage: coll.stage.join(&k.stage).join(&v.stage),
                    secret: v.secret,
                    constant: None,
                }
            }
            ExprKind::Member { object, field } => {
                let v = self.member(sc, e, object, field);
                narrowed(sc, e, v)
            }
            ExprKind::Index { object, index } => self.index(sc, object, index),
            ExprKind::Call { callee, args } => self.call(sc, e, callee, args),
            ExprKind::Unary { op, operand } => self.unary(sc, *op, operand, e.span),
            ExprKind::Binary { op, lhs, rhs } => self.binary(sc, *op, lhs, rhs, e.span),
            ExprKind::If {
                cond,
                then_branch,
                else_branch,
            } => {
                let c = self.condition(sc, cond);
                self.require_condition(&c, cond, "an `if` condition");
                let a = self.expr_given(sc, cond, true, then_branch);
                let b = self.expr_given(sc, cond, false, else_branch);
                let constant = match c.constant.as_ref().and_then(lit_of) {
                    Some(Lit::Bool(true)) => a.constant.clone(),
                    Some(Lit::Bool(false)) => b.constant.clone(),
                    _ => None,
                };
                Value {
                    ty: join_types(&a.ty, &b.ty),
                    stage: c.stage.join(&a.stage).join(&b.stage),
                    secret: a.secret.or(b.secret),
                    constant,
                }
            }
            ExprKind::Match {
                scrutinee, arms, ..
            } => self.match_expr(sc, scrutinee, arms),
        }
    }

    /// `E0226`: text like `${AWS::Region}` written literally (its `$` escaped). formwork
    /// writes it as the characters `${AWS::Region}` (escaped as `${!…}` inside
    /// `Fn::Sub`), so the stack gets those characters, never the region: a name or ARN
    /// that fails at deploy.
    fn literal_substitutions(&mut self, s: &ast::StringLit) {
        for part in &s.parts {
            let StringPart::Text { value, span, .. } = part else {
                continue;
            };
            let Some(at) = value.find("${AWS::") else {
                continue;
            };
            let name: String = value[at + 2..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == ':')
                .collect();
            self.diags.push(
                Diagnostic::new(
                    codes::LITERAL_PSEUDO_PARAMETER,
                    format!("`${{{name}}}` is written as literal text, so CloudFormation never substitutes it"),
                )
                .with_primary(*span, "this text reaches the template as the characters `${…}`")
                .with_note("formwork writes literal text as it is (inside `Fn::Sub`, as `${!…}`): the stack would get these characters, not the value")
                .with_help(match pseudo_for(&name) {
                    Some(p) => format!("interpolate what the deploy knows: `${{{}}}`", p.written()),
                    None => "take the value as an input, or write `${…}` without the `\\` to interpolate a formwork value".into(),
                }),
            );
        }
    }

    fn string(&mut self, sc: &mut Scope<'_>, s: &ast::StringLit) -> Value {
        self.literal_substitutions(s);
        if let Some(v) = s.as_plain() {
            return Value::constant(Ty::Lit(Lit::String(v.clone())), Const::Lit(Lit::String(v)));
        }
        let mut stage = Stage::Const;
        let mut text = Some(String::new());
        for part in &s.parts {
            match part {
                StringPart::Text { value, .. } => {
                    if let Some(t) = text.as_mut() {
                        t.push_str(value);
                    }
                }
                StringPart::Interpolation(e) => {
                    let v = self.expr(sc, e);
                    stage = stage.join(&v.stage);
                    if v.is_secret() {
                        let trail = v.secret_description();
                        let d = Diagnostic::new(
                            codes::SECRET_LEAK,
                            "a secret would be interpolated into plain text",
                        )
                        .with_primary(e.span, format!("this value is secret: {trail}"));
                        let d = if sc.in_pipeline {
                            d.with_note("pipeline commands are printed in build logs").with_help("pass the secret whole as a variable, read from the provider's secret store: `env = { TOKEN = pipeline.input.NAME }`, then use `$TOKEN`")
                        } else {
                            d.with_help("pass the secret whole to a property that takes it; it is then written as a dynamic reference, never in plain text")
                        };
                        self.diags.push(d);
                        text = None;
                        continue;
                    }
                    if self.possibly_null(&v, e.span, Some(e), "interpolation", |t| {
                        matches!(t.base(), Ty::String | Ty::Int | Ty::Number | Ty::Bool)
                    }) {
                        text = None;
                        continue;
                    }
                    let printable = matches!(
                        v.ty.base(),
                        Ty::String | Ty::Int | Ty::Number | Ty::Bool | Ty::Error | Ty::Any
                    ) || matches!(v.ty.base(), Ty::Union(ref ms) if ms.iter().all(|m| matches!(m, Ty::String | Ty::Int | Ty::Number | Ty::Bool)));
                    if !printable {
                        let help = match v.ty {
                            Ty::Resource { .. } => {
                                "interpolate one of its attributes, like `${bucket.Arn}`"
                            }
                            Ty::List(_) => "join it first: `${join(\",\", list)}`",
                            _ => "interpolate a string, number or Bool",
                        };
                        self.diags.push(
                            Diagnostic::new(
                                codes::TYPE_MISMATCH,
                                format!(
                                    "{} cannot be interpolated into a string",
                                    crate::types::an(&v.ty)
                                ),
                            )
                            .with_primary(e.span, "not a string, number or Bool")
                            .with_help(help),
                        );
                    }
                    match (text.as_mut(), v.constant.as_ref().and_then(lit_of)) {
                        (Some(t), Some(Lit::String(x))) => t.push_str(x),
                        (Some(t), Some(l)) => t.push_str(&l.to_string()),
                        _ => text = None,
                    }
                }
            }
        }
        // A folded constant past the size limit is reported once and folded no
        // further: the `let`s built on it are no longer constants.
        if let Some(t) = &text
            && t.len() > crate::ir::lower::limits::MAX_STRING_BYTES
        {
            self.diags.push(crate::ir::lower::limits::too_large(
                s.span,
                &format!("a string of {} bytes", t.len()),
            ));
            text = None;
        }
        Value {
            ty: Ty::String,
            stage,
            secret: None,
            constant: text.map(|t| Const::Lit(Lit::String(t))),
        }
    }

    fn name(&mut self, sc: &mut Scope<'_>, n: &ast::Ident) -> Value {
        if let Some((_, v)) = sc.locals.iter().rev().find(|(name, _)| *name == n.name) {
            return v.clone();
        }
        if let Some(v) = sc.values.get(n.name.as_str()) {
            return v.clone();
        }
        if sc.items.contains_key(n.name.as_str()) {
            // Defined, but not computed: it is in a dependency cycle, already reported.
            return Value::poison();
        }
        match n.name.as_str() {
            "input" => {
                let fields = sc
                    .inputs
                    .iter()
                    .map(|(k, (f, _))| (k.clone(), f.clone()))
                    .collect();
                return Value::new(Ty::Record(fields), Stage::Input);
            }
            "target" => {
                return Value::new(
                    Ty::Union(
                        Target::ALL
                            .iter()
                            .map(|t| Ty::Lit(Lit::String(t.name().into())))
                            .collect(),
                    ),
                    Stage::Const,
                );
            }
            "environment" | "pipeline" | "service" | "instance" | pseudo::ROOT => {
                self.diags.push(
                    Diagnostic::new(
                        codes::UNKNOWN_NAME,
                        format!("`{}` is read through its fields", n.name),
                    )
                    .with_primary(n.span, "not a value by itself")
                    .with_help(match n.name.as_str() {
                        "environment" => "read an output: `environment.outputs.NAME`",
                        "pipeline" => "read a pipeline input: `pipeline.input.NAME`",
                        "service" => "read `service.name`, `service.branch_name` or `service.repository_id`",
                        "instance" => "read `instance.name`, `instance.index` or `instance.environment.name`",
                        _ => "read what the deploy knows: `aws.region`, `aws.account_id`, `aws.partition`, `aws.url_suffix`, `aws.stack_name`",
                    }),
                );
                return Value::poison();
            }
            _ => {}
        }
        let mut known: Vec<String> = sc.locals.iter().map(|(k, _)| k.clone()).collect();
        known.extend(sc.items.keys().cloned());
        known.extend(RESERVED.iter().map(|s| s.to_string()));
        let d = Diagnostic::new(codes::UNKNOWN_NAME, format!("unknown name `{}`", n.name))
            .with_primary(n.span, "not defined");
        let d = if let Some(s) = did_you_mean(&n.name, known.iter().map(String::as_str)) {
            d.with_help(format!("did you mean `{s}`?"))
        } else if sc.inputs.contains_key(n.name.as_str()) {
            d.with_help(format!("inputs are read as `input.{}`", n.name))
        } else if functions::lookup(&n.name).is_some() {
            d.with_help(format!(
                "`{}` is a function: call it, `{}(…)`",
                n.name, n.name
            ))
        } else {
            d
        };
        self.diags.push(d);
        Value::poison()
    }

    fn member(
        &mut self,
        sc: &mut Scope<'_>,
        whole: &Expr,
        object: &Expr,
        field: &ast::Ident,
    ) -> Value {
        // `environment.outputs.NAME` and `pipeline.input.NAME` are paths, not values.
        if let ExprKind::Member {
            object: root,
            field: mid,
        } = &object.kind
            && let ExprKind::Name(r) = &root.kind
            && r.name == "environment"
            && mid.name == "outputs"
            && !sc.locals.iter().any(|(k, _)| k == "environment")
        {
            return self.environment_output(sc, field, whole.span);
        }
        // `instance.environment.name`.
        if let ExprKind::Member {
            object: root,
            field: mid,
        } = &object.kind
            && let ExprKind::Name(r) = &root.kind
            && r.name == "instance"
            && mid.name == "environment"
            && !sc.locals.iter().any(|(k, _)| k == "instance")
            && !sc.items.contains_key("instance")
        {
            if field.name != "name" {
                self.diags.push(context::unknown(
                    "instance.environment",
                    &field.name,
                    &["name"],
                    field.span,
                ));
                return Value::poison();
            }
            return self.context_value(sc, ContextName::EnvironmentName);
        }
        if let ExprKind::Name(r) = &object.kind
            && !sc.locals.iter().any(|(k, _)| *k == r.name)
            && !sc.items.contains_key(r.name.as_str())
        {
            match (r.name.as_str(), field.name.as_str()) {
                ("environment", "outputs") => {
                    return Value::poison();
                }
                ("environment", "name") => {
                    return self.context_value(sc, ContextName::EnvironmentName);
                }
                ("environment", "region") => return Pseudo::Region.value(whole.span),
                ("environment", "account_id") => return Pseudo::AccountId.value(whole.span),
                ("environment", _) => {
                    self.diags.push(
                        Diagnostic::new(
                            codes::UNKNOWN_FIELD,
                            format!("`environment` has no `{}`", field.name),
                        )
                        .with_primary(field.span, "unknown")
                        .with_help(match did_you_mean(&field.name, ["name", "region", "account_id", "outputs"]) {
                            Some(s) => format!("did you mean `environment.{s}`?"),
                            None => "`environment` has `name`, `region`, `account_id`, and its outputs as `environment.outputs.NAME`".into(),
                        }),
                    );
                    return Value::poison();
                }
                ("service", name) => {
                    return match context::service_field(sc.kind, name, field.span) {
                        Ok(c) => self.context_value(sc, c),
                        Err(d) => {
                            self.diags.push(*d);
                            Value::poison()
                        }
                    };
                }
                ("instance", "environment") => {
                    self.diags.push(
                        Diagnostic::new(
                            codes::UNKNOWN_NAME,
                            "`instance.environment` is read through its fields",
                        )
                        .with_primary(whole.span, "not a value by itself")
                        .with_help("read its name: `instance.environment.name`"),
                    );
                    return Value::poison();
                }
                ("instance", name) => {
                    return match context::instance_field(name, field.span) {
                        Ok(c) => self.context_value(sc, c),
                        Err(d) => {
                            self.diags.push(*d);
                            Value::poison()
                        }
                    };
                }
                ("pipeline", "input") => {
                    let fields = sc
                        .pipeline_inputs
                        .iter()
                        .map(|(k, (f, _))| (k.clone(), f.clone()))
                        .collect();
                    return Value::new(Ty::Record(fields), Stage::Input);
                }
                ("pipeline", _) => {
                    self.diags.push(
                        Diagnostic::new(
                            codes::UNKNOWN_FIELD,
                            format!("`pipeline` has no `{}`", field.name),
                        )
                        .with_primary(field.span, "unknown")
                        .with_help("read pipeline inputs as `pipeline.input.NAME`"),
                    );
                    return Value::poison();
                }
                (pseudo::ROOT, name) if !sc.in_pipeline => {
                    let Some(p) = Pseudo::from_field(name) else {
                        self.diags.push(pseudo::unknown_field(name, field.span));
                        return Value::poison();
                    };
                    // Inside a resource of the other target, the template keeps it.
                    if let Some((target, why)) = p.forbids(whole.span)
                        && sc.only.is_none_or(|o| o == target)
                    {
                        sc.targets.forbid(target, why);
                    }
                    return p.value(whole.span);
                }
                ("input", name) => {
                    return match sc.inputs.get(name) {
                        Some((f, _)) => {
                            let secret = (*f.ty.unrefined() == Ty::Secret
                                || matches!(&f.ty, Ty::Optional(t) if **t == Ty::Secret))
                            .then(|| SecretTrail {
                                steps: vec![format!("input `{name}`")],
                                origin: field.span,
                            });
                            Value {
                                ty: f.ty.clone(),
                                stage: Stage::Input,
                                secret,
                                constant: None,
                            }
                        }
                        None => {
                            let d = Diagnostic::new(
                                codes::UNKNOWN_INPUT,
                                format!("unknown input `{name}`"),
                            )
                            .with_primary(
                                field.span,
                                "not declared in this template's `input` block",
                            );
                            let d = match did_you_mean(name, sc.inputs.keys().map(String::as_str)) {
                                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                                None => {
                                    d.with_help(format!("declare it: `input {{ {name}: String }}`"))
                                }
                            };
                            self.diags.push(d);
                            Value::poison()
                        }
                    };
                }
                _ => {}
            }
        }
        let obj = self.expr(sc, object);
        if obj.is_poison() || obj.ty == Ty::Any {
            return Value {
                ty: obj.ty.clone(),
                ..obj
            };
        }
        let secret = obj.secret.clone();
        let carry = |ty: Ty, stage: Stage| Value {
            ty,
            stage,
            secret: secret.clone(),
            constant: None,
        };
        match obj.ty.unrefined() {
            Ty::Optional(inner) if matches!(**inner, Ty::Record(_)) => {
                let inner = (**inner).clone();
                let v = self.record_member(&inner, field, obj.stage.clone(), secret.clone(), &obj);
                Value {
                    ty: Ty::optional(v.ty),
                    ..v
                }
            }
            Ty::Record(_) => {
                let ty = obj.ty.unrefined().clone();
                self.record_member(&ty, field, obj.stage.clone(), secret.clone(), &obj)
            }
            Ty::Map(t) => carry((**t).clone(), obj.stage.clone()),
            Ty::Resource { type_name, untyped } => {
                let origin = Stage::Deploy(DeployOrigin {
                    what: format!("the attribute `{}.{}`", object_name(object), field.name),
                    span: whole.span,
                });
                if *untyped {
                    return carry(Ty::Any, origin);
                }
                let Some(schema) = resources::lookup(type_name) else {
                    return Value::poison();
                };
                if let Some(ty) = schema.attribute(&field.name) {
                    return carry(ty.clone(), origin);
                }
                // `db.Endpoint.Address`: `Endpoint` groups the attributes `Endpoint.*`.
                let prefix = format!("{}.", field.name);
                let mut group = std::collections::BTreeMap::new();
                let mut wildcard = None;
                for (k, t) in &schema.attributes {
                    match k.strip_prefix(&prefix) {
                        Some("*") => wildcard = Some(t.clone()),
                        Some(rest) if !rest.contains('.') => {
                            group.insert(
                                rest.to_string(),
                                FieldTy {
                                    ty: t.clone(),
                                    optional: false,
                                },
                            );
                        }
                        _ => {}
                    }
                }
                if let Some(t) = wildcard {
                    return carry(Ty::map(t), origin);
                }
                if !group.is_empty() {
                    return carry(Ty::Record(group), origin);
                }
                match None::<Ty> {
                    Some(ty) => carry(ty, origin),
                    None => {
                        let d = Diagnostic::new(
                            codes::UNKNOWN_ATTRIBUTE,
                            format!("`{type_name}` has no attribute `{}`", field.name),
                        )
                        .with_primary(field.span, "unknown attribute");
                        let d = match did_you_mean(&field.name, schema.attributes.keys().map(String::as_str)) {
                            Some(s) => d.with_help(format!("did you mean `{s}`?")),
                            None if schema.properties.get(field.name.as_str()).is_some_and(|p| !p.read_only) => d.with_note(format!(
                                "`{}` is a property you set, not an attribute the provider returns; use the value you set",
                                field.name
                            )),
                            None => d.with_note(format!(
                                "its attributes are: {}",
                                schema.attributes.keys().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
                            )),
                        };
                        self.diags.push(d);
                        Value::poison()
                    }
                }
            }
            Ty::Module(id) => {
                let id: DeclId = *id;
                let Some(sig) = self.signature(id) else {
                    return Value::poison();
                };
                match sig.outputs.get(field.name.as_str()) {
                    // An output computed from the module's inputs is known when its
                    // arguments are; one from its resources, at deploy time.
                    Some((ty, stage, _)) => carry(
                        ty.clone(),
                        match stage {
                            Stage::Deploy(_) => Stage::Deploy(DeployOrigin {
                                what: format!(
                                    "the module output `{}.{}`",
                                    object_name(object),
                                    field.name
                                ),
                                span: whole.span,
                            }),
                            _ => Stage::Input,
                        },
                    ),
                    None => {
                        let d = Diagnostic::new(
                            codes::UNKNOWN_FIELD,
                            format!(
                                "module `{}` has no output `{}`",
                                object_name(object),
                                field.name
                            ),
                        )
                        .with_primary(field.span, "unknown output");
                        let d =
                            match did_you_mean(&field.name, sig.outputs.keys().map(String::as_str))
                            {
                                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                                None => d,
                            };
                        self.diags.push(d);
                        Value::poison()
                    }
                }
            }
            Ty::List(inner) if matches!(**inner, Ty::Resource { .. }) => {
                self.diags.push(
                    Diagnostic::new(
                        codes::UNKNOWN_FIELD,
                        format!("`{}` is a list of resources", object_name(object)),
                    )
                    .with_primary(field.span, "a list has no attributes")
                    .with_help(format!(
                        "read each with a `for`: `[for r in {} : r.{}]`, or one with an index",
                        object_name(object),
                        field.name
                    )),
                );
                Value::poison()
            }
            Ty::Union(members)
                if members
                    .iter()
                    .all(|m| matches!(m.unrefined(), Ty::Record(_))) =>
            {
                self.union_member(members, field, &obj)
            }
            other => {
                self.diags.push(
                    Diagnostic::new(
                        codes::UNKNOWN_FIELD,
                        format!("{} has no field `{}`", crate::types::an(other), field.name),
                    )
                    .with_primary(field.span, "no such field"),
                );
                Value::poison()
            }
        }
    }

    /// A field of a union of records (what an `if` or `match` of records, or a list
    /// of them, gives): when every record has it, the union of its types; else
    /// `E0110`, naming the records without it.
    fn union_member(&mut self, members: &[Ty], field: &ast::Ident, obj: &Value) -> Value {
        let mut ty: Option<Ty> = None;
        let mut optional = false;
        let mut missing = Vec::new();
        for m in members {
            let Ty::Record(fields) = m.unrefined() else {
                continue;
            };
            match fields.get(field.name.as_str()) {
                Some(f) => {
                    optional |= f.optional;
                    ty = Some(match ty {
                        None => f.ty.clone(),
                        Some(t) => join_types(&t, &f.ty),
                    });
                }
                None => missing.push(m.to_string()),
            }
        }
        let Some(ty) = ty.filter(|_| missing.is_empty()) else {
            let d = Diagnostic::new(
                codes::UNKNOWN_FIELD,
                format!("`{}` is not in every record this value can be", field.name),
            )
            .with_primary(
                field.span,
                format!(
                    "missing from {}",
                    missing
                        .iter()
                        .map(|m| format!("`{m}`"))
                        .collect::<Vec<_>>()
                        .join(" and ")
                ),
            );
            self.diags.push(d.with_help(format!(
                "give every record the field `{}` (`null` where it has no value), or read it where the value is known to have it",
                field.name
            )));
            return Value::poison();
        };
        let constant = match &obj.constant {
            Some(Const::Map(entries)) => entries
                .iter()
                .find(|(k, _)| *k == field.name)
                .map(|(_, c)| c.clone()),
            _ => None,
        };
        Value {
            ty: if optional { Ty::optional(ty) } else { ty },
            stage: obj.stage.clone(),
            secret: obj.secret.clone(),
            constant,
        }
    }

    fn record_member(
        &mut self,
        ty: &Ty,
        field: &ast::Ident,
        stage: Stage,
        secret: Option<SecretTrail>,
        obj: &Value,
    ) -> Value {
        let Ty::Record(fields) = ty else {
            return Value::poison();
        };
        match fields.get(field.name.as_str()) {
            Some(f) => {
                let constant = match &obj.constant {
                    Some(Const::Map(entries)) => entries
                        .iter()
                        .find(|(k, _)| *k == field.name)
                        .map(|(_, c)| c.clone()),
                    _ => None,
                };
                let secret = secret.or_else(|| {
                    (f.ty == Ty::Secret).then(|| SecretTrail {
                        steps: vec![format!("field `{}`", field.name)],
                        origin: field.span,
                    })
                });
                Value {
                    ty: f.ty.clone(),
                    stage,
                    secret,
                    constant,
                }
            }
            None => {
                let d = Diagnostic::new(codes::UNKNOWN_FIELD, format!("no field `{}`", field.name))
                    .with_primary(field.span, format!("`{ty}` has no such field"));
                let d = match did_you_mean(&field.name, fields.keys().map(String::as_str)) {
                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                    None => d,
                };
                self.diags.push(d);
                Value::poison()
            }
        }
    }

    fn environment_output(&mut self, sc: &mut Scope<'_>, field: &ast::Ident, span: Span) -> Value {
        let name = &field.name;
        let deploy = |ty: Ty| {
            Value::new(
                ty,
                Stage::Deploy(DeployOrigin {
                    what: format!("the environment output `{name}`"),
                    span,
                }),
            )
        };
        if sc.kind != DeclKind::Service || sc.requirements.is_empty() {
            if sc.reported.insert(format!("env:{name}")) {
                let d = Diagnostic::new(
                    codes::ENVIRONMENT_OUTSIDE_SERVICE,
                    "`environment.outputs` is read where there is no environment",
                )
                .with_primary(span, "nothing provides this");
                let d = if sc.kind == DeclKind::Service {
                    d.with_help("declare the environments this service runs in: `requires environment \"NAME\" ^1.0`")
                } else {
                    d.with_help(format!(
                        "only services run in an environment; {} takes such values as inputs",
                        crate::types::article(sc.kind.keyword())
                    ))
                };
                self.diags.push(d);
            }
            return Value::poison();
        }
        let mut result: Option<Ty> = None;
        let requirements: Vec<Requirement> = sc.requirements.clone();
        for Requirement {
            name: env,
            span: req_span,
            admitted,
        } in requirements
        {
            if admitted.is_empty() {
                return Value::poison();
            }
            // Newest first: the type a service sees is the newest version's.
            let mut newest: Option<(crate::resolve::Version, Ty, Span)> = None;
            let mut versions: Vec<(crate::resolve::Version, Option<(Ty, Span)>)> = Vec::new();
            for (v, id) in admitted.iter().rev() {
                let Some(sig) = self.signature(*id) else {
                    continue;
                };
                let out = sig
                    .outputs
                    .get(name.as_str())
                    .map(|(t, _, s)| (t.clone(), *s));
                if newest.is_none()
                    && let Some((t, s)) = &out
                {
                    newest = Some((*v, t.clone(), *s));
                }
                versions.push((*v, out));
            }
            versions.reverse();
            let Some((newest_v, newest_ty, newest_span)) = newest else {
                if sc.reported.insert(format!("env:{name}")) {
                    let mut known: Vec<String> = Vec::new();
                    if let Some((_, id)) = admitted.last()
                        && let Some(sig) = self.signature(*id)
                    {
                        known = sig.outputs.keys().cloned().collect();
                    }
                    let d = Diagnostic::new(
                        codes::UNKNOWN_ENVIRONMENT_OUTPUT,
                        format!("environment `{env}` has no output `{name}`"),
                    )
                    .with_primary(field.span, "no admitted version declares this output")
                    .with_secondary(req_span, "the environments this service requires");
                    let d = match did_you_mean(name, known.iter().map(String::as_str)) {
                        Some(s) => d.with_help(format!("did you mean `{s}`?")),
                        None => d,
                    };
                    self.diags.push(d);
                }
                return Value::poison();
            };
            let lacking: Vec<String> = versions
                .iter()
                .filter(|(_, o)| o.is_none())
                .map(|(v, _)| v.to_string())
                .collect();
            for (v, out) in &versions {
                match out {
                    None => {
                        if sc.reported.insert(format!("env:{name}")) {
                            let mut d = Diagnostic::new(
                                codes::OUTPUT_MISSING_IN_VERSION,
                                format!("`{env}` {v} has no output `{name}`"),
                            )
                            .with_primary(
                                field.span,
                                format!("read here, but {env} {v} does not provide it"),
                            )
                            .with_secondary(req_span, format!("this requirement admits {env} {v}"))
                            .with_secondary(newest_span, format!("declared in {env} {newest_v}"));
                            if lacking.len() > 1 {
                                d = d.with_note(format!(
                                    "admitted versions without `{name}`: {}",
                                    lacking.join(", ")
                                ));
                            }
                            self.diags.push(d.with_help(format!(
                                "narrow the constraint to versions that declare `{name}` (up to {newest_v}), or stop reading it"
                            )));
                        }
                        return Value::poison();
                    }
                    Some((t, s))
                        if !(t.is_subtype_of(&newest_ty) && newest_ty.is_subtype_of(t)) =>
                    {
                        if sc.reported.insert(format!("env:{name}")) {
                            self.diags.push(
                                Diagnostic::new(
                                    codes::OUTPUT_TYPE_CHANGED,
                                    format!(
                                        "output `{name}` is {} in `{env}` {v} but {} in {newest_v}",
                                        crate::types::an(t),
                                        crate::types::an(&newest_ty)
                                    ),
                                )
                                .with_primary(
                                    field.span,
                                    "its type depends on the environment's version",
                                )
                                .with_secondary(*s, format!("{} in {v}", crate::types::an(t)))
                                .with_secondary(
                                    req_span,
                                    format!("this requirement admits both {v} and {newest_v}"),
                                )
                                .with_help("narrow the constraint to versions that agree"),
                            );
                        }
                        return Value::poison();
                    }
                    Some(_) => {}
                }
            }
            result = Some(match result {
                None => newest_ty,
                Some(prev) => join_types(&prev, &newest_ty),
            });
        }
        deploy(result.unwrap_or(Ty::Error))
    }

    fn index(&mut self, sc: &mut Scope<'_>, object: &Expr, index: &Expr) -> Value {
        let obj = self.expr(sc, object);
        let idx = self.expr(sc, index);
        if obj.is_poison() || idx.is_poison() {
            return Value::poison();
        }
        let stage = obj.stage.clone().join(&idx.stage);
        let (elem, key_ty) = match obj.ty.unrefined() {
            Ty::List(t) => ((**t).clone(), Ty::Int),
            Ty::Map(t) => ((**t).clone(), Ty::String),
            Ty::Record(_) => {
                if let Some(Const::Lit(Lit::String(k))) = &idx.constant {
                    let fake = ast::Ident {
                        name: k.as_str().into(),
                        span: index.span,
                    };
                    return self.record_member(
                        obj.ty.unrefined(),
                        &fake,
                        stage,
                        obj.secret.clone(),
                        &obj,
                    );
                }
                (element_of(&obj.ty), Ty::String)
            }
            Ty::Any => (Ty::Any, Ty::Any),
            other => {
                self.diags.push(
                    Diagnostic::new(
                        codes::NOT_INDEXABLE,
                        format!("{} cannot be indexed", crate::types::an(other)),
                    )
                    .with_primary(object.span, "not a list or map"),
                );
                return Value::poison();
            }
        };
        if !idx.ty.is_subtype_of(&key_ty) {
            self.diags.push(
                Diagnostic::new(
                    codes::TYPE_MISMATCH,
                    format!("the index must be `{key_ty}`, found `{}`", idx.ty),
                )
                .with_primary(index.span, "wrong index type"),
            );
            return Value::poison();
        }
        if let Some(o) = idx.stage.deploy_origin()
            && sc.supports_cloudformation()
        {
            self.not_at_deploy_time(
                index.span,
                "an index",
                o,
                "CloudFormation's `Fn::Select` needs an index known when compiling",
            );
        }
        let constant = match (&obj.constant, &idx.constant) {
            (Some(Const::List(items)), Some(Const::Lit(Lit::Int(i)))) => {
                usize::try_from(*i).ok().and_then(|i| items.get(i).cloned())
            }
            _ => None,
        };
        Value {
            ty: elem,
            stage,
            secret: obj.secret,
            constant,
        }
    }

    /// A context name's value, noted in the scope (a spec must give what the
    /// service reads of `service.branch_name` and `service.repository_id`).
    fn context_value(&mut self, sc: &mut Scope<'_>, c: ContextName) -> Value {
        sc.context.insert(c);
        c.value()
    }

    fn call(&mut self, sc: &mut Scope<'_>, whole: &Expr, callee: &Expr, args: &[Expr]) -> Value {
        let values: Vec<Value> = args.iter().map(|a| self.expr(sc, a)).collect();
        let ExprKind::Name(name) = &callee.kind else {
            self.diags.push(
                Diagnostic::new(codes::UNKNOWN_FUNCTION, "only functions can be called")
                    .with_primary(callee.span, "not a function name"),
            );
            return Value::poison();
        };
        if name.name == pseudo::ZONES_FUNCTION && !sc.locals.iter().any(|(k, _)| *k == name.name) {
            if !values.is_empty() {
                self.diags.push(
                    Diagnostic::new(
                        codes::WRONG_ARGUMENT_COUNT,
                        format!("`{}()` takes no arguments", pseudo::ZONES_FUNCTION),
                    )
                    .with_primary(whole.span, format!("given {}", values.len()))
                    .with_help("it lists the zones of the region the stack deploys in: index it, `availability_zones()[0]`"),
                );
                return Value::poison();
            }
            return Pseudo::AvailabilityZones.value(whole.span);
        }
        let Some(f) = functions::lookup(&name.name) else {
            let d = Diagnostic::new(
                codes::UNKNOWN_FUNCTION,
                format!("unknown function `{}`", name.name),
            )
            .with_primary(name.span, "no function has this name");
            let d = match did_you_mean(&name.name, functions::FUNCTIONS.iter().map(|f| f.name)) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_note("the functions are listed in the language reference, section 6.8 (grammar/REFERENCE.md)"),
            };
            self.diags.push(d);
            return Value::poison();
        };
        let variadic = matches!(f.params.last(), Some(Param::Rest));
        let fixed = if variadic {
            f.params.len() - 1
        } else {
            f.params.len()
        };
        let ok_count = if variadic {
            values.len() >= fixed
        } else {
            values.len() == fixed
        };
        if !ok_count {
            let want = if variadic {
                format!("at least {fixed}")
            } else {
                fixed.to_string()
            };
            let sig: Vec<&str> = f.params.iter().map(|p| p.describe()).collect();
            self.diags.push(
                Diagnostic::new(
                    codes::WRONG_ARGUMENT_COUNT,
                    format!(
                        "`{}` takes {want} argument{}, but {} {} given",
                        f.name,
                        if fixed == 1 && !variadic { "" } else { "s" },
                        values.len(),
                        if values.len() == 1 { "was" } else { "were" }
                    ),
                )
                .with_primary(
                    whole.span,
                    format!("`{}({})`: {}", f.name, sig.join(", "), f.summary),
                ),
            );
            return Value::poison();
        }
        let mut stage = Stage::Const;
        let mut bad = false;
        for (i, (v, a)) in values.iter().zip(args).enumerate() {
            let p = if i < fixed {
                f.params[i]
            } else {
                f.params[fixed.saturating_sub(1)]
            };
            if v.is_poison() {
                bad = true;
                continue;
            }
            if v.is_secret() {
                let trail = v.secret_description();
                self.diags.push(
                    Diagnostic::new(codes::SECRET_LEAK, format!("a secret would be passed to `{}`", f.name))
                        .with_primary(a.span, format!("this value is secret: {trail}"))
                        .with_help("functions compute plain values; pass the secret whole to a property that takes it"),
                );
                bad = true;
                continue;
            }
            if !p.accepts(&v.ty)
                && self.possibly_null(
                    v,
                    a.span,
                    Some(a),
                    &format!("argument {} of `{}`", i + 1, f.name),
                    |t| p.accepts(t),
                )
            {
                bad = true;
            } else if !p.accepts(&v.ty) {
                self.diags.push(
                    Diagnostic::new(
                        codes::TYPE_MISMATCH,
                        format!(
                            "argument {} of `{}` must be {}, found `{}`",
                            i + 1,
                            f.name,
                            p.describe(),
                            v.ty
                        ),
                    )
                    .with_primary(a.span, format!("this is {}", crate::types::an(&v.ty))),
                );
                bad = true;
            }
            stage = stage.join(&v.stage);
        }
        if bad {
            return Value::poison();
        }
        if let Some(o) = stage.deploy_origin()
            && f.cloudformation == CloudFormation::Never
            && sc.supports_cloudformation()
        {
            let o = o.clone();
            self.not_at_deploy_time(
                whole.span,
                &format!("`{}`", f.name),
                &o,
                "CloudFormation has no function that computes it",
            );
            return Value::poison();
        }
        let tys: Vec<Ty> = values.iter().map(|v| v.ty.clone()).collect();
        if f.name == "coalesce" {
            // The first argument that is not null: a `T` when the last one is.
            let joined = tys
                .iter()
                .map(Ty::non_null)
                .reduce(|a, b| join_types(&a, &b))
                .unwrap_or(Ty::Null);
            let ty = match tys.last() {
                Some(last) if last.admits_null() => Ty::optional(joined),
                _ => joined,
            };
            return Value::new(ty, stage);
        }
        Value::new(f.returns.compute(&tys), stage)
    }

    fn not_at_deploy_time(&mut self, span: Span, what: &str, origin: &DeployOrigin, why: &str) {
        self.diags.push(
            Diagnostic::new(codes::NOT_EXPRESSIBLE_AT_DEPLOY_TIME, format!("{what} cannot be computed on a deploy-time value in CloudFormation"))
                .with_primary(span, why.to_string())
                .with_secondary(origin.span, format!("{} is known only when the stack deploys", origin.what))
                .with_help("compute it from inputs instead, or target Terraform, which evaluates it at apply time"),
        );
    }

    fn unary(&mut self, sc: &mut Scope<'_>, op: UnaryOp, operand: &Expr, span: Span) -> Value {
        let v = self.expr(sc, operand);
        if v.is_poison() {
            return v;
        }
        let (want, name) = match op {
            UnaryOp::Not => (Ty::Bool, "`!`"),
            UnaryOp::Neg => (Ty::Number, "`-`"),
        };
        if !v.ty.is_subtype_of(&want) {
            self.diags.push(
                Diagnostic::new(
                    codes::INVALID_OPERANDS,
                    format!("{name} cannot be applied to {}", crate::types::an(&v.ty)),
                )
                .with_primary(
                    operand.span,
                    format!("expected {}", crate::types::an(&want)),
                ),
            );
            return Value::poison();
        }
        if let Some(o) = v.stage.deploy_origin()
            && sc.supports_cloudformation()
            && sc.in_condition == 0
        {
            let o = o.clone();
            self.not_at_deploy_time(
                span,
                name,
                &o,
                "CloudFormation cannot compute operators on deploy-time values",
            );
            return Value::poison();
        }
        let constant = match (op, v.constant.as_ref().and_then(lit_of)) {
            (UnaryOp::Not, Some(Lit::Bool(b))) => Some(Const::Lit(Lit::Bool(!b))),
            (UnaryOp::Neg, Some(Lit::Int(i))) => i.checked_neg().map(|n| Const::Lit(Lit::Int(n))),
            (UnaryOp::Neg, Some(Lit::Number(n))) => Some(Const::Lit(Lit::Number(-n))),
            _ => None,
        };
        let ty = if op == UnaryOp::Neg {
            v.ty.base()
        } else {
            Ty::Bool
        };
        Value {
            ty,
            stage: v.stage,
            secret: None,
            constant,
        }
    }

    fn binary(
        &mut self,
        sc: &mut Scope<'_>,
        op: BinaryOp,
        lhs: &Expr,
        rhs: &Expr,
        span: Span,
    ) -> Value {
        let a = self.expr(sc, lhs);
        let b = match op {
            BinaryOp::And => self.expr_given(sc, lhs, true, rhs),
            BinaryOp::Or => self.expr_given(sc, lhs, false, rhs),
            _ => self.expr(sc, rhs),
        };
        if a.is_poison() || b.is_poison() {
            return Value::poison();
        }
        if op == BinaryOp::Coalesce {
            let proven = narrow::path_of(lhs).is_some_and(|p| sc.narrowed.contains(&p));
            return self.coalesce(a, b, lhs, rhs, proven);
        }
        let sym = op.symbol();
        for (v, e) in [(&a, lhs), (&b, rhs)] {
            if v.is_secret() {
                self.diags.push(
                    Diagnostic::new(
                        codes::SECRET_LEAK,
                        format!("a secret cannot be an operand of `{sym}`"),
                    )
                    .with_primary(e.span, "this value is secret")
                    .with_help("secrets are passed whole to the properties that take them"),
                );
                return Value::poison();
            }
        }
        let numeric = |v: &Value| v.ty.is_subtype_of(&Ty::Number);
        let boolean = |v: &Value| v.ty.is_subtype_of(&Ty::Bool);
        let (ok, ty, hint) = match op {
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Rem => {
                let both_int = a.ty.is_subtype_of(&Ty::Int) && b.ty.is_subtype_of(&Ty::Int);
                let hint = if op == BinaryOp::Add && (a.ty.is_stringy() || b.ty.is_stringy()) {
                    Some("join strings with interpolation: \"${a}${b}\"")
                } else {
                    None
                };
                (
                    numeric(&a) && numeric(&b),
                    if both_int { Ty::Int } else { Ty::Number },
                    hint,
                )
            }
            BinaryOp::Div => (numeric(&a) && numeric(&b), Ty::Number, None),
            // Checked by `coalesce` before this.
            BinaryOp::Coalesce => (true, b.ty.clone(), None),
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                (numeric(&a) && numeric(&b), Ty::Bool, None)
            }
            BinaryOp::And | BinaryOp::Or => (boolean(&a) && boolean(&b), Ty::Bool, None),
            BinaryOp::Eq | BinaryOp::Ne => {
                let comparable = a.ty.is_subtype_of(&b.ty)
                    || b.ty.is_subtype_of(&a.ty)
                    || a.ty.base() == b.ty.base()
                    || (numeric(&a) && numeric(&b));
                (
                    comparable,
                    Ty::Bool,
                    Some("values of different types are never equal"),
                )
            }
        };
        if !ok {
            let what = format!("`{sym}`");
            let fits = |t: &Ty| match op {
                BinaryOp::And | BinaryOp::Or => t.is_subtype_of(&Ty::Bool),
                _ => t.is_subtype_of(&Ty::Number),
            };
            let other_fits = |v: &Value| fits(&v.ty.non_null());
            if other_fits(&a) && other_fits(&b) {
                let mut reported = false;
                for (v, e) in [(&a, lhs), (&b, rhs)] {
                    reported |= self.possibly_null(v, e.span, Some(e), &what, fits);
                }
                if reported {
                    return Value::poison();
                }
            }
            let d = Diagnostic::new(
                codes::INVALID_OPERANDS,
                format!("`{sym}` cannot be applied to `{}` and `{}`", a.ty, b.ty),
            )
            .with_primary(span, "these operands do not fit the operator")
            .with_secondary(lhs.span, format!("`{}`", a.ty))
            .with_secondary(rhs.span, format!("`{}`", b.ty));
            self.diags.push(match hint {
                Some(h) => d.with_help(h),
                None => d,
            });
            return Value::poison();
        }
        let stage = a.stage.clone().join(&b.stage);
        if let Some(o) = stage.deploy_origin()
            && sc.supports_cloudformation()
            && sc.in_condition == 0
        {
            let o = o.clone();
            self.not_at_deploy_time(
                span,
                &format!("`{sym}`"),
                &o,
                "CloudFormation cannot compute arithmetic or comparisons on deploy-time values",
            );
            return Value::poison();
        }
        if matches!(op, BinaryOp::Div | BinaryOp::Rem)
            && matches!(
                b.constant.as_ref().and_then(lit_of),
                Some(Lit::Int(0)) | Some(Lit::Number(0.0))
            )
        {
            self.diags.push(
                Diagnostic::new(codes::INVALID_OPERANDS, format!("`{sym}` by zero"))
                    .with_primary(rhs.span, "this is zero"),
            );
            return Value::poison();
        }
        let constant = fold(
            op,
            a.constant.as_ref().and_then(lit_of),
            b.constant.as_ref().and_then(lit_of),
        );
        Value {
            ty,
            stage,
            secret: None,
            constant,
        }
    }

    /// Checks `e` where `cond` is known to evaluate to `holds`: the paths it proves
    /// non-null read as such inside `e`.
    pub(crate) fn expr_given(
        &mut self,
        sc: &mut Scope<'_>,
        cond: &Expr,
        holds: bool,
        e: &Expr,
    ) -> Value {
        let before = sc.narrowed.len();
        narrow::facts(cond, holds, &mut sc.narrowed);
        let v = self.expr(sc, e);
        sc.narrowed.truncate(before);
        v
    }

    /// `a ?? b`: `a` unless it is null, else `b`; typed `T` when `b` is a `T`.
    fn coalesce(&mut self, a: Value, b: Value, lhs: &Expr, rhs: &Expr, proven: bool) -> Value {
        if !a.ty.admits_null() {
            let why = if proven {
                "a condition around it has ruled out null".to_string()
            } else {
                format!("this is {}, not optional", crate::types::an(&a.ty))
            };
            self.diags.push(
                Diagnostic::new(
                    codes::NEVER_NULL,
                    format!(
                        "`{}` is never null: `??` has nothing to replace",
                        object_name(lhs)
                    ),
                )
                .with_primary(lhs.span, why)
                .with_secondary(rhs.span, "never used")
                .with_help(if proven {
                    "remove `?? …`: the condition around it already proves it set"
                } else {
                    "remove `?? …`, or make the input optional (`T?`) if it may be left out"
                }),
            );
        }
        let inner = a.ty.non_null();
        let ty = if matches!(a.ty, Ty::Null) {
            b.ty.clone()
        } else {
            join_types(&inner, &b.ty)
        };
        let default = b.ty.non_null();
        let fits = inner.is_subtype_of(&default)
            || default.is_subtype_of(&inner)
            || inner.base() == default.base()
            || (inner.is_numeric() && default.is_numeric());
        if !matches!(a.ty, Ty::Null) && !fits {
            self.diags.push(
                Diagnostic::new(
                    codes::INVALID_OPERANDS,
                    format!(
                        "`??` gives {} or {}: one value, two types",
                        crate::types::an(&inner),
                        crate::types::an(&b.ty.base())
                    ),
                )
                .with_primary(
                    rhs.span,
                    format!(
                        "{}, where `{}` is {}",
                        crate::types::an(&b.ty.base()),
                        object_name(lhs),
                        crate::types::an(&inner)
                    ),
                )
                .with_help(format!(
                    "give a default of the same type as `{}`",
                    object_name(lhs)
                )),
            );
            return Value::poison();
        }
        let constant = match a.constant.as_ref() {
            Some(Const::Null) => b.constant.clone(),
            Some(c) => Some(c.clone()),
            None => None,
        };
        // A deploy-time optional (a parameter of a template compiled alone) picks at
        // deploy time; the default's stage joins it.
        let stage = match a.constant {
            Some(Const::Null) => b.stage.clone(),
            Some(_) => a.stage.clone(),
            None => a.stage.clone().join(&b.stage),
        };
        Value {
            ty,
            stage,
            secret: a.secret.or(b.secret),
            constant,
        }
    }

    fn match_expr(
        &mut self,
        sc: &mut Scope<'_>,
        scrutinee: &Expr,
        arms: &[ast::MatchArm],
    ) -> Value {
        let s = self.condition(sc, scrutinee);
        self.require_compile_time(&s, scrutinee, "a `match`");
        let mut seen: Vec<Lit> = Vec::new();
        let mut wildcard = false;
        let mut result: Option<Value> = None;
        let mut constant = None;
        let mut null_seen = false;
        let path = narrow::path_of(scrutinee);
        for arm in arms {
            let mut arm_null = false;
            let mut arm_wild = false;
            for p in &arm.patterns {
                let (lit, span) = match p {
                    ast::Pattern::Wildcard(_) => {
                        wildcard = true;
                        arm_wild = true;
                        continue;
                    }
                    ast::Pattern::Literal(Literal::Bool(b), sp) => (Lit::Bool(*b), *sp),
                    ast::Pattern::Literal(Literal::Number(n), sp) => (
                        match n.value {
                            NumberValue::Int(i) => Lit::Int(i),
                            NumberValue::Float(f) => Lit::Number(f),
                        },
                        *sp,
                    ),
                    ast::Pattern::Literal(Literal::Null, sp) => {
                        if null_seen {
                            self.diags.push(
                                Diagnostic::new(
                                    codes::UNREACHABLE_PATTERN,
                                    "pattern null is matched twice",
                                )
                                .with_primary(*sp, "an earlier arm already matches this")
                                .with_help("remove this pattern"),
                            );
                        } else if !s.is_poison() && !s.ty.admits_null() {
                            self.diags.push(
                                Diagnostic::new(
                                    codes::UNREACHABLE_PATTERN,
                                    format!(
                                        "pattern null can never match {}",
                                        crate::types::an(&s.ty)
                                    ),
                                )
                                .with_primary(*sp, "unreachable")
                                .with_secondary(
                                    scrutinee.span,
                                    format!(
                                        "this is {}, which is never null",
                                        crate::types::an(&s.ty)
                                    ),
                                ),
                            );
                        }
                        arm_null = true;
                        continue;
                    }
                    ast::Pattern::String(st) => match st.as_plain() {
                        Some(v) => (Lit::String(v), st.span),
                        None => continue,
                    },
                };
                if seen.contains(&lit) {
                    self.diags.push(
                        Diagnostic::new(
                            codes::UNREACHABLE_PATTERN,
                            format!("pattern {lit} is matched twice"),
                        )
                        .with_primary(span, "an earlier arm already matches this")
                        .with_help("remove this pattern"),
                    );
                    continue;
                }
                if !s.is_poison() && !Ty::Lit(lit.clone()).is_subtype_of(&s.ty) {
                    self.diags.push(
                        Diagnostic::new(
                            codes::UNREACHABLE_PATTERN,
                            format!("pattern {lit} can never match {}", crate::types::an(&s.ty)),
                        )
                        .with_primary(span, "unreachable")
                        .with_secondary(
                            scrutinee.span,
                            format!("this is {}", crate::types::an(&s.ty)),
                        ),
                    );
                }
                if s.constant.as_ref().and_then(lit_of) == Some(&lit) {
                    constant = Some(arm.value.span);
                }
                seen.push(lit);
            }
            // An arm that matches no `null` (a literal, or `_` after a `null => …`)
            // sees the scrutinee as not null.
            let narrows = !arm_null && (!arm_wild || null_seen);
            null_seen |= arm_null;
            let before = sc.narrowed.len();
            if narrows && let Some(p) = &path {
                sc.narrowed.push(p.clone());
            }
            let v = self.expr(sc, &arm.value);
            sc.narrowed.truncate(before);
            let c = if constant == Some(arm.value.span) {
                v.constant.clone()
            } else {
                None
            };
            result = Some(match result {
                None => Value { constant: c, ..v },
                Some(prev) => Value {
                    ty: join_types(&prev.ty, &v.ty),
                    stage: prev.stage.join(&v.stage),
                    secret: prev.secret.or(v.secret),
                    constant: prev.constant.or(c),
                },
            });
        }
        if !wildcard && !s.is_poison() {
            let (inner, optional) = match s.ty.unrefined() {
                Ty::Optional(t) => (t.unrefined(), true),
                t => (t, false),
            };
            let missing: Option<Vec<String>> = match inner {
                Ty::Union(ms) => Some(
                    ms.iter()
                        .filter_map(|m| match m {
                            Ty::Lit(l) if !seen.contains(l) => Some(l.to_string()),
                            _ => None,
                        })
                        .collect(),
                ),
                Ty::Bool => Some(
                    [true, false]
                        .iter()
                        .filter(|b| !seen.contains(&Lit::Bool(**b)))
                        .map(|b| b.to_string())
                        .collect(),
                ),
                Ty::Lit(l) if !seen.contains(l) => Some(vec![l.to_string()]),
                Ty::Lit(_) => Some(Vec::new()),
                _ => None,
            };
            let missing = missing.map(|mut m| {
                if optional && !null_seen {
                    m.push("null".to_string());
                }
                m
            });
            match missing {
                Some(m) if m.is_empty() => {}
                Some(m) => self.diags.push(
                    Diagnostic::new(
                        codes::NON_EXHAUSTIVE_MATCH,
                        format!("this `match` does not cover {}", m.join(", ")),
                    )
                    .with_primary(
                        scrutinee.span,
                        format!("{} can be {}", crate::types::an(&s.ty), m.join(" or ")),
                    )
                    .with_help(format!("add arms for {}, or a `_ => …` arm", m.join(", "))),
                ),
                None => self.diags.push(
                    Diagnostic::new(
                        codes::NON_EXHAUSTIVE_MATCH,
                        format!(
                            "this `match` on {} needs a `_` arm",
                            crate::types::an(&s.ty)
                        ),
                    )
                    .with_primary(scrutinee.span, "values not listed are not covered")
                    .with_help("add `_ => …` as the last arm"),
                ),
            }
        }
        let mut v = result.unwrap_or_else(Value::poison);
        v.stage = v.stage.join(&s.stage);
        v
    }

    /// Binds a `for`'s variables for a collection, returning how many were pushed.
    pub(crate) fn bind_loop(
        &mut self,
        sc: &mut Scope<'_>,
        clause: &ast::ForClause,
        coll: &Value,
    ) -> usize {
        let elem_stage = match coll.ty.unrefined() {
            Ty::List(inner) | Ty::Map(inner) if matches!(**inner, Ty::Resource { .. }) => {
                Stage::Deploy(DeployOrigin {
                    what: format!("each resource of `{}`", clause.collection.span.start),
                    span: clause.collection.span,
                })
            }
            _ => coll.stage.clone(),
        };
        let elem_stage = match elem_stage {
            Stage::Deploy(mut o) if o.what.starts_with("each resource of `") => {
                o.what = "each resource".to_string();
                Stage::Deploy(o)
            }
            s => s,
        };
        let (key_ty, elem_ty) = match coll.ty.unrefined() {
            Ty::List(t) => (Ty::Int, (**t).clone()),
            Ty::Map(t) => (Ty::String, (**t).clone()),
            Ty::Record(_) => (Ty::String, element_of(&coll.ty)),
            Ty::Error | Ty::Any => (Ty::Error, Ty::Error),
            other => {
                self.diags.push(
                    Diagnostic::new(
                        codes::NOT_ITERABLE,
                        format!("a `for` cannot go over {}", crate::types::an(other)),
                    )
                    .with_primary(clause.collection.span, "not a list or map"),
                );
                (Ty::Error, Ty::Error)
            }
        };
        let mut n = 0;
        if let Some(k) = &clause.key {
            sc.locals
                .push((k.name.to_string(), Value::new(key_ty, coll.stage.clone())));
            n += 1;
        }
        sc.locals.push((
            clause.value.name.to_string(),
            Value {
                ty: elem_ty,
                stage: elem_stage,
                secret: coll.secret.clone(),
                constant: None,
            },
        ));
        n + 1
    }

    fn deploy_collection(&mut self, sc: &mut Scope<'_>, coll: &Value, e: &Expr) {
        if let Some(o) = coll.stage.deploy_origin()
            && sc.supports_cloudformation()
        {
            let o = o.clone();
            self.not_at_deploy_time(
                e.span,
                "a `for` over this list",
                &o,
                "CloudFormation cannot loop over a value it only learns when deploying",
            );
        }
    }

    /// `E0229` when `v` may be null and would fit once null is ruled out: the one
    /// message for every place a `T?` is read where a `T` is needed.
    pub(crate) fn possibly_null(
        &mut self,
        v: &Value,
        span: Span,
        name: Option<&Expr>,
        what: &str,
        fits: impl Fn(&Ty) -> bool,
    ) -> bool {
        if v.is_poison() || !matches!(v.ty, Ty::Optional(_)) || !fits(&v.ty.non_null()) {
            return false;
        }
        self.diags.push(possibly_null(&v.ty, span, name, what));
        true
    }

    fn require_bool(&mut self, v: &Value, e: &Expr, what: &str) -> bool {
        if v.is_poison() || v.ty.is_subtype_of(&Ty::Bool) {
            return true;
        }
        if self.possibly_null(v, e.span, Some(e), what, |t| t.is_subtype_of(&Ty::Bool)) {
            return false;
        }
        self.diags.push(
            Diagnostic::new(
                codes::CONDITION_NOT_BOOL,
                format!("{what} must be a `Bool`, found `{}`", v.ty),
            )
            .with_primary(e.span, format!("this is {}", crate::types::an(&v.ty)))
            .with_help("compare it to get a Bool, like `x > 0` or `x == \"on\"`"),
        );
        false
    }

    fn require_compile_time(&mut self, v: &Value, e: &Expr, what: &str) {
        if let Some(o) = v.stage.deploy_origin() {
            self.diags.push(
                Diagnostic::new(codes::DEPLOY_TIME_CONDITION, format!("{what} depends on a value known only at deploy time"))
                    .with_primary(e.span, "must be known when compiling")
                    .with_secondary(o.span, format!("{} is known only when the stack deploys", o.what))
                    .with_note("neither CloudFormation conditions nor Terraform's `count` and `for_each` can depend on values known only at deploy time")
                    .with_help("decide on an input instead"),
            );
        }
    }

    /// Checks a condition: operators on deploy-time values inside it are reported
    /// once, as the condition's own staging error, not operator by operator.
    pub(crate) fn condition(&mut self, sc: &mut Scope<'_>, e: &Expr) -> Value {
        sc.in_condition += 1;
        let v = self.expr(sc, e);
        sc.in_condition -= 1;
        v
    }

    pub(crate) fn require_condition(&mut self, v: &Value, e: &Expr, what: &str) {
        if self.require_bool(v, e, what) {
            self.require_compile_time(v, e, what);
        }
    }
}

/// `E0229`: a `T?` read where a `T` is needed, `name` being the expression read when
/// there is one to name.
pub(crate) fn possibly_null(ty: &Ty, span: Span, name: Option<&Expr>, what: &str) -> Diagnostic {
    let inner = ty.non_null().unrefined().clone();
    let named = name.and_then(narrow::path_of).map(|p| format!("`{p}`"));
    let (subject, guard) = match &named {
        Some(n) => (n.clone(), format!("`when {} != null`", &n[1..n.len() - 1])),
        None => ("this value".to_string(), "a `when … != null`".to_string()),
    };
    let fix = match &named {
        Some(n) => format!("`{} ?? …`", &n[1..n.len() - 1]),
        None => "`(…) ?? …`".to_string(),
    };
    Diagnostic::new(
        codes::POSSIBLY_NULL,
        format!("{subject} may be null, and {what} needs {}", crate::types::an(&inner)),
    )
    .with_primary(span, format!("this is {}: null when a spec leaves it out", crate::types::an(ty)))
    .with_help(format!(
        "give a default, {fix}, or read it where a condition proves it set: {guard}, an `if`, or a `match` with a `null` arm"
    ))
}

/// `v`, with its type narrowed when a condition around it proved `e` non-null.
fn narrowed(sc: &Scope<'_>, e: &Expr, mut v: Value) -> Value {
    if !sc.narrowed.is_empty()
        && v.ty.admits_null()
        && let Some(path) = narrow::path_of(e)
        && sc.narrowed.contains(&path)
    {
        v.ty = v.ty.non_null();
    }
    v
}

fn object_name(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Name(n) => n.name.to_string(),
        ExprKind::Member { object, field } => format!("{}.{}", object_name(object), field.name),
        ExprKind::Index { object, .. } => format!("{}[…]", object_name(object)),
        _ => "…".to_string(),
    }
}

fn fold(op: BinaryOp, a: Option<&Lit>, b: Option<&Lit>) -> Option<Const> {
    let (a, b) = (a?, b?);
    let num = |l: &Lit| match l {
        Lit::Int(i) => Some(*i as f64),
        Lit::Number(n) => Some(*n),
        _ => None,
    };
    let lit = match (op, a, b) {
        (BinaryOp::Add, Lit::Int(x), Lit::Int(y)) => Lit::Int(x.checked_add(*y)?),
        (BinaryOp::Sub, Lit::Int(x), Lit::Int(y)) => Lit::Int(x.checked_sub(*y)?),
        (BinaryOp::Mul, Lit::Int(x), Lit::Int(y)) => Lit::Int(x.checked_mul(*y)?),
        (BinaryOp::Rem, Lit::Int(x), Lit::Int(y)) => Lit::Int(x.checked_rem(*y)?),
        (BinaryOp::Add, _, _) => Lit::Number(num(a)? + num(b)?),
        (BinaryOp::Sub, _, _) => Lit::Number(num(a)? - num(b)?),
        (BinaryOp::Mul, _, _) => Lit::Number(num(a)? * num(b)?),
        (BinaryOp::Div, _, _) if num(b)? != 0.0 => Lit::Number(num(a)? / num(b)?),
        (BinaryOp::Lt, _, _) => Lit::Bool(num(a)? < num(b)?),
        (BinaryOp::Le, _, _) => Lit::Bool(num(a)? <= num(b)?),
        (BinaryOp::Gt, _, _) => Lit::Bool(num(a)? > num(b)?),
        (BinaryOp::Ge, _, _) => Lit::Bool(num(a)? >= num(b)?),
        (BinaryOp::Eq, _, _) => Lit::Bool(a == b),
        (BinaryOp::Ne, _, _) => Lit::Bool(a != b),
        (BinaryOp::And, Lit::Bool(x), Lit::Bool(y)) => Lit::Bool(*x && *y),
        (BinaryOp::Or, Lit::Bool(x), Lit::Bool(y)) => Lit::Bool(*x || *y),
        _ => return None,
    };
    Some(Const::Lit(lit))
}

/// The formwork name of a CloudFormation pseudo-parameter (`AWS::Region` →
/// `aws.region`), when it has one.
fn pseudo_for(cloudformation: &str) -> Option<Pseudo> {
    Pseudo::FIELDS
        .into_iter()
        .find(|p| p.cloudformation() == cloudformation)
}
