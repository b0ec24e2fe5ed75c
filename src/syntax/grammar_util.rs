//! Helpers the grammar's actions call: span construction, nesting limits, error
//! recovery, and the wording of "expected …" for people.

use lalrpop_util::{ErrorRecovery, ParseError};

use crate::syntax::ast::*;
use crate::syntax::error::{Expected, MAX_NESTING, SyntaxError};
use crate::syntax::lexer::without_underscores;
pub use crate::syntax::lexer::{regex_body, unescape};
use crate::syntax::span::{FileId, Span};
use crate::syntax::token::{Tok, TokKind};

/// What the grammar's actions share: the file, its text, and the errors found so far.
pub struct ParseState<'a> {
    pub file: FileId,
    pub src: &'a str,
    pub errors: Vec<SyntaxError>,
    too_deep_reported: bool,
}

impl<'a> ParseState<'a> {
    pub fn new(file: FileId, src: &'a str) -> ParseState<'a> {
        ParseState {
            file,
            src,
            errors: Vec::new(),
            too_deep_reported: false,
        }
    }

    pub fn span(&self, l: usize, r: usize) -> Span {
        Span::new(self.file, l, r)
    }

    /// The source text from `l` to `r`: a token's text.
    pub fn text(&self, l: usize, r: usize) -> &'a str {
        self.src.get(l..r).unwrap_or("")
    }

    /// Whether the source between `l` and `r` spans more than one line.
    pub fn multiline(&self, l: usize, r: usize) -> bool {
        self.src.get(l..r).is_some_and(|s| s.contains('\n'))
    }

    /// Builds an expression node, replacing it by an error node when it nests too deep.
    pub fn expr(&mut self, kind: ExprKind, l: usize, r: usize) -> Expr {
        let depth = expr_kind_depth(&kind) + 1;
        let span = self.span(l, r);
        if depth > MAX_NESTING {
            self.report_too_deep(span);
            return Expr {
                kind: ExprKind::Error,
                span,
                depth: MAX_NESTING,
            };
        }
        Expr { kind, span, depth }
    }

    pub fn binary(&mut self, op: BinaryOp, lhs: Expr, rhs: Expr, l: usize, r: usize) -> Expr {
        self.expr(
            ExprKind::Binary {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            },
            l,
            r,
        )
    }

    /// A name used as an expression.
    pub fn name_expr(&mut self, name: &str, l: usize, r: usize) -> Expr {
        let name = Ident {
            name: name.into(),
            span: self.span(l, r),
        };
        self.expr(ExprKind::Name(name), l, r)
    }

    /// `chain op`: the operators waiting on the chain's last operand that bind at
    /// least as tightly as `op` take it as their right operand, tightest first, and
    /// the result waits on `op`. This is what an LR tier of precedence levels does on
    /// seeing `op`: the same nodes, built in the same order.
    pub fn chain_op(&mut self, mut chain: Chain, op: BinaryOp) -> Chain {
        let rhs = self.fold(&mut chain, precedence(op));
        chain.0.push((rhs, op));
        chain
    }

    /// The end of a chain: every waiting operator takes its right operand.
    pub fn chain_end(&mut self, mut chain: Chain) -> Expr {
        self.fold(&mut chain, 0)
    }

    /// Pops the chain's last operand and folds into it the waiting operators that bind
    /// at least as tightly as `min`.
    fn fold(&mut self, chain: &mut Chain, min: u8) -> Expr {
        let Some((mut rhs, _)) = chain.0.pop() else {
            // A chain always ends with an operand (see `Chain::operand`).
            return Expr {
                kind: ExprKind::Error,
                span: self.span(0, 0),
                depth: 1,
            };
        };
        while let Some(&(_, op)) = chain.0.last()
            && precedence(op) >= min
        {
            let Some((lhs, _)) = chain.0.pop() else { break };
            let (l, r) = (lhs.span.start as usize, rhs.span.end as usize);
            rhs = self.binary(op, lhs, rhs, l, r);
        }
        rhs
    }

    /// Builds a type node, with the same nesting limit as [`ParseState::expr`].
    pub fn ty(&mut self, kind: TypeKind, l: usize, r: usize) -> TypeExpr {
        let depth = type_kind_depth(&kind) + 1;
        let span = self.span(l, r);
        if depth > MAX_NESTING {
            self.report_too_deep(span);
            return TypeExpr {
                kind: TypeKind::Error,
                span,
                depth: MAX_NESTING,
            };
        }
        TypeExpr { kind, span, depth }
    }

