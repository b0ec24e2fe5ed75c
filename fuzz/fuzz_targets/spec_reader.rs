//! Read arbitrary bytes as a spec file (YAML or JSON): a spec or diagnostics, each
//! with a span inside the file.
#![no_main]

use formwork::check::add_source;
use formwork::syntax::span::SourceMap;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut map = SourceMap::new();
    let (id, problem) = add_source(&mut map, "spec.yaml", data);
    if problem.is_some() {
        return;
    }
    let Some(text) = map.get(id).map(|f| f.text.clone()) else {
        return;
    };
    let (_, diags) = formwork::spec::read_spec(id, &text);
    for d in &diags {
        if let Some(s) = d.primary_span() {
            assert!(s.start <= s.end && s.end as usize <= text.len(), "span out of the file: {d:?}");
        }
    }
});
