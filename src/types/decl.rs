//! Checking one declaration: its settings, inputs, requirements, the dependency order
//! of its `let`s, resources and module uses, their bodies, its outputs and pipeline,
//! and the targets it can be compiled to.

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostics::suggest::did_you_mean;
use crate::diagnostics::{Diagnostic, codes};
use crate::resolve::{DeclId, Program, Version, deps};
use crate::syntax::ast::{self, BodyItem, Decl, DeclKind, Expr, ExprKind, Ident, Item};
use crate::syntax::span::{FileId, Span};
use crate::types::conform::{Misfit, conform, describe};
use crate::types::context::ContextName;
use crate::types::targets::{Forbidden, Target, Targets, present_for};
use crate::types::ty::{FieldTy, Lit, Ty};
use crate::types::value::{Const, Stage, Value};
use crate::types::{Checker, Signature, resources, versions};

/// Names a definition may not take: they are the built-in scopes.
pub const RESERVED: &[&str] = &[
    "input",
    "environment",
    "pipeline",
    "target",
    "service",
    "aws",
];

/// Settings a declaration may have.
const SETTINGS: &[&str] = &["version", "description", "targets"];

#[derive(Clone, Copy)]
pub enum ItemRef<'a> {
    Let(&'a ast::Let),
    Resource(&'a ast::Resource),
    Use(&'a ast::Use),
}

impl ItemRef<'_> {
    fn name(&self) -> &Ident {
        match self {
            ItemRef::Let(l) => &l.name,
            ItemRef::Resource(r) => &r.name,
            ItemRef::Use(u) => &u.name,
        }
    }
}

/// An environment template a service can be deployed into, and its admitted versions.
#[derive(Clone)]
pub struct Requirement {
    pub name: String,
    pub span: Span,
    pub admitted: Vec<(Version, DeclId)>,
}

/// Everything visible while checking one declaration.
pub struct Scope<'a> {
    pub id: DeclId,
    pub file: FileId,
    pub kind: DeclKind,
    pub inputs: BTreeMap<String, (FieldTy, Span)>,
    pub pipeline_inputs: BTreeMap<String, (FieldTy, Span)>,
    pub items: BTreeMap<String, ItemRef<'a>>,
    pub values: BTreeMap<String, Value>,
    /// Loop variables, innermost last.
    pub locals: Vec<(String, Value)>,
    pub requirements: Vec<Requirement>,
    pub targets: Targets,
    /// Environment outputs already reported, so each is reported once.
    pub reported: BTreeSet<String>,
    /// True inside `pipeline { … }`, where secrets would end up in logs.
    pub in_pipeline: bool,
    /// In a `run` command of a loop's stage after a deploy: `VAR.outputs.NAME` may be
    /// interpolated (see `pipeline_loop`).
    pub pipeline_outputs: bool,
    /// In a stage of a loop after a deploy.
    pub pipeline_deployed: bool,
    /// Above zero while checking a condition (see `Checker::condition`).
    pub in_condition: u32,
    /// The context names the declaration reads (`service.name`, …).
    pub context: BTreeSet<ContextName>,
    /// Paths (`input.name`, `x.field`) a condition around the expression being
    /// checked has proven non-null: a `T?` there reads as `T` (flow narrowing).
    pub narrowed: Vec<String>,
    /// Inside a resource that exists for one target only (its type's, under
    /// `when target == …`): what only the other target refuses does not apply.
    pub only: Option<Target>,
}

impl<'a> Scope<'a> {
    pub fn empty(id: DeclId, kind: DeclKind) -> Scope<'a> {
        Scope {
            id,
            file: id.file,
            kind,
            inputs: BTreeMap::new(),
            pipeline_inputs: BTreeMap::new(),
            items: BTreeMap::new(),
            values: BTreeMap::new(),
            locals: Vec::new(),
            requirements: Vec::new(),
            targets: Targets::default(),
            reported: BTreeSet::new(),
            in_pipeline: false,
            pipeline_outputs: false,
            pipeline_deployed: false,
            in_condition: 0,
            context: BTreeSet::new(),
            narrowed: Vec::new(),
            only: None,
        }
    }

    pub fn supports_cloudformation(&self) -> bool {
        self.targets.supports(Target::CloudFormation)
            && self.only.is_none_or(|t| t == Target::CloudFormation)
    }
}

