//! Lowering: a checked declaration and its inputs to a [`Stack`].
//!
//! Lowering evaluates the template: compile-time values are computed (inputs from the
//! spec in render mode, `let`s, `match`es, functions, `for`s), resources are unrolled
//! and modules inlined, and what is known only later stays as IR nodes. It runs after
//! a clean check, so the program is well typed; what can still go wrong is a value
//! only a spec reveals (an index out of range, an invalid CIDR, an absent resource
//! read), reported as a diagnostic at the expression.

mod decl;
mod eval;
pub(crate) mod functions;
mod json;
pub mod limits;
pub mod pipeline;

pub use decl::const_expr;

use std::collections::BTreeMap;

use crate::diagnostics::Diagnostic;
use crate::ir::{Mode, SecretSource, Stack};
use crate::resolve::DeclId;
use crate::types::Checker;
use crate::types::targets::Target;
use crate::types::value::Const;

/// The values of a template's inputs for one instance (render mode).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inputs {
    /// The inputs the spec gives; the others take their defaults.
    pub values: BTreeMap<String, Const>,
    /// `Secret` inputs, as references to a secret store.
    pub secrets: BTreeMap<String, SecretSource>,
}

/// What to compile.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub decl: DeclId,
    pub target: Target,
    pub mode: Mode,
    /// Render mode: the instance's inputs. Ignored in parameterised mode.
    pub inputs: Option<&'a Inputs>,
    /// The instance's name (an environment's, or a service instance's).
    pub instance: Option<String>,
    /// For a service instance: the name of the environment instance it runs in.
    pub environment: Option<String>,
    /// The hash of the sources, for the artifact's metadata.
    pub source_hash: String,
    /// What else the spec says of the instance (`service.name`, …).
    pub context: InstanceContext,
}

/// What a spec says of an instance beyond its inputs, for the context names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InstanceContext {
    /// The service's name (its spec file's).
    pub service: Option<String>,
    /// The instance's position in the spec's `instances:`.
    pub index: Option<usize>,
    pub branch_name: Option<String>,
    pub repository_id: Option<String>,
}

/// Lowers one declaration (an environment or a service). The program must have been
/// checked without errors. The checker remembers what it has checked, so one checker
/// serves every instance of a template.
pub fn lower(
    checker: &mut Checker<'_>,
    cache: &mut Cache,
    request: &Request<'_>,
) -> Result<Stack, Vec<Diagnostic>> {
    decl::Lowerer::new(checker, cache, request).run()
}

/// What lowering one instance learns that the next can reuse: each declaration's
/// evaluation order. One per thread, like the checker.
#[derive(Default)]
pub struct Cache {
    order: std::collections::HashMap<DeclId, std::rc::Rc<Vec<usize>>>,
}
