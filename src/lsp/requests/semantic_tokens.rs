//! `textDocument/semanticTokens/full` for `.fw` files: the lexer's own tokens
//! (`syntax::lexer`, so what is highlighted is what is parsed), each classed by its
//! kind and, for a name, by the tokens around it: the name a keyword declares, a
//! property (`port =`, `zones:`, `x.port`), a type (after a declaration's `:`, or
//! capitalised), a function (before `(`), or a variable.

use lsp_types::{
    SemanticToken, SemanticTokenModifier, SemanticTokenType, SemanticTokens, SemanticTokensLegend,
    SemanticTokensParams, SemanticTokensResult,
};

use crate::lsp::convert::{self, Encoding};
use crate::lsp::files::Kind;
use crate::lsp::state::State;
use crate::syntax::ast::CommentKind;
use crate::syntax::lexer::Lexer;
use crate::syntax::span::FileId;
use crate::syntax::token::TokKind;

/// The token types, in the legend's order (a token's type is its index here).
const TYPES: [SemanticTokenType; 10] = [
    SemanticTokenType::KEYWORD,
    SemanticTokenType::VARIABLE,
    SemanticTokenType::TYPE,
    SemanticTokenType::PROPERTY,
    SemanticTokenType::STRING,
    SemanticTokenType::NUMBER,
    SemanticTokenType::COMMENT,
    SemanticTokenType::FUNCTION,
    SemanticTokenType::REGEXP,
    SemanticTokenType::OPERATOR,
];
const KEYWORD: u32 = 0;
const VARIABLE: u32 = 1;
const TYPE: u32 = 2;
const PROPERTY: u32 = 3;
const STRING: u32 = 4;
const NUMBER: u32 = 5;
const COMMENT: u32 = 6;
const FUNCTION: u32 = 7;
const REGEXP: u32 = 8;
const OPERATOR: u32 = 9;

/// The modifiers, as bits in the legend's order.
const MODIFIERS: [SemanticTokenModifier; 2] = [
    SemanticTokenModifier::DECLARATION,
    SemanticTokenModifier::DOCUMENTATION,
];
const DECLARATION: u32 = 1;
const DOCUMENTATION: u32 = 2;

pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: TYPES.to_vec(),
        token_modifiers: MODIFIERS.to_vec(),
    }
}

pub fn full(state: &State, p: SemanticTokensParams) -> Option<SemanticTokensResult> {
    let path = convert::uri_to_path(&p.text_document.uri)?;
    let text = match state.documents.get(&path) {
        Some(d) => d.text.clone(),
        None => {
            let (a, file) = state.analysis_of(&path)?;
            if a.kinds.get(&file) != Some(&Kind::Template) {
                return None;
            }
            a.map.get(file)?.text.clone()
        }
    };
    if path.extension().and_then(|e| e.to_str()) != Some("fw") {
        return None;
    }
    Some(SemanticTokensResult::Tokens(SemanticTokens {
        result_id: None,
        data: tokens(&text, state.enc()),
    }))
}

