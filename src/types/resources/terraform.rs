//! The Terraform catalog: the AWS provider resources the portable stdlib needs, declared
//! by hand in `stdlib/terraform/resources.json` (from the provider v5 documentation) in
//! the CloudFormation catalog's encoding. A block that may appear at most once is a
//! record, a repeatable block a list of records; `create_only` lists the `ForceNew`
//! arguments. The file is small, so it is parsed whole when the catalog is first used;
//! each type is still decoded only when asked for.

use std::borrow::Cow;
use std::sync::OnceLock;

use serde_json::Value;

use super::{Catalog, Entry, Raw, Target};

const DATA: &str = include_str!("../../../stdlib/terraform/resources.json");

pub(super) fn catalog() -> Result<Catalog, String> {
    let mut doc: Value =
        serde_json::from_str(DATA).map_err(|e| format!("terraform/resources.json: {e}"))?;
    let source = doc
        .get("source")
        .and_then(Value::as_str)
        .ok_or("terraform/resources.json has no `source`")?
        .to_string();
    let Some(Value::Array(types)) = doc.get_mut("types").map(Value::take) else {
        return Err("terraform/resources.json has no `types` list".into());
    };
    let mut entries = Vec::with_capacity(types.len());
    for t in types {
        let name = t
            .get("type")
            .and_then(Value::as_str)
            .ok_or("a terraform resource has no `type`")?
            .to_string();
        entries.push(Entry {
            name: Cow::Owned(name),
            raw: Raw::Value(t),
            schema: OnceLock::new(),
        });
    }
    Catalog::new(Target::Terraform, source, entries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::ty::{Lit, Ty};

    /// What the portable stdlib builds on.
    const STDLIB_TYPES: &[&str] = &[
        "aws_vpc",
        "aws_subnet",
        "aws_internet_gateway",
        "aws_nat_gateway",
        "aws_eip",
        "aws_route_table",
        "aws_route_table_association",
        "aws_security_group",
        "aws_ecs_cluster",
        "aws_ecs_service",
        "aws_ecs_task_definition",
        "aws_lb",
        "aws_lb_target_group",
        "aws_lb_listener",
        "aws_iam_role",
        "aws_iam_role_policy",
        "aws_iam_role_policy_attachment",
        "aws_lambda_function",
        "aws_lambda_event_source_mapping",
        "aws_s3_bucket",
        "aws_s3_bucket_versioning",
        "aws_s3_bucket_server_side_encryption_configuration",
        "aws_s3_bucket_public_access_block",
        "aws_sqs_queue",
        "aws_sns_topic",
        "aws_db_instance",
        "aws_db_subnet_group",
        "aws_cloudwatch_log_group",
        "aws_cloudwatch_metric_alarm",
        "aws_kms_key",
    ];

    /// The invariants `Catalog::get`'s `expect` relies on, and what the stdlib needs.
    #[test]
    fn every_type_decodes() {
        let c = Catalog::terraform();
        assert_eq!(c.target(), Target::Terraform);
        assert!(c.source().contains("provider v5"));
        for (i, name) in c.type_names().enumerate() {
            let schema = c.decode(i).unwrap_or_else(|e| panic!("{e}"));
            assert!(name.starts_with("aws_"), "{name}");
            assert_eq!(schema.primary_identifier, ["id"], "{name}");
            assert_eq!(
                schema.attribute("id"),
                Some(&Ty::String),
                "{name} has an `id`"
            );
            for (prop, p) in &schema.properties {
                assert!(
                    !p.read_only,
                    "{name}.{prop}: computed values are attributes"
                );
                assert!(
                    prop.chars()
                        .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_')
                );
            }
        }
        let names: Vec<&str> = c.type_names().collect();
        for t in STDLIB_TYPES {
            assert!(names.contains(t), "{t} is declared");
        }
        assert_eq!(names.len(), STDLIB_TYPES.len());
    }

    #[test]
    fn declarations() {
        let c = Catalog::terraform();
        let vpc = c.get("aws_vpc").expect("declared");
        assert!(
            vpc.property("cidr_block")
                .is_some_and(|p| p.ty == Ty::String && p.create_only)
        );
        assert!(vpc.attribute("arn").is_some() && vpc.attribute("cidr_block").is_some());
        assert!(vpc.attribute("default_security_group_id").is_some());
        assert!(vpc.property("CidrBlock").is_none());
        let versioning = c.get("aws_s3_bucket_versioning").expect("declared");
        let config = versioning
            .property("versioning_configuration")
            .expect("declared");
        assert!(config.required);
        let Ty::Record(fields) = &config.ty else {
            panic!("a single block is a record")
        };
        assert!(!fields["status"].optional);
        let Ty::Union(statuses) = &fields["status"].ty else {
            panic!("an enum")
        };
        assert!(statuses.contains(&Ty::Lit(Lit::String("Enabled".into()))));
        let sg = c.get("aws_security_group").expect("declared");
        let Some(Ty::List(rule)) = sg.property("ingress").map(|p| &p.ty) else {
            panic!("a repeatable block is a list")
        };
        assert!(matches!(&**rule, Ty::Record(f) if !f["from_port"].optional && f["self"].optional));
        let role = c.get("aws_iam_role").expect("declared");
        assert!(role.required_properties().eq(["assume_role_policy"]));
        assert!(role.attribute("arn").is_some() && role.attribute("unique_id").is_some());
        assert!(
            c.get("aws_lambda_function")
                .is_some_and(|f| f.attribute("invoke_arn").is_some())
        );
        assert!(c.get("AWS::EC2::VPC").is_none());
    }
}
