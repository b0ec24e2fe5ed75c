//! `import-tf-schema`: converts the AWS Terraform provider's own schema (what
//! `terraform providers schema -json` prints, `../shared/terraform/`) into
//! `stdlib/terraform/resources.jsonl`, the catalog the type checker embeds
//! (`src/types/resources/terraform.rs`), in the CloudFormation catalog's encoding
//! (`stdlib/cloudformation/README.md`). It runs by hand when the provider is upgraded,
//! never during a build:
//!
//! ```text
//! gunzip -c ../shared/terraform/aws-5.100.0.schema.json.gz > /tmp/aws.json
//! cargo run --bin import-tf-schema -- /tmp/aws.json stdlib/terraform/documented.json \
//!     stdlib/terraform/resources.jsonl --provider-version 5.100.0
//! ```
//!
//! Every `aws_*` resource type is converted: arguments (required or optional, also
//! when computed) are properties, computed-only attributes are attributes, `sensitive`
//! and `deprecated` are kept, and nested blocks keep their nesting mode and item
//! bounds (a block of at most one item is a record, which Terraform's JSON syntax
//! writes as an object; a repeatable one a list of records; a block of at least one
//! item is required). `id` is never a property (every type has it as its identifier,
//! and `id =` in formwork chooses the resource's name).
//!
//! The provider's schema says nothing of validation (enums, ranges, lengths) or of
//! which arguments force a replacement (`ForceNew`). What the provider documents of
//! those for the types formwork's stdlib uses is in `documented.json` (the former
//! hand-written declarations): a refinement of the same base type (`["e", …]` for a
//! string, `["i", lo, hi]` for a number) replaces the schema's plain type, and its
//! `create_only` names are kept where the schema has the argument. The converter
//! fails when `documented.json` names a type or argument the schema does not have, so
//! the two cannot drift apart silently.
//!
//! The output is deterministic: types sorted by name, keys sorted.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::PathBuf;

use clap::Parser;
use serde_json::{Map, Value, json};

const PROVIDER: &str = "registry.terraform.io/hashicorp/aws";

#[derive(Parser)]
#[command(about = "Convert the AWS Terraform provider's schema into formwork's resource catalog")]
struct Args {
    /// `terraform providers schema -json` output (uncompressed).
    schema: PathBuf,
    /// What the provider documents beyond its schema (`stdlib/terraform/documented.json`).
    documented: PathBuf,
    /// The file to write (`stdlib/terraform/resources.jsonl`).
    out: PathBuf,
    /// The provider's version, for the catalog's metadata.
    #[arg(long)]
    provider_version: String,
}

fn main() {
    if let Err(e) = run(&Args::parse()) {
        let _ = writeln!(std::io::stderr(), "import-tf-schema: {e}");
        std::process::exit(1);
    }
}

fn run(args: &Args) -> Result<(), String> {
    let read = |p: &PathBuf| -> Result<Value, String> {
        let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))
    };
    let schema = read(&args.schema)?;
    let documented = read(&args.documented)?;
    let provider = schema
        .pointer(&format!(
            "/provider_schemas/{}",
            PROVIDER.replace('/', "~1")
        ))
        .ok_or(format!("no provider {PROVIDER} in the schema"))?;
    let resources = provider
        .get("resource_schemas")
        .and_then(Value::as_object)
        .ok_or("no resource_schemas")?;
    let data_sources = provider
        .get("data_source_schemas")
        .and_then(Value::as_object)
        .map_or(0, Map::len);
    let overlay = overlay(&documented)?;
    let mut lines = Vec::with_capacity(resources.len());
    let mut used = BTreeSet::new();
    for (name, r) in resources {
        let block = r.get("block").ok_or(format!("{name}: no block"))?;
        let mut line = resource(name, block)?;
        if let Some(doc) = overlay.get(name.as_str()) {
            apply(name, &mut line, doc)?;
            used.insert(name.as_str());
        }
        lines.push(line_text(name, line)?);
    }
    if let Some(missing) = overlay.keys().find(|k| !used.contains(*k)) {
        return Err(format!(
            "documented.json declares `{missing}`, which the provider does not have"
        ));
    }
    let meta = json!({
        "source": "terraform providers schema -json",
        "provider": PROVIDER,
        "version": args.provider_version,
        "types": lines.len(),
        "data_sources": data_sources,
        "documented": used.len(),
    });
    let mut out = std::fs::File::create(&args.out).map_err(|e| e.to_string())?;
    writeln!(out, "{meta}").map_err(|e| e.to_string())?;
    for l in &lines {
        writeln!(out, "{l}").map_err(|e| e.to_string())?;
    }
    let _ = writeln!(
        std::io::stderr(),
        "import-tf-schema: {} resource types ({} with documented constraints) into {}",
        lines.len(),
        used.len(),
        args.out.display()
    );
    Ok(())
}

