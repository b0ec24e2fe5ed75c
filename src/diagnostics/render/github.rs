//! Diagnostics as GitHub Actions workflow commands, one line each:
//! `::error file=…,line=…,col=…,endLine=…,endColumn=…,title=E0006 unexpected-token::…`.
//! GitHub turns them into annotations on the pull request's diff.
//!
//! A command is one line, so the message, the primary label, secondary labels (with
//! their places: they may be in other files), notes and help are joined with escaped
//! newlines. GitHub's annotations carry columns only for a span on one line, so a span
//! across lines gets `line` and `endLine` alone.

use crate::diagnostics::diagnostic::{Diagnostic, Severity};
use crate::diagnostics::render::{Position, notes_and_help};
use crate::syntax::span::SourceMap;

pub(super) fn render(diags: &[Diagnostic], sources: &SourceMap) -> String {
    diags.iter().map(|d| command(d, sources)).collect()
}

fn command(d: &Diagnostic, sources: &SourceMap) -> String {
    let kind = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut props = Vec::new();
    if let Some(p) = d.primary_span().and_then(|s| Position::of(sources, s)) {
        props.push(("file", p.file.replace('\\', "/")));
        props.push(("line", p.line.to_string()));
        if p.line == p.end_line {
            props.push(("col", p.column.to_string()));
        }
        props.push(("endLine", p.end_line.to_string()));
        if p.line == p.end_line {
            props.push(("endColumn", p.end_column.to_string()));
        }
    }
    props.push(("title", format!("{} {}", d.code.id, d.code.name)));
    let props: Vec<String> = props
        .into_iter()
        .map(|(k, v)| format!("{k}={}", escape_property(&v)))
        .collect();

    let mut lines = vec![d.message.clone()];
    for l in &d.labels {
        if l.message.is_empty() {
            continue;
        }
        match Position::of(sources, l.span) {
            Some(p) if !l.primary => {
                lines.push(format!("{}:{}:{}: {}", p.file, p.line, p.column, l.message))
            }
            _ => lines.push(l.message.clone()),
        }
    }
    lines.extend(notes_and_help(d));
    format!(
        "::{kind} {}::{}\n",
        props.join(","),
        escape_data(&lines.join("\n"))
    )
}

/// Escapes a command's message: `%`, `\r` and `\n` would end or corrupt the command.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value, where `:` and `,` also delimit.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::codes;
    use crate::diagnostics::render::test_support::{diagnostics, sources};
    use crate::syntax::span::Span;

    #[test]
    fn one_command_per_diagnostic_with_escaped_data() {
        let (map, a, b, empty) = sources();
        let out = render(&diagnostics(a, b, empty), &map);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines,
            [
                "::error file=service.fw,line=3,col=11,endLine=3,endColumn=12,title=E0006 unexpected-token\
                 ::unexpected `;`, 100%25 wrong%0Aexpected an expression\
                 %0Aspec/env.fw:2:3: declared here: `version`, a string\
                 %0Anote: first line%0Asecond line%0Ahelp: write a value, like `1`",
                "::warning file=spec/env.fw,line=4,col=1,endLine=4,endColumn=1,\
                 title=W0001 dangling-doc-comment::doc comment documents nothing%0Athe file ends here",
                "::error file=empty.fw,line=1,col=1,endLine=1,endColumn=1,\
                 title=E0007 unexpected-end-of-file::unexpected end of file%0Aexpected a declaration",
            ]
        );
        assert!(out.ends_with('\n'));
    }

    #[test]
    fn property_values_escape_colons_commas_and_newlines() {
        assert_eq!(escape_property("a:b,c%d\r\ne"), "a%3Ab%2Cc%25d%0D%0Ae");
        assert_eq!(escape_data("a:b,c%d\r\ne"), "a:b,c%25d%0D%0Ae");

        let mut map = SourceMap::new();
        let f = map.add("dir\\we,ird:name.fw", "a\nbc\n");
        let d = Diagnostic::new(
            codes::UNTERMINATED_BLOCK_COMMENT,
            "unterminated block comment",
        )
        .with_primary(Span::new(f, 0, 4), "");
        assert_eq!(
            render(&[d], &map),
            "::error file=dir/we%2Cird%3Aname.fw,line=1,endLine=2,\
             title=E0003 unterminated-block-comment::unterminated block comment\n"
        );
    }

    #[test]
    fn a_diagnostic_without_a_place_has_only_a_title() {
        let d = Diagnostic::new(codes::TOO_MANY_ERRORS, "too many syntax errors");
        assert_eq!(
            render(&[d], &SourceMap::new()),
            "::error title=E0014 too-many-errors::too many syntax errors\n"
        );
    }
}
