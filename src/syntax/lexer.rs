//! The lexer: source text to [`Tok`]ens, comments to trivia, bad input to errors.
//!
//! It has three modes. **Code** is the language itself (one logos enum, [`CodeTok`]).
//! A `"` enters **string** mode ([`StrTok`]): text, escapes, and `${`, which enters
//! **interpolation** mode: code again, but counting braces so that the `}` closing the
//! interpolation returns to the string, and ending at a newline (strings and their
//! interpolations stay on one line). Modes nest on a stack, so `"a ${f("b ${c}")}"`
//! lexes as expected. A regular expression is lexed by hand, and only right after the
//! keyword `matches`, so `/` stays division everywhere else.
//!
//! The lexer never fails: unreadable input is reported once as a [`SyntaxError`] and
//! becomes a [`Tok::Error`] (or, for an unterminated string, a synthesised closing
//! quote), so the parser always has a token stream to recover on.
//!
//! It also keeps the parser's stack bounded: brackets (`(`, `[`, `{`, `${`) nested
//! deeper than [`MAX_BRACKET_DEPTH`] reach the parser as one [`Tok::Error`] and a
//! `NestingTooDeep` error. The grammar's own limit ([`MAX_NESTING`], checked as the
//! tree is built) catches anything merely too deep; this one is for absurd depths,
//! where lalrpop's error recovery, which rescans the whole stack for every token it
//! skips, would take time quadratic in the depth.

use logos::Logos;

use crate::syntax::ast::{Comment, CommentKind};
use crate::syntax::error::{MAX_NESTING, SyntaxError};
use crate::syntax::span::{FileId, Span};
use crate::syntax::token::{Tok, TokKind};

#[derive(Logos, Debug, Clone, Copy, PartialEq, Eq)]
#[logos(skip r"[ \t\r\n\f]+")]
enum CodeTok {
    #[regex(r"///([^/\n][^\n]*)?", allow_greedy = true)]
    DocComment,
    #[regex(r"//([^/\n][^\n]*)?", allow_greedy = true)]
    #[regex(r"////[^\n]*", allow_greedy = true)]
    LineComment,
    #[token("/*")]
    BlockCommentOpen,
    #[token("\"")]
    Quote,
    /// A long string's `"""`: it may span lines, and ends at the next `"""`.
    #[token("\"\"\"")]
    TripleQuote,

    #[regex(r"[A-Za-z_][A-Za-z0-9_]*")]
    Ident,
    #[regex(r"[0-9][0-9_]*")]
    Int,
    #[regex(r"[0-9][0-9_]*\.[0-9][0-9_]*([eE][+-]?[0-9]+)?")]
    #[regex(r"[0-9][0-9_]*[eE][+-]?[0-9]+")]
    Float,
    #[regex(r"[0-9]+\.[xX*]")]
    VersionWildcard,
    #[regex(r"[A-Za-z][A-Za-z0-9]*(::[A-Za-z0-9]+)+")]
    ResourceType,

    #[token("environment")]
    KwEnvironment,
    #[token("service")]
    KwService,
    #[token("module")]
    KwModule,
    #[token("import")]
    KwImport,
    #[token("as")]
    KwAs,
    #[token("type")]
    KwType,
    #[token("requires")]
    KwRequires,
    #[token("input")]
    KwInput,
    #[token("pipeline")]
    KwPipeline,
    #[token("let")]
    KwLet,
    #[token("use")]
    KwUse,
    #[token("resource")]
    KwResource,
    #[token("output")]
    KwOutput,
    #[token("when")]
    KwWhen,
    #[token("for")]
    KwFor,
    #[token("in")]
    KwIn,
    #[token("if")]
    KwIf,
    #[token("then")]
    KwThen,
    #[token("else")]
    KwElse,
    #[token("match")]
    KwMatch,
    #[token("true")]
    KwTrue,
    #[token("false")]
    KwFalse,
    #[token("null")]
    KwNull,
    #[token("matches")]
    KwMatches,
    #[token("len")]
    KwLen,

    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token("<")]
    Lt,
    #[token(">")]
    Gt,
    #[token("<=")]
    Le,
    #[token(">=")]
    Ge,
    #[token("==")]
    EqEq,
    #[token("!=")]
    Ne,
    #[token("=")]
    Eq,
    #[token(",")]
    Comma,
    #[token(".")]
    Dot,
    #[token("..")]
    DotDot,
    #[token(":")]
    Colon,
    #[token("?")]
    Question,
    #[token("??")]
    QuestionQuestion,
    #[token("|")]
    Pipe,
    #[token("||")]
    PipePipe,
    #[token("&&")]
    AmpAmp,
    #[token("!")]
    Bang,
    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Star,
    #[token("/")]
    Slash,
    #[token("%")]
    Percent,
    #[token("=>")]
    FatArrow,
    #[token("^")]
    Caret,
    #[token("~")]
    Tilde,
}

