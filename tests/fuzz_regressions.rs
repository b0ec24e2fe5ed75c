//! Every input fuzzing found (`fuzz/regressions/TARGET/`) through what its target
//! runs, in `cargo test`: it must end, quickly, in diagnostics or output, never a
//! panic. (The fuzz targets themselves need nightly and cargo-fuzz; this does not.)

mod common;

use std::time::{Duration, Instant};

use common::*;

fn inputs(target: &str) -> Vec<Vec<u8>> {
    let dir = root().join("fuzz/regressions").join(target);
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    paths.sort();
    paths
        .iter()
        .map(|p| std::fs::read(p).expect("readable"))
        .collect()
}

/// Debug builds are several times slower than the fuzzers' optimised ones.
const LIMIT: Duration = Duration::from_secs(20);

#[test]
fn check_source_regressions() {
    for input in inputs("check_source") {
        let start = Instant::now();
        let (map, diags) = check_bytes("fuzz.fw", &input);
        let _ = render_human(&map, &diags);
        assert!(start.elapsed() < LIMIT, "took {:?}", start.elapsed());
    }
}

#[test]
fn spec_reader_regressions() {
    for input in inputs("spec_reader") {
        let start = Instant::now();
        let mut map = formwork::syntax::span::SourceMap::new();
        let (id, problem) = formwork::check::add_source(&mut map, "spec.yaml", &input);
        if problem.is_none() {
            let text = map.get(id).expect("added").text.clone();
            let (_, diags) = formwork::spec::read_spec(id, &text);
            for d in &diags {
                if let Some(s) = d.primary_span() {
                    assert!(s.end as usize <= text.len());
                }
            }
        }
        assert!(start.elapsed() < LIMIT, "took {:?}", start.elapsed());
    }
}

#[test]
fn fmt_roundtrip_regressions() {
    use formwork::format::format_source;
    use formwork::syntax::{parse, span::FileId};
    for input in inputs("fmt_roundtrip") {
        let Ok(src) = std::str::from_utf8(&input) else {
            continue;
        };
        if !parse(src, FileId(0)).errors.is_empty() {
            continue;
        }
        let once = format_source(src).expect("a clean file formats");
        assert!(parse(&once, FileId(0)).errors.is_empty());
        assert_eq!(format_source(&once).expect("formats"), once);
    }
}

#[test]
fn workspace_build_regressions() {
    for input in inputs("workspace_build") {
        let start = Instant::now();
        let text = String::from_utf8_lossy(&input).into_owned();
        let mut parts = text.split("\n%%\n");
        let template = parts.next().unwrap_or_default();
        let _ = check_bytes("templates/t.fw", template.as_bytes());
        assert!(start.elapsed() < LIMIT, "took {:?}", start.elapsed());
    }
}
