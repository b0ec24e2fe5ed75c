//! Lowering declarations: inputs, `let`s, resources (conditions, `for`, meta
//! properties), module uses (inlined, their resources' paths prefixed), outputs.

use std::collections::BTreeMap;

use crate::diagnostics::{Diagnostic, codes};
use crate::ir::lower::Request;
use crate::ir::names::{element_path, logical_id, terraform_name};
use crate::ir::{
    Condition, EnvironmentLink, Expr, Mode, Output, Param, Repeat, ResId, Resource, SecretRead,
    Stack, TemplateInfo,
};
use crate::resolve::{DeclId, Program, deps};
use crate::syntax::ast::{self, BodyItem, Decl, DeclKind};
use crate::syntax::span::{FileId, Span};
use crate::types::Checker;
use crate::types::context::ContextName;
use crate::types::decl::free_names;
use crate::types::targets::Target;
use crate::types::ty::{Lit, Ty};
use crate::types::value::Const;

/// What a name in a declaration's scope stands for.
#[derive(Debug, Clone)]
pub(super) enum Binding {
    Value(Expr),
    /// A resource (or module) that does not exist for this instance: its `when` is
    /// false. Reading it is an error.
    Absent {
        name: String,
        when: Span,
    },
}

/// One declaration being lowered: the template itself, or a module it uses.
pub(super) struct Frame {
    pub file: FileId,
    pub inputs: BTreeMap<String, Expr>,
    pub pipeline_inputs: BTreeMap<String, Expr>,
    pub values: BTreeMap<String, Binding>,
    pub locals: Vec<(String, Expr)>,
    /// Prepended to resource paths: `app.` inside `use app = …`.
    pub prefix: String,
    /// The condition every resource of this frame is under (a module used under one).
    pub condition: Option<String>,
    /// Inside a module: where its `use` is in the template, which places its resources.
    pub anchor: Option<u32>,
}

impl Frame {
    /// The frame of a template itself: nothing bound yet.
    pub fn new(file: FileId) -> Frame {
        Frame {
            file,
            inputs: BTreeMap::new(),
            pipeline_inputs: BTreeMap::new(),
            values: BTreeMap::new(),
            locals: Vec::new(),
            prefix: String::new(),
            condition: None,
            anchor: None,
        }
    }
}

pub(super) struct Lowerer<'p, 'r, 'c> {
    pub program: &'p Program,
    pub checker: &'c mut Checker<'p>,
    pub cache: &'c mut super::Cache,
    pub req: &'r Request<'r>,
    pub stack: Stack,
    pub diags: Vec<Diagnostic>,
    /// Backend names already given, with the resource that has it.
    names: BTreeMap<String, (String, Span)>,
    /// The newest admitted environment's output types, for a service.
    pub env_outputs: BTreeMap<String, Ty>,
    /// The environment outputs the template reads, in order of first read.
    pub env_outputs_read: Vec<String>,
    /// Modules being inlined, to stop a (reported) cycle from recursing.
    active: Vec<DeclId>,
    /// What evaluation has built so far, against [`crate::ir::lower::limits`].
    pub budget: super::limits::Budget,
}

