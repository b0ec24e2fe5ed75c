//! The front end on hostile input: pathological nesting, odd encodings and line ends,
//! unterminated constructs, huge and empty files, and randomized inputs. Every case
//! checks that nothing panics, that the right error comes out, and how many.
//!
//! The nesting cases run on a thread with a 2 MiB stack, the default for test
//! threads, set explicitly so that `RUST_MIN_STACK` cannot hide an overflow.

use formwork::diagnostics::Diagnostic;
use formwork::format::format_source;
use formwork::syntax::error::{MAX_NESTING, SyntaxError};
use formwork::syntax::parse::MAX_ERRORS_PER_FILE;
use formwork::syntax::shape::shape;
use formwork::syntax::span::{MAX_SOURCE_BYTES, SourceFile};
use formwork::syntax::{FileId, Parsed, decode_source, parse};

mod common;
#[path = "../benches/gen/mod.rs"]
mod generator;

use common::Rng;

const FILE: FileId = FileId(0);

/// Parses `src` and checks what must hold for any input: the errors are capped,
/// every error's span lies in the file, and every error becomes a diagnostic.
fn parse_checked(src: &str) -> Parsed {
    let parsed = parse(src, FILE);
    assert!(
        parsed.errors.len() <= MAX_ERRORS_PER_FILE + 1,
        "{} errors",
        parsed.errors.len()
    );
    for e in &parsed.errors {
        let span = e.span();
        assert!(
            span.start <= span.end && span.end as usize <= src.len(),
            "{e:?} lies outside the {}-byte input",
            src.len()
        );
        let _ = Diagnostic::from(e.clone());
    }
    parsed
}

// ----------------------------------------------------------------------------------
// Nesting

const DEEP: usize = 100_000;

/// Parses on a thread with the default 2 MiB test stack and returns the errors; the
/// tree is dropped on that thread too, since dropping is recursive.
fn errors_on_small_stack(src: String) -> Vec<SyntaxError> {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || parse_checked(&src).errors)
        .expect("a thread can be spawned")
        .join()
        .expect("parsing must not panic or overflow the stack")
}

/// `src` nests too deep: exactly one error, `NestingTooDeep`.
fn assert_too_deep(what: &str, src: String) {
    let errors = errors_on_small_stack(src);
    assert!(
        matches!(
            errors[..],
            [SyntaxError::NestingTooDeep {
                limit: MAX_NESTING,
                ..
            }]
        ),
        "{what}: {errors:?}"
    );
}

/// The errors' variant names, in order.
fn kinds(errors: &[SyntaxError]) -> Vec<String> {
    let name = |e: &SyntaxError| {
        format!("{e:?}")
            .split([' ', '{'])
            .next()
            .map(str::to_string)
    };
    errors.iter().filter_map(name).collect()
}

fn in_let(expr: &str) -> String {
    format!("service \"s\" {{\n  let x = {expr}\n}}\n")
}

fn nested(open: &str, inner: &str, close: &str) -> String {
    let mut s = String::with_capacity((open.len() + close.len()) * DEEP + inner.len());
    s.push_str(&open.repeat(DEEP));
    s.push_str(inner);
    s.push_str(&close.repeat(DEEP));
    s
}

#[test]
fn deep_parentheses() {
    assert_too_deep("parens", in_let(&nested("(", "1", ")")));
}

#[test]
fn deep_lists() {
    assert_too_deep("lists", in_let(&nested("[", "1", "]")));
}

#[test]
fn deep_maps() {
    assert_too_deep("maps", in_let(&nested("{a=", "1", "}")));
}

#[test]
fn deep_unary_chain() {
    assert_too_deep("unary", in_let(&format!("{}x", "- ".repeat(DEEP))));
}

#[test]
fn long_binary_chain() {
    let chain = format!("a{}", "+a".repeat(DEEP - 1));
    assert_too_deep("a+a+…", in_let(&chain));
}

#[test]
fn deep_if_else_chain() {
    let chain = format!("{}c", "if a then b else ".repeat(DEEP));
    assert_too_deep("if chain", in_let(&chain));
}

#[test]
fn deep_interpolations() {
    assert_too_deep("interpolation", in_let(&nested("\"${", "1", "}\"")));
}