    fn report_too_deep(&mut self, span: Span) {
        // One report per file: the error node that replaces the deep tree is itself at
        // the limit, so every enclosing node is replaced too, silently.
        if !self.too_deep_reported {
            self.too_deep_reported = true;
            self.errors.push(SyntaxError::NestingTooDeep {
                span,
                limit: MAX_NESTING,
            });
        }
    }
}

/// How tightly a binary operator binds; the loosest is 1.
fn precedence(op: BinaryOp) -> u8 {
    match op {
        BinaryOp::Or => 1,
        BinaryOp::And => 2,
        BinaryOp::Eq | BinaryOp::Ne => 3,
        BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => 4,
        // Below arithmetic, above comparisons, as Kotlin's `?:` and Swift's `??`:
        // `input.days ?? 7 > 3` is `(input.days ?? 7) > 3`.
        BinaryOp::Coalesce => 5,
        BinaryOp::Add | BinaryOp::Sub => 6,
        BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => 7,
    }
}

/// A chain of binary operators being read: operands, each with the operator that
/// follows it, of strictly rising precedence (looser ones have been folded). The last
/// entry is the latest operand; its operator is a placeholder until the next one
/// arrives ([`ParseState::chain_op`]) or the chain ends ([`ParseState::chain_end`]).
pub struct Chain(Vec<(Expr, BinaryOp)>);

impl Chain {
    /// `lhs op`: the start of a chain.
    pub fn start(lhs: Expr, op: BinaryOp) -> Chain {
        let mut v = Vec::with_capacity(4);
        v.push((lhs, op));
        Chain(v)
    }

    /// `chain operand`: the operand waits for the next operator, or the end.
    pub fn operand(mut self, operand: Expr) -> Chain {
        self.0.push((operand, BinaryOp::Or));
        self
    }
}

fn max_depth<'e>(exprs: impl IntoIterator<Item = &'e Expr>) -> u32 {
    exprs.into_iter().map(|e| e.depth).max().unwrap_or(0)
}

fn string_depth(s: &StringLit) -> u32 {
    s.parts
        .iter()
        .map(|p| match p {
            StringPart::Interpolation(e) => e.depth,
            StringPart::Text { .. } => 0,
        })
        .max()
        .unwrap_or(0)
}

fn expr_kind_depth(kind: &ExprKind) -> u32 {
    match kind {
        ExprKind::Literal(_) | ExprKind::Name(_) | ExprKind::Error => 0,
        ExprKind::String(s) => string_depth(s),
        ExprKind::List { items, .. } => max_depth(items),
        ExprKind::Map { entries, .. } => max_depth(entries.iter().map(|e| &e.value)),
        ExprKind::ListComprehension {
            clause,
            body,
            filter,
        } => max_depth(
            [&*clause.collection, body]
                .into_iter()
                .chain(filter.as_deref()),
        ),
        ExprKind::MapComprehension {
            clause,
            key,
            value,
            filter,
        } => max_depth(
            [&*clause.collection, key, value]
                .into_iter()
                .chain(filter.as_deref()),
        ),
        ExprKind::Member { object, .. } => object.depth,
        ExprKind::Index { object, index } => object.depth.max(index.depth),
        ExprKind::Call { callee, args } => callee.depth.max(max_depth(args)),
        ExprKind::Unary { operand, .. } => operand.depth,
        ExprKind::Binary { lhs, rhs, .. } => lhs.depth.max(rhs.depth),
        ExprKind::If {
            cond,
            then_branch,
            else_branch,
        } => cond.depth.max(then_branch.depth).max(else_branch.depth),
        ExprKind::Match {
            scrutinee, arms, ..
        } => scrutinee
            .depth
            .max(max_depth(arms.iter().map(|a| &a.value))),
        ExprKind::Paren(e) => e.depth,
    }
}

