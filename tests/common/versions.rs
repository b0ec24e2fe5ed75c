//! Comparing two versions of a template, as `formwork publish` will: the files of a
//! version-pair fixture (or a page's example) checked as one workspace, the two
//! versions picked, the instances of a spec read against the old one.

use formwork::check::{add_source, build_and_check};
use formwork::diagnostics::Diagnostic;
use formwork::resolve::{DeclId, Program, Version};
use formwork::spec::{SpecKind, check_inputs, read_spec};
use formwork::syntax::ast::DeclKind;
use formwork::syntax::span::SourceMap;
use formwork::types::Checker;
use formwork::types::targets::Target;
use formwork::versions::{Change, ExistingInstance, compare};

/// Two versions of a template, ready to compare.
pub struct Pair {
    pub map: SourceMap,
    pub program: Program,
    pub old: DeclId,
    pub new: DeclId,
    /// What checking the files reported (warnings only, or the pair is unusable).
    pub checked: Vec<Diagnostic>,
}

/// The environments and services a file declares, in order.
fn templates_in(program: &Program, map: &SourceMap, file: &str) -> Vec<DeclId> {
    program
        .user_decls()
        .filter(|(id, d)| {
            d.kind != DeclKind::Module && map.get(id.file).is_some_and(|f| f.name == file)
        })
        .map(|(id, _)| id)
        .collect()
}

/// Checks `files` (name, text) as one workspace and picks the old version (the first
/// template of `old_file`, or its first of two) and the new one (the first template of
/// `new_file`, or the second of `old_file` when both are one file). Panics, with the
/// diagnostics, when the files have errors: a fixture's versions must both be valid.
pub fn load_pair(files: &[(String, String)], old_file: &str, new_file: &str) -> Pair {
    let mut map = SourceMap::new();
    let mut problems = Vec::new();
    for (name, text) in files {
        let (_, problem) = add_source(&mut map, name.as_str(), text.as_bytes());
        problems.extend(problem);
    }
    let (program, checked) = build_and_check(&mut map, problems);
    assert!(
        !checked.iter().any(Diagnostic::is_error),
        "the versions do not check:\n{}",
        super::render_human(&map, &checked)
    );
    let olds = templates_in(&program, &map, old_file);
    let news = templates_in(&program, &map, new_file);
    let (old, new) = if old_file == new_file {
        (olds[0], olds[1])
    } else {
        (olds[0], news[0])
    };
    Pair {
        map,
        program,
        old,
        new,
        checked,
    }
}

impl Pair {
    /// The old version's number (`0.0` for a draft).
    pub fn old_version(&self) -> Version {
        self.program
            .decl(self.old)
            .and_then(Program::version_of)
            .unwrap_or(Version { major: 0, minor: 0 })
    }

    /// The target to render instances for: CloudFormation when the old version
    /// supports it, else Terraform.
    pub fn target(&self) -> Target {
        let mut checker = Checker::new(&self.program);
        match checker.signature(self.old) {
            Some(sig) if !sig.targets.supports(Target::CloudFormation) => Target::Terraform,
            _ => Target::CloudFormation,
        }
    }

    /// Reads a spec file (`name`, `text`) against the old version: one instance per
    /// service instance, or the environment (named after the file, as everywhere).
    /// Panics when the spec does not fit the old version.
    pub fn instances(&mut self, name: &str, text: &str) -> Vec<ExistingInstance> {
        let (id, problem) = add_source(&mut self.map, name, text.as_bytes());
        assert!(problem.is_none(), "{name}: unreadable");
        let (spec, mut diags) = read_spec(id, text);
        let spec = spec.unwrap_or_else(|| panic!("{name}: not a spec"));
        let mut checker = Checker::new(&self.program);
        let sig = checker.signature(self.old).expect("the old version checks");
        let template = self
            .program
            .decl(self.old)
            .and_then(|d| d.name.as_plain())
            .unwrap_or_default();
        let mut out = Vec::new();
        match spec.kind {
            SpecKind::Environment => {
                let empty = formwork::spec::SpecNode::empty_map(Default::default());
                let values = spec.environment_inputs.as_ref().unwrap_or(&empty);
                let (v, d) = check_inputs(values, &sig.inputs, &template);
                diags.extend(d);
                let stem = name.rsplit('/').next().unwrap_or(name);
                out.push(ExistingInstance {
                    name: stem.split('.').next().unwrap_or(stem).to_string(),
                    environment: None,
                    inputs: formwork::compile::inputs(v),
                    context: Default::default(),
                });
            }
            SpecKind::Service => {
                for (index, inst) in spec.instances.iter().enumerate() {
                    let (v, d) = check_inputs(&inst.inputs, &sig.inputs, &template);
                    diags.extend(d);
                    let stem = name.rsplit('/').next().unwrap_or(name);
                    let service = stem.split('.').next().unwrap_or(stem);
                    out.push(ExistingInstance {
                        name: inst.name.clone(),
                        environment: Some(inst.environment.clone()),
                        inputs: formwork::compile::inputs(v),
                        context: formwork::compile::service_context(&spec, service, index),
                    });
                }
            }
        }
        assert!(
            !diags.iter().any(Diagnostic::is_error),
            "{name} does not fit the old version:\n{}",
            super::render_human(&self.map, &diags)
        );
        out
    }

    /// Every change, signatures and instances; panics when the old version cannot
    /// render an instance.
    pub fn compare(&self, instances: &[ExistingInstance]) -> Vec<Change> {
        compare(&self.program, self.old, self.new, instances, self.target()).unwrap_or_else(|d| {
            panic!(
                "the old version does not render an instance:\n{}",
                super::render_human(&self.map, &d)
            )
        })
    }
}

/// The diagnostics of the breaking changes and warnings, in source order.
pub fn change_diagnostics(changes: &[Change]) -> Vec<Diagnostic> {
    let mut diags: Vec<Diagnostic> = changes
        .iter()
        .filter_map(|c| c.diagnostic.clone())
        .collect();
    diags.sort_by_key(|d| d.primary_span().map(|s| (s.file, s.start, s.end)));
    diags
}