#[test]
fn deep_generic_types() {
    let src = format!(
        "service \"s\" {{\n  input {{ x: {} }}\n}}\n",
        nested("List<", "Int", ">")
    );
    assert_too_deep("List<List<…>>", src);
}

#[test]
fn deep_record_types() {
    let src = format!("type T = {}\n", nested("{ a: ", "Int", " }"));
    assert_too_deep("records", src);
}

#[test]
fn deep_pipeline_steps() {
    let steps = nested("stage \"a\" { ", "run \"x\"", " }");
    let src = format!("service \"s\" {{\n  pipeline {{ {steps} }}\n}}\n");
    assert_too_deep("steps", src);
}

/// Unbalanced deep input: no panic, no overflow, one error (or two, when a string is
/// also left open). Brackets opened past the lexer's limit are one `NestingTooDeep`;
/// `<` is no bracket to the lexer, and closers alone nest nothing.
#[test]
fn deep_and_unbalanced() {
    let cases = [
        (in_let(&"(".repeat(DEEP)), &["NestingTooDeep"][..]),
        (
            in_let(&format!("{}1", "[".repeat(DEEP))),
            &["NestingTooDeep"],
        ),
        (
            in_let(&format!("{}1{}", "(".repeat(DEEP), "]".repeat(DEEP))),
            &["NestingTooDeep"],
        ),
        (in_let(&"{a=".repeat(DEEP)), &["NestingTooDeep"]),
        (
            in_let(&"\"${".repeat(DEEP)),
            &["NestingTooDeep", "UnterminatedInterpolation"],
        ),
        (
            format!(
                "service \"s\" {{ pipeline {{ {} }} }}",
                "stage \"a\" { ".repeat(DEEP)
            ),
            &["NestingTooDeep"],
        ),
        (
            format!(
                "service \"s\" {{ input {{ x: {} }} }}",
                "List<".repeat(DEEP)
            ),
            &["UnexpectedToken"],
        ),
        (
            in_let(&format!("1{}", ")".repeat(DEEP))),
            &["UnexpectedToken"],
        ),
        ("}".repeat(DEEP), &["UnexpectedToken"]),
    ];
    for (src, expected) in cases {
        let head: String = src.chars().take(40).collect();
        let errors = errors_on_small_stack(src);
        assert_eq!(kinds(&errors), expected, "{head}…: {errors:?}");
    }
}

// ----------------------------------------------------------------------------------
// Encodings, line ends, unterminated constructs, sizes

/// The 1-based line and column where `e` starts, as a diagnostic shows them.
fn line_col(file: &SourceFile, e: &SyntaxError) -> (usize, usize) {
    file.line_col(e.span().start as usize)
}

/// Decodes and parses bytes as `formwork check` does: the source map strips a BOM.
fn load(bytes: &[u8]) -> (SourceFile, Option<SyntaxError>, Parsed) {
    let (text, problem) = decode_source(bytes, FILE);
    let file = SourceFile::new("t.fw", text);
    let parsed = parse_checked(&file.text);
    (file, problem, parsed)
}

#[test]
fn invalid_utf8_names_the_byte_offset() {
    let mut bytes = b"service \"a\" {\n  x = \"".to_vec();
    let offset = bytes.len();
    bytes.extend([0xff, 0xfe]);
    bytes.extend(b"\"\n}\n");
    let (file, problem, _) = load(&bytes);
    let Some(err @ SyntaxError::InvalidUtf8 { offset: at, .. }) = problem else {
        panic!("expected InvalidUtf8, got {problem:?}");
    };
    assert_eq!(at, offset);
    assert_eq!(line_col(&file, &err), (2, 8));
    let message = Diagnostic::from(err).message;
    assert!(message.contains(&offset.to_string()), "{message}");
}

#[test]
fn invalid_utf8_after_a_bom_points_at_the_byte() {
    let bytes = [&[0xef, 0xbb, 0xbf][..], b"x = ", &[0x80]].concat();
    let (file, problem, _) = load(&bytes);
    let Some(err @ SyntaxError::InvalidUtf8 { offset: 7, .. }) = problem else {
        panic!("expected InvalidUtf8 at byte 7, got {problem:?}");
    };
    assert_eq!(file.text.get(err.span().range()), Some("\u{fffd}"));
}

