//! `formwork drift --deployed DIR [WORKSPACE]`: what is deployed against what the
//! workspace builds now (the same render as `formwork build`, kept in memory).
//!
//! `DIR` holds what the cloud gives, per stack: `STACK.json` (or `.yaml`, `.yml`),
//! a CloudFormation template as `aws cloudformation get-template --stack-name STACK
//! --query TemplateBody` prints it (the whole response, `{"TemplateBody": …}`, is
//! accepted too, and a body given as a string is read as JSON or YAML); and
//! `STACK.tfplan.json`, `terraform show -json PLANFILE` of a plan made with the built
//! configuration against the deployed state.
//!
//! A CloudFormation stack differs when its template, formwork's bookkeeping
//! (`Metadata.Formwork`: source hash, compiler, version) aside, differs from the
//! built one: the structural diff is printed deployed → built, with the resources a
//! deploy would replace or delete flagged. A Terraform stack differs when its plan
//! would change anything: every `resource_changes` entry whose actions are not
//! `no-op` (nor `read`, a data source read, which changes nothing). A stack built but
//! not deployed, or deployed but no longer built, is drift too.
//!
//! Exit 0 when everything matches, 1 when anything differs (or the workspace has
//! errors), 2 when `DIR` cannot be read or holds a file that is not what it should be.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde_json::{Map, Value, json};

use crate::cli::diff::ReportFormat;
use crate::cli::output::{err, out, print_report};
use crate::cli::sources::{display_name, io_reason};
use crate::cli::workspace::{Planned, plan_workspace};
use crate::cli::{ColorChoice, OutputFormat, status};
use crate::compile::Failure;
use crate::types::targets::Target;
use crate::versions::diff::{Difference, diff, render_text, to_json, without_formwork_metadata};
use crate::workspace::build::{Record, build};

/// The most of a deployed file read: as much as a source file may be.
const MAX_DEPLOYED_BYTES: u64 = 64 * 1024 * 1024;

/// The deepest nesting read from a YAML template (JSON's parser has its own, 128).
const MAX_YAML_DEPTH: usize = 128;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The folder of deployed templates: `STACK.json` (CloudFormation's
    /// `get-template`), `STACK.tfplan.json` (`terraform show -json PLANFILE`).
    #[arg(long, value_name = "DIR")]
    deployed: PathBuf,
    /// The workspace (the folder holding `formwork.yaml`).
    #[arg(default_value = ".")]
    workspace: PathBuf,
    /// How to print the report.
    #[arg(long, value_enum, default_value_t)]
    format: ReportFormat,
    /// When to colour diagnostics.
    #[arg(long, value_enum, default_value_t)]
    color: ColorChoice,
}

/// What the deployed folder holds for one stack.
#[derive(Debug, Clone)]
struct DeployedFile {
    path: PathBuf,
    terraform: bool,
}

/// One stack's verdict.
enum Verdict {
    Matches,
    /// CloudFormation: the differences, deployed → built.
    Differs(Vec<Difference>),
    /// Terraform: each planned change, address and actions.
    Planned(Vec<(String, Vec<String>)>),
    NotDeployed,
    NotBuilt,
    Unreadable(String),
}

struct Stack {
    name: String,
    /// The artifact's id and target, when built.
    built: Option<(String, Target)>,
    file: Option<PathBuf>,
    verdict: Verdict,
}

impl Stack {
    fn drifted(&self) -> bool {
        !matches!(self.verdict, Verdict::Matches)
    }

    fn status(&self) -> &'static str {
        match self.verdict {
            Verdict::Matches => "matches",
            Verdict::Differs(_) | Verdict::Planned(_) => "differs",
            Verdict::NotDeployed => "not-deployed",
            Verdict::NotBuilt => "not-built",
            Verdict::Unreadable(_) => "unreadable",
        }
    }
}

