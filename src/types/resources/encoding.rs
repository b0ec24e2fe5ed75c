//! Decoding the catalogs' compact encoding into [`ResourceSchema`]s and [`Ty`]s. The
//! encoding (written by `tools/import_cfn_schemas.rs` for CloudFormation and by
//! `tools/import_tf_schema.rs` for Terraform; documented in
//! `stdlib/cloudformation/README.md`):
//!
//! - a type is `"s"` (String), `"i"` (Int), `"n"` (Number), `"b"` (Bool), `"a"` (Any);
//!   `["s", lo, hi]` bounds a string's length (`["s", lo, hi, pattern]` also gives the
//!   regular expression it must match), `["i", lo, hi]` and `["n", lo, hi]` a
//!   number (either bound may be `null`); `["e", v, …]` is an enumeration of literals;
//!   `["l", T]` or `["l", T, lo, hi]` a list (with bounds on its length); `["m", T]` a map
//!   with string keys; `{"p": {name: T, …}, "r": [required names]}` a record;
//! - a resource is an object whose first key is `type`, then `props` (name → type), and
//!   where not empty `required`, `read_only`, `create_only`, `write_only`, `sensitive`,
//!   `deprecated` (dotted paths;
//!   top-level names set the flags of [`PropertySchema`]), `attrs` (dotted path → type),
//!   `id` (the primary identifier) and `additional` (the type of undeclared properties).
//!
//! Decoding is strict (unknown keys and tags are errors), so the tests that decode every
//! entry catch a mistake in the data.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::{PropertySchema, ResourceSchema, Target};
use crate::types::ty::{FieldTy, Lit, Refinement, Ty};

const RESOURCE_KEYS: &[&str] = &[
    "type",
    "props",
    "required",
    "read_only",
    "create_only",
    "write_only",
    "sensitive",
    "attrs",
    "id",
    "additional",
    "deprecated",
];

/// Decodes one resource type.
pub(super) fn resource(v: &Value, target: Target) -> Result<ResourceSchema, String> {
    let obj = v.as_object().ok_or("a resource is not an object")?;
    let type_name = obj
        .get("type")
        .and_then(Value::as_str)
        .ok_or("a resource has no `type`")?;
    let err = |e: String| format!("`{type_name}`: {e}");
    if let Some(k) = obj.keys().find(|k| !RESOURCE_KEYS.contains(&k.as_str())) {
        return Err(err(format!("unknown key `{k}`")));
    }
    let props = obj
        .get("props")
        .and_then(Value::as_object)
        .ok_or_else(|| err("no `props`".into()))?;
    let required = string_set(obj, "required").map_err(err)?;
    let read_only = string_set(obj, "read_only").map_err(err)?;
    let create_only = string_set(obj, "create_only").map_err(err)?;
    let write_only = string_set(obj, "write_only").map_err(err)?;
    let sensitive = string_set(obj, "sensitive").map_err(err)?;
    let deprecated = string_set(obj, "deprecated").map_err(err)?;
    for (list, paths) in [
        ("deprecated", &deprecated),
        ("required", &required),
        ("read_only", &read_only),
        ("create_only", &create_only),
        ("write_only", &write_only),
        ("sensitive", &sensitive),
    ] {
        for p in paths {
            let top = p.split('.').next().unwrap_or(p);
            if !props.contains_key(top) || (list == "required" && p.contains('.')) {
                return Err(err(format!(
                    "`{list}` names `{p}`, which is not a property"
                )));
            }
        }
    }
    let mut properties = BTreeMap::new();
    for (name, t) in props {
        let ty = ty(t).map_err(|e| err(format!("property `{name}`: {e}")))?;
        let property = PropertySchema {
            ty,
            required: required.contains(name),
            read_only: read_only.contains(name),
            create_only: create_only.contains(name),
            write_only: write_only.contains(name),
            sensitive: sensitive.contains(name),
            deprecated: deprecated.contains(name),
        };
        properties.insert(name.clone(), property);
    }
    let mut attributes = BTreeMap::new();
    if let Some(attrs) = obj.get("attrs") {
        let attrs = attrs
            .as_object()
            .ok_or_else(|| err("`attrs` is not an object".into()))?;
        for (name, t) in attrs {
            let ty = ty(t).map_err(|e| err(format!("attribute `{name}`: {e}")))?;
            attributes.insert(name.clone(), ty);
        }
    }
    if target == Target::Terraform {
        // Every argument of a Terraform resource can be read back.
        for (name, p) in &properties {
            attributes
                .entry(name.clone())
                .or_insert_with(|| p.ty.clone());
        }
    }
    let primary_identifier = match obj.get("id") {
        None => Vec::new(),
        Some(v) => strings(v).ok_or_else(|| err("`id` is not a list of strings".into()))?,
    };
    let additional_properties = match obj.get("additional") {
        None => None,
        Some(t) => Some(ty(t).map_err(|e| err(format!("`additional`: {e}")))?),
    };
    let nested = |paths: &BTreeSet<String>| -> BTreeSet<String> {
        paths.iter().filter(|p| p.contains('.')).cloned().collect()
    };
    Ok(ResourceSchema {
        type_name: type_name.to_string(),
        target,
        properties,
        attributes,
        primary_identifier,
        additional_properties,
        nested_read_only: nested(&read_only),
        nested_create_only: nested(&create_only),
        nested_write_only: nested(&write_only),
        nested_sensitive: nested(&sensitive),
    })
}

