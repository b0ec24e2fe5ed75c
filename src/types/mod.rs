//! The checker: everything `formwork check` catches beyond syntax.
//!
//! `ty` (types and subtyping) · `value` (what is known of an expression: type, stage,
//! secrecy, constant) · `lower` (written types to `Ty`) · `conform` (constants against
//! refinements) · `expr` (expressions) · `decl` (declarations: scopes, dependency order,
//! resources, modules, outputs) · `functions` (the standard functions) · `versions`
//! (constraints) · `narrow` (what a condition proves non-null) · `targets` (which backends a template can use) · `resources` (the
//! CloudFormation and Terraform resource catalogs) · `intervals` (what inputs let a
//! property's value be, against what the property takes).
//!
//! Declarations are checked once each, on demand: a service needs its environments'
//! outputs and its modules' signatures, which are checked first and remembered.

pub mod conform;
pub mod context;
pub mod decl;
pub mod expr;
pub mod functions;
pub mod intervals;
pub mod lower;
pub mod narrow;
pub mod pipeline;
pub mod pipeline_loop;
pub mod pseudo;
pub mod resources;
pub mod secrets;
pub mod targets;
pub mod ty;
pub mod value;
pub mod versions;

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use crate::diagnostics::Diagnostic;
use crate::resolve::{DeclId, Program};
use crate::syntax::ast::DeclKind;
use crate::syntax::span::{FileId, Span};
use crate::types::targets::Targets;
use crate::types::ty::{FieldTy, Ty};
use crate::types::value::Stage;

/// What other declarations need to know of a checked one.
#[derive(Debug, Clone, Default)]
pub struct Signature {
    /// Inputs, with their types, whether they may be left out, and where declared.
    pub inputs: BTreeMap<String, (FieldTy, Span)>,
    pub pipeline_inputs: BTreeMap<String, (FieldTy, Span)>,
    /// Outputs, with their types, stages and where declared.
    pub outputs: BTreeMap<String, (Ty, Stage, Span)>,
    pub targets: Targets,
    /// The context names it reads (`service.branch_name`, …).
    pub context: std::collections::BTreeSet<crate::types::context::ContextName>,
}

pub struct Checker<'p> {
    pub program: &'p Program,
    pub diags: Vec<Diagnostic>,
    alias_cache: HashMap<(FileId, usize), Ty>,
    alias_stack: Vec<(FileId, usize)>,
    alias_cycle_reported: bool,
    signatures: HashMap<DeclId, Rc<Signature>>,
    in_progress: Vec<DeclId>,
    /// The first secret given to the resource being checked, where the resource may
    /// hand it back (custom and untyped resources).
    secret_given: Option<value::SecretTrail>,
}

impl<'p> Checker<'p> {
    pub fn new(program: &'p Program) -> Checker<'p> {
        Checker {
            program,
            diags: Vec::new(),
            alias_cache: HashMap::new(),
            alias_stack: Vec::new(),
            alias_cycle_reported: false,
            signatures: HashMap::new(),
            in_progress: Vec::new(),
            secret_given: None,
        }
    }

    /// The signature of a declaration, checking it first if need be. `None` while the
    /// declaration is itself being checked (a cycle, reported by the caller).
    pub fn signature(&mut self, id: DeclId) -> Option<Rc<Signature>> {
        if let Some(s) = self.signatures.get(&id) {
            return Some(s.clone());
        }
        if self.in_progress.contains(&id) {
            return None;
        }
        self.in_progress.push(id);
        let sig = Rc::new(self.check_decl(id));
        self.in_progress.pop();
        self.signatures.insert(id, sig.clone());
        Some(sig)
    }
}

impl Checker<'_> {
    /// Reports `what` (a setting, input, property, key…) given a second time: "`x` is
    /// set twice", labelled "set again here" and "first set here".
    pub(crate) fn repeated(&mut self, what: &str, verb: &str, again: Span, first: Span) {
        self.diags.push(
            Diagnostic::new(
                crate::diagnostics::codes::DUPLICATE_KEY,
                format!("{what} is {verb} twice"),
            )
            .with_primary(again, format!("{verb} again here"))
            .with_secondary(first, format!("first {verb} here")),
        );
    }
}

/// "an `Int`", "a `String`", "an environment": the word with its indefinite article.
pub fn article(word: &str) -> String {
    let first = word.trim_start_matches('`').chars().next().unwrap_or('x');
    if "aeiouAEIOU".contains(first) {
        format!("an {word}")
    } else {
        format!("a {word}")
    }
}

/// A type in backticks with its article: "an `Int`", "a `List<String>`".
pub fn an(ty: &impl std::fmt::Display) -> String {
    article(&format!("`{ty}`"))
}

/// Checks every declaration of the program (the standard library's too, so a broken
/// stdlib is reported, not silently accepted), and every type alias.
pub fn check_program(program: &Program) -> Vec<Diagnostic> {
    check_files(program, &|_| true)
}

/// [`check_program`] for the declarations and aliases of the files `pick` picks (the
/// language server's, after an edit); what they use is checked as far as they need it.
pub fn check_files(program: &Program, pick: &dyn Fn(FileId) -> bool) -> Vec<Diagnostic> {
    let mut checker = Checker::new(program);
    let mut order: Vec<(u8, DeclId)> = Vec::new();
    for f in program.files.values().filter(|f| pick(f.id)) {
        for (i, item) in f.ast.items.iter().enumerate() {
            match item {
                crate::syntax::ast::Item::Decl(d) => {
                    let rank = match d.kind {
                        DeclKind::Environment => 0,
                        DeclKind::Module => 1,
                        DeclKind::Service => 2,
                    };
                    order.push((
                        rank,
                        DeclId {
                            file: f.id,
                            item: i,
                        },
                    ));
                }
                crate::syntax::ast::Item::TypeAlias(_) => {
                    let _ = checker.alias_type(f.id, i);
                }
                _ => {}
            }
        }
    }
    order.sort();
    for (_, id) in order {
        checker.signature(id);
    }
    checker.diags
}
