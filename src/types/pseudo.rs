//! What the deploy knows of where it runs: `aws.region`, `aws.account_id`,
//! `aws.partition`, `aws.url_suffix`, `aws.stack_name` and `availability_zones()`.
//!
//! They are deploy-time values, staged like a resource's attribute: CloudFormation
//! reads its pseudo-parameters (`Ref AWS::Region`, `Fn::GetAZs`), Terraform the data
//! sources `aws_region`, `aws_caller_identity`, `aws_partition` and
//! `aws_availability_zones`, declared once per stack that reads them.

use crate::diagnostics::Diagnostic;
use crate::syntax::span::Span;
use crate::types::targets::{Forbidden, Target};
use crate::types::ty::Ty;
use crate::types::value::{DeployOrigin, Stage, Value};

/// The name `aws.NAME` is read through.
pub const ROOT: &str = "aws";
/// The function that lists the region's zones.
pub const ZONES_FUNCTION: &str = "availability_zones";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Pseudo {
    Region,
    AccountId,
    Partition,
    UrlSuffix,
    StackName,
    AvailabilityZones,
}

impl Pseudo {
    /// The fields of `aws`, in the order the reference lists them.
    pub const FIELDS: [Pseudo; 5] = [
        Pseudo::Region,
        Pseudo::AccountId,
        Pseudo::Partition,
        Pseudo::UrlSuffix,
        Pseudo::StackName,
    ];

    pub fn field(self) -> &'static str {
        match self {
            Pseudo::Region => "region",
            Pseudo::AccountId => "account_id",
            Pseudo::Partition => "partition",
            Pseudo::UrlSuffix => "url_suffix",
            Pseudo::StackName => "stack_name",
            Pseudo::AvailabilityZones => ZONES_FUNCTION,
        }
    }

    /// How the template writes it: `aws.region`, `availability_zones()`.
    pub fn written(self) -> String {
        match self {
            Pseudo::AvailabilityZones => format!("{ZONES_FUNCTION}()"),
            p => format!("{ROOT}.{}", p.field()),
        }
    }

    pub fn from_field(name: &str) -> Option<Pseudo> {
        Pseudo::FIELDS.into_iter().find(|p| p.field() == name)
    }

    /// CloudFormation's pseudo-parameter (`Fn::GetAZs` for the zones).
    pub fn cloudformation(self) -> &'static str {
        match self {
            Pseudo::Region => "AWS::Region",
            Pseudo::AccountId => "AWS::AccountId",
            Pseudo::Partition => "AWS::Partition",
            Pseudo::UrlSuffix => "AWS::URLSuffix",
            Pseudo::StackName => "AWS::StackName",
            Pseudo::AvailabilityZones => "Fn::GetAZs",
        }
    }

    /// Terraform's data source, its name in the stack, and the attribute read; `None`
    /// where Terraform has no such thing (a stack's name).
    pub fn terraform(self) -> Option<(&'static str, &'static str, &'static str)> {
        Some(match self {
            Pseudo::Region => ("aws_region", "current", "name"),
            Pseudo::AccountId => ("aws_caller_identity", "current", "account_id"),
            Pseudo::Partition => ("aws_partition", "current", "partition"),
            Pseudo::UrlSuffix => ("aws_partition", "current", "dns_suffix"),
            Pseudo::AvailabilityZones => ("aws_availability_zones", "available", "names"),
            Pseudo::StackName => return None,
        })
    }

    pub fn ty(self) -> Ty {
        match self {
            Pseudo::AvailabilityZones => Ty::List(Box::new(Ty::String)),
            _ => Ty::String,
        }
    }

    /// Its value in the checker: deploy-time, of its type.
    pub fn value(self, span: Span) -> Value {
        Value::new(
            self.ty(),
            Stage::Deploy(DeployOrigin {
                what: match self {
                    Pseudo::AvailabilityZones => format!("the zones `{}`", self.written()),
                    _ => format!("the pseudo-parameter `{}`", self.written()),
                },
                span,
            }),
        )
    }

    /// What keeps a template that reads it from a target.
    pub fn forbids(self, span: Span) -> Option<(Target, Forbidden)> {
        self.terraform().is_none().then(|| {
            (
                Target::Terraform,
                Forbidden {
                    by: format!(
                        "`{}` (a CloudFormation stack's name: Terraform has no stack)",
                        self.written()
                    ),
                    span,
                },
            )
        })
    }
}

/// `aws.NAME` for a name `aws` does not have.
pub fn unknown_field(name: &str, span: Span) -> Diagnostic {
    let fields = Pseudo::FIELDS.map(Pseudo::field);
    let d = crate::types::context::unknown(ROOT, name, &fields, span);
    if crate::diagnostics::suggest::did_you_mean(name, fields).is_some() {
        return d;
    }
    d.with_note(format!("the region's zones are `{ZONES_FUNCTION}()`"))
}
