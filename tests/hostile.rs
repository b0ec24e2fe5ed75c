//! The hostile corpus: every case under `tests/hostile/` is a file (`.fw`, `.yaml`,
//! `.json`) or a workspace folder whose header (`// expect: CODES`, or `# expect:` in
//! YAML and in a workspace's `formwork.yaml`; a JSON file's name, `NAME.E0301.json`)
//! names the codes it must produce. Each is
//! run through the binary with every command that can read it, and the test fails
//! when any of them exits 0 on a case that expects an error, or panics.
//!
//! A file case: `check FILE` and `check FOLDER` (a fresh folder holding only it). A
//! workspace case: `check WS`, `build WS`, and for each spec `check SPEC`,
//! `check SPEC-FOLDER` and `render TEMPLATE --spec SPEC` of its template. A spec's
//! commands must fail when the whole check finds an error about that spec, or when
//! the templates alone have one. `.ci/run` runs it with the release binary.

mod common;

use std::path::{Path, PathBuf};

use common::*;

/// The binary under test: `FORMWORK_BIN` when set (a relative path is taken from
/// the folder the test started in, since each case runs in a folder of its own),
/// else the one cargo built.
fn binary() -> PathBuf {
    match std::env::var_os("FORMWORK_BIN").map(PathBuf::from) {
        Some(bin) if bin.is_relative() => std::path::absolute(&bin).unwrap_or(bin),
        Some(bin) => bin,
        None => PathBuf::from(env!("CARGO_BIN_EXE_formwork")),
    }
}

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(dir: &Path, args: &[&str]) -> Outcome {
    let out = std::process::Command::new(binary())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run formwork");
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The codes and primary files of `check --format json` output.
fn diagnostics(json: &str) -> Vec<(String, Vec<String>)> {
    let v: serde_json::Value = serde_json::from_str(json).unwrap_or(serde_json::Value::Null);
    let mut out = Vec::new();
    for d in v["diagnostics"].as_array().into_iter().flatten() {
        let code = d["code"].as_str().unwrap_or("").to_string();
        let files = d["file"].as_str().map(str::to_string).into_iter().collect();
        out.push((code, files));
    }
    out
}

fn sorted_codes(d: &[(String, Vec<String>)]) -> Vec<String> {
    let mut c: Vec<String> = d.iter().map(|(c, _)| c.clone()).collect();
    c.sort();
    c
}

/// One command's run, judged: never a panic, and not exit 0 when it must fail.
struct Tally {
    runs: usize,
    failures: Vec<String>,
}

impl Tally {
    fn judge(&mut self, case: &str, dir: &Path, args: &[&str], must_fail: bool) -> Outcome {
        self.runs += 1;
        let o = run(dir, args);
        let what = format!("{case}: `formwork {}`", args.join(" "));
        if o.code == 101 || o.stderr.contains("panicked") {
            self.failures
                .push(format!("{what} panicked:\n{}", o.stderr));
        } else if must_fail && o.code == 0 {
            self.failures.push(format!(
                "{what} exited 0 on a case that expects an error:\n{}{}",
                o.stdout, o.stderr
            ));
        } else if !(0..=2).contains(&o.code) {
            self.failures
                .push(format!("{what} exited {}:\n{}", o.code, o.stderr));
        }
        o
    }
}

/// Whether `got` has each code of `want`, as often as `want` has it (a hostile case
/// names the codes it must produce; what recovery finds after them is the fixtures'
/// business).
fn contains_all(got: &[String], want: &[String]) -> bool {
    let mut left = got.to_vec();
    want.iter().all(|w| match left.iter().position(|g| g == w) {
        Some(i) => {
            left.remove(i);
            true
        }
        None => false,
    })
}

fn expected(text: &str, case: &str) -> Vec<String> {
    match expectation(text) {
        Some(Expectation::Codes(c)) => c,
        Some(Expectation::Clean) => panic!("{case}: a hostile case expects an error"),
        None => panic!("{case}: no `expect:` header"),
    }
}

fn file_case(path: &Path, tally: &mut Tally) {
    let case = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_string();
    let bytes = std::fs::read(path).expect("readable");
    // JSON has no comments: a JSON case names its codes in its file name
    // (`NAME.E0301.json`).
    let want = match case.strip_suffix(".json") {
        Some(stem) => {
            let mut c: Vec<String> = stem.split('.').skip(1).map(str::to_string).collect();
            c.sort();
            c
        }
        None => expected(&String::from_utf8_lossy(&bytes), &case),
    };
    let tmp = temp("hostile");
    std::fs::write(tmp.join(&case), &bytes).expect("write");
    let o = tally.judge(&case, &tmp, &["check", "--format", "json", &case], true);
    let got = sorted_codes(&diagnostics(&o.stdout));
    if !contains_all(&got, &want) {
        tally.failures.push(format!(
            "{case}: expected {want:?} among the codes, `check` gave {got:?}\n{}{}",
            o.stdout, o.stderr
        ));
    }
    tally.judge(&case, &tmp, &["check", "."], true);
}

/// Every file under `dir`: its path relative to `dir` (with `/`) and its text, read
/// lossily (a case may hold bytes that are not UTF-8), sorted.
fn tree(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("readable").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .unwrap_or(&p)
                    .to_string_lossy()
                    .replace('\\', "/");
                let text =
                    String::from_utf8_lossy(&std::fs::read(&p).expect("readable")).into_owned();
                out.push((rel, text));
            }
        }
    }
    out.sort();
    out
}