/// A line's text: `{"type":"NAME",` first (the catalog indexes line prefixes), then
/// the other keys, sorted.
fn line_text(name: &str, mut line: Value) -> Result<String, String> {
    if let Value::Object(m) = &mut line {
        m.remove("type");
    }
    let rest = serde_json::to_string(&line).map_err(|e| e.to_string())?;
    let name = serde_json::to_string(name).map_err(|e| e.to_string())?;
    Ok(format!(
        "{{\"type\":{name},{}",
        rest.strip_prefix('{').unwrap_or(&rest)
    ))
}

/// One resource type as a catalog line.
fn resource(name: &str, block: &Value) -> Result<Value, String> {
    let mut props = Map::new();
    let mut attrs = Map::new();
    let mut required = Vec::new();
    let mut sensitive = Vec::new();
    let mut deprecated = Vec::new();
    attrs.insert("id".into(), json!("s"));
    for (a, spec) in object(block, "attributes") {
        let flag = |k: &str| spec.get(k).and_then(Value::as_bool).unwrap_or(false);
        let ty = attribute_type(spec).map_err(|e| format!("{name}.{a}: {e}"))?;
        if a == "id" {
            continue;
        }
        if flag("sensitive") {
            sensitive.push(a.clone());
        }
        if flag("required") || flag("optional") {
            if flag("required") {
                required.push(a.clone());
            }
            if flag("deprecated") {
                deprecated.push(a.clone());
            }
            props.insert(a.clone(), ty);
        } else {
            attrs.insert(a.clone(), ty);
        }
    }
    for (b, spec) in object(block, "block_types") {
        let (ty, needed) = block_type(spec).map_err(|e| format!("{name}.{b}: {e}"))?;
        if needed {
            required.push(b.clone());
        }
        if spec
            .pointer("/block/deprecated")
            .and_then(Value::as_bool)
            .unwrap_or(false)
        {
            deprecated.push(b.clone());
        }
        props.insert(b.clone(), ty);
    }
    // Sensitive computed attributes are not properties: the flag is for arguments.
    sensitive.retain(|s| props.contains_key(s));
    let mut line = Map::new();
    line.insert("type".into(), json!(name));
    line.insert("props".into(), Value::Object(props));
    for (key, list) in [
        ("required", required),
        ("sensitive", sensitive),
        ("deprecated", deprecated),
    ] {
        if !list.is_empty() {
            let mut list = list;
            list.sort();
            line.insert(key.into(), json!(list));
        }
    }
    line.insert("attrs".into(), Value::Object(attrs));
    line.insert("id".into(), json!(["id"]));
    Ok(Value::Object(line))
}

/// The entries of `v[key]`, an object, sorted by name (empty when absent).
fn object<'a>(v: &'a Value, key: &str) -> Vec<(&'a String, &'a Value)> {
    let mut out: Vec<_> = v
        .get(key)
        .and_then(Value::as_object)
        .map(|m| m.iter().collect())
        .unwrap_or_default();
    out.sort_by(|a, b| a.0.cmp(b.0));
    out
}

