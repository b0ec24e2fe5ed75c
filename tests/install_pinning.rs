//! No generated file installs anything unpinned. The example workspace is built with
//! each form of `formwork:` (a git commit, a download with its sha256, a path) and
//! without one, its service pipelines written for every provider, and every file the
//! build writes (pipelines, provisioning workflows, `deploy.sh`) is searched for an
//! install that a registry, a branch or a server could change: `cargo install` without
//! `--git … --rev <commit>` or `--path`, a version looked up by name, `curl … | sh`, a
//! download not checked with `sha256sum -c` before it is unpacked or run, `pip install`
//! without `==`, `go install …@latest`. `the_audit_catches_unpinned_installs` shows the
//! search fails on what it must refuse.

mod common;

use std::sync::Mutex;

use common::*;
use formwork::ir::pipeline::Provider;
use formwork::syntax::span::SourceMap;
use formwork::workspace::build::build;
use formwork::workspace::config::read_config;
use formwork::workspace::pipelines::{service_pipelines, write_pipeline};
use formwork::workspace::provision::provisioning_files;
use regex::Regex;

const REV: &str = "4f2c1d0e9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e";
const SHA: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

/// The `formwork:` settings the example is built with, and the pin each must write
/// into every job that runs formwork.
fn sources() -> Vec<(&'static str, String, &'static str)> {
    vec![
        (
            "git",
            format!("formwork:\n  git: https://github.com/acme/formwork\n  rev: {REV}\n"),
            REV,
        ),
        (
            "url",
            format!(
                "formwork:\n  url: https://downloads.acme.example/formwork-x86_64-linux.tar.gz\n  sha256: {SHA}\n"
            ),
            SHA,
        ),
        (
            "path",
            "formwork:\n  path: tools/formwork\n".to_string(),
            "tools/formwork",
        ),
    ]
}

