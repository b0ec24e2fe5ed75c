//! `textDocument/signatureHelp` in `.fw` files: inside a call of a standard
//! function (`types::functions`, the table the checker checks calls with), its
//! signature, summary and the parameter the cursor is on. The call is found with the
//! lexer's tokens before the cursor, counting brackets, so it works on a line the
//! parser cannot read yet (`cidr_subnet(input.cidr, `).

use lsp_types::{
    Documentation, ParameterInformation, ParameterLabel, SignatureHelp, SignatureHelpParams,
    SignatureInformation,
};

use crate::lsp::convert;
use crate::lsp::state::State;
use crate::syntax::lexer::Lexer;
use crate::syntax::span::FileId;
use crate::syntax::token::TokKind;
use crate::types::functions::{self, Function, Param};

pub fn help(state: &State, p: SignatureHelpParams) -> Option<SignatureHelp> {
    let doc = &p.text_document_position_params;
    let path = convert::uri_to_path(&doc.text_document.uri)?;
    if path.extension().and_then(|e| e.to_str()) != Some("fw") {
        return None;
    }
    let text = &state.documents.get(&path)?.text;
    let starts = convert::line_starts(text);
    let offset = convert::offset(text, &starts, doc.position, state.enc());
    let (name, active) = call_at(text, offset)?;
    let f = functions::lookup(&name)?;
    Some(SignatureHelp {
        signatures: vec![information(f)],
        active_signature: Some(0),
        active_parameter: Some(active_parameter(f, active)),
    })
}

/// The function whose call's parentheses hold `offset`, and how many commas of
/// that call come before it.
fn call_at(text: &str, offset: usize) -> Option<(String, u32)> {
    // Each open bracket before the offset: the function it calls (for a `(` right
    // after a name) and the commas seen in it.
    let mut open: Vec<(Option<String>, u32)> = Vec::new();
    let mut previous: Option<(usize, TokKind, usize)> = None;
    let mut lexer = Lexer::new(text, FileId(0));
    for (l, kind, r) in lexer.kinds() {
        if l >= offset {
            break;
        }
        match kind {
            TokKind::LParen => {
                let name = match previous {
                    Some((a, TokKind::Ident, b)) => text.get(a..b).map(str::to_string),
                    Some((_, TokKind::KwLen, _)) => Some("len".to_string()),
                    _ => None,
                };
                open.push((name, 0));
            }
            TokKind::LBracket | TokKind::LBrace | TokKind::InterpOpen => open.push((None, 0)),
            TokKind::RParen | TokKind::RBracket | TokKind::RBrace | TokKind::InterpClose => {
                open.pop();
            }
            TokKind::Comma => {
                if let Some(top) = open.last_mut() {
                    top.1 += 1;
                }
            }
            _ => {}
        }
        previous = Some((l, kind, r));
    }
    match open.pop()? {
        (Some(name), commas) => Some((name, commas)),
        (None, _) => None,
    }
}

/// The parameter the `commas`-th argument is: past the last, the last (a `…` takes
/// any number).
fn active_parameter(f: &Function, commas: u32) -> u32 {
    let last = f.params.len().saturating_sub(1) as u32;
    commas.min(last)
}

/// `join(List<String>, String)`, with each parameter's place in the label.
fn information(f: &Function) -> SignatureInformation {
    let label = super::hover::signature(f);
    let mut parameters = Vec::new();
    let mut at = f.name.len() as u32 + 1;
    for p in f.params {
        let text = match p {
            Param::Rest => "…",
            other => other.describe(),
        };
        let len = text.encode_utf16().count() as u32;
        parameters.push(ParameterInformation {
            label: ParameterLabel::LabelOffsets([at, at + len]),
            documentation: None,
        });
        at += len + 2;
    }
    SignatureInformation {
        label,
        documentation: Some(Documentation::String(f.summary.to_string())),
        parameters: Some(parameters),
        active_parameter: None,
    }
}
