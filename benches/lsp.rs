//! The language server's latency, through the release binary over stdio as an
//! editor runs it: a generated workspace of 200 templates (about 20,000 lines, from
//! `benches/workspace/`) with one service spec of 5,000 instances.
//!
//! Prints: the time from starting `formwork lsp` to the first diagnostics of a
//! file opened with a mistake (the whole workspace read and checked), then for a
//! replay of 500 keystrokes typed into the template the 5,000 instances use, the
//! p50 and p95 of edit → published diagnostics (each edit waits for its own
//! diagnostics: no coalescing, no debounce), hover and completion p50/p95, how many
//! files each edit parses and declarations it re-checks (the server's log line), and
//! the server's peak memory; then 50 edits of an input's default, which every
//! instance's check reads. Targets: first
//! diagnostics ≤ 1 s, peak ≤ 300 MB, edit p95 ≤ 50 ms, hover and completion ≤ 20 ms.

// A benchmark reports to the terminal; that is its whole job.
#![allow(clippy::print_stdout)]

use std::io::{BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use lsp_server::{Message, Notification, Request, RequestId};
use serde_json::{Value, json};

#[path = "workspace/mod.rs"]
mod workspace;

const TEMPLATES: usize = 200;
const INSTANCES: usize = 5_000;
const KEYSTROKES: usize = 500;
const QUERIES: usize = 200;
const DEFAULT_EDITS: usize = 50;

fn uri(p: &Path) -> String {
    formwork::lsp::convert::path_to_uri(p)
        .map(|u| u.as_str().to_string())
        .unwrap_or_default()
}

struct Server {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next: i32,
    /// The server's last "formwork: checked …" log line.
    checked: String,
}

impl Server {
    fn send(&mut self, m: Message) {
        m.write(&mut self.stdin).expect("write to the server");
        self.stdin.flush().expect("flush");
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(Message::Notification(Notification::new(
            method.into(),
            params,
        )));
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = RequestId::from(self.next);
        self.send(Message::Request(Request::new(
            id.clone(),
            method.into(),
            params,
        )));
        loop {
            match Message::read(&mut self.stdout)
                .expect("read")
                .expect("a message")
            {
                Message::Response(r) if r.id == id => {
                    return r.response_result.unwrap_or(Value::Null);
                }
                _ => {}
            }
        }
    }

    /// Waits for diagnostics published for `uri` (any version when `None`).
    fn diagnostics(&mut self, uri: &str) -> Value {
        loop {
            let Message::Notification(n) = Message::read(&mut self.stdout)
                .expect("read")
                .expect("a message")
            else {
                continue;
            };
            if n.method == "window/logMessage"
                && let Some(m) = n.params["message"].as_str()
                && m.starts_with("formwork: checked")
            {
                self.checked = m.to_string();
            }
            if n.method == "textDocument/publishDiagnostics" && n.params["uri"] == json!(uri) {
                return n.params;
            }
        }
    }
}

fn percentile(times: &mut [Duration], p: f64) -> f64 {
    times.sort();
    let i = ((times.len() as f64 - 1.0) * p).round() as usize;
    times[i].as_secs_f64() * 1000.0
}

fn peak_children_rss_mb() -> f64 {
    // SAFETY: getrusage writes into the zeroed struct we own.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    if rc != 0 {
        return f64::NAN;
    }
    usage.ru_maxrss as f64 / 1024.0
}

/// The workspace: the templates, `formwork.yaml`, an environment spec for each
/// environment template, and `services/svc0.yaml` with 5,000 instances.
fn write_workspace(dir: &Path) -> usize {
    let files = workspace::workspace(TEMPLATES);
    let mut lines = 0;
    for (name, text) in &files {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().expect("a folder")).expect("mkdir");
        std::fs::write(&p, text).expect("write a template");
        lines += text.lines().count();
    }
    std::fs::write(
        dir.join("formwork.yaml"),
        "name: bench\ntarget: cloudformation\n",
    )
    .expect("write formwork.yaml");
    std::fs::create_dir_all(dir.join("environments")).expect("mkdir");
    std::fs::create_dir_all(dir.join("services")).expect("mkdir");
    let envs = (TEMPLATES / 20).max(1);
    for e in 0..envs {
        std::fs::write(
            dir.join(format!("environments/dev{e}.yaml")),
            format!("proton: EnvironmentSpec\ntemplate: net{e}@3.4\nspec: {{}}\n"),
        )
        .expect("write an environment spec");
    }
    let mut spec = String::from("proton: ServiceSpec\ntemplate: svc0\ninstances:\n");
    for i in 0..INSTANCES {
        spec.push_str(&format!(
            "  - name: svc0-{i:04}\n    environment: dev0\n    spec:\n      image: registry.example.com/svc0:{i}\n      desired_count: {}\n      db_password:\n        secretsmanager: svc0/{i}\n",
            1 + i % 9
        ));
    }
    std::fs::write(dir.join("services/svc0.yaml"), spec).expect("write the service spec");
    lines
}

