//! The AWS CodePipeline backend: a service's [`Pipeline`] as one CloudFormation
//! template (JSON) that creates the pipeline and everything it runs on.
//!
//! The mapping:
//!
//! - **Source**: the first stage, `Source`, is a `CodeStarSourceConnection` action (a
//!   CodeConnections connection to GitHub, GitLab or Bitbucket) on the branch
//!   `p.branch`; a push to it starts the pipeline. The connection's ARN and the
//!   repository (`owner/name`) are the stack parameters `ConnectionArn` and
//!   `FullRepositoryId`: a connection is created and authorised once, by hand, in the
//!   console, so the template refers to it rather than creating it. The source is a
//!   plain archive (`CODE_ZIP`), so CodeBuild needs no access to the connection.
//! - **Run stage** (`stage "build" { … }`): a pipeline stage named by the stage id
//!   with one CodeBuild action, and a CodeBuild project whose inline buildspec
//!   (version 0.2) changes to the workspace folder and runs the commands in
//!   `phases.build`, in order, stopping at the first that fails. `image` is the
//!   project's image (default `aws/codebuild/standard:7.0`); commands run in `bash` on
//!   CodeBuild's images and in CodeBuild's default `/bin/sh` on any other (Alpine
//!   images have no bash). A private ECR image needs a repository policy that lets
//!   CodeBuild pull it.
//! - **Environment variables**: the pipeline's, then the stage's (a later one of the
//!   same name wins). Plain values go to the buildspec's `env.variables`; a secret
//!   from Secrets Manager to `env.secrets-manager` (`NAME: secret-id[:json-key]`), one
//!   from SSM Parameter Store to `env.parameter-store` (`NAME: /name`). CodeBuild
//!   reads them when the build starts; the template holds only their names, and the
//!   project's role may read exactly those secrets and parameters. A secret named by
//!   its ARN is granted as written (give the full ARN); a name is granted with
//!   Secrets Manager's six-character suffix (`name-??????`).
//! - **Artifacts**: a run stage with `artifact` paths declares an output artifact
//!   (`<Stage>Output`) holding them, relative to the workspace. Every later CodeBuild
//!   action takes the source as its primary input and the latest output as its
//!   secondary input, and copies that into its workspace first
//!   (`cp -R "$CODEBUILD_SRC_DIR_<Stage>Output"/. .`), so the files are where the
//!   earlier stage left them. A run stage's output also carries the files it received,
//!   so one secondary input always holds every earlier artifact (CodeBuild actions
//!   take at most five inputs). Each path is packaged as `path` and `path/**/*`, so a
//!   file and a folder both work.
//! - **Approval** (`approve "…"`): a stage with a `Manual` approval action whose
//!   `CustomData` is the message (CodePipeline keeps 500 characters).
//! - **Deploy** (`deploy instances { waves = […] }`): one pipeline stage per wave
//!   (`<stage>-<wave>`), in order, each with one CodeBuild action on the standard
//!   image. Its buildspec installs the tools (the `install` phase), then in the
//!   workspace folder runs [`crate::ir::pipeline::BUILD_COMMAND`] (with `--input-file` for each input an
//!   artifact fills, [`build_command`]) and
//!   [`deploy_command`]`(out_dir, [the wave's artifact ids])`. formwork comes from the
//!   workspace's pinned `formwork:` source ([`install_command`]): a download is
//!   checked against its sha256 before it is unpacked, and needs no Rust; a git commit
//!   (or a path holding a cargo project) is built with `cargo install --locked`, and
//!   since the standard image has no Rust toolchain, a pinned `rustup-init`
//!   ([`RUSTUP_VERSION`], checked against its sha256 before it runs; never
//!   `curl | sh`) installs Rust [`RUST_TOOLCHAIN`] first. A pinned install goes to
//!   `/opt/formwork/git-<rev>` or `/opt/formwork/sha256-<digest>`, which the project
//!   caches in the artifact bucket, so only the first build after a new pin installs
//!   it; a path is installed afresh each build (its bytes change with the commit). A wave with a Terraform instance also
//!   installs Terraform [`TERRAFORM_VERSION`] from releases.hashicorp.com, checked
//!   against its sha256. A wave without instances is left out (the deploy script
//!   would otherwise deploy everything).
//! - **Roles**: one for the pipeline (the artifact bucket and key, the connection,
//!   starting and watching this pipeline's builds) and one per CodeBuild project (its
//!   log stream's group, the artifact bucket and key, its secrets). A deploy project's
//!   role may also create, update and describe the CloudFormation stacks of its wave's
//!   instances (the stack name is the instance name), by change sets, and carries the
//!   managed policies of the `DeployPolicyArns` parameter: stacks are deployed with
//!   the caller's credentials and Terraform calls AWS itself, so what the service's
//!   resources need (and Terraform's state backend) is the platform team's to grant;
//!   this template cannot know it.
//! - **Deployed outputs** a later run stage reads (`${FORMWORK_OUTPUT_…}`): the deploy
//!   project reads them back after deploying (`deploy.sh --outputs`) and lists them
//!   in `env: exported-variables`; its action gets a `Namespace` (the project's
//!   logical ID prefix), and the reading action's `EnvironmentVariables` set each to
//!   `#{NAMESPACE.VARIABLE}`, which CodePipeline resolves when that action runs.
//! - **Storage**: the artifact bucket is versioned, blocks public access, accepts
//!   only TLS, and is encrypted with a customer managed KMS key (rotated yearly) that
//!   also encrypts the artifacts, the builds and their log group (kept a year). The
//!   bucket is retained when the stack is deleted.
//! - **Names**: CloudFormation names every resource; logical IDs are the stage ids in
//!   PascalCase (`build-image` is `BuildImageProject`, `BuildImageRole`), numbered
//!   when two would collide. Outputs: `PipelineName`, `ArtifactBucketName`.

use crate::codegen::doc::{self, Node};
use crate::ir::SecretSource;
use crate::ir::pipeline::{
    EnvValue, EnvVar, FormworkSource, OutputSink, Pipeline, RunStage, Stage, StageKind,
    TF_STATE_BUCKET, Wave, build_command, deploy_command, install_command, output_commands,
};
use crate::types::targets::Target;

/// The image of a run stage without `image`, and of every deploy project.
pub const DEFAULT_IMAGE: &str = "aws/codebuild/standard:7.0";
/// The Terraform a deploy project installs when its wave has a Terraform instance.
pub const TERRAFORM_VERSION: &str = "1.5.7";
/// The sha256 of `terraform_1.5.7_linux_amd64.zip` (HashiCorp's `SHA256SUMS`).
const TERRAFORM_SHA256: &str = "c0ed7bc32ee52ae255af9982c8c88a7a4c610485cf1d55feeb037eab75fa082c";
/// Where deploy projects install their tools; cached in the artifact bucket.
const TOOLS_DIR: &str = "/opt/formwork";
/// The source action's output artifact: every CodeBuild action's primary input.
const SOURCE_ARTIFACT: &str = "Source";
/// CodePipeline's limits on stage and action names, and on an approval's message.
const MAX_NAME: usize = 100;
const MAX_CUSTOM_DATA: usize = 500;

const KEY: &str = "ArtifactKey";
const BUCKET: &str = "ArtifactBucket";
const BUCKET_POLICY: &str = "ArtifactBucketPolicy";
const LOGS: &str = "BuildLogs";
const PIPELINE_ROLE: &str = "PipelineRole";
const PIPELINE: &str = "Pipeline";
const CONNECTION_PARAM: &str = "ConnectionArn";
const REPOSITORY_PARAM: &str = "FullRepositoryId";
const DEPLOY_POLICIES_PARAM: &str = "DeployPolicyArns";
/// The parameter naming the Terraform state bucket, when a wave deploys Terraform.
const TF_STATE_PARAM: &str = "TerraformStateBucket";

/// An ordered document written like `serde_json::json!`: `{"Key": value, …}` and
/// `[value, …]`, a value being a literal, a nested `{…}` or `[…]`, a variable, or any
/// expression in parentheses, that is a [`Node`], a string, a `bool` or an integer.
macro_rules! node {
    ({ $($key:literal : $value:tt),* $(,)? }) => {
        Node::Map(vec![$(($key.to_string(), node!($value))),*])
    };
    ([ $($item:tt),* $(,)? ]) => {
        Node::List(vec![$(node!($item)),*])
    };
    ($value:expr) => {
        IntoNode::into_node($value)
    };
}

