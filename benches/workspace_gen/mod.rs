//! A generated workspace: `formwork.yaml`, one environment template (the render
//! benchmark's `platform.fw`), `services` service templates of five resources each,
//! three environments, and `instances` service instances spread over the services.

use std::path::Path;

const SERVICE: &str = r#"/// Generated service NAME.
service "NAME" {
  version = "1.0"
  requires environment "platform" ^1.0

  input {
    image: String
    port: Port = 8080
    retention: 7 | 14 | 30 = 14
    dead_letter: Bool = false
  }

  resource logs: AWS::Logs::LogGroup {
    RetentionInDays = input.retention
  }

  resource queue: AWS::SQS::Queue {
    SqsManagedSseEnabled = true
    VisibilityTimeout = 60
  }

  resource dlq: AWS::SQS::Queue when input.dead_letter {
    SqsManagedSseEnabled = true
  }

  resource sg: AWS::EC2::SecurityGroup {
    GroupDescription = "NAME tasks on ${input.port}"
    VpcId = environment.outputs.vpc_id
    SecurityGroupIngress = [{ IpProtocol = "tcp", FromPort = input.port, ToPort = input.port, CidrIp = "10.0.0.0/16" }]
  }

  resource topic: AWS::SNS::Topic {
    KmsMasterKeyId = "alias/aws/sns"
    DisplayName = "NAME ${input.image}"
  }

  output queue_url: String = queue.QueueUrl
}
"#;

/// Writes the workspace into `dir`.
pub fn write(dir: &Path, services: usize, instances: usize) {
    for d in ["templates", "environments", "services"] {
        std::fs::create_dir_all(dir.join(d)).expect("create the workspace");
    }
    std::fs::write(
        dir.join("formwork.yaml"),
        "name: bench\ntarget: cloudformation\n",
    )
    .expect("write formwork.yaml");
    let platform = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/render/platform.fw");
    std::fs::copy(platform, dir.join("templates/platform.fw")).expect("copy platform.fw");
    let envs = ["dev", "staging", "prod"];
    for e in envs {
        std::fs::write(
            dir.join(format!("environments/{e}.yaml")),
            "proton: EnvironmentSpec\ntemplate: platform@1.0\nspec: {}\n",
        )
        .expect("write an environment");
    }
    for s in 0..services {
        let name = format!("svc{s:03}");
        std::fs::write(
            dir.join(format!("templates/{name}.fw")),
            SERVICE.replace("NAME", &name),
        )
        .expect("write a template");
        let mut spec = format!("proton: ServiceSpec\ntemplate: {name}@1.0\ninstances:\n");
        for i in (s..instances).step_by(services) {
            spec.push_str(&format!(
                "  - name: {name}-{i:04}\n    environment: {}\n    spec:\n      image: registry.example.com/{name}:{i}\n      port: {}\n      retention: {}\n      dead_letter: {}\n",
                envs[i % 3],
                8000 + i % 100,
                [7, 14, 30][i % 3],
                i % 2 == 0
            ));
        }
        std::fs::write(dir.join(format!("services/{name}.yaml")), spec).expect("write a spec");
    }
}
