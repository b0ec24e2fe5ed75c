//! `import-cfn-schemas`: converts the CloudFormation resource provider schemas that
//! cfn-lint ships into `stdlib/cloudformation/resources.jsonl`, the compact catalog the
//! type checker embeds (`src/types/resources/`). It runs by hand when cfn-lint is
//! upgraded, never during a build; the encoding and what it simplifies are described in
//! `stdlib/cloudformation/README.md`, and `src/types/resources/encoding.rs` reads it.
//!
//! ```text
//! cargo run --bin import-cfn-schemas -- <site-packages>/cfnlint/data/schemas stdlib/cloudformation/resources.jsonl
//! ```
//!
//! The output is deterministic: types are sorted by name, object keys are sorted, and
//! nothing depends on the clock or the machine.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::Parser;
use serde_json::{Map, Value, json};

/// How many `$ref`s deep one property's type is expanded; past it the type is `any`.
/// Definitions that refer to themselves are cut at the first repetition anyway; this
/// bounds the size of the few very deep schemas (QuickSight dashboards).
const MAX_REF_DEPTH: usize = 8;

#[derive(Parser)]
#[command(about = "Convert cfn-lint's CloudFormation schemas into formwork's resource catalog")]
struct Args {
    /// The `cfnlint/data/schemas` directory of an installed cfn-lint.
    schemas: PathBuf,
    /// The file to write (`stdlib/cloudformation/resources.jsonl`).
    out: PathBuf,
    /// The region whose provider list is converted.
    #[arg(long, default_value = "us-east-1")]
    region: String,
    /// The cfn-lint version, when `../../version.py` next to the schemas cannot be read.
    #[arg(long)]
    cfn_lint_version: Option<String>,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(summary) => {
            let _ = writeln!(std::io::stderr(), "{summary}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "import-cfn-schemas: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn cfn_lint_version(args: &Args) -> Result<String, String> {
    if let Some(v) = &args.cfn_lint_version {
        return Ok(v.clone());
    }
    let path = args.schemas.join("../../version.py");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("{}: {e} (pass --cfn-lint-version)", path.display()))?;
    text.lines()
        .find_map(|l| l.strip_prefix("__version__ = "))
        .map(|v| v.trim().trim_matches('"').to_string())
        .ok_or_else(|| {
            format!(
                "{}: no __version__ (pass --cfn-lint-version)",
                path.display()
            )
        })
}

fn run(args: &Args) -> Result<String, String> {
    let version = cfn_lint_version(args)?;
    let schema_date = read_json(&args.schemas.join("version.json"))?
        .get("schema_date")
        .and_then(Value::as_str)
        .ok_or("version.json has no schema_date")?
        .to_string();
    let providers = read_json(&args.schemas.join(format!("providers/{}.json", args.region)))?;
    let providers = providers
        .as_object()
        .ok_or("the provider list is not an object")?;
    // serde_json's map is sorted, so the types come out in name order.
    let mut lines = Vec::with_capacity(providers.len());
    let mut warnings = Vec::new();
    let mut dropped_patterns = 0;
    for (type_name, hash) in providers {
        let hash = hash
            .as_str()
            .ok_or_else(|| format!("{type_name}: the hash is not a string"))?;
        if !type_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == ':')
        {
            return Err(format!(
                "unexpected characters in the type name `{type_name}`"
            ));
        }
        let schema = read_json(&args.schemas.join(format!("resources/{hash}.json")))?;
        let mut converter = Converter {
            doc: &schema,
            stack: Vec::new(),
            warnings: Vec::new(),
            dropped_patterns: 0,
        };
        lines.push(converter.resource(type_name)?);
        dropped_patterns += converter.dropped_patterns;
        warnings.extend(
            converter
                .warnings
                .into_iter()
                .map(|w| format!("{type_name}: {w}")),
        );
    }
    let mut out = format!(
        "{{\"source\":\"cfn-lint\",\"version\":{},\"schema_date\":{},\"region\":{},\"types\":{}}}\n",
        Value::from(version),
        Value::from(schema_date),
        Value::from(args.region.as_str()),
        lines.len()
    );
    for line in &lines {
        out.push_str(line);
        out.push('\n');
    }
    std::fs::write(&args.out, &out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    let mut summary = format!(
        "wrote {} types, {} bytes, to {} ({dropped_patterns} patterns dropped as not portable)",
        lines.len(),
        out.len(),
        args.out.display()
    );
    warnings.sort();
    warnings.dedup();
    for w in &warnings {
        let _ = write!(summary, "\nwarning: {w}");
    }
    Ok(summary)
}

/// The encoded type `any`.
fn any() -> Value {
    Value::from("a")
}

/// A JSON pointer in a schema (`/properties/A/B`) as a dotted path (`A.B`), or `None`
/// when it does not start with `/properties/`.
fn dotted(pointer: &str) -> Option<String> {
    let rest = pointer.strip_prefix("/properties/")?;
    Some(rest.split('/').collect::<Vec<_>>().join("."))
}

fn pointer_list(schema: &Value, key: &str) -> Vec<String> {
    schema
        .get(key)
        .and_then(Value::as_array)
        .map(|ps| {
            ps.iter()
                .filter_map(Value::as_str)
                .filter_map(dotted)
                .collect()
        })
        .unwrap_or_default()
}

fn sorted_unique(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

/// Whether an alternative of a `oneOf`/`anyOf`/`allOf` says anything about the shape of a
/// value, as opposed to only constraining which properties are required.
fn is_typeful(s: &Value) -> bool {
    let Some(obj) = s.as_object() else {
        return false;
    };
    [
        "$ref",
        "type",
        "properties",
        "items",
        "enum",
        "const",
        "patternProperties",
    ]
    .iter()
    .any(|k| obj.contains_key(*k))
        || ["oneOf", "anyOf", "allOf"].iter().any(|k| {
            obj.get(*k)
                .and_then(Value::as_array)
                .is_some_and(|alts| alts.iter().any(is_typeful))
        })
}

/// Converts one provider schema; `stack` holds the `$ref`s being expanded.
struct Converter<'a> {
    doc: &'a Value,
    stack: Vec<String>,
    warnings: Vec<String>,
    /// Patterns left out because formwork's regex engine cannot read them as written.
    dropped_patterns: usize,
}

impl<'a> Converter<'a> {
    fn resource(&mut self, type_name: &str) -> Result<String, String> {
        let doc = self.doc;
        let props = doc
            .get("properties")
            .and_then(Value::as_object)
            .ok_or_else(|| format!("{type_name}: no properties"))?;
        let mut encoded_props = Map::new();
        for (name, prop) in props {
            encoded_props.insert(name.clone(), self.ty(prop));
        }
        let read_only = sorted_unique(pointer_list(doc, "readOnlyProperties"));
        let create_only = sorted_unique(pointer_list(doc, "createOnlyProperties"));
        let write_only = sorted_unique(pointer_list(doc, "writeOnlyProperties"));
        // A field the provider sets cannot be required of the template.
        for path in read_only.iter().filter(|p| p.contains('.')) {
            let segments: Vec<&str> = path.split('.').collect();
            if let Some(ty) = encoded_props.get_mut(segments[0]) {
                unrequire(ty, &segments[1..]);
            }
        }
        let top_read_only: BTreeSet<&str> = read_only.iter().map(String::as_str).collect();
        let required: Vec<String> = sorted_unique(
            doc.get("required")
                .and_then(Value::as_array)
                .map(|r| {
                    r.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
        )
        .into_iter()
        .filter(|r| {
            let known = props.contains_key(r);
            if !known {
                self.warnings
                    .push(format!("required property `{r}` is not declared"));
            }
            known && !top_read_only.contains(r.as_str())
        })
        .collect();
        let primary_identifier = pointer_list(doc, "primaryIdentifier");
        let attrs = self.attributes(type_name, props, &read_only, &primary_identifier);
        let additional = doc
            .get("patternProperties")
            .and_then(Value::as_object)
            .filter(|pp| !pp.is_empty())
            .map(|pp| self.pattern_value_type(pp));

        // The type name comes first so that the catalog can index the file by reading
        // only each line's prefix.
        let mut line = format!("{{\"type\":{}", Value::from(type_name));
        let mut field = |key: &str, value: Value| {
            let empty = match &value {
                Value::Array(a) => a.is_empty(),
                Value::Object(o) => o.is_empty(),
                _ => false,
            };
            if !empty || key == "props" {
                let _ = write!(line, ",\"{key}\":{value}");
            }
        };
        field("props", Value::Object(encoded_props));
        field("required", json!(required));
        field("read_only", json!(read_only));
        field("create_only", json!(create_only));
        field("write_only", json!(write_only));
        field("attrs", Value::Object(attrs));
        field("id", json!(primary_identifier));
        if let Some(additional) = additional {
            field("additional", additional);
        }
        line.push('}');
        Ok(line)
    }

    /// The attributes `Fn::GetAtt` can read, following cfn-lint's rules
    /// (`cfnlint/schema/_getatts.py`), plus the primary identifier.
    fn attributes(
        &mut self,
        type_name: &str,
        props: &Map<String, Value>,
        read_only: &[String],
        primary_identifier: &[String],
    ) -> Map<String, Value> {
        let mut paths: Vec<String> = Vec::new();
        let mut wildcards: Vec<(&str, Value)> = Vec::new();
        if ALL_PROPERTY_TYPES.contains(&type_name) {
            for (name, prop) in props {
                self.getatt_leaves(prop, name.clone(), &mut paths, 0);
            }
        } else if OUTPUTS_TYPES.contains(&type_name) {
            wildcards.push(("Outputs.*", Value::from("s")));
        } else {
            if let Some((_, names)) = EXCEPTIONS.iter().find(|(t, _)| *t == type_name) {
                paths.extend(names.iter().map(|n| n.to_string()));
            }
            if type_name == "AWS::ServiceCatalog::CloudFormationProvisionedProduct" {
                wildcards.push(("Outputs.*", Value::from("s")));
            }
            if type_name == "AWS::CloudFormation::CustomResource" {
                wildcards.push(("*", any()));
            }
            for p in read_only {
                if type_name == "AWS::ServiceCatalog::CloudFormationProvisionedProduct"
                    && p == "Outputs"
                {
                    continue;
                }
                paths.push(p.clone());
            }
        }
        paths.extend(primary_identifier.iter().cloned());
        let mut attrs = Map::new();
        for path in paths {
            // `Fn::GetAtt` cannot index into a list.
            if path.split('.').any(|s| s == "*") || attrs.contains_key(&path) {
                continue;
            }
            let ty = self.path_type(props, &path);
            attrs.insert(path, ty);
        }
        for (k, v) in wildcards {
            attrs.insert(k.to_string(), v);
        }
        attrs
    }

    /// cfn-lint's `_process_schema`: every scalar, and every list of scalars, reachable
    /// through objects.
    fn getatt_leaves(&mut self, s: &Value, path: String, out: &mut Vec<String>, depth: usize) {
        if depth > 32 {
            return;
        }
        let types = type_list(s);
        if types.iter().any(|t| t == "object") {
            if let Some(props) = s.get("properties").and_then(Value::as_object) {
                for (name, prop) in props {
                    self.getatt_leaves(prop, format!("{path}.{name}"), out, depth + 1);
                }
            }
        } else if types.iter().any(|t| t == "array") {
            let item_type = s
                .get("items")
                .and_then(|i| i.get("type"))
                .and_then(Value::as_str);
            if !matches!(item_type, Some("object" | "array")) {
                out.push(path);
            }
        } else if let Some(target) = s
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| self.deref(r))
        {
            self.getatt_leaves(target, path, out, depth + 1);
        } else {
            out.push(path);
        }
    }

    /// The type of a property path (`A.B`), or `any` when the schema does not say.
    fn path_type(&mut self, props: &Map<String, Value>, path: &str) -> Value {
        let mut segments = path.split('.');
        let Some(mut node) = segments.next().and_then(|s| props.get(s)) else {
            self.warnings
                .push(format!("attribute `{path}` is not a declared property"));
            return any();
        };
        for segment in segments {
            let mut resolved = node;
            for _ in 0..MAX_REF_DEPTH {
                match resolved
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| self.deref(r))
                {
                    Some(target) => resolved = target,
                    None => break,
                }
            }
            match resolved.get("properties").and_then(|p| p.get(segment)) {
                Some(next) => node = next,
                None => return any(),
            }
        }
        self.ty(node)
    }

    /// The schema a local `$ref` points at.
    fn deref(&self, reference: &str) -> Option<&'a Value> {
        self.doc.pointer(reference.strip_prefix('#')?)
    }

    /// The encoded type of a schema.
    fn ty(&mut self, s: &Value) -> Value {
        let Some(obj) = s.as_object() else {
            return any();
        };
        if let Some(reference) = obj.get("$ref").and_then(Value::as_str) {
            return self.follow(reference);
        }
        if let Some(values) = obj.get("enum").and_then(Value::as_array) {
            return enumeration(values);
        }
        if let Some(value) = obj.get("const") {
            return enumeration(std::slice::from_ref(value));
        }
        let types = type_list(s);
        let ty = match types.as_slice() {
            [t] => Some(t.as_str()),
            [] => None,
            _ => return any(),
        };
        match ty {
            Some("string") => self.string(obj),
            Some("integer") => bounded("i", obj, "minimum", "maximum"),
            Some("number") => bounded("n", obj, "minimum", "maximum"),
            Some("boolean") => Value::from("b"),
            Some("array") => self.list(obj),
            Some("object") => self.object(obj),
            Some(_) => any(),
            None if obj.contains_key("items") => self.list(obj),
            None if ["properties", "patternProperties", "additionalProperties"]
                .iter()
                .any(|k| obj.get(*k).is_some_and(Value::is_object)) =>
            {
                self.object(obj)
            }
            None => self.alternatives(obj).unwrap_or_else(any),
        }
    }

    /// A string type: `"s"`, `["s", lo, hi]`, or `["s", lo, hi, pattern]` when the
    /// schema has a `pattern` that formwork's regex engine reads the same way (see
    /// [`portable_pattern`]); any other pattern is dropped and counted.
    fn string(&mut self, obj: &Map<String, Value>) -> Value {
        let bounded = bounded("s", obj, "minLength", "maxLength");
        let Some(pattern) = obj.get("pattern").and_then(Value::as_str) else {
            return bounded;
        };
        if !portable_pattern(pattern) {
            self.dropped_patterns += 1;
            return bounded;
        }
        match bounded {
            Value::Array(mut items) => {
                items.push(Value::from(pattern));
                Value::Array(items)
            }
            _ => json!(["s", null, null, pattern]),
        }
    }

    fn follow(&mut self, reference: &str) -> Value {
        if self.stack.iter().any(|r| r == reference) || self.stack.len() >= MAX_REF_DEPTH {
            return any();
        }
        let Some(target) = self.deref(reference) else {
            self.warnings.push(format!("unresolved $ref `{reference}`"));
            return any();
        };
        self.stack.push(reference.to_string());
        let ty = self.ty(target);
        self.stack.pop();
        ty
    }

    fn list(&mut self, obj: &Map<String, Value>) -> Value {
        let item = match obj.get("items") {
            Some(items @ Value::Object(_)) => self.ty(items),
            _ => any(),
        };
        let lo = obj.get("minItems").filter(|v| v.is_number()).cloned();
        let hi = obj.get("maxItems").filter(|v| v.is_number()).cloned();
        if lo.is_none() && hi.is_none() {
            json!(["l", item])
        } else {
            json!(["l", item, lo, hi])
        }
    }

    fn object(&mut self, obj: &Map<String, Value>) -> Value {
        if let Some(props) = obj.get("properties").and_then(Value::as_object)
            && !props.is_empty()
        {
            let required: Vec<String> = obj
                .get("required")
                .and_then(Value::as_array)
                .map(|r| {
                    r.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            return self.record(props, required);
        }
        if let Some(merged) = self.alternatives(obj) {
            return merged;
        }
        if let Some(pp) = obj.get("patternProperties").and_then(Value::as_object)
            && !pp.is_empty()
        {
            let value = self.pattern_value_type(pp);
            return json!(["m", value]);
        }
        match obj.get("additionalProperties") {
            Some(ap @ Value::Object(_)) => {
                let value = self.ty(ap);
                json!(["m", value])
            }
            // An object that admits no property at all.
            Some(Value::Bool(false)) if obj.contains_key("properties") => json!({"p": {}}),
            _ => json!(["m", "a"]),
        }
    }

    fn record(&mut self, props: &Map<String, Value>, required: Vec<String>) -> Value {
        let mut fields = Map::new();
        for (name, prop) in props {
            fields.insert(name.clone(), self.ty(prop));
        }
        let required: Vec<String> = sorted_unique(required)
            .into_iter()
            .filter(|r| fields.contains_key(r))
            .collect();
        if required.is_empty() {
            json!({ "p": fields })
        } else {
            json!({ "p": fields, "r": required })
        }
    }

    /// The value type of a map given by `patternProperties`: the patterns' common type,
    /// or `any` when they differ.
    fn pattern_value_type(&mut self, pp: &Map<String, Value>) -> Value {
        let types: Vec<Value> = pp.values().map(|v| self.ty(v)).collect();
        match types.first() {
            Some(first) if types.iter().all(|t| t == first) => first.clone(),
            // Strings alike but for their patterns: the value may match either.
            Some(first)
                if types
                    .iter()
                    .all(|t| without_pattern(t) == without_pattern(first)) =>
            {
                without_pattern(first)
            }
            _ => any(),
        }
    }

    /// A `oneOf`/`anyOf`/`allOf` without a shape of its own. Alternatives that only say
    /// which properties are required are ignored; one remaining alternative is the type;
    /// several objects merge into one record holding every alternative's fields (all
    /// optional, except in `allOf`); anything else is `any`.
    fn alternatives(&mut self, obj: &Map<String, Value>) -> Option<Value> {
        for key in ["oneOf", "anyOf", "allOf"] {
            let Some(alts) = obj.get(key).and_then(Value::as_array) else {
                continue;
            };
            let typeful: Vec<&Value> = alts.iter().filter(|a| is_typeful(a)).collect();
            if typeful.is_empty() {
                continue;
            }
            let encoded: Vec<Value> = typeful.iter().map(|a| self.ty(a)).collect();
            if let [one] = encoded.as_slice() {
                return Some(one.clone());
            }
            return Some(merge_records(&encoded, key == "allOf").unwrap_or_else(any));
        }
        None
    }
}

/// Removes the field at `path` (below an encoded type) from its record's required
/// fields; `*` steps into a list's elements.
fn unrequire(ty: &mut Value, path: &[&str]) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    if let Some(list) = ty.as_array_mut() {
        if list.first().and_then(Value::as_str) == Some("l")
            && let Some(item) = list.get_mut(1)
        {
            let path = if *first == "*" { rest } else { path };
            unrequire(item, path);
        }
        return;
    }
    let Some(record) = ty.as_object_mut() else {
        return;
    };
    if rest.is_empty() {
        if let Some(Value::Array(required)) = record.get_mut("r") {
            required.retain(|r| r.as_str() != Some(*first));
            if required.is_empty() {
                record.remove("r");
            }
        }
    } else if let Some(field) = record.get_mut("p").and_then(|p| p.get_mut(*first)) {
        unrequire(field, rest);
    }
}

/// The `type` of a schema as a list (it may be a string or an array of strings).
fn type_list(s: &Value) -> Vec<String> {
    match s.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

fn enumeration(values: &[Value]) -> Value {
    let mut out = vec![Value::from("e")];
    for v in values {
        if matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_)) && !out.contains(v) {
            out.push(v.clone());
        }
    }
    if out.len() == 1 {
        any()
    } else {
        Value::Array(out)
    }
}

/// A string type without its pattern (`["s", lo, hi, p]` to `["s", lo, hi]` or `"s"`).
fn without_pattern(t: &Value) -> Value {
    match t.as_array().map(Vec::as_slice) {
        Some([tag, Value::Null, Value::Null, _]) if tag == "s" => Value::from("s"),
        Some([tag, lo, hi, _]) if tag == "s" => json!(["s", lo, hi]),
        _ => t.clone(),
    }
}

/// Whether a schema `pattern` means the same to formwork's `regex` crate as to
/// cfn-lint's Python engine: it must compile (with the size limit the checker uses)
/// and must not use `\Z`, `\A`, `\b` or `\B` (whose edge cases differ between the two).
/// Lookarounds and backreferences do not compile and are dropped with the rest. One
/// difference remains and is documented: Python's `$` also matches before a final
/// newline.
fn portable_pattern(pattern: &str) -> bool {
    !["\\Z", "\\A", "\\b", "\\B"]
        .iter()
        .any(|e| pattern.contains(e))
        && regex::RegexBuilder::new(pattern)
            .size_limit(1 << 20)
            .build()
            .is_ok()
}

/// A scalar with optional inclusive bounds: `"s"` or `["s", lo, hi]`.
fn bounded(tag: &str, obj: &Map<String, Value>, lo_key: &str, hi_key: &str) -> Value {
    let lo = obj.get(lo_key).filter(|v| v.is_number()).cloned();
    let hi = obj.get(hi_key).filter(|v| v.is_number()).cloned();
    if lo.is_none() && hi.is_none() {
        Value::from(tag)
    } else {
        json!([tag, lo, hi])
    }
}

/// Merges encoded records into one; `None` if one of them is not a record. A field in
/// several alternatives with different types becomes `any`.
fn merge_records(records: &[Value], keep_required: bool) -> Option<Value> {
    let mut fields: BTreeMap<String, Value> = BTreeMap::new();
    let mut required: Vec<String> = Vec::new();
    for r in records {
        let record = r.as_object()?;
        for (name, ty) in record.get("p")?.as_object()? {
            match fields.get(name) {
                Some(existing) if existing != ty => {
                    fields.insert(name.clone(), any());
                }
                Some(_) => {}
                None => {
                    fields.insert(name.clone(), ty.clone());
                }
            }
        }
        if keep_required && let Some(r) = record.get("r").and_then(Value::as_array) {
            required.extend(r.iter().filter_map(Value::as_str).map(str::to_string));
        }
    }
    let required = sorted_unique(required);
    Some(if required.is_empty() {
        json!({ "p": fields })
    } else {
        json!({ "p": fields, "r": required })
    })
}

/// Types whose every property `Fn::GetAtt` can read (cfn-lint's `_all_property_types`).
const ALL_PROPERTY_TYPES: &[&str] = &[
    "AWS::Amplify::Branch",
    "AWS::Amplify::Domain",
    "AWS::AppSync::DomainName",
    "AWS::AppSync::FunctionConfiguration",
    "AWS::AppSync::Resolver",
    "AWS::AutoScaling::AutoScalingGroup",
    "AWS::Backup::BackupSelection",
    "AWS::Backup::BackupVault",
    "AWS::Backup::LogicallyAirGappedBackupVault",
    "AWS::CodeArtifact::Domain",
    "AWS::CodeArtifact::Repository",
    "AWS::EC2::CapacityReservation",
    "AWS::EC2::Instance",
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::Subnet",
    "AWS::EC2::VPC",
    "AWS::EFS::MountTarget",
    "AWS::EKS::Nodegroup",
    "AWS::ElastiCache::ReplicationGroup",
    "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "AWS::Events::EventBus",
    "AWS::EventSchemas::Discoverer",
    "AWS::EventSchemas::Registry",
    "AWS::EventSchemas::Schema",
    "AWS::GameLift::GameSessionQueue",
    "AWS::GameLift::MatchmakingConfiguration",
    "AWS::GameLift::MatchmakingRuleSet",
    "AWS::Grafana::Workspace",
    "AWS::Greengrass::ConnectorDefinition",
    "AWS::Greengrass::CoreDefinition",
    "AWS::Greengrass::DeviceDefinition",
    "AWS::Greengrass::FunctionDefinition",
    "AWS::Greengrass::Group",
    "AWS::Greengrass::LoggerDefinition",
    "AWS::Greengrass::ResourceDefinition",
    "AWS::Greengrass::SubscriptionDefinition",
    "AWS::ImageBuilder::Component",
    "AWS::ImageBuilder::ContainerRecipe",
    "AWS::ImageBuilder::DistributionConfiguration",
    "AWS::ImageBuilder::ImagePipeline",
    "AWS::ImageBuilder::ImageRecipe",
    "AWS::ImageBuilder::InfrastructureConfiguration",
    "AWS::ManagedBlockchain::Node",
    "AWS::Neptune::DBCluster",
    "AWS::RDS::DBInstance",
    "AWS::RDS::DBParameterGroup",
    "AWS::RedshiftServerless::Workgroup",
    "AWS::RoboMaker::RobotApplication",
    "AWS::RoboMaker::SimulationApplication",
    "AWS::Route53Resolver::ResolverRule",
    "AWS::Route53Resolver::ResolverRuleAssociation",
    "AWS::S3::AccessPoint",
    "AWS::SageMaker::DataQualityJobDefinition",
    "AWS::SageMaker::ModelBiasJobDefinition",
    "AWS::SageMaker::ModelExplainabilityJobDefinition",
    "AWS::SageMaker::ModelQualityJobDefinition",
    "AWS::SageMaker::MonitoringSchedule",
    "AWS::SNS::Topic",
    "AWS::SQS::Queue",
    "AWS::SSM::Parameter",
    "AWS::StepFunctions::Activity",
];

/// Types whose attributes are the outputs of a nested stack (`Outputs.Name`).
const OUTPUTS_TYPES: &[&str] = &["AWS::CloudFormation::Stack", "AWS::Serverless::Application"];

/// Properties `Fn::GetAtt` reads although the schema does not list them as read-only
/// (cfn-lint's `_exceptions`).
const EXCEPTIONS: &[(&str, &[&str])] = &[
    (
        "AWS::AppMesh::GatewayRoute",
        &[
            "GatewayRouteName",
            "MeshName",
            "MeshOwner",
            "VirtualGatewayName",
        ],
    ),
    ("AWS::AppMesh::Mesh", &["MeshName"]),
    (
        "AWS::AppMesh::Route",
        &["MeshName", "MeshOwner", "RouteName", "VirtualRouterName"],
    ),
    (
        "AWS::AppMesh::VirtualGateway",
        &["MeshName", "MeshOwner", "VirtualGatewayName"],
    ),
    (
        "AWS::AppMesh::VirtualNode",
        &["MeshName", "MeshOwner", "VirtualNodeName"],
    ),
    (
        "AWS::AppMesh::VirtualRouter",
        &["MeshName", "MeshOwner", "VirtualRouterName"],
    ),
    (
        "AWS::AppMesh::VirtualService",
        &["MeshName", "MeshOwner", "VirtualServiceName"],
    ),
    ("AWS::AppSync::DataSource", &["Name"]),
    ("AWS::Cloud9::EnvironmentEC2", &["Name"]),
    ("AWS::CloudWatch::InsightRule", &["RuleName"]),
    ("AWS::DocDB::DBCluster", &["Port"]),
    ("AWS::Greengrass::ConnectorDefinition", &["Name"]),
    ("AWS::Greengrass::CoreDefinition", &["Name"]),
    ("AWS::Greengrass::DeviceDefinition", &["Name"]),
    ("AWS::Greengrass::FunctionDefinition", &["Name"]),
    ("AWS::Greengrass::Group", &["Name", "RoleArn"]),
    ("AWS::Greengrass::LoggerDefinition", &["Name"]),
    ("AWS::Greengrass::ResourceDefinition", &["Name"]),
    ("AWS::Greengrass::SubscriptionDefinition", &["Name"]),
    ("AWS::IoT1Click::Device", &["Enabled"]),
    (
        "AWS::IoT1Click::Placement",
        &["PlacementName", "ProjectName"],
    ),
    ("AWS::IoT1Click::Project", &["ProjectName"]),
    (
        "AWS::Kinesis::StreamConsumer",
        &["ConsumerName", "StreamARN"],
    ),
    ("AWS::ManagedBlockchain::Member", &["NetworkId"]),
    ("AWS::MediaConvert::JobTemplate", &["Name"]),
    ("AWS::MediaConvert::Preset", &["Name"]),
    ("AWS::MediaConvert::Queue", &["Name"]),
    ("AWS::MediaLive::Input", &["Destinations", "Sources"]),
    ("AWS::OpsWorks::Instance", &["AvailabilityZone"]),
    ("AWS::OpsWorks::UserProfile", &["SshUsername"]),
    (
        "AWS::Route53Resolver::ResolverEndpoint",
        &["Direction", "Name"],
    ),
    ("AWS::SageMaker::CodeRepository", &["CodeRepositoryName"]),
    ("AWS::SageMaker::Endpoint", &["EndpointName"]),
    ("AWS::SageMaker::EndpointConfig", &["EndpointConfigName"]),
    ("AWS::SageMaker::Model", &["ModelName"]),
    (
        "AWS::SageMaker::NotebookInstance",
        &["NotebookInstanceName"],
    ),
    (
        "AWS::SageMaker::NotebookInstanceLifecycleConfig",
        &["NotebookInstanceLifecycleConfigName"],
    ),
    ("AWS::SageMaker::Workteam", &["WorkteamName"]),
    ("AWS::ServiceDiscovery::Service", &["Name"]),
    ("AWS::Transfer::User", &["ServerId", "UserName"]),
];