fn main() {
    let dir = std::env::temp_dir().join(format!("formwork-bench-lsp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let lines = write_workspace(&dir);
    // A mistake in one environment spec, so every check publishes it (diagnostics
    // in a spec stop nothing: the specs are still checked after each edit).
    let marker = dir.join("environments/dev9.yaml");
    std::fs::write(
        &marker,
        "proton: EnvironmentSpec\ntemplate: net9@3.4\nspec:\n  zoness: 2\n",
    )
    .expect("write the marker");
    let marker = uri(&marker);

    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_formwork"))
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start formwork lsp");
    let stdin = child.stdin.take().expect("stdin");
    let stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut s = Server {
        child,
        stdin,
        stdout,
        next: 0,
        checked: String::new(),
    };
    s.request(
        "initialize",
        json!({ "processId": null, "rootUri": uri(&dir), "capabilities": {} }),
    );
    s.notify("initialized", json!({}));
    let first = s.diagnostics(&marker);
    let first_time = start.elapsed();
    assert_eq!(
        first["diagnostics"].as_array().map(Vec::len),
        Some(1),
        "the workspace has exactly the marker's mistake: {first}"
    );

    // The template the 5,000 instances use, open; keystrokes typed into its
    // description, one character at a time.
    let path = dir.join("templates/svc0.fw");
    let text = std::fs::read_to_string(&path).expect("read svc0.fw");
    let doc = uri(&path);
    s.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": doc, "languageId": "formwork", "version": 1, "text": text } }),
    );
    s.diagnostics(&marker);
    let (line, col) = text
        .lines()
        .enumerate()
        .find_map(|(i, l)| {
            l.find("Generated service")
                .map(|c| (i, c + "Generated".len()))
        })
        .expect("the description");
    let mut edits = Vec::with_capacity(KEYSTROKES);
    // Each edit's log line, and how many edits logged it.
    let mut rechecks: std::collections::BTreeMap<String, usize> = Default::default();
    for k in 0..KEYSTROKES {
        let c = (col + k) as u32;
        let t = Instant::now();
        s.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": doc, "version": 2 + k },
                "contentChanges": [{ "range": { "start": { "line": line, "character": c }, "end": { "line": line, "character": c } }, "text": "x" }],
            }),
        );
        s.diagnostics(&marker);
        edits.push(t.elapsed());
        *rechecks.entry(s.checked.clone()).or_insert(0usize) += 1;
    }
    // Then edits a spec's check does see: the default of `port`, its last digit
    // retyped, so every instance is checked again each time.
    let (pl, pc) = text
        .lines()
        .enumerate()
        .find_map(|(i, l)| {
            l.find("port: Port = 8080")
                .map(|c| (i, c + "port: Port = 808".len()))
        })
        .expect("the port's default");
    let mut default_edits = Vec::with_capacity(DEFAULT_EDITS);
    for k in 0..DEFAULT_EDITS {
        let t = Instant::now();
        s.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": doc, "version": 2 + KEYSTROKES + k },
                "contentChanges": [{ "range": { "start": { "line": pl, "character": pc }, "end": { "line": pl, "character": pc + 1 } }, "text": format!("{}", 1 + k % 9) }],
            }),
        );
        s.diagnostics(&marker);
        default_edits.push(t.elapsed());
    }
    let default_checked = s.checked.clone();
    let text_line = |needle: &str| {
        text.lines()
            .enumerate()
            .find_map(|(i, l)| l.find(needle).map(|c| (i as u32, c as u32)))
            .expect("a needle")
    };
    let (hl, hc) = text_line("input.image");
    let mut hovers = Vec::new();
    for _ in 0..QUERIES {
        let t = Instant::now();
        let r = s.request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": doc }, "position": { "line": hl, "character": hc + 7 } }),
        );
        hovers.push(t.elapsed());
        assert!(
            r["contents"]["value"]
                .as_str()
                .is_some_and(|v| v.contains("input `image`")),
            "{r}"
        );
    }
    let (cl, cc) = text_line("port = input.port");
    let mut completions = Vec::new();
    for _ in 0..QUERIES {
        let t = Instant::now();
        let r = s.request(
            "textDocument/completion",
            json!({ "textDocument": { "uri": doc }, "position": { "line": cl, "character": cc + 13 } }),
        );
        completions.push(t.elapsed());
        assert!(
            r.as_array()
                .is_some_and(|a| a.iter().any(|i| i["label"] == "desired_count")),
            "{r}"
        );
    }
    s.request("shutdown", Value::Null);
    s.notify("exit", Value::Null);
    let status = s.child.wait().expect("the server exits");
    assert!(status.success(), "formwork lsp exited with {status}");
    let peak = peak_children_rss_mb();
    let _ = std::fs::remove_dir_all(&dir);

    println!(
        "lsp: {} templates ({lines} lines), a {INSTANCES}-instance service spec",
        TEMPLATES
    );
    println!(
        "lsp: first diagnostics {:.0} ms (start, initialize, read and check the workspace)",
        first_time.as_secs_f64() * 1000.0
    );
    println!(
        "lsp: edit -> diagnostics over {KEYSTROKES} keystrokes: p50 {:.1} ms, p95 {:.1} ms",
        percentile(&mut edits, 0.5),
        percentile(&mut edits, 0.95),
    );
    // The server's own account of its last check: the files it parsed, and the
    // declarations, service specs and instances it re-checked.
    for (line, n) in &rechecks {
        let what = line.trim_start_matches("formwork: ");
        let what = what.split(": ").nth(1).unwrap_or(what);
        println!("lsp: {n} of {KEYSTROKES} edits, the server reports: {what}");
    }
    println!(
        "lsp: edit of an input's default -> diagnostics over {DEFAULT_EDITS} edits: p50 {:.1} ms, p95 {:.1} ms; the server reports: {}",
        percentile(&mut default_edits, 0.5),
        percentile(&mut default_edits, 0.95),
        default_checked
            .split(": ")
            .nth(2)
            .unwrap_or(&default_checked)
    );
    println!(
        "lsp: hover p50 {:.2} ms, p95 {:.2} ms; completion p50 {:.2} ms, p95 {:.2} ms ({QUERIES} each)",
        percentile(&mut hovers, 0.5),
        percentile(&mut hovers, 0.95),
        percentile(&mut completions, 0.5),
        percentile(&mut completions, 0.95)
    );
    println!("lsp: server peak memory {peak:.0} MB");
}