/// What [`node!`] accepts as a value.
trait IntoNode {
    fn into_node(self) -> Node;
}

impl IntoNode for Node {
    fn into_node(self) -> Node {
        self
    }
}

impl IntoNode for &str {
    fn into_node(self) -> Node {
        Node::str(self)
    }
}

impl IntoNode for String {
    fn into_node(self) -> Node {
        Node::String(self)
    }
}

impl IntoNode for bool {
    fn into_node(self) -> Node {
        Node::Bool(self)
    }
}

impl IntoNode for i32 {
    fn into_node(self) -> Node {
        Node::Int(i64::from(self))
    }
}

/// The CloudFormation template (JSON) that creates `p`'s pipeline.
pub fn stack(p: &Pipeline) -> String {
    doc::to_json(&template(p))
}

/// The template as a document: parameters, resources in dependency order, outputs.
fn template(p: &Pipeline) -> Node {
    let plan = plan(p);
    let mut resources = storage();
    for job in &plan.jobs {
        resources.push((job.role_id(), job_role(p, job)));
        resources.push((job.project_id(), project(job)));
    }
    resources.push((PIPELINE_ROLE.into(), pipeline_role(&plan)));
    resources.push((PIPELINE.into(), pipeline(p, &plan)));
    let description = format!(
        "formwork: the CodePipeline of service {} ({})",
        p.service, p.template
    );
    node!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": (truncate(&description, 1024)),
        "Parameters": (parameters(&plan)),
        "Resources": (Node::Map(resources)),
        "Outputs": {
            "PipelineName": {
                "Description": "The pipeline's name",
                "Value": (r#ref(PIPELINE))
            },
            "ArtifactBucketName": {
                "Description": "The bucket holding the pipeline's artifacts",
                "Value": (r#ref(BUCKET))
            }
        }
    })
}

// ----- The plan: which projects and pipeline stages, under which names -----

/// Every CodeBuild project and pipeline stage, named, before any is written.
struct Plan<'a> {
    jobs: Vec<Job<'a>>,
    stages: Vec<StagePlan>,
}

/// One CodeBuild project: a run stage or a deploy wave.
struct Job<'a> {
    /// The logical ID prefix: `Build` gives `BuildProject` and `BuildRole`.
    id: String,
    /// The project's log stream and cache prefix: the stage id, and the wave's name.
    stream: String,
    /// What it runs, for descriptions: `stage build of service web`.
    what: String,
    image: String,
    buildspec: Node,
    /// The secrets its buildspec reads.
    secrets: Vec<&'a SecretSource>,
    /// The CloudFormation stacks it deploys (instance names); deploy jobs only.
    stacks: Vec<&'a str>,
    deploys: bool,
    /// Whether it deploys Terraform instances: it then gets the state bucket.
    terraform: bool,
    /// The outputs it reads back for later stages: (instance, variable); deploy
    /// jobs only. Its action's namespace holds them.
    exports: Vec<(&'a str, &'a str)>,
}

impl Job<'_> {
    fn project_id(&self) -> String {
        format!("{}Project", self.id)
    }

    fn role_id(&self) -> String {
        format!("{}Role", self.id)
    }
}

/// One pipeline stage after the source, with its one action.
struct StagePlan {
    name: String,
    action: String,
    kind: ActionPlan,
}

enum ActionPlan {
    /// A CodeBuild action running `jobs[job]`.
    Build {
        job: usize,
        input: Option<String>,
        output: Option<String>,
        /// The action's variable namespace: a deploy's that exports outputs.
        namespace: Option<String>,
        /// Deployed outputs the build reads: each variable, and the namespace of
        /// the deploy action that exports it.
        reads: Vec<(String, String)>,
    },
    Approval {
        message: String,
    },
}

/// Names given out so far, compared case-insensitively so that no two differ only in
/// case.
struct Names(Vec<String>);

impl Names {
    fn new(reserved: &[&str]) -> Names {
        Names(reserved.iter().map(|r| r.to_ascii_lowercase()).collect())
    }

    /// `base`, or `base` + `sep` + a number from 2, such that `base` followed by each
    /// suffix is free; claims those names.
    fn claim(&mut self, base: &str, sep: &str, suffixes: &[&str]) -> String {
        let mut n = 1;
        loop {
            let candidate = if n == 1 {
                base.to_string()
            } else {
                format!("{base}{sep}{n}")
            };
            let full: Vec<String> = suffixes
                .iter()
                .map(|suffix| format!("{candidate}{suffix}").to_ascii_lowercase())
                .collect();
            if full.iter().all(|f| !self.0.contains(f)) {
                self.0.extend(full);
                return candidate;
            }
            n += 1;
        }
    }
}

/// Walks the stages in order, threading the latest output artifact and the artifact
/// paths it carries.
fn plan(p: &Pipeline) -> Plan<'_> {
    let mut planner = Planner {
        p,
        ids: Names::new(&[
            KEY,
            BUCKET,
            BUCKET_POLICY,
            LOGS,
            PIPELINE_ROLE,
            PIPELINE,
            CONNECTION_PARAM,
            REPOSITORY_PARAM,
            DEPLOY_POLICIES_PARAM,
        ]),
        stage_names: Names::new(&[SOURCE_ARTIFACT]),
        plan: Plan {
            jobs: Vec::new(),
            stages: Vec::new(),
        },
        latest: None,
        carried: Vec::new(),
    };
    for stage in &p.stages {
        match &stage.kind {
            StageKind::Run(run) => planner.run(stage, run),
            StageKind::Approval { message } => {
                let name = planner
                    .stage_names
                    .claim(&stage_name(&stage.id), "-", &[""]);
                planner.plan.stages.push(StagePlan {
                    action: "Approve".into(),
                    name,
                    kind: ActionPlan::Approval {
                        message: truncate(message, MAX_CUSTOM_DATA),
                    },
                });
            }
            StageKind::Deploy { waves } => {
                // A wave without instances is left out: the deploy script given no
                // artifact deploys them all.
                for wave in waves.iter().filter(|w| !w.instances.is_empty()) {
                    planner.wave(stage, wave);
                }
            }
        }
    }
    planner.plan
}

/// The state of [`plan`]'s walk.
struct Planner<'a> {
    p: &'a Pipeline,
    /// Logical IDs, and stage names.
    ids: Names,
    stage_names: Names,
    plan: Plan<'a>,
    /// The latest output artifact, and the paths it holds.
    latest: Option<String>,
    carried: Vec<String>,
}

impl<'a> Planner<'a> {
    /// A run stage: its project, and its output when it has artifacts (with every
    /// earlier one's files).
    fn run(&mut self, stage: &'a Stage, run: &'a RunStage) {
        let p = self.p;
        let id = self.ids.claim(&pascal(&stage.id), "", &["Project", "Role"]);
        for path in &run.artifacts {
            let path = normalize_path(path);
            if !self.carried.contains(&path) {
                self.carried.push(path);
            }
        }
        let output = (!run.artifacts.is_empty()).then(|| format!("{id}Output"));
        let packaged = if output.is_some() {
            &self.carried[..]
        } else {
            &[]
        };
        let env = merged_env(&p.env, &run.env);
        let job = Job {
            stream: stage.id.clone(),
            what: format!("stage {} of service {}", stage.name, p.service),
            image: run_image(run).to_string(),
            buildspec: run_buildspec(p, run, &env, self.latest.as_deref(), packaged),
            secrets: secrets(&env),
            stacks: Vec::new(),
            deploys: false,
            terraform: false,
            exports: Vec::new(),
            id,
        };
        let reads = run
            .reads
            .iter()
            .filter_map(|r| {
                let namespace = self
                    .plan
                    .stages
                    .iter()
                    .rev()
                    .find_map(|st| match &st.kind {
                        ActionPlan::Build {
                            job,
                            namespace: Some(ns),
                            ..
                        } => self.plan.jobs[*job]
                            .exports
                            .iter()
                            .any(|(i, v)| *i == r.instance && *v == r.var)
                            .then(|| ns.clone()),
                        _ => None,
                    })?;
                Some((r.var.clone(), namespace))
            })
            .collect();
        let name = self.stage_names.claim(&stage_name(&stage.id), "-", &[""]);
        self.push(name.clone(), name, job, output.clone(), reads);
        if output.is_some() {
            self.latest = output;
        }
    }

