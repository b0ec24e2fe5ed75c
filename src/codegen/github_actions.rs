//! The GitHub Actions backend: a service's [`Pipeline`] as one workflow file, meant to
//! be copied to `.github/workflows/SERVICE.yml`. Also home of the job layout both CI
//! backends share ([`jobs`]) and their quoting helpers, which `gitlab_ci` uses.
//!
//! How the model maps onto a workflow:
//!
//! - Trigger: `on: push: branches: [BRANCH]` (the branch name escaped for GitHub's
//!   filter patterns, so it matches only itself) and `workflow_dispatch`, to run it by
//!   hand.
//! - `permissions: contents: read` for the workflow; only deploy jobs add
//!   `id-token: write` (OpenID Connect to AWS). `concurrency: formwork-SERVICE` with
//!   `cancel-in-progress: false`: two runs of the service never overlap, and a run is
//!   never stopped midway through a deployment (GitHub keeps the newest waiting run).
//! - Jobs run in the workspace folder (`defaults: run: working-directory`), on
//!   `ubuntu-latest`. Each stage's job `needs` the job before it, so stages run in
//!   order, each after the previous one succeeded.
//! - A run stage is one job: its `image` is the job's `container`, its commands one
//!   `run:` script (the runner's shell runs it with `-e`: the job stops at the first
//!   command that fails), its variables the job's `env` (the pipeline's are the
//!   workflow's `env`). Its artifacts are packed into one tar file, uploaded
//!   (`actions/upload-artifact`) under the job's id and unpacked by every later job
//!   (`actions/download-artifact`): a tar keeps paths relative to the workspace, file
//!   modes and hidden files, which an artifact upload alone loses.
//! - A secret is `${{ secrets.STORE_NAME }}`: a repository secret of that name.
//! - An approval is a job bound to the environment `SERVICE-STAGEID`; it becomes a
//!   manual gate once that environment has required reviewers (the file's header says
//!   so, as GitHub creates the environment unprotected on the first run). Later jobs
//!   need it.
//! - A deployment is one job per wave (`STAGEID_WAVE`, or `STAGEID` when there is one
//!   wave), each needing the previous one; a wave's job deploys all its instances with
//!   one `deploy.sh` call, which handles them in the manifest's order. The job's
//!   `environment` is the wave's environment, for the repository's deployment history
//!   (none for a wave spanning several, such as `all`). It checks out, unpacks earlier artifacts, assumes
//!   the role in the secret `AWS_ROLE_ARN`
//!   (`aws-actions/configure-aws-credentials`), sets up Terraform when an instance
//!   of the wave needs it (`hashicorp/setup-terraform`, wrapper off so scripts read
//!   Terraform's own output), installs formwork if needed, builds and deploys.
//!   formwork comes from the workspace's pinned `formwork:` source
//!   ([`github_install_command`]): a git commit built with the runner image's cargo
//!   (GitHub's Ubuntu images ship rustup and stable Rust, so nothing is piped into a
//!   shell), a download checked against its sha256 before it is unpacked, or a path in
//!   the checkout; into `$HOME/.formwork/bin`, added to `$GITHUB_PATH`.
//!
//! - A run job that reads deployed outputs (`${instance.outputs.url}`, held as
//!   `${FORMWORK_OUTPUT_…}` in its commands) `needs` the deploy job that exports
//!   them and gets each as `env: VAR: ${{ needs.JOB.outputs.VAR }}`; that deploy job
//!   reads them back after deploying (a step `outputs` running `deploy.sh --outputs`
//!   into `$GITHUB_OUTPUT`) and declares them as its job `outputs`.
//!
//! Strings from the template are YAML-quoted by `doc.rs`; GitHub would still evaluate
//! `${{` in them, so it is written `${{ '${{' }}` (the text `${{`); names this module
//! puts into shell commands are shell-quoted. Actions are pinned to the major versions
//! actionlint reports no deprecated runtime for.

use crate::codegen::doc::{self, Node};
use crate::ir::pipeline::{
    AWS_ROLE_SECRET, EnvValue, EnvVar, OutputSink, Pipeline, RunStage, Stage, StageKind,
    TF_STATE_BUCKET, Wave, build_command, deploy_command, github_install_command, output_commands,
};
use crate::types::targets::Target;

