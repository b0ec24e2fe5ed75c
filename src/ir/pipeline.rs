//! A service's pipeline, lowered: what the pipeline backends (`codegen/github_actions`,
//! `codegen/gitlab_ci`, `codegen/codepipeline`) write. Built by `lower/pipeline.rs` from
//! a checked template's `pipeline { … }` block and its service spec. Every string is
//! final (the spec's `pipeline:` inputs are folded in), and secrets are names in a
//! secret store, never values; so a backend only maps the model onto its provider's
//! syntax.

use crate::ir::SecretSource;
use crate::types::targets::Target;

/// Where a pipeline runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Provider {
    GitHub,
    GitLab,
    CodePipeline,
}

impl Provider {
    pub const ALL: [Provider; 3] = [Provider::GitHub, Provider::GitLab, Provider::CodePipeline];

    /// The name used in `formwork.yaml` and spec files: `github`, `gitlab`,
    /// `codepipeline`.
    pub fn name(self) -> &'static str {
        match self {
            Provider::GitHub => "github",
            Provider::GitLab => "gitlab",
            Provider::CodePipeline => "codepipeline",
        }
    }

    pub fn from_name(s: &str) -> Option<Provider> {
        Provider::ALL.into_iter().find(|p| p.name() == s)
    }
}

/// A service's pipeline, for one provider.
#[derive(Debug, Clone, PartialEq)]
pub struct Pipeline {
    /// The service's name (its spec file's name: `services/web.yaml` is `web`).
    pub service: String,
    /// `web@2.1`
    pub template: String,
    pub provider: Provider,
    /// The branch whose pushes run the pipeline (`branch = …`; default `main`).
    pub branch: String,
    /// The workspace's folder, relative to the repository's root (`.` when it is the
    /// root): jobs run there.
    pub workspace_dir: String,
    /// The build output folder, relative to the workspace (`out`).
    pub out_dir: String,
    /// The AWS region (`formwork.yaml`'s `region`), when set.
    pub region: Option<String>,
    /// Where the jobs get formwork (`formwork.yaml`'s `formwork:`).
    pub formwork: FormworkSource,
    /// Environment variables of every job (`env = { … }` at the pipeline's top level).
    pub env: Vec<EnvVar>,
    /// In order: each stage runs after the previous one succeeded.
    pub stages: Vec<Stage>,
}

/// One environment variable of a job.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvVar {
    /// A shell variable name: `[A-Za-z_][A-Za-z0-9_]*`.
    pub name: String,
    pub value: EnvValue,
}

#[derive(Debug, Clone, PartialEq)]
pub enum EnvValue {
    /// A plain value, written as it is.
    Plain(String),
    /// A `Secret` pipeline input. GitHub and GitLab read it from their own secret
    /// store under `store_name` (the input's name in upper case: `registry_token` is
    /// `REGISTRY_TOKEN`); CodeBuild reads it from the AWS store the spec names.
    Secret {
        input: String,
        store_name: String,
        source: SecretSource,
    },
}

/// A stage: a job, a manual approval, or a deployment of the service's instances.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    /// As written (`"build"`); unique in the pipeline.
    pub name: String,
    /// A job id made from the name: lower case letters, digits and hyphens, unique.
    pub id: String,
    pub kind: StageKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StageKind {
    /// `stage "build" { run "…" artifact "…" }`
    Run(RunStage),
    /// `approve "release to production"`: a person must approve before later stages
    /// run.
    Approval { message: String },
    /// `stage "deploy" { deploy instances }`: the service's instances, wave after wave.
    Deploy { waves: Vec<Wave> },
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunStage {
    /// The container image the job runs in (`image = "node:22"`), if any.
    pub image: Option<String>,
    /// The stage's own variables, after the pipeline's.
    pub env: Vec<EnvVar>,
    /// Shell commands, in order; the job stops at the first that fails.
    pub commands: Vec<String>,
    /// Paths (files or folders, relative to the workspace) this stage hands to the
    /// later stages.
    pub artifacts: Vec<String>,
    /// The deployed instances' outputs its commands read (`${instance.outputs.url}`),
    /// each as a shell variable the job has, set by the job that deployed it.
    pub reads: Vec<OutputRead>,
}

/// A run stage's read of an output of an instance an earlier stage deployed: its
/// commands expand `${VAR}`, which the job gets from the deploy job's exports.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputRead {
    /// `FORMWORK_OUTPUT_SHOP_DEV_URL`: see [`output_var`].
    pub var: String,
    /// The instance whose output it is (`shop-dev`): the latest earlier deploy job
    /// of it exports `var`.
    pub instance: String,
}