    /// A deploy wave: its project, with the pipeline's variables.
    fn wave(&mut self, stage: &Stage, wave: &'a Wave) {
        let p = self.p;
        let base = format!("{}-{}", stage.id, wave.name);
        let id = self.ids.claim(&pascal(&base), "", &["Project", "Role"]);
        let env = merged_env(&p.env, &[]);
        let job = Job {
            stream: base.clone(),
            what: format!(
                "stage {}, wave {}, of service {}",
                stage.name, wave.name, p.service
            ),
            image: DEFAULT_IMAGE.to_string(),
            buildspec: deploy_buildspec(p, wave, &env, self.latest.as_deref()),
            secrets: secrets(&env),
            stacks: wave
                .instances
                .iter()
                .filter(|i| i.target == Target::CloudFormation)
                .map(|i| i.name.as_str())
                .collect(),
            deploys: true,
            terraform: wave.instances.iter().any(|i| i.target == Target::Terraform),
            exports: wave
                .instances
                .iter()
                .flat_map(|i| i.exports.iter().map(|e| (i.name.as_str(), e.var.as_str())))
                .collect(),
            id,
        };
        let name = self.stage_names.claim(&stage_name(&base), "-", &[""]);
        self.push(name, stage_name(&wave.name), job, None, Vec::new());
    }

    /// A stage whose one action builds `job`, after the latest output.
    fn push(
        &mut self,
        name: String,
        action: String,
        job: Job<'a>,
        output: Option<String>,
        reads: Vec<(String, String)>,
    ) {
        // The project's logical ID prefix is unique, and a valid namespace.
        let namespace = (!job.exports.is_empty()).then(|| job.id.clone());
        self.plan.stages.push(StagePlan {
            name,
            action,
            kind: ActionPlan::Build {
                job: self.plan.jobs.len(),
                input: self.latest.clone(),
                output,
                namespace,
                reads,
            },
        });
        self.plan.jobs.push(job);
    }
}

/// `build-image` → `BuildImage`: the ASCII letters and digits of each hyphen-separated
/// part, capitalised; prefixed with `Stage` when it would be empty or start with a
/// digit. At most 64 characters, so names made from it stay within AWS's limits.
fn pascal(id: &str) -> String {
    let mut out = String::new();
    for part in id.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    if !out.starts_with(|c: char| c.is_ascii_alphabetic()) {
        out.insert_str(0, "Stage");
    }
    truncate(&out, 64)
}

/// A CodePipeline stage or action name (`[A-Za-z0-9.@_-]`, at most 100 characters,
/// with room for a number): other characters become `-`.
fn stage_name(s: &str) -> String {
    let name: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '@' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let name = truncate(&name, MAX_NAME - 4);
    if name.is_empty() {
        "stage".into()
    } else {
        name
    }
}

/// At most `max` characters of `s`.
fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// An artifact path as CodeBuild matches it: no leading `./`, no trailing `/`.
fn normalize_path(path: &str) -> String {
    let mut p = path.trim();
    while let Some(rest) = p.strip_prefix("./") {
        p = rest;
    }
    p.trim_end_matches('/').to_string()
}

/// The pipeline's variables, then the stage's: a later variable replaces an earlier
/// one of the same name, in the earlier one's place.
fn merged_env<'a>(pipeline: &'a [EnvVar], stage: &'a [EnvVar]) -> Vec<&'a EnvVar> {
    let mut out: Vec<&EnvVar> = Vec::new();
    for var in pipeline.iter().chain(stage) {
        match out.iter_mut().find(|v| v.name == var.name) {
            Some(slot) => *slot = var,
            None => out.push(var),
        }
    }
    out
}

/// The secrets among `env`, in order.
fn secrets<'a>(env: &[&'a EnvVar]) -> Vec<&'a SecretSource> {
    env.iter()
        .filter_map(|v| match &v.value {
            EnvValue::Secret { source, .. } => Some(source),
            EnvValue::Plain(_) => None,
        })
        .collect()
}

// ----- Buildspecs -----

/// The stage's image, or the default.
fn run_image(run: &RunStage) -> &str {
    run.image.as_deref().unwrap_or(DEFAULT_IMAGE)
}

/// Whether commands run in bash: on CodeBuild's own images, which have it. Other
/// images keep CodeBuild's default, `/bin/sh`, which every image has (Alpine's has no
/// bash).
fn has_bash(image: &str) -> bool {
    image.starts_with("aws/codebuild/")
}

/// A run stage's buildspec: its variables, its commands in the workspace, and its
/// output's files (`packaged`, relative to the workspace).
fn run_buildspec(
    p: &Pipeline,
    run: &RunStage,
    env: &[&EnvVar],
    input: Option<&str>,
    packaged: &[String],
) -> Node {
    let mut commands = enter_workspace(p, input);
    commands.extend(run.commands.iter().map(|c| s(c.as_str())));
    let mut spec = vec![("version".to_string(), Node::Number(0.2))];
    let env = buildspec_env(env, &[], has_bash(run_image(run)));
    if !env.is_empty_map() {
        spec.push(("env".into(), env));
    }
    spec.push((
        "phases".into(),
        node!({ "build": { "commands": (Node::List(commands)) } }),
    ));
    if !packaged.is_empty() {
        let files = packaged
            .iter()
            .flat_map(|path| match path.as_str() {
                "" | "." => vec![s("**/*")],
                _ => vec![s(path.as_str()), s(format!("{path}/**/*"))],
            })
            .collect();
        let mut artifacts = vec![("files".to_string(), Node::List(files))];
        let base = normalize_path(&p.workspace_dir);
        if !base.is_empty() && base != "." {
            artifacts.push(("base-directory".into(), s(base)));
        }
        spec.push(("artifacts".into(), Node::Map(artifacts)));
    }
    Node::Map(spec)
}

/// A deploy wave's buildspec: install the tools, then build and deploy the wave's
/// artifacts from the workspace.
fn deploy_buildspec(p: &Pipeline, wave: &Wave, env: &[&EnvVar], input: Option<&str>) -> Node {
    // A pinned source is cached under a name its pin decides, so a new pin is a new
    // install; a path is installed afresh by every build, outside the cache.
    let formwork_root = match p.formwork.cache_key() {
        Some(key) => format!("{TOOLS_DIR}/{key}"),
        None => "/tmp/formwork".to_string(),
    };
    let terraform_dir = format!("{TOOLS_DIR}/terraform-{TERRAFORM_VERSION}");
    let terraform = wave.instances.iter().any(|i| i.target == Target::Terraform);
    let mut path = format!("{formwork_root}/bin:");
    if terraform {
        path.push_str(&terraform_dir);
        path.push(':');
    }
    let mut install = vec![s(format!("export PATH=\"{path}$HOME/.cargo/bin:$PATH\""))];
    // A path is relative to the workspace.
    install.extend(enter_workspace(p, None));
    if p.formwork.may_need_cargo() {
        install.push(s(install_rust(&p.formwork)));
    }
    install.push(s(install_command(&p.formwork, &formwork_root, None)));
    if terraform {
        install.push(s(install_terraform(&terraform_dir)));
        install.push(s("terraform version"));
    }
    let artifacts: Vec<&str> = wave.instances.iter().map(|i| i.artifact.as_str()).collect();
    let mut build = enter_workspace(p, input);
    build.push(s(build_command(&wave.instances)));
    build.push(s(deploy_command(&p.out_dir, &artifacts)));
    // Outputs later stages read: exported, into the action's namespace.
    for i in &wave.instances {
        build.extend(
            output_commands(&p.out_dir, i, OutputSink::Export)
                .into_iter()
                .map(s),
        );
    }
    let mut env = buildspec_env(env, &[], true);
    let exported: Vec<Node> = wave
        .instances
        .iter()
        .flat_map(|i| i.exports.iter().map(|e| s(e.var.as_str())))
        .collect();
    if let (Node::Map(entries), false) = (&mut env, exported.is_empty()) {
        entries.push(("exported-variables".into(), Node::List(exported)));
    }
    let cache = format!("{TOOLS_DIR}/**/*");
    node!({
        "version": (Node::Number(0.2)),
        "env": (env),
        "phases": {
            "install": { "commands": (Node::List(install)) },
            "build": { "commands": (Node::List(build)) }
        },
        "cache": { "paths": [cache] }
    })
}