pub fn run(args: Args) -> u8 {
    let deployed = match deployed_files(&args.deployed) {
        Ok(d) => d,
        Err(m) => {
            err(&format!("error: {m}\n"));
            return status::USAGE;
        }
    };
    let Planned {
        ws,
        program,
        plan: the_plan,
    } = match plan_workspace(&args.workspace, OutputFormat::Human, args.color) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let root = display_name(&ws.root.join("x"));
    let root = root.strip_suffix('x').unwrap_or("").to_string();
    // Only the deployable documents are kept: each artifact's template or main file.
    let documents: Mutex<BTreeMap<String, String>> = Mutex::new(BTreeMap::new());
    let result = build(
        &program,
        &ws.map,
        &root,
        ".",
        &the_plan,
        &ws.config,
        &|path, text| {
            if (path.ends_with("/template.json") || path.ends_with("/main.tf.json"))
                && let Ok(mut d) = documents.lock()
            {
                d.insert(path.to_string(), text.to_string());
            }
            Ok(())
        },
    );
    let built = match result {
        Ok(b) => b,
        Err(Failure::Diagnostics(d)) => {
            let report = crate::check::Report { diagnostics: d };
            print_report(&report, &ws.map, OutputFormat::Human, args.color, ws.files);
            return status::INPUT_ERRORS;
        }
        Err(Failure::Usage(m) | Failure::Io(m)) => {
            err(&format!("error: {m}\n"));
            return status::USAGE;
        }
    };
    let documents = documents.into_inner().unwrap_or_default();
    let stacks = compare(&built.records, &documents, deployed);
    let text = match args.format {
        ReportFormat::Text => text_report(&stacks, &args.deployed),
        ReportFormat::Json => {
            let mut s = serde_json::to_string_pretty(&json_report(&stacks)).unwrap_or_default();
            s.push('\n');
            s
        }
    };
    out(&text);
    if stacks
        .iter()
        .any(|s| matches!(s.verdict, Verdict::Unreadable(_)))
    {
        status::USAGE
    } else if stacks.iter().any(Stack::drifted) {
        status::INPUT_ERRORS
    } else {
        status::OK
    }
}

/// The deployed files by stack name. `STACK.tfplan.json` is a Terraform plan; of
/// `STACK.json`, `STACK.yaml` and `STACK.yml`, the first present is the template.
fn deployed_files(dir: &Path) -> Result<BTreeMap<String, DeployedFile>, String> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read `{}`: {}", dir.display(), io_reason(&e)))?;
    let mut names: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .filter_map(|p| Some((p.file_name()?.to_str()?.to_string(), p)))
        .filter(|(n, _)| !n.starts_with('.'))
        .collect();
    names.sort();
    let mut found: BTreeMap<String, DeployedFile> = BTreeMap::new();
    // `.json` before `.yaml` before `.yml`, whatever the listing's order.
    for ext in [".tfplan.json", ".json", ".yaml", ".yml"] {
        for (name, path) in &names {
            let Some(stack) = name.strip_suffix(ext) else {
                continue;
            };
            if ext == ".json" && stack.ends_with(".tfplan") || stack.is_empty() {
                continue;
            }
            found.entry(stack.to_string()).or_insert(DeployedFile {
                path: path.clone(),
                terraform: ext == ".tfplan.json",
            });
        }
    }
    Ok(found)
}

fn compare(
    records: &[Record],
    documents: &BTreeMap<String, String>,
    mut deployed: BTreeMap<String, DeployedFile>,
) -> Vec<Stack> {
    let mut stacks = Vec::new();
    for r in records {
        let terraform = r.target == Target::Terraform;
        let file = deployed
            .get(&r.stack)
            .filter(|f| f.terraform == terraform)
            .cloned();
        if file.is_some() {
            deployed.remove(&r.stack);
        }
        let main = match r.target {
            Target::CloudFormation => "template.json",
            Target::Terraform => "main.tf.json",
        };
        let verdict = match &file {
            None => Verdict::NotDeployed,
            Some(f) if terraform => match read(&f.path)
                .and_then(|t| planned_changes(&t).map_err(|e| in_file(&f.path, e)))
            {
                Ok(changes) if changes.is_empty() => Verdict::Matches,
                Ok(changes) => Verdict::Planned(changes),
                Err(why) => Verdict::Unreadable(why),
            },
            Some(f) => {
                let built = documents
                    .get(&format!("{}/{main}", r.id))
                    .and_then(|t| serde_json::from_str::<Value>(t).ok())
                    .unwrap_or(Value::Null);
                match read(&f.path).and_then(|t| template_body(&t).map_err(|e| in_file(&f.path, e)))
                {
                    Ok(body) => {
                        let d = diff(
                            &without_formwork_metadata(body),
                            &without_formwork_metadata(built),
                        );
                        if d.is_empty() {
                            Verdict::Matches
                        } else {
                            Verdict::Differs(d)
                        }
                    }
                    Err(why) => Verdict::Unreadable(why),
                }
            }
        };
        stacks.push(Stack {
            name: r.stack.clone(),
            built: Some((r.id.clone(), r.target)),
            file: file.map(|f| f.path),
            verdict,
        });
    }
    for (name, f) in deployed {
        stacks.push(Stack {
            name,
            built: None,
            file: Some(f.path),
            verdict: Verdict::NotBuilt,
        });
    }
    stacks
}

