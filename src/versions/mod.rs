//! Versions: what changed between two versions of a template, and whether instances
//! deployed with the older one can move to the newer safely (issue 7). What
//! `formwork publish`, `outdated`, `upgrade` and `diff` are built on; no IO here.
//!
//! Two levels of comparison:
//! - the signature ([`compat::compare_signatures`]): inputs and pipeline inputs
//!   (removed, renamed, newly required, narrowed, defaults changed), outputs (removed,
//!   type changed), the environments a service admits (`requires`), and the targets;
//! - the rendered instances ([`rendered::compare_instances`]): each existing instance
//!   rendered with both versions, resources compared by logical ID; a resource removed
//!   is deleted, one whose type or create-only property changed is replaced.
//!
//! Each finding is a [`Change`] with its [`Impact`]. Breaking changes and warnings
//! carry a diagnostic (`E0405` for the signature, `E0406` for instances, `W0401` for a
//! changed default) whose primary label is in the new version and secondary label in
//! the old; compatible changes carry none, but say what they are (for `diff`).
//! [`next_version`] turns the list into the version to publish.

pub mod canon;
pub mod compat;
pub mod diff;
pub mod narrowing;
pub mod outdated;
pub mod publish;
pub mod registry;
pub mod rendered;
pub mod requires;
pub mod upgrade;

use std::fmt;

use crate::diagnostics::Diagnostic;
use crate::resolve::{DeclId, Program, Version};
use crate::types::targets::Target;
use crate::types::ty::Ty;
use crate::types::value::Const;

pub use compat::compare_signatures;
pub use rendered::{ExistingInstance, compare_instances};

/// How a change affects the instances of the old version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Impact {
    /// Nothing an instance relies on changes.
    Compatible,
    /// Instances keep working but may behave differently (a changed default).
    Warning,
    /// A spec, a service, or a deployed resource of the old version breaks.
    Breaking,
}

/// One difference between two versions of a template.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub kind: ChangeKind,
    pub impact: Impact,
    /// For a breaking change or a warning: the diagnostic to show, its primary label
    /// in the new version and its secondary label in the old. `None` when compatible.
    pub diagnostic: Option<Diagnostic>,
}

impl Change {
    pub fn compatible(kind: ChangeKind) -> Change {
        Change {
            kind,
            impact: Impact::Compatible,
            diagnostic: None,
        }
    }

    /// A breaking change or a warning, as its diagnostic's code says.
    pub fn reported(kind: ChangeKind, diagnostic: Diagnostic) -> Change {
        let impact = if diagnostic.is_error() {
            Impact::Breaking
        } else {
            Impact::Warning
        };
        Change {
            kind,
            impact,
            diagnostic: Some(diagnostic),
        }
    }

    pub fn is_breaking(&self) -> bool {
        self.impact == Impact::Breaking
    }
}