/// An attribute's type: its `type` (a cty type), or its `nested_type` (the plugin
/// framework's nested attributes).
fn attribute_type(spec: &Value) -> Result<Value, String> {
    if let Some(t) = spec.get("type") {
        return cty(t);
    }
    let nested = spec
        .get("nested_type")
        .ok_or("neither `type` nor `nested_type`")?;
    let record = record(nested)?;
    let mode = nested
        .get("nesting_mode")
        .and_then(Value::as_str)
        .unwrap_or("single");
    Ok(match mode {
        "single" => record,
        "list" | "set" => json!(["l", record]),
        "map" => json!(["m", record]),
        other => return Err(format!("nesting mode `{other}`")),
    })
}

/// A nested block's type, and whether at least one is required.
fn block_type(spec: &Value) -> Result<(Value, bool), String> {
    let inner = spec.get("block").ok_or("a block type without `block`")?;
    let record = record(inner)?;
    let min = spec.get("min_items").and_then(Value::as_u64).unwrap_or(0);
    let max = spec.get("max_items").and_then(Value::as_u64);
    let mode = spec
        .get("nesting_mode")
        .and_then(Value::as_str)
        .ok_or("a block type without `nesting_mode`")?;
    let ty = match mode {
        "single" | "group" => record,
        "list" | "set" if max == Some(1) => record,
        "list" | "set" => {
            let lo = if min > 0 { json!(min) } else { Value::Null };
            let hi = max.map_or(Value::Null, |m| json!(m));
            if lo.is_null() && hi.is_null() {
                json!(["l", record])
            } else {
                json!(["l", record, lo, hi])
            }
        }
        "map" => json!(["m", record]),
        other => return Err(format!("nesting mode `{other}`")),
    };
    Ok((ty, min > 0))
}

/// A block (or nested attribute object) as a record: its settable attributes and
/// nested blocks; computed-only attributes inside are left out (nothing sets them).
fn record(block: &Value) -> Result<Value, String> {
    let mut fields = Map::new();
    let mut required = Vec::new();
    for (a, spec) in object(block, "attributes") {
        let flag = |k: &str| spec.get(k).and_then(Value::as_bool).unwrap_or(false);
        if !(flag("required") || flag("optional")) {
            continue;
        }
        if flag("required") {
            required.push(a.clone());
        }
        fields.insert(a.clone(), attribute_type(spec)?);
    }
    for (b, spec) in object(block, "block_types") {
        let (ty, needed) = block_type(spec)?;
        if needed {
            required.push(b.clone());
        }
        fields.insert(b.clone(), ty);
    }
    let mut r = Map::new();
    r.insert("p".into(), Value::Object(fields));
    if !required.is_empty() {
        required.sort();
        r.insert("r".into(), json!(required));
    }
    Ok(Value::Object(r))
}

/// A cty type constraint as the catalog encodes it.
fn cty(t: &Value) -> Result<Value, String> {
    Ok(match t {
        Value::String(s) => match s.as_str() {
            "string" => json!("s"),
            "number" => json!("n"),
            "bool" => json!("b"),
            "dynamic" => json!("a"),
            other => return Err(format!("primitive type `{other}`")),
        },
        Value::Array(parts) => match (parts.first().and_then(Value::as_str), parts.get(1)) {
            (Some("list" | "set"), Some(elem)) => json!(["l", cty(elem)?]),
            (Some("map"), Some(elem)) => json!(["m", cty(elem)?]),
            (Some("object"), Some(Value::Object(fields))) => {
                // An object attribute: every field may be left out (null).
                let mut p = Map::new();
                for (k, v) in fields {
                    p.insert(k.clone(), cty(v)?);
                }
                json!({ "p": p })
            }
            (Some("tuple"), _) => json!(["l", "a"]),
            _ => return Err(format!("type {t}")),
        },
        _ => return Err(format!("type {t}")),
    })
}

/// `documented.json`'s types by name.
fn overlay(doc: &Value) -> Result<BTreeMap<&str, &Value>, String> {
    let types = doc
        .get("types")
        .and_then(Value::as_array)
        .ok_or("documented.json has no `types` list")?;
    let mut out = BTreeMap::new();
    for t in types {
        let name = t
            .get("type")
            .and_then(Value::as_str)
            .ok_or("a documented type has no `type`")?;
        out.insert(name, t);
    }
    Ok(out)
}