#[derive(Logos, Debug, Clone, Copy, PartialEq, Eq)]
enum StrTok {
    #[regex(r#"[^"\\$\r\n]+"#)]
    Text,
    #[token("$")]
    Dollar,
    #[token("${")]
    InterpOpen,
    #[regex(r"\\[^\r\n]")]
    Escape,
    #[regex(r"\\u\{[0-9A-Fa-f]{1,6}\}")]
    UnicodeEscape,
    #[token("\"")]
    Close,
    #[regex(r"\r?\n")]
    Newline,
}

/// How deep brackets may nest in the token stream handed to the parser. Every bracket
/// but a declaration's or block's own braces adds a level to the tree, so twice the
/// tree's limit is only reached by input the grammar would refuse anyway.
pub const MAX_BRACKET_DEPTH: u32 = 2 * MAX_NESTING;

/// Characters that can start a token: a run of unreadable characters stops at one.
const TOKEN_STARTS: &str = "{}()[]<>=!,.:?|&+-*/%^~\"_";

#[derive(Debug, Clone, Copy)]
enum Mode {
    Code,
    /// A string; `long` for a `"""` one, which may span lines.
    Str {
        open: usize,
        long: bool,
    },
    Interp {
        open: usize,
        depth: u32,
    },
}

enum Inner<'a> {
    Code(logos::Lexer<'a, CodeTok>),
    Str(logos::Lexer<'a, StrTok>),
}

/// A token with its byte range.
pub type Spanned<'a> = (usize, Tok<'a>, usize);

/// A token's kind with its byte range, as the parser reads it.
pub type SpannedKind = (usize, TokKind, usize);