/// Where a value is going, for messages and for the rules on secrets.
#[derive(Clone, Copy)]
pub enum Sink<'s> {
    /// A resource property, or a place inside one.
    Property(PropertySink<'s>),
    /// A module argument (secrets allowed where the input is a `Secret`).
    Argument(&'s str),
    Output(&'s str),
    Default(&'s str),
    Let(&'s str),
}

/// A place in a resource's property a value is written to. A secret may go only
/// where the catalog says the provider never shows it ([`ResourceSchema::takes_secret`]),
/// or into a resource whose type formwork cannot see into (`untyped`, custom
/// resources), which then counts as holding the secret.
#[derive(Clone, Copy)]
pub struct PropertySink<'s> {
    /// The top-level property, as messages name it.
    pub name: &'s str,
    /// The dotted path from it (`LoginProfile.Password`; `*` for a list element).
    pub path: &'s str,
    pub schema: &'static resources::ResourceSchema,
    /// The resource the property belongs to (its `when` narrows what inputs can be).
    pub resource: &'s ast::Resource,
    /// The resource may hand back what it is given (a custom resource's attributes).
    pub echoes: bool,
}

impl PropertySink<'_> {
    fn takes_secret(&self) -> bool {
        self.echoes || self.schema.takes_secret(self.path)
    }
}

impl Sink<'_> {
    fn describe(&self) -> String {
        match self {
            Sink::Property(p) => format!("property `{}`", p.name),
            Sink::Argument(a) => format!("argument `{a}`"),
            Sink::Output(o) => format!("output `{o}`"),
            Sink::Default(i) => format!("the default of `{i}`"),
            Sink::Let(l) => format!("`let {l}`"),
        }
    }
}

impl<'p> Checker<'p> {
    pub(crate) fn check_decl(&mut self, id: DeclId) -> Signature {
        let program: &'p Program = self.program;
        let Some(decl) = program.decl(id) else {
            return Signature::default();
        };
        let mut sc = Scope::empty(id, decl.kind);
        self.check_settings(decl);
        self.collect_inputs(&mut sc, decl);
        self.collect_requirements(&mut sc, decl);
        self.collect_items(&mut sc, decl);
        sc.targets = self.infer_targets(&sc, decl);
        let order = self.dependency_order(&sc);
        for name in order {
            let Some(item) = sc.items.get(&name).copied() else {
                continue;
            };
            let value = match item {
                ItemRef::Let(l) => self.check_let(&mut sc, l),
                ItemRef::Resource(r) => self.check_resource(&mut sc, r),
                ItemRef::Use(u) => self.check_use(&mut sc, u),
            };
            sc.values.insert(name, value);
        }
        let outputs = self.check_outputs(&mut sc, decl);
        let pipelines: Vec<&ast::PipelineBlock> = decl
            .body
            .iter()
            .filter_map(|item| match item {
                BodyItem::Pipeline(p) => Some(p),
                _ => None,
            })
            .collect();
        let output_types = outputs
            .iter()
            .map(|(k, (t, _, _))| (k.clone(), t.clone()))
            .collect();
        self.check_pipelines(&mut sc, &pipelines, output_types);
        self.check_declared_targets(&sc, decl);
        Signature {
            inputs: sc.inputs,
            pipeline_inputs: sc.pipeline_inputs,
            outputs,
            targets: sc.targets,
            context: sc.context,
        }
    }

    fn check_settings(&mut self, decl: &Decl) {
        let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
        let mut version_seen = false;
        for item in &decl.body {
            let BodyItem::Attribute(a) = item else {
                continue;
            };
            let name = a.name.name.as_str();
            if let Some(first) = seen.insert(name, a.name.span) {
                self.repeated(&format!("`{name}`"), "set", a.name.span, first);
                continue;
            }
            if !SETTINGS.contains(&name) {
                let d =
                    Diagnostic::new(codes::UNKNOWN_SETTING, format!("unknown setting `{name}`"))
                        .with_primary(
                            a.name.span,
                            format!("a {} has no such setting", decl.kind.keyword()),
                        );
                let d = match did_you_mean(name, SETTINGS.iter().copied()) {
                    Some(s) => {
                        version_seen |= s == "version";
                        d.with_help(format!("did you mean `{s}`?"))
                    }
                    None => d.with_help("settings are `version`, `description` and `targets`; a value to compute is a `let`"),
                };
                self.diags.push(d);
                continue;
            }
            let plain = match &a.value.kind {
                ExprKind::String(s) => s.as_plain(),
                _ => None,
            };
            match name {
                "version" => {
                    version_seen = true;
                    if decl.kind == DeclKind::Module {
                        continue;
                    }
                    if plain.as_deref().and_then(Version::parse).is_none() {
                        self.diags.push(
                            Diagnostic::new(
                                codes::INVALID_VERSION_SETTING,
                                "a template version is `MAJOR.MINOR`",
                            )
                            .with_primary(a.value.span, "not a `MAJOR.MINOR` version string")
                            .with_help("write it like `version = \"2.1\"`"),
                        );
                    }
                }
                "description" if plain.is_none() => {
                    self.diags.push(
                        Diagnostic::new(codes::TYPE_MISMATCH, "a description is a plain string")
                            .with_primary(a.value.span, "expected a string without interpolation"),
                    );
                }
                _ => {}
            }
        }
        if !version_seen && decl.kind != DeclKind::Module {
            self.diags.push(
                Diagnostic::new(codes::MISSING_VERSION, format!("{} `{}` has no version", decl.kind.keyword(), decl.name.as_plain().unwrap_or_default()))
                    .with_primary(decl.name.span, "add `version = \"MAJOR.MINOR\"` to this template")
                    .with_help("templates are versioned so that specs and services can pin what they use; start at `version = \"1.0\"`"),
            );
        }
    }

    fn collect_inputs(&mut self, sc: &mut Scope<'_>, decl: &Decl) {
        for item in &decl.body {
            let BodyItem::Input(block) = item else {
                continue;
            };
            for f in &block.fields {
                let ty = self.lower_type(sc.file, &f.ty);
                let target = if block.pipeline {
                    &mut sc.pipeline_inputs
                } else {
                    &mut sc.inputs
                };
                if let Some((_, first)) = target.get(f.name.name.as_str()) {
                    let first = *first;
                    self.repeated(
                        &format!("input `{}`", f.name.name),
                        "declared",
                        f.name.span,
                        first,
                    );
                    continue;
                }
                if let Some(d) = &f.default {
                    self.check_default(sc.file, d, &ty, &f.name.name, f.ty.span);
                }
                let optional = f.default.is_some() || matches!(ty, Ty::Optional(_));
                let target = if block.pipeline {
                    &mut sc.pipeline_inputs
                } else {
                    &mut sc.inputs
                };
                target.insert(
                    f.name.name.to_string(),
                    (FieldTy { ty, optional }, f.name.span),
                );
            }
        }
    }

    /// Checks a default against its field's type: its type, and, as it is a constant,
    /// every refinement.
    pub(crate) fn check_default(
        &mut self,
        file: FileId,
        d: &Expr,
        ty: &Ty,
        name: &str,
        ty_span: Span,
    ) {
        let mut names = Vec::new();
        free_names(d, &mut names);
        if let Some((first, span)) = names.first() {
            self.diags.push(
                Diagnostic::new(
                    codes::INVALID_DEFAULT,
                    format!("the default of `{name}` is not a constant"),
                )
                .with_primary(
                    *span,
                    format!("reads `{first}`: a default must be written out, not computed"),
                )
                .with_help("compute derived values with `let`, from the input"),
            );
            return;
        }
        let mut scope = Scope::empty(
            DeclId {
                file,
                item: usize::MAX,
            },
            DeclKind::Module,
        );
        let v = self.expr(&mut scope, d);
        if v.is_poison() || ty.is_poison() {
            return;
        }
        if !v.stage.is_compile_time()
            || v.constant.is_none()
                && !matches!(v.ty, Ty::Error)
                && !matches!(d.kind, ExprKind::List { .. } | ExprKind::Map { .. })
        {
            self.diags.push(
                Diagnostic::new(
                    codes::INVALID_DEFAULT,
                    format!("the default of `{name}` is not a constant"),
                )
                .with_primary(d.span, "a default must be written out, not computed")
                .with_help("compute derived values with `let`"),
            );
            return;
        }
        if !v.ty.is_subtype_of(ty) {
            self.diags.push(
                Diagnostic::new(
                    codes::INVALID_DEFAULT,
                    format!("the default of `{name}` is not {}", crate::types::an(ty)),
                )
                .with_primary(
                    d.span,
                    format!("this is {}", crate::types::an(&v.ty.base())),
                )
                .with_secondary(ty_span, format!("`{name}` is declared as `{ty}`")),
            );
            return;
        }
        if let Some(c) = &v.constant
            && let Err(m) = conform(c, ty)
        {
            self.diags.push(
                Diagnostic::new(
                    codes::INVALID_DEFAULT,
                    format!("the default of `{name}` {}", describe(&m, ty)),
                )
                .with_primary(d.span, "this default is not allowed by the type")
                .with_secondary(ty_span, format!("`{name}` is declared as `{ty}`")),
            );
        }
    }

    fn collect_requirements(&mut self, sc: &mut Scope<'_>, decl: &Decl) {
        for item in &decl.body {
            let BodyItem::Requires(r) = item else {
                continue;
            };
            if decl.kind != DeclKind::Service {
                self.diags.push(
                    Diagnostic::new(
                        codes::REQUIRES_OUTSIDE_SERVICE,
                        format!(
                            "{} cannot require an environment",
                            crate::types::article(decl.kind.keyword())
                        ),
                    )
                    .with_primary(r.span, "only services are deployed into environments")
                    .with_help(if decl.kind == DeclKind::Module {
                        "remove this line; a module receives what it needs as inputs"
                    } else {
                        "remove this line; services require environments, not the other way round"
                    }),
                );
                continue;
            }
            let Some(name) = r.name.as_plain() else {
                continue;
            };
            let versions = self.program.versions_of(DeclKind::Environment, &name);
            if versions.is_empty() {
                let known: Vec<&str> = self
                    .program
                    .templates
                    .keys()
                    .filter(|(k, _)| *k == DeclKind::Environment)
                    .map(|(_, n)| n.as_str())
                    .collect();
                let d = Diagnostic::new(
                    codes::UNKNOWN_ENVIRONMENT_TEMPLATE,
                    format!("no environment template named `{name}`"),
                )
                .with_primary(
                    r.name.span,
                    "the workspace has no such environment template",
                );
                let d = match did_you_mean(&name, known.iter().copied()) {
                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                    None => d,
                };
                self.diags.push(d);
                sc.requirements.push(Requirement {
                    name,
                    span: r.name.span,
                    admitted: Vec::new(),
                });
                continue;
            }
            let admitted: Vec<(Version, DeclId)> = versions
                .iter()
                .filter_map(|(v, id)| v.map(|v| (v, *id)))
                .filter(|(v, _)| versions::admits(&r.constraint, *v))
                .collect();
            if admitted.is_empty() {
                let known: Vec<String> = versions
                    .iter()
                    .filter_map(|(v, _)| v.map(|v| v.to_string()))
                    .collect();
                self.diags.push(
                    Diagnostic::new(
                        codes::NO_MATCHING_VERSION,
                        format!("no version of `{name}` satisfies this constraint"),
                    )
                    .with_primary(r.constraint.span, "admits no known version")
                    .with_note(format!(
                        "known versions of `{name}`: {}",
                        if known.is_empty() {
                            "none".to_string()
                        } else {
                            known.join(", ")
                        }
                    ))
                    .with_help("widen the constraint, or publish a version it admits"),
                );
            }
            sc.requirements.push(Requirement {
                name,
                span: r.name.span,
                admitted,
            });
        }
    }

    fn collect_items<'a>(&mut self, sc: &mut Scope<'a>, decl: &'a Decl) {
        for item in &decl.body {
            let r = match item {
                BodyItem::Let(l) => ItemRef::Let(l),
                BodyItem::Resource(r) => ItemRef::Resource(r),
                BodyItem::Use(u) => ItemRef::Use(u),
                _ => continue,
            };
            let name = r.name();
            if RESERVED.contains(&name.name.as_str()) {
                self.diags.push(
                    Diagnostic::new(
                        codes::RESERVED_NAME,
                        format!("`{}` is a built-in name", name.name),
                    )
                    .with_primary(name.span, "cannot be defined here")
                    .with_help("pick another name"),
                );
                continue;
            }
            if let Some(first) = sc.items.get(name.name.as_str()) {
                let first = first.name().span;
                self.diags.push(
                    Diagnostic::new(
                        codes::DUPLICATE_DEFINITION,
                        format!("`{}` is defined twice", name.name),
                    )
                    .with_primary(name.span, "defined again here")
                    .with_secondary(first, "first defined here")
                    .with_help("`let`s, resources and module uses share one namespace; rename one"),
                );
                continue;
            }
            sc.items.insert(name.name.to_string(), r);
        }
    }

    fn infer_targets(&mut self, sc: &Scope<'_>, decl: &Decl) -> Targets {
        let mut t = Targets::default();
        for item in &decl.body {
            match item {
                BodyItem::Resource(r) => {
                    let own = Target::of_resource_type(&r.ty.name);
                    for present in present_for(r.condition.as_ref()) {
                        if present != own {
                            t.forbid(
                                present,
                                Forbidden {
                                    by: format!(
                                        "the resource `{}` (`{}`, a {} type)",
                                        r.name.name,
                                        r.ty.name,
                                        own.display()
                                    ),
                                    span: r.ty.span,
                                },
                            );
                        }
                    }
                }
                BodyItem::Use(u) => {
                    let Some(module) = self.find_module(sc.file, &u.module) else {
                        continue;
                    };
                    let Some(sig) = self.signature(module) else {
                        continue;
                    };
                    for target in Target::ALL {
                        if let Some(f) = sig.targets.forbidden(target) {
                            t.forbid(
                                target,
                                Forbidden {
                                    by: format!(
                                        "the module `{}` (because of {})",
                                        u.name.name, f.by
                                    ),
                                    span: u.span,
                                },
                            );
                        }
                    }
                }
                _ => {}
            }
        }
        t
    }

    /// `id = "PingSNSTopic"`: a name written in the template, valid for the
    /// resource's target (`E0228`). Unique names are checked where names are made
    /// (`E0502`).
    fn check_chosen_id(&mut self, sc: &mut Scope<'_>, r: &ast::Resource, a: &ast::Attribute) {
        let v = self.expr(sc, &a.value);
        let target = Target::of_resource_type(&r.ty.name);
        let text = match &v.constant {
            Some(Const::Lit(Lit::String(s))) if v.stage == Stage::Const => s.clone(),
            _ if v.ty == Ty::Error => return,
            _ => {
                self.diags.push(
                    Diagnostic::new(
                        codes::INVALID_RESOURCE_ID,
                        format!("the `id` of resource `{}` must be a string written in the template", r.name.name),
                    )
                    .with_primary(a.value.span, "not a constant string")
                    .with_help(format!(
                        "a resource's name in the output must not change from one instance or deploy to the next: write it out, like `id = \"{}\"`",
                        match target {
                            Target::CloudFormation => pascal(&r.name.name),
                            Target::Terraform => r.name.name.to_string(),
                        }
                    )),
                );
                return;
            }
        };
        let problem = match target {
            Target::CloudFormation => {
                if text.is_empty() || text.len() > 255 {
                    Some("a CloudFormation logical ID has 1 to 255 characters")
                } else if !text.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    Some("a CloudFormation logical ID has letters and digits only")
                } else {
                    None
                }
            }
            Target::Terraform => {
                let first_ok = text
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
                if !first_ok {
                    Some("a Terraform name starts with a letter or `_`")
                } else if !text
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                {
                    Some("a Terraform name has letters, digits, `_` and `-` only")
                } else {
                    None
                }
            }
        };
        if let Some(why) = problem {
            let fixed: String = match target {
                Target::CloudFormation => pascal(&text),
                Target::Terraform => text
                    .chars()
                    .map(|c| {
                        if c.is_ascii_alphanumeric() || c == '-' {
                            c
                        } else {
                            '_'
                        }
                    })
                    .collect(),
            };
            let d = Diagnostic::new(
                codes::INVALID_RESOURCE_ID,
                format!("`{text}` cannot name a {} resource", target.display()),
            )
            .with_primary(a.value.span, why);
            let fixed = if target == Target::Terraform
                && !fixed.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            {
                format!("r_{fixed}")
            } else {
                fixed
            };
            let d = if fixed.is_empty() || fixed == text {
                d
            } else {
                d.with_help(format!("write `id = \"{fixed}\"`"))
            };
            self.diags.push(d);
        }
    }

    fn check_declared_targets(&mut self, sc: &Scope<'_>, decl: &Decl) {
        // Each target forbidden by something: the template compiles to neither.
        if let (Some(cfn), Some(tf)) = (
            sc.targets.forbidden(Target::CloudFormation),
            sc.targets.forbidden(Target::Terraform),
        ) {
            let (first, second) = if cfn.span.start <= tf.span.start {
                ((cfn, Target::CloudFormation), (tf, Target::Terraform))
            } else {
                ((tf, Target::Terraform), (cfn, Target::CloudFormation))
            };
            self.diags.push(
                Diagnostic::new(
                    codes::TARGET_NOT_SUPPORTED,
                    format!(
                        "this {} cannot be compiled to any target",
                        decl.kind.keyword()
                    ),
                )
                .with_primary(
                    second.0.span,
                    format!("{} keeps it from {}", second.0.by, second.1.display()),
                )
                .with_secondary(
                    first.0.span,
                    format!("{} keeps it from {}", first.0.by, first.1.display()),
                )
                .with_help(
                    "a template is compiled to one target: keep what that target has (CloudFormation types and `aws.stack_name`, or Terraform types); a module can hold both, each under `when target == …`",
                ),
            );
        }
        for item in &decl.body {
            let BodyItem::Attribute(a) = item else {
                continue;
            };
            if a.name.name != "targets" {
                continue;
            }
            let ExprKind::List { items, .. } = &a.value.kind else {
                self.diags.push(
                    Diagnostic::new(codes::TYPE_MISMATCH, "`targets` is a list of target names")
                        .with_primary(
                            a.value.span,
                            "expected a list like `[\"cloudformation\", \"terraform\"]`",
                        ),
                );
                continue;
            };
            for e in items {
                let name = match &e.kind {
                    ExprKind::String(s) => s.as_plain(),
                    _ => None,
                };
                let Some(target) = name.as_deref().and_then(Target::parse) else {
                    self.diags.push(
                        Diagnostic::new(codes::TYPE_MISMATCH, "unknown target")
                            .with_primary(e.span, "expected \"cloudformation\" or \"terraform\""),
                    );
                    continue;
                };
                if let Some(f) = sc.targets.forbidden(target) {
                    self.diags.push(
                        Diagnostic::new(
                            codes::TARGET_NOT_SUPPORTED,
                            format!(
                                "this {} cannot be compiled to {}",
                                decl.kind.keyword(),
                                target.display()
                            ),
                        )
                        .with_primary(e.span, format!("{} is asked for here", target.display()))
                        .with_secondary(f.span, format!("{} forbids it", f.by))
                        .with_help(format!(
                            "use {} resource types, or a portable stdlib module",
                            target.display()
                        )),
                    );
                }
            }
        }
    }

    /// The order to check `let`s, resources and uses in (dependencies first), after
    /// reporting each dependency cycle once, with its whole path.
    fn dependency_order(&mut self, sc: &Scope<'_>) -> Vec<String> {
        let mut graph: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut first_ref: BTreeMap<(String, String), Span> = BTreeMap::new();
        for (name, item) in &sc.items {
            let mut refs = Vec::new();
            match item {
                ItemRef::Let(l) => free_names(&l.value, &mut refs),
                ItemRef::Resource(r) => {
                    if let Some(c) = &r.condition {
                        free_names(c, &mut refs);
                    }
                    if let Some(f) = &r.for_each {
                        free_names(&f.collection, &mut refs);
                    }
                    for a in &r.body {
                        free_names(&a.value, &mut refs);
                    }
                }
                ItemRef::Use(u) => {
                    for a in &u.args {
                        free_names(&a.value, &mut refs);
                    }
                }
            }
            let mut deps_of = Vec::new();
            for (dep, span) in refs {
                if sc.items.contains_key(&dep) {
                    first_ref.entry((name.clone(), dep.clone())).or_insert(span);
                    if !deps_of.contains(&dep) {
                        deps_of.push(dep);
                    }
                }
            }
            graph.insert(name.clone(), deps_of);
        }
        for cycle in deps::cycles(&graph) {
            let Some(first) = cycle.first() else { continue };
            let next = cycle.get(1).unwrap_or(first);
            let span = first_ref
                .get(&(first.clone(), next.clone()))
                .copied()
                .unwrap_or_default();
            let path: Vec<String> = cycle
                .iter()
                .chain(std::iter::once(first))
                .map(|n| format!("`{n}`"))
                .collect();
            let kinds: BTreeSet<&str> = cycle
                .iter()
                .filter_map(|n| sc.items.get(n))
                .map(|i| match i {
                    ItemRef::Let(_) => "let",
                    ItemRef::Resource(_) => "resource",
                    ItemRef::Use(_) => "use",
                })
                .collect();
            let what = if kinds.len() == 1 && kinds.contains("resource") {
                "resources depend on each other in a cycle"
            } else if kinds.len() == 1 && kinds.contains("let") {
                "`let`s depend on each other in a cycle"
            } else {
                "definitions depend on each other in a cycle"
            };
            let d = Diagnostic::new(codes::DEPENDENCY_CYCLE, what)
                .with_primary(span, format!("`{first}` depends on `{next}` here"))
                .with_note(format!("the cycle: {}", path.join(" → ")));
            let d = if kinds.contains("resource") {
                d.with_help("no deploy order exists: break the cycle, for example by moving the dependency to a separate resource (a security-group rule instead of an inline rule)")
            } else {
                d.with_help("a value cannot be computed from itself; break the cycle")
            };
            self.diags.push(d);
        }
        deps::order(&graph)
    }

    fn check_let(&mut self, sc: &mut Scope<'_>, l: &ast::Let) -> Value {
        if let Some(t) = &l.ty {
            let ty = self.lower_type(sc.file, t);
            let v = self.expect_expr(sc, &l.value, &ty, Sink::Let(&l.name.name));
            return Value { ty, ..v };
        }
        let v = self.expr(sc, &l.value);
        match v.secret {
            Some(ref trail) => Value {
                secret: Some(trail.through(format!("`let {}`", l.name.name))),
                ..v
            },
            None => v,
        }
    }

    fn check_outputs(
        &mut self,
        sc: &mut Scope<'_>,
        decl: &Decl,
    ) -> BTreeMap<String, (Ty, Stage, Span)> {
        let mut outputs: BTreeMap<String, (Ty, Stage, Span)> = BTreeMap::new();
        for item in &decl.body {
            let BodyItem::Output(o) = item else { continue };
            if let Some((_, _, first)) = outputs.get(o.name.name.as_str()) {
                let first = *first;
                self.repeated(
                    &format!("output `{}`", o.name.name),
                    "declared",
                    o.name.span,
                    first,
                );
                continue;
            }
            let declared = o.ty.as_ref().map(|t| self.lower_type(sc.file, t));
            let before = self.diags.len();
            let v = match &declared {
                Some(ty) => self.expect_expr(sc, &o.value, ty, Sink::Output(&o.name.name)),
                None => self.expr(sc, &o.value),
            };
            let reported = self.diags[before..]
                .iter()
                .any(|d| d.code == codes::SECRET_LEAK);
            if !reported && (declared.as_ref() == Some(&Ty::Secret) || v.is_secret()) {
                let trail = v.secret_description();
                self.diags.push(
                    Diagnostic::new(codes::SECRET_LEAK, format!("output `{}` would publish a secret", o.name.name))
                        .with_primary(o.value.span, format!("this value is secret: {trail}"))
                        .with_note("outputs are stored and shown in plain text by CloudFormation and Terraform")
                        .with_help("output the secret's ARN or name, and let consumers read it from the secret store"),
                );
            }
            let ty = declared.unwrap_or_else(|| v.ty.clone());
            outputs.insert(o.name.name.to_string(), (ty, v.stage.clone(), o.name.span));
        }
        outputs
    }

    /// Finds the module a `use` names: in the same file, through an import alias, or
    /// in the standard library (`std.aws.fargate_service`).
    pub(crate) fn find_module(&self, file: FileId, path: &[Ident]) -> Option<DeclId> {
        let in_file = |f: FileId, name: &str| -> Option<DeclId> {
            let src = self.program.file(f)?;
            src.ast
                .items
                .iter()
                .enumerate()
                .find_map(|(i, item)| match item {
                    Item::Decl(d)
                        if d.kind == DeclKind::Module
                            && d.name.as_plain().as_deref() == Some(name) =>
                    {
                        Some(DeclId { file: f, item: i })
                    }
                    _ => None,
                })
        };
        match path {
            [name] => in_file(file, &name.name),
            [alias, name] => {
                let target = self
                    .program
                    .file(file)?
                    .imports
                    .get(alias.name.as_str())
                    .copied()
                    .or_else(|| self.std_import(file, &alias.name))?;
                in_file(target, &name.name)
            }
            [std, pkg, name] if std.name == "std" => {
                let f = self.program.std_file(&["std", &pkg.name])?.id;
                in_file(f, &name.name)
            }
            _ => None,
        }
    }

    /// Whether `file` has an `import … as alias` (resolved or not).
    fn import_declared(&self, file: FileId, alias: &str) -> bool {
        self.program.file(file).is_some_and(|f| {
            f.ast.items.iter().any(|i| match i {
                Item::Import(imp) => imp.alias.as_ref().is_some_and(|a| a.name == alias),
                _ => false,
            })
        })
    }

    fn module_names(&self, file: FileId) -> Vec<String> {
        let mut out = Vec::new();
        for f in self.program.files.values() {
            let prefix = match &f.std_path {
                Some(p) => format!("{}.", p.join(".")),
                None if f.id == file => String::new(),
                None => match self
                    .program
                    .file(file)
                    .and_then(|me| me.imports.iter().find(|(_, id)| **id == f.id))
                {
                    Some((alias, _)) => format!("{alias}."),
                    None => continue,
                },
            };
            for item in &f.ast.items {
                if let Item::Decl(d) = item
                    && d.kind == DeclKind::Module
                    && let Some(n) = d.name.as_plain()
                {
                    out.push(format!("{prefix}{n}"));
                }
            }
        }
        out
    }

    fn check_use(&mut self, sc: &mut Scope<'_>, u: &ast::Use) -> Value {
        let written = u
            .module
            .iter()
            .map(|i| i.name.as_str())
            .collect::<Vec<_>>()
            .join(".");
        let module_span = u
            .module
            .first()
            .map(|f| f.span.to(u.module.last().map_or(f.span, |l| l.span)))
            .unwrap_or(u.span);
        let Some(module) = self.find_module(sc.file, &u.module) else {
            // An alias whose import could not be resolved was reported there.
            if let [alias, _] = u.module.as_slice()
                && self.import_declared(sc.file, &alias.name)
            {
                return Value::poison();
            }
            let names = self.module_names(sc.file);
            let d = Diagnostic::new(codes::UNKNOWN_MODULE, format!("unknown module `{written}`"))
                .with_primary(module_span, "no module has this name");
            let d = match did_you_mean(&written, names.iter().map(String::as_str)) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help("modules are declared with `module \"name\" { … }` in this file, an imported file (`alias.name`), or the standard library (`std.aws.name`)"),
            };
            self.diags.push(d);
            for a in &u.args {
                self.expr(sc, &a.value);
            }
            return Value::poison();
        };
        let Some(sig) = self.signature(module) else {
            self.diags.push(
                Diagnostic::new(
                    codes::DEPENDENCY_CYCLE,
                    format!("module `{written}` uses itself"),
                )
                .with_primary(
                    module_span,
                    "this use leads back to the module being checked",
                )
                .with_help("a module cannot contain itself"),
            );
            return Value::poison();
        };
        let mut given: BTreeMap<&str, Span> = BTreeMap::new();
        let mut suggested: Vec<String> = Vec::new();
        for a in &u.args {
            if let Some(first) = given.insert(&a.name.name, a.name.span) {
                self.repeated(
                    &format!("argument `{}`", a.name.name),
                    "given",
                    a.name.span,
                    first,
                );
                continue;
            }
            match sig.inputs.get(a.name.name.as_str()) {
                Some((field, declared)) => {
                    let ty = field.ty.clone();
                    let declared = *declared;
                    let v = self.expect_expr(sc, &a.value, &ty, Sink::Argument(&a.name.name));
                    let _ = (v, declared);
                }
                None => {
                    let d = Diagnostic::new(
                        codes::UNKNOWN_MODULE_ARGUMENT,
                        format!("module `{written}` has no input `{}`", a.name.name),
                    )
                    .with_primary(a.name.span, "unknown argument");
                    let d = match did_you_mean(&a.name.name, sig.inputs.keys().map(String::as_str))
                    {
                        Some(s) => {
                            suggested.push(s.to_string());
                            d.with_help(format!("did you mean `{s}`?"))
                        }
                        None => d.with_note(format!(
                            "its inputs are: {}",
                            sig.inputs
                                .keys()
                                .map(|k| format!("`{k}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )),
                    };
                    self.diags.push(d);
                    self.expr(sc, &a.value);
                }
            }
        }
        let missing: Vec<(&String, Span)> = sig
            .inputs
            .iter()
            .filter(|(k, (f, _))| {
                !f.optional && !given.contains_key(k.as_str()) && !suggested.contains(k)
            })
            .map(|(k, (_, s))| (k, *s))
            .collect();
        if let Some((_, first_decl)) = missing.first() {
            let names: Vec<String> = missing.iter().map(|(k, _)| format!("`{k}`")).collect();
            self.diags.push(
                Diagnostic::new(
                    codes::MISSING_MODULE_ARGUMENT,
                    format!("module `{written}` needs {}", names.join(", ")),
                )
                .with_primary(u.name.span, "required inputs are not given")
                .with_secondary(*first_decl, "declared here without a default")
                .with_help(format!(
                    "add {}",
                    missing
                        .iter()
                        .map(|(k, _)| format!("`{k} = …`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            );
        }
        Value::new(
            Ty::Module(module),
            Stage::Deploy(crate::types::value::DeployOrigin {
                what: format!("the module `{}`", u.name.name),
                span: u.name.span,
            }),
        )
    }

    fn check_resource(&mut self, sc: &mut Scope<'_>, r: &ast::Resource) -> Value {
        let narrowed = sc.narrowed.len();
        let own = Target::of_resource_type(&r.ty.name);
        let outer = sc.only;
        if present_for(r.condition.as_ref()).contains(&own) {
            sc.only = Some(own);
        }
        let value = self.check_resource_guarded(sc, r);
        sc.only = outer;
        sc.narrowed.truncate(narrowed);
        value
    }

    /// A resource, its `when` narrowing what it proves non-null in the rest of it.
    fn check_resource_guarded(&mut self, sc: &mut Scope<'_>, r: &ast::Resource) -> Value {
        if let Some(c) = &r.condition {
            let v = self.condition(sc, c);
            self.require_condition(&v, c, "a resource's `when` condition");
            crate::types::narrow::facts(c, true, &mut sc.narrowed);
        }
        let mut bound = 0;
        let mut collection_ty = None;
        if let Some(f) = &r.for_each {
            let v = self.expr(sc, &f.collection);
            if let Some(o) = v.stage.deploy_origin() {
                self.diags.push(
                    Diagnostic::new(
                        codes::DEPLOY_TIME_CONDITION,
                        format!(
                            "resource `{}` is repeated over a value known only at deploy time",
                            r.name.name
                        ),
                    )
                    .with_primary(
                        f.collection.span,
                        "the number of copies must be known when compiling",
                    )
                    .with_secondary(
                        o.span,
                        format!("{} is known only when the stack deploys", o.what),
                    )
                    .with_help("repeat over an input or a literal list"),
                );
            }
            bound = self.bind_loop(sc, f, &v);
            collection_ty = Some(v.ty.unrefined().clone());
        }
        let outer = self.secret_given.take();
        self.check_resource_body(sc, r);
        let given = std::mem::replace(&mut self.secret_given, outer);
        sc.locals.truncate(sc.locals.len() - bound);
        let one = Ty::Resource {
            type_name: r.ty.name.clone(),
            untyped: r.ty.untyped,
        };
        let origin = crate::types::value::DeployOrigin {
            what: format!("the resource `{}`", r.name.name),
            span: r.name.span,
        };
        let mut value = match collection_ty {
            None => Value::new(one, Stage::Deploy(origin)),
            Some(Ty::Map(_) | Ty::Record(_)) => Value::new(Ty::map(one), Stage::Const),
            Some(_) => Value::new(Ty::list(one), Stage::Const),
        };
        // What a custom or untyped resource was given, it may hand back: everything
        // read from it is secret.
        value.secret = given.map(|t| t.through(format!("resource `{}`", r.name.name)));
        value
    }

    fn check_resource_body(&mut self, sc: &mut Scope<'_>, r: &ast::Resource) {
        let meta = |n: &str| matches!(n, "depends_on" | "lifecycle" | "id");
        if let Some(a) = r.body.iter().find(|a| a.name.name == "id") {
            self.check_chosen_id(sc, r, a);
        }
        if r.ty.untyped {
            self.diags.push(
                Diagnostic::new(
                    codes::UNTYPED_RESOURCE,
                    format!(
                        "resource `{}` is untyped: its properties are not checked",
                        r.name.name
                    ),
                )
                .with_primary(r.ty.span, "`untyped` turns off checking")
                .with_help("remove `untyped` once formwork knows this type"),
            );
            for a in &r.body {
                let v = self.expr(sc, &a.value);
                self.note_secret_given(&v, a.value.span);
            }
            return;
        }
        let Some(schema) = resources::lookup(&r.ty.name) else {
            let target = Target::of_resource_type(&r.ty.name);
            let catalog = match target {
                Target::CloudFormation => resources::Catalog::cloudformation(),
                Target::Terraform => resources::Catalog::terraform(),
            };
            let d = Diagnostic::new(
                codes::UNKNOWN_RESOURCE_TYPE,
                format!("unknown {} resource type `{}`", target.display(), r.ty.name),
            )
            .with_primary(r.ty.span, "no such resource type");
            let d = match did_you_mean(&r.ty.name, catalog.type_names()) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help(format!("write `untyped {}` to use a type formwork has no schema for; its properties are then not checked", r.ty.name)),
            };
            self.diags.push(d.with_note(format!(
                "the {} catalog: {}",
                target.display(),
                catalog.source()
            )));
            for a in &r.body {
                self.expr(sc, &a.value);
            }
            return;
        };
        let mut given: BTreeMap<&str, Span> = BTreeMap::new();
        let mut suggested: Vec<&str> = Vec::new();
        for a in &r.body {
            let name = a.name.name.as_str();
            if let Some(first) = given.insert(name, a.name.span) {
                self.repeated(&format!("property `{name}`"), "set", a.name.span, first);
                continue;
            }
            if meta(name) {
                self.expr(sc, &a.value);
                continue;
            }
            let prop = schema.properties.get(name);
            if prop.is_none() && schema.additional_properties.is_none() {
                let d = Diagnostic::new(
                    codes::UNKNOWN_PROPERTY,
                    format!("`{}` has no property `{name}`", r.ty.name),
                )
                .with_primary(a.name.span, "unknown property");
                let d = match did_you_mean(name, schema.settable_properties()) {
                    Some(s) => {
                        suggested.push(s);
                        d.with_help(format!("did you mean `{s}`?"))
                    }
                    None => d,
                };
                self.diags.push(d);
                self.expr(sc, &a.value);
                continue;
            }
            if prop.is_some_and(|p| p.read_only) {
                self.diags.push(
                    Diagnostic::new(
                        codes::READ_ONLY_PROPERTY,
                        format!("`{name}` of `{}` is read-only", r.ty.name),
                    )
                    .with_primary(a.name.span, "set by the provider, not by templates")
                    .with_help(format!("read it instead, as `{}.{name}`", r.name.name)),
                );
                self.expr(sc, &a.value);
                continue;
            }
            if prop.is_some_and(|p| p.deprecated) {
                self.diags.push(
                    Diagnostic::new(
                        codes::DEPRECATED_ARGUMENT,
                        format!("`{name}` of `{}` is deprecated", r.ty.name),
                    )
                    .with_primary(a.name.span, "deprecated by the provider")
                    .with_note(format!(
                        "the provider's schema marks it deprecated ({}): it works today and may be removed in a later major version",
                        resources::Catalog::terraform().source()
                    ))
                    .with_help(format!("see the provider's documentation of `{}` for what replaces it", r.ty.name)),
                );
            }
            let ty = match (prop, &schema.additional_properties) {
                // A property that may be left out takes a `T?`: null leaves it out.
                (Some(p), _) if !p.required => Ty::optional(p.ty.clone()),
                (Some(p), _) => p.ty.clone(),
                (None, Some(t)) => t.clone(),
                (None, None) => Ty::Any,
            };
            let sink = PropertySink {
                name,
                path: name,
                schema,
                resource: r,
                echoes: schema.additional_properties.is_some(),
            };
            self.expect_expr(sc, &a.value, &ty, Sink::Property(sink));
        }
        let missing: Vec<&str> = schema
            .properties
            .iter()
            .filter(|(k, p)| {
                p.required && !given.contains_key(k.as_str()) && !suggested.contains(&k.as_str())
            })
            .map(|(k, _)| k.as_str())
            .collect();
        if !missing.is_empty() {
            let names: Vec<String> = missing.iter().map(|k| format!("`{k}`")).collect();
            self.diags.push(
                Diagnostic::new(
                    codes::MISSING_PROPERTY,
                    format!(
                        "resource `{}` lacks required {} {}",
                        r.name.name,
                        if missing.len() == 1 {
                            "property"
                        } else {
                            "properties"
                        },
                        names.join(", ")
                    ),
                )
                .with_primary(
                    r.name.span,
                    format!("`{}` requires {}", r.ty.name, names.join(", ")),
                )
                .with_help(format!(
                    "add {}",
                    missing
                        .iter()
                        .map(|k| format!("`{k} = …`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            );
        }
    }

    /// Checks `e` where a `ty` is expected, going into list and map literals so each
    /// mistake is reported where it is.
    pub(crate) fn expect_expr(
        &mut self,
        sc: &mut Scope<'_>,
        e: &Expr,
        ty: &Ty,
        sink: Sink<'_>,
    ) -> Value {
        let target = match ty {
            Ty::Optional(inner) if !matches!(e.kind, ExprKind::Literal(ast::Literal::Null)) => {
                inner.as_ref()
            }
            t => t,
        };
        match (&e.kind, target.unrefined()) {
            (ExprKind::Map { entries, .. }, Ty::Record(fields)) => {
                let mut given: BTreeMap<String, Span> = BTreeMap::new();
                for en in entries {
                    let (key, key_span) = en.key.plain();
                    let Some(key) = key else {
                        self.expr(sc, &en.value);
                        continue;
                    };
                    if let Some(first) = given.insert(key.clone(), key_span) {
                        self.repeated(&format!("`{key}`"), "given", key_span, first);
                        continue;
                    }
                    match fields.get(&key) {
                        Some(f) => {
                            let fty = match sink {
                                Sink::Property(_) if f.optional => Ty::optional(f.ty.clone()),
                                _ => f.ty.clone(),
                            };
                            let path;
                            let inner = match sink {
                                Sink::Property(p) => {
                                    path = format!("{}.{key}", p.path);
                                    Sink::Property(PropertySink { path: &path, ..p })
                                }
                                other => other,
                            };
                            self.expect_expr(sc, &en.value, &fty, inner);
                        }
                        None => {
                            let code = if matches!(sink, Sink::Property(_)) {
                                codes::UNKNOWN_PROPERTY
                            } else {
                                codes::UNKNOWN_FIELD
                            };
                            let d = Diagnostic::new(code, format!("unknown field `{key}`"))
                                .with_primary(
                                    key_span,
                                    format!("not a field of {}", sink.describe()),
                                );
                            let d = match did_you_mean(&key, fields.keys().map(String::as_str)) {
                                Some(s) => {
                                    // The misspelt field is not also reported as missing.
                                    given.insert(s.to_string(), key_span);
                                    d.with_help(format!("did you mean `{s}`?"))
                                }
                                None => d.with_note(format!(
                                    "its fields are: {}",
                                    fields
                                        .keys()
                                        .map(|k| format!("`{k}`"))
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                )),
                            };
                            self.diags.push(d);
                            self.expr(sc, &en.value);
                        }
                    }
                }
                let missing: Vec<String> = fields
                    .iter()
                    .filter(|(k, f)| !f.optional && !given.contains_key(*k))
                    .map(|(k, _)| format!("`{k}`"))
                    .collect();
                if !missing.is_empty() {
                    self.diags.push(
                        Diagnostic::new(
                            codes::MISSING_PROPERTY,
                            format!(
                                "{} lacks required {} {}",
                                sink.describe(),
                                if missing.len() == 1 {
                                    "field"
                                } else {
                                    "fields"
                                },
                                missing.join(", ")
                            ),
                        )
                        .with_primary(e.span, "incomplete")
                        .with_help(format!(
                            "add {}",
                            missing
                                .iter()
                                .map(|k| format!("{} = …`", k.trim_end_matches('`')))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )),
                    );
                }
                let v = self.expr_quiet(sc, e);
                Value {
                    ty: ty.clone(),
                    ..v
                }
            }
            (ExprKind::List { items, .. }, Ty::List(elem)) => {
                let elem = (**elem).clone();
                let path;
                let inner = match sink {
                    Sink::Property(p) => {
                        path = format!("{}.*", p.path);
                        Sink::Property(PropertySink { path: &path, ..p })
                    }
                    other => other,
                };
                for item in items {
                    self.expect_expr(sc, item, &elem, inner);
                }
                let v = self.expr_quiet(sc, e);
                Value {
                    ty: ty.clone(),
                    ..v
                }
            }
            _ => {
                let v = self.expr(sc, e);
                if !v.ty.is_subtype_of(ty)
                    && self.possibly_null(&v, e.span, Some(e), &sink.describe(), |t| {
                        t.is_subtype_of(ty)
                    })
                {
                    return v;
                }
                self.expect_value(&v, e.span, ty, sink);
                if let Sink::Property(p) = sink {
                    // What the property takes, not whether it may be left out.
                    self.check_admitted(sc, e, &v, &ty.non_null(), &p);
                }
                v
            }
        }
    }

    /// Checks an already computed value against `ty`.
    pub(crate) fn expect_value(&mut self, v: &Value, span: Span, ty: &Ty, sink: Sink<'_>) {
        // `Any` takes every value, but not every secret (a policy document is text).
        if v.is_poison() || *ty == Ty::Error {
            return;
        }
        if v.is_secret() {
            if matches!(sink, Sink::Output(_)) {
                let trail = v.secret_description();
                self.diags.push(
                    Diagnostic::new(codes::SECRET_LEAK, format!("{} would publish a secret", sink.describe()))
                        .with_primary(span, format!("this value is secret: {trail}"))
                        .with_note("outputs are stored and shown in plain text by CloudFormation and Terraform")
                        .with_help("output the secret's ARN or name, and let consumers read it from the secret store"),
                );
                return;
            }
            if let Sink::Property(p) = sink {
                if !p.takes_secret() {
                    self.diags
                        .push(crate::types::secrets::plain_property(v, span, &p));
                    return;
                }
                if p.echoes {
                    self.note_secret_given(v, span);
                }
                if ty.is_subtype_of(&Ty::String) || Ty::String.is_subtype_of(ty) {
                    return;
                }
            }
            if *ty.unrefined() == Ty::Secret
                || matches!(ty, Ty::Optional(t) if **t == Ty::Secret)
                || matches!(ty, Ty::Any)
            {
                return;
            }
            if matches!(sink, Sink::Let(_))
                && (ty.is_subtype_of(&Ty::String) || Ty::String.is_subtype_of(ty))
            {
                return;
            }
            let trail = v.secret_description();
            self.diags.push(
                Diagnostic::new(
                    codes::SECRET_LEAK,
                    format!(
                        "a secret would be written into {} in plain text",
                        sink.describe()
                    ),
                )
                .with_primary(span, format!("this value is secret: {trail}"))
                .with_help(
                    "pass secrets only to properties that take them, or to a `Secret` input",
                ),
            );
            return;
        }
        if ty.is_poison() {
            return;
        }
        let coercible = matches!(sink, Sink::Property(_))
            && *ty.unrefined() == Ty::String
            && matches!(v.ty.base(), Ty::Int | Ty::Number | Ty::Bool);
        // A property that may be left out is expected as `T?`; its messages say `T`.
        let shown = match sink {
            Sink::Property(_) => ty.non_null(),
            _ => ty.clone(),
        };
        if !v.ty.is_subtype_of(ty) && !coercible {
            if matches!(v.ty, Ty::Optional(_)) && v.ty.non_null().is_subtype_of(ty) {
                self.diags.push(crate::types::expr::possibly_null(
                    &v.ty,
                    span,
                    None,
                    &sink.describe(),
                ));
                return;
            }
            let expected = match &shown {
                Ty::Union(ms) if ms.iter().all(|m| matches!(m, Ty::Lit(_))) => {
                    format!("one of {shown}")
                }
                _ => format!("`{shown}`"),
            };
            let literal_expected = matches!(shown.unrefined(), Ty::Lit(_) | Ty::Union(_));
            let found = if literal_expected {
                v.ty.clone()
            } else {
                v.ty.base()
            };
            self.diags.push(
                Diagnostic::new(
                    codes::TYPE_MISMATCH,
                    format!("{} expects {expected}, found `{found}`", sink.describe()),
                )
                .with_primary(span, format!("this is {}", crate::types::an(&v.ty))),
            );
            return;
        }
        if let Some(c) = &v.constant
            && let Err(m) = conform(c, ty)
        {
            let code = match innermost(&m) {
                Misfit::OutOfRange { .. } => codes::VALUE_OUT_OF_RANGE,
                Misfit::Pattern(_) => codes::PATTERN_MISMATCH,
                Misfit::Length { .. } => codes::LENGTH_OUT_OF_RANGE,
                _ => codes::TYPE_MISMATCH,
            };
            if coercible && matches!(m, Misfit::Type) {
                return;
            }
            self.diags.push(
                Diagnostic::new(
                    code,
                    format!("the value for {} {}", sink.describe(), describe(&m, &shown)),
                )
                .with_primary(span, format!("not allowed by `{shown}`")),
            );
        }
    }
}

fn innermost(m: &Misfit) -> &Misfit {
    match m {
        Misfit::At(_, inner) => innermost(inner),
        m => m,
    }
}

/// The names an expression reads (not bound inside it), with where each is read.
pub fn free_names(e: &Expr, out: &mut Vec<(String, Span)>) {
    let mut bound: Vec<String> = Vec::new();
    walk_names(e, &mut bound, out, false);
}

/// Like [`free_names`], but a name read through a field (`input.image`) is reported
/// with the span of the whole read.
pub fn free_reads(e: &Expr, out: &mut Vec<(String, Span)>) {
    let mut bound: Vec<String> = Vec::new();
    walk_names(e, &mut bound, out, true);
}

fn walk_names(e: &Expr, bound: &mut Vec<String>, out: &mut Vec<(String, Span)>, reads: bool) {
    match &e.kind {
        ExprKind::Name(n) => {
            if !bound.iter().any(|b| *b == n.name) {
                out.push((n.name.to_string(), n.span));
            }
        }
        ExprKind::Literal(_) | ExprKind::Error => {}
        ExprKind::String(s) => {
            for p in &s.parts {
                if let ast::StringPart::Interpolation(i) = p {
                    walk_names(i, bound, out, reads);
                }
            }
        }
        ExprKind::List { items, .. } => items.iter().for_each(|i| walk_names(i, bound, out, reads)),
        ExprKind::Map { entries, .. } => entries
            .iter()
            .for_each(|en| walk_names(&en.value, bound, out, reads)),
        ExprKind::ListComprehension {
            clause,
            body,
            filter,
        } => {
            walk_names(&clause.collection, bound, out, reads);
            let n = push_clause(clause, bound);
            walk_names(body, bound, out, reads);
            if let Some(f) = filter {
                walk_names(f, bound, out, reads);
            }
            bound.truncate(bound.len() - n);
        }
        ExprKind::MapComprehension {
            clause,
            key,
            value,
            filter,
        } => {
            walk_names(&clause.collection, bound, out, reads);
            let n = push_clause(clause, bound);
            walk_names(key, bound, out, reads);
            walk_names(value, bound, out, reads);
            if let Some(f) = filter {
                walk_names(f, bound, out, reads);
            }
            bound.truncate(bound.len() - n);
        }
        ExprKind::Member { object, field } => match &object.kind {
            ExprKind::Name(n) if reads && !bound.iter().any(|b| *b == n.name) => {
                out.push((n.name.to_string(), object.span.to(field.span)));
            }
            _ => walk_names(object, bound, out, reads),
        },
        ExprKind::Index { object, index } => {
            walk_names(object, bound, out, reads);
            walk_names(index, bound, out, reads);
        }
        ExprKind::Call { callee, args } => {
            if !matches!(callee.kind, ExprKind::Name(_)) {
                walk_names(callee, bound, out, reads);
            }
            args.iter().for_each(|a| walk_names(a, bound, out, reads));
        }
        ExprKind::Unary { operand, .. } => walk_names(operand, bound, out, reads),
        ExprKind::Binary { lhs, rhs, .. } => {
            walk_names(lhs, bound, out, reads);
            walk_names(rhs, bound, out, reads);
        }
        ExprKind::If {
            cond,
            then_branch,
            else_branch,
        } => {
            walk_names(cond, bound, out, reads);
            walk_names(then_branch, bound, out, reads);
            walk_names(else_branch, bound, out, reads);
        }
        ExprKind::Match {
            scrutinee, arms, ..
        } => {
            walk_names(scrutinee, bound, out, reads);
            arms.iter()
                .for_each(|a| walk_names(&a.value, bound, out, reads));
        }
        ExprKind::Paren(inner) => walk_names(inner, bound, out, reads),
    }
}

fn push_clause(c: &ast::ForClause, bound: &mut Vec<String>) -> usize {
    let mut n = 1;
    bound.push(c.value.name.to_string());
    if let Some(k) = &c.key {
        bound.push(k.name.to_string());
        n += 1;
    }
    n
}

/// `ping-sns_topic` → `PingSnsTopic`: words capitalised and joined, as CloudFormation
/// logical IDs are derived.
fn pascal(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .map(|w| {
            let mut cs = w.chars();
            cs.next()
                .map(|f| f.to_ascii_uppercase().to_string() + cs.as_str())
                .unwrap_or_default()
        })
        .collect()
}