fn type_kind_depth(kind: &TypeKind) -> u32 {
    match kind {
        TypeKind::Named { args, .. } => args.iter().map(|t| t.depth).max().unwrap_or(0),
        TypeKind::Record { fields, .. } => fields
            .iter()
            .map(|f| f.ty.depth.max(f.default.as_ref().map_or(0, |d| d.depth)))
            .max()
            .unwrap_or(0),
        TypeKind::Literal(_) | TypeKind::Error => 0,
        TypeKind::String(s) => string_depth(s),
        TypeKind::Optional(t) | TypeKind::Paren(t) => t.depth,
        TypeKind::Union(ts) => ts.iter().map(|t| t.depth).max().unwrap_or(0),
        TypeKind::Refined { base, .. } => base.depth,
    }
}

pub fn prepend<T>(first: T, rest: Vec<T>) -> Vec<T> {
    let mut v = Vec::with_capacity(rest.len() + 1);
    v.push(first);
    v.extend(rest);
    v
}

pub fn for_clause(a: Ident, b: Option<Ident>, collection: Expr, span: Span) -> ForClause {
    let (key, value) = match b {
        Some(b) => (Some(a), b),
        None => (None, a),
    };
    ForClause {
        key,
        value,
        collection: Box::new(collection),
        span,
    }
}

pub fn step(
    st: &mut ParseState<'_>,
    keyword: Ident,
    arg: StepArg,
    body: Option<Vec<PipelineItem>>,
    l: usize,
    r: usize,
) -> PipelineItem {
    conditional_step(st, keyword, arg, None, body, l, r)
}

/// `for VAR in PATH { … }`: a step whose keyword is `for`.
pub fn loop_step(
    st: &mut ParseState<'_>,
    (kl, kr): (usize, usize),
    var: Ident,
    source: Vec<Ident>,
    body: Option<Vec<PipelineItem>>,
    l: usize,
    r: usize,
) -> PipelineItem {
    let keyword = Ident {
        name: "for".into(),
        span: st.span(kl, kr),
    };
    step(st, keyword, StepArg::Loop { var, source }, body, l, r)
}

/// A step with its `when COND`, if any.
pub fn conditional_step(
    st: &mut ParseState<'_>,
    keyword: Ident,
    arg: StepArg,
    condition: Option<Expr>,
    body: Option<Vec<PipelineItem>>,
    l: usize,
    r: usize,
) -> PipelineItem {
    let inner = body.iter().flatten().filter_map(|item| match item {
        PipelineItem::Step(s) => Some(s.depth),
        _ => None,
    });
    let depth = inner.max().unwrap_or(0) + 1;
    let span = st.span(l, r);
    if depth > MAX_NESTING {
        st.report_too_deep(span);
        return PipelineItem::Error(span);
    }
    PipelineItem::Step(Step {
        keyword,
        arg,
        condition,
        body,
        span,
        depth,
    })
}

/// A run of string text spanning `l..r`: its value, escapes decoded, and its source.
/// Text without escapes (most of it) is its own value, copied once.
/// A string literal as an expression.
pub fn string_expr(st: &mut ParseState<'_>, parts: Vec<StringPart>, l: usize, r: usize) -> Expr {
    let s = string_lit(st, parts, l, r);
    st.expr(ExprKind::String(s), l, r)
}

/// A string literal; a `"""` one has its indentation taken off (see [`dedent`]).
pub fn string_lit(
    st: &mut ParseState<'_>,
    parts: Vec<StringPart>,
    l: usize,
    r: usize,
) -> StringLit {
    let span = st.span(l, r);
    if !st.text(l, r).starts_with("\"\"\"") {
        return StringLit {
            parts,
            span,
            long: false,
        };
    }
    StringLit {
        parts: dedent(st, parts),
        span,
        long: true,
    }
}