/// The rustup release whose `rustup-init` a deploy project runs when it must build
/// formwork and the image has no Rust (CodeBuild's standard images have none), its
/// sha256 for `x86_64-unknown-linux-gnu` (the `.sha256` beside it on
/// static.rust-lang.org), and the toolchain it installs: the crate's `rust-version`.
const RUSTUP_VERSION: &str = "1.27.1";
const RUSTUP_INIT_SHA256: &str = "6aeece6993e902708983b209d04c0d1dbb14ebb405ddb87def578d41f920f56d";
const RUST_TOOLCHAIN: &str = "1.89.0";

/// A minimal Rust toolchain, when formwork is to be built (a git commit, or a path
/// holding a cargo project) and neither formwork nor cargo is there: `rustup-init`
/// downloaded, checked against its sha256 and only then run, never a script piped
/// into a shell. rustup checks what it downloads against the release's manifest.
fn install_rust(source: &FormworkSource) -> String {
    let project = match source {
        FormworkSource::Path { path } => format!("[ ! -f {}/Cargo.toml ] || ", shell_quote(path)),
        _ => String::new(),
    };
    format!(
        "command -v formwork >/dev/null 2>&1 || command -v cargo >/dev/null 2>&1 || {project}\
         {{ curl --proto '=https' --tlsv1.2 -fsSL -o /tmp/rustup-init \
         https://static.rust-lang.org/rustup/archive/{RUSTUP_VERSION}/x86_64-unknown-linux-gnu/rustup-init \
         && echo \"{RUSTUP_INIT_SHA256}  /tmp/rustup-init\" | sha256sum -c - \
         && chmod +x /tmp/rustup-init \
         && /tmp/rustup-init -y --profile minimal --default-toolchain {RUST_TOOLCHAIN} --no-modify-path \
         && rm /tmp/rustup-init; }}"
    )
}

/// Downloads the pinned Terraform into `dir` unless it is there (from the cache),
/// refusing a download whose sha256 differs.
fn install_terraform(dir: &str) -> String {
    let zip = format!("terraform_{TERRAFORM_VERSION}_linux_amd64.zip");
    format!(
        "[ -x {dir}/terraform ] || {{ curl -fsSL -o /tmp/{zip} \
         https://releases.hashicorp.com/terraform/{TERRAFORM_VERSION}/{zip} \
         && echo \"{TERRAFORM_SHA256}  /tmp/{zip}\" | sha256sum -c - \
         && unzip -o -q /tmp/{zip} -d {dir} && rm /tmp/{zip}; }}"
    )
}

/// The first commands of a build: into the workspace folder, and the latest output
/// artifact copied there.
fn enter_workspace(p: &Pipeline, input: Option<&str>) -> Vec<Node> {
    let dir = normalize_path(&p.workspace_dir);
    let mut out = vec![if dir.is_empty() || dir == "." {
        s("cd \"$CODEBUILD_SRC_DIR\"")
    } else {
        s(format!("cd \"$CODEBUILD_SRC_DIR\"/{}", shell_quote(&dir)))
    }];
    if let Some(artifact) = input {
        out.push(s(format!("cp -R \"$CODEBUILD_SRC_DIR_{artifact}\"/. .")));
    }
    out
}

/// `s` as one shell word, single-quoted.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// The buildspec's `env`: bash when the image has it, plain variables (`fixed` last,
/// replacing any of the same name), and the secrets by their store's name, never
/// their value.
fn buildspec_env(env: &[&EnvVar], fixed: &[(&str, &str)], bash: bool) -> Node {
    let mut variables = Vec::new();
    let mut secrets_manager = Vec::new();
    let mut parameter_store = Vec::new();
    for var in env {
        if fixed.iter().any(|(name, _)| *name == var.name) {
            continue;
        }
        match &var.value {
            EnvValue::Plain(value) => variables.push((var.name.clone(), s(value.as_str()))),
            EnvValue::Secret { source, .. } => match source {
                SecretSource::SecretsManager { name, key } => {
                    let reference = match key {
                        Some(key) => format!("{name}:{key}"),
                        None => name.clone(),
                    };
                    secrets_manager.push((var.name.clone(), s(reference)));
                }
                SecretSource::SsmSecure { name } => {
                    parameter_store.push((var.name.clone(), s(name.as_str())));
                }
            },
        }
    }
    variables.extend(
        fixed
            .iter()
            .map(|(name, value)| (name.to_string(), s(*value))),
    );
    let mut out = Vec::new();
    if bash {
        out.push(("shell".to_string(), s("bash")));
    }
    for (key, entries) in [
        ("variables", variables),
        ("parameter-store", parameter_store),
        ("secrets-manager", secrets_manager),
    ] {
        if !entries.is_empty() {
            out.push((key.into(), Node::Map(entries)));
        }
    }
    Node::Map(out)
}

// ----- Resources -----

/// The stack's parameters: the connection and repository, and the deploy policies
/// when the pipeline deploys.
fn parameters(plan: &Plan) -> Node {
    let mut params = vec![
        (
            CONNECTION_PARAM.to_string(),
            node!({
                "Type": "String",
                "Description": "The ARN of an available CodeConnections (CodeStar) connection to the repository's host",
                "AllowedPattern": "^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:[0-9]{12}:connection/[A-Za-z0-9-]+$"
            }),
        ),
        (
            REPOSITORY_PARAM.to_string(),
            node!({
                "Type": "String",
                "Description": "The repository as owner/name (GitLab: group/subgroup/name)",
                "AllowedPattern": "^[^/\\s]+(/[^/\\s]+)+$"
            }),
        ),
    ];
    if plan.jobs.iter().any(|j| j.terraform) {
        params.push((
            TF_STATE_PARAM.to_string(),
            node!({
                "Type": "String",
                "Description": "The S3 bucket where deploy.sh keeps Terraform state and deployed hashes (the deploy policies must grant it)",
                "AllowedPattern": "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"
            }),
        ));
    }
    if plan.jobs.iter().any(|j| j.deploys) {
        params.push((
            DEPLOY_POLICIES_PARAM.to_string(),
            node!({
                "Type": "CommaDelimitedList",
                "Description": "ARNs of the managed policies that let the deploy builds create the service's resources (and reach Terraform's state)"
            }),
        ));
    }
    Node::Map(params)
}

/// The KMS key, the artifact bucket and its policy, and the builds' log group.
fn storage() -> Vec<(String, Node)> {
    let key_arn = || get_att(KEY, "Arn");
    let key = node!({
        "Type": "AWS::KMS::Key",
        "Properties": {
            "Description": "formwork: encrypts the pipeline's artifacts and build logs",
            "EnableKeyRotation": true,
            "KeyPolicy": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "AccountAdministersKey",
                        "Effect": "Allow",
                        "Principal": {
                            "AWS": (sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root"))
                        },
                        "Action": ["kms:*"],
                        "Resource": "*"
                    },
                    {
                        "Sid": "LogsEncryptBuildLogs",
                        "Effect": "Allow",
                        "Principal": { "Service": (sub("logs.${AWS::Region}.amazonaws.com")) },
                        "Action": [
                            "kms:Encrypt*",
                            "kms:Decrypt*",
                            "kms:ReEncrypt*",
                            "kms:GenerateDataKey*",
                            "kms:Describe*"
                        ],
                        "Resource": "*",
                        "Condition": {
                            "ArnLike": {
                                "kms:EncryptionContext:aws:logs:arn": (sub(
                                    "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*"
                                ))
                            }
                        }
                    }
                ]
            }
        }
    });
    // Retained: CloudFormation cannot delete a bucket that holds objects.
    let bucket = node!({
        "Type": "AWS::S3::Bucket",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    {
                        "ServerSideEncryptionByDefault": {
                            "SSEAlgorithm": "aws:kms",
                            "KMSMasterKeyID": (key_arn())
                        },
                        "BucketKeyEnabled": true
                    }
                ]
            },
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": true,
                "BlockPublicPolicy": true,
                "IgnorePublicAcls": true,
                "RestrictPublicBuckets": true
            },
            "VersioningConfiguration": { "Status": "Enabled" },
            "OwnershipControls": { "Rules": [{ "ObjectOwnership": "BucketOwnerEnforced" }] },
            "LifecycleConfiguration": {
                "Rules": [
                    {
                        "Id": "ExpireReplacedArtifacts",
                        "Status": "Enabled",
                        "NoncurrentVersionExpiration": { "NoncurrentDays": 30 },
                        "AbortIncompleteMultipartUpload": { "DaysAfterInitiation": 7 }
                    }
                ]
            }
        }
    });
    let bucket_policy = node!({
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": (r#ref(BUCKET)),
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "DenyInsecureTransport",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": ["s3:*"],
                        "Resource": [(get_att(BUCKET, "Arn")), (bucket_objects())],
                        "Condition": { "Bool": { "aws:SecureTransport": "false" } }
                    }
                ]
            }
        }
    });
    let logs = node!({
        "Type": "AWS::Logs::LogGroup",
        "Properties": { "RetentionInDays": 365, "KmsKeyId": (key_arn()) }
    });
    vec![
        (KEY.into(), key),
        (BUCKET.into(), bucket),
        (BUCKET_POLICY.into(), bucket_policy),
        (LOGS.into(), logs),
    ]
}

