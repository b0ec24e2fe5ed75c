//! The provisioning side of `formwork build`: from the build's records, `deploy.sh`
//! (at the root of the output tree) and the workflows that run it on a push to the
//! main branch (`provision/github.yml`, `provision/gitlab-ci.yml`). No IO: the build
//! hands the texts to its sink like every other file. The workflows install the
//! workspace's pinned `formwork:` source; without one, they install nothing and stop
//! unless the runner has formwork on `PATH` (`tests/external/deploy.sh` puts its
//! build there, which makes the install step a no-op either way).
//!
//! `deploy.sh` deploys artifacts in the manifest's order (environments before the
//! services that use them), each only when its hash differs from the hash it was last
//! deployed with, and stops at the first failure:
//!
//! - CloudFormation: `aws cloudformation deploy`; the stack carries the hash as its tag
//!   `formwork:sha256`, read back with `describe-stacks`. A stack left in
//!   `ROLLBACK_COMPLETE` by a failed first deploy holds no resources and cannot be
//!   updated, so it is deleted first.
//! - Terraform: `init`, `plan -out`, `apply` in the artifact's folder. The state and
//!   the deployed hash must outlive `out/` (replaced by every build) and a CI runner:
//!   with `FORMWORK_TF_STATE_BUCKET` set, both live in that S3 bucket (the state through
//!   an `s3` backend block in a `formwork_override.tf.json` the script writes, so the
//!   generated `main.tf.json` stays backend-free; the hash beside it, so one bucket
//!   policy covers both and they cannot drift apart); without it, in
//!   `../.formwork/terraform/` beside the output folder, which a CI runner does not
//!   keep, so the script refuses to deploy Terraform when `CI` is set. A service in a
//!   Terraform environment gets the environment's outputs as its `environment`
//!   variable (`environment.auto.tfvars.json`, REFERENCE §9.4), and their hash is part
//!   of the service's deployed hash, so a changed output redeploys the service.

use std::collections::BTreeMap;

use crate::codegen::doc::{Node, to_yaml};
use crate::ir::pipeline::{
    AWS_ROLE_SECRET, BUILD_COMMAND, deploy_command, github_install_command,
    require_formwork_command, shell_install_commands,
};
use crate::types::targets::Target;
use crate::workspace::build::{Record, waves};
use crate::workspace::config::Config;

/// The deploy script's path in the output tree.
pub const DEPLOY_SCRIPT: &str = "deploy.sh";
/// The GitHub Actions provisioning workflow's path in the output tree.
pub const GITHUB_WORKFLOW: &str = "provision/github.yml";
/// The GitLab CI provisioning pipeline's path in the output tree.
pub const GITLAB_CI: &str = "provision/gitlab-ci.yml";

/// The branch whose pushes provision.
const BRANCH: &str = "main";
/// The stack tag holding the hash a CloudFormation stack was deployed with.
pub const HASH_TAG: &str = "formwork:sha256";
/// The GitHub repository variable (and GitLab CI/CD variable) naming the Terraform
/// state bucket.
const STATE_BUCKET_VARIABLE: &str = "FORMWORK_TF_STATE_BUCKET";

/// The provisioning files of a build: `(path in the output tree, text)`, sorted by
/// path. `workspace_dir` is the workspace's folder relative to the repository's root
/// (`.` when it is the root): the workflows' jobs run there.
pub fn provisioning_files(
    records: &[Record],
    config: &Config,
    workspace_dir: &str,
) -> Vec<(String, String)> {
    vec![
        (DEPLOY_SCRIPT.to_string(), deploy_script(records, config)),
        (
            GITHUB_WORKFLOW.to_string(),
            github_workflow(records, config, workspace_dir),
        ),
        (
            GITLAB_CI.to_string(),
            gitlab_ci(records, config, workspace_dir),
        ),
    ]
}

/// `s` as one shell word: single-quoted, a `'` written `'\''`.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Whether any artifact deploys with Terraform (the workflows then set it up).
fn uses_terraform(records: &[Record]) -> bool {
    records.iter().any(|r| r.target == Target::Terraform)
}

