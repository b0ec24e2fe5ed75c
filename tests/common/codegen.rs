//! Compiling a folder of templates (a workspace) as `formwork render` and `formwork
//! compile` do.

use std::path::Path;

use formwork::check::add_source;
use formwork::compile::{Artifact, Failure, Options, Selector, compile};
use formwork::diagnostics::Diagnostic;
use formwork::ir::Mode;
use formwork::syntax::span::SourceMap;
use formwork::types::targets::Target;

use super::files_under;

/// The outcome: the artifacts, or the diagnostics (a usage error becomes a message).
pub type Outcome = Result<Vec<Artifact>, Vec<Diagnostic>>;

/// Which template to compile: the one a file declares, or one by name.
pub enum Pick<'a> {
    File(&'a str),
    Name(&'a str),
}

/// Compiles a template of the workspace `dir` (every `.fw` file under it, named
/// relative to it) with `spec` (relative to `dir`).
pub fn compile_dir(
    dir: &Path,
    pick: Pick<'_>,
    spec: Option<&str>,
    instance: Option<&str>,
    target: Target,
    mode: Mode,
) -> (SourceMap, Outcome) {
    let mut map = SourceMap::new();
    let mut problems = Vec::new();
    let mut template = None;
    for path in files_under(dir, "fw") {
        let name = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        let bytes = std::fs::read(&path).expect("template is readable");
        let (id, problem) = add_source(&mut map, name.clone(), &bytes);
        problems.extend(problem);
        if matches!(pick, Pick::File(f) if f == name) {
            template = Some(id);
        }
    }
    super::add_workspace_settings(&mut map, dir, &mut problems);
    // The fixture's environments, which its spec's instances run in.
    let mut workspace_specs = formwork::compile::WorkspaceSpecs::default();
    for path in files_under(&dir.join("environments"), "yaml") {
        let name = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        let bytes = std::fs::read(&path).expect("spec is readable");
        let (id, problem) = add_source(&mut map, name, &bytes);
        problems.extend(problem);
        workspace_specs.environments.push(id);
    }
    let spec_id = spec.map(|s| {
        let bytes = std::fs::read(dir.join(s)).expect("spec is readable");
        let (id, problem) = add_source(&mut map, s, &bytes);
        problems.extend(problem);
        id
    });
    let selector = match pick {
        Pick::File(_) => Selector::File(template.expect("the template file is in the folder")),
        Pick::Name(n) => Selector::parse_name(n),
    };
    let options = Options {
        target,
        mode,
        yaml: target == Target::CloudFormation,
        aws_provider: formwork::codegen::terraform::DEFAULT_AWS_PROVIDER.to_string(),
        input_overrides: Default::default(),
    };
    let result = compile(
        &mut map,
        problems,
        &selector,
        spec_id,
        &workspace_specs,
        instance,
        &options,
    );
    let result = result.map_err(|f| match f {
        Failure::Diagnostics(d) => d,
        Failure::Usage(msg) | Failure::Io(msg) => panic!("usage error: {msg}"),
    });
    (map, result)
}

/// Every file of every artifact, under headings, for a snapshot.
pub fn show_artifacts(artifacts: &[Artifact]) -> String {
    let mut out = String::new();
    for a in artifacts {
        for (name, text) in &a.files {
            out.push_str(&format!("----- {} / {name}\n{text}", a.name));
        }
    }
    out
}
