//! Document symbols (a template's declarations with their inputs, lets, uses,
//! resources and outputs; a spec's instances) and workspace symbols (every name
//! the workspace's templates declare, matching the query).

use lsp_types::{
    DocumentSymbol, DocumentSymbolParams, DocumentSymbolResponse, SymbolKind,
    WorkspaceSymbolParams, WorkspaceSymbolResponse,
};

use super::At;
use crate::lsp::convert;
use crate::lsp::index::{self, Def, DefKind};
use crate::lsp::spec_at;
use crate::lsp::state::State;

fn kind(k: DefKind) -> SymbolKind {
    match k {
        DefKind::Decl(_) => SymbolKind::CLASS,
        DefKind::Input | DefKind::PipelineInput => SymbolKind::FIELD,
        DefKind::Let => SymbolKind::VARIABLE,
        DefKind::Use => SymbolKind::MODULE,
        DefKind::Resource => SymbolKind::OBJECT,
        DefKind::Output => SymbolKind::PROPERTY,
    }
}

#[allow(deprecated)] // `deprecated`: a field the type still requires
fn symbol(at: &At, d: &Def, children: Option<Vec<DocumentSymbol>>) -> DocumentSymbol {
    DocumentSymbol {
        name: d.name.clone(),
        detail: Some(d.kind.word().to_string()),
        kind: kind(d.kind),
        tags: None,
        deprecated: None,
        range: convert::range(&at.a.map, d.item, at.enc),
        selection_range: convert::range(&at.a.map, d.span, at.enc),
        children,
    }
}

pub fn document(state: &State, p: DocumentSymbolParams) -> Option<DocumentSymbolResponse> {
    let at = At::find(state, &p.text_document, lsp_types::Position::new(0, 0))?;
    if at.is_spec() {
        let spec = spec_at::read(&at.a.map, at.file)?;
        #[allow(deprecated)]
        let out = spec
            .instances
            .iter()
            .map(|i| DocumentSymbol {
                name: i.name.clone(),
                detail: Some(format!("instance in {}", i.environment)),
                kind: SymbolKind::OBJECT,
                tags: None,
                deprecated: None,
                range: convert::range(&at.a.map, i.span, at.enc),
                selection_range: convert::range(&at.a.map, i.name_span, at.enc),
                children: None,
            })
            .collect();
        return Some(DocumentSymbolResponse::Nested(out));
    }
    let program = at.a.program.as_ref()?;
    let defs = index::index_file(program, at.file).defs;
    let out = defs
        .iter()
        .filter(|d| matches!(d.kind, DefKind::Decl(_)))
        .map(|decl| {
            let children = defs
                .iter()
                .filter(|c| c.decl == decl.decl && !matches!(c.kind, DefKind::Decl(_)))
                .map(|c| symbol(&at, c, None))
                .collect();
            symbol(&at, decl, Some(children))
        })
        .collect();
    Some(DocumentSymbolResponse::Nested(out))
}

#[allow(deprecated)]
pub fn workspace(state: &State, p: WorkspaceSymbolParams) -> Option<WorkspaceSymbolResponse> {
    let query = p.query.to_lowercase();
    let mut out = Vec::new();
    for a in state.analyses.values() {
        let Some(program) = a.program.as_ref() else {
            continue;
        };
        for f in program.files.values().filter(|f| f.std_path.is_none()) {
            let Some(uri) = a.path_of(f.id).and_then(convert::path_to_uri) else {
                continue;
            };
            for d in index::index_file(program, f.id).defs {
                if !d.name.to_lowercase().contains(&query) {
                    continue;
                }
                out.push(lsp_types::SymbolInformation {
                    name: d.name.clone(),
                    kind: kind(d.kind),
                    tags: None,
                    deprecated: None,
                    location: lsp_types::Location::new(
                        uri.clone(),
                        convert::range(&a.map, d.span, state.enc()),
                    ),
                    container_name: Some(d.kind.word().to_string()),
                });
            }
        }
    }
    Some(WorkspaceSymbolResponse::Flat(out))
}
