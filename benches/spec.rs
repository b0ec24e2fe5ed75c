//! Reading and checking one service spec with 5,000 instances of eight inputs each
//! (about 1.9 MiB of YAML): `read_spec`, then `check_inputs` for every instance, as
//! rendering a large service does.
//!
//! Before divan runs, `main` prints `spec: X ms to read and check N instances (B
//! bytes), median of K runs`, and the fastest run of each phase (YAML events alone,
//! `read_spec`, `check_inputs`). Target: well under 100 ms in a release build (the whole
//! render of such a service has 0.75 s).

// A benchmark reports to the terminal; that is its whole job.
#![allow(clippy::print_stdout)]

/// The allocator the `formwork` binary uses, so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::collections::BTreeMap;
use std::fmt::Write;
use std::hint::black_box;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use formwork::resolve::{self, stdlib};
use formwork::spec::{check_inputs, read_spec};
use formwork::syntax::span::{FileId, SourceMap, Span};
use formwork::types::ty::FieldTy;

const INSTANCES: usize = 5_000;
const RUNS: usize = 11;

const TEMPLATE: &str = r#"service "web" {
  version = "2.1"
  input {
    image: String matches /^[\w.\/-]+(:[\w.-]+)?$/
    port: Int in 1..65535 = 80
    desired_count: Int in 1..100 = 2
    size: "small" | "medium" | "large" = "small"
    env_vars: Map<String> = {}
    db_password: Secret
    health_check: {
      path: String = "/health"
      interval: Int in 5..300 = 30
    } = {}
    public: Bool = false
  }
  pipeline input { branch: String = "main" }
}
"#;

type Schema = BTreeMap<String, (FieldTy, Span)>;

/// The template's input schema, as the checker gives it.
static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    let mut map = SourceMap::new();
    let id = map.add("web.fw", TEMPLATE);
    let mut parsed = vec![(id, formwork::syntax::parse(TEMPLATE, id).file, None)];
    for f in stdlib::FILES {
        let sid = map.add(f.name, f.source);
        let path = f.path.iter().map(|s| s.to_string()).collect();
        parsed.push((sid, formwork::syntax::parse(f.source, sid).file, Some(path)));
    }
    let program = resolve::build(&map, parsed);
    let decl = program
        .user_decls()
        .next()
        .map(|(d, _)| d)
        .expect("one template");
    let mut checker = formwork::types::Checker::new(&program);
    let sig = checker.signature(decl).expect("a signature");
    sig.inputs.clone()
});

static SPEC: LazyLock<String> = LazyLock::new(|| {
    let mut s = String::from(
        "proton: ServiceSpec\ntemplate: web@2.1\npipeline:\n  branch: main\ninstances:\n",
    );
    let sizes = ["small", "medium", "large"];
    for i in 0..INSTANCES {
        let _ = write!(
            s,
            "  - name: instance-{i}\n    environment: env-{}\n    spec:\n      image: registry.example.com/team/web:1.{i}\n      port: {}\n      desired_count: {}\n      size: {}\n      env_vars:\n        LOG_LEVEL: info\n        REGION: eu-west-1\n      db_password:\n        secretsmanager: prod/web-{i}/db\n        key: password\n      health_check:\n        path: /healthz\n        interval: 30\n      public: true\n",
            i % 7,
            8000 + i % 1000,
            1 + i % 100,
            sizes[i % 3]
        );
    }
    s
});

/// Reads and checks the spec; the number of diagnostics (zero).
fn read_and_check() -> usize {
    let (spec, mut diags) = read_spec(FileId(1), &SPEC);
    let spec = spec.expect("the spec reads");
    for instance in &spec.instances {
        let (values, d) = check_inputs(&instance.inputs, &SCHEMA, "web");
        black_box(values);
        diags.extend(d);
    }
    diags.len()
}

fn main() {
    LazyLock::force(&SCHEMA);
    assert_eq!(read_and_check(), 0, "the generated spec must check cleanly");
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            black_box(read_and_check());
            start.elapsed()
        })
        .collect();
    times.sort();
    println!(
        "spec: {:.1} ms to read and check {INSTANCES} instances ({} bytes), median of {RUNS} runs",
        times[RUNS / 2].as_secs_f64() * 1000.0,
        SPEC.len()
    );
    let min = |f: &mut dyn FnMut()| {
        (0..RUNS)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed().as_secs_f64() * 1000.0
            })
            .fold(f64::MAX, f64::min)
    };
    let events = min(&mut || {
        let mut parser = saphyr_parser::Parser::new_from_str(&SPEC);
        while let Some(Ok(e)) = parser.next_event() {
            black_box(e);
        }
    });
    let read = min(&mut || {
        black_box(read_spec(FileId(1), &SPEC));
    });
    let (spec, _) = read_spec(FileId(1), &SPEC);
    let spec = spec.expect("the spec reads");
    let check = min(&mut || {
        for instance in &spec.instances {
            black_box(check_inputs(&instance.inputs, &SCHEMA, "web"));
        }
    });
    println!(
        "fastest runs: YAML events {events:.1} ms, read_spec {read:.1} ms, check_inputs x{INSTANCES} {check:.1} ms"
    );
    divan::main();
}

#[divan::bench(sample_count = 10)]
fn read_and_check_5000_instances() -> usize {
    read_and_check()
}
