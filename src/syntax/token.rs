//! The tokens the parser sees, and how each is named to people in diagnostics.

use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum Tok<'a> {
    Ident(&'a str),
    Int(&'a str),
    Float(&'a str),
    /// `3.x` or `3.*` in a version constraint.
    VersionWildcard(&'a str),
    /// `AWS::EC2::VPC`
    ResourceType(&'a str),
    /// The `"` that opens a string.
    StrOpen,
    /// A run of text in a string: decoded value and the raw source.
    StrText(String, &'a str),
    /// The `"` that closes a string (synthesised when the string is unterminated).
    StrClose,
    /// `${` inside a string.
    InterpOpen,
    /// The `}` that closes an interpolation.
    InterpClose,
    /// `/pattern/` after `matches`: the pattern between the slashes.
    Regex(&'a str),

    KwEnvironment,
    KwService,
    KwModule,
    KwImport,
    KwAs,
    KwType,
    KwRequires,
    KwInput,
    KwPipeline,
    KwLet,
    KwUse,
    KwResource,
    KwOutput,
    KwWhen,
    KwFor,
    KwIn,
    KwIf,
    KwThen,
    KwElse,
    KwMatch,
    KwTrue,
    KwFalse,
    KwNull,
    KwMatches,
    KwLen,

    LBrace,
    RBrace,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Lt,
    Gt,
    Le,
    Ge,
    EqEq,
    Ne,
    Eq,
    Comma,
    Dot,
    DotDot,
    Colon,
    Question,
    Pipe,
    PipePipe,
    AmpAmp,
    Bang,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    FatArrow,
    Caret,
    Tilde,

    /// Input the lexer could not read; it has already reported why.
    Error,
}

impl Tok<'_> {
    /// The keyword's spelling, if this token is a keyword.
    pub fn keyword(&self) -> Option<&'static str> {
        Some(match self {
            Tok::KwEnvironment => "environment",
            Tok::KwService => "service",
            Tok::KwModule => "module",
            Tok::KwImport => "import",
            Tok::KwAs => "as",
            Tok::KwType => "type",
            Tok::KwRequires => "requires",
            Tok::KwInput => "input",
            Tok::KwPipeline => "pipeline",
            Tok::KwLet => "let",
            Tok::KwUse => "use",
            Tok::KwResource => "resource",
            Tok::KwOutput => "output",
            Tok::KwWhen => "when",
            Tok::KwFor => "for",
            Tok::KwIn => "in",
            Tok::KwIf => "if",
            Tok::KwThen => "then",
            Tok::KwElse => "else",
            Tok::KwMatch => "match",
            Tok::KwTrue => "true",
            Tok::KwFalse => "false",
            Tok::KwNull => "null",
            Tok::KwMatches => "matches",
            Tok::KwLen => "len",
            _ => return None,
        })
    }

    fn punct(&self) -> Option<&'static str> {
        Some(match self {
            Tok::LBrace => "{",
            Tok::RBrace | Tok::InterpClose => "}",
            Tok::LParen => "(",
            Tok::RParen => ")",
            Tok::LBracket => "[",
            Tok::RBracket => "]",
            Tok::Lt => "<",
            Tok::Gt => ">",
            Tok::Le => "<=",
            Tok::Ge => ">=",
            Tok::EqEq => "==",
            Tok::Ne => "!=",
            Tok::Eq => "=",
            Tok::Comma => ",",
            Tok::Dot => ".",
            Tok::DotDot => "..",
            Tok::Colon => ":",
            Tok::Question => "?",
            Tok::Pipe => "|",
            Tok::PipePipe => "||",
            Tok::AmpAmp => "&&",
            Tok::Bang => "!",
            Tok::Plus => "+",
            Tok::Minus => "-",
            Tok::Star => "*",
            Tok::Slash => "/",
            Tok::Percent => "%",
            Tok::FatArrow => "=>",
            Tok::Caret => "^",
            Tok::Tilde => "~",
            Tok::InterpOpen => "${",
            Tok::StrOpen | Tok::StrClose => "\"",
            _ => return None,
        })
    }
}

/// How a found token is named in "unexpected …" messages.
impl fmt::Display for Tok<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(k) = self.keyword() {
            return write!(f, "keyword `{k}`");
        }
        if let Some(p) = self.punct() {
            return write!(f, "`{p}`");
        }
        match self {
            Tok::Ident(s) => write!(f, "name `{s}`"),
            Tok::Int(s) | Tok::Float(s) => write!(f, "number `{s}`"),
            Tok::VersionWildcard(s) => write!(f, "version `{s}`"),
            Tok::ResourceType(s) => write!(f, "resource type `{s}`"),
            Tok::StrText(_, raw) => write!(f, "string text `{raw}`"),
            Tok::Regex(s) => write!(f, "regular expression `/{s}/`"),
            _ => write!(f, "unreadable input"),
        }
    }
}
