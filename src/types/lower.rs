//! Type expressions as written (`Int in 1..65535`, `List<Cidr>`) to [`Ty`]s, with the
//! mistakes a type can carry itself: unknown names, wrong arguments, refinements that
//! do not apply, bad regexes, empty ranges, alias cycles.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, OnceLock};

use regex::Regex;

use crate::diagnostics::suggest::did_you_mean;
use crate::diagnostics::{Diagnostic, codes};
use crate::resolve::stdlib::PRELUDE;
use crate::syntax::ast::{self, Item, NumberValue, TypeExpr, TypeKind};
use crate::syntax::span::FileId;
use crate::types::Checker;
use crate::types::ty::{FieldTy, Lit, Refinement, Ty};

/// The largest integer every float represents exactly: 2^53.
const MAX_EXACT_INT: u64 = 1 << 53;

const BUILTIN_TYPES: &[&str] = &[
    "String", "Int", "Number", "Bool", "Secret", "Any", "List", "Map",
];

/// How many compiled patterns [`compiled_regex`] keeps; a template has a few dozen.
const MAX_CACHED_PATTERNS: usize = 512;

/// The compiled form of a refinement pattern, cached; `None` if it does not compile.
/// Shared, not cloned: a cloned `Regex` starts with an empty match cache, which
/// costs more than the match itself when a spec checks thousands of values.
pub fn compiled_regex(pattern: &str) -> Option<std::sync::Arc<Regex>> {
    type Cache = HashMap<String, Option<std::sync::Arc<Regex>>>;
    static CACHE: OnceLock<Mutex<Cache>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = match cache.lock() {
        Ok(c) => c,
        Err(poisoned) => poisoned.into_inner(),
    };
    if let Some(re) = cache.get(pattern) {
        return re.clone();
    }
    // Bounded: a long-lived process (the language server, a fuzzer) sees a new
    // pattern at each keystroke, and each compiled pattern may hold a megabyte.
    if cache.len() >= MAX_CACHED_PATTERNS {
        cache.clear();
    }
    cache
        .entry(pattern.to_string())
        .or_insert_with(|| {
            regex::RegexBuilder::new(pattern)
                .size_limit(1 << 20)
                .build()
                .ok()
                .map(std::sync::Arc::new)
        })
        .clone()
}

