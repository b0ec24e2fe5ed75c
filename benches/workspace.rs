//! A workspace of 100 templates (one environment template, 99 service templates) and
//! 1,000 service instances in three environments, through the release binary:
//! `formwork check DIR` and `formwork build DIR`. Prints the median time of each and
//! the peak memory. Targets on the project's 2-core machine: check ≤ 0.2 s, build
//! ≤ 0.6 s, peak memory ≤ 300 MB. Then one build of 50,000 instances, its time and the
//! CPU it took: the build is linear in the instances (it was quadratic in the deploy
//! order), so 50 times the instances must cost about 50 times the CPU, not 2,500.

// A benchmark reports to the terminal; that is its whole job.
#![allow(clippy::print_stdout)]

use std::process::Command;
use std::time::Instant;

#[path = "workspace_gen/mod.rs"]
mod workspace_gen;

const SERVICES: usize = 99;
const INSTANCES: usize = 1_000;
const RUNS: usize = 5;
const BIG: usize = 50_000;

fn peak_children_rss_mb() -> f64 {
    // SAFETY: getrusage writes into the zeroed struct we own.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    if rc != 0 {
        return f64::NAN;
    }
    usage.ru_maxrss as f64 / 1024.0
}

fn time(args: &[&str], dir: &std::path::Path) -> f64 {
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_formwork"))
        .args(args)
        .arg(dir)
        .output()
        .expect("run formwork");
    let t = start.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "formwork {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    t
}

/// The CPU time (user + system) of the children that have ended, in seconds.
fn children_cpu_s() -> f64 {
    // SAFETY: getrusage writes into the zeroed struct we own.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    if rc != 0 {
        return f64::NAN;
    }
    let t = |v: libc::timeval| v.tv_sec as f64 + v.tv_usec as f64 / 1e6;
    t(usage.ru_utime) + t(usage.ru_stime)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let dir = std::env::temp_dir().join(format!("formwork-workspace-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    workspace_gen::write(&dir, SERVICES, INSTANCES);
    let check = median((0..RUNS).map(|_| time(&["check"], &dir)).collect());
    let check_mem = peak_children_rss_mb();
    let build = median((0..RUNS).map(|_| time(&["build"], &dir)).collect());
    let files = std::fs::read_dir(dir.join("out/services"))
        .map(|d| {
            d.flatten()
                .map(|s| std::fs::read_dir(s.path()).map_or(0, |i| i.count()))
                .sum::<usize>()
        })
        .unwrap_or(0);
    println!(
        "workspace: {} templates, {INSTANCES} service instances, 3 environments: check {:.3} s, build {:.3} s ({files} instance artifacts + 3 environments), medians of {RUNS}; peak memory {:.0} MB (check alone {:.0} MB)",
        SERVICES + 1,
        check,
        build,
        peak_children_rss_mb(),
        check_mem
    );
    let _ = std::fs::remove_dir_all(&dir);
    let cpu_1k = {
        let dir = dir.with_extension("1k");
        workspace_gen::write(&dir, SERVICES, INSTANCES);
        let before = children_cpu_s();
        time(&["build"], &dir);
        let _ = std::fs::remove_dir_all(&dir);
        children_cpu_s() - before
    };
    let big = dir.with_extension("50k");
    workspace_gen::write(&big, SERVICES, BIG);
    let before = children_cpu_s();
    let wall = time(&["build"], &big);
    let cpu = children_cpu_s() - before;
    println!(
        "workspace: {BIG} service instances: build {wall:.2} s, {cpu:.2} s of CPU ({:.1}x the CPU of {INSTANCES} instances, {cpu_1k:.2} s, for {}x the instances)",
        cpu / cpu_1k,
        BIG / INSTANCES
    );
    let _ = std::fs::remove_dir_all(&big);
}
