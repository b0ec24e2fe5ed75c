//! `formwork upgrade`: which version a spec moves to, whether its values still hold
//! there, and the spec's new text, which differs from the old only in the version of
//! its `template:` pin (comments, order, quoting and layout are kept byte for byte).

use crate::resolve::Version;
use crate::syntax::span::Span;

/// The version a spec on `current` moves to: `to` when given; else the newest of
/// `available` in the current major, or overall with `major`. `None` when it is
/// already there.
pub fn target_version(
    current: Version,
    available: &[Version],
    recommended: Option<Version>,
    to: Option<Version>,
    major: bool,
) -> Option<Version> {
    if let Some(to) = to {
        return (to != current).then_some(to);
    }
    let best = if major {
        recommended
            .filter(|r| *r >= current)
            .or_else(|| available.iter().max().copied())
    } else {
        let same_major = available
            .iter()
            .filter(|v| v.major == current.major)
            .max()
            .copied();
        match recommended {
            Some(r) if r.major == current.major => Some(r),
            _ => same_major,
        }
    };
    best.filter(|b| *b > current)
}

/// The spec's text with its `template:` pin (the scalar at `span`) naming `version`:
/// the characters after `@` are replaced, or `@VERSION` is added to a pin without one.
/// Quotes and everything around the pin are kept.
pub fn rewrite_pin(text: &str, span: Span, version: Version) -> Option<String> {
    let (start, end) = (span.start as usize, span.end as usize);
    let scalar = text.get(start..end)?;
    let quote = match scalar.chars().next() {
        Some(q @ ('"' | '\'')) if scalar.len() >= 2 && scalar.ends_with(q) => Some(q),
        _ => None,
    };
    let inner_start = start + usize::from(quote.is_some());
    let inner_end = end - usize::from(quote.is_some());
    let inner = text.get(inner_start..inner_end)?;
    let (from, to) = match inner.rfind('@') {
        Some(at) => (inner_start + at + 1, inner_end),
        None => (inner_end, inner_end),
    };
    let mut out = String::with_capacity(text.len() + 8);
    out.push_str(text.get(..from)?);
    if !inner.contains('@') {
        out.push('@');
    }
    out.push_str(&version.to_string());
    out.push_str(text.get(to..)?);
    Some(out)
}

/// The spec's text with a `template: NAME@VERSION` line added to the instance whose
/// `name:` value is at `name_span`, under its `name:` and indented like it. Only for
/// instances written in block style (`- name: web-dev` on its own line); `None`
/// otherwise.
pub fn insert_instance_pin(
    text: &str,
    name_span: Span,
    template: &str,
    version: Version,
) -> Option<String> {
    let start = name_span.start as usize;
    let line_start = text.get(..start)?.rfind('\n').map_or(0, |i| i + 1);
    let prefix = text.get(line_start..start)?;
    let key = prefix.rfind("name")?;
    let lead = prefix.get(..key)?;
    if !lead.chars().all(|c| c == ' ' || c == '-')
        || !prefix.get(key + 4..)?.trim_start().starts_with(':')
    {
        return None;
    }
    let indent = " ".repeat(lead.chars().count());
    let end = name_span.end as usize;
    let line_end = text.get(end..)?.find('\n').map(|i| end + i + 1);
    let line = format!("{indent}template: {template}@{version}\n");
    let mut out = String::with_capacity(text.len() + line.len() + 1);
    match line_end {
        Some(at) => {
            out.push_str(text.get(..at)?);
            out.push_str(&line);
            out.push_str(text.get(at..)?);
        }
        None => {
            out.push_str(text);
            out.push('\n');
            out.push_str(&line);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::span::FileId;

    fn span_of(text: &str, needle: &str) -> Span {
        let start = text.find(needle).unwrap_or(0);
        Span::new(FileId(0), start, start + needle.len())
    }

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap_or(Version { major: 0, minor: 0 })
    }

    #[test]
    fn rewrites_only_the_version() {
        let text = "# the shop\nproton: ServiceSpec\ntemplate: web@2.1   # pinned\ninstances: []\n";
        let got = rewrite_pin(text, span_of(text, "web@2.1"), v("2.3"));
        assert_eq!(
            got.as_deref(),
            Some("# the shop\nproton: ServiceSpec\ntemplate: web@2.3   # pinned\ninstances: []\n")
        );
        let quoted = "{\"proton\": \"ServiceSpec\", \"template\": \"web@2.1\"}";
        let got = rewrite_pin(quoted, span_of(quoted, "\"web@2.1\""), v("3.0"));
        assert_eq!(
            got.as_deref(),
            Some("{\"proton\": \"ServiceSpec\", \"template\": \"web@3.0\"}")
        );
        let unpinned = "template: 'web'\n";
        let got = rewrite_pin(unpinned, span_of(unpinned, "'web'"), v("1.2"));
        assert_eq!(got.as_deref(), Some("template: 'web@1.2'\n"));
    }

    #[test]
    fn adds_an_instance_pin_under_its_name() {
        let text = "instances:\n  - name: web-dev   # dev\n    environment: dev\n  - name: web-prod\n    environment: prod\n";
        let got = insert_instance_pin(text, span_of(text, "web-prod"), "web", v("2.2"));
        assert_eq!(
            got.as_deref(),
            Some(
                "instances:\n  - name: web-dev   # dev\n    environment: dev\n  - name: web-prod\n    template: web@2.2\n    environment: prod\n"
            )
        );
        let flow = "instances: [{name: web-dev, environment: dev}]\n";
        assert_eq!(
            insert_instance_pin(flow, span_of(flow, "web-dev"), "web", v("2.2")),
            None
        );
    }

    #[test]
    fn picks_the_newest_minor_unless_told_otherwise() {
        let all = [v("1.0"), v("1.1"), v("1.2"), v("2.0")];
        assert_eq!(
            target_version(v("1.0"), &all, None, None, false),
            Some(v("1.2"))
        );
        assert_eq!(
            target_version(v("1.0"), &all, None, None, true),
            Some(v("2.0"))
        );
        assert_eq!(target_version(v("1.2"), &all, None, None, false), None);
        assert_eq!(
            target_version(v("1.0"), &all, Some(v("1.1")), None, false),
            Some(v("1.1"))
        );
        assert_eq!(
            target_version(v("1.2"), &all, None, Some(v("1.0")), false),
            Some(v("1.0"))
        );
    }
}
