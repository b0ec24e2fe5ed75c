//! Each request and notification the server answers, one file per request; this
//! file routes them and finds what a request's position is in.

mod code_action;
mod completion;
mod definition;
mod formatting;
mod hover;
mod inlay_hints;
mod keep_id;
pub mod semantic_tokens;
mod signature_help;
mod symbols;

use std::path::PathBuf;

use lsp_server::ErrorCode;
use lsp_types::notification::{self as note, Notification as _};
use lsp_types::request::{self as req, Request as _};
use lsp_types::{
    DidChangeTextDocumentParams, DidChangeWatchedFilesParams, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams, DidSaveTextDocumentParams, Position, TextDocumentIdentifier,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::analysis::Analysis;
use super::convert;
use super::files::Kind;
use super::server::{Answer, Failure};
use super::state::State;
use crate::syntax::span::FileId;

fn params<P: DeserializeOwned>(v: Value) -> Result<P, Failure> {
    serde_json::from_value(v).map_err(|e| Failure(ErrorCode::InvalidParams, e.to_string()))
}

fn ok(v: impl Serialize) -> Answer {
    serde_json::to_value(v).map_err(|e| Failure(ErrorCode::InternalError, e.to_string()))
}

pub fn dispatch(state: &mut State, method: &str, p: Value) -> Answer {
    match method {
        req::HoverRequest::METHOD => ok(hover::hover(state, params(p)?)),
        req::GotoDefinition::METHOD => ok(definition::definition(state, params(p)?)),
        req::References::METHOD => ok(definition::references(state, params(p)?)),
        req::PrepareRenameRequest::METHOD => ok(definition::prepare_rename(state, params(p)?)),
        req::Rename::METHOD => definition::rename(state, params(p)?).and_then(ok),
        req::Completion::METHOD => ok(completion::completion(state, params(p)?)),
        req::CodeActionRequest::METHOD => ok(code_action::code_actions(state, params(p)?)),
        req::Formatting::METHOD => ok(formatting::document(state, params(p)?)),
        req::RangeFormatting::METHOD => ok(formatting::range(state, params(p)?)),
        req::DocumentSymbolRequest::METHOD => ok(symbols::document(state, params(p)?)),
        req::WorkspaceSymbolRequest::METHOD => ok(symbols::workspace(state, params(p)?)),
        req::SemanticTokensFullRequest::METHOD => ok(semantic_tokens::full(state, params(p)?)),
        req::InlayHintRequest::METHOD => ok(inlay_hints::hints(state, params(p)?)),
        req::SignatureHelpRequest::METHOD => ok(signature_help::help(state, params(p)?)),
        _ => Err(Failure(
            ErrorCode::MethodNotFound,
            format!("formwork lsp does not answer `{method}`"),
        )),
    }
}

pub fn notification(state: &mut State, method: &str, p: Value) {
    match method {
        note::DidOpenTextDocument::METHOD => {
            if let Ok(p) = params::<DidOpenTextDocumentParams>(p)
                && let Some(path) = convert::uri_to_path(&p.text_document.uri)
            {
                let d = p.text_document;
                state.open(path, d.version, d.text);
            }
        }
        note::DidChangeTextDocument::METHOD => {
            if let Ok(p) = params::<DidChangeTextDocumentParams>(p)
                && let Some(path) = convert::uri_to_path(&p.text_document.uri)
            {
                state.change(&path, p.text_document.version, p.content_changes);
            }
        }
        note::DidCloseTextDocument::METHOD => {
            if let Ok(p) = params::<DidCloseTextDocumentParams>(p)
                && let Some(path) = convert::uri_to_path(&p.text_document.uri)
            {
                state.close(&path);
            }
        }
        note::DidSaveTextDocument::METHOD => {
            if let Ok(p) = params::<DidSaveTextDocumentParams>(p)
                && let Some(path) = convert::uri_to_path(&p.text_document.uri)
            {
                state.disk_changed(&path);
            }
        }
        note::DidChangeWatchedFiles::METHOD => {
            if let Ok(p) = params::<DidChangeWatchedFilesParams>(p) {
                for c in p.changes {
                    if let Some(path) = convert::uri_to_path(&c.uri) {
                        state.disk_changed(&path);
                    }
                }
            }
        }
        _ => {}
    }
}

/// A request's document in the last check: the analysis, the file, its kind, the
/// path, and the byte offset of the position.
pub struct At<'s> {
    pub a: &'s Analysis,
    pub file: FileId,
    pub kind: Kind,
    pub offset: u32,
    pub enc: convert::Encoding,
}

impl<'s> At<'s> {
    pub fn find(state: &'s State, doc: &TextDocumentIdentifier, pos: Position) -> Option<At<'s>> {
        let path: PathBuf = convert::uri_to_path(&doc.uri)?;
        let (a, file) = state.analysis_of(&path)?;
        let kind = *a.kinds.get(&file)?;
        let f = a.map.get(file)?;
        let offset = convert::offset(&f.text, f.line_starts(), pos, state.enc()) as u32;
        Some(At {
            a,
            file,
            kind,
            offset,
            enc: state.enc(),
        })
    }

    pub fn text(&self) -> &'s str {
        self.a
            .map
            .get(self.file)
            .map(|f| f.text.as_str())
            .unwrap_or("")
    }

    pub fn is_spec(&self) -> bool {
        matches!(self.kind, Kind::Environment | Kind::Service)
    }

    pub fn location(&self, span: crate::syntax::span::Span) -> Option<lsp_types::Location> {
        let uri = convert::path_to_uri(self.a.path_of(span.file)?)?;
        Some(lsp_types::Location::new(
            uri,
            convert::range(&self.a.map, span, self.enc),
        ))
    }
}
