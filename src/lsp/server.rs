//! The message loop: `initialize`, then requests and notifications in order until
//! `shutdown` and `exit`. Synchronous, on one thread: before each message the
//! waiting ones are read, so a `$/cancelRequest` for a request still waiting answers
//! it as cancelled, and the edits waiting are all applied before one re-check. A
//! request that panics is answered with an error and logged; the server goes on.

use std::collections::{BTreeSet, VecDeque};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{self as note, Notification as _};
use lsp_types::{
    InitializeParams, PositionEncodingKind, PublishDiagnosticsParams, ServerCapabilities, Uri,
};
use serde_json::Value;

use super::convert::{self, Encoding};
use super::state::State;
use super::{capabilities, requests};

/// An error for the client: a code and a message.
pub struct Failure(pub ErrorCode, pub String);

pub type Answer = Result<Value, Failure>;

/// Runs the server on `conn` until the client says `exit`; whether it shut down first.
pub fn serve(conn: &Connection) -> Result<bool, String> {
    let (id, params) = conn.initialize_start().map_err(|e| e.to_string())?;
    let params: InitializeParams = serde_json::from_value(params).map_err(|e| e.to_string())?;
    let encoding = negotiate(&params);
    let mut caps: ServerCapabilities = capabilities::server();
    caps.position_encoding = Some(match encoding {
        Encoding::Utf8 => PositionEncodingKind::UTF8,
        Encoding::Utf16 => PositionEncodingKind::UTF16,
    });
    let result = serde_json::json!({
        "capabilities": caps,
        "serverInfo": { "name": "formwork", "version": env!("CARGO_PKG_VERSION") },
    });
    conn.initialize_finish(id, result)
        .map_err(|e| e.to_string())?;
    let mut server = Server {
        state: State {
            encoding: Some(encoding),
            pages: super::pages::write(),
            ..State::default()
        },
        debug: params
            .initialization_options
            .as_ref()
            .and_then(|o| o.get("debugPanicRequest"))
            .and_then(Value::as_bool)
            .unwrap_or(false),
        published: BTreeSet::new(),
    };
    for root in roots(&params) {
        if root.join(crate::workspace::config::CONFIG_FILE).is_file() {
            server.state.add_workspace(&root);
        }
    }
    server.run(conn)
}

/// UTF-8 when the client offers it (no conversion needed), else UTF-16.
fn negotiate(params: &InitializeParams) -> Encoding {
    let offered = params
        .capabilities
        .general
        .as_ref()
        .and_then(|g| g.position_encodings.as_ref());
    if offered.is_some_and(|o| o.contains(&PositionEncodingKind::UTF8)) {
        Encoding::Utf8
    } else {
        Encoding::Utf16
    }
}

/// The folders the client opened.
#[allow(deprecated)] // `root_uri` and `root_path`: what older clients send instead
fn roots(params: &InitializeParams) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = params
        .workspace_folders
        .iter()
        .flatten()
        .filter_map(|f| convert::uri_to_path(&f.uri))
        .collect();
    if out.is_empty() {
        out.extend(params.root_uri.as_ref().and_then(convert::uri_to_path));
    }
    if out.is_empty() {
        out.extend(params.root_path.as_ref().map(PathBuf::from));
    }
    out
}

struct Server {
    state: State,
    /// `formwork/debugPanic` answers by panicking (tests turn it on to prove a
    /// panic is survived).
    debug: bool,
    /// The files whose diagnostics were last published non-empty.
    published: BTreeSet<PathBuf>,
}

impl Server {
    fn run(&mut self, conn: &Connection) -> Result<bool, String> {
        let mut waiting: VecDeque<Message> = VecDeque::new();
        let mut cancelled: BTreeSet<RequestId> = BTreeSet::new();
        let mut shut_down = false;
        loop {
            while let Ok(m) = conn.receiver.try_recv() {
                waiting.push_back(m);
            }
            let msg = match waiting.pop_front() {
                Some(m) => m,
                None => {
                    self.publish_if_dirty(conn)?;
                    match conn.receiver.recv() {
                        Ok(m) => m,
                        Err(_) => return Ok(shut_down),
                    }
                }
            };
            // A cancellation waiting behind a request cancels it.
            for m in &waiting {
                if let Message::Notification(n) = m
                    && n.method == note::Cancel::METHOD
                    && let Some(id) = cancel_id(&n.params)
                {
                    cancelled.insert(id);
                }
            }
            match msg {
                Message::Request(req) => {
                    if req.method == "shutdown" {
                        shut_down = true;
                        send(conn, Response::new_ok(req.id, Value::Null))?;
                        continue;
                    }
                    if cancelled.remove(&req.id) {
                        let r = Response::new_err(
                            req.id,
                            ErrorCode::RequestCanceled as i32,
                            "cancelled".into(),
                        );
                        send(conn, r)?;
                        continue;
                    }
                    // A request reads the buffers as they are now.
                    self.publish_if_dirty(conn)?;
                    let response = self.answer(req);
                    send(conn, response)?;
                }
                Message::Notification(n) => {
                    if n.method == note::Exit::METHOD {
                        return Ok(shut_down);
                    }
                    self.notify(n);
                    let more_edits = waiting.iter().any(|m| {
                        matches!(m, Message::Notification(n) if n.method.starts_with("textDocument/did"))
                    });
                    if !more_edits {
                        self.publish_if_dirty(conn)?;
                    }
                }
                Message::Response(_) => {}
            }
        }
    }