#[test]
fn bom_is_accepted_and_columns_are_right() {
    let src = "\u{feff}service \"a\" {\n  x = 1\n}\n";
    let (_, problem, parsed) = load(src.as_bytes());
    assert!(
        problem.is_none() && parsed.errors.is_empty(),
        "{:?}",
        parsed.errors
    );

    let (file, _, parsed) = load("\u{feff}x@".as_bytes());
    let bad = parsed
        .errors
        .iter()
        .find(|e| matches!(e, SyntaxError::UnexpectedChar { .. }));
    assert_eq!(
        bad.map(|e| line_col(&file, e)),
        Some((1, 2)),
        "{:?}",
        parsed.errors
    );
    assert_eq!(
        format_source(src).as_deref(),
        Ok("service \"a\" {\n  x = 1\n}\n")
    );
}

#[test]
fn crlf_line_ends_are_accepted_and_positions_are_right() {
    let ok = "// c\r\nservice \"a\" {\r\n  x = 1\r\n  y = \"s\"\r\n}\r\n";
    assert!(parse_checked(ok).errors.is_empty());

    let src = "service \"a\" {\r\n  x = 1\r\n  y = @\r\n}\r\n";
    let (file, _, parsed) = load(src.as_bytes());
    assert_eq!(parsed.errors.len(), 1, "{:?}", parsed.errors);
    assert_eq!(line_col(&file, &parsed.errors[0]), (3, 7));

    // A comment ends before its `\r`, and an unterminated string at its line's end.
    let parsed = parse_checked("// note\r\nservice \"a\" {\r\n  x = \"abc\r\n}\r\n");
    let comment = parsed.file.trivia.comments[0].span;
    assert_eq!((comment.start, comment.end), (0, 7));
    assert!(
        matches!(parsed.errors[..], [SyntaxError::UnterminatedString { open, .. }] if open.start == 30)
    );
}

#[test]
fn tabs_are_whitespace_and_count_one_column() {
    let src = "service\t\"a\"\t{\n\tx\t=\t1\n\ty = @\n}\n";
    let (file, _, parsed) = load(src.as_bytes());
    assert_eq!(parsed.errors.len(), 1, "{:?}", parsed.errors);
    assert_eq!(line_col(&file, &parsed.errors[0]), (3, 6));
}

/// The start of the only error of `src`'s kind `pred`, as (line, column).
fn only_error_at(src: &str, pred: impl Fn(&SyntaxError) -> bool) -> (usize, usize) {
    let parsed = parse_checked(src);
    let hits: Vec<_> = parsed.errors.iter().filter(|e| pred(e)).collect();
    assert_eq!(hits.len(), 1, "{src:?}: {:?}", parsed.errors);
    line_col(&SourceFile::new("t.fw", src), hits[0])
}

#[test]
fn unterminated_constructs_point_where_they_open() {
    use SyntaxError as E;
    let string = "service \"a\" {\n  x = \"abc\n  y = 1\n}\n";
    assert_eq!(
        only_error_at(string, |e| matches!(e, E::UnterminatedString { .. })),
        (2, 7)
    );
    assert_eq!(parse_checked(string).errors.len(), 1);

    let at_eof = "service \"a\" {\n  x = \"abc";
    assert_eq!(
        only_error_at(at_eof, |e| matches!(e, E::UnterminatedString { .. })),
        (2, 7)
    );

    let interp = "service \"a\" {\n  x = \"a ${b + \n  y = 1\n}\n";
    assert_eq!(
        only_error_at(interp, |e| matches!(e, E::UnterminatedInterpolation { .. })),
        (2, 10)
    );

    let nested = "service \"a\" {\n  x = \"a ${f(\"b ${c\n  y = 1\n}\n";
    assert_eq!(
        only_error_at(nested, |e| matches!(e, E::UnterminatedInterpolation { .. })),
        (2, 17)
    );
    assert!(parse_checked(nested).errors.len() == 1);

    let comment = "service \"a\" {}\n/* one /* two */\nservice \"b\" {}\n";
    assert_eq!(
        only_error_at(comment, |e| matches!(e, E::UnterminatedBlockComment { .. })),
        (2, 1)
    );

    let regex = "type Name = String matches /^[a-z]+\ntype Port = Int\n";
    assert_eq!(
        only_error_at(regex, |e| matches!(e, E::UnterminatedRegex { .. })),
        (1, 28)
    );
    assert_eq!(parse_checked(regex).errors.len(), 1);
}

