//! Tests of `formwork fmt`'s engine, [`formwork::format::format_source`].
//!
//! - `tests/fixtures/format/*.fw` are untidy inputs; each snapshot (kept beside them,
//!   in `tests/fixtures/format/snapshots/`) shows the input and its canonical form.
//!   In the input, a carriage return, a tab, a byte-order mark and a space at the end
//!   of a line are shown as `<CR>`, `<TAB>`, `<BOM>` and `<SP>`, so that the snapshot
//!   says what the bytes were.
//! - Every `.fw` file under `tests/fixtures/`, `examples/` and `stdlib/` that parses
//!   without errors is formatted, and the result must be stable (formatting it again
//!   changes nothing), mean the same (the same tree shape), keep every comment (the
//!   same comments, in the same order), keep each dangling doc comment dangling, and
//!   obey the layout rules that can be checked line by line.
//! - The same holds with a comment inserted between any two tokens of a few fixtures.

mod common;

use std::path::Path;

use common::{files_under, root};
use formwork::format::format_source;
use formwork::syntax::ast::{CommentKind, SourceFile};
use formwork::syntax::lexer::tokenize;
use formwork::syntax::token::Tok;
use formwork::syntax::{FileId, SyntaxError, parse, shape::shape};

#[test]
fn fixtures() {
    insta::with_settings!({
        snapshot_path => "fixtures/format/snapshots",
        prepend_module_to_snapshot => false,
    }, {
        insta::glob!("fixtures/format", "*.fw", |path| {
            let src = read(path);
            let out = format_source(&src)
                .unwrap_or_else(|e| panic!("{}: syntax errors: {e:?}", path.display()));
            let mut shown = visible(&src);
            if !src.is_empty() && !src.ends_with('\n') {
                shown.push_str("<no newline at the end>\n");
            }
            insta::assert_snapshot!(format!("----- SOURCE\n{shown}----- FORMATTED\n{out}"));
        });
    });
}