    fn answer(&mut self, req: Request) -> Response {
        let Request { id, method, params } = req;
        let debug = self.debug;
        let state = &mut self.state;
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            if debug && method == "formwork/debugPanic" {
                panic!("formwork/debugPanic asked for a panic");
            }
            requests::dispatch(state, &method, params)
        }));
        match outcome {
            Ok(Ok(v)) => Response::new_ok(id, v),
            Ok(Err(Failure(code, message))) => Response::new_err(id, code as i32, message),
            Err(panic) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a panic".into());
                log(&format!("formwork lsp: `{method}` panicked: {what}"));
                Response::new_err(
                    id,
                    ErrorCode::InternalError as i32,
                    format!("formwork lsp: internal error answering `{method}`: {what}"),
                )
            }
        }
    }

    fn notify(&mut self, n: Notification) {
        let Notification { method, params } = n;
        let state = &mut self.state;
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            requests::notification(state, &method, params)
        }));
        if outcome.is_err() {
            log(&format!("formwork lsp: `{method}` panicked"));
        }
    }

    /// Re-checks what changed, and publishes each file's diagnostics: every file of
    /// the group checked, and an empty list for those that had some and now have none.
    fn publish_if_dirty(&mut self, conn: &Connection) -> Result<(), String> {
        if self.state.dirty.is_empty() {
            return Ok(());
        }
        let checked = match catch_unwind(AssertUnwindSafe(|| self.state.recheck())) {
            Ok(c) => c,
            Err(_) => {
                log("formwork lsp: a check panicked");
                return Ok(());
            }
        };
        let enc = self.state.enc();
        let pages = self.state.pages.clone();
        let page = move |code: &str| -> Option<Uri> {
            convert::path_to_uri(&pages.as_ref()?.join(format!("{code}.md")))
        };
        for group in checked {
            let Some(a) = self.state.analyses.get(&group) else {
                continue;
            };
            let w = a.work;
            let logged = Notification::new(
                note::LogMessage::METHOD.into(),
                lsp_types::LogMessageParams {
                    typ: lsp_types::MessageType::LOG,
                    message: format!(
                        "formwork: checked {}: {} files parsed, {} reused; re-checked {} declarations, {} service specs ({} instances)",
                        group
                            .as_ref()
                            .map_or("open files".into(), |r| r.display().to_string()),
                        w.parsed,
                        w.reused,
                        w.declarations,
                        w.specs,
                        w.instances
                    ),
                },
            );
            send(conn, logged)?;
            let uri_of = |id| a.path_of(id).and_then(convert::path_to_uri);
            let mut now = BTreeSet::new();
            for (path, diags) in &a.diagnostics {
                let Some(uri) = convert::path_to_uri(path) else {
                    continue;
                };
                let items = diags
                    .iter()
                    .map(|d| convert::diagnostic(d, &a.map, enc, &uri_of, &page))
                    .collect();
                let version = self.state.documents.get(path).map(|d| d.version);
                publish(conn, uri, items, version)?;
                now.insert(path.clone());
            }
            // Files of this group that had diagnostics and have none now.
            let gone: Vec<PathBuf> = self
                .published
                .iter()
                .filter(|p| !now.contains(*p) && in_group(p, &group, &self.state))
                .cloned()
                .collect();
            for p in gone {
                self.published.remove(&p);
                if let Some(uri) = convert::path_to_uri(&p) {
                    let version = self.state.documents.get(&p).map(|d| d.version);
                    publish(conn, uri, Vec::new(), version)?;
                }
            }
            self.published.extend(now);
        }
        Ok(())
    }
}

fn in_group(path: &std::path::Path, group: &super::state::Group, state: &State) -> bool {
    match group {
        Some(root) => path.starts_with(root),
        None => !state.workspaces.keys().any(|r| path.starts_with(r)),
    }
}

fn publish(
    conn: &Connection,
    uri: Uri,
    diagnostics: Vec<lsp_types::Diagnostic>,
    version: Option<i32>,
) -> Result<(), String> {
    let params = PublishDiagnosticsParams {
        uri,
        diagnostics,
        version,
    };
    send(
        conn,
        Notification::new(note::PublishDiagnostics::METHOD.into(), params),
    )
}

fn send(conn: &Connection, m: impl Into<Message>) -> Result<(), String> {
    conn.sender
        .send(m.into())
        .map_err(|_| "the client went away".to_string())
}

fn cancel_id(params: &Value) -> Option<RequestId> {
    match params.get("id")? {
        Value::Number(n) => n
            .as_i64()
            .and_then(|n| i32::try_from(n).ok())
            .map(RequestId::from),
        Value::String(s) => Some(RequestId::from(s.clone())),
        _ => None,
    }
}

/// The server's log: standard error (the client shows it in its log).
pub fn log(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}
