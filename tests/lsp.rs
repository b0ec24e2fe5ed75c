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
        } else if rel.ends_with(".json") {
            "json"
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

/// A spec written as JSON (Proton accepts both) is checked like a YAML one, as typed.
#[test]
fn diagnostics_in_a_json_spec_as_typed() {
    let mut s = Session::start_with("json-spec", |root| {
        std::fs::remove_file(root.join("services/notify.yaml")).expect("remove");
        let spec = json!({
            "proton": "ServiceSpec",
            "template": "notify@1.0",
            "instances": [
                { "name": "notify-dev", "environment": "dev",
                  "spec": { "alarm_email": "dev-alarms@example.com" } },
                { "name": "notify-prod", "environment": "prod",
                  "spec": { "alarm_email": "oncall@example.com", "retention_days": 14, "approval": true } }
            ]
        });
        let text = serde_json::to_string_pretty(&spec).expect("json") + "\n";
        std::fs::write(root.join("services/notify.json"), text).expect("write");
    });
    s.open("services/notify.json");
    let (line, col) = find(&s, "services/notify.json", "\"retention_days\"");
    s.edit(
        "services/notify.json",
        2,
        line,
        col + 1,
        "retention_days".len() as u32,
        "retention_dayz",
    );
    let spec = s.diagnostics("services/notify.json");
    let diags = spec["diagnostics"].as_array().expect("a list");
    assert_eq!(diags.len(), 1, "{spec}");
    let d = &diags[0];
    assert_eq!(d["range"]["start"]["line"], json!(line), "{spec}");
    // The key's token, quotes included.
    assert_eq!(d["range"]["start"]["character"], json!(col), "{spec}");
    let end = col + "\"retention_dayz\"".len() as u32;
    assert_eq!(d["range"]["end"]["character"], json!(end), "{spec}");
    assert_eq!(d["code"], json!("E0311"), "{spec}");
    let message = d["message"].as_str().unwrap_or_default();
    assert!(message.contains("retention_dayz"), "{spec}");
    assert!(
        serde_json::to_string(&spec)
            .unwrap_or_default()
            .contains("retention_days"),
        "did-you-mean: {spec}"
    );
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

/// The server's `window/logMessage` lines received so far (taken from the inbox).
fn logs(s: &mut Session) -> Vec<String> {
    let (logs, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut s.inbox)
        .into_iter()
        .partition(|n| n.method == "window/logMessage");
    s.inbox = rest;
    logs.iter()
        .filter_map(|n| n.params["message"].as_str().map(str::to_string))
        .collect()
}

/// The log line of the next check: "formwork: checked …" (earlier lines dropped).
fn next_check(s: &mut Session) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(line) = logs(s)
            .into_iter()
            .rfind(|l| l.starts_with("formwork: checked"))
        {
            return line;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match s
            .client
            .receiver
            .recv_timeout(left)
            .expect("a check in time")
        {
            Message::Notification(n) => s.inbox.push(n),
            other => panic!("unexpected {other:?}"),
        }
    }
}

/// "re-checked N declarations, S service specs (I instances)" of a check's log line.
fn rechecked(line: &str) -> String {
    line.split("re-checked ").nth(1).unwrap_or(line).to_string()
}

/// The diagnostics published for `rel` at `version` (those of earlier checks skipped).
fn diagnostics_at(s: &mut Session, rel: &str, version: i64) -> Value {
    loop {
        let d = s.diagnostics(rel);
        if d["version"] == json!(version) {
            return d;
        }
    }
}

#[test]
fn an_edit_rechecks_only_what_depends_on_the_edited_template() {
    let mut s = Session::start_draft("incremental");
    s.open("templates/web.fw");
    s.open("templates/worker.fw");
    // A mistake in each of two templates, then one mended: the other's stays
    // published, though its template was not checked again.
    let (wl, wc) = find(&s, "templates/web.fw", "memory = memory");
    s.edit("templates/web.fw", 2, wl, wc + 9, 6, "memroy");
    s.diagnostics("templates/web.fw");
    let worker = std::fs::read_to_string(s.path("templates/worker.fw")).expect("read");
    let (kl, kc) = find(&s, "templates/worker.fw", "input.");
    let word = worker.lines().nth(kl as usize).expect("a line")[kc as usize + 6..]
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .next()
        .expect("an input")
        .len() as u32;
    s.edit("templates/worker.fw", 2, kl, kc + 6, word, "nosuch");
    let worker_diags = s.diagnostics("templates/worker.fw");
    // The unknown input, and (the draft now differing from the published 1.1) W0403.
    let codes = |v: &Value| -> Vec<String> {
        v["diagnostics"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| d["code"].as_str().map(str::to_string))
            .collect()
    };
    assert_eq!(codes(&worker_diags), ["W0403", "E0109"], "{worker_diags}");
    logs(&mut s);
    s.edit("templates/web.fw", 3, wl, wc + 9, 6, "memory");
    let web = diagnostics_at(&mut s, "templates/web.fw", 3);
    assert_eq!(web["diagnostics"], json!([]), "{web}");
    let worker_after = diagnostics_at(&mut s, "templates/worker.fw", 2);
    assert_eq!(worker_after["diagnostics"], worker_diags["diagnostics"]);
    let line = next_check(&mut s);
    // web.fw declares one service, and the registry's published 2.1 is another
    // version of it (so checked with it); errors elsewhere stop the specs' checks.
    assert_eq!(
        rechecked(&line),
        "2 declarations, 0 service specs (0 instances)",
        "{line}"
    );
    // Worker mended: no errors left, so the specs are checked again (all of them:
    // the last check did not get that far).
    s.edit(
        "templates/worker.fw",
        3,
        kl,
        kc + 6,
        6,
        &worker.lines().nth(kl as usize).expect("a line")
            [kc as usize + 6..kc as usize + 6 + word as usize],
    );
    let clean = diagnostics_at(&mut s, "templates/worker.fw", 3);
    assert_eq!(codes(&clean), [] as [&str; 0], "{clean}");
    logs(&mut s);
    // A one-line edit of web.fw's input: its declarations and the one spec running it.
    let (dl, dc) = find(&s, "templates/web.fw", "1..100 = 2");
    s.edit("templates/web.fw", 4, dl, dc + 9, 1, "3");
    let line = next_check(&mut s);
    assert_eq!(
        rechecked(&line),
        "2 declarations, 1 service specs (2 instances)",
        "{line}"
    );
    assert!(s.finish());
}

/// Semantic tokens decoded: line, column, length, type and modifiers, and the text.
fn decode_tokens(text: &str, legend: &Value, data: &Value) -> String {
    let types: Vec<&str> = legend["tokenTypes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let mods: Vec<&str> = legend["tokenModifiers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let n: Vec<u64> = data
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_u64)
        .collect();
    let lines: Vec<&str> = text.lines().collect();
    let (mut line, mut col) = (0u64, 0u64);
    let mut out = String::new();
    for t in n.chunks(5) {
        if t[0] > 0 {
            col = 0;
        }
        line += t[0];
        col += t[1];
        let l = lines.get(line as usize).copied().unwrap_or("");
        let word = l.get(col as usize..(col + t[2]) as usize).unwrap_or("?");
        let m: Vec<&str> = (0..mods.len())
            .filter(|b| t[4] & (1 << b) != 0)
            .map(|b| mods[b])
            .collect();
        out.push_str(&format!(
            "{line}:{col} {} {}{} `{word}`\n",
            t[2],
            types.get(t[3] as usize).unwrap_or(&"?"),
            if m.is_empty() {
                String::new()
            } else {
                format!(" [{}]", m.join(","))
            }
        ));
    }
    out
}

#[test]
fn semantic_tokens_of_a_small_template() {
    let mut s = Session::start("tokens");
    let text = "/// Queues.\nmodule \"queues\" {\n  input {\n    delay: Int = 5 // seconds\n  }\n  let name = upper(\"q-${input.delay}\")\n  resource q: AWS::SQS::Queue {\n    DelaySeconds = input.delay + 1\n  }\n}\n";
    let path = s.path("templates/queues.fw");
    s.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri(&path), "languageId": "formwork", "version": 1, "text": text } }),
    );
    let init = s.request(
        "textDocument/semanticTokens/full",
        json!({ "textDocument": s.doc("templates/queues.fw") }),
    );
    let legend = json!({
        "tokenTypes": ["keyword", "variable", "type", "property", "string", "number", "comment", "function", "regexp", "operator"],
        "tokenModifiers": ["declaration", "documentation"],
    });
    assert_eq!(
        decode_tokens(text, &legend, &init["data"]),
        "0:0 11 comment [documentation] `/// Queues.`
1:0 6 keyword `module`
1:7 1 string `\"`
1:8 6 string `queues`
1:14 1 string `\"`
2:2 5 keyword `input`
3:4 5 property `delay`
3:11 3 type `Int`
3:17 1 number `5`
3:19 10 comment `// seconds`
5:2 3 keyword `let`
5:6 4 variable [declaration] `name`
5:13 5 function `upper`
5:19 1 string `\"`
5:20 2 string `q-`
5:24 5 variable `input`
5:30 5 property `delay`
5:36 1 string `\"`
6:2 8 keyword `resource`
6:11 1 variable [declaration] `q`
6:14 15 type `AWS::SQS::Queue`
7:4 12 property `DelaySeconds`
7:19 5 variable `input`
7:25 5 property `delay`
7:31 1 operator `+`
7:33 1 number `1`
"
    );
    assert!(s.finish());
}

