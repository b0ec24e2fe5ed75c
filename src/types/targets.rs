//! Which targets a template can be compiled to, and what forbids the others.
//!
//! A resource of a CloudFormation type (`AWS::…`) exists only in CloudFormation, one
//! of a Terraform type (`aws_…`) only in Terraform. A resource whose condition is
//! `target == "cloudformation"` (or `!=`, or either in a conjunction with other tests)
//! is present only for that target, which is how
//! a module implements both. A template supports a target when every resource present
//! for it is of that target, and every module it uses supports it.

use crate::syntax::ast::{BinaryOp, Expr, ExprKind};
use crate::syntax::span::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    CloudFormation,
    Terraform,
}

impl Target {
    pub const ALL: [Target; 2] = [Target::CloudFormation, Target::Terraform];

    pub fn name(self) -> &'static str {
        match self {
            Target::CloudFormation => "cloudformation",
            Target::Terraform => "terraform",
        }
    }

    pub fn display(self) -> &'static str {
        match self {
            Target::CloudFormation => "CloudFormation",
            Target::Terraform => "Terraform",
        }
    }

    pub fn parse(s: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.name() == s)
    }

    /// The target a resource type name belongs to.
    pub fn of_resource_type(name: &str) -> Target {
        if name.contains("::") {
            Target::CloudFormation
        } else {
            Target::Terraform
        }
    }
}

/// Why a template cannot be compiled to a target.
#[derive(Debug, Clone, PartialEq)]
pub struct Forbidden {
    /// "the resource `vpc` (`AWS::EC2::VPC`)" or "the module `app`".
    pub by: String,
    pub span: Span,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Targets {
    pub cloudformation: Option<Forbidden>,
    pub terraform: Option<Forbidden>,
}

impl Targets {
    pub fn forbidden(&self, t: Target) -> Option<&Forbidden> {
        match t {
            Target::CloudFormation => self.cloudformation.as_ref(),
            Target::Terraform => self.terraform.as_ref(),
        }
    }

    pub fn supports(&self, t: Target) -> bool {
        self.forbidden(t).is_none()
    }

    pub fn forbid(&mut self, t: Target, f: Forbidden) {
        let slot = match t {
            Target::CloudFormation => &mut self.cloudformation,
            Target::Terraform => &mut self.terraform,
        };
        if slot.is_none() {
            *slot = Some(f);
        }
    }

    pub fn supported(&self) -> Vec<Target> {
        Target::ALL
            .into_iter()
            .filter(|t| self.supports(*t))
            .collect()
    }
}

/// The targets a resource is present for, from its `when` condition.
pub fn present_for(condition: Option<&Expr>) -> Vec<Target> {
    let Some(c) = condition else {
        return Target::ALL.to_vec();
    };
    match &c.kind {
        ExprKind::Paren(inner) => return present_for(Some(inner)),
        // `target == "terraform" && input.x != null`: present where both sides may hold.
        ExprKind::Binary {
            op: BinaryOp::And,
            lhs,
            rhs,
        } => {
            let right = present_for(Some(rhs));
            return present_for(Some(lhs))
                .into_iter()
                .filter(|t| right.contains(t))
                .collect();
        }
        _ => {}
    }
    if let ExprKind::Binary { op, lhs, rhs } = &c.kind
        && matches!(op, BinaryOp::Eq | BinaryOp::Ne)
    {
        let named = |e: &Expr| matches!(&e.kind, ExprKind::Name(n) if n.name == "target");
        let lit = |e: &Expr| match &e.kind {
            ExprKind::String(s) => s.as_plain().and_then(|v| Target::parse(&v)),
            _ => None,
        };
        let t = if named(lhs) {
            lit(rhs)
        } else if named(rhs) {
            lit(lhs)
        } else {
            None
        };
        if let Some(t) = t {
            return Target::ALL
                .into_iter()
                .filter(|x| (*x == t) == (*op == BinaryOp::Eq))
                .collect();
        }
    }
    Target::ALL.to_vec()
}
