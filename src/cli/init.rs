//! `formwork init [DIR]`: a small working workspace, which `formwork build` accepts as
//! it is: `formwork.yaml`, an environment template and a service template, one
//! environment and one service with an instance.

use std::path::PathBuf;

use crate::cli::output::{err, write_atomic};
use crate::cli::sources::io_reason;
use crate::cli::status;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Where to create the workspace (created if missing; must not hold one already).
    #[arg(default_value = ".")]
    dir: PathBuf,
}

const FILES: &[(&str, &str)] = &[
    (
        "formwork.yaml",
        "# The workspace: `formwork check` checks it, `formwork build` builds it into out/.\nname: platform\ntarget: cloudformation\nregion: us-east-1\npipeline: github\n",
    ),
    (".gitignore", "out/\n"),
    (
        "templates/network.fw",
        r#"/// A VPC with two private subnets, shared by the services deployed into it.
environment "network" {
  version = "1.0"
  description = "VPC with two private subnets"

  input {
    /// The VPC's address range.
    cidr: Cidr = "10.0.0.0/16"
  }

  resource vpc: AWS::EC2::VPC {
    CidrBlock = input.cidr
    EnableDnsHostnames = true
    EnableDnsSupport = true
  }

  resource private: AWS::EC2::Subnet for i in range(2) {
    VpcId = vpc.VpcId
    CidrBlock = cidr_subnet(input.cidr, 8, i)
  }

  output vpc_id: String = vpc.VpcId
  output private_subnet_ids: List<String> = [for s in private : s.SubnetId]
}
"#,
    ),
    (
        "templates/queue.fw",
        r#"/// An encrypted job queue, with a dead-letter queue when asked.
service "queue" {
  version = "1.0"
  description = "Encrypted SQS queue"
  requires environment "network" ^1.0

  input {
    /// Seconds a consumer has to finish a message.
    visibility_timeout: Int in 0..43200 = 30
    dead_letter: Bool = false
  }

  resource dlq: AWS::SQS::Queue when input.dead_letter {
    SqsManagedSseEnabled = true
    MessageRetentionPeriod = 1209600
  }

  resource queue: AWS::SQS::Queue {
    SqsManagedSseEnabled = true
    VisibilityTimeout = input.visibility_timeout
  }

  output queue_url: String = queue.QueueUrl
}
"#,
    ),
    (
        "environments/dev.yaml",
        "# The development environment (its name is this file's name).\nproton: EnvironmentSpec\ntemplate: network@1.0\nspec:\n  cidr: 10.1.0.0/16\n",
    ),
    (
        "services/jobs.yaml",
        "proton: ServiceSpec\ntemplate: queue@1.0\ninstances:\n  - name: jobs-dev\n    environment: dev\n    spec:\n      visibility_timeout: 60\n      dead_letter: true\n",
    ),
];

pub fn run(args: Args) -> u8 {
    let config = args.dir.join("formwork.yaml");
    if config.exists() {
        err(&format!(
            "error: `{}` already holds a workspace\n",
            args.dir.display()
        ));
        return status::USAGE;
    }
    for (name, _) in FILES {
        let path = args.dir.join(name);
        if path.exists() {
            err(&format!(
                "error: `{}` exists; init writes only into a folder without these files\n",
                path.display()
            ));
            return status::USAGE;
        }
    }
    for (name, text) in FILES {
        let path = args.dir.join(name);
        let result = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| write_atomic(&path, text.as_bytes(), true));
        if let Err(e) = result {
            err(&format!(
                "error: cannot write `{}`: {}\n",
                path.display(),
                io_reason(&e)
            ));
            return status::USAGE;
        }
    }
    err(&format!(
        "created a workspace in {}: run `formwork build` there\n",
        args.dir.display()
    ));
    status::OK
}