#[test]
fn semantic_tokens_legend_is_the_one_advertised() {
    let (server, client) = Connection::memory();
    let handle = std::thread::spawn(move || formwork::lsp::serve(&server));
    client
        .sender
        .send(Message::Request(Request::new(
            RequestId::from(1),
            "initialize".into(),
            json!({ "processId": null, "capabilities": {} }),
        )))
        .expect("send");
    let init = loop {
        match client
            .receiver
            .recv_timeout(Duration::from_secs(60))
            .expect("an answer")
        {
            Message::Response(r) => break r.response_result.expect("a result"),
            _ => continue,
        }
    };
    let caps = &init["capabilities"];
    assert_eq!(
        caps["semanticTokensProvider"]["legend"],
        json!({
            "tokenTypes": ["keyword", "variable", "type", "property", "string", "number", "comment", "function", "regexp", "operator"],
            "tokenModifiers": ["declaration", "documentation"],
        })
    );
    assert_eq!(caps["inlayHintProvider"], json!(true));
    assert_eq!(
        caps["signatureHelpProvider"]["triggerCharacters"],
        json!(["(", ","])
    );
    client
        .sender
        .send(Message::Request(Request::new(
            RequestId::from(2),
            "shutdown".into(),
            Value::Null,
        )))
        .expect("send");
    client
        .sender
        .send(Message::Notification(Notification::new(
            "exit".into(),
            Value::Null,
        )))
        .expect("send");
    drop(client);
    let _ = handle.join();
}