fn in_file(path: &Path, why: String) -> String {
    format!("`{}`: {why}", display_name(path))
}

/// A deployed file's text, at most [`MAX_DEPLOYED_BYTES`].
fn read(path: &Path) -> Result<String, String> {
    let shown = path.display();
    let file = std::fs::File::open(path)
        .map_err(|e| format!("cannot read `{shown}`: {}", io_reason(&e)))?;
    let mut bytes = Vec::new();
    file.take(MAX_DEPLOYED_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read `{shown}`: {}", io_reason(&e)))?;
    if bytes.len() as u64 > MAX_DEPLOYED_BYTES {
        return Err(format!("`{shown}` is larger than 64 MiB"));
    }
    let text = String::from_utf8(bytes).map_err(|_| format!("`{shown}` is not UTF-8 text"))?;
    let text = text
        .strip_prefix('\u{feff}')
        .map(str::to_string)
        .unwrap_or(text);
    Ok(text)
}

/// A CloudFormation template from `get-template`'s output: the body itself, or the
/// whole response; a body given as a string holds JSON or YAML.
fn template_body(text: &str) -> Result<Value, String> {
    let doc = parse_json_or_yaml(text)?;
    let body = match doc {
        Value::Object(mut m) if m.contains_key("TemplateBody") => {
            m.remove("TemplateBody").unwrap_or(Value::Null)
        }
        other => other,
    };
    let body = match body {
        Value::String(s) => parse_json_or_yaml(&s)?,
        other => other,
    };
    if !body.is_object() {
        return Err("not a CloudFormation template: expected a JSON or YAML object".into());
    }
    Ok(body)
}

fn parse_json_or_yaml(text: &str) -> Result<Value, String> {
    let looks_json = matches!(text.trim_start().chars().next(), Some('{' | '[' | '"'));
    match serde_json::from_str::<Value>(text) {
        Ok(v) => Ok(v),
        Err(e) if looks_json => Err(format!("not valid JSON: {e}")),
        Err(_) => yaml_to_json(text).map_err(|e| format!("not valid JSON or YAML: {e}")),
    }
}

/// Every change a Terraform plan (`terraform show -json`) would make: address and
/// actions, by address. `no-op` and `read` change nothing.
fn planned_changes(text: &str) -> Result<Vec<(String, Vec<String>)>, String> {
    let doc: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let not_a_plan =
        || "not a Terraform plan: expected `terraform show -json PLANFILE`".to_string();
    let Some(top) = doc.as_object() else {
        return Err(not_a_plan());
    };
    let changes = match top.get("resource_changes") {
        Some(Value::Array(c)) => c.as_slice(),
        // `terraform show -json` leaves the list out when there is nothing in it.
        None if top.contains_key("format_version") => &[],
        _ => return Err(not_a_plan()),
    };
    let mut out = Vec::new();
    for c in changes {
        let address = c
            .get("address")
            .and_then(Value::as_str)
            .ok_or_else(|| "a `resource_changes` entry without an `address`".to_string())?;
        let actions: Vec<String> = c
            .get("change")
            .and_then(|c| c.get("actions"))
            .and_then(Value::as_array)
            .ok_or_else(|| format!("`{address}` has no `change.actions`"))?
            .iter()
            .map(|a| a.as_str().unwrap_or("?").to_string())
            .collect();
        let quiet = matches!(actions.as_slice(), [a] if a == "no-op" || a == "read");
        if !quiet {
            out.push((address.to_string(), actions));
        }
    }
    out.sort();
    Ok(out)
}

/// A YAML CloudFormation template as the JSON it stands for: scalars by the YAML 1.2
/// core schema, short-form intrinsics (`!Ref x`, `!GetAtt a.b`, `!Sub …`) as their
/// long form. Aliases are refused (CloudFormation refuses them too), and nesting is
/// capped, so no input grows without bound.
fn yaml_to_json(text: &str) -> Result<Value, String> {
    use saphyr_parser::{Event, Parser};
    enum Frame {
        Seq(Vec<Value>, Option<String>),
        Map(Map<String, Value>, Option<String>, Option<String>),
    }
    let open = |stack: &mut Vec<Frame>,
                line: usize,
                tag: Option<&saphyr_parser::Tag>,
                seq: bool|
     -> Result<(), String> {
        if stack.len() >= MAX_YAML_DEPTH {
            return Err(format!(
                "line {line}: nested deeper than {MAX_YAML_DEPTH} levels"
            ));
        }
        let short = tag.filter(|t| t.handle == "!").map(|t| t.suffix.clone());
        stack.push(if seq {
            Frame::Seq(Vec::new(), short)
        } else {
            Frame::Map(Map::new(), None, short)
        });
        Ok(())
    };
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Value> = None;
    let push = |stack: &mut Vec<Frame>, root: &mut Option<Value>, v: Value| -> Result<(), String> {
        match stack.last_mut() {
            None => {
                if root.is_none() {
                    *root = Some(v);
                }
                Ok(())
            }
            Some(Frame::Seq(items, _)) => {
                items.push(v);
                Ok(())
            }
            Some(Frame::Map(m, key, _)) => {
                match key.take() {
                    Some(k) => {
                        m.insert(k, v);
                    }
                    None => {
                        *key = Some(match v {
                            Value::String(s) => s,
                            Value::Number(n) => n.to_string(),
                            Value::Bool(b) => b.to_string(),
                            Value::Null => "null".to_string(),
                            _ => return Err("a mapping key that is not a scalar".into()),
                        })
                    }
                }
                Ok(())
            }
        }
    };
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| e.to_string())?;
        let line = span.start.line();
        match event {
            Event::Alias(_) => return Err(format!("line {line}: YAML aliases are not supported")),
            Event::Scalar(value, style, _, tag) => {
                let tag = tag.map(|t| (t.handle.clone(), t.suffix.clone()));
                let v = match &tag {
                    Some((h, s)) if h == "!" => intrinsic(s, scalar(&value, style, true)),
                    Some((_, s)) => core_tagged(s, &value),
                    None => scalar(&value, style, false),
                };
                push(&mut stack, &mut root, v)?;
            }
            Event::SequenceStart(_, tag) => {
                open(&mut stack, line, tag.as_deref(), true)?;
            }
            Event::MappingStart(_, tag) => {
                open(&mut stack, line, tag.as_deref(), false)?;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (v, short) = match stack.pop() {
                    Some(Frame::Seq(items, short)) => (Value::Array(items), short),
                    Some(Frame::Map(m, _, short)) => (Value::Object(m), short),
                    None => return Err(format!("line {line}: unbalanced YAML")),
                };
                let v = match short {
                    Some(s) => intrinsic(&s, v),
                    None => v,
                };
                push(&mut stack, &mut root, v)?;
            }
            Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart(_)
            | Event::DocumentEnd
            | Event::Nothing => {}
        }
    }
    root.ok_or_else(|| "an empty document".to_string())
}