fn strings(v: &Value) -> Option<Vec<String>> {
    v.as_array()?
        .iter()
        .map(|s| s.as_str().map(str::to_string))
        .collect()
}

fn string_set(obj: &Map<String, Value>, key: &str) -> Result<BTreeSet<String>, String> {
    match obj.get(key) {
        None => Ok(BTreeSet::new()),
        Some(v) => strings(v)
            .map(|v| v.into_iter().collect())
            .ok_or_else(|| format!("`{key}` is not a list of strings")),
    }
}

/// Decodes one type.
pub(super) fn ty(v: &Value) -> Result<Ty, String> {
    match v {
        Value::String(tag) => match tag.as_str() {
            "s" => Ok(Ty::String),
            "i" => Ok(Ty::Int),
            "n" => Ok(Ty::Number),
            "b" => Ok(Ty::Bool),
            "a" => Ok(Ty::Any),
            _ => Err(format!("unknown type `{tag}`")),
        },
        Value::Array(items) => {
            let (tag, rest) = items.split_first().ok_or("an empty type")?;
            match (tag.as_str().ok_or("a type's tag is not a string")?, rest) {
                ("s", [lo, hi]) => {
                    let length = Refinement::Length {
                        lo: count(lo)?,
                        hi: count(hi)?,
                    };
                    Ok(refined(Ty::String, length))
                }
                ("s", [lo, hi, pattern]) => {
                    let length = Refinement::Length {
                        lo: count(lo)?,
                        hi: count(hi)?,
                    };
                    let pattern = pattern.as_str().ok_or("a pattern is not a string")?;
                    let pattern = Refinement::Pattern(pattern.to_string());
                    Ok(match refined(Ty::String, length) {
                        Ty::Refined(base, mut rs) => {
                            rs.push(pattern);
                            Ty::Refined(base, rs)
                        }
                        base => Ty::Refined(Box::new(base), vec![pattern]),
                    })
                }
                ("i", [lo, hi]) => Ok(refined(Ty::Int, range(lo, hi)?)),
                ("n", [lo, hi]) => Ok(refined(Ty::Number, range(lo, hi)?)),
                ("e", [one]) => literal(one),
                ("e", values) if !values.is_empty() => Ok(Ty::Union(
                    values.iter().map(literal).collect::<Result<_, _>>()?,
                )),
                ("l", [item]) => Ok(Ty::list(ty(item)?)),
                ("l", [item, lo, hi]) => {
                    let length = Refinement::Length {
                        lo: count(lo)?,
                        hi: count(hi)?,
                    };
                    Ok(refined(Ty::list(ty(item)?), length))
                }
                ("m", [value]) => Ok(Ty::map(ty(value)?)),
                (tag, _) => Err(format!("malformed type `{tag}`: {v}")),
            }
        }
        Value::Object(record) => {
            if let Some(k) = record.keys().find(|k| *k != "p" && *k != "r") {
                return Err(format!("unknown key `{k}` in a record"));
            }
            let fields = record
                .get("p")
                .and_then(Value::as_object)
                .ok_or("a record has no `p`")?;
            let required = string_set(record, "r")?;
            if let Some(r) = required.iter().find(|r| !fields.contains_key(*r)) {
                return Err(format!(
                    "a record requires `{r}`, which it does not declare"
                ));
            }
            let mut out = BTreeMap::new();
            for (name, t) in fields {
                let ty = ty(t).map_err(|e| format!("field `{name}`: {e}"))?;
                out.insert(
                    name.clone(),
                    FieldTy {
                        ty,
                        optional: !required.contains(name),
                    },
                );
            }
            Ok(Ty::Record(out))
        }
        _ => Err(format!("malformed type {v}")),
    }
}