/// A long string's text as meant: the line break after the opening `"""` and the
/// one before a closing `"""` on its own line are dropped, and the closing line's
/// indentation is taken off every line (a line indented less is an error). Values
/// are decoded again from the trimmed source; `raw` stays as written, for `fmt`.
fn dedent(st: &mut ParseState<'_>, mut parts: Vec<StringPart>) -> Vec<StringPart> {
    // The closing line's indentation: what follows the last line break, when it is
    // only blanks.
    let indent: String = match parts.last() {
        Some(StringPart::Text { raw, .. }) => match raw.rfind('\n') {
            Some(i) if raw[i + 1..].chars().all(|c| c == ' ' || c == '\t') => {
                raw[i + 1..].to_string()
            }
            _ => String::new(),
        },
        _ => String::new(),
    };
    let count = parts.len();
    let mut problems = Vec::new();
    for (k, part) in parts.iter_mut().enumerate() {
        let StringPart::Text { value, raw, span } = part else {
            continue;
        };
        let mut text: &str = raw;
        let mut offset = 0;
        if k == 0 {
            let after = text
                .strip_prefix("\r\n")
                .or_else(|| text.strip_prefix('\n'));
            if let Some(rest) = after {
                offset = text.len() - rest.len();
                text = rest;
            }
        }
        if k + 1 == count
            && let Some(i) = text.rfind('\n')
            && text[i + 1..].chars().all(|c| c == ' ' || c == '\t')
        {
            text = text[..i].strip_suffix('\r').unwrap_or(&text[..i]);
        }
        let mut out = String::with_capacity(text.len());
        let mut line_start = offset;
        for (n, whole) in text.split('\n').enumerate() {
            if n > 0 {
                out.push('\n');
            }
            // A file's line ends are not the string's: `\r\n` is a line break.
            let line = whole.strip_suffix('\r').unwrap_or(whole);
            // The first line of a part after an interpolation is not a line's start.
            let at_start = n > 0 || k == 0;
            match line.strip_prefix(indent.as_str()) {
                _ if !at_start => out.push_str(line),
                Some(rest) => out.push_str(rest),
                None if line.trim().is_empty() => {}
                None => {
                    let at = span.start as usize + line_start;
                    problems.push(Span::new(span.file, at, at + 1));
                    out.push_str(line.trim_start());
                }
            }
            line_start += whole.len() + 1;
        }
        *value = SmallString::from(unescape(&out).into_owned());
    }
    for at in problems {
        st.errors.push(SyntaxError::Misplaced {
            span: at,
            message: "a line of a long string is indented less than its closing `\"\"\"`".into(),
            label: "indented less".into(),
            help: "indent every line at least as far as the closing `\"\"\"`, whose indentation is taken off each line".into(),
        });
    }
    parts
}

pub fn string_text(st: &ParseState<'_>, l: usize, r: usize) -> StringPart {
    let source = st.text(l, r);
    let raw = SmallString::new(source);
    let value = match unescape(source) {
        std::borrow::Cow::Borrowed(_) => raw.clone(),
        std::borrow::Cow::Owned(value) => SmallString::from(value),
    };
    StringPart::Text {
        value,
        raw,
        span: st.span(l, r),
    }
}

/// A number literal spanning `l..r`, its digits starting at `tl`; `sign` is `"-"` for
/// a negated literal in a type or pattern.
pub fn number(st: &ParseState<'_>, sign: &str, tl: usize, l: usize, r: usize) -> NumberLit {
    let digits = st.text(tl, r);
    // Literals are frequent: short ones are kept without an allocation.
    let text = if sign.is_empty() {
        SmallString::new(digits)
    } else if l + sign.len() == tl {
        // The sign is written right before the digits, as it mostly is.
        SmallString::new(st.text(l, r))
    } else {
        SmallString::from(format!("{sign}{digits}"))
    };
    let value = if let Some(value) = plain_int(text.as_bytes()) {
        NumberValue::Int(value)
    } else {
        let digits = without_underscores(&text);
        // The lexer has already reported numbers that do not fit; they read as 0 here.
        if text.contains(['.', 'e', 'E']) {
            NumberValue::Float(digits.parse().unwrap_or(0.0))
        } else {
            NumberValue::Int(digits.parse().unwrap_or(0))
        }
    };
    NumberLit {
        text,
        value,
        span: st.span(l, r),
    }
}

/// The value of an integer written as at most 18 plain digits, perhaps after a `-`:
/// what `str::parse::<i64>` gives for it, read without its generality (most
/// literals are such integers). `None` for anything else.
fn plain_int(text: &[u8]) -> Option<i64> {
    let (negative, digits) = match text {
        [b'-', digits @ ..] => (true, digits),
        digits => (false, digits),
    };
    if digits.is_empty() || digits.len() > 18 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let value = digits
        .iter()
        .fold(0i64, |v, &d| v * 10 + i64::from(d - b'0'));
    Some(if negative { -value } else { value })
}