#[test]
fn inlay_hints_show_defaults_in_a_spec_and_logical_ids_in_a_template() {
    let mut s = Session::start("inlay");
    s.open("services/web.yaml");
    s.open("templates/web.fw");
    let all = |doc: Value| {
        json!({
            "textDocument": doc,
            "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 10000, "character": 0 } },
        })
    };
    let spec = s.request("textDocument/inlayHint", all(s.doc("services/web.yaml")));
    let template = s.request("textDocument/inlayHint", all(s.doc("templates/web.fw")));
    let brief = |v: &Value| -> String {
        v.as_array()
            .into_iter()
            .flatten()
            .map(|h| {
                format!(
                    "{}:{} {}\n",
                    h["position"]["line"], h["position"]["character"], h["label"]
                )
            })
            .collect()
    };
    insta::assert_snapshot!(
        "inlay_hints",
        format!(
            "----- services/web.yaml\n{}----- templates/web.fw\n{}----- one hint in full\n{}\n",
            brief(&spec),
            brief(&template),
            s.show(&spec[0])
        )
    );
    assert!(s.finish());
}

#[test]
fn signature_help_in_a_call_names_the_active_parameter() {
    let mut s = Session::start("signature");
    s.open("templates/shared-vpc.fw");
    let (line, col) = find(
        &s,
        "templates/shared-vpc.fw",
        "cidr_subnet(input.vpc_cidr, subnet_bits, i)",
    );
    let first = s.request(
        "textDocument/signatureHelp",
        s.at(
            "templates/shared-vpc.fw",
            line,
            col + "cidr_subnet(".len() as u32,
        ),
    );
    let third = s.request(
        "textDocument/signatureHelp",
        s.at(
            "templates/shared-vpc.fw",
            line,
            col + "cidr_subnet(input.vpc_cidr, subnet_bits, ".len() as u32,
        ),
    );
    let outside = s.request(
        "textDocument/signatureHelp",
        s.at("templates/shared-vpc.fw", line, col),
    );
    assert_eq!(
        first,
        json!({
            "signatures": [{
                "label": "cidr_subnet(String, Int, Int)",
                "documentation": "the n-th subnet of a CIDR block, with extra prefix bits",
                "parameters": [
                    { "label": [12, 18] },
                    { "label": [20, 23] },
                    { "label": [25, 28] },
                ],
            }],
            "activeSignature": 0,
            "activeParameter": 0,
        })
    );
    assert_eq!(third["activeParameter"], json!(2), "{third}");
    assert_eq!(outside, Value::Null);
    assert!(s.finish());
}

