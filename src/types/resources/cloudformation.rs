//! The CloudFormation catalog: `stdlib/cloudformation/resources.jsonl` (written by
//! `tools/import_cfn_schemas.rs` from cfn-lint's copy of the resource provider schemas),
//! embedded and indexed. The first line is metadata; each further line is one type and
//! starts with `{"type":"<name>"`, so indexing reads only line prefixes and the file is
//! sorted by name. Nothing else is parsed until a type is asked for.

use std::borrow::Cow;
use std::sync::OnceLock;

use super::{Catalog, Entry, Raw, Target};

const DATA: &str = include_str!("../../../stdlib/cloudformation/resources.jsonl");

/// The type whose schema `Custom::…` resources use.
pub(super) const CUSTOM_RESOURCE: &str = "AWS::CloudFormation::CustomResource";

const LINE_PREFIX: &str = "{\"type\":\"";

pub(super) fn catalog() -> Result<Catalog, String> {
    let mut lines = DATA.split_terminator('\n');
    let meta = lines.next().ok_or("resources.jsonl is empty")?;
    let source = source(meta)?;
    Catalog::new(Target::CloudFormation, source, index_lines(lines)?)
}

/// The entries of a JSON Lines catalog's type lines, each starting with
/// `{"type":"<name>"`: only that prefix is read; a line is decoded when asked for.
pub(super) fn index_lines(lines: impl Iterator<Item = &'static str>) -> Result<Vec<Entry>, String> {
    let mut entries = Vec::with_capacity(2048);
    for line in lines {
        let name = line
            .strip_prefix(LINE_PREFIX)
            .and_then(|rest| rest.split_once('"'))
            .map(|(name, _)| name)
            .ok_or_else(|| format!("a line does not start with a type name: {:.60}", line))?;
        entries.push(Entry {
            name: Cow::Borrowed(name),
            raw: Raw::Line(line),
            schema: OnceLock::new(),
        });
    }
    Ok(entries)
}

/// A JSON Lines catalog's metadata line, and a reader of its string fields.
pub(super) fn metadata(
    line: &str,
) -> Result<impl Fn(&str) -> Result<String, String> + use<>, String> {
    let meta: serde_json::Value =
        serde_json::from_str(line).map_err(|e| format!("the metadata line: {e}"))?;
    Ok(move |k: &str| {
        meta.get(k)
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .ok_or_else(|| format!("the metadata has no `{k}`"))
    })
}