#[test]
fn empty_and_blank_files_have_no_errors() {
    for src in ["", "\n", "  \t\r\n", "// only a comment", "/* block */"] {
        assert!(parse_checked(src).errors.is_empty(), "{src:?}");
    }
}

#[test]
fn a_mebibyte_of_nul_bytes_is_one_error() {
    let src = "\0".repeat(1 << 20);
    let errors = parse_checked(&src).errors;
    assert!(
        matches!(errors[..], [SyntaxError::UnexpectedChar { .. }]),
        "{:?}",
        &errors[..errors.len().min(3)]
    );
}

#[test]
fn a_file_over_the_limit_is_refused_unread() {
    // Zeroed memory is not touched until written, so this costs no 64 MiB of work.
    let bytes = vec![0u8; MAX_SOURCE_BYTES + 1];
    let (text, problem) = decode_source(&bytes, FILE);
    assert!(text.is_empty());
    assert!(
        matches!(problem, Some(SyntaxError::FileTooLarge { size, limit, .. })
            if size == bytes.len() as u64 && limit == MAX_SOURCE_BYTES as u64),
        "{problem:?}"
    );
}

/// The benchmark's generator, at 2 MB: 5 MB took 6 s in a debug build, too long
/// for every `cargo test`; the release benchmark covers larger inputs.
#[test]
fn a_two_megabyte_file_parses_cleanly() {
    let src = generator::source(64_000);
    assert!(src.len() >= 2_000_000, "{} bytes", src.len());
    let parsed = parse(&src, FILE);
    assert!(
        parsed.errors.is_empty(),
        "{:?}",
        &parsed.errors[..parsed.errors.len().min(5)]
    );
}

// ----------------------------------------------------------------------------------
// Randomized inputs

/// Every token's spelling, and the pieces that switch the lexer's modes.
const SPELLINGS: &[&str] = &[
    "environment",
    "service",
    "module",
    "import",
    "as",
    "type",
    "requires",
    "input",
    "pipeline",
    "let",
    "use",
    "resource",
    "output",
    "when",
    "for",
    "in",
    "if",
    "then",
    "else",
    "match",
    "true",
    "false",
    "null",
    "matches",
    "len",
    "untyped",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "<",
    ">",
    "<=",
    ">=",
    "==",
    "!=",
    "=",
    ",",
    ".",
    "..",
    ":",
    "?",
    "|",
    "||",
    "&&",
    "!",
    "+",
    "-",
    "*",
    "/",
    "%",
    "=>",
    "^",
    "~",
    "a",
    "x_1",
    "_",
    "Int",
    "String",
    "List",
    "Map",
    "0",
    "1_000",
    "3.5",
    "2.5e3",
    "1e999",
    "99999999999999999999",
    "3.x",
    "2.*",
    "AWS::S3::Bucket",
    "aws_s3_bucket",
    "\"s\"",
    "\"",
    "\"a ${",
    "${",
    "}\"",
    "\"${x}\"",
    "\"\\n\\u{41}\"",
    "\"\\q\"",
    "\"\\u{110000}\"",
    "\\",
    "$",
    "matches /^a+$/",
    "/[a-z\\/]/",
    "// line\n",
    "/// doc\n",
    "/* block */",
    "/*",
    "*/",
    "\n",
    "\r\n",
    "\t",
    "@",
    "é",
    "\u{feff}",
    "\0",
    "#",
];

/// A small file with every kind of item, for the mutation test.
const VALID: &str = r#"import "net.fw" as net
/// Doc.
type Port = Int in 1..65_535
service "api" {
  requires environment "prod" ^2.1 || ~3.0, >=1.2
  input {
    count: Int in 1..10 = 2
    name: String matches /^[a-z]+$/ = "api"
    tags: Map<String, String>? = null
  }
  let total = -count * 2 + (1 % 3) / 4
  let pick = if count > 2 && true then "a ${name} b" else match name { "x" | "y" => 1, _ => 2 }
  let xs = [for i, v in [1, 2] : v * i if v != 1]
  let ys = {for k, v in tags : k => "${v}"}
  use vpc = net.vpc { cidr = "10.0.0.0/16" }
  // A bucket.
  resource logs: AWS::S3::Bucket when count > 1 {
    name = "logs-${count}"
    rules = [{ days = 30 }, { days = 90 }]
  }
  output url: String = logs.arn
  pipeline {
    trigger = "push"
    stage "build" { run "make", approve ["ops"] }
    deploy env.prod
  }
}
"#;