const CHECKOUT: &str = "actions/checkout@v5";
const UPLOAD_ARTIFACT: &str = "actions/upload-artifact@v6";
const DOWNLOAD_ARTIFACT: &str = "actions/download-artifact@v7";
const AWS_CREDENTIALS: &str = "aws-actions/configure-aws-credentials@v6";
const SETUP_TERRAFORM: &str = "hashicorp/setup-terraform@v4";
const RUNNER: &str = "ubuntu-latest";

/// The workflow file's text.
pub fn workflow(p: &Pipeline) -> String {
    let jobs = jobs(p);
    let mut root = vec![
        ("name".to_string(), Node::str(expr_text(&p.service))),
        ("on".to_string(), triggers(p)),
        ("permissions".to_string(), permissions(false)),
        (
            "concurrency".to_string(),
            Node::Map(vec![
                ("group".into(), Node::str(expr_text(&concurrency_group(p)))),
                ("cancel-in-progress".into(), Node::Bool(false)),
            ]),
        ),
    ];
    if !is_root(&p.workspace_dir) {
        let dir = Node::single("working-directory", Node::str(expr_text(&p.workspace_dir)));
        root.push(("defaults".into(), Node::single("run", dir)));
    }
    if !p.env.is_empty() {
        root.push(("env".into(), env_map(&merged_env(&[&p.env]))));
    }
    let job_nodes = jobs
        .iter()
        .map(|job| (job.key.clone(), job_node(p, &jobs, job)))
        .collect();
    root.push(("jobs".into(), Node::Map(job_nodes)));
    let mut text = header(p, &jobs);
    text.push_str(&doc::to_yaml_with_blocks(&Node::Map(root)));
    text
}