impl Checker<'_> {
    /// Lowers a type written in file `file`.
    pub fn lower_type(&mut self, file: FileId, t: &TypeExpr) -> Ty {
        match &t.kind {
            TypeKind::Error => Ty::Error,
            TypeKind::Paren(inner) => self.lower_type(file, inner),
            TypeKind::Optional(inner) => Ty::optional(self.lower_type(file, inner)),
            TypeKind::String(s) => match s.as_plain() {
                Some(v) => Ty::Lit(Lit::String(v)),
                None => {
                    self.diags.push(
                        Diagnostic::new(
                            codes::TYPE_MISMATCH,
                            "a literal type cannot be interpolated",
                        )
                        .with_primary(s.span, "write a plain string"),
                    );
                    Ty::Error
                }
            },
            TypeKind::Literal(ast::Literal::Bool(b)) => Ty::Lit(Lit::Bool(*b)),
            TypeKind::Literal(ast::Literal::Null) => Ty::Null,
            TypeKind::Literal(ast::Literal::Number(n)) => match n.value {
                NumberValue::Int(i) => Ty::Lit(Lit::Int(i)),
                NumberValue::Float(f) => Ty::Lit(Lit::Number(f)),
            },
            TypeKind::Union(members) => {
                let mut out: Vec<Ty> = Vec::new();
                for m in members {
                    let ty = self.lower_type(file, m);
                    if out.contains(&ty) && ty != Ty::Error {
                        self.diags.push(
                            Diagnostic::new(
                                codes::UNREACHABLE_PATTERN,
                                format!("`{ty}` is listed twice in this union"),
                            )
                            .with_primary(m.span, "repeated here")
                            .with_help("remove the repeat"),
                        );
                        continue;
                    }
                    out.push(ty);
                }
                if out.contains(&Ty::Error) {
                    Ty::Error
                } else {
                    Ty::Union(out)
                }
            }
            TypeKind::Record { fields, .. } => {
                let mut out = BTreeMap::new();
                for f in fields {
                    let ty = self.lower_type(file, &f.ty);
                    if out.contains_key(f.name.name.as_str()) {
                        self.diags.push(
                            Diagnostic::new(
                                codes::DUPLICATE_KEY,
                                format!("field `{}` is declared twice", f.name.name),
                            )
                            .with_primary(f.name.span, "declared again here"),
                        );
                        continue;
                    }
                    if let Some(d) = &f.default {
                        self.check_default(file, d, &ty, &f.name.name, f.ty.span);
                    }
                    let optional = f.default.is_some() || matches!(ty, Ty::Optional(_));
                    out.insert(f.name.name.to_string(), FieldTy { ty, optional });
                }
                Ty::Record(out)
            }
            TypeKind::Refined { base, refinement } => {
                let base_ty = self.lower_type(file, base);
                self.refine(base_ty, refinement, base.span)
            }
            TypeKind::Named { path, args } => self.lower_named(file, path, args, t),
        }
    }

    fn lower_named(
        &mut self,
        file: FileId,
        path: &[ast::Ident],
        args: &[TypeExpr],
        t: &TypeExpr,
    ) -> Ty {
        let arity = |name: &str| match name {
            "List" | "Map" => 1,
            _ => 0,
        };
        if let [name] = path
            && BUILTIN_TYPES.contains(&name.name.as_str())
        {
            let want = arity(&name.name);
            if args.len() != want {
                let msg = if want == 0 {
                    format!("`{}` takes no type arguments", name.name)
                } else {
                    format!(
                        "`{}` takes one type argument, like `{}<String>`",
                        name.name, name.name
                    )
                };
                self.diags.push(
                    Diagnostic::new(codes::WRONG_TYPE_ARGUMENTS, msg)
                        .with_primary(t.span, format!("{} given", args.len())),
                );
                return Ty::Error;
            }
            let mut lowered: Vec<Ty> = args.iter().map(|a| self.lower_type(file, a)).collect();
            return match name.name.as_str() {
                "String" => Ty::String,
                "Int" => Ty::Int,
                "Number" => Ty::Number,
                "Bool" => Ty::Bool,
                "Secret" => Ty::Secret,
                "Any" => Ty::Any,
                "List" => Ty::list(lowered.pop().unwrap_or(Ty::Error)),
                _ => Ty::map(lowered.pop().unwrap_or(Ty::Error)),
            };
        }
        if !args.is_empty() {
            self.diags.push(
                Diagnostic::new(
                    codes::WRONG_TYPE_ARGUMENTS,
                    "type aliases take no type arguments",
                )
                .with_primary(t.span, "remove the `<…>`"),
            );
        }
        match self.find_alias(file, path) {
            Some((alias_file, index)) => self.alias_type(alias_file, index),
            None => {
                let written = path
                    .iter()
                    .map(|i| i.name.as_str())
                    .collect::<Vec<_>>()
                    .join(".");
                let mut known: Vec<String> = BUILTIN_TYPES.iter().map(|s| s.to_string()).collect();
                known.extend(self.alias_names(file));
                let d = Diagnostic::new(codes::UNKNOWN_TYPE, format!("unknown type `{written}`"))
                    .with_primary(t.span, "no type has this name");
                let d = match did_you_mean(&written, known.iter().map(String::as_str)) {
                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                    None => d.with_help("types are `String`, `Int`, `Number`, `Bool`, `Secret`, `List<T>`, `Map<T>`, records, literals, or a `type` alias"),
                };
                self.diags.push(d);
                Ty::Error
            }
        }
    }

    /// Type alias names visible in `file`, for did-you-mean.
    fn alias_names(&self, file: FileId) -> Vec<String> {
        let mut out = Vec::new();
        let prelude = self.program.std_file(PRELUDE).map(|f| f.id);
        for f in [Some(file), prelude].into_iter().flatten() {
            if let Some(src) = self.program.file(f) {
                for item in &src.ast.items {
                    if let Item::TypeAlias(a) = item {
                        out.push(a.name.name.to_string());
                    }
                }
            }
        }
        out
    }

    /// Finds an alias: in `file`, through an import alias (`net.Subnet`), by a stdlib
    /// path (`std.prelude.Cidr`), or in the prelude.
    fn find_alias(&self, file: FileId, path: &[ast::Ident]) -> Option<(FileId, usize)> {
        let in_file = |f: FileId, name: &str| {
            self.program
                .file(f)?
                .ast
                .items
                .iter()
                .position(|i| matches!(i, Item::TypeAlias(a) if a.name.name == name))
                .map(|i| (f, i))
        };
        match path {
            [name] => in_file(file, &name.name).or_else(|| {
                let prelude = self.program.std_file(PRELUDE)?.id;
                in_file(prelude, &name.name)
            }),
            [first, name] => {
                let target = self
                    .program
                    .file(file)?
                    .imports
                    .get(first.name.as_str())
                    .copied()
                    .or_else(|| {
                        let std_alias = self.std_import(file, &first.name)?;
                        Some(std_alias)
                    })?;
                in_file(target, &name.name)
            }
            [std, pkg, name] if std.name == "std" => {
                let f = self.program.std_file(&["std", &pkg.name])?.id;
                in_file(f, &name.name)
            }
            _ => None,
        }
    }

    /// `import std.aws as aws` binds `aws` in `file` to the stdlib file.
    pub fn std_import(&self, file: FileId, alias: &str) -> Option<FileId> {
        let f = self.program.file(file)?;
        f.ast.items.iter().find_map(|i| match i {
            Item::Import(imp) => match &imp.target {
                ast::ImportTarget::Path(p) => {
                    let bound = imp
                        .alias
                        .as_ref()
                        .map(|a| a.name.as_str())
                        .or_else(|| p.last().map(|l| l.name.as_str()));
                    if bound != Some(alias) {
                        return None;
                    }
                    let names: Vec<&str> = p.iter().map(|i| i.name.as_str()).collect();
                    self.program.std_file(&names).map(|f| f.id)
                }
                _ => None,
            },
            _ => None,
        })
    }

    pub(crate) fn alias_type(&mut self, file: FileId, index: usize) -> Ty {
        if let Some(t) = self.alias_cache.get(&(file, index)) {
            return t.clone();
        }
        if self.alias_stack.contains(&(file, index)) {
            if self.alias_stack.first() == Some(&(file, index)) || !self.alias_cycle_reported {
                self.alias_cycle_reported = true;
                let names: Vec<String> = self
                    .alias_stack
                    .iter()
                    .chain(std::iter::once(&(file, index)))
                    .filter_map(|(f, i)| match self.program.file(*f)?.ast.items.get(*i)? {
                        Item::TypeAlias(a) => Some(format!("`{}`", a.name.name)),
                        _ => None,
                    })
                    .collect();
                if let Some(Item::TypeAlias(a)) =
                    self.program.file(file).and_then(|f| f.ast.items.get(index))
                {
                    self.diags.push(
                        Diagnostic::new(
                            codes::DEPENDENCY_CYCLE,
                            format!("type `{}` is defined in terms of itself", a.name.name),
                        )
                        .with_primary(a.name.span, "this type's definition leads back to it")
                        .with_note(format!("the cycle: {}", names.join(" → ")))
                        .with_help("a type cannot contain itself; break the cycle"),
                    );
                }
            }
            return Ty::Error;
        }
        let program = self.program;
        let Some(Item::TypeAlias(alias)) = program.file(file).and_then(|f| f.ast.items.get(index))
        else {
            return Ty::Error;
        };
        self.alias_stack.push((file, index));
        let ty = self.lower_type(file, &alias.ty);
        self.alias_stack.pop();
        self.alias_cache.insert((file, index), ty.clone());
        ty
    }

    fn refine(
        &mut self,
        base: Ty,
        r: &ast::Refinement,
        base_span: crate::syntax::span::Span,
    ) -> Ty {
        if base == Ty::Error {
            return Ty::Error;
        }
        let unrefined = base.unrefined().clone();
        let (refinement, applies, span, what) = match r {
            ast::Refinement::Range(b) => {
                // Bounds are exact only within ±2^53, where every integer is a float
                // (and a JSON Schema or CloudFormation number): beyond it, two bounds
                // would compare, and print, as a neighbour.
                for n in [&b.lo, &b.hi].into_iter().flatten() {
                    if let NumberValue::Int(i) = n.value
                        && i.unsigned_abs() > MAX_EXACT_INT
                    {
                        self.diags.push(
                            Diagnostic::new(
                                codes::NUMBER_TOO_LARGE,
                                format!("the range bound {i} is beyond ±{MAX_EXACT_INT}, where numbers are exact"),
                            )
                            .with_primary(n.span, "too large for a bound")
                            .with_note("range bounds are compared as floating-point numbers, as JSON Schema and CloudFormation compare them; past 2^53 two different integers are one float")
                            .with_help(format!("use a bound within ±{MAX_EXACT_INT}, or leave the bound open (`0..`)")),
                        );
                        return Ty::Error;
                    }
                }
                let lo = b.lo.as_ref().map(number_of);
                let hi = b.hi.as_ref().map(number_of);
                if let (Some(l), Some(h)) = (lo, hi)
                    && l > h
                {
                    self.diags.push(
                        Diagnostic::new(codes::EMPTY_RANGE, format!("the range {l}..{h} is empty"))
                            .with_primary(b.span, "the lower bound is above the upper bound")
                            .with_help(format!("did you mean {h}..{l}?")),
                    );
                    return Ty::Error;
                }
                (
                    Refinement::Range { lo, hi },
                    matches!(unrefined, Ty::Int | Ty::Number),
                    b.span,
                    "`in` bounds a number; it applies to `Int` and `Number`",
                )
            }
            ast::Refinement::Length(b) => {
                let bound = |n: &Option<ast::NumberLit>| -> Result<Option<u64>, ()> {
                    match n.as_ref().map(|n| n.value) {
                        None => Ok(None),
                        Some(NumberValue::Int(i)) if i >= 0 => Ok(Some(i as u64)),
                        Some(_) => Err(()),
                    }
                };
                let (Ok(lo), Ok(hi)) = (bound(&b.lo), bound(&b.hi)) else {
                    self.diags.push(
                        Diagnostic::new(
                            codes::EMPTY_RANGE,
                            "a length bound must be a whole number, 0 or more",
                        )
                        .with_primary(b.span, "not a length"),
                    );
                    return Ty::Error;
                };
                if let (Some(l), Some(h)) = (lo, hi)
                    && l > h
                {
                    self.diags.push(
                        Diagnostic::new(
                            codes::EMPTY_RANGE,
                            format!("the length range {l}..{h} is empty"),
                        )
                        .with_primary(b.span, "the lower bound is above the upper bound")
                        .with_help(format!("did you mean {h}..{l}?")),
                    );
                    return Ty::Error;
                }
                (
                    Refinement::Length { lo, hi },
                    matches!(unrefined, Ty::String | Ty::List(_)),
                    b.span,
                    "`len` bounds a length; it applies to `String` and `List<T>`",
                )
            }
            ast::Refinement::Matches(re) => {
                if compiled_regex(&re.pattern).is_none() {
                    let reason = regex::RegexBuilder::new(&re.pattern)
                        .size_limit(1 << 20)
                        .build()
                        .err()
                        .map_or_else(|| "invalid pattern".to_string(), |e| e.to_string());
                    let last = reason
                        .lines()
                        .last()
                        .unwrap_or("invalid pattern")
                        .trim()
                        .to_string();
                    self.diags.push(
                        Diagnostic::new(codes::INVALID_REGEX, format!("`/{}/` is not a valid regular expression", re.pattern))
                            .with_primary(re.span, last.trim_start_matches("error: ").to_string())
                            .with_note("patterns use the syntax of Rust's `regex` crate: no look-around or back-references"),
                    );
                    return Ty::Error;
                }
                (
                    Refinement::Pattern(re.pattern.clone()),
                    matches!(unrefined, Ty::String),
                    re.span,
                    "`matches` applies to `String`",
                )
            }
        };
        if !applies {
            self.diags.push(
                Diagnostic::new(
                    codes::REFINEMENT_NOT_APPLICABLE,
                    format!("this refinement does not apply to `{base}`"),
                )
                .with_primary(span, what)
                .with_secondary(base_span, format!("the type is `{base}`")),
            );
            return Ty::Error;
        }
        match base {
            Ty::Refined(inner, mut rs) => {
                rs.push(refinement);
                Ty::Refined(inner, rs)
            }
            other => Ty::Refined(Box::new(other), vec![refinement]),
        }
    }
}

fn number_of(n: &ast::NumberLit) -> f64 {
    match n.value {
        NumberValue::Int(i) => i as f64,
        NumberValue::Float(f) => f,
    }
}