/// The workspace's name reduced to letters, digits, `-` and `_`: a name every CI
/// system accepts for a lock (GitLab's `resource_group`, GitHub's `concurrency`).
fn lock_name(config: &Config) -> String {
    let name: String = config
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("formwork-provision-{name}")
}

/// The fixed part of `deploy.sh` after the workspace's settings: the functions each
/// artifact's line calls. Positional parameters are documented on each function.
const SCRIPT_FUNCTIONS: &str = r#"targets="${FORMWORK_TARGETS:-cloudformation,terraform}"
state_root="$(cd .. && pwd)/.formwork/terraform/$workspace"
TF_IN_AUTOMATION=1
export TF_IN_AUTOMATION
initialised=''

# --outputs ID: print the outputs of ID's deployed stack as one JSON object (name to
# value) and deploy nothing; what a pipeline's later jobs read.
mode=deploy
if [ "${1:-}" = --outputs ]; then
  if [ "$#" -ne 2 ]; then
    printf 'deploy.sh: --outputs takes one artifact id\n' >&2
    exit 2
  fi
  mode=outputs
  shift
fi

say() {
  if [ "$mode" = outputs ]; then
    printf '%s: %s\n' "$1" "$2" >&2
  else
    printf '%s: %s\n' "$1" "$2"
  fi
}
fail() { printf 'deploy.sh: %s\n' "$1" >&2; exit 1; }

# sha256: the hex sha256 of standard input.
sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum; else shasum -a 256; fi | cut -c1-64
}

for id in "$@"; do
  if ! printf '%s\n' "$all" | grep -qxF -- "$id"; then
    printf 'deploy.sh: unknown artifact "%s" (the ids are in manifest.json)\n' "$id" >&2
    exit 2
  fi
done
wanted=$(printf '%s\n' "$@")

# selected ID TARGET: whether ID was asked for (or nothing was) and TARGET is wanted.
selected() {
  if [ -n "$wanted" ] && ! printf '%s\n' "$wanted" | grep -qxF -- "$1"; then
    return 1
  fi
  case ",$targets," in
    *",$2,"*) return 0 ;;
  esac
  say "$1" "skipped (target $2 is not in FORMWORK_TARGETS)"
  return 1
}

# deploy_cloudformation ID STACK HASH TEMPLATE: the stack carries HASH as its tag.
deploy_cloudformation() {
  selected "$1" cloudformation || return 0
  id=$1 stack=$2 hash=$3 template=$4
  if [ "$mode" = outputs ]; then
    aws cloudformation describe-stacks --stack-name "$stack" \
      --query 'Stacks[0].Outputs' --output json |
      jq '(. // []) | map({key: .OutputKey, value: .OutputValue}) | from_entries'
    return 0
  fi
  state=$(aws cloudformation describe-stacks --stack-name "$stack" \
    --query "Stacks[0].[StackStatus, Tags[?Key=='formwork:sha256'] | [0].Value]" \
    --output text 2>/dev/null) || state='NONE None'
  read -r status deployed <<EOF
$state
EOF
  case "$status" in
    ROLLBACK_COMPLETE)
      # A failed first deploy leaves a stack without resources that cannot be updated.
      aws cloudformation delete-stack --stack-name "$stack"
      aws cloudformation wait stack-delete-complete --stack-name "$stack"
      ;;
    *_COMPLETE)
      if [ "$deployed" = "$hash" ]; then
        say "$id" "up to date (stack $stack)"
        return 0
      fi
      ;;
  esac
  set --
  if [ -n "${FORMWORK_CFN_BUCKET:-}" ]; then
    set -- --s3-bucket "$FORMWORK_CFN_BUCKET" --s3-prefix "formwork/$workspace"
  fi
  aws cloudformation deploy --stack-name "$stack" --template-file "$template" \
    --capabilities CAPABILITY_IAM CAPABILITY_NAMED_IAM CAPABILITY_AUTO_EXPAND \
    --no-fail-on-empty-changeset --tags "formwork:sha256=$hash" "$@"
  say "$id" "deployed (stack $stack)"
}