/// An output a deploy job reads after deploying its instance, for later stages.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputExport {
    /// The variable later jobs see: see [`output_var`].
    pub var: String,
    /// The output's name where the stack keeps it: the CloudFormation output's
    /// logical ID (`Url`), or the Terraform output's name (`url`).
    pub key: String,
}

/// The shell variable holding output `output` of instance `instance`:
/// `FORMWORK_OUTPUT_` and both names in upper case, each other character `_`. Two
/// instances' names never differ only in case or `_`/`-` (the stack naming rule), so
/// neither do their variables.
pub fn output_var(instance: &str, output: &str) -> String {
    format!(
        "FORMWORK_OUTPUT_{}_{}",
        store_name(instance),
        store_name(output)
    )
}

/// A `Secret` pipeline input's name in a CI provider's secret store: `registry_token`
/// is `REGISTRY_TOKEN` (upper case, each other character `_`).
pub fn store_name(input: &str) -> String {
    input
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// Where a deploy job writes the outputs later jobs read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputSink {
    /// GitHub's `$GITHUB_OUTPUT` file, as `VAR<<DELIMITER` blocks: the step's outputs.
    GitHubOutput,
    /// A GitLab dotenv report (`VAR=value` lines), at this path in the workspace:
    /// the variables of every later job that needs this one.
    DotEnv(&'static str),
    /// Shell variables of the job's own shell, exported: CodeBuild's
    /// `exported-variables` reads them when the build ends.
    Export,
}

/// The jq filter printing output `$k` of the outputs object `deploy.sh --outputs`
/// prints: a string as it is, another value as JSON; it fails when the stack has no
/// such output (a conditional output its instance does not render).
const OUTPUT_VALUE: &str = "if has($k) then .[$k] | if type == \"string\" then . else tojson end else error(\"the stack has no output \" + $k) end";

/// The commands a deploy job runs after deploying `inst`, to hand its exported
/// outputs to later jobs: one `deploy.sh --outputs` call (the stack's outputs, read
/// back), then one line per export into `sink`.
pub fn output_commands(out_dir: &str, inst: &DeployInstance, sink: OutputSink) -> Vec<String> {
    if inst.exports.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![format!(
        "formwork_outputs=$(sh {out_dir}/deploy.sh --outputs {})",
        shell_word(&inst.artifact)
    )];
    for e in &inst.exports {
        let value = format!(
            "printf '%s' \"$formwork_outputs\" | jq -r --arg k {} {}",
            shell_word(&e.key),
            shell_word(OUTPUT_VALUE)
        );
        let v = &e.var;
        match sink {
            OutputSink::GitHubOutput => lines.push(format!(
                "{{ echo '{v}<<FORMWORK_EOF'; {value}; echo 'FORMWORK_EOF'; }} >> \"$GITHUB_OUTPUT\""
            )),
            OutputSink::DotEnv(path) => {
                lines.push(format!("{v}=$({value})"));
                lines.push(format!(
                    "[ \"$(printf '%s' \"${v}\" | wc -l)\" -eq 0 ] || {{ echo 'output {}: a value on several lines, which a dotenv report cannot carry' >&2; exit 1; }}",
                    e.key
                ));
                lines.push(format!("echo \"{v}=${v}\" >> {path}"));
            }
            OutputSink::Export => {
                lines.push(format!("{v}=$({value})"));
                lines.push(format!("export {v}"));
            }
        }
    }
    lines
}

/// Instances deployed together; the next wave starts when all of them succeeded.
#[derive(Debug, Clone, PartialEq)]
pub struct Wave {
    /// The environment the wave deploys to (`dev`), or `all`.
    pub name: String,
    pub instances: Vec<DeployInstance>,
}

/// One service instance to deploy: `formwork build`'s artifact for it.
#[derive(Debug, Clone, PartialEq)]
pub struct DeployInstance {
    /// `web-dev`: also its stack's name.
    pub name: String,
    /// The environment it runs in.
    pub environment: String,
    pub target: Target,
    /// Its artifact id in the manifest (`services/web/web-dev`), which is also its
    /// folder in the build output.
    pub artifact: String,
    /// Inputs the deploy fills from an earlier stage's artifact instead of the spec
    /// (`deploy instance { inputs = { image = artifacts.image } }`).
    pub overrides: Vec<InputOverride>,
    /// The outputs later stages read, which the deploy job reads back once the
    /// instance is deployed.
    pub exports: Vec<OutputExport>,
}

/// An input whose value, for one deploy, is the text of an artifact's file: `formwork
/// build --input-file INSTANCE.INPUT=PATH` reads it (its final line break dropped) in
/// place of the spec's value, so the rendered stack holds what the pipeline built.
#[derive(Debug, Clone, PartialEq)]
pub struct InputOverride {
    /// The service input (`image`).
    pub input: String,
    /// The artifact's file, relative to the workspace (`image.txt`): an earlier stage
    /// handed it on, and the deploy job unpacked it there.
    pub path: String,
}
/// The conventions every pipeline shares, so a service pipeline deploys exactly as the
/// provisioning pipeline does.
///
/// - A job that deploys runs in the workspace's folder, installs formwork when the
///   runner lacks it ([`install_command`], from the pinned [`FormworkSource`]), builds ([`BUILD_COMMAND`]), and runs the
///   generated deploy script for the artifacts it deploys ([`deploy_command`]).
/// - AWS credentials: GitHub assumes the role whose ARN is the repository secret
///   [`AWS_ROLE_SECRET`] (OpenID Connect, no stored keys); GitLab jobs use the
///   project's CI/CD variables (`AWS_ACCESS_KEY_ID`… or a web identity); CodeBuild its
///   service role.
pub const BUILD_COMMAND: &str = "formwork build";

/// The build a deploy job runs before deploying `instances`: [`BUILD_COMMAND`], with
/// `--input-file INSTANCE.INPUT=PATH` for each input an artifact fills.
pub fn build_command(instances: &[DeployInstance]) -> String {
    let mut s = BUILD_COMMAND.to_string();
    for i in instances {
        for o in &i.overrides {
            s.push_str(" --input-file ");
            s.push_str(&shell_word(&format!("{}.{}={}", i.name, o.input, o.path)));
        }
    }
    s
}

/// The variable naming the S3 bucket where `deploy.sh` keeps Terraform state and
/// deployed hashes; a CI job that deploys Terraform passes it on.
pub const TF_STATE_BUCKET: &str = "FORMWORK_TF_STATE_BUCKET";

/// The repository secret holding the ARN of the role GitHub jobs assume.
pub const AWS_ROLE_SECRET: &str = "AWS_ROLE_ARN";

/// Where a pipeline's jobs get formwork: `formwork.yaml`'s `formwork:` setting. Every
/// form is pinned to bytes checked before they run, because the job that runs formwork
/// holds the deploy role: a name on a registry (`cargo install formwork`) is whatever
/// its publisher last uploaded, and is never written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormworkSource {
    /// `{ git: URL, rev: COMMIT }`: built with `cargo install --locked` from that commit
    /// (40 hex digits), whose `Cargo.lock` pins every dependency.
    Git { url: String, rev: String },
    /// `{ url: URL, sha256: HASH }`: a release download (a `.tar.gz`/`.tgz` holding the
    /// `formwork` executable at its top level, or the executable itself), refused unless
    /// its sha256 is `sha256`.
    Download { url: String, sha256: String },
    /// `{ path: tools/formwork }`: in the repository, relative to the workspace: a
    /// folder with a `Cargo.toml` is built with `cargo install --locked --path`, anything
    /// else is the executable, copied onto `PATH`. The commit pins it.
    Path { path: String },
}