/// The comment at the top: where the file comes from, how to install it, and what the
/// repository must provide.
fn header(p: &Pipeline, jobs: &[Job<'_>]) -> String {
    let service = comment_text(&p.service);
    let mut lines = vec![
        format!(
            "Generated by formwork from the service {service} ({}). Do not edit: run formwork build.",
            comment_text(&p.template)
        ),
        format!("Install: copy this file to .github/workflows/{service}.yml."),
    ];
    for job in jobs {
        if let Work::Approval(_) = job.work {
            lines.push(format!(
                "Approval: the job {} waits on the environment {}. It is a manual gate only once that environment has required reviewers (Settings > Environments); until then it passes at once.",
                job.key,
                comment_text(&approval_environment(p, job.stage))
            ));
        }
    }
    if jobs.iter().any(|j| matches!(j.work, Work::Deploy(_))) {
        let region = match &p.region {
            Some(_) => String::new(),
            None => ", in the region of the repository variable AWS_REGION".to_string(),
        };
        lines.push(format!(
            "Deploy jobs assume the IAM role whose ARN is the repository secret {AWS_ROLE_SECRET} (OpenID Connect){region}."
        ));
    }
    let secrets = secret_names(p);
    if !secrets.is_empty() {
        lines.push(format!(
            "Repository secrets it reads: {}.",
            secrets.join(", ")
        ));
    }
    comment_block(&lines)
}

/// `push` to the branch, and by hand.
fn triggers(p: &Pipeline) -> Node {
    let branches = Node::List(vec![Node::str(branch_pattern(&p.branch))]);
    Node::Map(vec![
        ("push".into(), Node::single("branches", branches)),
        ("workflow_dispatch".into(), Node::Map(vec![])),
    ])
}

/// A branch name as a filter pattern that matches only it: the pattern characters
/// (`* ? + [ ] !` and `\`) are escaped with `\`.
fn branch_pattern(branch: &str) -> String {
    let mut out = String::with_capacity(branch.len());
    for c in branch.chars() {
        if matches!(c, '*' | '?' | '+' | '[' | ']' | '!' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    expr_text(&out)
}

/// Read access to the repository; deploy jobs also request an OpenID Connect token.
fn permissions(deploy: bool) -> Node {
    let mut entries = vec![("contents".to_string(), Node::str("read"))];
    if deploy {
        entries.push(("id-token".into(), Node::str("write")));
    }
    Node::Map(entries)
}

fn concurrency_group(p: &Pipeline) -> String {
    format!("formwork-{}", p.service)
}

/// The environment an approval job waits on.
fn approval_environment(p: &Pipeline, stage: &Stage) -> String {
    format!("{}-{}", p.service, stage.id)
}

/// One job: its display name, its predecessor, where it runs, and its steps.
fn job_node(p: &Pipeline, jobs: &[Job<'_>], job: &Job<'_>) -> Node {
    let mut entries = vec![("name".to_string(), Node::str(expr_text(&job.title)))];
    // A job sees the outputs of the jobs it needs directly, not of theirs: a job that
    // reads deployed outputs needs their deploy jobs too.
    let mut needs: Vec<usize> = job.after.into_iter().collect();
    for &(_, from) in &job.reads {
        if !needs.contains(&from) {
            needs.push(from);
        }
    }
    needs.sort_unstable();
    if !needs.is_empty() {
        let needs = needs
            .iter()
            .map(|&i| Node::str(jobs[i].key.clone()))
            .collect();
        entries.push(("needs".into(), Node::List(needs)));
    }
    entries.push(("runs-on".into(), Node::str(RUNNER)));
    let mut steps = vec![checkout()];
    match job.work {
        Work::Run(run) => {
            if let Some(image) = &run.image {
                entries.push(("container".into(), Node::str(expr_text(image))));
            }
            let mut env = match env_map(&merged_env(&[&run.env])) {
                Node::Map(vars) => vars,
                _ => Vec::new(),
            };
            for &(var, from) in &job.reads {
                let from = &jobs[from].key;
                env.push((
                    var.to_string(),
                    Node::str(format!("${{{{ needs.{from}.outputs.{var} }}}}")),
                ));
            }
            if !env.is_empty() {
                entries.push(("env".into(), Node::Map(env)));
            }
            steps.extend(unpack_steps(p, jobs, job));
            steps.extend(run_steps(p, job, run));
        }
        Work::Approval(message) => {
            let env = approval_environment(p, job.stage);
            entries.push(("environment".into(), Node::str(expr_text(&env))));
            // The gate is the environment; the step only records what was approved.
            steps = vec![step(
                "Approved",
                &format!("echo {}", shell_quote(&format!("Approved: {message}"))),
            )];
        }
        Work::Deploy(wave) => {
            if let Some(env) = wave_environment(wave) {
                entries.push(("environment".into(), Node::str(expr_text(env))));
            }
            entries.push(("permissions".into(), permissions(true)));
            let exports: Vec<&str> = wave
                .instances
                .iter()
                .flat_map(|i| i.exports.iter().map(|e| e.var.as_str()))
                .collect();
            if !exports.is_empty() {
                let outputs = exports
                    .iter()
                    .map(|v| {
                        let value = format!("${{{{ steps.{OUTPUTS_STEP}.outputs.{v} }}}}");
                        (v.to_string(), Node::str(value))
                    })
                    .collect();
                entries.push(("outputs".into(), Node::Map(outputs)));
            }
            steps.extend(unpack_steps(p, jobs, job));
            steps.extend(deploy_steps(p, wave));
        }
    }
    entries.push(("steps".into(), Node::List(steps)));
    Node::Map(entries)
}

/// `actions/checkout`, without leaving the token in the repository's git config.
fn checkout() -> Node {
    action(
        "Check out",
        CHECKOUT,
        vec![("persist-credentials", Node::Bool(false))],
    )
}

/// The stage's commands as one script, then its artifacts packed and uploaded.
fn run_steps(p: &Pipeline, job: &Job<'_>, run: &RunStage) -> Vec<Node> {
    let mut steps = Vec::new();
    if !run.commands.is_empty() {
        steps.push(step("Run", &run.commands.join("\n")));
    }
    if !run.artifacts.is_empty() {
        let tar = artifact_tar(&job.key);
        let paths: Vec<String> = run.artifacts.iter().map(|a| shell_path(a)).collect();
        let pack = format!("tar -cf {} {}", shell_quote(&tar), paths.join(" "));
        steps.push(step("Pack the artifacts", &pack));
        steps.push(action(
            "Upload the artifacts",
            UPLOAD_ARTIFACT,
            vec![
                ("name", Node::str(job.key.clone())),
                ("path", Node::str(expr_text(&in_workspace(p, &tar)))),
                ("if-no-files-found", Node::str("error")),
            ],
        ));
    }
    steps
}

/// The tar file a job's artifacts travel in, in the workspace folder.
fn artifact_tar(job_key: &str) -> String {
    format!("formwork-artifacts-{job_key}.tar")
}

/// Downloads every earlier stage's artifacts into the workspace folder and unpacks
/// them, in stage order (a later stage's file wins).
fn unpack_steps(p: &Pipeline, jobs: &[Job<'_>], job: &Job<'_>) -> Vec<Node> {
    let mut steps = Vec::new();
    let mut script = Vec::new();
    for &i in &job.inputs {
        let producer = &jobs[i];
        let mut with = vec![("name", Node::str(producer.key.clone()))];
        if !is_root(&p.workspace_dir) {
            with.push(("path", Node::str(expr_text(&p.workspace_dir))));
        }
        let title = format!("Download the artifacts of {}", producer.title);
        steps.push(action(&title, DOWNLOAD_ARTIFACT, with));
        let tar = shell_quote(&artifact_tar(&producer.key));
        script.push(format!("tar -xf {tar}"));
        script.push(format!("rm {tar}"));
    }
    if !script.is_empty() {
        steps.push(step("Unpack the artifacts", &script.join("\n")));
    }
    steps
}

/// Credentials, tools, build, and the wave's deployment.
fn deploy_steps(p: &Pipeline, wave: &Wave) -> Vec<Node> {
    let region = match &p.region {
        Some(r) => expr_text(r),
        None => "${{ vars.AWS_REGION }}".to_string(),
    };
    let mut steps = vec![action(
        "Configure AWS credentials",
        AWS_CREDENTIALS,
        vec![
            (
                "role-to-assume",
                Node::str(format!("${{{{ secrets.{AWS_ROLE_SECRET} }}}}")),
            ),
            ("aws-region", Node::str(region)),
        ],
    )];
    let terraform = wave.instances.iter().any(|i| i.target == Target::Terraform);
    if terraform {
        steps.push(action(
            "Set up Terraform",
            SETUP_TERRAFORM,
            vec![("terraform_wrapper", Node::Bool(false))],
        ));
    }
    steps.push(step(
        "Install formwork",
        &github_install_command(&p.formwork),
    ));
    steps.push(step("Build", &build_command(&wave.instances)));
    let mut deploy = step(
        &format!("Deploy {}", wave.name),
        &wave_deploy_command(p, wave),
    );
    // Terraform keeps its state and deployed hashes in this bucket (a repository
    // variable); deploy.sh refuses Terraform on a runner without one.
    if let (Node::Map(entries), true) = (&mut deploy, terraform) {
        entries.push((
            "env".into(),
            Node::Map(vec![(
                TF_STATE_BUCKET.into(),
                Node::str(format!("${{{{ vars.{TF_STATE_BUCKET} }}}}")),
            )]),
        ));
    }
    steps.push(deploy);
    let reads: Vec<String> = wave
        .instances
        .iter()
        .flat_map(|i| output_commands(&shell_path(&p.out_dir), i, OutputSink::GitHubOutput))
        .collect();
    if !reads.is_empty() {
        let mut read = step("Read the outputs later jobs use", &reads.join("\n"));
        if let Node::Map(entries) = &mut read {
            entries.insert(1, ("id".into(), Node::str(OUTPUTS_STEP)));
        }
        steps.push(read);
    }
    steps
}

/// The id of a deploy job's step that reads back the outputs later jobs use.
const OUTPUTS_STEP: &str = "outputs";

/// A step that runs a script.
fn step(name: &str, script: &str) -> Node {
    Node::Map(vec![
        ("name".into(), Node::str(expr_text(name))),
        ("run".into(), Node::str(expr_text(script))),
    ])
}

/// A step that uses an action.
fn action(name: &str, uses: &str, with: Vec<(&str, Node)>) -> Node {
    let mut entries = vec![
        ("name".to_string(), Node::str(expr_text(name))),
        ("uses".to_string(), Node::str(uses)),
    ];
    if !with.is_empty() {
        let with = with.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        entries.push(("with".into(), Node::Map(with)));
    }
    Node::Map(entries)
}

/// `env:` entries: plain values as written, secrets from the repository's store.
fn env_map(vars: &[&EnvVar]) -> Node {
    let entries = vars
        .iter()
        .map(|v| {
            let value = match &v.value {
                EnvValue::Plain(s) => expr_text(s),
                EnvValue::Secret { store_name, .. } => secret_expr(store_name),
            };
            (v.name.clone(), Node::str(value))
        })
        .collect();
    Node::Map(entries)
}

/// `${{ secrets.NAME }}`, or `${{ secrets['NAME'] }}` when the name is not an
/// identifier the expression syntax accepts after a dot.
fn secret_expr(store_name: &str) -> String {
    let identifier = store_name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && store_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    if identifier {
        format!("${{{{ secrets.{store_name} }}}}")
    } else {
        format!("${{{{ secrets['{}'] }}}}", store_name.replace('\'', "''"))
    }
}

/// Text GitHub must not evaluate: `${{` becomes an expression whose value is `${{`.
fn expr_text(s: &str) -> String {
    s.replace("${{", "${{ '${{' }}")
}

// ---------------------------------------------------------------------------------
// Shared with `gitlab_ci`: the job layout and quoting.

/// One job of a CI pipeline: a run stage, an approval, or one wave of a deployment.
/// Both CI backends lay a pipeline out as the same jobs, in the same order.
pub(super) struct Job<'a> {
    /// Unique among the pipeline's jobs, and a valid GitHub job id: the stage's id
    /// (`_`-prefixed if it does not start with a letter), plus `_` and the wave's
    /// suffix for a wave of a deployment that has several (stage ids have no `_`, so
    /// the two never collide).
    pub key: String,
    /// What people read: the stage's name, and the wave's in parentheses.
    pub title: String,
    pub stage: &'a Stage,
    pub work: Work<'a>,
    /// The job right before this one, which this one needs (index into the jobs).
    pub after: Option<usize>,
    /// The earlier run jobs that have artifacts, in order (indexes).
    pub inputs: Vec<usize>,
    /// The deployed outputs a run job reads: each variable, and the earlier deploy
    /// job that exports it (an index).
    pub reads: Vec<(&'a str, usize)>,
}

/// Where each output `run` reads comes from: the latest of `jobs` that deploys its
/// instance and exports it (the lowering made that deploy export it).
fn read_sources<'a>(jobs: &[Job<'a>], run: &'a RunStage) -> Vec<(&'a str, usize)> {
    run.reads
        .iter()
        .filter_map(|r| {
            let i = jobs.iter().rposition(|j| match j.work {
                Work::Deploy(w) => w
                    .instances
                    .iter()
                    .any(|d| d.name == r.instance && d.exports.iter().any(|e| e.var == r.var)),
                _ => false,
            })?;
            Some((r.var.as_str(), i))
        })
        .collect()
}

pub(super) enum Work<'a> {
    Run(&'a RunStage),
    /// The approval's message.
    Approval(&'a str),
    Deploy(&'a Wave),
}

/// The pipeline's jobs, in order. A wave without instances has no job (deploying an
/// empty list would deploy everything), nor does a deploy stage without waves.
pub(super) fn jobs(p: &Pipeline) -> Vec<Job<'_>> {
    let mut jobs: Vec<Job<'_>> = Vec::new();
    let mut producers = Vec::new();
    for stage in &p.stages {
        let key = job_key(&stage.id);
        let next = |jobs: &Vec<Job<'_>>| (jobs.len().checked_sub(1), producers.clone());
        match &stage.kind {
            StageKind::Run(run) => {
                let (after, inputs) = next(&jobs);
                let title = stage.name.clone();
                let work = Work::Run(run);
                let reads = read_sources(&jobs, run);
                jobs.push(Job {
                    key,
                    title,
                    stage,
                    work,
                    after,
                    inputs,
                    reads,
                });
                if !run.artifacts.is_empty() {
                    producers.push(jobs.len() - 1);
                }
            }
            StageKind::Approval { message } => {
                let (after, inputs) = next(&jobs);
                let title = stage.name.clone();
                let work = Work::Approval(message);
                jobs.push(Job {
                    key,
                    title,
                    stage,
                    work,
                    after,
                    inputs,
                    reads: Vec::new(),
                });
            }
            StageKind::Deploy { waves } => {
                let waves: Vec<&Wave> = waves.iter().filter(|w| !w.instances.is_empty()).collect();
                let single = waves.len() == 1;
                for (wave, suffix) in waves.iter().zip(wave_suffixes(&waves)) {
                    let (after, inputs) = next(&jobs);
                    let (key, title) = if single {
                        (key.clone(), stage.name.clone())
                    } else {
                        let title = format!("{} ({})", stage.name, wave.name);
                        (format!("{key}_{suffix}"), title)
                    };
                    let work = Work::Deploy(wave);
                    jobs.push(Job {
                        key,
                        title,
                        stage,
                        work,
                        after,
                        inputs,
                        reads: Vec::new(),
                    });
                }
            }
        }
    }
    jobs
}

/// A stage id as a job key: GitHub's job ids start with a letter or `_`.
fn job_key(stage_id: &str) -> String {
    if stage_id.starts_with(|c: char| c.is_ascii_alphabetic()) {
        stage_id.to_string()
    } else {
        format!("_{stage_id}")
    }
}

/// Each wave's suffix: its name in lower case letters, digits and hyphens when these
/// are distinct and not empty, else the waves' positions (`1`, `2`…) for all of them.
fn wave_suffixes(waves: &[&Wave]) -> Vec<String> {
    let names: Vec<String> = waves.iter().map(|w| slug(&w.name)).collect();
    let distinct = names
        .iter()
        .enumerate()
        .all(|(i, n)| !n.is_empty() && !names[..i].contains(n));
    if distinct {
        names
    } else {
        (1..=waves.len()).map(|i| i.to_string()).collect()
    }
}

/// Lower case ASCII letters and digits, every other run of characters one hyphen.
fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// The variables a job sees, later layers overriding earlier ones: each name once, at
/// its first place, with its last value.
pub(super) fn merged_env<'a>(layers: &[&'a [EnvVar]]) -> Vec<&'a EnvVar> {
    let mut out: Vec<&EnvVar> = Vec::new();
    for var in layers.iter().flat_map(|l| l.iter()) {
        match out.iter_mut().find(|v| v.name == var.name) {
            Some(slot) => *slot = var,
            None => out.push(var),
        }
    }
    out
}

/// The secret store names the pipeline reads, each once, in order of appearance.
pub(super) fn secret_names(p: &Pipeline) -> Vec<String> {
    let stage_env = p.stages.iter().filter_map(|s| match &s.kind {
        StageKind::Run(run) => Some(run.env.iter()),
        _ => None,
    });
    let mut names: Vec<String> = Vec::new();
    for var in p.env.iter().chain(stage_env.flatten()) {
        if let EnvValue::Secret { store_name, .. } = &var.value
            && !names.contains(store_name)
        {
            names.push(store_name.clone());
        }
    }
    names
}

/// The environment a wave deploys to, when all its instances run in the same one (a
/// wave `all` may span several, and then has none).
pub(super) fn wave_environment(wave: &Wave) -> Option<&str> {
    let first = wave.instances.first()?;
    wave.instances
        .iter()
        .all(|i| i.environment == first.environment)
        .then_some(first.environment.as_str())
}

/// Whether the workspace folder is the repository's root.
pub(super) fn is_root(dir: &str) -> bool {
    matches!(dir.trim_end_matches('/'), "" | ".")
}

/// A path relative to the workspace, made relative to the repository's root.
pub(super) fn in_workspace(p: &Pipeline, path: &str) -> String {
    let path = path.strip_prefix("./").unwrap_or(path);
    if is_root(&p.workspace_dir) {
        path.to_string()
    } else {
        format!("{}/{path}", p.workspace_dir.trim_end_matches('/'))
    }
}

/// The command that deploys a wave's instances, every name shell-quoted.
pub(super) fn wave_deploy_command(p: &Pipeline, wave: &Wave) -> String {
    let artifacts: Vec<String> = wave
        .instances
        .iter()
        .map(|i| shell_path(&i.artifact))
        .collect();
    let refs: Vec<&str> = artifacts.iter().map(String::as_str).collect();
    deploy_command(&shell_path(&p.out_dir), &refs)
}

/// A word the shell reads as `s`: as it is when made only of characters no shell
/// treats specially, else single-quoted.
pub(super) fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, '_' | '-' | '.' | '/' | ',' | ':' | '@' | '%' | '+' | '=')
        });
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// A relative path as a shell word no command reads as an option (`./-x`).
pub(super) fn shell_path(path: &str) -> String {
    if path.starts_with('-') {
        shell_quote(&format!("./{path}"))
    } else {
        shell_quote(path)
    }
}

