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
}
/// The conventions every pipeline shares, so a service pipeline deploys exactly as the
/// provisioning pipeline does.
///
/// - A job that deploys runs in the workspace's folder, installs formwork when the
///   runner lacks it ([`install_command`]), builds ([`BUILD_COMMAND`]), and runs the
///   generated deploy script for the artifacts it deploys ([`deploy_command`]).
/// - AWS credentials: GitHub assumes the role whose ARN is the repository secret
///   [`AWS_ROLE_SECRET`] (OpenID Connect, no stored keys); GitLab jobs use the
///   project's CI/CD variables (`AWS_ACCESS_KEY_ID`… or a web identity); CodeBuild its
///   service role.
pub const BUILD_COMMAND: &str = "formwork build";

/// The variable naming the S3 bucket where `deploy.sh` keeps Terraform state and
/// deployed hashes; a CI job that deploys Terraform passes it on.
pub const TF_STATE_BUCKET: &str = "FORMWORK_TF_STATE_BUCKET";

/// The repository secret holding the ARN of the role GitHub jobs assume.
pub const AWS_ROLE_SECRET: &str = "AWS_ROLE_ARN";

/// Installs this version of formwork when the runner has none.
pub fn install_command() -> String {
    format!(
        "command -v formwork >/dev/null 2>&1 || cargo install --locked formwork --version {}",
        env!("CARGO_PKG_VERSION")
    )
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
