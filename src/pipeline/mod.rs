//! Pipelines: a service's CI/CD pipeline, lowered from its template's `pipeline { … }`
//! block and its spec (`model.rs`), and written for GitHub Actions, GitLab CI or AWS
//! CodePipeline; and the platform's provisioning pipeline, which deploys what
//! `formwork build` made, in the manifest's order.
//!
//! Every value in the model is known: the pipeline's strings are folded with the
//! service spec's `pipeline:` inputs. Secrets are names in the provider's secret store,
//! never values.

pub mod model;

pub use model::*;

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