/// `3`, `3.1` or `3.x` as a version pattern; anything else is reported.
pub fn version(st: &mut ParseState<'_>, l: usize, r: usize) -> VersionPattern {
    let span = st.span(l, r);
    let text = st.text(l, r);
    let (major, minor) = text.split_once('.').unwrap_or((text, ""));
    let wildcard = matches!(minor, "x" | "X" | "*");
    // Like semver, no leading zeros: `3.01` is more likely a typo than `3.1`.
    let leading_zero = |p: &str| p.len() > 1 && p.starts_with('0');
    let (major, minor) = if leading_zero(major) || leading_zero(minor) {
        ("", "")
    } else {
        (major, minor)
    };
    let major_n = major.parse::<u64>().ok();
    let minor_n = if minor.is_empty() || wildcard {
        Some(None)
    } else {
        minor.parse::<u64>().ok().map(Some)
    };
    match (major_n, minor_n) {
        (Some(major), Some(minor)) => VersionPattern {
            major,
            minor,
            wildcard,
            span,
        },
        _ => {
            st.errors.push(SyntaxError::InvalidVersion {
                span,
                text: text.to_string(),
            });
            VersionPattern {
                major: 0,
                minor: None,
                wildcard: true,
                span,
            }
        }
    }
}

/// `untyped TYPE`; any other word before the type is a mistake.
/// The marker spans `l..mr`, the type `tl..r`.
pub fn untyped(st: &mut ParseState<'_>, l: usize, mr: usize, tl: usize, r: usize) -> ResourceType {
    let (marker, ty) = (st.text(l, mr), st.text(tl, r));
    if marker != "untyped" {
        st.errors.push(SyntaxError::UnexpectedToken {
            span: st.span(tl, r),
            found: format!("`{ty}` after `{marker}`"),
            name: None,
            expected: Expected {
                phrases: vec!["`{`, `when` or `for` after the resource type".into()],
                keywords: Vec::new(),
            },
        });
    }
    ResourceType {
        name: ty.to_string(),
        untyped: marker == "untyped",
        span: st.span(if marker == "untyped" { tl } else { l }, r),
    }
}

/// `_` is the wildcard pattern; any other name is not a pattern.
pub fn name_pattern(st: &mut ParseState<'_>, l: usize, r: usize) -> Pattern {
    let span = st.span(l, r);
    let name = st.text(l, r);
    if name != "_" {
        st.errors.push(SyntaxError::UnexpectedToken {
            span,
            found: format!("name `{name}`"),
            name: None,
            expected: Expected {
                phrases: vec![
                    "a literal pattern, like `\"small\"` or `80`".into(),
                    "`_`".into(),
                ],
                keywords: Vec::new(),
            },
        });
    }
    Pattern::Wildcard(span)
}

type Recovery = ErrorRecovery<usize, TokKind, ()>;

/// Records the error behind a recovery and gives the span of the input it skipped.
pub fn recover(st: &mut ParseState<'_>, e: Recovery, l: usize, r: usize) -> Span {
    let skipped_end = e.dropped_tokens.last().map_or(r, |t| t.2.max(r));
    if let Some(err) = parse_error(st.file, st.src, e.error) {
        st.errors.push(err);
    }
    st.span(l, skipped_end)
}

/// `items` with `item` added: how a list rule grows its list. Lists of items start
/// with room for four, what growing from one would give at the second item, so that
/// copy is spared; string parts start as a list of one (`vec![part]`), as a string
/// mostly has one part.
pub fn push<T>(mut items: Vec<T>, item: T) -> Vec<T> {
    items.push(item);
    items
}

/// Recovery in a list: the items before are kept, the broken one is dropped.
pub fn recover_after<T>(
    st: &mut ParseState<'_>,
    items: Vec<T>,
    e: Recovery,
    l: usize,
    r: usize,
) -> Vec<T> {
    recover(st, e, l, r);
    items
}