impl<'p, 'r, 'c> Lowerer<'p, 'r, 'c> {
    pub fn new(
        checker: &'c mut Checker<'p>,
        cache: &'c mut super::Cache,
        req: &'r Request<'r>,
    ) -> Lowerer<'p, 'r, 'c> {
        Lowerer {
            program: checker.program,
            checker,
            cache,
            req,
            stack: Stack {
                template: TemplateInfo {
                    kind: "environment",
                    name: String::new(),
                    version: String::new(),
                    description: None,
                    source_hash: req.source_hash.clone(),
                    instance: req.instance.clone(),
                },
                target: req.target,
                mode: req.mode,
                params: Vec::new(),
                conditions: Vec::new(),
                resources: Vec::new(),
                outputs: Vec::new(),
                environment: None,
                secrets: Vec::new(),
                pseudo: std::collections::BTreeSet::new(),
                context: std::collections::BTreeMap::new(),
            },
            diags: Vec::new(),
            budget: super::limits::Budget::default(),
            names: BTreeMap::new(),
            env_outputs: BTreeMap::new(),
            env_outputs_read: Vec::new(),
            active: Vec::new(),
        }
    }

    pub fn run(mut self) -> Result<Stack, Vec<Diagnostic>> {
        let id = self.req.decl;
        let Some(decl) = self.program.decl(id) else {
            return Err(vec![]);
        };
        let Some(sig) = self.checker.signature(id) else {
            return Err(vec![]);
        };
        self.stack.template.kind = decl.kind.keyword();
        self.stack.template.name = decl.name.as_plain().unwrap_or_default();
        self.stack.template.version = Program::version_of(decl)
            .map(|v| v.to_string())
            .unwrap_or_default();
        self.stack.template.description = setting_string(decl, "description");
        if decl.kind == DeclKind::Service {
            self.link_environment(decl);
        }
        let mut frame = Frame::new(id.file);
        self.template_inputs(&mut frame, decl, &sig.inputs);
        self.body(&mut frame, id, decl);
        self.outputs(&mut frame, decl);
        self.parameter_ids();
        if let Some(link) = &mut self.stack.environment {
            link.outputs = self
                .env_outputs_read
                .iter()
                .map(|n| {
                    let ty = self.env_outputs.get(n).cloned().unwrap_or(Ty::String);
                    (n.clone(), ty)
                })
                .collect();
        }
        if self.diags.iter().any(Diagnostic::is_error) {
            return Err(self.diags);
        }
        Ok(self.stack)
    }

    /// A service reads its environment's outputs: the newest admitted version of the
    /// environment template it requires gives their types.
    fn link_environment(&mut self, decl: &Decl) {
        let Some(req) = decl.body.iter().find_map(|b| match b {
            BodyItem::Requires(r) => Some(r),
            _ => None,
        }) else {
            return;
        };
        let Some(env_name) = req.name.as_plain() else {
            return;
        };
        let versions: Vec<DeclId> = self
            .program
            .versions_of(DeclKind::Environment, &env_name)
            .iter()
            .map(|(_, id)| *id)
            .collect();
        for id in versions.iter().rev() {
            if let Some(sig) = self.checker.signature(*id) {
                self.env_outputs = sig
                    .outputs
                    .iter()
                    .map(|(k, (t, _, _))| (k.clone(), t.clone()))
                    .collect();
                break;
            }
        }
        self.stack.environment = Some(EnvironmentLink {
            template: env_name,
            instance: self.req.environment.clone(),
            outputs: Vec::new(),
        });
    }

    fn template_inputs(
        &mut self,
        frame: &mut Frame,
        decl: &Decl,
        schema: &BTreeMap<String, (crate::types::ty::FieldTy, Span)>,
    ) {
        for item in &decl.body {
            let BodyItem::Input(block) = item else {
                continue;
            };
            for f in &block.fields {
                let name = f.name.name.to_string();
                let Some((fty, _)) = schema.get(&name) else {
                    continue;
                };
                let secret = is_secret(&fty.ty);
                let default = f.default.as_ref().map(|d| self.constant(frame, d));
                let value = if block.pipeline {
                    // Pipeline inputs configure the pipeline, not the stack: a template
                    // that reads one gets its default (or null).
                    default.clone().unwrap_or(Expr::Null)
                } else {
                    match self.req.mode {
                        Mode::Parameterised => {
                            self.stack.params.push(Param {
                                name: name.clone(),
                                ty: fty.ty.clone(),
                                description: f.doc.as_ref().map(|d| d.lines.join(" ")),
                                default: default.clone(),
                                secret,
                                span: f.name.span,
                            });
                            Expr::Param(name.clone(), f.name.span)
                        }
                        Mode::Render => self.render_input(&name, f, secret, default),
                    }
                };
                let target = if block.pipeline {
                    &mut frame.pipeline_inputs
                } else {
                    &mut frame.inputs
                };
                target.insert(name, value);
            }
        }
    }

    fn render_input(
        &mut self,
        name: &str,
        f: &ast::Field,
        secret: bool,
        default: Option<Expr>,
    ) -> Expr {
        let given = self.req.inputs;
        if secret {
            if let Some(source) = given.and_then(|i| i.secrets.get(name)) {
                self.stack.secrets.push(SecretRead {
                    input: name.to_string(),
                    source: source.clone(),
                });
                return Expr::Secret(name.to_string(), f.name.span);
            }
        } else if let Some(c) = given.and_then(|i| i.values.get(name)) {
            return const_expr(c);
        }
        if let Some(d) = default {
            return d;
        }
        if matches!(f.ty.kind, ast::TypeKind::Optional(_)) {
            return Expr::Null;
        }
        self.diags.push(
            Diagnostic::new(
                codes::MISSING_SPEC_INPUT,
                format!("no value for input `{name}`"),
            )
            .with_primary(f.name.span, "this input has no default, and the spec gives no value")
            .with_help(if secret {
                format!("give `{name}` in the spec as a reference to a secret store: `{name}: {{ secretsmanager: NAME }}`")
            } else {
                format!("give `{name}` in the spec file, or a default here")
            }),
        );
        Expr::Null
    }

    /// Lowers a declaration's `let`s, resources and module uses, in dependency order.
    pub(super) fn body(&mut self, frame: &mut Frame, id: DeclId, decl: &Decl) {
        let order = match self.cache.order.get(&id) {
            Some(o) => o.clone(),
            None => {
                let o = std::rc::Rc::new(item_order(decl));
                self.cache.order.insert(id, o.clone());
                o
            }
        };
        for &index in order.iter() {
            let Some(item) = decl.body.get(index) else {
                continue;
            };
            let (name, binding) = match item {
                BodyItem::Let(l) => (&l.name.name, Binding::Value(self.eval(frame, &l.value))),
                BodyItem::Resource(r) => (&r.name.name, self.resource(frame, r)),
                BodyItem::Use(u) => (&u.name.name, self.use_module(frame, u)),
                _ => continue,
            };
            frame.values.insert(name.to_string(), binding);
        }
    }

    fn resource(&mut self, frame: &mut Frame, r: &ast::Resource) -> Binding {
        let path = format!("{}{}", frame.prefix, r.name.name);
        let mut condition = frame.condition.clone();
        if let Some(when) = &r.condition {
            match self.eval(frame, when) {
                Expr::Bool(true) => {}
                Expr::Bool(false) | Expr::Null => {
                    return Binding::Absent {
                        name: path,
                        when: when.span,
                    };
                }
                e => {
                    let name = format!("{}Enabled", logical_id(&path));
                    let e = match condition.take() {
                        Some(outer) => Expr::Binary(
                            ast::BinaryOp::And,
                            Box::new(Expr::Cond(outer, when.span)),
                            Box::new(e),
                            when.span,
                        ),
                        None => e,
                    };
                    self.stack.conditions.push(Condition {
                        name: name.clone(),
                        expr: e,
                    });
                    condition = Some(name);
                }
            }
        }
        let Some(clause) = &r.for_each else {
            let id = self.emit_resource(frame, r, &path, condition, None);
            return Binding::Value(Expr::Ref(id, r.name.span));
        };
        let collection = self.eval(frame, &clause.collection);
        let elements: Vec<(Expr, Expr, String)> = match &collection {
            Expr::List(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (Expr::Int(i as i64), v.clone(), i.to_string()))
                .collect(),
            Expr::Map(entries) => entries
                .iter()
                .map(|(k, v)| (Expr::String(k.clone()), v.clone(), k.clone()))
                .collect(),
            Expr::Null => Vec::new(),
            other => {
                return self.repeated_resource(frame, r, &path, condition, clause, other.clone());
            }
        };
        let is_map = matches!(collection, Expr::Map(_));
        let mut refs = Vec::new();
        for (key, value, key_text) in elements {
            let n = push_loop(frame, clause, key, value);
            let id = self.emit_resource(
                frame,
                r,
                &element_path(&path, &key_text),
                condition.clone(),
                None,
            );
            frame.locals.truncate(frame.locals.len() - n);
            refs.push((key_text, Expr::Ref(id, r.name.span)));
        }
        Binding::Value(if is_map {
            Expr::Map(refs)
        } else {
            Expr::List(refs.into_iter().map(|(_, v)| v).collect())
        })
    }

    /// A `for` resource over a collection known only when the stack is created
    /// (parameterised mode): Terraform repeats it with `count`/`for_each`;
    /// CloudFormation cannot.
    fn repeated_resource(
        &mut self,
        frame: &mut Frame,
        r: &ast::Resource,
        path: &str,
        condition: Option<String>,
        clause: &ast::ForClause,
        collection: Expr,
    ) -> Binding {
        if self.req.target == Target::CloudFormation {
            self.diags.push(
                Diagnostic::new(
                    codes::NOT_EXPRESSIBLE,
                    format!("CloudFormation cannot repeat resource `{}` over a parameter", r.name.name),
                )
                .with_primary(clause.collection.span, "known only when the stack is created")
                .with_note("in parameterised mode inputs are stack parameters, and a CloudFormation template has a fixed set of resources")
                .with_help("render this template per instance (`formwork render`), where the count is known, or compile it for Terraform"),
            );
            return Binding::Value(Expr::Null);
        }
        let span = clause.collection.span;
        let by_count = matches!(&collection, Expr::Call("range", args, _) if args.len() == 1);
        let (repeat, key, value) = if by_count {
            let count = match collection {
                Expr::Call(_, mut args, _) => args.pop().unwrap_or(Expr::Int(0)),
                other => other,
            };
            (
                Repeat::Count(count),
                Expr::Var("count.index".into(), span),
                Expr::Var("count.index".into(), span),
            )
        } else {
            (
                Repeat::ForEach(collection),
                Expr::Var("each.key".into(), span),
                Expr::Var("each.value".into(), span),
            )
        };
        let n = push_loop(frame, clause, key, value);
        let id = self.emit_resource(frame, r, path, condition, Some(repeat));
        frame.locals.truncate(frame.locals.len() - n);
        Binding::Value(Expr::Ref(id, r.name.span))
    }

    /// A resource's name in the output when the template chooses it (`id =
    /// "PingSNSTopic"`): the chosen name, after a module use's prefix and before a
    /// `for` element's key, each spelled as the target spells names.
    fn chosen_id(&self, frame: &Frame, r: &ast::Resource, path: &str, chosen: &str) -> String {
        let prefix = frame.prefix.trim_end_matches('.');
        let suffix = path
            .get(frame.prefix.len() + r.name.name.len()..)
            .unwrap_or_default();
        match self.req.target {
            Target::CloudFormation => {
                let prefix = if prefix.is_empty() {
                    String::new()
                } else {
                    logical_id(prefix)
                };
                // `x[1]` is `X1`: the key's part is what follows the `X`.
                let key = logical_id(&format!("x{suffix}"));
                format!("{prefix}{chosen}{}", key.get(1..).unwrap_or_default())
            }
            Target::Terraform => {
                let prefix = if prefix.is_empty() {
                    String::new()
                } else {
                    format!("{}_", terraform_name(prefix))
                };
                let key = terraform_name(&format!("x{suffix}"));
                format!("{prefix}{chosen}{}", key.get(1..).unwrap_or_default())
            }
        }
    }

    /// The parameters a resource's `when` proves given (`when input.name != null`).
    fn proven_given(&self, frame: &Frame, r: &ast::Resource) -> Vec<String> {
        let mut paths = Vec::new();
        if let Some(c) = &r.condition {
            crate::types::narrow::facts(c, true, &mut paths);
        }
        paths
            .iter()
            .filter_map(|p| p.strip_prefix("input."))
            .filter_map(|name| match frame.inputs.get(name) {
                Some(Expr::Param(param, _)) => Some(param.clone()),
                _ => None,
            })
            .collect()
    }

    /// A CloudFormation property given an optional parameter with no default: left
    /// out (`AWS::NoValue`) when the parameter is empty, its `null`, rather than set
    /// to "". Terraform leaves a `null` property out by itself.
    fn left_out_when_empty(&self, v: Expr, given: &[String]) -> Expr {
        if self.req.target != Target::CloudFormation {
            return v;
        }
        match v {
            Expr::Param(name, span)
                if !given.contains(&name)
                    && self.stack.params.iter().any(|p| {
                        p.name == name && p.default.is_none() && matches!(p.ty, Ty::Optional(_))
                    }) =>
            {
                let param = Expr::Param(name, span);
                let set = Expr::Binary(
                    ast::BinaryOp::Ne,
                    Box::new(param.clone()),
                    Box::new(Expr::Null),
                    span,
                );
                Expr::If(Box::new(set), Box::new(param), Box::new(Expr::Null), span)
            }
            Expr::List(items) => Expr::List(
                items
                    .into_iter()
                    .map(|i| self.left_out_when_empty(i, given))
                    .collect(),
            ),
            Expr::Map(entries) => Expr::Map(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, self.left_out_when_empty(v, given)))
                    .collect(),
            ),
            other => other,
        }
    }

    fn emit_resource(
        &mut self,
        frame: &mut Frame,
        r: &ast::Resource,
        path: &str,
        condition: Option<String>,
        repeat: Option<Repeat>,
    ) -> ResId {
        let chosen = r
            .body
            .iter()
            .find(|a| a.name.name == "id")
            .map(|a| self.eval(frame, &a.value));
        let id = match chosen {
            Some(Expr::String(chosen)) => self.chosen_id(frame, r, path, &chosen),
            _ => match self.req.target {
                Target::CloudFormation => logical_id(path),
                Target::Terraform => terraform_name(path),
            },
        };
        let key = match self.req.target {
            Target::CloudFormation => id.clone(),
            Target::Terraform => format!("{}.{id}", r.ty.name),
        };
        if let Some((other, other_span)) = self.names.get(&key) {
            self.diags.push(
                Diagnostic::new(
                    codes::NAME_COLLISION,
                    format!("resources `{other}` and `{path}` would both be named `{id}`"),
                )
                .with_primary(r.name.span, format!("`{path}` is named `{id}`"))
                .with_secondary(*other_span, format!("so is `{other}`"))
                .with_note(format!(
                    "{} names are derived from the template's names (or chosen with `id =`), so they stay the same from run to run",
                    self.req.target.display()
                ))
                .with_help("rename one of them, or choose another name with `id =`"),
            );
        } else {
            self.names.insert(key, (path.to_string(), r.name.span));
        }
        let mut properties = Vec::new();
        let mut depends_on = Vec::new();
        let mut lifecycle = Vec::new();
        let given = self.proven_given(frame, r);
        for a in &r.body {
            let v = self.eval(frame, &a.value);
            let v = self.left_out_when_empty(v, &given);
            match a.name.name.as_str() {
                "id" => {}
                "depends_on" => {
                    let mut found = Vec::new();
                    v.resources(&mut found);
                    depends_on.extend(found);
                }
                "lifecycle" => {
                    if let Expr::Map(entries) = v {
                        lifecycle = entries;
                    }
                }
                name => {
                    if v != Expr::Null {
                        properties.push((name.to_string(), v));
                    }
                }
            }
        }
        self.check_dependencies(r, condition.as_deref(), &depends_on);
        let res = ResId(self.stack.resources.len() as u32);
        self.stack.resources.push(Resource {
            path: path.to_string(),
            id,
            type_name: r.ty.name.clone(),
            properties,
            condition,
            repeat,
            depends_on,
            lifecycle,
            anchor: frame.anchor.unwrap_or(r.span.start),
            span: r.name.span,
        });
        res
    }

    /// `E0503`: a `depends_on` on a resource that exists only under a condition the
    /// dependent resource does not have. CloudFormation refuses a `DependsOn` on a
    /// resource its condition leaves out, and `DependsOn` cannot be conditional.
    fn check_dependencies(&mut self, r: &ast::Resource, condition: Option<&str>, deps: &[ResId]) {
        // Terraform takes `depends_on` on a resource whose `count` is zero.
        if self.req.target != Target::CloudFormation {
            return;
        }
        for dep in deps {
            let Some(d) = self.stack.resources.get(dep.0 as usize) else {
                continue;
            };
            let Some(dep_condition) = &d.condition else {
                continue;
            };
            if condition == Some(dep_condition.as_str())
                || condition.is_some_and(|c| self.same_condition(c, dep_condition))
            {
                continue;
            }
            let dep_span = d.span;
            let dep_path = d.path.clone();
            let attr = r
                .body
                .iter()
                .find(|a| a.name.name == "depends_on")
                .map_or(r.name.span, |a| a.value.span);
            self.diags.push(
                Diagnostic::new(
                    codes::ABSENT_RESOURCE,
                    format!(
                        "`{}` depends on `{dep_path}`, which exists only under a condition `{}` does not have",
                        r.name.name, r.name.name
                    ),
                )
                .with_primary(attr, "this dependency")
                .with_secondary(dep_span, format!("`{dep_path}` is created only under its `when`"))
                .with_note("CloudFormation rejects a `DependsOn` on a resource its condition leaves out, and a `DependsOn` cannot itself be conditional")
                .with_help(format!(
                    "give `{}` the same `when`, or drop the dependency (a reference to `{dep_path}` orders the two already)",
                    r.name.name
                )),
            );
        }
    }

    /// Whether two named conditions test the same thing (each `when` is its own
    /// condition, so two resources under one `when` have two names).
    fn same_condition(&self, a: &str, b: &str) -> bool {
        let expr = |n: &str| {
            self.stack
                .conditions
                .iter()
                .find(|c| c.name == n)
                .map(|c| without_spans(&format!("{:?}", c.expr)))
        };
        matches!((expr(a), expr(b)), (Some(x), Some(y)) if x == y)
    }

    fn use_module(&mut self, frame: &mut Frame, u: &ast::Use) -> Binding {
        let Some(module) = self.checker.find_module(frame.file, &u.module) else {
            return Binding::Value(Expr::Null);
        };
        let Some(decl) = self.program.decl(module) else {
            return Binding::Value(Expr::Null);
        };
        if self.active.contains(&module) {
            return Binding::Value(Expr::Null);
        }
        let mut inner = Frame {
            file: module.file,
            inputs: BTreeMap::new(),
            pipeline_inputs: BTreeMap::new(),
            values: BTreeMap::new(),
            locals: Vec::new(),
            prefix: format!("{}{}.", frame.prefix, u.name.name),
            condition: frame.condition.clone(),
            anchor: Some(frame.anchor.unwrap_or(u.span.start)),
        };
        let mut given = BTreeMap::new();
        for a in &u.args {
            given.insert(a.name.name.to_string(), self.eval(frame, &a.value));
        }
        for item in &decl.body {
            let BodyItem::Input(block) = item else {
                continue;
            };
            for f in &block.fields {
                let v = match given.remove(f.name.name.as_str()) {
                    Some(v) => v,
                    None => match &f.default {
                        Some(d) => self.constant(&mut inner, d),
                        None => Expr::Null,
                    },
                };
                inner.inputs.insert(f.name.name.to_string(), v);
            }
        }
        self.active.push(module);
        self.body(&mut inner, module, decl);
        let mut outputs = Vec::new();
        for item in &decl.body {
            if let BodyItem::Output(o) = item {
                outputs.push((o.name.name.to_string(), self.eval(&mut inner, &o.value)));
            }
        }
        self.active.pop();
        Binding::Value(Expr::Map(outputs))
    }

    fn outputs(&mut self, frame: &mut Frame, decl: &Decl) {
        // CloudFormation names an output by its logical ID: `vpc_id` and `vpcId` would
        // be one output (the second silently replacing the first) and one export.
        let mut ids: BTreeMap<String, (&str, Span)> = BTreeMap::new();
        for item in &decl.body {
            let BodyItem::Output(o) = item else { continue };
            if self.req.target == Target::CloudFormation {
                let id = logical_id(&o.name.name);
                match ids.get(&id) {
                    Some((other, other_span)) => self.diags.push(
                        Diagnostic::new(
                            codes::NAME_COLLISION,
                            format!(
                                "outputs `{other}` and `{}` would both be named `{id}`",
                                o.name.name
                            ),
                        )
                        .with_primary(o.name.span, format!("`{}` is named `{id}`", o.name.name))
                        .with_secondary(*other_span, format!("so is `{other}`"))
                        .with_note(
                            "CloudFormation names an output (and an environment's export) by its logical ID, made of the output's name without `_` and with capitals: one would replace the other",
                        )
                        .with_help("rename one of them"),
                    ),
                    None => {
                        ids.insert(id, (&o.name.name, o.name.span));
                    }
                }
            }
            let value = self.eval(frame, &o.value);
            let ty = match &o.ty {
                Some(t) => self.checker.lower_type(frame.file, t),
                None => ty_of_const(&value),
            };
            let mut read = Vec::new();
            value.resources(&mut read);
            let condition = read
                .iter()
                .find_map(|r| self.stack.resources.get(r.0 as usize)?.condition.clone());
            self.stack.outputs.push(Output {
                name: o.name.name.to_string(),
                value,
                ty,
                description: o.doc.as_ref().map(|d| d.lines.join(" ")),
                export: decl.kind == DeclKind::Environment,
                condition,
                span: o.name.span,
            });
        }
    }

    /// CloudFormation's parameters and resources share one namespace of logical IDs
    /// (`Ref` reads either): inputs `queue_name` and `queueName`, or an input and a
    /// resource both called `queue`, would be one name (a duplicate key, or a `Ref`
    /// CloudFormation refuses).
    ///
    /// Both backends: a context name read in a template compiled alone is a
    /// parameter or variable of its own (`service.name` is `ServiceName`,
    /// `service_name`), which an input must not be named like.
    fn parameter_ids(&mut self) {
        let cloudformation = self.req.target == Target::CloudFormation;
        let of_environment = self.stack.template.kind == "environment";
        let mut context: Vec<&'static str> = self
            .stack
            .context
            .keys()
            .filter(|c| {
                !cloudformation
                    || !matches!(c, ContextName::InstanceName | ContextName::EnvironmentName)
            })
            .map(|c| c.parameter())
            .collect();
        // A service's environment, in CloudFormation: `EnvironmentName`, which its
        // imports read too.
        if cloudformation
            && !of_environment
            && (self
                .stack
                .context
                .contains_key(&ContextName::EnvironmentName)
                || !self.env_outputs_read.is_empty())
        {
            context.push(ContextName::EnvironmentName.parameter());
        }
        let mut found = Vec::new();
        for p in &self.stack.params {
            let clash = context.iter().find(|c| {
                if cloudformation {
                    logical_id(c) == logical_id(&p.name)
                } else {
                    **c == p.name
                }
            });
            if let Some(c) = clash {
                found.push((p.name.clone(), p.span, *c));
            }
        }
        for (name, span, c) in found {
            let read = ContextName::ALL
                .into_iter()
                .find(|x| x.parameter() == c)
                .map_or(c, ContextName::written);
            let id = if cloudformation {
                logical_id(c)
            } else {
                c.to_string()
            };
            self.diags.push(
                Diagnostic::new(
                    codes::NAME_COLLISION,
                    format!("input `{name}` would be named `{id}`, like the parameter that carries `{read}`"),
                )
                .with_primary(span, format!("input `{name}` is named `{id}`"))
                .with_note(format!(
                    "in a template compiled alone, what the template reads of its instance is a parameter too: `{read}` is `{id}`"
                ))
                .with_help(format!("rename the input, or read `{read}` instead of taking it as an input")),
            );
        }
        if !cloudformation {
            return;
        }
        let mut seen: BTreeMap<String, (String, Span)> = BTreeMap::new();
        let mut found = Vec::new();
        for p in &self.stack.params {
            let id = if p.secret {
                crate::codegen::cloudformation::secret_parameter(&p.name)
            } else {
                logical_id(&p.name)
            };
            let what = format!("input `{}`", p.name);
            if let Some((other, other_span)) = seen.get(&id) {
                found.push((id, what, p.span, other.clone(), *other_span));
            } else if let Some((path, span)) = self.names.get(&id) {
                found.push((id, format!("resource `{path}`"), *span, what, p.span));
            } else {
                seen.insert(id, (what, p.span));
            }
        }
        for (id, what, span, other, other_span) in found {
            self.diags.push(
                Diagnostic::new(
                    codes::NAME_COLLISION,
                    format!("{other} and {what} would both be named `{id}`"),
                )
                .with_primary(span, format!("{what} is named `{id}`"))
                .with_secondary(other_span, format!("so is {other}"))
                .with_note(
                    "a CloudFormation template's parameters (its inputs, in parameterised mode) and resources share one set of logical IDs, made of each name without `_` and with capitals",
                )
                .with_help("rename one of them"),
            );
        }
    }

    /// Evaluates an expression that the checker proved constant (a default).
    pub(super) fn constant(&mut self, frame: &mut Frame, e: &ast::Expr) -> Expr {
        self.eval(frame, e)
    }
}