impl FormworkSource {
    /// A name for the installed binary that changes whenever the pinned bytes do:
    /// CodeBuild caches the install under it. `None` for a path, whose bytes the
    /// commit alone pins (it is installed afresh each time).
    pub fn cache_key(&self) -> Option<String> {
        match self {
            FormworkSource::Git { rev, .. } => Some(format!("git-{rev}")),
            FormworkSource::Download { sha256, .. } => Some(format!("sha256-{sha256}")),
            FormworkSource::Path { .. } => None,
        }
    }

    /// Whether installing it may need a Rust toolchain: a git build always, a path
    /// only when it is a cargo project (known when the job runs).
    pub fn may_need_cargo(&self) -> bool {
        !matches!(self, FormworkSource::Download { .. })
    }
}

/// The commands every pipeline's formwork install is made of, for a runner with no
/// `formwork` on `PATH`. A runner that has one keeps it (a self-hosted runner's own,
/// or `tests/external/deploy.sh`'s build): it is the runner's operator who chose it.
///
/// `root` is the install root (a shell word, double-quoted, so it may hold `$HOME`):
/// formwork ends up in `root/bin/formwork`; `then`, when given, runs after a fresh
/// install (GitHub's `echo … >> "$GITHUB_PATH"`). Path installs run in the workspace
/// folder, since the path is relative to it.
pub fn install_command(source: &FormworkSource, root: &str, then: Option<&str>) -> String {
    let install = match source {
        FormworkSource::Git { url, rev } => format!(
            "cargo install --locked --root \"{root}\" --git {} --rev {rev} formwork",
            shell_word(url)
        ),
        FormworkSource::Download { url, sha256 } => {
            let archive = url.ends_with(".tar.gz") || url.ends_with(".tgz");
            let file = if archive {
                "formwork.tar.gz"
            } else {
                "formwork"
            };
            let unpack = if archive {
                "tar -xzf \"$d/formwork.tar.gz\" -C \"$d/x\" && "
            } else {
                ""
            };
            let binary = if archive {
                "$d/x/formwork"
            } else {
                "$d/formwork"
            };
            format!(
                "d=$(mktemp -d) && mkdir -p \"$d/x\" \
                 && curl --proto '=https' --tlsv1.2 -fsSL -o \"$d/{file}\" {} \
                 && echo \"{sha256}  $d/{file}\" | sha256sum -c - \
                 && {unpack}mkdir -p \"{root}/bin\" && install -m 755 \"{binary}\" \"{root}/bin/formwork\" \
                 && rm -rf \"$d\"",
                shell_word(url)
            )
        }
        FormworkSource::Path { path } => {
            let p = shell_word(path);
            format!(
                "if [ -f {p}/Cargo.toml ]; then cargo install --locked --root \"{root}\" --path {p}; \
                 else mkdir -p \"{root}/bin\" && install -m 755 {p} \"{root}/bin/formwork\"; fi"
            )
        }
    };
    match then {
        Some(then) => format!("command -v formwork >/dev/null 2>&1 || {{ {install} && {then}; }}"),
        None => format!("command -v formwork >/dev/null 2>&1 || {{ {install}; }}"),
    }
}

