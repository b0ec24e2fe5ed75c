//! Parse and check arbitrary bytes as a `.fw` source: any input ends in diagnostics,
//! never a panic, a hang or unbounded memory.
#![no_main]

use formwork::check::{add_source, check_all};
use formwork::syntax::span::SourceMap;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut map = SourceMap::new();
    let (_, problem) = add_source(&mut map, "fuzz.fw", data);
    let report = check_all(&mut map, problem.into_iter().collect());
    // Rendering is part of what a user sees: it must not panic either.
    let _ = formwork::diagnostics::render::render(
        &report.diagnostics,
        &map,
        formwork::diagnostics::render::Format::Human,
        false,
    );
});