/// A base type with a refinement, unless the refinement bounds nothing.
fn refined(base: Ty, r: Refinement) -> Ty {
    match r {
        Refinement::Length { lo: None, hi: None } | Refinement::Range { lo: None, hi: None } => {
            base
        }
        r => Ty::Refined(Box::new(base), vec![r]),
    }
}

fn count(v: &Value) -> Result<Option<u64>, String> {
    match v {
        Value::Null => Ok(None),
        v => v
            .as_u64()
            .map(Some)
            .ok_or_else(|| format!("bad length bound {v}")),
    }
}

fn range(lo: &Value, hi: &Value) -> Result<Refinement, String> {
    let bound = |v: &Value| match v {
        Value::Null => Ok(None),
        v => v
            .as_f64()
            .map(Some)
            .ok_or_else(|| format!("bad numeric bound {v}")),
    };
    Ok(Refinement::Range {
        lo: bound(lo)?,
        hi: bound(hi)?,
    })
}

fn literal(v: &Value) -> Result<Ty, String> {
    let lit = match v {
        Value::String(s) => Lit::String(s.clone()),
        Value::Bool(b) => Lit::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Lit::Int(i),
            None => Lit::Number(n.as_f64().ok_or_else(|| format!("bad number {n}"))?),
        },
        v => return Err(format!("bad enumeration value {v}")),
    };
    Ok(Ty::Lit(lit))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decodes_types() {
        assert_eq!(ty(&json!("s")), Ok(Ty::String));
        assert_eq!(
            ty(&json!(["i", 1, null])),
            Ok(Ty::Refined(
                Box::new(Ty::Int),
                vec![Refinement::Range {
                    lo: Some(1.0),
                    hi: None
                }]
            ))
        );
        assert_eq!(ty(&json!(["s", null, null])), Ok(Ty::String));
        assert_eq!(
            ty(&json!(["s", 1, null, "^[a-z]+$"])).map(|t| t.to_string()),
            Ok("String len 1.. matches /^[a-z]+$/".to_string())
        );
        assert_eq!(
            ty(&json!(["s", null, null, "^x"])).map(|t| t.to_string()),
            Ok("String matches /^x/".to_string())
        );
        assert_eq!(
            ty(&json!(["e", "a", 2])),
            Ok(Ty::Union(vec![
                Ty::Lit(Lit::String("a".into())),
                Ty::Lit(Lit::Int(2))
            ]))
        );
        assert_eq!(
            ty(&json!(["e", "only"])),
            Ok(Ty::Lit(Lit::String("only".into())))
        );
        assert_eq!(
            ty(&json!(["m", ["l", "b"]])),
            Ok(Ty::map(Ty::list(Ty::Bool)))
        );
        let record = ty(&json!({"p": {"A": "s", "B": "i"}, "r": ["A"]})).expect("a record");
        assert_eq!(record.to_string(), "{ A: String, B: Int = … }");
        assert_eq!(
            ty(&json!(["l", "s", 1, 5])).map(|t| t.to_string()),
            Ok("List<String> len 1..5".to_string())
        );
    }

    #[test]
    fn rejects_malformed_types() {
        for bad in [
            json!("x"),
            json!([]),
            json!(["e"]),
            json!(["s", 1]),
            json!(["s", 1, 2, 3]),
            json!(["l"]),
            json!({"p": {"A": "s"}, "r": ["B"]}),
            json!({"p": {}, "q": 1}),
            json!(3),
        ] {
            assert!(ty(&bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn decodes_a_resource() {
        let v = json!({
            "type": "X::Y::Z",
            "props": {"A": "s", "B": {"p": {"C": "i"}}, "Id": "s"},
            "required": ["A"],
            "read_only": ["B.C", "Id"],
            "create_only": ["A"],
            "attrs": {"Id": "s", "B.C": "i"},
            "id": ["Id"]
        });
        let r = resource(&v, Target::CloudFormation).expect("decodes");
        let a = r.property("A").expect("declared");
        assert!(a.required && a.create_only && !a.read_only);
        assert!(r.property("Id").is_some_and(|p| p.read_only));
        assert!(r.nested_read_only.contains("B.C"));
        assert_eq!(r.attribute("B.C"), Some(&Ty::Int));
        assert_eq!(r.attribute("A"), None);
        let tf = resource(&v, Target::Terraform).expect("decodes");
        assert_eq!(
            tf.attribute("A"),
            Some(&Ty::String),
            "terraform arguments are readable"
        );
        let bad = json!({"type": "X", "props": {}, "required": ["Nope"]});
        assert!(resource(&bad, Target::CloudFormation).is_err());
        let bad = json!({"type": "X", "props": {}, "extra": 1});
        assert!(resource(&bad, Target::CloudFormation).is_err());
    }
}
