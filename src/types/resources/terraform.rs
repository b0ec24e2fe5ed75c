//! The Terraform catalog: `stdlib/terraform/resources.jsonl`, written by
//! `tools/import_tf_schema.rs` from the AWS provider's own schema (`terraform providers
//! schema -json` of `hashicorp/aws`), with what the provider documents beyond it (enums,
//! ranges, `ForceNew`) for the types the stdlib uses, from
//! `stdlib/terraform/documented.json`. Indexed like the CloudFormation catalog: the
//! first line is metadata, each further line one type, decoded when asked for.

use super::cloudformation::{index_lines, metadata};
use super::{Catalog, Target};

const DATA: &str = include_str!("../../../stdlib/terraform/resources.jsonl");

pub(super) fn catalog() -> Result<Catalog, String> {
    let mut lines = DATA.split_terminator('\n');
    let meta = lines.next().ok_or("resources.jsonl is empty")?;
    let field = metadata(meta)?;
    let source = format!(
        "{} {} provider schema",
        field("provider")?,
        field("version")?
    );
    Catalog::new(Target::Terraform, source, index_lines(lines)?)
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
        assert!(
            c.source().contains("hashicorp/aws 5.100.0"),
            "{}",
            c.source()
        );
        let meta: serde_json::Value =
            serde_json::from_str(DATA.lines().next().expect("a metadata line")).expect("json");
        assert_eq!(meta["types"].as_u64(), Some(c.len() as u64));
        assert_eq!(c.len(), 1526, "every resource type of the provider");
        assert_eq!(meta["documented"].as_u64(), Some(STDLIB_TYPES.len() as u64));
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
        assert!(names.windows(2).all(|w| w[0] < w[1]), "sorted and unique");
        for t in STDLIB_TYPES {
            assert!(names.contains(t), "{t} is declared");
        }
    }

    /// What the provider's schema says that the hand-written declarations could not:
    /// blocks with their nesting (an `egress` is a list of blocks, `ingress` too),
    /// nested item bounds, sensitive and deprecated arguments, computed-only
    /// attributes.
    #[test]
    fn the_provider_schema_decides_shapes() {
        let c = Catalog::terraform();
        let route_table = c.get("aws_route_table").expect("in the provider");
        assert!(route_table.property("route").is_some());
        let db = c.get("aws_db_instance").expect("in the provider");
        assert!(db.property("password").is_some_and(|p| p.sensitive));
        assert!(db.attribute("endpoint").is_some());
        assert!(db.property("endpoint").is_none(), "computed only");
        let instance = c.get("aws_instance").expect("in the provider");
        let Some(Ty::Record(ebs)) = instance.property("root_block_device").map(|p| &p.ty) else {
            panic!("a block of at most one is a record")
        };
        assert!(ebs.contains_key("volume_size"));
        assert!(
            c.get("aws_s3_bucket")
                .is_some_and(|b| b.property("acl").is_some_and(|p| p.deprecated))
        );
        assert!(c.get("aws_wafv2_web_acl").is_some());
        assert!(c.get("aws_vpc").is_some_and(|v| v.property("id").is_none()));
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