/// A scalar by the YAML 1.2 core schema; quoted (and tagged) scalars are strings.
fn scalar(text: &str, style: saphyr_parser::ScalarStyle, tagged: bool) -> Value {
    if style != saphyr_parser::ScalarStyle::Plain || tagged {
        return Value::String(text.to_string());
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    let numeric = text
        .trim_start_matches(['-', '+'])
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit() || c == '.');
    if numeric {
        if let Ok(i) = text.parse::<i64>() {
            return Value::from(i);
        }
        if text
            .chars()
            .all(|c| c.is_ascii_digit() || "+-.eE".contains(c))
            && let Some(n) = text
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
        {
            return Value::Number(n);
        }
    }
    Value::String(text.to_string())
}

/// A scalar with a core-schema tag (`!!str 3`, `!!int "3"`): the tag decides.
fn core_tagged(suffix: &str, text: &str) -> Value {
    match suffix {
        "str" => Value::String(text.to_string()),
        _ => scalar(text, saphyr_parser::ScalarStyle::Plain, false),
    }
}

/// A short-form intrinsic as its long form: `!Ref x` is `{"Ref": "x"}`, `!GetAtt
/// a.b` is `{"Fn::GetAtt": ["a", "b"]}`, `!Condition c` is `{"Condition": "c"}`,
/// `!Sub …` is `{"Fn::Sub": …}`.
fn intrinsic(name: &str, v: Value) -> Value {
    let key = match name {
        "Ref" | "Condition" => name.to_string(),
        _ => format!("Fn::{name}"),
    };
    let v = match (name, v) {
        ("GetAtt", Value::String(s)) => match s.split_once('.') {
            Some((r, a)) => json!([r, a]),
            None => Value::String(s),
        },
        (_, v) => v,
    };
    let mut m = Map::new();
    m.insert(key, v);
    Value::Object(m)
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The symbol of a Terraform plan's actions.
fn plan_line(address: &str, actions: &[String]) -> String {
    let joined = actions.join(", ");
    let replaced = actions.iter().any(|a| a == "delete") && actions.iter().any(|a| a == "create");
    let symbol = match actions {
        _ if replaced => '~',
        [a] if a == "create" => '+',
        [a] if a == "delete" => '-',
        _ => '~',
    };
    let effect = if replaced {
        format!("  (replaces `{address}`)")
    } else if symbol == '-' {
        format!("  (deletes `{address}`)")
    } else {
        String::new()
    };
    format!("{symbol} {address}: {joined}{effect}")
}

fn text_report(stacks: &[Stack], dir: &Path) -> String {
    let mut s = String::new();
    let mut matching = Vec::new();
    for st in stacks {
        let built = match &st.built {
            Some((id, target)) => format!(" ({id}, {})", target.display()),
            None => String::new(),
        };
        let file = st
            .file
            .as_ref()
            .map(|f| display_name(f))
            .unwrap_or_default();
        match &st.verdict {
            Verdict::Matches => matching.push(format!("`{}`", st.name)),
            Verdict::Differs(d) => {
                s.push_str(&format!(
                    "stack `{}`{built} differs from `{file}`, deployed → built:\n",
                    st.name
                ));
                s.push_str(&render_text(d, "  "));
            }
            Verdict::Planned(changes) => {
                s.push_str(&format!(
                    "stack `{}`{built} differs: its plan `{file}` would change {}:\n",
                    st.name,
                    plural(changes.len(), "resource")
                ));
                for (address, actions) in changes {
                    s.push_str(&format!("  {}\n", plan_line(address, actions)));
                }
            }
            Verdict::NotDeployed => s.push_str(&format!(
                "stack `{}`{built} is built but not deployed: `{}` has no `{}.{}`\n",
                st.name,
                display_name(dir),
                st.name,
                match st.built {
                    Some((_, Target::Terraform)) => "tfplan.json",
                    _ => "json",
                }
            )),
            Verdict::NotBuilt => s.push_str(&format!(
                "stack `{}` is deployed but no longer built: `{file}`\n",
                st.name
            )),
            Verdict::Unreadable(why) => s.push_str(&format!(
                "stack `{}`{built}: cannot compare: {why}\n",
                st.name
            )),
        }
    }
    if !matching.is_empty() {
        s.push_str(&format!("matching: {}\n", matching.join(", ")));
    }
    let drifted = stacks.iter().filter(|s| s.drifted()).count();
    s.push_str(&match drifted {
        0 => format!("no drift: {} match\n", plural(stacks.len(), "stack")),
        n => format!("drift in {n} of {}\n", plural(stacks.len(), "stack")),
    });
    s
}

fn json_report(stacks: &[Stack]) -> Value {
    let list: Vec<Value> = stacks
        .iter()
        .map(|st| {
            let mut m = Map::new();
            m.insert("stack".into(), json!(st.name));
            m.insert("status".into(), json!(st.status()));
            if let Some((id, target)) = &st.built {
                m.insert("id".into(), json!(id));
                m.insert("target".into(), json!(target.name()));
            }
            if let Some(f) = &st.file {
                m.insert("file".into(), json!(display_name(f)));
            }
            match &st.verdict {
                Verdict::Differs(d) => {
                    m.insert("differences".into(), to_json(d));
                }
                Verdict::Planned(changes) => {
                    let c: Vec<Value> = changes
                        .iter()
                        .map(|(a, actions)| json!({"address": a, "actions": actions}))
                        .collect();
                    m.insert("resource_changes".into(), Value::Array(c));
                }
                Verdict::Unreadable(why) => {
                    m.insert("error".into(), json!(why));
                }
                Verdict::Matches | Verdict::NotDeployed | Verdict::NotBuilt => {}
            }
            Value::Object(m)
        })
        .collect();
    let drifted = stacks.iter().filter(|s| s.drifted()).count();
    json!({"drift": drifted > 0, "drifted": drifted, "stacks": list})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_templates_read_as_their_json() {
        let yaml = "AWSTemplateFormatVersion: 2010-09-09\nResources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n      VisibilityTimeout: 360\n      QueueName: !Sub \"${AWS::StackName}-q\"\n      Arn: !GetAtt Role.Arn\n      List: !Split [\",\", \"a,b\"]\n      Quoted: \"360\"\n      Flag: true\n";
        let v = template_body(yaml).expect("reads");
        assert_eq!(
            v,
            json!({"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"Queue": {
                "Type": "AWS::SQS::Queue",
                "Properties": {"VisibilityTimeout": 360, "QueueName": {"Fn::Sub": "${AWS::StackName}-q"},
                    "Arn": {"Fn::GetAtt": ["Role", "Arn"]}, "List": {"Fn::Split": [",", "a,b"]},
                    "Quoted": "360", "Flag": true}}}})
        );
        assert!(yaml_to_json("a: &x [1]\nb: *x\n").is_err());
        let deep = "[".repeat(500) + &"]".repeat(500);
        assert!(template_body(&deep).is_err());
        let deep_yaml = "- ".repeat(300) + "1";
        assert!(yaml_to_json(&deep_yaml).is_err());
    }

    #[test]
    fn get_template_responses_and_bad_input() {
        let body = json!({"Resources": {}});
        let whole = json!({"TemplateBody": body, "StagesAvailable": ["Original"]});
        assert_eq!(template_body(&whole.to_string()), Ok(body.clone()));
        let as_string = json!({"TemplateBody": "Resources: {}\n"});
        assert_eq!(template_body(&as_string.to_string()), Ok(body));
        assert!(template_body("{\"Resources\": ").is_err());
        assert!(template_body("[1, 2]").is_err());
        assert!(template_body("").is_err());
    }

    #[test]
    fn plans_report_every_change() {
        let plan = json!({"format_version": "1.2", "resource_changes": [
            {"address": "aws_sqs_queue.queue", "change": {"actions": ["update"]}},
            {"address": "aws_iam_role.r", "change": {"actions": ["no-op"]}},
            {"address": "data.aws_vpc.v", "change": {"actions": ["read"]}},
            {"address": "aws_sqs_queue.dlq", "change": {"actions": ["delete", "create"]}},
        ]});
        let got = planned_changes(&plan.to_string()).expect("a plan");
        assert_eq!(
            got,
            [
                (
                    "aws_sqs_queue.dlq".to_string(),
                    vec!["delete".to_string(), "create".to_string()]
                ),
                (
                    "aws_sqs_queue.queue".to_string(),
                    vec!["update".to_string()]
                ),
            ]
        );
        assert_eq!(
            plan_line(&got[0].0, &got[0].1),
            "~ aws_sqs_queue.dlq: delete, create  (replaces `aws_sqs_queue.dlq`)"
        );
        assert_eq!(planned_changes("{\"format_version\": \"1.2\"}"), Ok(vec![]));
        assert!(planned_changes("{}").is_err());
        assert!(planned_changes("{\"resource_changes\": [{}]}").is_err());
    }
}