/// The lexer; an iterator of tokens. Comments and errors collect in its fields.
pub struct Lexer<'a> {
    src: &'a str,
    file: FileId,
    inner: Option<Inner<'a>>,
    modes: Vec<Mode>,
    pending: std::collections::VecDeque<SpannedKind>,
    expect_regex: bool,
    /// End of the previous token, to see whether an interpolation crossed a newline.
    prev_end: usize,
    pub comments: Vec<Comment>,
    pub errors: Vec<SyntaxError>,
    /// Where each token handed to the parser starts, in order: lets the parser's error
    /// reporting tell how far apart two errors are in tokens.
    pub token_starts: Vec<u32>,
    /// How many brackets are open, for [`MAX_BRACKET_DEPTH`].
    bracket_depth: u32,
    too_deep_reported: bool,
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a str, file: FileId) -> Lexer<'a> {
        // About one token in four bytes: room enough, as a rule, from the start.
        Lexer::with_starts(src, file, Vec::with_capacity(src.len() / 4))
    }

    fn with_starts(src: &'a str, file: FileId, token_starts: Vec<u32>) -> Lexer<'a> {
        Lexer {
            src,
            file,
            inner: Some(Inner::Code(CodeTok::lexer(src))),
            modes: vec![Mode::Code],
            pending: Default::default(),
            expect_regex: false,
            prev_end: 0,
            comments: Vec::new(),
            errors: Vec::new(),
            token_starts,
            bracket_depth: 0,
            too_deep_reported: false,
        }
    }

    /// A lexer for `src[start..end]` alone, offsets still the whole file's. `start`
    /// and `end` must be line starts (or the file's ends); whether the part ended
    /// where a file could, [`Lexer::ended_clean`] tells once it is read.
    pub fn part(src: &'a str, file: FileId, start: usize, end: usize) -> Option<Lexer<'a>> {
        let text = src.get(..end)?;
        src.get(start..end)?;
        // Token starts serve only to space out errors, and a part with an error is
        // parsed again whole: no room is reserved for them.
        let mut lexer = Lexer::with_starts(text, file, Vec::new());
        lexer.code_lexer()?.bump(start);
        lexer.prev_end = start;
        Some(lexer)
    }

    /// Whether everything read so far ended as a whole file could: no string,
    /// interpolation or bracket left open, no token pending, and no error. Reading on
    /// from here is then the same as starting a new file here.
    pub fn ended_clean(&self) -> bool {
        self.modes.len() == 1
            && self.pending.is_empty()
            && !self.expect_regex
            && self.bracket_depth == 0
            && self.errors.is_empty()
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    fn mode(&self) -> Mode {
        // The stack starts with `Code` and the bottom entry is never popped.
        *self.modes.last().unwrap_or(&Mode::Code)
    }

    fn switch_to_string(&mut self) {
        self.inner = match self.inner.take() {
            Some(Inner::Code(l)) => Some(Inner::Str(l.morph())),
            other => other,
        };
    }

    fn switch_to_code(&mut self) {
        self.inner = match self.inner.take() {
            Some(Inner::Str(l)) => Some(Inner::Code(l.morph())),
            other => other,
        };
    }

    /// Leaves every open string (after an error), closing the interpolations between.
    /// Strings and their interpolations stay on one line, so when the innermost one is
    /// cut off by a line end or the end of the file, so is every one around it; leaving
    /// only the innermost would report the next one out too, one error per level.
    fn abandon_string(&mut self, at: usize) {
        while let Some(mode) = self.modes.pop() {
            match mode {
                Mode::Interp { .. } => self.pending.push_back((at, TokKind::InterpClose, at)),
                Mode::Str { .. } => self.pending.push_back((at, TokKind::StrClose, at)),
                Mode::Code => {
                    self.modes.push(Mode::Code);
                    break;
                }
            }
        }
        self.switch_to_code();
    }

    fn next_code(&mut self) -> Option<SpannedKind> {
        loop {
            let Some(Inner::Code(lex)) = self.inner.as_mut() else {
                return None;
            };
            if self.expect_regex {
                self.expect_regex = false;
                if let Some(tok) = self.lex_regex() {
                    return Some(tok);
                }
                continue;
            }
            let Some(result) = lex.next() else {
                let end = self.src.len();
                return self.at_eof(end);
            };
            let range = lex.span();
            let slice = lex.slice();
            let (start, end) = (range.start, range.end);
            if let Mode::Interp { open, .. } = self.mode()
                && self.src[self.prev_end.min(start)..start].contains('\n')
            {
                self.errors.push(SyntaxError::UnterminatedInterpolation {
                    open: self.span(open, open + 2),
                });
                self.pending
                    .push_back((self.prev_end, TokKind::Error, self.prev_end));
                self.abandon_string(self.prev_end);
                // The token was read in code mode, which is also the enclosing mode.
                self.reinject(result, start, end, slice);
                return self.pending.pop_front();
            }
            self.prev_end = end;
            let tok = match result {
                Ok(t) => t,
                Err(()) => return Some(self.unexpected_chars(start, end)),
            };
            match self.code_token(tok, start, end, slice) {
                Some(t) => return Some(t),
                None => {
                    if let Some(t) = self.pending.pop_front() {
                        return Some(t);
                    }
                }
            }
        }
    }

    fn code_lexer(&mut self) -> Option<&mut logos::Lexer<'a, CodeTok>> {
        match self.inner.as_mut() {
            Some(Inner::Code(l)) => Some(l),
            _ => None,
        }
    }

    /// Queues a token already read in code mode, once the mode stack has been unwound.
    fn reinject(&mut self, result: Result<CodeTok, ()>, start: usize, end: usize, slice: &'a str) {
        self.prev_end = end;
        let tok = match result {
            Ok(t) => self.code_token(t, start, end, slice),
            Err(()) => Some(self.unexpected_chars(start, end)),
        };
        if let Some(t) = tok {
            self.pending.push_back(t);
        }
    }

    fn at_eof(&mut self, end: usize) -> Option<SpannedKind> {
        match self.mode() {
            Mode::Code => None,
            Mode::Interp { open, .. } => {
                self.errors.push(SyntaxError::UnterminatedInterpolation {
                    open: self.span(open, open + 2),
                });
                self.pending.push_back((end, TokKind::Error, end));
                self.abandon_string(end);
                self.pending.pop_front()
            }
            Mode::Str { open, .. } => {
                self.unterminated_string(open, end);
                self.pending.pop_front()
            }
        }
    }

    /// Reports a string left open at `at` (a line end or the end of the file). When
    /// the string sits inside an interpolation, the interpolation is the real culprit
    /// (`"${a/"` forgot its `}`), so that is what is reported. Either way every open
    /// string is closed.
    fn unterminated_string(&mut self, open: usize, at: usize) {
        let below = self.modes.len().checked_sub(2).map(|i| self.modes[i]);
        if let Some(Mode::Interp { open: interp, .. }) = below {
            self.errors.push(SyntaxError::UnterminatedInterpolation {
                open: self.span(interp, interp + 2),
            });
            // An already-reported error token, so the parser drops the broken
            // expression instead of reading `"${a/"` as a division by a string.
            self.pending.push_back((at, TokKind::Error, at));
        } else {
            let long = self
                .src
                .get(open..)
                .is_some_and(|s| s.starts_with("\"\"\""));
            let width = if long { 3 } else { 1 };
            self.errors.push(SyntaxError::UnterminatedString {
                open: self.span(open, open + width),
                long,
            });
        }
        self.abandon_string(at);
    }

    /// A run of characters no token starts with, reported once.
    fn unexpected_chars(&mut self, start: usize, mut end: usize) -> SpannedKind {
        // Swallow the whole run, so a file of NUL bytes is one error and not millions.
        // A `#` is taken for another language's comment, so its whole line goes.
        let hash_comment = self.src[start..end].starts_with('#');
        if let Some(Inner::Code(lex)) = self.inner.as_mut() {
            let rest = &self.src[end..];
            let extra: usize = if hash_comment {
                rest.find(['\n', '\r']).unwrap_or(rest.len())
            } else {
                rest.char_indices()
                    .find(|&(_, c)| {
                        c.is_whitespace() || c.is_alphanumeric() || TOKEN_STARTS.contains(c)
                    })
                    .map(|(i, _)| i)
                    .unwrap_or(rest.len())
            };
            lex.bump(extra);
            end += extra;
            self.prev_end = end;
        }
        self.errors.push(SyntaxError::UnexpectedChar {
            span: self.span(start, end),
            text: self.src[start..end].to_string(),
        });
        (start, TokKind::Error, end)
    }

    // Hot: once per token. Inlining it, and `next_unlimited`, into their callers
    // spares a call and the copying of each token through it.
    #[inline(always)]
    fn code_token(
        &mut self,
        tok: CodeTok,
        start: usize,
        end: usize,
        slice: &'a str,
    ) -> Option<SpannedKind> {
        let t = match tok {
            CodeTok::DocComment | CodeTok::LineComment => {
                let kind = if tok == CodeTok::DocComment {
                    CommentKind::Doc
                } else {
                    CommentKind::Line
                };
                let end = start + slice.trim_end_matches('\r').len();
                self.comments.push(Comment {
                    kind,
                    span: self.span(start, end),
                });
                return None;
            }
            CodeTok::BlockCommentOpen => {
                self.block_comment(start);
                return None;
            }
            CodeTok::Quote => {
                self.modes.push(Mode::Str {
                    open: start,
                    long: false,
                });
                self.switch_to_string();
                TokKind::StrOpen
            }
            CodeTok::TripleQuote => {
                self.modes.push(Mode::Str {
                    open: start,
                    long: true,
                });
                self.switch_to_string();
                TokKind::StrOpen
            }
            CodeTok::Ident => TokKind::Ident,
            CodeTok::Int => {
                // Up to 18 digits always fit; only longer numbers need reading.
                if slice.len() > 18 && without_underscores(slice).parse::<i64>().is_err() {
                    self.errors.push(SyntaxError::NumberTooLarge {
                        span: self.span(start, end),
                        text: slice.to_string(),
                    });
                }
                TokKind::Int
            }
            CodeTok::Float => {
                // Without an exponent, fewer than 309 digits are always finite.
                let short = slice.len() <= 300 && !slice.contains(['e', 'E']);
                let ok = short
                    || without_underscores(slice)
                        .parse::<f64>()
                        .is_ok_and(|v| v.is_finite());
                if !ok {
                    self.errors.push(SyntaxError::NumberTooLarge {
                        span: self.span(start, end),
                        text: slice.to_string(),
                    });
                }
                TokKind::Float
            }
            CodeTok::VersionWildcard => TokKind::VersionWildcard,
            CodeTok::ResourceType => TokKind::ResourceType,
            CodeTok::KwEnvironment => TokKind::KwEnvironment,
            CodeTok::KwService => TokKind::KwService,
            CodeTok::KwModule => TokKind::KwModule,
            CodeTok::KwImport => TokKind::KwImport,
            CodeTok::KwAs => TokKind::KwAs,
            CodeTok::KwType => TokKind::KwType,
            CodeTok::KwRequires => TokKind::KwRequires,
            CodeTok::KwInput => TokKind::KwInput,
            CodeTok::KwPipeline => TokKind::KwPipeline,
            CodeTok::KwLet => TokKind::KwLet,
            CodeTok::KwUse => TokKind::KwUse,
            CodeTok::KwResource => TokKind::KwResource,
            CodeTok::KwOutput => TokKind::KwOutput,
            CodeTok::KwWhen => TokKind::KwWhen,
            CodeTok::KwFor => TokKind::KwFor,
            CodeTok::KwIn => TokKind::KwIn,
            CodeTok::KwIf => TokKind::KwIf,
            CodeTok::KwThen => TokKind::KwThen,
            CodeTok::KwElse => TokKind::KwElse,
            CodeTok::KwMatch => TokKind::KwMatch,
            CodeTok::KwTrue => TokKind::KwTrue,
            CodeTok::KwFalse => TokKind::KwFalse,
            CodeTok::KwNull => TokKind::KwNull,
            CodeTok::KwMatches => {
                self.expect_regex = true;
                TokKind::KwMatches
            }
            CodeTok::KwLen => TokKind::KwLen,
            CodeTok::LBrace => {
                if let Some(Mode::Interp { depth, .. }) = self.modes.last_mut() {
                    *depth += 1;
                }
                TokKind::LBrace
            }
            CodeTok::RBrace => match self.modes.last_mut() {
                Some(Mode::Interp { depth, .. }) if *depth > 0 => {
                    *depth -= 1;
                    TokKind::RBrace
                }
                Some(Mode::Interp { .. }) => {
                    self.modes.pop();
                    self.switch_to_string();
                    TokKind::InterpClose
                }
                _ => TokKind::RBrace,
            },
            CodeTok::LParen => TokKind::LParen,
            CodeTok::RParen => TokKind::RParen,
            CodeTok::LBracket => TokKind::LBracket,
            CodeTok::RBracket => TokKind::RBracket,
            CodeTok::Lt => TokKind::Lt,
            CodeTok::Gt => TokKind::Gt,
            CodeTok::Le => TokKind::Le,
            CodeTok::Ge => TokKind::Ge,
            CodeTok::EqEq => TokKind::EqEq,
            CodeTok::Ne => TokKind::Ne,
            CodeTok::Eq => TokKind::Eq,
            CodeTok::Comma => TokKind::Comma,
            CodeTok::Dot => TokKind::Dot,
            CodeTok::DotDot => TokKind::DotDot,
            CodeTok::Colon => TokKind::Colon,
            CodeTok::Question => TokKind::Question,
            CodeTok::QuestionQuestion => TokKind::QuestionQuestion,
            CodeTok::Pipe => TokKind::Pipe,
            CodeTok::PipePipe => TokKind::PipePipe,
            CodeTok::AmpAmp => TokKind::AmpAmp,
            CodeTok::Bang => TokKind::Bang,
            CodeTok::Plus => TokKind::Plus,
            CodeTok::Minus => TokKind::Minus,
            CodeTok::Star => TokKind::Star,
            CodeTok::Slash => TokKind::Slash,
            CodeTok::Percent => TokKind::Percent,
            CodeTok::FatArrow => TokKind::FatArrow,
            CodeTok::Caret => TokKind::Caret,
            CodeTok::Tilde => TokKind::Tilde,
        };
        Some((start, t, end))
    }

    /// Skips a block comment opened at `start`, nested ones included.
    fn block_comment(&mut self, start: usize) {
        let bytes = self.src.as_bytes();
        let mut i = start + 2;
        let mut depth = 1u32;
        while i < bytes.len() && depth > 0 {
            match (bytes[i], bytes.get(i + 1)) {
                (b'/', Some(b'*')) => {
                    depth += 1;
                    i += 2;
                }
                (b'*', Some(b'/')) => {
                    depth -= 1;
                    i += 2;
                }
                _ => i += 1,
            }
        }
        if depth > 0 {
            self.errors.push(SyntaxError::UnterminatedBlockComment {
                open: self.span(start, start + 2),
            });
            i = bytes.len();
        }
        self.comments.push(Comment {
            kind: CommentKind::Block,
            span: self.span(start, i),
        });
        if let Some(lex) = self.code_lexer() {
            let here = lex.span().end;
            lex.bump(i - here);
        }
        self.prev_end = i;
    }

    /// Lexes `/pattern/` right after `matches`, if the next character is `/`.
    fn lex_regex(&mut self) -> Option<SpannedKind> {
        let lex = self.code_lexer()?;
        let here = lex.span().end;
        let rest = &self.src[here..];
        let ws = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        let open = here + ws;
        if !self.src[open..].starts_with('/') {
            return None;
        }
        let (i, closed) = regex_end(self.src, open + 1);
        let end = if closed { i + 1 } else { i };
        if !closed {
            self.errors.push(SyntaxError::UnterminatedRegex {
                open: self.span(open, open + 1),
            });
        }
        if let Some(lex) = self.code_lexer() {
            lex.bump(end - here);
        }
        self.prev_end = end;
        Some((open, TokKind::Regex, end))
    }

    /// The next token in string mode. A run of text is checked here, its escapes
    /// reported; the parser decodes it from the source ([`unescape`]).
    fn next_string(&mut self) -> Option<SpannedKind> {
        let mut text_start: Option<usize> = None;
        let mut text_end = 0;
        loop {
            let Some(Inner::Str(lex)) = self.inner.as_mut() else {
                return None;
            };
            // Read once; a token that ends the text is put back for the next call.
            let before = lex.clone();
            let result = lex.next();
            let (s, e) = (lex.span().start, lex.span().end);
            let long = matches!(self.modes.last(), Some(Mode::Str { long: true, .. }));
            // In a long string, a line break is text, and so is a `"` that does not
            // begin `"""`.
            if long {
                let src = self.src;
                let closes = result == Some(Ok(StrTok::Close))
                    && src.get(e..).is_some_and(|rest| rest.starts_with("\"\""));
                if matches!(result, Some(Ok(StrTok::Newline | StrTok::Close))) && !closes {
                    text_start.get_or_insert(s);
                    text_end = e;
                    continue;
                }
                if closes {
                    if let Some(start) = text_start {
                        *lex = before;
                        self.prev_end = text_end;
                        return Some((start, TokKind::StrText, text_end));
                    }
                    lex.bump(2);
                    self.modes.pop();
                    self.switch_to_code();
                    self.prev_end = e + 2;
                    return Some((s, TokKind::StrClose, e + 2));
                }
            }
            if let Some(Ok(
                kind @ (StrTok::Text | StrTok::Dollar | StrTok::Escape | StrTok::UnicodeEscape),
            )) = result
            {
                text_start.get_or_insert(s);
                text_end = e;
                let valid = match kind {
                    StrTok::Escape => escape(lex.slice()).is_some(),
                    StrTok::UnicodeEscape => unicode_escape(lex.slice()).is_some(),
                    _ => true,
                };
                if !valid {
                    self.errors.push(SyntaxError::InvalidEscape {
                        span: self.span(s, e),
                        text: self.src[s..e].to_string(),
                    });
                }
                continue;
            }
            if let Some(start) = text_start {
                *lex = before;
                self.prev_end = text_end;
                return Some((start, TokKind::StrText, text_end));
            }
            let open = match self.mode() {
                Mode::Str { open, .. } => open,
                _ => 0,
            };
            let Some(result) = result else {
                return self.at_eof(self.src.len());
            };
            self.prev_end = e;
            match result {
                Ok(StrTok::InterpOpen) => {
                    self.modes.push(Mode::Interp { open: s, depth: 0 });
                    self.switch_to_code();
                    return Some((s, TokKind::InterpOpen, e));
                }
                Ok(StrTok::Close) => {
                    self.modes.pop();
                    self.switch_to_code();
                    return Some((s, TokKind::StrClose, e));
                }
                Ok(StrTok::Newline) => {
                    self.unterminated_string(open, s);
                    return self.pending.pop_front();
                }
                // A lone backslash at the end of a line or of the file.
                _ => {
                    self.errors.push(SyntaxError::InvalidEscape {
                        span: self.span(s, e),
                        text: self.src[s..e].to_string(),
                    });
                    continue;
                }
            }
        }
    }
}

/// The character an escape like `\n` stands for; `None` for one that means nothing.
fn escape(slice: &str) -> Option<char> {
    let c = slice[1..].chars().next().unwrap_or('\\');
    match c {
        'n' => Some('\n'),
        't' => Some('\t'),
        'r' => Some('\r'),
        '0' => Some('\0'),
        '\\' | '"' | '$' | '/' => Some(c),
        _ => None,
    }
}

/// The character a `\u{…}` escape stands for; `None` if it is no character.
fn unicode_escape(slice: &str) -> Option<char> {
    let hex = &slice[3..slice.len() - 1];
    u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
}

/// The value of a run of string text, `raw` as written: escapes decoded, and those
/// that mean nothing (which the lexer has reported) dropped.
pub fn unescape(raw: &str) -> std::borrow::Cow<'_, str> {
    if !raw.contains('\\') {
        return raw.into();
    }
    // The run is lexed again, piece by piece, just as string mode lexed it.
    let mut value = String::new();
    let mut pieces = StrTok::lexer(raw);
    while let Some(piece) = pieces.next() {
        let slice = pieces.slice();
        match piece {
            Ok(StrTok::Escape) => value.extend(escape(slice)),
            Ok(StrTok::UnicodeEscape) => value.extend(unicode_escape(slice)),
            _ => value.push_str(slice),
        }
    }
    value.into()
}