#[test]
fn code_action_keeps_the_logical_id_of_a_renamed_resource() {
    let mut s = Session::start("keep-id");
    s.open("templates/web.fw");
    let (line, col) = find(&s, "templates/web.fw", "resource db:");
    s.edit("templates/web.fw", 2, line, col + 9, 2, "database");
    s.diagnostics("templates/web.fw");
    let r = s.request(
        "textDocument/codeAction",
        json!({
            "textDocument": s.doc("templates/web.fw"),
            "range": { "start": { "line": line, "character": col + 10 }, "end": { "line": line, "character": col + 10 } },
            "context": { "diagnostics": [] },
        }),
    );
    let keep: Vec<&Value> = r
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| a["title"].as_str().is_some_and(|t| t.starts_with("keep")))
        .collect();
    let (el, ec) = find(&s, "templates/web.fw", "Engine = \"postgres\"");
    assert_eq!(
        json!(
            keep.iter()
                .map(|a| json!({ "title": a["title"], "edit": a["edit"] }))
                .collect::<Vec<_>>()
        ),
        json!([{
            "title": "keep the logical ID `Db` (`database` was `db`)",
            "edit": { "changes": { uri(&s.path("templates/web.fw")): [{
                "range": { "start": { "line": el, "character": ec }, "end": { "line": el, "character": ec } },
                "newText": "id = \"Db\"\n    ",
            }] } },
        }])
    );
    assert!(s.finish());
}

#[test]
fn an_edit_a_spec_cannot_see_keeps_its_check_with_the_places_moved() {
    let mut s = Session::start_draft("spec-reuse");
    s.open("templates/web.fw");
    // A new required input: each instance lacks it, the template's line as related.
    let (line, _) = find(&s, "templates/web.fw", "    port: Int");
    s.edit("templates/web.fw", 2, line, 0, 0, "    team: String\n");
    let before = s.diagnostics("services/web.yaml");
    let related = |v: &Value| -> Vec<Value> {
        v["diagnostics"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|d| d["relatedInformation"][0]["location"]["range"]["start"].clone())
            .collect()
    };
    assert_eq!(
        related(&before),
        [
            json!({ "line": line, "character": 4 }),
            json!({ "line": line, "character": 4 })
        ],
        "{before}"
    );
    logs(&mut s);
    // A comment line above: the spec is not checked again, and its diagnostics'
    // places in the template move down a line.
    s.edit("templates/web.fw", 3, 2, 0, 0, "  // The storefront.\n");
    let line_after = next_check(&mut s);
    assert_eq!(
        rechecked(&line_after),
        "2 declarations, 0 service specs (0 instances)",
        "{line_after}"
    );
    let after = s.diagnostics("services/web.yaml");
    assert_eq!(
        related(&after),
        [
            json!({ "line": line + 1, "character": 4 }),
            json!({ "line": line + 1, "character": 4 })
        ],
        "{after}"
    );
    // A default changed: the spec is checked again.
    let (pl, pc) = find(&s, "templates/web.fw", "65535 = 80");
    s.edit("templates/web.fw", 4, pl + 2, pc + 8, 2, "81");
    let line_after = next_check(&mut s);
    assert_eq!(
        rechecked(&line_after),
        "2 declarations, 1 service specs (2 instances)",
        "{line_after}"
    );
    assert!(s.finish());
}