# tf_init DIR: terraform init once per run, state in the bucket or under state_root.
tf_init() {
  case "$initialised" in
    *"|$1|"*) return 0 ;;
  esac
  if [ -n "${FORMWORK_TF_STATE_BUCKET:-}" ]; then
    printf '%s\n' '{"terraform": {"backend": {"s3": {}}}}' > "$1/formwork_override.tf.json"
    terraform -chdir="$1" init -input=false -reconfigure \
      -backend-config="bucket=$FORMWORK_TF_STATE_BUCKET" \
      -backend-config="key=formwork/$workspace/$1/terraform.tfstate"
  else
    if [ -n "${CI:-}" ]; then
      fail "$1: set FORMWORK_TF_STATE_BUCKET: Terraform state kept on a CI runner is lost"
    fi
    mkdir -p "$state_root/$1"
    jq -n --arg path "$state_root/$1/terraform.tfstate" \
      '{terraform: {backend: {local: {path: $path}}}}' > "$1/formwork_override.tf.json"
    terraform -chdir="$1" init -input=false -reconfigure
  fi
  initialised="$initialised|$1|"
}

# tf_deployed ID: the hash ID was last deployed with, or nothing.
tf_deployed() {
  if [ -n "${FORMWORK_TF_STATE_BUCKET:-}" ]; then
    aws s3 cp "s3://$FORMWORK_TF_STATE_BUCKET/formwork/$workspace/$1/formwork.sha256" - \
      2>/dev/null || true
  else
    cat "$state_root/$1/formwork.sha256" 2>/dev/null || true
  fi
}

# tf_record ID HASH: remembers that ID is deployed with HASH.
tf_record() {
  if [ -n "${FORMWORK_TF_STATE_BUCKET:-}" ]; then
    printf '%s\n' "$2" |
      aws s3 cp - "s3://$FORMWORK_TF_STATE_BUCKET/formwork/$workspace/$1/formwork.sha256"
  else
    printf '%s\n' "$2" > "$state_root/$1/formwork.sha256"
  fi
}

# deploy_terraform ID HASH ENVIRONMENT: the root module in folder ID; when ENVIRONMENT
# (a Terraform environment's id) is given, its outputs are the `environment` variable.
deploy_terraform() {
  selected "$1" terraform || return 0
  if [ "$mode" = outputs ]; then
    tf_init "$1" >&2
    terraform -chdir="$1" output -json | jq 'map_values(.value)'
    return 0
  fi
  tf_init "$1"
  hash=$2
  if [ -n "$3" ]; then
    tf_init "$3"
    outputs=$(terraform -chdir="$3" output -json)
    printf '%s\n' "$outputs" | jq '{environment: map_values(.value)}' \
      > "$1/environment.auto.tfvars.json"
    # The environment's outputs are inputs too: when they change, the service deploys.
    hash="$hash+$(sha256 < "$1/environment.auto.tfvars.json")"
  fi
  if [ "$(tf_deployed "$1")" = "$hash" ]; then
    say "$1" "up to date"
    return 0
  fi
  terraform -chdir="$1" plan -input=false -out=formwork.tfplan
  terraform -chdir="$1" apply -input=false formwork.tfplan
  tf_record "$1" "$hash"
  say "$1" "deployed"
}

# unsupported ID REASON: an artifact this script cannot deploy.
unsupported() {
  selected "$1" "$2" || return 0
  fail "$1: $3"
}
"#;

