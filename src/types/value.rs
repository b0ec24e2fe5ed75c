//! What the checker knows of an expression: its type, when its value is known
//! (staging), whether it carries a secret and by what path, and its value when that is
//! a constant.

use crate::syntax::span::Span;
use crate::types::ty::{Lit, Ty};

/// When a value is known. Ordered: combining values takes the latest stage.
#[derive(Debug, Clone, PartialEq)]
pub enum Stage {
    /// Written in the template: a literal, or computed from literals.
    Const,
    /// Known at compile time once a spec gives the inputs; a parameter in
    /// parameterised mode.
    Input,
    /// Known only when the stack deploys: resource attributes, environment outputs.
    Deploy(DeployOrigin),
}

/// What makes a value deploy-time, to say so in messages.
#[derive(Debug, Clone, PartialEq)]
pub struct DeployOrigin {
    /// "the resource attribute `vpc.VpcId`", "the environment output `lb_dns`".
    pub what: String,
    pub span: Span,
}

impl Stage {
    fn rank(&self) -> u8 {
        match self {
            Stage::Const => 0,
            Stage::Input => 1,
            Stage::Deploy(_) => 2,
        }
    }

    /// The later of two stages (the first deploy origin wins, for stable messages).
    pub fn join(self, other: &Stage) -> Stage {
        if other.rank() > self.rank() {
            other.clone()
        } else {
            self
        }
    }

    pub fn deploy_origin(&self) -> Option<&DeployOrigin> {
        match self {
            Stage::Deploy(o) => Some(o),
            _ => None,
        }
    }

    pub fn is_compile_time(&self) -> bool {
        !matches!(self, Stage::Deploy(_))
    }
}

/// How a secret reached a value: `input \`db_password\``, then `let \`conn\``, ….
#[derive(Debug, Clone, PartialEq)]
pub struct SecretTrail {
    pub steps: Vec<String>,
    pub origin: Span,
}

impl SecretTrail {
    pub fn describe(&self) -> String {
        self.steps.join(" → ")
    }

    pub fn through(&self, step: String) -> SecretTrail {
        let mut t = self.clone();
        if t.steps.last() != Some(&step) {
            t.steps.push(step);
        }
        t
    }
}

/// A constant the checker could compute: enough to check refinements of literals,
/// defaults and (later) spec values.
#[derive(Debug, Clone, PartialEq)]
pub enum Const {
    Null,
    Lit(Lit),
    List(Vec<Const>),
    Map(Vec<(String, Const)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    pub ty: Ty,
    pub stage: Stage,
    pub secret: Option<SecretTrail>,
    pub constant: Option<Const>,
}

impl Value {
    pub fn new(ty: Ty, stage: Stage) -> Value {
        Value {
            ty,
            stage,
            secret: None,
            constant: None,
        }
    }

    pub fn constant(ty: Ty, c: Const) -> Value {
        Value {
            ty,
            stage: Stage::Const,
            secret: None,
            constant: Some(c),
        }
    }

    /// The value of an expression that was already reported as wrong.
    pub fn poison() -> Value {
        Value::new(Ty::Error, Stage::Const)
    }

    pub fn is_poison(&self) -> bool {
        self.ty == Ty::Error
    }

    /// Whether the value is, or carries, a secret.
    pub fn is_secret(&self) -> bool {
        self.ty == Ty::Secret || self.secret.is_some()
    }

    /// How the value came to be secret, for messages.
    pub fn secret_description(&self) -> String {
        self.secret
            .as_ref()
            .map_or_else(|| "a secret".to_string(), SecretTrail::describe)
    }
}