/// What changed. Inputs and outputs are named as the template names them; resources
/// by their logical ID (CloudFormation) or address (Terraform, `aws_vpc.vpc`), with
/// the instances whose rendering showed the change.
#[derive(Debug, Clone, PartialEq)]
pub enum ChangeKind {
    InputAdded {
        input: String,
        pipeline: bool,
        required: bool,
    },
    /// `renamed_to`: an added input of a compatible type with a similar name.
    InputRemoved {
        input: String,
        pipeline: bool,
        renamed_to: Option<String>,
    },
    InputNowRequired {
        input: String,
        pipeline: bool,
    },
    InputNowOptional {
        input: String,
        pipeline: bool,
    },
    InputNarrowed {
        input: String,
        pipeline: bool,
        old: Ty,
        new: Ty,
        why: String,
    },
    InputWidened {
        input: String,
        pipeline: bool,
        old: Ty,
        new: Ty,
    },
    /// The value an instance gets when its spec leaves the input out (`None`: the input
    /// had or has no default).
    DefaultChanged {
        input: String,
        pipeline: bool,
        old: Option<Const>,
        new: Option<Const>,
    },
    OutputAdded {
        output: String,
    },
    OutputRemoved {
        output: String,
    },
    /// The new type admits fewer values: every reader still accepts them.
    OutputNarrowed {
        output: String,
        old: Ty,
        new: Ty,
    },
    /// `why`: how a value of the new type may fall outside the old one.
    OutputTypeChanged {
        output: String,
        old: Ty,
        new: Ty,
        why: String,
    },
    /// Environment templates and versions the old version admitted and the new does
    /// not, in words (`` `shared-vpc` 2.0 ``, `any template but `shared-vpc``).
    EnvironmentsDropped {
        dropped: Vec<String>,
    },
    EnvironmentsAdded {
        added: Vec<String>,
    },
    TargetDropped {
        target: Target,
    },
    TargetAdded {
        target: Target,
    },
    ResourceAdded {
        resource: String,
        type_name: String,
        instances: Vec<String>,
    },
    /// Deleted from every instance named.
    ResourceRemoved {
        resource: String,
        type_name: String,
        instances: Vec<String>,
    },
    /// Replaced: a new resource of the new type, the old one deleted.
    ResourceTypeChanged {
        resource: String,
        old_type: String,
        new_type: String,
        instances: Vec<String>,
    },
    /// Replaced because `property` (a dotted path) is create-only.
    ResourceReplaced {
        resource: String,
        type_name: String,
        property: String,
        instances: Vec<String>,
    },
    /// Updated in place: only properties that are not create-only changed.
    ResourceUpdated {
        resource: String,
        type_name: String,
        properties: Vec<String>,
        instances: Vec<String>,
    },
    /// The instance renders with the old version but not with the new.
    InstanceNotRendered {
        instance: String,
    },
}

pub(crate) fn input_word(pipeline: bool) -> &'static str {
    if pipeline { "pipeline input" } else { "input" }
}

fn list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One line per change, for `diff` and snapshots.
impl fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ChangeKind::*;
        match self {
            InputAdded {
                input,
                pipeline,
                required,
            } => write!(
                f,
                "{} `{input}` added ({})",
                input_word(*pipeline),
                if *required { "required" } else { "optional" }
            ),
            InputRemoved {
                input,
                pipeline,
                renamed_to,
            } => {
                write!(f, "{} `{input}` removed", input_word(*pipeline))?;
                match renamed_to {
                    Some(r) => write!(f, " (renamed to `{r}`?)"),
                    None => Ok(()),
                }
            }
            InputNowRequired { input, pipeline } => {
                write!(f, "{} `{input}` is now required", input_word(*pipeline))
            }
            InputNowOptional { input, pipeline } => {
                write!(f, "{} `{input}` is now optional", input_word(*pipeline))
            }
            InputNarrowed {
                input,
                pipeline,
                old,
                new,
                ..
            } => write!(
                f,
                "{} `{input}` narrowed from `{old}` to `{new}`",
                input_word(*pipeline)
            ),
            InputWidened {
                input,
                pipeline,
                old,
                new,
            } => write!(
                f,
                "{} `{input}` widened from `{old}` to `{new}`",
                input_word(*pipeline)
            ),
            DefaultChanged {
                input,
                pipeline,
                old,
                new,
            } => write!(
                f,
                "default of {} `{input}` changed from {} to {}",
                input_word(*pipeline),
                default_text(old.as_ref()),
                default_text(new.as_ref())
            ),
            OutputAdded { output } => write!(f, "output `{output}` added"),
            OutputRemoved { output } => write!(f, "output `{output}` removed"),
            OutputNarrowed { output, old, new } => {
                write!(f, "output `{output}` narrowed from `{old}` to `{new}`")
            }
            OutputTypeChanged {
                output, old, new, ..
            } => write!(f, "output `{output}` changed type from `{old}` to `{new}`"),
            EnvironmentsDropped { dropped } => {
                write!(f, "environments no longer admitted: {}", dropped.join(", "))
            }
            EnvironmentsAdded { added } => {
                write!(f, "environments newly admitted: {}", added.join(", "))
            }
            TargetDropped { target } => write!(f, "target {} dropped", target.display()),
            TargetAdded { target } => write!(f, "target {} added", target.display()),
            ResourceAdded {
                resource,
                type_name,
                instances,
            } => write!(
                f,
                "resource `{resource}` ({type_name}) added in {}",
                list(instances)
            ),
            ResourceRemoved {
                resource,
                type_name,
                instances,
            } => write!(
                f,
                "resource `{resource}` ({type_name}) deleted in {}",
                list(instances)
            ),
            ResourceTypeChanged {
                resource,
                old_type,
                new_type,
                instances,
            } => write!(
                f,
                "resource `{resource}` replaced in {}: type {old_type} → {new_type}",
                list(instances)
            ),
            ResourceReplaced {
                resource,
                type_name,
                property,
                instances,
            } => write!(
                f,
                "resource `{resource}` ({type_name}) replaced in {}: create-only `{property}` changed",
                list(instances)
            ),
            ResourceUpdated {
                resource,
                type_name,
                properties,
                instances,
            } => write!(
                f,
                "resource `{resource}` ({type_name}) updated in place in {}: {}",
                list(instances),
                list(properties)
            ),
            InstanceNotRendered { instance } => {
                write!(f, "instance `{instance}` no longer renders")
            }
        }
    }
}

