//! Stack names. Every environment and every service instance of a workspace is one
//! CloudFormation stack (or one Terraform state), named by its name alone: an
//! environment by its spec file's name, an instance by its `name:`. The same name is
//! the artifact's folder in the build, the manifest's `stack`, and what `deploy.sh`
//! and the pipelines deploy. So names must be unique across the whole workspace, and
//! unique once case and `_`/`-` are ignored (a case-insensitive file system, or a
//! reader, would take `Web-Dev` and `web_dev` for one).

use std::collections::BTreeMap;

use crate::diagnostics::{Diagnostic, codes};
use crate::syntax::span::{SourceMap, Span};

use super::Plan;

/// The key two stack names collide on: lower case, `_` read as `-`.
pub fn stack_key(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c == '_' {
                '-'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

/// One stack of the plan: its name, what it is, and where its name is written.
struct Stack {
    name: String,
    what: String,
    span: Span,
}

/// Every pair of stacks in `plan` that would share a name, as an error at the later
/// one, naming the first.
pub fn collisions(plan: &Plan, map: &SourceMap) -> Vec<Diagnostic> {
    let file_name = |f| map.get(f).map(|s| s.name.clone()).unwrap_or_default();
    let mut stacks = Vec::new();
    for e in &plan.environments {
        stacks.push(Stack {
            name: e.name.clone(),
            what: format!("environment `{}` ({})", e.name, file_name(e.spec)),
            span: Span::new(e.spec, 0, 0),
        });
    }
    for s in &plan.services {
        for i in &s.instances {
            stacks.push(Stack {
                name: i.name.clone(),
                what: format!("instance `{}` of service `{}`", i.name, s.name),
                span: i.name_span,
            });
        }
    }
    let mut seen: BTreeMap<String, &Stack> = BTreeMap::new();
    let mut diags = Vec::new();
    for st in &stacks {
        let key = stack_key(&st.name);
        let Some(first) = seen.get(&key) else {
            seen.insert(key, st);
            continue;
        };
        let same = if first.name == st.name {
            format!("the stack `{}`", st.name)
        } else {
            format!(
                "one stack (`{}` and `{}` differ only in case or `_`/`-`)",
                first.name, st.name
            )
        };
        // Two instances of one service with one name are E0309, reported by the spec.
        if first.span.file == st.span.file && first.name == st.name {
            continue;
        }
        diags.push(
            Diagnostic::new(
                codes::STACK_NAME_COLLISION,
                format!("{} and {} would deploy to {same}", st.what, first.what),
            )
            .with_primary(st.span, format!("`{}` is already a stack's name", st.name))
            .with_secondary(first.span, format!("{} is named here", first.what))
            .with_note(
                "each environment and service instance is a stack named by its name alone, unique in the workspace whatever the case, with `_` and `-` alike",
            )
            .with_help("rename one of them, for example by prefixing the instance with its service's name"),
        );
    }
    diags
}

#[cfg(test)]
mod tests {
    use super::stack_key;

    #[test]
    fn keys_ignore_case_and_underscores() {
        assert_eq!(stack_key("Web_Dev"), stack_key("web-dev"));
        assert_ne!(stack_key("web-dev"), stack_key("webdev"));
    }
}