/// A CodeBuild project's role: its logs, the artifacts, its secrets, and for a deploy
/// project its stacks and the deploy policies.
fn job_role(p: &Pipeline, job: &Job) -> Node {
    let mut statements = vec![statement(
        "WriteBuildLogs",
        &["logs:CreateLogStream", "logs:PutLogEvents"],
        get_att(LOGS, "Arn"),
    )];
    statements.extend(artifact_statements(&[
        "s3:GetBucketAcl",
        "s3:GetBucketLocation",
    ]));
    let mut secret_arns = Vec::new();
    let mut parameter_arns = Vec::new();
    for source in &job.secrets {
        let (arns, arn) = match source {
            SecretSource::SecretsManager { name, .. } => (&mut secret_arns, secret_arn(name)),
            SecretSource::SsmSecure { name } => (&mut parameter_arns, parameter_arn(name)),
        };
        if !arns.contains(&arn) {
            arns.push(arn);
        }
    }
    if !secret_arns.is_empty() {
        statements.push(statement(
            "ReadSecrets",
            &["secretsmanager:GetSecretValue"],
            Node::List(secret_arns),
        ));
    }
    if !parameter_arns.is_empty() {
        statements.push(statement(
            "ReadParameters",
            &["ssm:GetParameters"],
            Node::List(parameter_arns),
        ));
    }
    if !job.stacks.is_empty() {
        statements.push(statement(
            "DeployStacks",
            &STACK_ACTIONS,
            Node::List(job.stacks.iter().map(|name| stack_arn(p, name)).collect()),
        ));
    }
    let description = format!("formwork: the role of {}", job.what);
    let mut properties = vec![
        (
            "AssumeRolePolicyDocument".to_string(),
            trust_policy("codebuild.amazonaws.com"),
        ),
        ("Description".into(), s(truncate(&description, 1000))),
        (
            "Policies".into(),
            node!([{ "PolicyName": "build", "PolicyDocument": (policy_document(statements)) }]),
        ),
    ];
    if job.deploys {
        properties.push(("ManagedPolicyArns".into(), r#ref(DEPLOY_POLICIES_PARAM)));
    }
    node!({ "Type": "AWS::IAM::Role", "Properties": (Node::Map(properties)) })
}

/// What a deploy project may do to its wave's stacks: deploy them by change sets
/// (`aws cloudformation deploy`), read their state, events and template, and delete
/// one: `deploy.sh` deletes a stack a failed first deploy left in `ROLLBACK_COMPLETE`
/// (empty, and impossible to update). That adds no power: a role that may execute
/// change sets on a stack may already empty it.
const STACK_ACTIONS: [&str; 11] = [
    "cloudformation:CreateChangeSet",
    "cloudformation:DeleteChangeSet",
    "cloudformation:DeleteStack",
    "cloudformation:DescribeChangeSet",
    "cloudformation:DescribeStackEvents",
    "cloudformation:DescribeStacks",
    "cloudformation:ExecuteChangeSet",
    "cloudformation:GetTemplate",
    "cloudformation:GetTemplateSummary",
    "cloudformation:ListChangeSets",
    "cloudformation:TagResource",
];

/// The ARN of an instance's stack (the stack's name is the instance's), in the
/// workspace's region when it names one.
fn stack_arn(p: &Pipeline, name: &str) -> Node {
    let region = match &p.region {
        Some(region) => sub_literal(region),
        None => "${AWS::Region}".to_string(),
    };
    sub(format!(
        "arn:${{AWS::Partition}}:cloudformation:{region}:${{AWS::AccountId}}:stack/{}/*",
        sub_literal(name)
    ))
}

/// Reading and writing the artifact bucket's objects, `bucket_actions` on the bucket
/// itself, and using the artifact key.
fn artifact_statements(bucket_actions: &[&str]) -> Vec<Node> {
    vec![
        statement(
            "ReadWriteArtifacts",
            &["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
            bucket_objects(),
        ),
        statement(
            "LocateArtifactBucket",
            bucket_actions,
            get_att(BUCKET, "Arn"),
        ),
        statement(
            "UseArtifactKey",
            &[
                "kms:Decrypt",
                "kms:DescribeKey",
                "kms:Encrypt",
                "kms:GenerateDataKey*",
            ],
            get_att(KEY, "Arn"),
        ),
    ]
}

/// Every object of the artifact bucket.
fn bucket_objects() -> Node {
    sub(format!("${{{BUCKET}.Arn}}/*"))
}

/// The ARN granting a Secrets Manager secret: as written when it is an ARN, else the
/// name with the six characters Secrets Manager appends.
fn secret_arn(name: &str) -> Node {
    if name.starts_with("arn:") {
        s(name)
    } else {
        sub(format!(
            "arn:${{AWS::Partition}}:secretsmanager:${{AWS::Region}}:${{AWS::AccountId}}:secret:{}-??????",
            sub_literal(name)
        ))
    }
}

/// The ARN of an SSM parameter: as written when it is an ARN; a name's leading `/`
/// is part of `parameter/`.
fn parameter_arn(name: &str) -> Node {
    if name.starts_with("arn:") {
        s(name)
    } else {
        sub(format!(
            "arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter/{}",
            sub_literal(name.trim_start_matches('/'))
        ))
    }
}

/// `s` as literal text inside `Fn::Sub`: `${` is written `${!`.
fn sub_literal(s: &str) -> String {
    s.replace("${", "${!")
}

/// A project's build environment; a Terraform deploy gets the state bucket as
/// `FORMWORK_TF_STATE_BUCKET`, which deploy.sh reads.
fn environment(job: &Job) -> Node {
    let mut env = vec![
        ("Type".to_string(), s("LINUX_CONTAINER")),
        ("ComputeType".into(), s("BUILD_GENERAL1_SMALL")),
        ("Image".into(), s(job.image.as_str())),
        ("PrivilegedMode".into(), Node::Bool(false)),
    ];
    if job.terraform {
        env.push((
            "EnvironmentVariables".into(),
            Node::List(vec![node!({
                "Name": TF_STATE_BUCKET,
                "Type": "PLAINTEXT",
                "Value": (r#ref(TF_STATE_PARAM))
            })]),
        ));
    }
    Node::Map(env)
}

/// A CodeBuild project fed by CodePipeline, with its inline buildspec; a deploy
/// project caches its tools in the artifact bucket.
fn project(job: &Job) -> Node {
    let mut properties = vec![
        (
            "Description".to_string(),
            s(truncate(&format!("formwork: {}", job.what), 255)),
        ),
        ("ServiceRole".into(), get_att(&job.role_id(), "Arn")),
        ("EncryptionKey".into(), get_att(KEY, "Arn")),
        (
            "Source".into(),
            node!({ "Type": "CODEPIPELINE", "BuildSpec": (doc::to_yaml(&job.buildspec)) }),
        ),
        ("Artifacts".into(), node!({ "Type": "CODEPIPELINE" })),
        ("Environment".into(), environment(job)),
        (
            "LogsConfig".into(),
            node!({
                "CloudWatchLogs": {
                    "Status": "ENABLED",
                    "GroupName": (r#ref(LOGS)),
                    "StreamName": (job.stream.as_str())
                }
            }),
        ),
    ];
    if job.deploys {
        let location = format!("${{{BUCKET}}}/cache/{}", sub_literal(&job.stream));
        properties.push((
            "Cache".into(),
            node!({ "Type": "S3", "Location": (sub(location)) }),
        ));
    }
    node!({ "Type": "AWS::CodeBuild::Project", "Properties": (Node::Map(properties)) })
}

/// The pipeline's role: the artifacts, the connection, and this pipeline's builds.
fn pipeline_role(plan: &Plan) -> Node {
    let mut statements = artifact_statements(&[
        "s3:GetBucketAcl",
        "s3:GetBucketLocation",
        "s3:GetBucketVersioning",
    ]);
    statements.push(statement(
        "UseConnection",
        &[
            "codeconnections:UseConnection",
            "codestar-connections:UseConnection",
        ],
        r#ref(CONNECTION_PARAM),
    ));
    if !plan.jobs.is_empty() {
        let projects = plan.jobs.iter().map(|j| get_att(&j.project_id(), "Arn"));
        statements.push(statement(
            "RunBuilds",
            &["codebuild:BatchGetBuilds", "codebuild:StartBuild"],
            Node::List(projects.collect()),
        ));
    }
    node!({
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": (trust_policy("codepipeline.amazonaws.com")),
            "Description": "formwork: the role of the service's pipeline",
            "Policies": [{ "PolicyName": "pipeline", "PolicyDocument": (policy_document(statements)) }]
        }
    })
}

/// The pipeline: the source stage, then one stage per planned stage.
fn pipeline(p: &Pipeline, plan: &Plan) -> Node {
    let source = node!({
        "Name": SOURCE_ARTIFACT,
        "Actions": [
            {
                "Name": SOURCE_ARTIFACT,
                "ActionTypeId": (action_type("Source", "CodeStarSourceConnection")),
                "Configuration": {
                    "ConnectionArn": (r#ref(CONNECTION_PARAM)),
                    "FullRepositoryId": (r#ref(REPOSITORY_PARAM)),
                    "BranchName": (p.branch.as_str()),
                    "OutputArtifactFormat": "CODE_ZIP",
                    "DetectChanges": "true"
                },
                "OutputArtifacts": (artifact_list(&[SOURCE_ARTIFACT])),
                "RunOrder": 1
            }
        ]
    });
    let mut stages = vec![source];
    for stage in &plan.stages {
        stages.push(node!({
            "Name": (stage.name.as_str()),
            "Actions": [(action(plan, stage))]
        }));
    }
    node!({
        "Type": "AWS::CodePipeline::Pipeline",
        "Properties": {
            "PipelineType": "V2",
            "RoleArn": (get_att(PIPELINE_ROLE, "Arn")),
            "ArtifactStore": {
                "Type": "S3",
                "Location": (r#ref(BUCKET)),
                "EncryptionKey": { "Id": (get_att(KEY, "Arn")), "Type": "KMS" }
            },
            "Stages": (Node::List(stages))
        }
    })
}

/// A stage's one action: a CodeBuild build, with the source as its primary input, or
/// a manual approval.
fn action(plan: &Plan, stage: &StagePlan) -> Node {
    match &stage.kind {
        ActionPlan::Build {
            job,
            input,
            output,
            namespace,
            reads,
        } => {
            let project = plan.jobs.get(*job).map(Job::project_id).unwrap_or_default();
            let mut configuration = vec![("ProjectName".to_string(), r#ref(&project))];
            let mut inputs = vec![SOURCE_ARTIFACT];
            if let Some(input) = input {
                configuration.push(("PrimarySource".into(), s(SOURCE_ARTIFACT)));
                inputs.push(input);
            }
            if !reads.is_empty() {
                // CodePipeline resolves `#{NAMESPACE.VARIABLE}` when the action runs.
                let vars: Vec<serde_json::Value> = reads
                    .iter()
                    .map(|(var, ns)| {
                        serde_json::json!({
                            "name": var,
                            "type": "PLAINTEXT",
                            "value": format!("#{{{ns}.{var}}}"),
                        })
                    })
                    .collect();
                let text = serde_json::Value::Array(vars).to_string();
                configuration.push(("EnvironmentVariables".into(), s(text)));
            }
            let mut action = vec![
                ("Name".to_string(), s(stage.action.as_str())),
                ("ActionTypeId".into(), action_type("Build", "CodeBuild")),
                ("Configuration".into(), Node::Map(configuration)),
                ("InputArtifacts".into(), artifact_list(&inputs)),
            ];
            if let Some(ns) = namespace {
                action.push(("Namespace".into(), s(ns.as_str())));
            }
            if let Some(output) = output {
                action.push(("OutputArtifacts".into(), artifact_list(&[output])));
            }
            action.push(("RunOrder".into(), Node::Int(1)));
            Node::Map(action)
        }
        ActionPlan::Approval { message } => node!({
            "Name": (stage.action.as_str()),
            "ActionTypeId": (action_type("Approval", "Manual")),
            "Configuration": { "CustomData": (message.as_str()) },
            "RunOrder": 1
        }),
    }
}

// ----- Document helpers -----

fn s(text: impl Into<String>) -> Node {
    Node::str(text)
}

fn r#ref(id: &str) -> Node {
    Node::single("Ref", s(id))
}

fn get_att(id: &str, attribute: &str) -> Node {
    node!({ "Fn::GetAtt": [id, attribute] })
}

fn sub(text: impl Into<String>) -> Node {
    Node::single("Fn::Sub", s(text))
}

fn action_type(category: &str, provider: &str) -> Node {
    node!({ "Category": category, "Owner": "AWS", "Provider": provider, "Version": "1" })
}

fn artifact_list(names: &[&str]) -> Node {
    Node::List(names.iter().map(|n| node!({ "Name": (*n) })).collect())
}

fn policy_document(statements: Vec<Node>) -> Node {
    node!({ "Version": "2012-10-17", "Statement": (Node::List(statements)) })
}

/// An `Allow` of `actions` on `resource`.
fn statement(sid: &str, actions: &[&str], resource: Node) -> Node {
    let actions = Node::List(actions.iter().map(|a| s(*a)).collect());
    node!({ "Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resource })
}

/// A role only `service` may assume, and only for this account's resources. (A trust
/// policy names no resource: the role is the resource.)
fn trust_policy(service: &str) -> Node {
    policy_document(vec![node!({
        "Sid": "AssumedByService",
        "Effect": "Allow",
        "Principal": { "Service": service },
        "Action": ["sts:AssumeRole"],
        "Condition": { "StringEquals": { "aws:SourceAccount": (r#ref("AWS::AccountId")) } }
    })])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::pipeline::{BUILD_COMMAND, DeployInstance, Provider, Stage};
    use saphyr::{LoadableYamlNode, Scalar, Yaml};
    use serde_json::Value;

    fn plain(name: &str, value: &str) -> EnvVar {
        EnvVar {
            name: name.into(),
            value: EnvValue::Plain(value.into()),
        }
    }

    fn secret(name: &str, source: SecretSource) -> EnvVar {
        EnvVar {
            name: name.into(),
            value: EnvValue::Secret {
                input: name.to_ascii_lowercase(),
                store_name: name.into(),
                source,
            },
        }
    }

    fn instance(name: &str, environment: &str, target: Target) -> DeployInstance {
        DeployInstance {
            name: name.into(),
            environment: environment.into(),
            target,
            artifact: format!("services/web/{name}"),
            overrides: Vec::new(),
            exports: Vec::new(),
        }
    }

    fn stage(name: &str, kind: StageKind) -> Stage {
        Stage {
            name: name.into(),
            id: crate::types::pipeline::stage_id(name),
            kind,
        }
    }

    /// Every kind of stage: two run stages (an image, plain variables, a secret from
    /// each store, artifacts), an approval, and a deployment in two waves, one with a
    /// Terraform instance.
    fn sample() -> Pipeline {
        Pipeline {
            service: "web".into(),
            template: "web@2.1".into(),
            provider: Provider::CodePipeline,
            branch: "main".into(),
            workspace_dir: "platform".into(),
            out_dir: "out".into(),
            region: Some("eu-west-1".into()),
            formwork: crate::ir::pipeline::FormworkSource::Git {
                url: "https://github.com/acme/formwork".into(),
                rev: "4f2c1d0e9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e".into(),
            },
            env: vec![
                plain("LOG_LEVEL", "info"),
                secret(
                    "REGISTRY_TOKEN",
                    SecretSource::SecretsManager {
                        name: "ci/registry".into(),
                        key: Some("token".into()),
                    },
                ),
            ],
            stages: vec![
                stage(
                    "build",
                    StageKind::Run(RunStage {
                        image: Some("public.ecr.aws/docker/library/rust:1.85".into()),
                        env: vec![
                            plain("CARGO_TERM_COLOR", "always"),
                            plain("LOG_LEVEL", "debug"),
                            secret(
                                "NPM_TOKEN",
                                SecretSource::SsmSecure {
                                    name: "/ci/npm-token".into(),
                                },
                            ),
                        ],
                        commands: vec![
                            "cargo build --release".into(),
                            "echo \"built: $CODEBUILD_RESOLVED_SOURCE_VERSION\"".into(),
                        ],
                        artifacts: vec!["target/release/app".into(), "./dist/".into()],
                        reads: Vec::new(),
                    }),
                ),
                stage(
                    "Unit tests",
                    StageKind::Run(RunStage {
                        image: None,
                        env: vec![],
                        commands: vec!["cargo test".into()],
                        artifacts: vec!["reports/junit.xml".into()],
                        reads: Vec::new(),
                    }),
                ),
                stage(
                    "release to production",
                    StageKind::Approval {
                        message: "Release web to production?".into(),
                    },
                ),
                stage(
                    "deploy",
                    StageKind::Deploy {
                        waves: vec![
                            Wave {
                                name: "dev".into(),
                                instances: vec![instance("web-dev", "dev", Target::CloudFormation)],
                            },
                            Wave {
                                name: "prod".into(),
                                instances: vec![
                                    instance("web-prod", "prod", Target::CloudFormation),
                                    instance("web-prod-edge", "prod", Target::Terraform),
                                ],
                            },
                        ],
                    },
                ),
            ],
        }
    }

    fn parse(p: &Pipeline) -> Value {
        let text = stack(p);
        match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => panic!("not JSON ({e}):\n{text}"),
        }
    }

    fn resources(t: &Value) -> &serde_json::Map<String, Value> {
        t["Resources"].as_object().expect("Resources is an object")
    }

    /// Every buildspec in the template, by project logical ID, loaded with saphyr.
    fn buildspecs(t: &Value) -> Vec<(String, Yaml<'static>)> {
        resources(t)
            .iter()
            .filter(|(_, r)| r["Type"] == "AWS::CodeBuild::Project")
            .map(|(id, r)| {
                let text = r["Properties"]["Source"]["BuildSpec"]
                    .as_str()
                    .expect("an inline buildspec");
                let docs = Yaml::load_from_str(text)
                    .unwrap_or_else(|e| panic!("{id}'s buildspec is not YAML ({e}):\n{text}"));
                assert_eq!(docs.len(), 1, "{id}: one document");
                let doc = docs.into_iter().next().expect("one document");
                (id.clone(), doc)
            })
            .collect()
    }

    fn yaml_get<'y>(y: &'y Yaml<'static>, key: &str) -> Option<&'y Yaml<'static>> {
        y.as_mapping_get(key)
    }

    fn yaml_keys(y: Option<&Yaml<'static>>) -> Vec<String> {
        match y {
            Some(Yaml::Mapping(m)) => m
                .keys()
                .filter_map(|k| k.as_str().map(String::from))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The names `Ref`, `Fn::GetAtt` and `Fn::Sub` (`${X}`, `${X.Attr}`) use.
    fn references(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    match (k.as_str(), v) {
                        ("Ref", Value::String(name)) => out.push(name.clone()),
                        ("Fn::GetAtt", Value::Array(parts)) => {
                            out.push(parts[0].as_str().unwrap_or_default().to_string())
                        }
                        ("Fn::Sub", Value::String(text)) => {
                            for piece in text.split("${").skip(1) {
                                if piece.starts_with('!') {
                                    continue;
                                }
                                let name = piece.split('}').next().unwrap_or_default();
                                out.push(name.split('.').next().unwrap_or_default().into());
                            }
                        }
                        _ => {}
                    }
                    references(v, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|i| references(i, out)),
            _ => {}
        }
    }

    #[test]
    fn snapshot_of_every_stage_kind() {
        insta::assert_snapshot!(stack(&sample()));
    }

    #[test]
    fn references_name_resources_or_parameters() {
        for p in [sample(), colliding()] {
            let t = parse(&p);
            let mut names = Vec::new();
            references(&t, &mut names);
            assert!(!names.is_empty());
            let params = t["Parameters"].as_object().expect("Parameters");
            for name in names {
                assert!(
                    resources(&t).contains_key(&name)
                        || params.contains_key(&name)
                        || name.starts_with("AWS::"),
                    "`{name}` names nothing"
                );
            }
        }
    }

    #[test]
    fn buildspecs_are_yaml_version_0_2() {
        let t = parse(&sample());
        let specs = buildspecs(&t);
        assert_eq!(specs.len(), 4, "two run stages and two waves");
        for (id, spec) in specs {
            let version = yaml_get(&spec, "version");
            assert!(
                matches!(version, Some(Yaml::Value(Scalar::FloatingPoint(v))) if v.into_inner() == 0.2),
                "{id}: version {version:?}"
            );
            assert!(yaml_get(&spec, "phases").is_some(), "{id}: phases");
        }
    }

    #[test]
    fn secrets_are_references_never_plain_variables() {
        let p = sample();
        let t = parse(&p);
        let specs = buildspecs(&t);
        let by_id = |id: &str| {
            specs
                .iter()
                .find(|(i, _)| i == id)
                .map(|(_, s)| s)
                .unwrap_or_else(|| panic!("no project {id}"))
        };
        for (id, spec) in &specs {
            let env = yaml_get(spec, "env");
            let variables = yaml_keys(env.and_then(|e| yaml_get(e, "variables")));
            assert!(!variables.contains(&"REGISTRY_TOKEN".to_string()), "{id}");
            assert!(!variables.contains(&"NPM_TOKEN".to_string()), "{id}");
            let secrets = yaml_keys(env.and_then(|e| yaml_get(e, "secrets-manager")));
            assert_eq!(
                secrets,
                ["REGISTRY_TOKEN"],
                "{id}: every job reads the pipeline's secret"
            );
        }
        let build_env = yaml_get(by_id("BuildProject"), "env");
        let ssm = build_env
            .and_then(|e| yaml_get(e, "parameter-store"))
            .and_then(|m| yaml_get(m, "NPM_TOKEN"))
            .and_then(|v| v.as_str());
        assert_eq!(ssm, Some("/ci/npm-token"));
        let sm = build_env
            .and_then(|e| yaml_get(e, "secrets-manager"))
            .and_then(|m| yaml_get(m, "REGISTRY_TOKEN"))
            .and_then(|v| v.as_str());
        assert_eq!(sm, Some("ci/registry:token"));
        // No plain variable holds a secret's reference, and no project sets variables
        // outside its buildspec but the Terraform state bucket, from its parameter.
        for (id, spec) in &specs {
            if let Some(Yaml::Mapping(vars)) =
                yaml_get(spec, "env").and_then(|e| yaml_get(e, "variables"))
            {
                for value in vars.values().filter_map(|v| v.as_str()) {
                    assert!(
                        !value.contains("ci/registry") && !value.contains("npm-token"),
                        "{id}: {value}"
                    );
                }
            }
        }
        for (id, r) in resources(&t) {
            if r["Type"] == "AWS::CodeBuild::Project" {
                let env = &r["Properties"]["Environment"];
                if let Some(vars) = env.get("EnvironmentVariables") {
                    let expected = serde_json::json!([{
                        "Name": TF_STATE_BUCKET,
                        "Type": "PLAINTEXT",
                        "Value": { "Ref": TF_STATE_PARAM }
                    }]);
                    assert_eq!(vars, &expected, "{id}");
                }
            }
        }
    }

    #[test]
    fn roles_read_exactly_their_secrets_and_deploy_their_stacks() {
        let t = parse(&sample());
        let statements = |role: &str| -> Vec<Value> {
            resources(&t)[role]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
                .as_array()
                .expect("statements")
                .clone()
        };
        let find = |role: &str, sid: &str| {
            statements(role)
                .into_iter()
                .find(|s| s["Sid"] == sid)
                .map(|s| s["Resource"].clone())
        };
        let sm = |name: &str| serde_json::json!({"Fn::Sub": format!("arn:${{AWS::Partition}}:secretsmanager:${{AWS::Region}}:${{AWS::AccountId}}:secret:{name}-??????")});
        assert_eq!(
            find("BuildRole", "ReadSecrets"),
            Some(serde_json::json!([sm("ci/registry")]))
        );
        assert_eq!(
            find("BuildRole", "ReadParameters"),
            Some(
                serde_json::json!([{"Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/ci/npm-token"}])
            )
        );
        assert_eq!(find("UnitTestsRole", "ReadParameters"), None);
        assert_eq!(find("BuildRole", "DeployStacks"), None);
        assert_eq!(
            find("DeployProdRole", "DeployStacks"),
            Some(
                serde_json::json!([{"Fn::Sub": "arn:${AWS::Partition}:cloudformation:eu-west-1:${AWS::AccountId}:stack/web-prod/*"}])
            ),
            "only the wave's CloudFormation instances"
        );
        assert!(resources(&t)["DeployProdRole"]["Properties"]["ManagedPolicyArns"].is_object());
        assert!(
            resources(&t)["BuildRole"]["Properties"]
                .get("ManagedPolicyArns")
                .is_none()
        );
    }

    #[test]
    fn artifacts_flow_to_every_later_build() {
        let p = sample();
        let t = parse(&p);
        let stages = t["Resources"]["Pipeline"]["Properties"]["Stages"]
            .as_array()
            .expect("stages")
            .clone();
        let names: Vec<&str> = stages
            .iter()
            .map(|s| s["Name"].as_str().unwrap_or(""))
            .collect();
        assert_eq!(
            names,
            [
                "Source",
                "build",
                "unit-tests",
                "release-to-production",
                "deploy-dev",
                "deploy-prod"
            ]
        );
        let inputs = |i: usize| stages[i]["Actions"][0]["InputArtifacts"].clone();
        assert_eq!(inputs(1), serde_json::json!([{"Name": "Source"}]));
        assert_eq!(
            inputs(2),
            serde_json::json!([{"Name": "Source"}, {"Name": "BuildOutput"}])
        );
        assert_eq!(
            inputs(4),
            serde_json::json!([{"Name": "Source"}, {"Name": "UnitTestsOutput"}])
        );
        let specs = buildspecs(&t);
        let tests = &specs
            .iter()
            .find(|(i, _)| i == "UnitTestsProject")
            .expect("tests")
            .1;
        let files: Vec<String> =
            match yaml_get(tests, "artifacts").and_then(|a| yaml_get(a, "files")) {
                Some(Yaml::Sequence(items)) => items
                    .iter()
                    .filter_map(|i| i.as_str().map(String::from))
                    .collect(),
                other => panic!("files: {other:?}"),
            };
        assert_eq!(
            files,
            [
                "target/release/app",
                "target/release/app/**/*",
                "dist",
                "dist/**/*",
                "reports/junit.xml",
                "reports/junit.xml/**/*"
            ],
            "the test stage carries the build's files on"
        );
        let commands = |id: &str, phase: &str| -> Vec<String> {
            let spec = &specs.iter().find(|(i, _)| i == id).expect("project").1;
            match yaml_get(spec, "phases")
                .and_then(|p| yaml_get(p, phase))
                .and_then(|p| yaml_get(p, "commands"))
            {
                Some(Yaml::Sequence(items)) => items
                    .iter()
                    .filter_map(|i| i.as_str().map(String::from))
                    .collect(),
                other => panic!("{id} {phase}: {other:?}"),
            }
        };
        assert_eq!(
            commands("UnitTestsProject", "build"),
            [
                "cd \"$CODEBUILD_SRC_DIR\"/'platform'",
                "cp -R \"$CODEBUILD_SRC_DIR_BuildOutput\"/. .",
                "cargo test"
            ]
        );
        assert_eq!(
            commands("DeployProdProject", "build"),
            [
                "cd \"$CODEBUILD_SRC_DIR\"/'platform'",
                "cp -R \"$CODEBUILD_SRC_DIR_UnitTestsOutput\"/. .",
                BUILD_COMMAND,
                "sh out/deploy.sh services/web/web-prod services/web/web-prod-edge"
            ]
        );
        let install = commands("DeployProdProject", "install");
        assert!(
            install.contains(&install_command(
                &p.formwork,
                "/opt/formwork/git-4f2c1d0e9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e",
                None
            )),
            "{install:?}"
        );
        assert!(
            install.iter().any(|c| c.contains(RUSTUP_INIT_SHA256)),
            "{install:?}"
        );
        assert!(
            install.iter().any(|c| c.contains(TERRAFORM_SHA256)),
            "{install:?}"
        );
        let dev_install = commands("DeployDevProject", "install");
        assert!(
            !dev_install.iter().any(|c| c.contains("terraform")),
            "{dev_install:?}"
        );
    }

    /// Stage ids that collide with the fixed logical IDs and the source stage, a wave
    /// without instances, and the workspace at the repository's root.
    fn colliding() -> Pipeline {
        let run = |artifacts: Vec<String>| {
            StageKind::Run(RunStage {
                image: None,
                env: vec![],
                commands: vec!["true".into()],
                artifacts,
                reads: Vec::new(),
            })
        };
        Pipeline {
            workspace_dir: ".".into(),
            region: None,
            env: vec![],
            stages: vec![
                stage("pipeline", run(vec!["a".into(), "./".into()])),
                stage("source", run(vec![])),
                stage("9 lives", run(vec![])),
                stage(
                    "deploy",
                    StageKind::Deploy {
                        waves: vec![
                            Wave {
                                name: "empty".into(),
                                instances: vec![],
                            },
                            Wave {
                                name: "all".into(),
                                instances: vec![instance("web-dev", "dev", Target::CloudFormation)],
                            },
                        ],
                    },
                ),
                stage("deploy all", run(vec![])),
            ],
            ..sample()
        }
    }

    #[test]
    fn snapshot_of_colliding_names_at_the_root() {
        insta::assert_snapshot!(stack(&colliding()));
    }

    #[test]
    fn names_are_unique_and_valid() {
        let t = parse(&colliding());
        let ids: Vec<&String> = resources(&t).keys().collect();
        for id in &ids {
            assert!(id.chars().all(|c| c.is_ascii_alphanumeric()), "{id}");
            assert!(id.starts_with(|c: char| c.is_ascii_alphabetic()), "{id}");
        }
        assert!(ids.iter().any(|i| *i == "Pipeline2Role"), "{ids:?}");
        assert!(ids.iter().any(|i| *i == "Stage9LivesProject"), "{ids:?}");
        assert!(ids.iter().any(|i| *i == "DeployAll2Project"), "{ids:?}");
        let stages = t["Resources"]["Pipeline"]["Properties"]["Stages"]
            .as_array()
            .expect("stages")
            .clone();
        let names: Vec<String> = stages
            .iter()
            .map(|s| s["Name"].as_str().unwrap_or("").to_ascii_lowercase())
            .collect();
        assert_eq!(
            names,
            [
                "source",
                "pipeline",
                "source-2",
                "9-lives",
                "deploy-all",
                "deploy-all-2"
            ]
        );
        assert!(!stack(&colliding()).contains("base-directory"));
    }

    #[test]
    fn other_images_keep_the_default_shell() {
        let mut p = colliding();
        p.stages.truncate(1);
        if let StageKind::Run(run) = &mut p.stages[0].kind {
            run.image = Some("alpine:3.20".into());
        }
        let t = parse(&p);
        let specs = buildspecs(&t);
        assert_eq!(specs.len(), 1);
        assert!(yaml_get(&specs[0].1, "env").is_none(), "{:?}", specs[0].1);
        assert!(
            !stack(&p).contains("DeployPolicyArns"),
            "no deploy, no deploy policies"
        );
    }

    #[test]
    fn output_is_deterministic() {
        assert_eq!(stack(&sample()), stack(&sample().clone()));
        assert_eq!(stack(&colliding()), stack(&colliding()));
    }
}