/// The order to lower a declaration's `let`s, resources and uses in (indices into its
/// body): each after what it reads.
fn item_order(decl: &Decl) -> Vec<usize> {
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut graph: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (i, item) in decl.body.iter().enumerate() {
        let mut refs = Vec::new();
        let name = match item {
            BodyItem::Let(l) => {
                free_names(&l.value, &mut refs);
                &l.name.name
            }
            BodyItem::Resource(r) => {
                if let Some(c) = &r.condition {
                    free_names(c, &mut refs);
                }
                if let Some(f) = &r.for_each {
                    free_names(&f.collection, &mut refs);
                }
                for a in &r.body {
                    free_names(&a.value, &mut refs);
                }
                &r.name.name
            }
            BodyItem::Use(u) => {
                for a in &u.args {
                    free_names(&a.value, &mut refs);
                }
                &u.name.name
            }
            _ => continue,
        };
        index.insert(name.to_string(), i);
        refs.dedup();
        graph.insert(name.to_string(), refs.into_iter().map(|(n, _)| n).collect());
    }
    for deps_of in graph.values_mut() {
        deps_of.retain(|d| index.contains_key(d));
    }
    deps::order(&graph)
        .into_iter()
        .filter_map(|n| index.get(&n).copied())
        .collect()
}

