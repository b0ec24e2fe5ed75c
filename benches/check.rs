//! The checker on a generated workspace of 200 templates (about 20,000 lines): parse,
//! resolve and type-check everything, as `formwork check` does.
//!
//! Before divan runs, `main` prints `check: X ms for N templates (L lines), median of
//! K runs; peak memory M MB`, so a CI log shows the figure. Targets: under 150 ms and
//! under 200 MB on the project's 2-core machine, in a release build.

// A benchmark reports to the terminal; that is its whole job.
#![allow(clippy::print_stdout)]

/// The allocator the `formwork` binary uses, so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::hint::black_box;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use formwork::check::{Report, add_source, check_all};
use formwork::syntax::span::SourceMap;

#[path = "workspace/mod.rs"]
mod workspace;

const TEMPLATES: usize = 200;
const RUNS: usize = 11;

static FILES: LazyLock<Vec<(String, String)>> = LazyLock::new(|| workspace::workspace(TEMPLATES));

fn check_once() -> Report {
    let mut map = SourceMap::new();
    for (name, text) in FILES.iter() {
        add_source(&mut map, name.as_str(), text.as_bytes());
    }
    check_all(&mut map, Vec::new())
}

fn main() {
    let start = Instant::now();
    let catalog = formwork::types::resources::Catalog::cloudformation();
    let index = start.elapsed();
    let start = Instant::now();
    let vpc = catalog.get("AWS::EC2::VPC").map(|s| s.properties.len());
    let first_get = start.elapsed();
    println!(
        "resource catalog: {} types indexed in {:.2} ms; first lookup (AWS::EC2::VPC, {} properties) {:.3} ms",
        catalog.len(),
        index.as_secs_f64() * 1000.0,
        vpc.unwrap_or(0),
        first_get.as_secs_f64() * 1000.0
    );
    let report = check_once();
    assert_eq!(
        report.error_count(),
        0,
        "the generated workspace must check cleanly: {:#?}",
        &report.diagnostics[..report.diagnostics.len().min(3)]
    );
    let lines: usize = FILES.iter().map(|(_, t)| t.lines().count()).sum();
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            let r = black_box(check_once());
            let t = start.elapsed();
            drop(r);
            t
        })
        .collect();
    times.sort();
    let median = times[RUNS / 2];
    println!(
        "check: {:.1} ms for {} templates ({lines} lines), median of {RUNS} runs; peak memory {} MB",
        median.as_secs_f64() * 1000.0,
        FILES.len(),
        peak_rss_mb().map_or("unknown".to_string(), |m| format!("{m:.0}"))
    );
    divan::main();
}

/// The process's peak resident memory, from /proc (Linux).
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

#[divan::bench(sample_count = 10)]
fn check_workspace() -> Report {
    check_once()
}