/// The `template:` a spec names, without its version.
fn template_of(spec: &str) -> Option<String> {
    spec.lines().find_map(|l| {
        let t = l.strip_prefix("template:")?.trim().trim_matches('"');
        Some(t.split('@').next().unwrap_or(t).to_string())
    })
}

fn workspace_case(dir: &Path, tally: &mut Tally) {
    let case = dir
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_string();
    let files = tree(dir);
    let config = files
        .iter()
        .find(|(p, _)| p == "formwork.yaml")
        .map(|(_, t)| t.clone())
        .unwrap_or_default();
    let want = expected(&config, &case);
    let tmp = temp("hostile-ws");
    let ws = tmp.join("ws");
    for (p, _) in &files {
        let to = ws.join(p);
        std::fs::create_dir_all(to.parent().expect("a folder")).expect("mkdir");
        std::fs::copy(dir.join(p), &to).expect("copy");
    }
    let whole = tally.judge(&case, &tmp, &["check", "--format", "json", "ws"], true);
    let all = diagnostics(&whole.stdout);
    let got = sorted_codes(&all);
    if !contains_all(&got, &want) {
        tally.failures.push(format!(
            "{case}: expected {want:?} among the codes, `check` gave {got:?}\n{}{}",
            whole.stdout, whole.stderr
        ));
    }
    tally.judge(&case, &tmp, &["build", "ws", "-o", "out"], true);
    // Errors the templates have whatever the specs say.
    let templates = run(&ws, &["check", "--format", "json", "templates"]);
    let template_errors = !diagnostics(&templates.stdout).is_empty() && templates.code != 0;
    let specs: Vec<&(String, String)> = files
        .iter()
        .filter(|(p, _)| {
            (p.starts_with("environments/") || p.starts_with("services/"))
                && (p.ends_with(".yaml") || p.ends_with(".json"))
        })
        .collect();
    for (p, text) in specs {
        let about = all
            .iter()
            .any(|(_, files)| files.iter().any(|f| f == &format!("ws/{p}")));
        let must = template_errors || about;
        tally.judge(&case, &ws, &["check", p], must);
        let folder = p.split('/').next().unwrap_or(".");
        tally.judge(&case, &ws, &["check", folder], must);
        if let Some(t) = template_of(text) {
            tally.judge(
                &case,
                &ws,
                &[
                    "render",
                    &t,
                    "--spec",
                    p,
                    "--target",
                    "cloudformation",
                    "-o",
                    "../rendered",
                ],
                must,
            );
        }
    }
}

/// The count of cases and runs is printed for the CI log (`--nocapture`).
#[test]
#[allow(clippy::print_stderr)]
fn hostile_corpus() {
    let dir = root().join("tests/hostile");
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/hostile")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.file_name().is_none_or(|n| n != "README.md"))
        .collect();
    entries.sort();
    let mut tally = Tally {
        runs: 0,
        failures: Vec::new(),
    };
    for e in &entries {
        if e.is_dir() {
            workspace_case(e, &mut tally);
        } else {
            file_case(e, &mut tally);
        }
    }
    eprintln!(
        "hostile corpus: {} cases, {} command runs",
        entries.len(),
        tally.runs
    );
    assert!(entries.len() >= 150, "only {} hostile cases", entries.len());
    assert!(
        tally.failures.is_empty(),
        "{} of {} runs failed:\n\n{}",
        tally.failures.len(),
        tally.runs,
        tally.failures.join("\n\n")
    );
}
