//! A small workspace made from the input: a template file, an environment spec and a
//! service spec, separated by lines `%%`. It is checked, planned and built in memory,
//! as `formwork build` does: diagnostics or files, never a panic.
#![no_main]

use formwork::check::{add_source, build_and_check};
use formwork::syntax::span::SourceMap;
use formwork::workspace::config::read_config;
use libfuzzer_sys::fuzz_target;

const CONFIG: &str = "name: fuzz\n";

fuzz_target!(|data: &[u8]| {
    let mut parts = data.split_inner(b"\n%%\n");
    let template = parts.next().unwrap_or_default();
    let env = parts.next().unwrap_or_default();
    let svc = parts.next().unwrap_or_default();
    let mut map = SourceMap::new();
    let mut problems = Vec::new();
    let (_, p) = add_source(&mut map, "templates/t.fw", template);
    problems.extend(p);
    let (config_id, p) = add_source(&mut map, "formwork.yaml", CONFIG.as_bytes());
    problems.extend(p);
    let (config, d) = read_config(config_id, CONFIG);
    problems.extend(d);
    let (env_id, p) = add_source(&mut map, "environments/dev.yaml", env);
    let env_ok = p.is_none();
    problems.extend(p);
    let (svc_id, p) = add_source(&mut map, "services/web.yaml", svc);
    let svc_ok = p.is_none();
    problems.extend(p);
    let (program, diags) = build_and_check(&mut map, problems);
    if diags.iter().any(|d| d.is_error()) {
        return;
    }
    let envs: Vec<_> = env_ok.then_some(env_id).into_iter().collect();
    let svcs: Vec<_> = svc_ok.then_some(svc_id).into_iter().collect();
    let (plan, diags) = formwork::workspace::plan(&program, &map, &envs, &svcs);
    if diags.iter().any(|d| d.is_error()) {
        return;
    }
    let _ = formwork::workspace::build::build(&program, &map, "", ".", &plan, &config, &|_, _| Ok(()));
});

/// `split` on a byte string.
trait SplitInner {
    fn split_inner<'a>(&'a self, sep: &'a [u8]) -> Box<dyn Iterator<Item = &'a [u8]> + 'a>;
}

impl SplitInner for [u8] {
    fn split_inner<'a>(&'a self, sep: &'a [u8]) -> Box<dyn Iterator<Item = &'a [u8]> + 'a> {
        let mut rest = Some(self);
        Box::new(std::iter::from_fn(move || {
            let r = rest?;
            match r.windows(sep.len()).position(|w| w == sep) {
                Some(i) => {
                    rest = Some(&r[i + sep.len()..]);
                    Some(&r[..i])
                }
                None => {
                    rest = None;
                    Some(r)
                }
            }
        }))
    }
}