/// Where GitHub and GitLab jobs install formwork: outside the checkout, so a build
/// never sees it.
pub const INSTALL_ROOT: &str = "$HOME/.formwork";

/// A GitHub job's install step: later steps find formwork through `$GITHUB_PATH`.
pub fn github_install_command(source: &FormworkSource) -> String {
    install_command(
        source,
        INSTALL_ROOT,
        Some(&format!("echo \"{INSTALL_ROOT}/bin\" >> \"$GITHUB_PATH\"")),
    )
}

/// A GitLab job's install lines: one shell runs the whole script, so `PATH` is set
/// first.
pub fn shell_install_commands(source: &FormworkSource) -> [String; 2] {
    [
        format!("export PATH=\"{INSTALL_ROOT}/bin:$PATH\""),
        install_command(source, INSTALL_ROOT, None),
    ]
}

/// What a provisioning job runs instead of an install when `formwork.yaml` has no
/// `formwork:` setting: it needs formwork on the runner, and fails saying so.
pub fn require_formwork_command() -> String {
    "command -v formwork >/dev/null 2>&1 || { echo 'formwork is not on PATH, and formwork.yaml has no `formwork:` setting saying how to install it (git + rev, url + sha256, or path)' >&2; exit 1; }".to_string()
}

/// `s` as one shell word: left bare when it is only characters no shell treats
/// specially (URLs and paths usually are), else single-quoted.
fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@%+=,~".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Deploys the given artifacts (manifest ids, `services/web/web-dev`), each only when
/// its hash differs from what its stack was last deployed with; all of them, in the
/// manifest's order, when `artifacts` is empty.
pub fn deploy_command(out_dir: &str, artifacts: &[&str]) -> String {
    let mut s = format!("sh {out_dir}/deploy.sh");
    for a in artifacts {
        s.push(' ');
        s.push_str(a);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instance(name: &str, overrides: &[(&str, &str)]) -> DeployInstance {
        DeployInstance {
            name: name.into(),
            environment: "dev".into(),
            target: Target::CloudFormation,
            artifact: format!("services/web/{name}"),
            overrides: overrides
                .iter()
                .map(|(input, path)| InputOverride {
                    input: (*input).into(),
                    path: (*path).into(),
                })
                .collect(),
            exports: Vec::new(),
        }
    }

    #[test]
    fn build_command_passes_each_override_as_one_word() {
        assert_eq!(build_command(&[instance("web-dev", &[])]), BUILD_COMMAND);
        assert_eq!(
            build_command(&[
                instance("web-dev", &[("image", "image.txt")]),
                instance("web-prod", &[("image", "out dir/it's.txt"), ("key", "k")]),
            ]),
            "formwork build --input-file web-dev.image=image.txt \
             --input-file 'web-prod.image=out dir/it'\\''s.txt' --input-file web-prod.key=k"
        );
    }
}