/// `deploy.sh`: POSIX sh, `set -eu`; see the module's documentation.
pub fn deploy_script(records: &[Record], config: &Config) -> String {
    let mut s = String::new();
    s.push_str("#!/bin/sh\n");
    s.push_str(&format!(
        "# Deploys the artifacts of the formwork workspace {} in the manifest's order\n",
        sh_comment(&config.name)
    ));
    s.push_str(concat!(
        "# (environments before the services that use them), each only when its hash\n",
        "# differs from the hash it was last deployed with; stops at the first failure.\n",
        "# Written by `formwork build` (formwork ",
        env!("CARGO_PKG_VERSION"),
        "): rebuild rather than edit.\n",
        "#\n",
        "#   sh deploy.sh [ID...]       no ID: every artifact; else only those (manifest ids)\n",
        "#   sh deploy.sh --outputs ID  the outputs of ID's deployed stack, as JSON\n",
        "#\n",
        "# Environment:\n",
        "#   FORMWORK_TARGETS          targets to deploy (default cloudformation,terraform)\n",
        "#   FORMWORK_TF_STATE_BUCKET  S3 bucket for Terraform state and deployed hashes;\n",
        "#                             unset: ../.formwork/terraform/ (refused when CI is set)\n",
        "#   FORMWORK_CFN_BUCKET       S3 bucket to upload CloudFormation templates through\n",
        "#                             (needed for templates over 51,200 bytes)\n",
        "# A CloudFormation stack carries the hash it was deployed with as its tag\n",
        "# formwork:sha256.\n",
        "set -eu\n",
        "cd \"$(dirname \"$0\")\"\n\n",
    ));
    s.push_str(&format!("workspace={}\n", sh_quote(&config.name)));
    if let Some(region) = &config.region {
        // The templates are built for this region (log groups, ARNs): deploy there.
        s.push_str(&format!("AWS_REGION={}\n", sh_quote(region)));
        s.push_str(&format!("AWS_DEFAULT_REGION={}\n", sh_quote(region)));
        s.push_str("export AWS_REGION AWS_DEFAULT_REGION\n");
    }
    let order = waves(records);
    s.push_str("# Every artifact, in deploy order.\nall=");
    let ids: Vec<&str> = order.iter().flatten().map(String::as_str).collect();
    s.push_str(&sh_quote(&ids.join("\n")));
    s.push('\n');
    s.push_str(SCRIPT_FUNCTIONS);
    let by_id: BTreeMap<&str, &Record> = records.iter().map(|r| (r.id.as_str(), r)).collect();
    for (i, wave) in order.iter().enumerate() {
        s.push_str(&format!("\n# Wave {}\n", i + 1));
        for r in wave.iter().filter_map(|id| by_id.get(id.as_str())) {
            s.push_str(&artifact_line(r, &by_id));
            s.push('\n');
        }
    }
    s
}

/// A comment-safe rendering of a name: on one line, in backticks.
fn sh_comment(name: &str) -> String {
    format!("`{}`", name.replace(['\n', '\r'], " "))
}

/// The script's line that deploys one artifact.
fn artifact_line(r: &Record, by_id: &BTreeMap<&str, &Record>) -> String {
    match r.target {
        Target::CloudFormation => {
            let template = r
                .files
                .iter()
                .map(|(p, _)| p.as_str())
                .find(|p| p.ends_with("template.json") || p.ends_with("template.yaml"));
            match template {
                Some(t) => format!(
                    "deploy_cloudformation {} {} {} {}",
                    sh_quote(&r.id),
                    sh_quote(&r.stack),
                    sh_quote(&r.sha256()),
                    sh_quote(t)
                ),
                None => unsupported(r, "the build wrote no CloudFormation template"),
            }
        }
        Target::Terraform => {
            // Only a module that declares variables reads its environment's outputs
            // (in render mode, `environment` is the only variable).
            let reads_environment = r
                .files
                .iter()
                .any(|(p, _)| p.ends_with("/variables.tf.json"));
            let environment = r
                .depends_on
                .iter()
                .filter_map(|d| by_id.get(d.as_str()))
                .find(|_| reads_environment);
            match environment {
                Some(env) if env.target != Target::Terraform => unsupported(
                    r,
                    "a Terraform service cannot yet read a CloudFormation environment's outputs",
                ),
                Some(env) => format!(
                    "deploy_terraform {} {} {}",
                    sh_quote(&r.id),
                    sh_quote(&r.sha256()),
                    sh_quote(&env.id)
                ),
                None => format!(
                    "deploy_terraform {} {} ''",
                    sh_quote(&r.id),
                    sh_quote(&r.sha256())
                ),
            }
        }
    }
}