/// Where a regular expression whose body starts at `body_start` ends: the index of
/// its closing `/` (or of the line end or end of file that cuts it off), and whether
/// it is closed.
fn regex_end(src: &str, body_start: usize) -> (usize, bool) {
    let bytes = src.as_bytes();
    let mut i = body_start;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if i + 1 < bytes.len() && bytes[i + 1] != b'\n' => i += 2,
            b'/' => return (i, true),
            b'\n' | b'\r' => break,
            _ => i += 1,
        }
    }
    (i.min(bytes.len()), false)
}

/// The pattern of the regular expression token starting (at its `/`) at `open`.
pub fn regex_body(src: &str, open: usize) -> &str {
    let (end, _) = regex_end(src, open + 1);
    src.get(open + 1..end).unwrap_or("")
}

impl<'a> Iterator for Lexer<'a> {
    type Item = Spanned<'a>;

    fn next(&mut self) -> Option<Spanned<'a>> {
        let (l, kind, r) = self.next_kind()?;
        Some((l, kind.to_tok(self.src, l, r), r))
    }
}

impl<'a> Lexer<'a> {
    /// The tokens as the parser reads them: kinds and byte ranges.
    pub fn kinds(&mut self) -> impl Iterator<Item = SpannedKind> + '_ {
        std::iter::from_fn(|| self.next_kind())
    }

    /// The next token's kind and byte range.
    pub fn next_kind(&mut self) -> Option<SpannedKind> {
        let tok = self.next_unlimited()?;
        let tok = self.limit_depth(tok);
        self.token_starts.push(tok.0 as u32);
        Some(tok)
    }
}