#[test]
fn every_clean_file_formats_stably_and_keeps_its_meaning() {
    let mut checked = 0;
    for dir in ["tests/fixtures", "examples", "stdlib"] {
        for path in files_under(&root().join(dir), "fw") {
            let Ok(src) = String::from_utf8(std::fs::read(&path).expect("readable")) else {
                continue;
            };
            let Ok(out) = format_source(&src) else {
                continue;
            };
            check_formatted(&path, &src, &out);
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} files were checked");
}

/// The invariants the formatter promises for one file, `src`, formatted as `out`.
fn check_formatted(path: &Path, src: &str, out: &str) {
    let name = path.display();
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let before = parse(src, FileId(0));
    let after = parse(out, FileId(0));
    let after_errors: Vec<_> = after.errors.iter().filter(|e| !dangling(e)).collect();
    assert!(
        after_errors.is_empty(),
        "{name}: the output has errors: {after_errors:?}\n{out}"
    );

    let again = format_source(out).expect("formatted text parses");
    assert_eq!(again, out, "{name}: formatting twice changes the text");
    assert_eq!(
        shape(&after.file),
        shape(&before.file),
        "{name}: the output means something else\n{out}"
    );
    assert_eq!(
        comments(&after.file, out),
        comments(&before.file, src),
        "{name}: comments were lost, added or reordered\n{out}"
    );
    let dangling_count = |errors: &[SyntaxError]| errors.iter().filter(|e| dangling(e)).count();
    assert_eq!(
        dangling_count(&after.errors),
        dangling_count(&before.errors),
        "{name}: a doc comment was attached or detached\n{out}"
    );

    let crlf = src.replace("\r\n", "\n").replace('\n', "\r\n");
    assert_eq!(
        format_source(&crlf).as_deref(),
        Ok(out),
        "{name}: line ends change the output"
    );

    assert!(!out.contains('\r'), "{name}: a carriage return is left");
    assert!(
        !out.starts_with('\u{feff}'),
        "{name}: a byte-order mark is left"
    );
    assert!(
        out.is_empty() || (out.ends_with('\n') && !out.ends_with("\n\n")),
        "{name}: the output does not end with exactly one newline"
    );
    assert!(
        !out.starts_with('\n'),
        "{name}: the output starts with a blank line"
    );
    let longest_input = src.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    for (i, line) in out.lines().enumerate() {
        let at = format!("{name}: output line {}: {line:?}", i + 1);
        assert_eq!(line.trim_end(), line, "{at}: trailing whitespace");
        let indent = &line[..line.len() - line.trim_start().len()];
        assert!(!indent.contains('\t'), "{at}: a tab in the indentation");
        assert!(
            line.chars().count() <= longest_input + 40,
            "{at}: longer than the input's longest line ({longest_input}) + 40"
        );
    }
    assert!(!out.contains("\n\n\n"), "{name}: two blank lines in a row");
}

/// Comments anywhere: a block comment, then a line comment, between every two tokens
/// of a few fixtures (where the lexer allows one), each in a copy of its own.
#[test]
fn a_comment_between_any_two_tokens_is_kept() {
    for name in ["expressions.fw", "items.fw", "types.fw", "pipeline.fw"] {
        let path = root().join("tests/fixtures/format").join(name);
        let src = read(&path);
        let (tokens, _, errors) = tokenize(&src, FileId(0));
        assert!(errors.is_empty(), "{name}: {errors:?}");
        let mut interpolations = 0;
        for (i, (_, tok, end)) in tokens.iter().enumerate() {
            match tok {
                Tok::InterpOpen => interpolations += 1,
                Tok::InterpClose => interpolations -= 1,
                _ => {}
            }
            // Inside a string, and between `matches` and its pattern, a comment is no
            // comment; a line comment cannot end inside an interpolation.
            if matches!(
                tok,
                Tok::StrOpen | Tok::StrText(..) | Tok::InterpClose | Tok::KwMatches
            ) {
                continue;
            }
            let mut insertions = vec![format!(" /* c{i} */ ")];
            if interpolations == 0 {
                insertions.push(format!(" // c{i}\n"));
            }
            for insertion in insertions {
                let mutated = format!("{}{insertion}{}", &src[..*end], &src[*end..]);
                let at = path.with_file_name(format!("{name}@{i}"));
                let out = format_source(&mutated)
                    .unwrap_or_else(|e| panic!("{}: {e:?}\n{mutated}", at.display()));
                check_formatted(&at, &mutated, &out);
            }
        }
    }
}

fn dangling(e: &SyntaxError) -> bool {
    matches!(e, SyntaxError::DanglingDocComment { .. })
}

/// Each comment's kind and text, as the formatter promises to keep it: line ends as
/// `\n` and no trailing whitespace on any of its lines.
fn comments(file: &SourceFile, src: &str) -> Vec<(CommentKind, String)> {
    file.trivia
        .comments
        .iter()
        .map(|c| {
            let text = src[c.span.range()].replace("\r\n", "\n");
            let lines: Vec<&str> = text.split('\n').map(str::trim_end).collect();
            (c.kind, lines.join("\n"))
        })
        .collect()
}

#[test]
fn broken_files_are_refused_with_their_errors() {
    let errors = format_source("service \"a\" {\n  version = \n}\n").unwrap_err();
    assert_eq!(errors.len(), 1);
    assert!(
        matches!(errors[0], SyntaxError::UnexpectedToken { .. }),
        "{errors:?}"
    );
    // The spans count from after the byte-order mark, as the source map does.
    let errors = format_source("\u{feff}service \"a\" {\n  version = \n}\n").unwrap_err();
    assert_eq!(errors[0].span().start, 27);
}

#[test]
fn a_dangling_doc_comment_is_only_a_warning() {
    let out = format_source("service \"a\" {\n  /// documents nothing\n}\n");
    assert_eq!(
        out.as_deref(),
        Ok("service \"a\" {\n  /// documents nothing\n}\n")
    );
}

#[test]
fn an_empty_file_stays_empty() {
    assert_eq!(format_source("").as_deref(), Ok(""));
    assert_eq!(format_source("\u{feff}\r\n\n \t\n").as_deref(), Ok(""));
}

fn read(path: &Path) -> String {
    String::from_utf8(std::fs::read(path).expect("fixture is readable")).expect("fixture is UTF-8")
}

/// The source with the bytes a snapshot would not show made visible.
fn visible(src: &str) -> String {
    let marked = src
        .replace('\u{feff}', "<BOM>")
        .replace('\r', "<CR>")
        .replace('\t', "<TAB>");
    let mut out = String::new();
    for line in marked.split_inclusive('\n') {
        let body = line.strip_suffix('\n').unwrap_or(line);
        let code = body.trim_end_matches(' ');
        out.push_str(code);
        out.push_str(&"<SP>".repeat(body.len() - code.len()));
        if line.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}
