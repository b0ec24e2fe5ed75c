//! `formwork fmt` is idempotent, and what parsed cleanly still parses cleanly after
//! formatting.
#![no_main]

use formwork::format::format_source;
use formwork::syntax::parse;
use formwork::syntax::span::FileId;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    if !parse(src, FileId(0)).errors.is_empty() {
        return;
    }
    let Ok(once) = format_source(src) else {
        panic!("a file that parses cleanly failed to format");
    };
    let reparsed = parse(&once, FileId(0));
    assert!(
        reparsed.errors.is_empty(),
        "fmt made a clean file unparsable: {:?}\n--- formatted:\n{once}",
        reparsed.errors
    );
    let Ok(twice) = format_source(&once) else {
        panic!("formatted text failed to format");
    };
    assert_eq!(once, twice, "fmt is not idempotent");
});
