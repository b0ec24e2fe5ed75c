//! What formwork tells a template about the instance it renders, as Proton does:
//! `environment.name`, `service.name`, `service.branch_name`,
//! `service.repository_id`, `instance.name`, `instance.index` and
//! `instance.environment.name` (`environment.region` and `environment.account_id`
//! are the deploy's own, `aws.region` and `aws.account_id`).
//!
//! They are known at compile time when an instance is rendered (stage `Input`, like
//! an input) and become parameters when a template is compiled alone, where
//! CloudFormation already knows some of them: a stack is named after its instance,
//! so `instance.name` is `AWS::StackName`.

use crate::diagnostics::suggest::did_you_mean;
use crate::diagnostics::{Diagnostic, codes};
use crate::syntax::ast::DeclKind;
use crate::syntax::span::Span;
use crate::types::ty::Ty;
use crate::types::value::{Stage, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ContextName {
    /// The environment's name: an environment's own, a service instance's environment.
    EnvironmentName,
    /// The service's name: its spec file's (`services/web.yaml` is `web`).
    ServiceName,
    /// The branch the service's pipeline builds (the spec's `branch_name:`).
    ServiceBranchName,
    /// The service's source repository (the spec's `repository_id:`).
    ServiceRepositoryId,
    /// The stack being rendered: a service instance's `name:`, or the environment's.
    InstanceName,
    /// The instance's position in its spec's `instances:`, from 0 (0 for an
    /// environment).
    InstanceIndex,
}

impl ContextName {
    pub const ALL: [ContextName; 6] = [
        ContextName::EnvironmentName,
        ContextName::ServiceName,
        ContextName::ServiceBranchName,
        ContextName::ServiceRepositoryId,
        ContextName::InstanceName,
        ContextName::InstanceIndex,
    ];

    /// How a template writes it.
    pub fn written(self) -> &'static str {
        match self {
            ContextName::EnvironmentName => "environment.name",
            ContextName::ServiceName => "service.name",
            ContextName::ServiceBranchName => "service.branch_name",
            ContextName::ServiceRepositoryId => "service.repository_id",
            ContextName::InstanceName => "instance.name",
            ContextName::InstanceIndex => "instance.index",
        }
    }

    /// The parameter (CloudFormation, in `PascalCase` by the backend) or variable
    /// (Terraform) that carries it in a template compiled alone.
    pub fn parameter(self) -> &'static str {
        match self {
            ContextName::EnvironmentName => "environment_name",
            ContextName::ServiceName => "service_name",
            ContextName::ServiceBranchName => "service_branch_name",
            ContextName::ServiceRepositoryId => "service_repository_id",
            ContextName::InstanceName => "instance_name",
            ContextName::InstanceIndex => "instance_index",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            ContextName::EnvironmentName => "The name of the environment (its stack's name)",
            ContextName::ServiceName => "The name of the service (its spec file's name)",
            ContextName::ServiceBranchName => "The branch the service's pipeline builds",
            ContextName::ServiceRepositoryId => "The service's source repository",
            ContextName::InstanceName => "The name of the instance (its stack's name)",
            ContextName::InstanceIndex => "The position of the instance in its spec, from 0",
        }
    }

    pub fn ty(self) -> Ty {
        match self {
            ContextName::InstanceIndex => Ty::Int,
            _ => Ty::String,
        }
    }

    /// Its value in the checker: known once an instance is rendered.
    pub fn value(self) -> Value {
        Value::new(self.ty(), Stage::Input)
    }

    /// The spec key that gives it, for those a spec must give.
    pub fn spec_key(self) -> Option<&'static str> {
        match self {
            ContextName::ServiceBranchName => Some("branch_name"),
            ContextName::ServiceRepositoryId => Some("repository_id"),
            _ => None,
        }
    }
}

/// `service.NAME`: the name, or why not.
pub fn service_field(
    kind: DeclKind,
    field: &str,
    span: Span,
) -> Result<ContextName, Box<Diagnostic>> {
    if kind == DeclKind::Environment {
        return Err(Box::new(Diagnostic::new(
            codes::UNKNOWN_FIELD,
            format!("an environment has no `service` (`service.{field}`)"),
        )
        .with_primary(span, "read in an environment template")
        .with_help("an environment serves every service that runs in it: read `environment.name` or `instance.name`")));
    }
    if kind == DeclKind::Module {
        return Err(Box::new(Diagnostic::new(
            codes::UNKNOWN_FIELD,
            format!("a module has no `service` (`service.{field}`)"),
        )
        .with_primary(span, "read in a module")
        .with_help("a module may be used by an environment too: take what it needs as an input, and pass `service.NAME` from the service")));
    }
    let found = match field {
        "name" => Some(ContextName::ServiceName),
        "branch_name" => Some(ContextName::ServiceBranchName),
        "repository_id" => Some(ContextName::ServiceRepositoryId),
        _ => None,
    };
    found.ok_or_else(|| {
        Box::new(unknown(
            "service",
            field,
            &["name", "branch_name", "repository_id"],
            span,
        ))
    })
}

/// `instance.NAME` (but `instance.environment.name`): the name, or why not.
pub fn instance_field(field: &str, span: Span) -> Result<ContextName, Box<Diagnostic>> {
    match field {
        "name" => Ok(ContextName::InstanceName),
        "index" => Ok(ContextName::InstanceIndex),
        _ => Err(Box::new(unknown(
            "instance",
            field,
            &["name", "index", "environment"],
            span,
        ))),
    }
}

/// `ROOT.FIELD` for a field `ROOT` does not have.
pub fn unknown(root: &str, field: &str, fields: &[&str], span: Span) -> Diagnostic {
    let d = Diagnostic::new(codes::UNKNOWN_FIELD, format!("`{root}` has no `{field}`"))
        .with_primary(span, "unknown");
    match did_you_mean(field, fields.iter().copied()) {
        Some(s) => d.with_help(format!("did you mean `{root}.{s}`?")),
        None => d.with_help(format!(
            "`{root}` has {}",
            fields
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}