/// The example's `formwork.yaml` without its `formwork:` setting.
fn settings_without_source(text: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in text.lines() {
        if line.starts_with("formwork:") {
            inside = true;
            continue;
        }
        if inside && line.starts_with("  ") {
            continue;
        }
        inside = false;
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Every file a build of the example writes with `settings` as its `formwork.yaml`,
/// and every service pipeline for every provider; or the diagnostics when refused.
fn generate(settings: &str) -> Result<Vec<(String, String)>, Vec<&'static str>> {
    let mut map = SourceMap::new();
    let mut problems = Vec::new();
    let (mut environments, mut services) = (Vec::new(), Vec::new());
    let mut config = None;
    for (path, text) in read_tree(&root().join("examples/acme")) {
        let text = if path == "formwork.yaml" {
            settings.to_string()
        } else if path.starts_with("templates/")
            || path.starts_with("registry/")
            || path.starts_with("environments/")
            || path.starts_with("services/")
        {
            text
        } else {
            continue;
        };
        let (id, problem) = formwork::check::add_source(&mut map, path.as_str(), text.as_bytes());
        problems.extend(problem);
        if path == "formwork.yaml" {
            let (c, d) = read_config(id, &text);
            problems.extend(d);
            config = Some(c);
        } else if path.starts_with("environments/") {
            environments.push(id);
        } else if path.starts_with("services/") {
            services.push(id);
        }
    }
    let config = config.expect("formwork.yaml");
    let (program, diags) = formwork::check::build_and_check(&mut map, problems);
    assert!(diags.is_empty(), "{}", render_human(&map, &diags));
    let (plan, diags) = formwork::workspace::plan(&program, &map, &environments, &services);
    if !diags.is_empty() {
        return Err(codes(&diags));
    }
    let written = Mutex::new(Vec::new());
    let sink = |path: &str, text: &str| {
        if !path.ends_with(".tf.json") && !path.ends_with("template.json") {
            written
                .lock()
                .map_err(|e| e.to_string())?
                .push((path.to_string(), text.to_string()));
        }
        Ok(())
    };
    let built = match build(&program, &map, "", "examples/acme", &plan, &config, &sink) {
        Ok(b) => b,
        Err(formwork::compile::Failure::Diagnostics(d)) => return Err(codes(&d)),
        Err(_) => panic!("the build failed"),
    };
    let mut files = written.into_inner().expect("sink");
    // The provisioning files of the build with no service pipelines at all: written
    // whatever the settings say.
    for (path, text) in provisioning_files(&built.records, &config, "examples/acme") {
        assert!(files.iter().any(|(p, _)| *p == path), "{path} not written");
        files.push((format!("again/{path}"), text));
    }
    for provider in Provider::ALL {
        let pipelines = service_pipelines(
            &program,
            &plan,
            &config,
            &built.records,
            "examples/acme",
            Some(provider),
        )
        .map_err(|d| codes(&d))?;
        for p in pipelines {
            files.push((
                format!("pipelines/{}/{}", p.service, provider.name()),
                write_pipeline(&p),
            ));
        }
    }
    Ok(files)
}

/// Every shell command a generated file holds: for YAML and JSON, each string value
/// (a CodeBuild buildspec, itself YAML inside the stack's JSON, is read too), else
/// each line.
fn commands(path: &str, text: &str) -> Vec<String> {
    fn strings(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::String(s) => {
                if s.starts_with("version: 0.2") {
                    strings(&yaml_to_json(s), out);
                } else {
                    out.push(s.clone());
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|i| strings(i, out)),
            serde_json::Value::Object(m) => m.values().for_each(|i| strings(i, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    if path.ends_with(".sh") {
        out.extend(text.lines().map(str::to_string));
    } else if let Ok(v) = serde_json::from_str::<serde_json::Value>(text) {
        strings(&v, &mut out);
    } else {
        strings(&yaml_to_json(text), &mut out);
    }
    out.into_iter()
        .flat_map(|s| s.lines().map(str::to_string).collect::<Vec<_>>())
        .collect()
}

/// Why `command` installs something unpinned, if it does.
fn unpinned(command: &str) -> Option<&'static str> {
    let re = |p: &str| Regex::new(p).expect("a valid pattern");
    let c = command;
    if re(r"\bcargo\s+binstall\b").is_match(c) {
        return Some("cargo binstall resolves a name on a registry");
    }
    if re(r"\bcargo\s+install\b").is_match(c) {
        let git = re(r"--git\s+\S+").is_match(c) && re(r"--rev\s+[0-9a-f]{40}\b").is_match(c);
        let path = re(r"--path\s+\S+").is_match(c);
        if !(git || path) {
            return Some("cargo install of a registry name, a branch, a tag or a short rev");
        }
        if !c.contains("--locked") {
            return Some("cargo install without --locked: its dependencies float");
        }
        if re(r"--(branch|tag|version)\b").is_match(c) {
            return Some("cargo install by branch, tag or version");
        }
    }
    if re(r"\bformwork\s+--version\s+\S").is_match(c) {
        return Some("formwork looked up by version");
    }
    if re(r"(curl|wget)[^|]*\|\s*(sudo\s+)?(ba|z|da)?sh\b").is_match(c)
        || c.contains("sh.rustup.rs")
    {
        return Some("a downloaded script piped into a shell");
    }
    if let Some(fetch) = re(r"\b(curl|wget)\b").find(c) {
        let rest = &c[fetch.start()..];
        let check =
            re(r#"echo\s+\\?"[0-9a-f]{64}\s\s[^"]+\\?"\s*\|\s*sha256sum\s+-c\s+-"#).find(rest);
        // The first later command that unpacks, installs or runs what was fetched.
        let first_use =
            re(r#"(?:&&|;|\|\||\{)\s*(?:tar|unzip|install|chmod|sh|bash|\./|"?\$\w+/|"?/tmp/)"#)
                .find(&rest[fetch.len()..])
                .map(|m| m.start() + fetch.len());
        match (check, first_use) {
            (None, _) => return Some("a download without a sha256 check"),
            (Some(k), Some(u)) if u < k.start() => {
                return Some("a download used before its sha256 check");
            }
            _ => {}
        }
    }
    if let Some(m) = re(r"\bpip3?\s+install\b(.*)").captures(c) {
        let args = m.get(1).map_or("", |a| a.as_str());
        let unpinned_arg = args
            .split_whitespace()
            .take_while(|a| !matches!(*a, "&&" | ";" | "||" | "|"))
            .filter(|a| !a.starts_with('-') && !a.starts_with('"') && !a.starts_with('$'))
            .any(|a| !a.contains("=="));
        if unpinned_arg || args.contains("-r ") && !args.contains("--require-hashes") {
            return Some("pip install without ==");
        }
    }
    if re(r"\bgo\s+install\s+\S+@latest\b").is_match(c) {
        return Some("go install @latest");
    }
    if re(r"\bnpm\s+(install|i)\s+(-g\s+)?[a-z@][\w./-]*(\s|$)").is_match(c)
        && !re(r"@\d").is_match(c)
    {
        return Some("npm install without a version");
    }
    None
}

fn audit(files: &[(String, String)]) -> Vec<String> {
    let mut found = Vec::new();
    for (path, text) in files {
        for c in commands(path, text) {
            if let Some(why) = unpinned(&c) {
                found.push(format!("{path}: {why}: {c}"));
            }
        }
    }
    found
}

#[test]
fn no_generated_file_installs_anything_unpinned() {
    let settings = std::fs::read_to_string(root().join("examples/acme/formwork.yaml"))
        .expect("the example's settings");
    let bare = settings_without_source(&settings);
    assert!(!bare.contains("formwork:"), "{bare}");
    for (name, setting, pin) in sources() {
        let files = generate(&format!("{bare}{setting}"))
            .unwrap_or_else(|c| panic!("{name}: the build refused: {c:?}"));
        let found = audit(&files);
        assert!(found.is_empty(), "{name}:\n{}", found.join("\n"));
        // Every job that runs formwork installs the pinned source first.
        let mut jobs = 0;
        for (path, text) in &files {
            if path.ends_with("deploy.sh") {
                continue;
            }
            // One install of the pin per job that builds (a CodeBuild buildspec's
            // phases come out of its JSON in no particular order, so count them).
            let cs = commands(path, text);
            let builds = cs.iter().filter(|c| c.trim() == "formwork build").count();
            let installs = cs
                .iter()
                .filter(|c| {
                    c.contains(pin)
                        && c.contains("command -v formwork")
                        && !c.contains("rustup-init")
                })
                .count();
            assert_eq!(
                builds, installs,
                "{name}: {path}: {builds} jobs build, {installs} install {pin}"
            );
            jobs += builds;
        }
        assert!(jobs >= 6, "{name}: only {jobs} files with jobs that build");
        if name == "url" {
            // A download needs no Rust (a git commit, or a path holding a cargo
            // project, is built).
            assert!(
                !files.iter().any(|(_, t)| t.contains("rustup-init")),
                "{name}"
            );
        }
    }
    // Without a setting, the service pipelines are refused.
    assert_eq!(
        generate(&bare).err(),
        Some(vec!["E0329", "E0329", "E0329", "E0329"])
    );
}

#[test]
fn without_a_source_the_provisioning_files_install_nothing() {
    let settings =
        std::fs::read_to_string(root().join("tests/fixtures/workspace/valid/formwork.yaml"))
            .unwrap_or_else(|_| "name: valid\n".into());
    let files: Vec<(String, String)> = read_tree(&root().join("tests/fixtures/workspace/valid"));
    assert!(
        !settings.contains("\nformwork:"),
        "the fixture has no source"
    );
    let dir = temp("install-pinning");
    for (p, t) in &files {
        let to = dir.join(p);
        std::fs::create_dir_all(to.parent().expect("a folder")).expect("mkdir");
        std::fs::write(&to, t).expect("write");
    }
    let r = run_formwork(&dir, &["build", ".", "-o", "out"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = read_tree(&dir.join("out"));
    let provision: Vec<(String, String)> = out
        .into_iter()
        .filter(|(p, _)| p.starts_with("provision/") || p == "deploy.sh")
        .collect();
    assert_eq!(provision.len(), 3);
    let found = audit(&provision);
    assert!(found.is_empty(), "{}", found.join("\n"));
    for (p, t) in &provision {
        if p.starts_with("provision/") {
            assert!(t.contains("formwork is not on PATH"), "{p}: {t}");
        }
    }
}

#[test]
fn the_audit_catches_unpinned_installs() {
    let sha = SHA;
    let caught = [
        "command -v formwork >/dev/null 2>&1 || cargo install --locked formwork --version 0.1.0",
        "cargo install formwork",
        "cargo install --locked --git https://github.com/acme/formwork formwork",
        "cargo install --locked --git https://github.com/acme/formwork --branch main formwork",
        "cargo install --locked --git https://github.com/acme/formwork --rev 4f2c1d0 formwork",
        "cargo install --git https://github.com/acme/formwork --rev 4f2c1d0e9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e formwork",
        "cargo binstall formwork",
        "curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y",
        "wget -qO- https://example.com/install.sh | bash",
        "curl -fsSL -o /tmp/f.tar.gz https://example.com/f.tar.gz && tar -xzf /tmp/f.tar.gz",
        &format!(
            "curl -fsSL -o /tmp/f.tar.gz https://example.com/f.tar.gz && tar -xzf /tmp/f.tar.gz && echo \"{sha}  /tmp/f.tar.gz\" | sha256sum -c -"
        ),
        "curl -fsSL -o /tmp/f https://example.com/f && echo \"abc  /tmp/f\" | sha256sum -c -",
        "pip install moto",
        "python -m pip install --quiet moto==5.2.5 boto3",
        "go install example.com/tool@latest",
        "npm install -g some-tool",
    ];
    for c in caught {
        assert!(unpinned(c).is_some(), "not caught: {c}");
    }
    let pinned = [
        "cargo install --locked --root \"$HOME/.formwork\" --git https://github.com/acme/formwork --rev 4f2c1d0e9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e formwork",
        "cargo install --locked --path tools/formwork",
        &format!(
            "curl -fsSL -o /tmp/f.tar.gz https://example.com/f.tar.gz && echo \"{sha}  /tmp/f.tar.gz\" | sha256sum -c - && tar -xzf /tmp/f.tar.gz"
        ),
        "pip install moto==5.2.5 boto3==1.35.0",
        "formwork build",
    ];
    for c in pinned {
        assert_eq!(unpinned(c), None, "refused: {c}");
    }
    // And on a whole file: the old install line in a workflow.
    let old = "jobs:\n  deploy:\n    steps:\n      - run: \"command -v formwork >/dev/null 2>&1 || cargo install --locked formwork --version 0.1.0\"\n";
    assert_eq!(audit(&[("workflow.yml".into(), old.into())]).len(), 1);
}