impl<'a> Lexer<'a> {
    #[inline(always)]
    fn next_unlimited(&mut self) -> Option<SpannedKind> {
        match self.pending.pop_front() {
            Some(t) => Some(t),
            None => match self.inner {
                Some(Inner::Code(_)) => self.next_code(),
                Some(Inner::Str(_)) => self.next_string(),
                None => None,
            },
        }
    }

    /// Passes `tok` on, unless it opens a bracket past [`MAX_BRACKET_DEPTH`]: then it
    /// and everything up to the bracket closing it become one [`Tok::Error`].
    fn limit_depth(&mut self, tok: SpannedKind) -> SpannedKind {
        self.count_bracket(&tok.1);
        if self.bracket_depth <= MAX_BRACKET_DEPTH {
            return tok;
        }
        if !self.too_deep_reported {
            self.too_deep_reported = true;
            self.errors.push(SyntaxError::NestingTooDeep {
                span: self.span(tok.0, tok.2),
                limit: MAX_NESTING,
            });
        }
        let (start, mut end) = (tok.0, tok.2);
        while self.bracket_depth > MAX_BRACKET_DEPTH {
            let Some(skipped) = self.next_unlimited() else {
                break;
            };
            self.count_bracket(&skipped.1);
            end = skipped.2;
        }
        (start, TokKind::Error, end)
    }