/// A default for messages: the constant in formwork syntax, or "none".
pub fn default_text(c: Option<&Const>) -> String {
    match c {
        Some(c) => format!("`{}`", const_text(c)),
        None => "none".to_string(),
    }
}

/// A constant written as in a template: `"small"`, `3`, `[1, 2]`, `{ a = 1 }`.
pub fn const_text(c: &Const) -> String {
    match c {
        Const::Null => "null".to_string(),
        Const::Lit(l) => l.to_string(),
        Const::List(items) => format!(
            "[{}]",
            items.iter().map(const_text).collect::<Vec<_>>().join(", ")
        ),
        Const::Map(entries) if entries.is_empty() => "{}".to_string(),
        Const::Map(entries) => format!(
            "{{ {} }}",
            entries
                .iter()
                .map(|(k, v)| format!("{k} = {}", const_text(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Both comparisons: the signatures, then every instance rendered for `target`.
/// `Err` holds the diagnostics of an instance the old version cannot render (its
/// values are wrong, which is no change of the template's). See
/// [`rendered::compare_instances`] for what the program must satisfy.
pub fn compare(
    program: &Program,
    old: DeclId,
    new: DeclId,
    instances: &[ExistingInstance],
    target: Target,
) -> Result<Vec<Change>, Vec<Diagnostic>> {
    let mut changes = compare_signatures(program, old, new);
    changes.extend(compare_instances(program, old, new, instances, target)?);
    Ok(changes)
}

/// The version to publish after `old` given these changes: the next minor when
/// nothing breaks; with `major`, the next major whatever changed. Without `major`,
/// a breaking change refuses the minor: the breaking changes are returned.
pub fn next_version(old: Version, changes: &[Change], major: bool) -> Result<Version, Vec<Change>> {
    if major {
        return Ok(Version {
            major: old.major.saturating_add(1),
            minor: 0,
        });
    }
    let breaking: Vec<Change> = changes
        .iter()
        .filter(|c| c.is_breaking())
        .cloned()
        .collect();
    if breaking.is_empty() {
        Ok(Version {
            major: old.major,
            minor: old.minor.saturating_add(1),
        })
    } else {
        Err(breaking)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::codes;

    #[test]
    fn versions_follow_the_changes() {
        let v = Version { major: 2, minor: 3 };
        let added = Change::compatible(ChangeKind::OutputAdded {
            output: "url".into(),
        });
        let removed = Change::reported(
            ChangeKind::OutputRemoved {
                output: "url".into(),
            },
            Diagnostic::new(codes::BREAKING_CHANGE, "output `url` was removed"),
        );
        assert_eq!(
            next_version(v, std::slice::from_ref(&added), false),
            Ok(Version { major: 2, minor: 4 })
        );
        assert_eq!(
            next_version(v, &[added.clone(), removed.clone()], false),
            Err(vec![removed.clone()])
        );
        assert_eq!(
            next_version(v, &[added, removed], true),
            Ok(Version { major: 3, minor: 0 })
        );
    }
}