/// A line that fails the deploy of `r`, saying why.
fn unsupported(r: &Record, why: &str) -> String {
    format!(
        "unsupported {} {} {}",
        sh_quote(&r.id),
        r.target.name(),
        sh_quote(why)
    )
}

/// The one-line header comment of a generated workflow.
fn workflow_header(config: &Config, provider: &str, place: &str) -> String {
    format!(
        "# Provisions the formwork workspace {} on {provider}: on a push to {BRANCH}, builds it\n\
         # and runs `deploy.sh` (only artifacts whose hash changed, environments first).\n\
         # Written by `formwork build` (formwork {}); {place}.\n",
        sh_comment(&config.name),
        env!("CARGO_PKG_VERSION"),
    )
}

/// The CI system a provisioning job runs on: how an install reaches later commands.
#[derive(Clone, Copy, PartialEq)]
enum Runner {
    GitHub,
    GitLab,
}

/// The `run` commands every provisioning job runs, in order, in the workspace: the
/// install of the pinned `formwork:` source, or, without one, a check that the runner
/// has formwork (these files are written by every build, so a workspace that never
/// runs them need not pin anything; but nothing unpinned is ever installed).
fn run_commands(config: &Config, runner: Runner) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    match (&config.formwork, runner) {
        (Some(source), Runner::GitHub) => {
            out.push(("install formwork", github_install_command(source)));
        }
        (Some(source), Runner::GitLab) => {
            for c in shell_install_commands(source) {
                out.push(("install formwork", c));
            }
        }
        (None, _) => out.push(("require formwork", require_formwork_command())),
    }
    out.push(("build", BUILD_COMMAND.to_string()));
    out.push(("deploy", deploy_command(&config.folders.out, &[])));
    out
}

