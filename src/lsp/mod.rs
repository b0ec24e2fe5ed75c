//! `formwork lsp`: the language server, for `.fw` templates and spec files (YAML and
//! JSON), over stdio with `lsp-server` (synchronous, one thread, no async runtime).
//!
//! `server` (the message loop, cancellation, panics caught per request) · `state`
//! (open documents, workspaces, last checks) · `files` (a workspace's files from
//! disk) · `analysis` (one check, through `check` and `workspace`'s own stages) ·
//! `incremental` (what the last check found, and what an edit re-checks) ·
//! `convert` (every span ⇄ position mapping, diagnostics in LSP's terms) · `pages`
//! (the code pages `codeDescription` links to) · `capabilities` · `requests/` (one
//! file per request) · `index` (the names a template declares and uses) · `spec_at`
//! (what is at a place in a spec file).

mod analysis;
mod capabilities;
pub mod convert;
mod files;
mod incremental;
mod index;
mod pages;
mod requests;
mod server;
mod spec_at;
mod state;

pub use server::serve;

/// Serves on standard input and output until the client exits: 0 after a
/// `shutdown`, 1 otherwise (as the protocol asks).
pub fn run_stdio() -> u8 {
    let (conn, threads) = lsp_server::Connection::stdio();
    let outcome = serve(&conn);
    drop(conn);
    let _ = threads.join();
    match outcome {
        Ok(true) => 0,
        Ok(false) => 1,
        Err(e) => {
            server::log(&format!("formwork lsp: {e}"));
            1
        }
    }
}
