//! The language server in process: a scripted session over
//! `lsp_server::Connection::memory()` on a copy of `examples/acme`, one test per
//! feature, each response snapshotted with the copy's folder written `$ROOT`.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::{Value, json};

struct Session {
    client: Connection,
    server: Option<std::thread::JoinHandle<Result<bool, String>>>,
    root: common::TempDir,
    next: i32,
    /// Notifications received and not yet looked at.
    inbox: Vec<Notification>,
}

fn uri(p: &Path) -> String {
    formwork::lsp::convert::path_to_uri(p)
        .expect("a uri")
        .as_str()
        .to_string()
}

impl Session {
    fn start(name: &str) -> Session {
        Session::start_with(name, |_| {})
    }

    /// A session on a copy whose `web` draft is version 2.2, unpublished, and what
    /// `services/web.yaml` pins: edits to the draft reach the spec.
    fn start_draft(name: &str) -> Session {
        Session::start_with(name, |root| {
            for (rel, from, to) in [
                ("templates/web.fw", "version = \"2.1\"", "version = \"2.2\""),
                ("services/web.yaml", "web@2.1", "web@2.2"),
            ] {
                let p = root.join(rel);
                let text = std::fs::read_to_string(&p).expect("read");
                std::fs::write(&p, text.replacen(from, to, 1)).expect("write");
            }
        })
    }