/// Turns lalrpop's error into ours; `None` when the lexer already reported the cause.
/// `src` is the text the tokens were read from.
pub fn parse_error(
    file: FileId,
    src: &str,
    e: ParseError<usize, TokKind, ()>,
) -> Option<SyntaxError> {
    match e {
        ParseError::UnrecognizedToken {
            token: (l, tok, r),
            expected,
        } => {
            let tok = tok.to_tok(src, l, r);
            if tok == Tok::Error {
                return None;
            }
            let name = match tok {
                Tok::Ident(s) => Some(s.to_string()),
                _ => None,
            };
            Some(SyntaxError::UnexpectedToken {
                span: Span::new(file, l, r),
                found: tok.to_string(),
                name,
                expected: phrase_expected(&expected),
            })
        }
        ParseError::UnrecognizedEof { location, expected } => Some(SyntaxError::UnexpectedEof {
            span: Span::new(file, location, location),
            expected: phrase_expected(&expected),
        }),
        ParseError::ExtraToken { token: (l, tok, r) } => Some(SyntaxError::UnexpectedToken {
            span: Span::new(file, l, r),
            found: tok.to_tok(src, l, r).to_string(),
            name: None,
            expected: Expected::default(),
        }),
        ParseError::InvalidToken { .. } | ParseError::User { .. } => None,
    }
}