/// Binds a `for` clause's variables; returns how many were pushed.
pub(super) fn push_loop(
    frame: &mut Frame,
    clause: &ast::ForClause,
    key: Expr,
    value: Expr,
) -> usize {
    let mut n = 0;
    if let Some(k) = &clause.key {
        frame.locals.push((k.name.to_string(), key));
        n += 1;
    }
    frame.locals.push((clause.value.name.to_string(), value));
    n + 1
}

fn is_secret(ty: &Ty) -> bool {
    match ty {
        Ty::Secret => true,
        Ty::Optional(t) => is_secret(t),
        Ty::Refined(t, _) => is_secret(t),
        _ => false,
    }
}

fn setting_string(decl: &Decl, name: &str) -> Option<String> {
    decl.body.iter().find_map(|b| match b {
        BodyItem::Attribute(a) if a.name.name == name => match &a.value.kind {
            ast::ExprKind::String(s) => s.as_plain(),
            _ => None,
        },
        _ => None,
    })
}

/// A checker constant as an IR value.
pub fn const_expr(c: &Const) -> Expr {
    match c {
        Const::Null => Expr::Null,
        Const::Lit(Lit::Bool(b)) => Expr::Bool(*b),
        Const::Lit(Lit::Int(i)) => Expr::Int(*i),
        Const::Lit(Lit::Number(n)) => Expr::Number(*n),
        Const::Lit(Lit::String(s)) => Expr::String(s.clone()),
        Const::List(items) => Expr::List(items.iter().map(const_expr).collect()),
        Const::Map(entries) => Expr::Map(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), const_expr(v)))
                .collect(),
        ),
    }
}

fn ty_of_const(e: &Expr) -> Ty {
    match e {
        Expr::Bool(_) => Ty::Bool,
        Expr::Int(_) => Ty::Int,
        Expr::Number(_) => Ty::Number,
        Expr::List(items) => Ty::list(items.first().map_or(Ty::String, ty_of_const)),
        Expr::Map(_) => Ty::map(Ty::String),
        _ => Ty::String,
    }
}

/// A printed expression with its spans left out, to compare two by what they compute.
fn without_spans(printed: &str) -> String {
    let mut out = String::with_capacity(printed.len());
    let mut rest = printed;
    while let Some(at) = rest.find("Span {") {
        out.push_str(&rest[..at]);
        rest = match rest[at..].find('}') {
            Some(end) => &rest[at + end + 1..],
            None => "",
        };
    }
    out.push_str(rest);
    out
}