/// Every token of `text`, classed, in the protocol's relative encoding.
pub fn tokens(text: &str, enc: Encoding) -> Vec<SemanticToken> {
    let mut lexer = Lexer::new(text, FileId(0));
    let kinds: Vec<(usize, TokKind, usize)> = lexer.kinds().collect();
    let mut classed: Vec<(usize, usize, u32, u32)> = Vec::new();
    for (i, &(l, kind, r)) in kinds.iter().enumerate() {
        let before = |n: usize| i.checked_sub(n).and_then(|j| kinds.get(j)).map(|t| t.1);
        let after = kinds.get(i + 1).map(|t| t.1);
        let class = match kind {
            TokKind::Ident => Some(ident(before(1), after, text.get(l..r).unwrap_or(""))),
            TokKind::ResourceType => Some((TYPE, 0)),
            TokKind::Int | TokKind::Float | TokKind::VersionWildcard => Some((NUMBER, 0)),
            TokKind::StrOpen | TokKind::StrText | TokKind::StrClose => Some((STRING, 0)),
            TokKind::Regex => Some((REGEXP, 0)),
            TokKind::KwLen => Some((FUNCTION, 0)),
            // `input.port`, `environment.outputs.x`, `pipeline.input.branch`: a value.
            TokKind::KwInput
            | TokKind::KwEnvironment
            | TokKind::KwPipeline
            | TokKind::KwService
                if after == Some(TokKind::Dot) =>
            {
                Some((VARIABLE, 0))
            }
            TokKind::KwInput if before(1) == Some(TokKind::Dot) => Some((PROPERTY, 0)),
            k if is_keyword(k) => Some((KEYWORD, 0)),
            TokKind::EqEq
            | TokKind::Ne
            | TokKind::Le
            | TokKind::Ge
            | TokKind::QuestionQuestion
            | TokKind::PipePipe
            | TokKind::AmpAmp
            | TokKind::FatArrow
            | TokKind::Bang
            | TokKind::Plus
            | TokKind::Minus
            | TokKind::Star
            | TokKind::Slash
            | TokKind::Percent
            | TokKind::DotDot => Some((OPERATOR, 0)),
            _ => None,
        };
        if let Some((ty, m)) = class {
            classed.push((l, r, ty, m));
        }
    }
    for c in &lexer.comments {
        let m = if c.kind == CommentKind::Doc {
            DOCUMENTATION
        } else {
            0
        };
        classed.push((c.span.start as usize, c.span.end as usize, COMMENT, m));
    }
    classed.sort_by_key(|t| t.0);
    encode(text, &classed, enc)
}

fn is_keyword(k: TokKind) -> bool {
    use TokKind::*;
    matches!(
        k,
        KwEnvironment
            | KwService
            | KwModule
            | KwImport
            | KwAs
            | KwType
            | KwRequires
            | KwInput
            | KwPipeline
            | KwLet
            | KwUse
            | KwResource
            | KwOutput
            | KwWhen
            | KwFor
            | KwIn
            | KwIf
            | KwThen
            | KwElse
            | KwMatch
            | KwTrue
            | KwFalse
            | KwNull
            | KwMatches
    )
}

/// A name's class, from the tokens just before and after it.
fn ident(b1: Option<TokKind>, after: Option<TokKind>, text: &str) -> (u32, u32) {
    use TokKind::*;
    match (b1, after) {
        (Some(KwResource | KwOutput | KwLet | KwUse | KwType | KwAs | KwFor), _) => {
            (VARIABLE, DECLARATION)
        }
        // `resource NAME: TYPE`, `port: Int`, `output NAME: TYPE` (not a `for`'s
        // `: s.id`).
        (Some(Colon), a) if a != Some(Dot) => (TYPE, 0),
        (Some(Dot), Some(LParen)) | (_, Some(LParen)) => (FUNCTION, 0),
        (Some(Dot), _) => (PROPERTY, 0),
        (_, Some(Eq | Colon)) => (PROPERTY, 0),
        _ if text.starts_with(|c: char| c.is_ascii_uppercase()) => (TYPE, 0),
        _ => (VARIABLE, 0),
    }
}

/// `classed` (start, end, type, modifiers), sorted, as the protocol's deltas, a
/// token over several lines split at each line's end.
fn encode(text: &str, classed: &[(usize, usize, u32, u32)], enc: Encoding) -> Vec<SemanticToken> {
    let starts = convert::line_starts(text);
    let mut out = Vec::with_capacity(classed.len());
    let (mut line, mut col) = (0u32, 0u32);
    for &(l, r, ty, m) in classed {
        let mut from = l;
        while from < r {
            let a = convert::position(text, &starts, from, enc);
            let line_end = starts
                .get(a.line as usize + 1)
                .map_or(text.len(), |s| s - 1)
                .min(r);
            let b = convert::position(text, &starts, line_end, enc);
            // Tokens never overlap; a span that would go back is left out.
            let ahead = (a.line, a.character) >= (line, col);
            if b.character > a.character && ahead {
                let delta_line = a.line - line;
                let delta_start = if delta_line == 0 {
                    a.character - col
                } else {
                    a.character
                };
                out.push(SemanticToken {
                    delta_line,
                    delta_start,
                    length: b.character - a.character,
                    token_type: ty,
                    token_modifiers_bitset: m,
                });
                (line, col) = (a.line, a.character);
            }
            from = line_end + 1;
        }
    }
    out
}