const EXPR_STARTS: &[&str] = &["if", "match", "[", "!"];
const TYPE_STARTS: &[&str] = &["name", "{", "(", "string"];
const OPERATORS: &[&str] = &[
    "||", "&&", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", ".", "[", "(", "?",
    "??", "|", "in", "len", "matches",
];
const BODY_ITEMS: &[&str] = &[
    "requires", "input", "let", "use", "resource", "output", "pipeline",
];
const TOP_ITEMS: &[&str] = &["environment", "service", "module", "import", "type"];

/// Phrases lalrpop's list of expected terminals for people, most telling first.
pub fn phrase_expected(expected: &[String]) -> Expected {
    let names: Vec<&str> = expected.iter().map(|s| s.trim_matches('"')).collect();
    let has = |t: &str| names.contains(&t);
    let mut phrases = Vec::new();
    let mut covered: Vec<&str> = Vec::new();

    // An operand position (after `+`, say) admits no `if`, but still `[`, `!`, `match`.
    if EXPR_STARTS.iter().all(|t| has(t)) || (has("[") && has("!") && has("match")) {
        phrases.push("an expression".to_string());
        covered.extend(EXPR_STARTS);
        covered.extend([
            "name",
            "integer",
            "float",
            "string",
            "true",
            "false",
            "null",
            "{",
            "(",
            "-",
            "input",
            "environment",
            "pipeline",
            "service",
        ]);
    } else if TYPE_STARTS.iter().all(|t| has(t)) && !has("[") {
        phrases.push("a type, like `String` or `Int in 1..10`".to_string());
        covered.extend(TYPE_STARTS);
        covered.extend(["integer", "float", "true", "false", "-"]);
    }
    if TOP_ITEMS.iter().all(|t| has(t)) {
        phrases.push(
            "a declaration: `environment`, `service` or `module`, or an `import` or `type`"
                .to_string(),
        );
        covered.extend(TOP_ITEMS);
    }
    if BODY_ITEMS.iter().all(|t| has(t)) {
        phrases.push(
            "a declaration item, like `input { … }`, `let`, `resource`, `output` or `name = value`"
                .to_string(),
        );
        covered.extend(BODY_ITEMS);
        covered.extend([
            "name",
            "type",
            "output",
            "environment",
            "service",
            "module",
            "len",
            "matches",
            "as",
        ]);
    }
    if has("name") {
        // Keywords that may also be names are not worth listing beside "a name".
        covered.extend([
            "type",
            "input",
            "output",
            "environment",
            "service",
            "module",
            "pipeline",
            "as",
        ]);
    }
    if has("integer") && has("version wildcard") && !covered.contains(&"integer") {
        phrases.push("a version, like `3.1`, `^3.0` or `3.x`".to_string());
        covered.extend([
            "integer",
            "float",
            "version wildcard",
            "^",
            "~",
            "=",
            ">",
            ">=",
            "<",
            "<=",
        ]);
    }
    let operators_only_extra = names
        .iter()
        .any(|n| !OPERATORS.contains(n) && !covered.contains(n));
    for name in &names {
        if covered.contains(name) {
            continue;
        }
        if OPERATORS.contains(name) && (operators_only_extra || !phrases.is_empty()) {
            continue;
        }
        // Commas are optional between items: never the thing that is missing.
        if *name == "," && names.len() > 1 {
            continue;
        }
        let phrase = match *name {
            "name" => "a name".to_string(),
            "integer" | "float" => "a number".to_string(),
            "string" => "a string".to_string(),
            "resource type" => {
                "a resource type, like `AWS::S3::Bucket` or `aws_s3_bucket`".to_string()
            }
            "regex" => "a regular expression, like `/^[a-z]+$/`".to_string(),
            "end of string" => "the closing `\"` of the string".to_string(),
            "end of interpolation" => "the `}` closing the interpolation".to_string(),
            "string text" | "${" | "unreadable input" | "version wildcard" => continue,
            other => format!("`{other}`"),
        };
        if !phrases.contains(&phrase) {
            phrases.push(phrase);
        }
    }
    if phrases.is_empty() && names.iter().any(|n| OPERATORS.contains(n)) {
        phrases.push("an operator".to_string());
    }
    let keywords = names
        .iter()
        .filter(|n| {
            n.chars().all(|c| c.is_ascii_lowercase())
                && !matches!(**n, "name" | "integer" | "float" | "string" | "regex")
        })
        .map(|n| n.to_string())
        .collect();
    Expected { phrases, keywords }
}

/// `resource NAME: TYPE for … when COND {`: the resource as meant, and one error.
pub fn when_after_for(st: &mut ParseState<'_>, r: Resource, when: Span) -> Resource {
    st.errors.push(SyntaxError::Misplaced {
        span: when,
        message: "a resource's `when` is written after its `for`".into(),
        label: "this condition comes first".into(),
        help: "write `when` before `for`: `resource NAME: TYPE when COND for X in XS {`".into(),
    });
    r
}

/// HCL's `resource "aws_sqs_queue" "jobs" {`: read as `resource jobs: aws_sqs_queue {`,
/// with one error saying so.
pub fn hcl_resource(
    st: &mut ParseState<'_>,
    ty: StringLit,
    name: StringLit,
    body: Vec<Attribute>,
    multiline: bool,
    span: Span,
) -> Resource {
    let ty_text = ty.as_plain().unwrap_or_default();
    let name_text = name.as_plain().unwrap_or_default();
    st.errors.push(SyntaxError::Misplaced {
        span: Span::new(ty.span.file, ty.span.start as usize, name.span.end as usize),
        message:
            "a resource is declared `resource NAME: TYPE`, not HCL's `resource \"TYPE\" \"NAME\"`"
                .into(),
        label: "HCL's labels".into(),
        help: format!("write `resource {name_text}: {ty_text} {{`"),
    });
    Resource {
        doc: None,
        name: Ident {
            name: name_text.into(),
            span: name.span,
        },
        ty: ResourceType {
            name: ty_text,
            untyped: false,
            span: ty.span,
        },
        condition: None,
        for_each: None,
        body,
        multiline,
        span,
    }
}

/// Another HCL block in a declaration's body (`variable "x" { … }`): one error, with
/// what formwork writes instead, and nothing in its place.
pub fn hcl_block(st: &mut ParseState<'_>, kw: Ident, labels: Vec<StringLit>, span: Span) -> Span {
    let label = labels
        .first()
        .and_then(|l| l.as_plain())
        .unwrap_or_else(|| "NAME".into());
    let help = match kw.name.as_str() {
        "variable" => format!("declare it as an input: `input {{ {label}: String }}`"),
        "locals" | "local" => "compute a value with `let NAME = …`".to_string(),
        "data" => "read what another stack made through `environment.outputs.NAME`, or take it as an input".to_string(),
        "provider" | "terraform" => "formwork writes the provider's block itself: pin its version with `providers:` in formwork.yaml".to_string(),
        "module" => "use a module with `use NAME = MODULE { … }`".to_string(),
        _ => "formwork's items are `input`, `let`, `resource`, `use`, `output` and `pipeline`".to_string(),
    };
    st.errors.push(SyntaxError::Misplaced {
        span: Span::new(
            kw.span.file,
            kw.span.start as usize,
            labels.last().map_or(kw.span.end, |l| l.span.end) as usize,
        ),
        message: format!("`{} \"…\" {{ … }}` is an HCL block, not formwork", kw.name),
        label: "HCL".into(),
        help,
    });
    span
}
