//! Where a secret may go. A `Secret` reaches a resource only where the provider never
//! shows it again: a property the catalog marks write-only (CloudFormation's
//! `writeOnlyProperties`: an RDS `MasterUserPassword`, a Secrets Manager
//! `SecretString`) or sensitive (Terraform), or a resource formwork cannot see into
//! (`untyped`, custom resources), which then holds the secret: every attribute read
//! from it is secret too, so it cannot leave through an output. Anywhere else (a queue
//! name, an alarm description, an SSM `String` parameter, `UserData`) the resolved
//! value would be readable in plain text from the console, the API or an attribute.

use crate::diagnostics::{Diagnostic, codes};
use crate::syntax::span::Span;
use crate::types::Checker;
use crate::types::decl::PropertySink;
use crate::types::value::{SecretTrail, Value};

/// The error for a secret written to a property that would show it.
pub(crate) fn plain_property(v: &Value, span: Span, p: &PropertySink<'_>) -> Diagnostic {
    let d = Diagnostic::new(
        codes::SECRET_LEAK,
        format!(
            "a secret would be written into `{}` of `{}`, which shows it in plain text",
            p.path, p.schema.type_name
        ),
    )
    .with_primary(span, format!("this value is secret: {}", v.secret_description()))
    .with_note(format!(
        "the catalog marks `{}` neither write-only nor sensitive: its value can be read back from the console, the API and the resource's attributes",
        p.path
    ));
    let safe = p.schema.secret_properties();
    if safe.is_empty() {
        d.with_help(format!(
            "`{}` takes no secret: pass the secret's ARN or name instead, and let the resource read it from the secret store",
            p.schema.type_name
        ))
    } else {
        let names: Vec<String> = safe.iter().take(6).map(|s| format!("`{s}`")).collect();
        d.with_help(format!(
            "`{}` takes a secret only in {}; elsewhere pass the secret's ARN or name",
            p.schema.type_name,
            names.join(", ")
        ))
    }
}

impl Checker<'_> {
    /// Records that the resource being checked was given a secret it may hand back.
    pub(crate) fn note_secret_given(&mut self, v: &Value, span: Span) {
        if self.secret_given.is_some() || !v.is_secret() {
            return;
        }
        self.secret_given = Some(v.secret.clone().unwrap_or_else(|| SecretTrail {
            steps: vec!["a secret".into()],
            origin: span,
        }));
    }
}
