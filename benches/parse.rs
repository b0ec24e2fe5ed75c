//! The front end's throughput: lexing, and lexing plus parsing, of a generated
//! 10,000-line formwork file (see `gen/mod.rs`).
//!
//! Before divan runs, `main` prints plain lines, timed with `Instant`, so a CI log shows
//! the figures without reading divan's table: `lex throughput`, `parse throughput, one
//! thread` (`parse_whole`: the file in one go) and `parse throughput` (`parse`, which
//! splits a large file into parts parsed on the thread pool, as `formwork` does). The
//! two parses are first checked to give the same tree. Target: at least 20 MB/s
//! (`parse throughput`) in a release build.

// A benchmark reports to the terminal; that is its whole job.
#![allow(clippy::print_stdout)]

/// The allocator the `formwork` binary uses, so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::hint::black_box;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use divan::Bencher;
use divan::counter::BytesCount;
use formwork::syntax::lexer::tokenize;
use formwork::syntax::parts::split;
use formwork::syntax::{FileId, parse, parse_whole};

#[path = "gen/mod.rs"]
mod generator;

const LINES: usize = 10_000;
const RUNS: usize = 51;
/// Untimed calls first, so caches and the CPU's clock have settled (divan does the same).
const WARM_UP: usize = 10;

static SOURCE: LazyLock<String> = LazyLock::new(|| generator::source(LINES));

fn main() {
    let src = SOURCE.as_str();
    let parsed = parse(src, FileId(0));
    assert_eq!(
        format!("{parsed:?}"),
        format!("{:?}", parse_whole(src, FileId(0))),
        "parsing in parts must give the whole file's parse"
    );
    assert!(
        parsed.errors.is_empty(),
        "the generated source must parse cleanly: {:?}",
        &parsed.errors[..parsed.errors.len().min(5)]
    );
    let lex = median_time(|| tokenize(black_box(src), FileId(0)));
    let full = median_time(|| parse(black_box(src), FileId(0)));
    let whole = median_time(|| parse_whole(black_box(src), FileId(0)));
    println!(
        "lex throughput: {:.1} MB/s ({} bytes, median of {RUNS} runs)",
        mb_per_s(src.len(), lex),
        src.len()
    );
    println!(
        "parse throughput, one thread: {:.1} MB/s (the file whole, median of {RUNS} runs)",
        mb_per_s(src.len(), whole),
    );
    println!(
        "parse throughput: {:.1} MB/s ({} bytes in {} parts on {} threads, median of {RUNS} runs)",
        mb_per_s(src.len(), full),
        src.len(),
        split(src, rayon::current_num_threads()).map_or(1, |p| p.len()),
        rayon::current_num_threads(),
    );
    divan::main();
}

/// The median time of `RUNS` calls of `f`, after `WARM_UP` untimed ones. Like divan,
/// it drops each result only
/// after the clock stops: freeing the tree is not parsing.
fn median_time<T>(mut f: impl FnMut() -> T) -> Duration {
    for _ in 0..WARM_UP {
        drop(black_box(f()));
    }
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            let out = black_box(f());
            let elapsed = start.elapsed();
            drop(out);
            elapsed
        })
        .collect();
    times.sort();
    times[RUNS / 2]
}

fn mb_per_s(bytes: usize, t: Duration) -> f64 {
    bytes as f64 / 1e6 / t.as_secs_f64()
}

#[divan::bench]
fn lex(bencher: Bencher) {
    let src = SOURCE.as_str();
    bencher
        .counter(BytesCount::of_str(src))
        .bench(|| tokenize(black_box(src), FileId(0)));
}

#[divan::bench]
fn lex_and_parse(bencher: Bencher) {
    let src = SOURCE.as_str();
    bencher
        .counter(BytesCount::of_str(src))
        .bench(|| parse(black_box(src), FileId(0)));
}

#[divan::bench]
fn lex_and_parse_one_thread(bencher: Bencher) {
    let src = SOURCE.as_str();
    bencher
        .counter(BytesCount::of_str(src))
        .bench(|| parse_whole(black_box(src), FileId(0)));
}
