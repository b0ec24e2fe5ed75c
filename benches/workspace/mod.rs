//! A generated platform workspace for the checker's benchmark: environment templates
//! in several versions, and services that require them, read their outputs, use a
//! stdlib module, and declare typed resources. About 100 lines per template.

use std::fmt::Write;

/// `(file name, source)` for `templates` templates: one environment in five versions
/// for every twenty templates, the rest services.
pub fn workspace(templates: usize) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let envs = (templates / 20).max(1);
    let versions = 5;
    for e in 0..envs {
        for v in 0..versions {
            files.push((format!("templates/env{e}-v{v}.fw"), environment(e, v)));
        }
    }
    for s in 0..templates.saturating_sub(envs * versions) {
        files.push((format!("templates/svc{s}.fw"), service(s, s % envs)));
    }
    files
}

fn environment(e: usize, v: usize) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        r#"/// Shared network {e}, version 3.{v}.
environment "net{e}" {{
  version = "3.{v}"
  description = "Shared VPC and cluster"

  input {{
    /// The VPC's range.
    cidr: Cidr = "10.0.0.0/16"
    zones: Int in 2..3 = 2
    nat: Bool = true
    tags: Map<String> = {{}}
  }}

  let zone_names = [for i in range(input.zones) : "zone-${{i}}"]

  resource vpc: AWS::EC2::VPC {{
    CidrBlock = input.cidr
    EnableDnsHostnames = true
    EnableDnsSupport = true
    Tags = [{{ Key = "Name", Value = "net{e}" }}]
  }}

  resource public_subnet: AWS::EC2::Subnet for i, zone in zone_names {{
    VpcId = vpc.VpcId
    CidrBlock = cidr_subnet(input.cidr, 8, i)
    MapPublicIpOnLaunch = true
  }}

  resource private_subnet: AWS::EC2::Subnet for i, zone in zone_names {{
    VpcId = vpc.VpcId
    CidrBlock = cidr_subnet(input.cidr, 8, i + 10)
  }}

  resource cluster: AWS::ECS::Cluster {{
    ClusterSettings = [{{ Name = "containerInsights", Value = "enabled" }}]
  }}

  resource lb: AWS::ElasticLoadBalancingV2::LoadBalancer {{
    Scheme = "internet-facing"
    Subnets = [for s in public_subnet : s.SubnetId]
  }}

  resource logs: AWS::Logs::LogGroup {{
    RetentionInDays = 30
  }}

  output vpc_id: String = vpc.VpcId
  output cluster_arn: String = cluster.Arn
  output private_subnet_ids: List<String> = [for s in private_subnet : s.SubnetId]
  output lb_dns: String = lb.DNSName
  output log_group: String = logs.LogGroupName
}}
"#
    );
    out
}

fn service(s: usize, env: usize) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        r#"/// Service {s}: a container service with a queue and a bucket.
service "svc{s}" {{
  version = "1.{minor}"
  description = "Generated service {s}"
  requires environment "net{env}" ^3.0

  input {{
    /// The container image.
    image: String matches /^[\w.\/-]+(:[\w.-]+)?$/
    port: Port = 8080
    desired_count: Int in 1..100 = 2
    size: "small" | "medium" | "large" = "small"
    retention_days: Int in 1..14 = 4
    versioned: Bool = true
    db_password: Secret
  }}

  pipeline input {{
    branch: String = "main"
  }}

  let cpu = match input.size {{
    "small" => 256,
    "medium" => 512,
    "large" => 1024,
  }}
  let memory = cpu * 2
  let name = "svc{s}-${{input.port}}"

  use app = std.aws.fargate_service {{
    cluster = environment.outputs.cluster_arn
    subnets = environment.outputs.private_subnet_ids
    image = input.image
    cpu = cpu
    memory = memory
    port = input.port
    desired_count = input.desired_count
  }}

  resource queue: AWS::SQS::Queue {{
    MessageRetentionPeriod = input.retention_days * 86400
    SqsManagedSseEnabled = true
    Tags = [{{ Key = "service", Value = name }}]
  }}

  resource bucket: AWS::S3::Bucket {{
    VersioningConfiguration = {{ Status = if input.versioned then "Enabled" else "Suspended" }}
    PublicAccessBlockConfiguration = {{
      BlockPublicAcls = true
      BlockPublicPolicy = true
      IgnorePublicAcls = true
      RestrictPublicBuckets = true
    }}
  }}

  resource alarm: AWS::CloudWatch::Alarm when input.desired_count > 1 {{
    MetricName = "CPUUtilization"
    Namespace = "AWS/ECS"
    Statistic = "Average"
    Period = 60
    EvaluationPeriods = 3
    Threshold = 80
    ComparisonOperator = "GreaterThanThreshold"
  }}

  let topic_names = [for i in range(3) : "svc{s}-events-${{i}}"]
  let tags = {{ team = "platform", service = "svc{s}", tier = input.size }}
  let tag_list = [for k, v in tags : {{ Key = k, Value = v }}]

  resource topic: AWS::SNS::Topic for i, topic_name in topic_names {{
    TopicName = topic_name
    KmsMasterKeyId = "alias/aws/sns"
    Tags = tag_list
  }}

  resource subscription: AWS::SNS::Subscription for i, t in topic {{
    TopicArn = t.TopicArn
    Protocol = "sqs"
    Endpoint = queue.Arn
    RawMessageDelivery = true
  }}

  resource table: AWS::DynamoDB::Table {{
    BillingMode = "PAY_PER_REQUEST"
    AttributeDefinitions = [{{ AttributeName = "pk", AttributeType = "S" }}]
    KeySchema = [{{ AttributeName = "pk", KeyType = "HASH" }}]
    SSESpecification = {{ SSEEnabled = true }}
    PointInTimeRecoverySpecification = {{ PointInTimeRecoveryEnabled = true }}
    Tags = tag_list
  }}

  output url: String = "https://${{environment.outputs.lb_dns}}/svc{s}"
  output table_name: String = table.Arn
  output topic_arns: List<String> = [for t in topic : t.TopicArn]
  output queue_arn: String = queue.Arn
  output cpu_units: Int = cpu
  output memory_mb: Int = memory
  output tier: String = input.size
  output replicas: Int = input.desired_count
  output log_days: Int = input.retention_days
  output branch: String = "main"
  output public: Bool = false
  output queue_url: String = queue.QueueUrl
  output bucket_arn: String = bucket.Arn
  output service_name: String = app.service_name

  pipeline {{
    branch = pipeline.input.branch
    stage "build" {{
      run "docker build -t svc{s}:${{pipeline.input.branch}} ."
    }}
    stage "deploy" {{
      deploy instances
    }}
  }}
}}
"#,
        minor = s % 10
    );
    out
}
