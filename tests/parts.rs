//! A large file parsed in parts (`syntax::parts`) gives exactly the tree, comments and
//! diagnostics of the file parsed whole, or declines; and it does not decline on the
//! clean files it exists for. Checked on generated files, and on many copies of them
//! broken at random places, near the splits, where a mistake could join two parts.

mod common;
#[path = "../benches/gen/mod.rs"]
mod generator;

use common::Rng;

use formwork::syntax::parts::{MIN_PART_BYTES, split};
use formwork::syntax::{FileId, SyntaxError, parse, parse_in_parts, parse_whole};

/// Generated source of about `parts` times the smallest part.
fn big_source(parts: usize) -> String {
    let mut lines = 100;
    loop {
        let src = generator::source(lines);
        if src.len() >= parts * MIN_PART_BYTES + MIN_PART_BYTES / 2 {
            return src;
        }
        lines += 400;
    }
}

/// Whether parsing `src` in parts on up to `threads` threads agrees with the whole parse; `true`
/// when it split, `false` when it declined.
fn agrees(src: &str, threads: usize) -> bool {
    let Some(parts) = parse_in_parts(src, FileId(0), threads) else {
        return false;
    };
    let whole = parse_whole(src, FileId(0));
    let (a, b) = (format!("{parts:?}"), format!("{whole:?}"));
    if a != b {
        let at = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
        let from = at.saturating_sub(300);
        panic!(
            "the parts' parse differs from the whole file's at byte {at} of its printing:\n\
             parts: …{}\nwhole: …{}",
            &a[from..(at + 200).min(a.len())],
            &b[from..(at + 200).min(b.len())]
        );
    }
    assert!(
        whole
            .errors
            .iter()
            .all(|e| matches!(e, SyntaxError::DanglingDocComment { .. })),
        "the parts parsed cleanly, but the whole file has errors: {:?}",
        whole.errors
    );
    true
}

#[test]
fn clean_files_split_and_agree() {
    let src = big_source(4);
    for threads in [2, 3, 4] {
        let parts = split(&src, threads).expect("a large generated file splits");
        assert_eq!(parts.len(), (2 * threads).min(src.len() / MIN_PART_BYTES));
        assert!(parts.iter().all(|&(s, e)| e - s >= MIN_PART_BYTES));
        assert!(agrees(&src, threads), "a clean file must parse in parts");
    }
    // `parse` itself: the same result as the whole parse, whatever it chose.
    assert_eq!(
        format!("{:?}", parse(&src, FileId(0))),
        format!("{:?}", parse_whole(&src, FileId(0)))
    );
}

#[test]
fn small_files_and_files_without_item_lines_are_parsed_whole() {
    let src = big_source(1);
    assert!(split(&src[..MIN_PART_BYTES], 4).is_none());
    assert!(
        split(&big_source(4), 1).is_none(),
        "one thread parses whole"
    );
    let indented = big_source(3).replace('\n', "\n ");
    assert!(split(&indented, 4).is_none());
}

/// Text a mutation inserts: openers and closers of every kind, item keywords that make
/// a new split point, and characters no token starts with.
const INSERTS: [&str; 16] = [
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "\"",
    "${",
    "/*",
    "*/",
    "\nservice ",
    "\ntype ",
    "\n",
    "matches",
    "#",
    "\u{0}",
];

#[test]
// It reports how many broken files split, so a long run shows what it covered.
#[allow(clippy::print_stderr)]
fn broken_files_agree_with_the_whole_parse() {
    // Four parts on two threads: three places where a mistake could join two parts.
    let base = big_source(4);
    let bounds = split(&base, 2).expect("the base splits");
    assert_eq!(bounds.len(), 4);
    let cuts: Vec<usize> = bounds[1..].iter().map(|b| b.0).collect();
    // A deterministic generator: the test is the same on every run.
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut next = |n: usize| rng.below(n);
    // `FORMWORK_PARTS_ROUNDS` runs more rounds (say 5000, in a release build).
    let rounds = std::env::var("FORMWORK_PARTS_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(60);
    let (mut split_ok, mut declined) = (0, 0);
    for round in 0..rounds {
        let mut src = base.clone();
        // Half the mutations land within a few lines of a split, half anywhere.
        for _ in 0..1 + round % 3 {
            let at = if next(2) == 0 {
                cuts[next(cuts.len())].saturating_sub(200) + next(400)
            } else {
                next(src.len())
            };
            let at = (0..=at.min(src.len()))
                .rev()
                .find(|&i| src.is_char_boundary(i))
                .unwrap_or(0);
            match next(3) {
                0 => {
                    let end = (at + 1 + next(3)).min(src.len());
                    if src.is_char_boundary(end) {
                        src.replace_range(at..end, "");
                    }
                }
                _ => src.insert_str(at, INSERTS[next(INSERTS.len())]),
            }
        }
        if agrees(&src, 2) {
            split_ok += 1;
        } else {
            declined += 1;
        }
    }
    // Both outcomes must occur, or the test proves nothing about one of them.
    assert!(
        split_ok > 0 && declined > 0,
        "{split_ok} split, {declined} declined"
    );
    eprintln!("{rounds} broken files: {split_ok} parsed in parts, {declined} whole");
}

#[test]
fn absurd_nesting_beside_a_split_is_parsed_whole_without_a_crash() {
    let base = big_source(3);
    let bounds = split(&base, 2).expect("the base splits");
    let cut = bounds[1].0;
    let deep = format!(
        "environment \"deep\" {{\n  let x = {}1{}\n}}\n",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    let src = format!("{}{deep}{}", &base[..cut], &base[cut..]);
    assert!(
        !agrees(&src, 2),
        "a file with a nesting error is parsed whole"
    );
    let parsed = parse(&src, FileId(0));
    assert!(
        parsed
            .errors
            .iter()
            .any(|e| matches!(e, SyntaxError::NestingTooDeep { .. }))
    );
}
