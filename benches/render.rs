//! Rendering at scale: the 12-resource ECS Fargate service of `benches/render/` for
//! 5,000 instances read from one Proton-style spec file, through the release binary,
//! as a user runs it:
//!
//! `formwork render fargate --spec fleet.yaml --target cloudformation -o out`
//!
//! It prints the whole-process time (median of several runs) and the peak memory of
//! the process. Target on the project's 2-core machine: at most 0.75 s and 100 MB.

// A benchmark reports to the terminal; that is its whole job.
#![allow(clippy::print_stdout)]

use std::path::Path;
use std::process::Command;
use std::time::Instant;

const INSTANCES: usize = 5_000;
const RUNS: usize = 5;

fn spec(instances: usize) -> String {
    let mut out = String::from("proton: ServiceSpec\ntemplate: fargate@1.0\ninstances:\n");
    let sizes = ["small", "medium", "large"];
    let envs = ["dev", "staging", "prod"];
    for i in 0..instances {
        out.push_str(&format!(
            "  - name: svc-{i:05}\n    environment: {}\n    spec:\n      image: registry.example.com/team-{}/svc-{i:05}:1.{}.0\n      port: {}\n      size: {}\n      min_tasks: {}\n      max_tasks: {}\n      path: /svc-{i:05}\n      priority: {}\n",
            envs[i % 3],
            i % 40,
            i % 17,
            8000 + i % 1000,
            sizes[i % 3],
            1 + i % 3,
            4 + i % 10,
            1 + i,
        ));
    }
    out
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

fn main() {
    let dir = std::env::temp_dir().join(format!("formwork-render-bench-{}", std::process::id()));
    let ws = dir.join("workspace");
    let templates = ws.join("templates");
    std::fs::create_dir_all(&templates).expect("create the workspace");
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/render");
    for f in ["platform.fw", "fargate.fw"] {
        std::fs::copy(here.join(f), templates.join(f)).expect("copy a template");
    }
    // `render --spec` checks the spec in its workspace: a `formwork.yaml` (E0325
    // otherwise) and the three environments its instances run in (E0322 otherwise).
    std::fs::write(
        ws.join("formwork.yaml"),
        "name: bench\ntarget: cloudformation\n",
    )
    .expect("write formwork.yaml");
    let environments = ws.join("environments");
    std::fs::create_dir_all(&environments).expect("create the environments folder");
    for e in ["dev", "staging", "prod"] {
        std::fs::write(
            environments.join(format!("{e}.yaml")),
            "proton: EnvironmentSpec\ntemplate: platform@1.0\nspec: {}\n",
        )
        .expect("write an environment");
    }
    let spec_text = spec(INSTANCES);
    let spec_path = dir.join("fleet.yaml");
    std::fs::write(&spec_path, &spec_text).expect("write the spec");
    let bin = env!("CARGO_BIN_EXE_formwork");
    let mut times = Vec::new();
    let mut files = 0;
    let mut bytes = 0u64;
    for run in 0..RUNS {
        let out = dir.join(format!("out-{run}"));
        let start = Instant::now();
        let status = Command::new(bin)
            .args([
                "render",
                "fargate",
                "--target",
                "cloudformation",
                "--workspace",
            ])
            .arg(&ws)
            .arg("--spec")
            .arg(&spec_path)
            .arg("-o")
            .arg(&out)
            .status()
            .expect("run formwork");
        times.push(start.elapsed().as_secs_f64());
        assert!(status.success(), "formwork render failed");
        if run == 0 {
            for f in std::fs::read_dir(&out).expect("output").flatten() {
                files += 1;
                bytes += f.metadata().map(|m| m.len()).unwrap_or(0);
            }
        }
        // Outputs are removed at the end, not between runs: deleting thousands of files
        // makes the file system's next allocations slower, which is not formwork's time.
    }
    times.sort_by(f64::total_cmp);
    let median = times[RUNS / 2];
    println!(
        "render: {INSTANCES} instances of a 12-resource service ({} KB spec) in {:.3} s (median of {RUNS}; fastest {:.3} s, slowest {:.3} s); peak memory {:.0} MB; wrote {files} files, {:.1} MB",
        spec_text.len() / 1024,
        median,
        times[0],
        times[RUNS - 1],
        peak_children_rss_mb(),
        bytes as f64 / 1e6,
    );
    let _ = std::fs::remove_dir_all(&dir);
}