    fn start_with(name: &str, prepare: impl Fn(&Path)) -> Session {
        let root = common::temp(&format!("lsp-{name}"));
        common::copy_tree(&common::root().join("examples/acme"), &root);
        prepare(&root);
        let (server, client) = Connection::memory();
        let handle = std::thread::spawn(move || formwork::lsp::serve(&server));
        let mut s = Session {
            client,
            server: Some(handle),
            root,
            next: 0,
            inbox: Vec::new(),
        };
        let init = s.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": uri(&s.root),
                "capabilities": {},
                "initializationOptions": { "debugPanicRequest": true },
            }),
        );
        assert!(
            init["capabilities"]["hoverProvider"] == json!(true),
            "{init}"
        );
        s.notify("initialized", json!({}));
        s
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    fn doc(&self, rel: &str) -> Value {
        json!({ "uri": uri(&self.path(rel)) })
    }

    fn notify(&self, method: &str, params: Value) {
        self.client
            .sender
            .send(Message::Notification(Notification::new(
                method.into(),
                params,
            )))
            .expect("send");
    }

    fn send_request(&mut self, method: &str, params: Value) -> RequestId {
        self.next += 1;
        let id = RequestId::from(self.next);
        self.client
            .sender
            .send(Message::Request(Request::new(
                id.clone(),
                method.into(),
                params,
            )))
            .expect("send");
        id
    }

    /// The response to `id`: its result, or `{"error": …}`.
    fn response(&mut self, id: RequestId) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self
                .client
                .receiver
                .recv_timeout(left)
                .expect("a message in time")
            {
                Message::Response(r) if r.id == id => {
                    return match r.response_result {
                        Err(e) => json!({ "error": { "code": e.code, "message": e.message } }),
                        Ok(v) => v,
                    };
                }
                Message::Notification(n) => self.inbox.push(n),
                _ => {}
            }
        }
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params);
        self.response(id)
    }

    fn open(&self, rel: &str) {
        let path = self.path(rel);
        let text = std::fs::read_to_string(&path).expect("read");
        let language = if rel.ends_with(".fw") {
            "formwork"
        } else {
            "yaml"
        };
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri(&path), "languageId": language, "version": 1, "text": text } }),
        );
    }

    /// Replaces the first `old` of the open file's text (as on disk) with `new`, as
    /// one incremental change.
    fn edit(&self, rel: &str, version: i32, line: u32, character: u32, removed: u32, new: &str) {
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri(&self.path(rel)), "version": version },
                "contentChanges": [{
                    "range": {
                        "start": { "line": line, "character": character },
                        "end": { "line": line, "character": character + removed },
                    },
                    "text": new,
                }],
            }),
        );
    }

    /// The next diagnostics published for `rel`.
    fn diagnostics(&mut self, rel: &str) -> Value {
        let want = uri(&self.path(rel));
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(i) = self.inbox.iter().position(|n| {
                n.method == "textDocument/publishDiagnostics" && n.params["uri"] == json!(want)
            }) {
                return self.inbox.remove(i).params;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self
                .client
                .receiver
                .recv_timeout(left)
                .expect("diagnostics in time")
            {
                Message::Notification(n) => self.inbox.push(n),
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    /// `v` as text, with the copy's folder written `$ROOT`.
    fn show(&self, v: &Value) -> String {
        let text = serde_json::to_string_pretty(v).expect("json");
        let tmp = std::env::temp_dir();
        let tmp = tmp.to_string_lossy();
        text.replace(&uri(&self.root), "$ROOT")
            .replace(&self.root.display().to_string(), "$ROOT")
            .replace(tmp.trim_end_matches('/'), "$TMP")
    }

    fn at(&self, rel: &str, line: u32, character: u32) -> Value {
        json!({ "textDocument": self.doc(rel), "position": { "line": line, "character": character } })
    }

    fn finish(mut self) -> bool {
        let r = self.request("shutdown", Value::Null);
        assert_eq!(r, Value::Null);
        self.notify("exit", Value::Null);
        let handle = self.server.take().expect("running");
        handle.join().expect("no panic").expect("served")
    }
}

/// The (0-based) line and column of the first `needle` in a file of the example.
fn find(s: &Session, rel: &str, needle: &str) -> (u32, u32) {
    let text = std::fs::read_to_string(s.path(rel)).expect("read");
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` in {rel}"));
    let line = text[..at].matches('\n').count();
    let col = at - text[..at].rfind('\n').map_or(0, |i| i + 1);
    (line as u32, col as u32)
}

#[test]
fn diagnostics_follow_unsaved_edits_across_files_and_closing_restores_disk() {
    let mut s = Session::start_draft("diagnostics");
    // The clean example publishes no diagnostics; opening changes nothing.
    s.open("templates/web.fw");
    // A new required input in the (unsaved) template: every instance of the
    // service spec now lacks it.
    let (line, _) = find(&s, "templates/web.fw", "    port: Int");
    s.edit("templates/web.fw", 2, line, 0, 0, "    team: String\n");
    let spec = s.diagnostics("services/web.yaml");
    insta::assert_snapshot!("diagnostics_spec_after_template_edit", s.show(&spec));
    // Closing the template without saving: the disk's version is clean again.
    s.notify(
        "textDocument/didClose",
        json!({ "textDocument": s.doc("templates/web.fw") }),
    );
    let spec = s.diagnostics("services/web.yaml");
    assert_eq!(spec["diagnostics"], json!([]), "{spec}");
    assert!(s.finish());
}

#[test]
fn diagnostics_in_a_template_and_a_spec_as_typed() {
    let mut s = Session::start("typed");
    s.open("services/web.yaml");
    let (line, col) = find(&s, "services/web.yaml", "desired_count: 1");
    // `desired_count` misspelt in the unsaved spec.
    s.edit(
        "services/web.yaml",
        2,
        line,
        col,
        "desired_count".len() as u32,
        "desried_count",
    );
    let spec = s.diagnostics("services/web.yaml");
    insta::assert_snapshot!("diagnostics_spec_typo", s.show(&spec));
    s.open("templates/web.fw");
    let (line, col) = find(&s, "templates/web.fw", "memory = memory");
    s.edit(
        "templates/web.fw",
        2,
        line,
        col + "memory = ".len() as u32,
        "memory".len() as u32,
        "memroy",
    );
    let template = s.diagnostics("templates/web.fw");
    insta::assert_snapshot!("diagnostics_template_typo", s.show(&template));
    assert!(s.finish());
}

#[test]
fn hover_on_an_input_a_use_of_it_a_property_and_a_spec_key() {
    let mut s = Session::start_draft("hover");
    s.open("templates/web.fw");
    s.open("services/web.yaml");
    let mut out = String::new();
    for (rel, needle, skip) in [
        ("templates/web.fw", "image: String", 1),
        ("templates/web.fw", "input.desired_count\n", 7),
        ("templates/web.fw", "MasterUserPassword", 2),
        ("templates/web.fw", "environment.outputs.cluster_arn", 22),
        ("services/web.yaml", "image:", 1),
        ("services/web.yaml", "web@2.2", 1),
    ] {
        let (line, col) = find(&s, rel, needle);
        let r = s.request("textDocument/hover", s.at(rel, line, col + skip));
        out.push_str(&format!("----- {rel} `{needle}` +{skip}\n{}\n", s.show(&r)));
    }
    insta::assert_snapshot!("hover", out);
    assert!(s.finish());
}

#[test]
fn definition_of_names_outputs_modules_and_spec_references() {
    let mut s = Session::start_draft("definition");
    s.open("templates/web.fw");
    s.open("services/web.yaml");
    let mut out = String::new();
    for (rel, needle, skip) in [
        ("templates/web.fw", "cpu = cpu", 7),
        ("templates/web.fw", "environment.outputs.cluster_arn", 22),
        ("templates/web.fw", "std.aws.fargate_service", 9),
        ("services/web.yaml", "desired_count: 1", 2),
        ("services/web.yaml", "environment: dev", 14),
        ("services/web.yaml", "web@2.2", 1),
    ] {
        let (line, col) = find(&s, rel, needle);
        let r = s.request("textDocument/definition", s.at(rel, line, col + skip));
        out.push_str(&format!("----- {rel} `{needle}` +{skip}\n{}\n", s.show(&r)));
    }
    insta::assert_snapshot!("definition", out);
    assert!(s.finish());
}

#[test]
fn completion_in_a_template_and_a_spec() {
    let mut s = Session::start("completion");
    s.open("templates/web.fw");
    s.open("services/web.yaml");
    let mut out = String::new();
    let labels = |v: &Value| -> String {
        v.as_array()
            .map(|items| {
                let mut items: Vec<&Value> = items.iter().collect();
                items.sort_by_key(|i| {
                    i["sortText"]
                        .as_str()
                        .or(i["label"].as_str())
                        .unwrap_or("")
                        .to_string()
                });
                items
                    .iter()
                    .take(12)
                    .map(|i| {
                        format!(
                            "{} : {}",
                            i["label"].as_str().unwrap_or(""),
                            i["detail"].as_str().unwrap_or("")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default()
    };
    // `input.` typed at the start of a let's value.
    let (line, col) = find(&s, "templates/web.fw", "cpu * 2");
    s.edit("templates/web.fw", 2, line, col, 0, "input.");
    let r = s.request(
        "textDocument/completion",
        s.at("templates/web.fw", line, col + 6),
    );
    out.push_str(&format!("----- input.\n{}\n", labels(&r)));
    // `environment.outputs.`
    s.edit("templates/web.fw", 3, line, col, 6, "environment.outputs.");
    let r = s.request(
        "textDocument/completion",
        s.at("templates/web.fw", line, col + 20),
    );
    out.push_str(&format!("----- environment.outputs.\n{}\n", labels(&r)));
    // A new line in a resource's body: its properties not set, required first.
    let (line, _) = find(&s, "templates/web.fw", "    StorageEncrypted = true");
    let r = s.request("textDocument/completion", s.at("templates/web.fw", line, 0));
    out.push_str(&format!("----- in AWS::RDS::DBInstance\n{}\n", labels(&r)));
    // In a spec: a new key of an instance's inputs, an enum value, an environment.
    let (line, col) = find(&s, "services/web.yaml", "size: large");
    let r = s.request(
        "textDocument/completion",
        s.at("services/web.yaml", line, col + 6),
    );
    out.push_str(&format!("----- size: value\n{}\n", labels(&r)));
    let (line, _) = find(&s, "services/web.yaml", "      desired_count: 4");
    s.edit("services/web.yaml", 2, line, 0, 0, "      \n");
    let r = s.request(
        "textDocument/completion",
        s.at("services/web.yaml", line, 6),
    );
    out.push_str(&format!("----- a new key\n{}\n", labels(&r)));
    let (line, col) = find(&s, "services/web.yaml", "environment: dev");
    let r = s.request(
        "textDocument/completion",
        s.at("services/web.yaml", line, col + 13),
    );
    out.push_str(&format!("----- environment:\n{}\n", labels(&r)));
    insta::assert_snapshot!("completion", out);
    assert!(s.finish());
}

#[test]
fn references_and_rename_of_an_input_reach_the_spec_keys() {
    let mut s = Session::start_draft("rename");
    s.open("templates/web.fw");
    let (line, col) = find(&s, "templates/web.fw", "desired_count: Int");
    let mut p = s.at("templates/web.fw", line, col + 1);
    p["context"] = json!({ "includeDeclaration": true });
    let refs = s.request("textDocument/references", p);
    let mut p = s.at("templates/web.fw", line, col + 1);
    p["newName"] = json!("replicas");
    let edit = s.request("textDocument/rename", p);
    let mut p = s.at("templates/web.fw", line, col + 1);
    p["newName"] = json!("2x");
    let refused = s.request("textDocument/rename", p);
    insta::assert_snapshot!(
        "references_rename",
        format!(
            "----- references\n{}\n----- rename\n{}\n----- refused\n{}\n",
            s.show(&refs),
            s.show(&sorted_edit(&edit)),
            s.show(&refused)
        )
    );
    assert!(s.finish());
}

/// A workspace edit with its files in order (the server's map has none).
fn sorted_edit(v: &Value) -> Value {
    let mut files: Vec<(String, Value)> = v["changes"]
        .as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Value::Array(
        files
            .into_iter()
            .map(|(k, v)| json!({ "uri": k, "edits": v }))
            .collect(),
    )
}

#[test]
fn formatting_and_symbols() {
    let mut s = Session::start("format");
    s.open("templates/web.fw");
    let (line, col) = find(&s, "templates/web.fw", "cpu = cpu");
    s.edit("templates/web.fw", 2, line, col, 9, "cpu    =     cpu");
    let all = s.request("textDocument/formatting", json!({ "textDocument": s.doc("templates/web.fw"), "options": { "tabSize": 2, "insertSpaces": true } }));
    let edits = all.as_array().expect("edits");
    assert_eq!(edits.len(), 1);
    let disk = std::fs::read_to_string(s.path("templates/web.fw")).expect("read");
    assert_eq!(
        edits[0]["newText"],
        json!(disk),
        "formatting gives back the formatted file"
    );
    let range = s.request(
        "textDocument/rangeFormatting",
        json!({ "textDocument": s.doc("templates/web.fw"), "range": { "start": { "line": line, "character": 0 }, "end": { "line": line, "character": 3 } }, "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    let symbols = s.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": s.doc("templates/web.fw") }),
    );
    let names: Vec<String> = symbols[0]["children"]
        .as_array()
        .expect("children")
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                c["detail"].as_str().unwrap_or(""),
                c["name"].as_str().unwrap_or("")
            )
        })
        .collect();
    let ws = s.request("workspace/symbol", json!({ "query": "cluster" }));
    let found: Vec<String> = ws
        .as_array()
        .expect("symbols")
        .iter()
        .map(|c| {
            format!(
                "{} {} {}",
                c["containerName"].as_str().unwrap_or(""),
                c["name"].as_str().unwrap_or(""),
                c["location"]["uri"].as_str().unwrap_or("")
            )
        })
        .collect();
    insta::assert_snapshot!(
        "formatting_symbols",
        format!(
            "----- range\n{}\n----- document symbols of {}\n{}\n----- workspace symbols `cluster`\n{}\n",
            s.show(&range),
            symbols[0]["name"],
            names.join("\n"),
            s.show(&json!(found))
        )
    );
    assert!(s.finish());
}

#[test]
fn a_panicking_request_is_answered_with_an_error_and_the_server_goes_on() {
    let mut s = Session::start("panic");
    s.open("templates/web.fw");
    let r = s.request("formwork/debugPanic", json!({}));
    assert_eq!(r["error"]["code"], json!(-32603), "{r}");
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("debugPanic"),
        "{r}"
    );
    let unknown = s.request("formwork/nothing", json!({}));
    assert_eq!(unknown["error"]["code"], json!(-32601), "{unknown}");
    let (line, col) = find(&s, "templates/web.fw", "image: String");
    let r = s.request(
        "textDocument/hover",
        s.at("templates/web.fw", line, col + 1),
    );
    assert!(
        r["contents"]["value"]
            .as_str()
            .unwrap_or("")
            .contains("input `image`"),
        "{r}"
    );
    assert!(s.finish());
}

#[test]
fn a_request_cancelled_while_waiting_is_answered_as_cancelled() {
    let mut s = Session::start("cancel");
    s.open("templates/web.fw");
    // An edit (a re-check) first, so the request and its cancellation wait together.
    s.edit("templates/web.fw", 2, 0, 0, 0, "// a comment\n");
    let id = s.send_request("textDocument/hover", s.at("templates/web.fw", 10, 5));
    let raw = json!(s.next);
    s.notify("$/cancelRequest", json!({ "id": raw }));
    let r = s.response(id);
    assert_eq!(r["error"]["code"], json!(-32800), "{r}");
    assert!(s.finish());
}

#[test]
fn exit_without_shutdown_is_reported() {
    let mut s = Session::start("exit");
    s.notify("exit", Value::Null);
    let handle = s.server.take().expect("running");
    assert_eq!(handle.join().expect("no panic"), Ok(false));
}

#[test]
fn code_actions_fix_a_misspelling_and_add_missing_inputs() {
    let mut s = Session::start_draft("actions");
    s.open("services/web.yaml");
    let (line, col) = find(&s, "services/web.yaml", "desired_count: 1");
    s.edit(
        "services/web.yaml",
        2,
        line,
        col,
        "desired_count".len() as u32,
        "desried_count",
    );
    s.diagnostics("services/web.yaml");
    let doc = s.doc("services/web.yaml");
    let at = |l: u32, c: u32| {
        json!({
            "textDocument": doc,
            "range": { "start": { "line": l, "character": c }, "end": { "line": l, "character": c } },
            "context": { "diagnostics": [] },
        })
    };
    let typo = s.request("textDocument/codeAction", at(line, col + 1));
    // A required input added to the draft: each instance lacks it.
    s.open("templates/web.fw");
    let (tl, _) = find(&s, "templates/web.fw", "    port: Int");
    s.edit(
        "templates/web.fw",
        2,
        tl,
        0,
        0,
        "    team: String\n    tier: \"gold\" | \"silver\"\n",
    );
    // The typo first: mend it so the spec's only mistakes are the missing inputs.
    s.edit(
        "services/web.yaml",
        3,
        line,
        col,
        "desried_count".len() as u32,
        "desired_count",
    );
    s.diagnostics("services/web.yaml");
    let (il, ic) = find(
        &s,
        "services/web.yaml",
        "image: registry.example.com/shop/web:1.4.2",
    );
    let missing = s.request("textDocument/codeAction", at(il, ic));
    let strip = |v: &Value| -> Value {
        Value::Array(
            v.as_array()
                .into_iter()
                .flatten()
                .map(|a| json!({ "title": a["title"], "kind": a["kind"], "edit": sorted_edit(&a["edit"]) }))
                .collect(),
        )
    };
    insta::assert_snapshot!(
        "code_actions",
        format!(
            "----- on `desried_count`\n{}\n----- on an instance lacking inputs\n{}\n",
            s.show(&strip(&typo)),
            s.show(&strip(&missing))
        )
    );
    assert!(s.finish());
}