    fn count_bracket(&mut self, tok: &TokKind) {
        match tok {
            TokKind::LParen | TokKind::LBracket | TokKind::LBrace | TokKind::InterpOpen => {
                self.bracket_depth += 1;
            }
            TokKind::RParen | TokKind::RBracket | TokKind::RBrace | TokKind::InterpClose => {
                self.bracket_depth = self.bracket_depth.saturating_sub(1);
            }
            _ => {}
        }
    }
}

/// A number's digits without the `_` separators, copied only when it has some.
pub fn without_underscores(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('_') {
        text.replace('_', "").into()
    } else {
        text.into()
    }
}

/// Lexes a whole source into tokens, comments and errors (for tests and tools).
pub fn tokenize(src: &str, file: FileId) -> (Vec<Spanned<'_>>, Vec<Comment>, Vec<SyntaxError>) {
    let mut lexer = Lexer::new(src, file);
    let tokens: Vec<_> = lexer.by_ref().collect();
    (tokens, lexer.comments, lexer.errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str) -> Vec<Tok<'_>> {
        tokenize(src, FileId(0))
            .0
            .into_iter()
            .map(|t| t.1)
            .collect()
    }

    #[test]
    fn interpolation_nests_strings_and_braces() {
        let t = toks(r#""a ${f("b ${ {x = 1}.x }")} c""#);
        assert_eq!(t.first(), Some(&Tok::StrOpen));
        assert_eq!(t.last(), Some(&Tok::StrClose));
        assert_eq!(t.iter().filter(|t| **t == Tok::InterpOpen).count(), 2);
        assert_eq!(t.iter().filter(|t| **t == Tok::InterpClose).count(), 2);
        assert!(t.contains(&Tok::LBrace) && t.contains(&Tok::RBrace));
    }

    #[test]
    fn regex_only_after_matches() {
        let t = toks(r"a / b matches /^[a-z\/]+$/");
        assert_eq!(t[1], Tok::Slash);
        assert_eq!(t[4], Tok::Regex(r"^[a-z\/]+$"));
    }

    #[test]
    fn versions_and_resource_types() {
        let t = toks("^3.0 ~2.4 >=1.2, <2 3.x ^1 || ^2 AWS::EC2::VPC aws_vpc 1..10");
        assert!(t.contains(&Tok::Float("3.0")));
        assert!(t.contains(&Tok::VersionWildcard("3.x")));
        assert!(t.contains(&Tok::ResourceType("AWS::EC2::VPC")));
        assert!(t.contains(&Tok::Ident("aws_vpc")));
        assert!(t.ends_with(&[Tok::Int("1"), Tok::DotDot, Tok::Int("10")]));
    }

    #[test]
    fn comments_are_trivia() {
        let (t, c, e) = tokenize(
            "/// doc\n// line\n/* a /* nested */ b */ x //// four",
            FileId(0),
        );
        assert_eq!(t.len(), 1);
        assert!(e.is_empty());
        let kinds: Vec<_> = c.iter().map(|c| c.kind).collect();
        assert_eq!(
            kinds,
            [
                CommentKind::Doc,
                CommentKind::Line,
                CommentKind::Block,
                CommentKind::Line
            ]
        );
    }

    #[test]
    fn unterminated_string_is_closed_at_end_of_line() {
        let (t, _, e) = tokenize("x = \"abc\ny = 1", FileId(0));
        assert!(matches!(e[..], [SyntaxError::UnterminatedString { .. }]));
        assert!(t.iter().any(|t| t.1 == Tok::StrClose));
        assert!(t.iter().any(|t| t.1 == Tok::Ident("y")));
    }

    #[test]
    fn unterminated_interpolation_points_at_its_opening() {
        let (t, _, e) = tokenize("x = \"a ${b\ny = 1", FileId(0));
        assert_eq!(
            e,
            [SyntaxError::UnterminatedInterpolation {
                open: Span::new(FileId(0), 7, 9)
            }]
        );
        assert!(t.iter().any(|t| t.1 == Tok::Ident("y")));
    }

    #[test]
    fn a_line_end_closes_every_open_string_once() {
        let (t, _, e) = tokenize("x = \"a ${f(\"b ${c\ny = 1", FileId(0));
        assert_eq!(
            e,
            [SyntaxError::UnterminatedInterpolation {
                open: Span::new(FileId(0), 14, 16)
            }]
        );
        let closes = t.iter().filter(|t| t.1 == Tok::StrClose).count();
        assert_eq!(closes, 2);
        assert!(t.iter().any(|t| t.1 == Tok::Ident("y")));
    }

    #[test]
    fn brackets_past_the_limit_become_one_error_token() {
        let depth = MAX_BRACKET_DEPTH as usize + 5;
        let src = format!("{}1{}", "(".repeat(depth), ")".repeat(depth));
        let (t, _, e) = tokenize(&src, FileId(0));
        assert!(matches!(e[..], [SyntaxError::NestingTooDeep { .. }]));
        assert_eq!(t.len(), 2 * MAX_BRACKET_DEPTH as usize + 1);
        assert_eq!(t[MAX_BRACKET_DEPTH as usize].1, Tok::Error);
    }

    #[test]
    fn runs_of_bad_characters_are_one_error() {
        let src = "\0".repeat(10_000);
        let (t, _, e) = tokenize(&src, FileId(0));
        assert_eq!(t.len(), 1);
        assert_eq!(e.len(), 1);
    }

    #[test]
    fn escapes_decode() {
        let t = toks(r#""a\n\"\$\u{41}""#);
        assert_eq!(t[1], Tok::StrText("a\n\"$A".into(), r#"a\n\"\$\u{41}"#));
    }
}