fn map(entries: Vec<(&str, Node)>) -> Node {
    Node::Map(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

/// The GitHub Actions provisioning workflow.
pub fn github_workflow(records: &[Record], config: &Config, workspace_dir: &str) -> String {
    let region = match &config.region {
        Some(r) => Node::str(r),
        None => Node::str("${{ vars.AWS_REGION }}"),
    };
    let mut steps = vec![
        map(vec![("uses", Node::str("actions/checkout@v5"))]),
        map(vec![
            ("name", Node::str("AWS credentials")),
            (
                "uses",
                Node::str("aws-actions/configure-aws-credentials@v6"),
            ),
            (
                "with",
                map(vec![
                    (
                        "role-to-assume",
                        Node::str(format!("${{{{ secrets.{AWS_ROLE_SECRET} }}}}")),
                    ),
                    ("aws-region", region),
                ]),
            ),
        ]),
    ];
    let mut job = vec![("runs-on", Node::str("ubuntu-24.04"))];
    if uses_terraform(records) {
        steps.push(map(vec![
            ("uses", Node::str("hashicorp/setup-terraform@v4")),
            // The wrapper adds text to `terraform output -json`, which deploy.sh parses.
            ("with", map(vec![("terraform_wrapper", Node::Bool(false))])),
        ]));
        job.push((
            "env",
            map(vec![(
                STATE_BUCKET_VARIABLE,
                Node::str(format!("${{{{ vars.{STATE_BUCKET_VARIABLE} }}}}")),
            )]),
        ));
    }
    for (name, command) in run_commands(config, Runner::GitHub) {
        steps.push(map(vec![
            ("name", Node::str(name)),
            ("run", Node::str(command)),
        ]));
    }
    job.push((
        "defaults",
        map(vec![(
            "run",
            map(vec![("working-directory", Node::str(workspace_dir))]),
        )]),
    ));
    job.push(("steps", Node::List(steps)));
    let doc = map(vec![
        ("name", Node::str(format!("provision {}", config.name))),
        (
            "on",
            map(vec![
                (
                    "push",
                    map(vec![("branches", Node::List(vec![Node::str(BRANCH)]))]),
                ),
                ("workflow_dispatch", Node::Map(Vec::new())),
            ]),
        ),
        (
            "permissions",
            map(vec![
                ("id-token", Node::str("write")),
                ("contents", Node::str("read")),
            ]),
        ),
        // Two provisioning runs never overlap, and a running one is never cancelled.
        (
            "concurrency",
            map(vec![
                ("group", Node::str(lock_name(config))),
                ("cancel-in-progress", Node::Bool(false)),
            ]),
        ),
        ("jobs", map(vec![("provision", map(job))])),
    ]);
    let mut text = workflow_header(config, "GitHub Actions", "copy it to .github/workflows/");
    text.push_str(&to_yaml(&doc));
    text
}

/// The GitLab CI provisioning pipeline: one job, for inclusion in `.gitlab-ci.yml`.
pub fn gitlab_ci(records: &[Record], config: &Config, workspace_dir: &str) -> String {
    let mut variables = vec![(
        "FORMWORK_PROVISION_IMAGE".to_string(),
        Node::str("rust:1-bookworm"),
    )];
    if let Some(r) = &config.region {
        variables.push(("AWS_REGION".into(), Node::str(r)));
        variables.push(("AWS_DEFAULT_REGION".into(), Node::str(r)));
    }
    let mut script = Vec::new();
    if workspace_dir != "." {
        script.push(Node::str(format!("cd {}", sh_quote(workspace_dir))));
    }
    script.push(Node::str(
        "{ command -v aws && command -v jq; } >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq awscli jq; }",
    ));
    if uses_terraform(records) {
        script.push(Node::str(
            "command -v terraform >/dev/null 2>&1 || { echo 'the image needs terraform: set FORMWORK_PROVISION_IMAGE' >&2; exit 1; }",
        ));
    }
    for (_, command) in run_commands(config, Runner::GitLab) {
        script.push(Node::String(command));
    }
    let job = map(vec![
        ("stage", Node::str("deploy")),
        ("image", Node::str("$FORMWORK_PROVISION_IMAGE")),
        ("variables", Node::Map(variables)),
        // GitLab's lock: one provisioning job at a time, in pipeline order.
        ("resource_group", Node::str(lock_name(config))),
        (
            "rules",
            Node::List(vec![
                map(vec![(
                    "if",
                    Node::str(format!(
                        "$CI_COMMIT_BRANCH == \"{BRANCH}\" && $CI_PIPELINE_SOURCE == \"push\""
                    )),
                )]),
                map(vec![("if", Node::str("$CI_PIPELINE_SOURCE == \"web\""))]),
            ]),
        ),
        ("script", Node::List(script)),
    ]);
    let doc = Node::Map(vec![(lock_name(config), job)]);
    let mut text = workflow_header(
        config,
        "GitLab CI",
        "include it from .gitlab-ci.yml;\n# AWS credentials come from the project's CI/CD variables",
    );
    text.push_str(&to_yaml(&doc));
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::pipeline::FormworkSource;

    fn record(id: &str, target: Target, files: &[&str], depends_on: &[&str]) -> Record {
        let stack = id.rsplit('/').next().unwrap_or(id).to_string();
        Record {
            id: id.to_string(),
            kind: if id.starts_with("environments/") {
                "environment"
            } else {
                "service-instance"
            },
            stack,
            template: "t@1.0".into(),
            spec: "spec.yaml".into(),
            target,
            files: files
                .iter()
                .map(|f| (format!("{id}/{f}"), format!("{:064}", f.len())))
                .collect(),
            depends_on: depends_on.iter().map(|d| d.to_string()).collect(),
        }
    }

    /// A CloudFormation and a Terraform environment, each with a service instance,
    /// and a Terraform service that reads no environment output.
    fn records() -> Vec<Record> {
        use Target::{CloudFormation, Terraform};
        vec![
            record("environments/dev", CloudFormation, &["template.json"], &[]),
            record("environments/tf-dev", Terraform, &["main.tf.json"], &[]),
            record(
                "services/api/api-dev",
                CloudFormation,
                &["template.json"],
                &["environments/dev"],
            ),
            record(
                "services/jobs/jobs-dev",
                Terraform,
                &["main.tf.json", "variables.tf.json"],
                &["environments/tf-dev"],
            ),
            record(
                "services/jobs/jobs-solo",
                Terraform,
                &["main.tf.json"],
                &["environments/tf-dev"],
            ),
        ]
    }

    fn config(region: Option<&str>) -> Config {
        Config {
            name: "demo".into(),
            region: region.map(str::to_string),
            formwork: Some(FormworkSource::Download {
                url: "https://downloads.example.com/formwork-x86_64-linux.tar.gz".into(),
                sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
            }),
            ..Config::default()
        }
    }

    #[test]
    fn without_a_formwork_setting_the_jobs_require_formwork_and_install_nothing() {
        let bare = Config {
            formwork: None,
            ..config(None)
        };
        for text in [
            super::github_workflow(&records(), &bare, "."),
            super::gitlab_ci(&records(), &bare, "."),
        ] {
            assert!(text.contains("formwork is not on PATH"), "{text}");
            assert!(!text.contains("cargo install"), "{text}");
            assert!(!text.contains("curl"), "{text}");
        }
    }

    #[test]
    fn deploy_script() {
        insta::assert_snapshot!(super::deploy_script(&records(), &config(Some("eu-west-1"))));
    }

    #[test]
    fn github_workflow() {
        insta::assert_snapshot!(super::github_workflow(
            &records(),
            &config(Some("eu-west-1")),
            "platform/demo"
        ));
    }

    #[test]
    fn gitlab_ci() {
        insta::assert_snapshot!(super::gitlab_ci(
            &records(),
            &config(Some("eu-west-1")),
            "platform/demo"
        ));
    }

    #[test]
    fn without_terraform_or_region_the_workflows_set_up_neither() {
        let cfn: Vec<Record> = records()
            .into_iter()
            .filter(|r| r.target == Target::CloudFormation)
            .collect();
        let gh = super::github_workflow(&cfn, &config(None), ".");
        assert!(!gh.contains("setup-terraform"), "{gh}");
        assert!(!gh.contains("FORMWORK_TF_STATE_BUCKET"), "{gh}");
        assert!(
            gh.contains("aws-region: \"${{ vars.AWS_REGION }}\""),
            "{gh}"
        );
        assert!(gh.contains("working-directory: \".\""), "{gh}");
        let gl = super::gitlab_ci(&cfn, &config(None), ".");
        assert!(!gl.contains("terraform"), "{gl}");
        assert!(!gl.contains("cd "), "{gl}");
        assert!(!gl.contains("AWS_REGION"), "{gl}");
        let sh = super::deploy_script(&cfn, &config(None));
        assert!(!sh.contains("AWS_REGION="), "{sh}");
    }

    #[test]
    fn a_terraform_service_in_a_cloudformation_environment_fails_when_deployed() {
        let mut rs = records();
        rs.push(record(
            "services/jobs/jobs-cfn",
            Target::Terraform,
            &["main.tf.json", "variables.tf.json"],
            &["environments/dev"],
        ));
        let sh = super::deploy_script(&rs, &config(None));
        assert!(
            sh.contains("unsupported 'services/jobs/jobs-cfn' terraform 'a Terraform service"),
            "{sh}"
        );
    }

    #[test]
    fn names_are_quoted_for_the_shell_and_the_lock() {
        assert_eq!(sh_quote("it's"), "'it'\\''s'");
        let odd = Config {
            name: "a b'c\n".into(),
            ..Config::default()
        };
        assert_eq!(lock_name(&odd), "formwork-provision-a-b-c-");
        let sh = super::deploy_script(&records(), &odd);
        assert!(sh.contains("workspace='a b'\\''c\n'"), "{sh}");
        assert!(sh.contains("workspace `a b'c ` in"), "{sh}");
    }

    #[test]
    fn the_files_are_the_script_and_both_workflows() {
        let files = provisioning_files(&records(), &config(None), ".");
        let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths, [DEPLOY_SCRIPT, GITHUB_WORKFLOW, GITLAB_CI]);
    }
}