/// Checks one random input: no panic, spans in range (in [`parse_checked`]), no more
/// errors than bytes and, when it parses cleanly, that formatting is stable and keeps
/// the tree.
fn check_random(src: &str) {
    let parsed = parse_checked(src);
    assert!(
        parsed.errors.len() <= src.len(),
        "{src:?}: {:?}",
        parsed.errors
    );
    let file = SourceFile::new("t.fw", src);
    for e in &parsed.errors {
        let _ = line_col(&file, e);
    }
    if parsed.errors.is_empty() {
        assert_formatting_is_stable(src, &parsed);
    }
}

fn assert_formatting_is_stable(src: &str, parsed: &Parsed) {
    let formatted = match format_source(src) {
        Ok(f) => f,
        Err(errors) => panic!("{src:?} parses cleanly but does not format: {errors:?}"),
    };
    assert_eq!(
        format_source(&formatted).as_ref(),
        Ok(&formatted),
        "formatting {src:?} twice"
    );
    let reparsed = parse(&formatted, FILE);
    assert!(
        reparsed.errors.is_empty(),
        "{formatted:?}: {:?}",
        reparsed.errors
    );
    assert_eq!(
        shape(&parsed.file),
        shape(&reparsed.file),
        "formatting {src:?} changed its tree"
    );
}

#[test]
fn random_bytes() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let alphabet = b"{}()[]<>=!,.:?|&+-*/%^~\"$\\_ \n\t\raz09";
    for _ in 0..1500 {
        let len = rng.below(64);
        let bytes: Vec<u8> = (0..len)
            .map(|_| match rng.below(3) {
                0 => rng.next() as u8,
                _ => alphabet[rng.below(alphabet.len())],
            })
            .collect();
        let (text, _) = decode_source(&bytes, FILE);
        check_random(&SourceFile::new("t.fw", text).text);
    }
}

#[test]
fn random_token_soups() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    for _ in 0..1500 {
        let n = 1 + rng.below(24);
        let mut src = String::new();
        for _ in 0..n {
            src.push_str(rng.pick(SPELLINGS));
            src.push_str(rng.pick(&[" ", " ", "", "\n"]));
        }
        check_random(&src);
    }
}

#[test]
fn random_mutations_of_a_valid_file() {
    check_random(VALID);
    assert!(parse(VALID, FILE).errors.is_empty());
    let mut rng = Rng(0xdead_beef_cafe_f00d);
    for _ in 0..600 {
        let mut bytes = VALID.as_bytes().to_vec();
        for _ in 0..1 + rng.below(3) {
            mutate(&mut rng, &mut bytes);
        }
        // Mutations cut anywhere, so they can split a character: decode like a file.
        let (text, _) = decode_source(&bytes, FILE);
        check_random(&text);
    }
}

/// Deletes, duplicates or swaps a random span, or inserts a random token.
fn mutate(rng: &mut Rng, bytes: &mut Vec<u8>) {
    let len = bytes.len();
    let a = rng.below(len + 1);
    let b = (a + rng.below(24)).min(len);
    match rng.below(4) {
        0 => {
            bytes.drain(a..b);
        }
        1 => {
            let piece = bytes[a..b].to_vec();
            bytes.splice(a..a, piece);
        }
        2 => {
            let c = rng.below(len + 1);
            let d = (c + rng.below(24)).min(len);
            if b <= c {
                let (first, second) = (bytes[a..b].to_vec(), bytes[c..d].to_vec());
                bytes.splice(c..d, first);
                bytes.splice(a..b, second);
            }
        }
        _ => {
            let token = rng.pick(SPELLINGS).as_bytes().to_vec();
            bytes.splice(a..a, token);
        }
    }
}