/// "cfn-lint 1.58.0 schemas of 2026-10-20, us-east-1", from the metadata line.
fn source(meta: &str) -> Result<String, String> {
    let field = metadata(meta)?;
    let date = field("schema_date")?;
    let date = date.get(..10).unwrap_or(&date);
    Ok(format!(
        "{} {} schemas of {date}, {}",
        field("source")?,
        field("version")?,
        field("region")?
    ))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::types::ty::{FieldTy, Lit, Ty};

    fn catalog() -> &'static Catalog {
        Catalog::cloudformation()
    }

    /// The invariants `Catalog::get`'s `expect` relies on: every line decodes, names
    /// are plain, sorted and unique, and the metadata counts them.
    #[test]
    fn every_line_decodes() {
        let c = catalog();
        let meta: serde_json::Value =
            serde_json::from_str(DATA.lines().next().expect("a metadata line")).expect("json");
        assert_eq!(meta["types"].as_u64(), Some(c.len() as u64));
        let names: Vec<&str> = c.type_names().collect();
        assert!(names.windows(2).all(|w| w[0] < w[1]), "sorted and unique");
        for (i, name) in names.iter().enumerate() {
            assert!(
                name.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == ':'),
                "{name}"
            );
            let schema = c.decode(i).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(schema.type_name, *name);
            assert!(
                !schema.primary_identifier.is_empty(),
                "{name} has a primary identifier"
            );
            for p in schema.properties.values() {
                assert!(
                    !(p.required && p.read_only),
                    "{name}: required and read-only"
                );
            }
            for path in &schema.nested_read_only {
                let mut segments = path.split('.');
                let top = segments
                    .next()
                    .and_then(|s| schema.property(s))
                    .map(|p| &p.ty);
                let field = top.and_then(|ty| field_at(ty, segments.collect()));
                assert!(
                    field.is_none_or(|f| f.optional),
                    "{name}: {path} is read-only and required"
                );
            }
        }
        assert!(DATA.ends_with('\n') && !DATA.contains("\r"));
    }

    /// The field a dotted path names below a type (`*` steps into a list).
    fn field_at<'t>(ty: &'t Ty, path: Vec<&str>) -> Option<&'t FieldTy> {
        let (last, init) = path.split_last()?;
        let mut ty = ty;
        for segment in init {
            ty = match (ty.unrefined(), *segment) {
                (Ty::List(item), "*") => item,
                (Ty::Record(fields), name) => &fields.get(name)?.ty,
                _ => return None,
            };
        }
        match ty.unrefined() {
            Ty::Record(fields) => fields.get(*last),
            Ty::List(item) => match item.unrefined() {
                Ty::Record(fields) => fields.get(*last),
                _ => None,
            },
            _ => None,
        }
    }

    #[test]
    fn catalog_size_and_source() {
        let c = catalog();
        assert!((1800..2500).contains(&c.len()), "{} types", c.len());
        assert_eq!(
            c.source(),
            "cfn-lint 1.58.0 schemas of 2026-10-20, us-east-1"
        );
        assert_eq!(c.target(), Target::CloudFormation);
        assert!(c.get("AWS::SQS::Queue").is_some());
        assert!(c.get("AWS::SQS::Queu").is_none());
    }

    #[test]
    fn vpc() {
        let vpc = catalog()
            .get("AWS::EC2::VPC")
            .expect("AWS::EC2::VPC is declared");
        let cidr = vpc.property("CidrBlock").expect("CidrBlock");
        assert_eq!(cidr.ty, Ty::String);
        // `Ipv4IpamPoolId` is the alternative (`requiredXor`), so neither is required.
        assert!(!cidr.required && cidr.create_only && !cidr.read_only);
        assert!(vpc.property("Foo").is_none());
        assert_eq!(
            vpc.attribute("CidrBlockAssociations"),
            Some(&Ty::list(Ty::String))
        );
        assert_eq!(vpc.attribute("VpcId"), Some(&Ty::String));
        assert!(vpc.attribute("Foo").is_none());
        assert!(vpc.property("VpcId").is_some_and(|p| p.read_only));
        assert_eq!(vpc.primary_identifier, ["VpcId"]);
        assert!(vpc.nested_read_only.contains("VpcEncryptionControl.VpcId"));
        let tenancy = &vpc.property("InstanceTenancy").expect("InstanceTenancy").ty;
        let lit = |s: &str| Ty::Lit(Lit::String(s.into()));
        assert_eq!(
            tenancy,
            &Ty::Union(vec![lit("dedicated"), lit("default"), lit("host")])
        );
        let mut tag = BTreeMap::new();
        tag.insert(
            "Key".to_string(),
            FieldTy {
                ty: Ty::String,
                optional: false,
            },
        );
        tag.insert(
            "Value".to_string(),
            FieldTy {
                ty: Ty::String,
                optional: false,
            },
        );
        assert_eq!(
            vpc.property("Tags").map(|p| &p.ty),
            Some(&Ty::list(Ty::Record(tag)))
        );
    }

    #[test]
    fn nested_objects_are_records() {
        let service = catalog().get("AWS::ECS::Service").expect("declared");
        let Ty::Record(network) = &service
            .property("NetworkConfiguration")
            .expect("declared")
            .ty
        else {
            panic!("NetworkConfiguration is a record")
        };
        let Ty::Record(awsvpc) = &network["AwsvpcConfiguration"].ty else {
            panic!("AwsvpcConfiguration is a record")
        };
        assert!(awsvpc["Subnets"].optional);
        assert_eq!(awsvpc["Subnets"].ty, Ty::list(Ty::String));
        let Ty::Union(members) = &awsvpc["AssignPublicIp"].ty else {
            panic!("an enum")
        };
        assert!(members.contains(&Ty::Lit(Lit::String("ENABLED".into()))));
        let role = catalog().get("AWS::IAM::Role").expect("declared");
        assert!(
            role.property("AssumeRolePolicyDocument")
                .is_some_and(|p| p.required)
        );
        let Ty::List(policy) = &role.property("Policies").expect("declared").ty else {
            panic!("Policies is a list")
        };
        let Ty::Record(policy) = &**policy else {
            panic!("of records")
        };
        assert!(!policy["PolicyName"].optional);
    }

    #[test]
    fn flags() {
        let bucket = catalog().get("AWS::S3::Bucket").expect("declared");
        assert!(
            bucket
                .property("BucketName")
                .is_some_and(|p| p.create_only && !p.required)
        );
        assert!(bucket.property("Arn").is_some_and(|p| p.read_only));
        assert!(bucket.attribute("Arn").is_some());
        let queue = catalog().get("AWS::SQS::Queue").expect("declared");
        assert!(matches!(
            queue.property("DelaySeconds").map(|p| &p.ty),
            Some(Ty::Refined(base, _)) if **base == Ty::Int
        ));
        let group = catalog().get("AWS::Logs::LogGroup").expect("declared");
        let Ty::Union(days) = &group.property("RetentionInDays").expect("declared").ty else {
            panic!("an enum of integers")
        };
        assert!(days.contains(&Ty::Lit(Lit::Int(30))));
        let function = catalog().get("AWS::Lambda::Function").expect("declared");
        assert!(function.property("Code").is_some_and(|p| p.required));
        assert!(function.attribute("Arn").is_some());
    }

    /// Value constraints as cfn-lint 1.58.0 ships them (its copy of the Lambda schema
    /// says 128..32768 for `MemorySize`, not the 10240 of older documentation).
    #[test]
    fn value_constraints() {
        use crate::types::ty::Refinement;
        let function = catalog().get("AWS::Lambda::Function").expect("declared");
        let memory = function.property("MemorySize").expect("MemorySize");
        assert_eq!(memory.ty.to_string(), "Int in 128..32768");
        let handler = function.property("Handler").expect("Handler");
        assert_eq!(
            handler.ty.to_string(),
            r"String len 0..128 matches /^[^\s]+$/"
        );
        let bucket = catalog().get("AWS::S3::Bucket").expect("declared");
        let name = bucket.property("BucketName").expect("BucketName");
        assert!(matches!(&name.ty, Ty::Refined(_, rs)
            if rs.contains(&Refinement::Pattern("^([a-z0-9][a-z0-9.-]*[a-z0-9])?$".into()))));
        let queue = catalog().get("AWS::SQS::Queue").expect("declared");
        let delay = queue.property("DelaySeconds").expect("DelaySeconds");
        assert_eq!(delay.ty.to_string(), "Int in 0..900");
    }
}