/// Applies what the provider documents of `name` to its converted line.
fn apply(name: &str, line: &mut Value, doc: &Value) -> Result<(), String> {
    let Some(Value::Object(props)) = line.get_mut("props") else {
        return Err(format!("{name}: no props"));
    };
    let documented = doc.get("props").and_then(Value::as_object);
    for (p, t) in documented.into_iter().flatten() {
        let Some(have) = props.get_mut(p) else {
            return Err(format!(
                "documented.json: `{name}.{p}` is not an argument of the provider's `{name}`"
            ));
        };
        *have = merge(have, t);
    }
    let create_only: Vec<&str> = doc
        .get("create_only")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut kept = Vec::new();
    for c in create_only {
        let top = c.split('.').next().unwrap_or(c);
        if props.contains_key(top) {
            kept.push(c.to_string());
        } else {
            return Err(format!(
                "documented.json: `{name}` create_only `{c}` is not an argument"
            ));
        }
    }
    if !kept.is_empty() {
        kept.sort();
        let Value::Object(obj) = line else {
            return Err(format!("{name}: not an object"));
        };
        obj.insert("create_only".into(), json!(kept));
    }
    Ok(())
}

/// The schema's type `have` with what `doc` documents: a refinement of the same base
/// type replaces a plain scalar; records and lists are merged field by field, and a
/// record's documented required fields are added to the schema's; anything else keeps
/// the schema's type (the schema decides the shape).
fn merge(have: &Value, doc: &Value) -> Value {
    let base = |v: &Value| -> Option<&'static str> {
        match v {
            Value::String(s) => match s.as_str() {
                "s" => Some("s"),
                "n" | "i" => Some("n"),
                "b" => Some("b"),
                _ => None,
            },
            Value::Array(a) => match a.first().and_then(Value::as_str) {
                Some("s") => Some("s"),
                Some("i" | "n") => Some("n"),
                Some("e") => match a.get(1) {
                    Some(Value::String(_)) => Some("s"),
                    Some(Value::Number(_)) => Some("n"),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        }
    };
    match (have, doc) {
        (Value::String(_), _) if base(have).is_some() && base(have) == base(doc) => doc.clone(),
        (Value::Object(h), Value::Object(d)) => {
            let (Some(Value::Object(hp)), Some(Value::Object(dp))) = (h.get("p"), d.get("p"))
            else {
                return have.clone();
            };
            let mut fields = hp.clone();
            for (k, v) in dp {
                if let Some(f) = fields.get_mut(k) {
                    *f = merge(f, v);
                }
            }
            let mut out = h.clone();
            // An object-typed attribute cannot say which fields it needs; the
            // documentation can: its required fields are added.
            let mut required: BTreeSet<String> = [h.get("r"), d.get("r")]
                .into_iter()
                .flatten()
                .filter_map(Value::as_array)
                .flatten()
                .filter_map(Value::as_str)
                .filter(|r| fields.contains_key(*r))
                .map(str::to_string)
                .collect();
            if !required.is_empty() {
                out.insert("r".into(), json!(std::mem::take(&mut required)));
            }
            out.insert("p".into(), Value::Object(fields));
            Value::Object(out)
        }
        (Value::Array(h), Value::Array(d))
            if h.first().and_then(Value::as_str) == Some("l")
                && d.first().and_then(Value::as_str) == Some("l") =>
        {
            let mut out = h.clone();
            if let (Some(hi), Some(di)) = (h.get(1), d.get(1)) {
                out[1] = merge(hi, di);
            }
            Value::Array(out)
        }
        // A list of at most one block (a record here) documented as a list.
        (Value::Object(_), Value::Array(d)) if d.first().and_then(Value::as_str) == Some("l") => {
            d.get(1).map_or_else(|| have.clone(), |di| merge(have, di))
        }
        _ => have.clone(),
    }
}