/// Comment lines (`# …`), each line of text made single-line first.
pub(super) fn comment_block(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| format!("# {}\n", comment_text(l)))
        .collect()
}

/// Text safe inside a YAML comment: line breaks (YAML 1.1's too) and other control
/// characters become spaces.
pub(super) fn comment_text(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
                ' '
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::ir::SecretSource;
    use crate::ir::pipeline::{DeployInstance, Provider};
    use saphyr::{LoadableYamlNode, Yaml};

    /// A pipeline with every kind of stage: a run stage with an image, variables, a
    /// secret and artifacts, a second run stage, an approval, and a deployment in two
    /// waves, the second with a Terraform instance.
    pub(in crate::codegen) fn sample(provider: Provider) -> Pipeline {
        let plain = |name: &str, value: &str| EnvVar {
            name: name.into(),
            value: EnvValue::Plain(value.into()),
        };
        let instance = |name: &str, env: &str, target| DeployInstance {
            name: name.into(),
            environment: env.into(),
            target,
            artifact: format!("services/web/{name}"),
            overrides: Vec::new(),
            exports: Vec::new(),
        };
        Pipeline {
            service: "web".into(),
            template: "web@2.1".into(),
            provider,
            branch: "main".into(),
            workspace_dir: "platform".into(),
            out_dir: "out".into(),
            region: Some("eu-west-1".into()),
            formwork: crate::ir::pipeline::FormworkSource::Git {
                url: "https://github.com/acme/formwork".into(),
                rev: "4f2c1d0e9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e".into(),
            },
            env: vec![
                plain("CI", "true"),
                plain("GREETING", "it's ${{ x }} $HOME"),
            ],
            stages: vec![
                Stage {
                    name: "build".into(),
                    id: "build".into(),
                    kind: StageKind::Run(RunStage {
                        image: Some("node:22".into()),
                        env: vec![
                            plain("NODE_ENV", "production"),
                            EnvVar {
                                name: "NPM_TOKEN".into(),
                                value: EnvValue::Secret {
                                    input: "registry_token".into(),
                                    store_name: "REGISTRY_TOKEN".into(),
                                    source: SecretSource::SecretsManager {
                                        name: "canary/registry-token-arn".into(),
                                        key: Some("canary-key".into()),
                                    },
                                },
                            },
                        ],
                        commands: vec![
                            "npm ci".into(),
                            "npm run build -- --out dist".into(),
                            "if [ -n \"$NPM_TOKEN\" ]; then\n  npm publish --dry-run\nfi".into(),
                        ],
                        artifacts: vec!["dist".into(), "reports/junit.xml".into()],
                        reads: Vec::new(),
                    }),
                },
                Stage {
                    name: "integration tests".into(),
                    id: "integration-tests".into(),
                    kind: StageKind::Run(RunStage {
                        image: None,
                        env: vec![],
                        commands: vec!["./scripts/integration.sh dist".into()],
                        artifacts: vec![],
                        reads: Vec::new(),
                    }),
                },
                Stage {
                    name: "Release web to production?".into(),
                    id: "approve-release-web-to-production".into(),
                    kind: StageKind::Approval {
                        message: "Release web to production?".into(),
                    },
                },
                Stage {
                    name: "deploy".into(),
                    id: "deploy".into(),
                    kind: StageKind::Deploy {
                        waves: vec![
                            Wave {
                                name: "staging".into(),
                                instances: vec![instance(
                                    "web-staging",
                                    "staging",
                                    Target::CloudFormation,
                                )],
                            },
                            Wave {
                                name: "prod".into(),
                                instances: vec![
                                    instance("web-prod-eu", "prod", Target::CloudFormation),
                                    instance("web-prod-us", "prod", Target::Terraform),
                                ],
                            },
                        ],
                    },
                },
            ],
        }
    }

    /// The sample in the repository's root, without variables or run stages, and one
    /// wave `all` spanning two environments.
    pub(in crate::codegen) fn variant(provider: Provider) -> Pipeline {
        let mut p = sample(provider);
        p.workspace_dir = ".".into();
        p.env.clear();
        p.stages.retain(|s| !matches!(s.kind, StageKind::Run(_)));
        for stage in &mut p.stages {
            if let StageKind::Deploy { waves } = &mut stage.kind {
                let instances = waves.drain(..).flat_map(|w| w.instances).collect();
                waves.push(Wave {
                    name: "all".into(),
                    instances,
                });
            }
        }
        p
    }

    /// The document, loaded back with saphyr.
    pub(in crate::codegen) fn load(text: &str) -> Yaml<'_> {
        match Yaml::load_from_str(text) {
            Ok(mut docs) if docs.len() == 1 => docs.remove(0),
            other => panic!("not one YAML document ({other:?}):\n{text}"),
        }
    }

    /// The source names of the sample's secret: what must never be written.
    pub(in crate::codegen) const CANARIES: [&str; 3] =
        ["canary", "registry-token-arn", "registry_token"];

    fn needs_of(job: &Yaml<'_>) -> Vec<String> {
        match job.as_mapping_get("needs") {
            Some(Yaml::Sequence(items)) => items
                .iter()
                .filter_map(|n| n.as_str().map(String::from))
                .collect(),
            Some(other) => other.as_str().map(String::from).into_iter().collect(),
            None => vec![],
        }
    }

    #[test]
    fn workflow_snapshot() {
        insta::assert_snapshot!(workflow(&sample(Provider::GitHub)));
    }

    #[test]
    fn workflow_in_the_root_with_one_wave_and_no_region() {
        let mut p = variant(Provider::GitHub);
        p.region = None;
        p.branch = "release/1.x+hotfix".into();
        insta::assert_snapshot!(workflow(&p));
    }

    #[test]
    fn workflow_parses_and_needs_name_earlier_jobs() {
        let p = sample(Provider::GitHub);
        let text = workflow(&p);
        let root = load(&text);
        let Some(Yaml::Mapping(jobs)) = root.as_mapping_get("jobs") else {
            panic!("no jobs:\n{text}");
        };
        let mut seen: Vec<String> = Vec::new();
        for (key, job) in jobs {
            let key = key.as_str().unwrap_or_default().to_string();
            for need in needs_of(job) {
                assert!(
                    seen.contains(&need),
                    "{key} needs {need}, not an earlier job"
                );
            }
            assert!(!seen.contains(&key), "duplicate job {key}");
            seen.push(key);
        }
        assert_eq!(
            seen,
            [
                "build",
                "integration-tests",
                "approve-release-web-to-production",
                "deploy_staging",
                "deploy_prod"
            ]
        );
    }

    #[test]
    fn workflow_is_deterministic_and_keeps_secrets_in_the_store() {
        let p = sample(Provider::GitHub);
        let text = workflow(&p);
        assert_eq!(text, workflow(&p));
        for canary in CANARIES {
            assert!(!text.contains(canary), "{canary} leaked:\n{text}");
        }
        assert!(
            text.contains("NPM_TOKEN: \"${{ secrets.REGISTRY_TOKEN }}\""),
            "{text}"
        );
        // A plain value's `${{` is text, not an expression.
        assert!(text.contains("${{ '${{' }} x }}"), "{text}");
    }

    #[test]
    fn wave_keys_fall_back_to_positions() {
        let wave = |name: &str| Wave {
            name: name.into(),
            instances: vec![],
        };
        let (a, b, c) = (wave("Dev"), wave("dev"), wave("prod"));
        assert_eq!(wave_suffixes(&[&a, &c]), ["dev", "prod"]);
        assert_eq!(wave_suffixes(&[&a, &b, &c]), ["1", "2", "3"]);
        let empty = wave("日本");
        assert_eq!(wave_suffixes(&[&empty]), ["1"]);
    }

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("services/web/web-dev"), "services/web/web-dev");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_path("-rf"), "./-rf");
        assert_eq!(branch_pattern("a*b!"), r"a\*b\!");
        assert_eq!(secret_expr("A-B"), "${{ secrets['A-B'] }}");
        assert_eq!(comment_text("a\nb\u{2028}c"), "a b c");
    }
}
