#!/usr/bin/env bash
# Deploys examples/acme's CloudFormation environments and service instances to a local
# moto_server, with the commands of the GitHub provisioning workflow `formwork build`
# writes (read from that workflow, not typed again here), through the AWS CLI.
#
#   tests/external/deploy.sh
#
# 1. Builds a copy of the workspace (placed at examples/acme in a scratch repository, so
#    the workflow's working directory is exercised) with the release binary.
# 2. Starts moto_server on a free loopback port (stopped by its PID on exit).
# 3. Runs the workflow's `run:` steps in order in its working directory, with `formwork`
#    on PATH being the release binary (the install step is then a no-op) and
#    FORMWORK_TARGETS=cloudformation (no Terraform provider can be downloaded here).
# 4. Checks: every CloudFormation stack is CREATE_COMPLETE with its manifest hash as the
#    formwork:sha256 tag; the environments' outputs and exports; the services' imports
#    resolved (outputs and resources carry the environment's values); the workers'
#    functions and queues carry their instance's inputs.
# 5. Changes one instance's input (orders-dev's timeout), reruns the steps, and checks
#    that only that stack was updated and the script said "up to date" for the others.
# 6. Deletes every stack in reverse deploy order and checks they are gone.
# Resource types the templates use that moto does not model (it skips them silently)
# are named in the log; what they would create is not deploy-tested.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
root="${FORMWORK_VALIDATORS:-$HOME/.cache/formwork-validators}"
target_dir="${CARGO_TARGET_DIR:-target}"
[[ "$target_dir" == /* ]] || target_dir="$repo/$target_dir"
bin="${FORMWORK_BIN:-$target_dir/release/formwork}"
start=$SECONDS

bash "$here/setup.sh"
tools="$root/tools/bin"
if [[ ! -x "$bin" ]]; then
  echo "deploy: building the release binary"
  (cd "$repo" && cargo build --release --locked)
fi
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"  # the PATH link needs it absolute

scratch="$(mktemp -d)"
moto_pid=''
cleanup() {
  if [[ -n "$moto_pid" ]]; then
    kill "$moto_pid" 2>/dev/null || true
    wait "$moto_pid" 2>/dev/null || true
  fi
  if [[ -n "${FORMWORK_KEEP_SCRATCH:-}" ]]; then echo "deploy: kept $scratch"; else rm -rf "$scratch"; fi
}
trap cleanup EXIT

# A repository holding the workspace at examples/acme, as this one does.
ws="$scratch/repo/examples/acme"
mkdir -p "$scratch/repo/.git" "$ws"
(cd "$repo/examples/acme" && tar --exclude=./out -cf - .) | (cd "$ws" && tar -xf -)
# The commands a runner would find on PATH: this formwork, the pinned AWS CLI.
mkdir -p "$scratch/bin"
ln -s "$bin" "$scratch/bin/formwork"
ln -s "$tools/aws" "$scratch/bin/aws"
export PATH="$scratch/bin:$PATH"
"$bin" build "$ws"

# moto_server on a free loopback port.
port="$("$tools/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
# moto 5.2.5 as released, with two gaps filled in that CloudFormation documents and
# this test depends on (each is printed as "moto shim: …" and is a no-op where moto
# already does the thing):
# - `Fn::GetAtt` of an identifier that `Ref` also gives, which formwork writes for a
#   read-only identifier attribute (`subnet.SubnetId`, `task.TaskDefinitionArn`,
#   `queue.QueueUrl`): moto models none of the three (a Subnet has only
#   AvailabilityZone, a TaskDefinition no attribute, a Queue Arn and QueueName); the
#   shim answers what `Ref` answers.
# - change sets, which `aws cloudformation deploy` uses: moto's execute_change_set
#   applies the resources but never resolves `Fn::ImportValue` against other stacks'
#   exports, never registers the stack's own exports, leaves the outputs of the
#   previous template, and drops the tags of an update. The shim does those four
#   things as moto's own create_stack/update_stack do.
"$tools/python" - "$port" > "$scratch/moto.log" 2>&1 <<'PY' &
import sys
from moto.cloudformation.models import CloudFormationBackend
from moto.ec2.models.subnets import Subnet
from moto.ecs.models import TaskDefinition
from moto.server import main
from moto.sns.models import Topic
from moto.sqs.models import Queue

# Attributes CloudFormation documents whose value is what `Ref` gives (moto's
# physical_resource_id), and moto lacks.
ATTRIBUTES = [
    (Subnet, "AWS::EC2::Subnet", "SubnetId"),
    (TaskDefinition, "AWS::ECS::TaskDefinition", "TaskDefinitionArn"),
    (Queue, "AWS::SQS::Queue", "QueueUrl"),
    (Topic, "AWS::SNS::Topic", "TopicArn"),
]
for cls, type_name, attr in ATTRIBUTES:
    get_attribute = getattr(cls, "get_cfn_attribute", None)
    if get_attribute is not None and cls.has_cfn_attr(attr):
        continue  # moto has it
    print(f"moto shim: {type_name} Fn::GetAtt {attr}", flush=True)
    has_attr = cls.has_cfn_attr

    def patched_get(self, name, attr=attr, get_attribute=get_attribute):
        if name == attr:
            return self.physical_resource_id
        if get_attribute is None:
            raise AttributeError(name)
        return get_attribute(self, name)

    cls.get_cfn_attribute = patched_get
    cls.has_cfn_attr = classmethod(lambda c, name, attr=attr, has_attr=has_attr: name == attr or has_attr(name))

print("moto shim: change sets resolve imports, export, refresh outputs, keep tags", flush=True)
execute = CloudFormationBackend.execute_change_set

def execute_change_set(self, change_set_name, stack_name=None):
    cs = self.change_sets.get(change_set_name) or next(
        (c for c in self.change_sets.values() if c.change_set_name == change_set_name), None)
    stack = self.stacks.get(cs.stack_id) if cs else None
    if stack is not None:
        stack.cross_stack_resources = self.exports
        stack.resource_map.cross_stack_resources = self.exports
    execute(self, change_set_name, stack_name)
    if stack is None:
        return
    stack._parse_template()
    stack.output_map = stack._create_output_map()
    for name in [n for n, e in self.exports.items() if e.exporting_stack_id == stack.stack_id]:
        del self.exports[name]
    self._validate_export_uniqueness(stack)
    for export in stack.exports:
        self.exports[export.name] = export
    if cs.tags:
        stack.tags = cs.tags

CloudFormationBackend.execute_change_set = execute_change_set
main(["-H", "127.0.0.1", "-p", sys.argv[1]])
PY
moto_pid=$!
endpoint="http://127.0.0.1:$port"
for _ in $(seq 100); do
  if "$tools/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + "/moto-api/", timeout=1)' "$endpoint" 2>/dev/null; then
    break
  fi
  kill -0 "$moto_pid" 2>/dev/null || { cat "$scratch/moto.log"; echo "deploy: moto_server exited" >&2; exit 1; }
  sleep 0.1
done
echo "deploy: moto_server (pid $moto_pid) on $endpoint"
grep '^moto shim' "$scratch/moto.log" | sed 's/^/deploy: /' || true

# Fake credentials and nothing from this machine's AWS configuration. One attempt per
# call: botocore's retry of a moto error would hide it behind AlreadyExists.
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE
export AWS_ENDPOINT_URL="$endpoint" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1 AWS_MAX_ATTEMPTS=1 AWS_RETRY_MODE=standard
export AWS_CONFIG_FILE="$scratch/aws-config" AWS_SHARED_CREDENTIALS_FILE="$scratch/aws-credentials"
export FORMWORK_TARGETS=cloudformation

# The secrets the web instances' specs name exist before the deploy, as in an account.
for env in dev prod; do
  aws secretsmanager create-secret --name "$env/web/db" \
    --secret-string '{"password": "not-a-real-password"}' > /dev/null
done

# The workflow's run steps, as the runner runs them (bash -e, in the working directory).
workflow="$ws/out/provision/github.yml"
run_workflow() {  # run_workflow LOG
  local steps wd
  mapfile -d '' steps < <("$tools/python" - "$workflow" <<'PY'
import sys, yaml
wf = yaml.safe_load(open(sys.argv[1]))
(job,) = wf["jobs"].values()
wd = job.get("defaults", {}).get("run", {}).get("working-directory", ".")
runs = [s["run"] for s in job["steps"] if "run" in s]
assert runs, "the workflow has no run steps"
sys.stdout.write("\0".join([wd] + runs) + "\0")
PY
)
  wd="${steps[0]}"
  echo "deploy: $((${#steps[@]} - 1)) run steps of $(basename "$workflow"), in $wd"
  for step in "${steps[@]:1}"; do
    echo "deploy: \$ $step"
    (cd "$scratch/repo/$wd" && bash -e -c "$step") 2>&1 | tee -a "$1"
  done
}

deploy_start=$SECONDS
run_workflow "$scratch/first.log"
echo "deploy: first deploy took $((SECONDS - deploy_start)) s"

# An unknown artifact is a usage error.
rc=0
sh "$ws/out/deploy.sh" services/nope/nope > "$scratch/unknown.log" 2>&1 || rc=$?
if [[ $rc -ne 2 ]] || ! grep -q 'unknown artifact' "$scratch/unknown.log"; then
  cat "$scratch/unknown.log"
  echo "FAIL deploy: an unknown id gave exit $rc, not 2" >&2
  exit 1
fi

check() {  # check PHASE: the assertions, in Python with boto3 against moto
  "$tools/python" - "$1" "$ws/out" "$scratch" <<'PY'
import json, sys, pathlib
import boto3, botocore.config
from moto.cloudformation.parsing import get_model_map

phase, out, scratch = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
cfg = botocore.config.Config(retries={"total_max_attempts": 1})
cfn = boto3.client("cloudformation", config=cfg)
manifest = json.loads((out / "manifest.json").read_text())
cfn_artifacts = [a for a in manifest["artifacts"] if a["target"] == "cloudformation"]
order = [i for wave in manifest["deploy_order"] for i in wave]
failures = []

def fail(msg):
    failures.append(msg)
    print(f"FAIL deploy ({phase}): {msg}")

def stack(name):
    return cfn.describe_stacks(StackName=name)["Stacks"][0]

def outputs(name):
    return {o["OutputKey"]: o["OutputValue"] for o in stack(name).get("Outputs", [])}

if phase in ("deployed", "updated"):
    # Resource types moto skips: named, never claimed as deploy-tested.
    modelled = set(get_model_map())
    for a in cfn_artifacts:
        t = json.loads((out / a["id"] / "template.json").read_text())
        missing = sorted({r["Type"] for r in t["Resources"].values()} - modelled)
        if missing and phase == "deployed":
            print(f"deploy: moto does not model {', '.join(missing)} ({a['id']}): skipped, not deploy-tested")
    state = {}
    for a in cfn_artifacts:
        s = stack(a["stack"])
        tags = {t["Key"]: t["Value"] for t in s.get("Tags", [])}
        if s["StackStatus"] not in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
            fail(f"{a['stack']}: {s['StackStatus']}")
        if tags.get("formwork:sha256") != a["sha256"]:
            fail(f"{a['stack']}: tag formwork:sha256 is {tags.get('formwork:sha256')}, the manifest says {a['sha256']}")
        # moto keeps no LastUpdatedTime; a stack's events count its creates and updates.
        events = len(cfn.describe_stack_events(StackName=a["stack"])["StackEvents"])
        state[a["stack"]] = [s["StackStatus"], str(s.get("LastUpdatedTime", "")), events]
    exports = {e["Name"]: e["Value"] for e in cfn.list_exports()["Exports"]}
    ecs = boto3.client("ecs", config=cfg)
    ec2 = boto3.client("ec2", config=cfg)
    zones = {"dev": 2, "prod": 3}
    for env, n in zones.items():
        o = outputs(env)
        if not o.get("VpcId", "").startswith("vpc-"):
            fail(f"{env}: VpcId output is {o.get('VpcId')!r}")
        subnets = o.get("PrivateSubnetIds", "").split(",")
        if len(subnets) != n or not all(s.startswith("subnet-") for s in subnets):
            fail(f"{env}: PrivateSubnetIds output is {o.get('PrivateSubnetIds')!r}, want {n} subnets")
        else:
            vpcs = {s["VpcId"] for s in ec2.describe_subnets(SubnetIds=subnets)["Subnets"]}
            if vpcs != {o["VpcId"]}:
                fail(f"{env}: private subnets are in {vpcs}, not the stack's VPC")
        if ":cluster/" not in o.get("ClusterArn", ""):
            fail(f"{env}: ClusterArn output is {o.get('ClusterArn')!r}")
        if not o.get("LbDns"):
            fail(f"{env}: LbDns output is missing")
        for k, v in o.items():
            if exports.get(f"{env}:{k}") != v:
                fail(f"{env}: export {env}:{k} is {exports.get(f'{env}:{k}')!r}, the output {v!r}")
        # The web instance imports the cluster, the subnets and the load balancer's name.
        w = outputs(f"web-{env}")
        if w.get("Url") != f"https://{o.get('LbDns')}/":
            fail(f"web-{env}: Url output is {w.get('Url')!r}, not built from {env}'s LbDns {o.get('LbDns')!r}")
        if not w.get("DbEndpoint"):
            fail(f"web-{env}: DbEndpoint output is missing")
        services = ecs.describe_services(cluster=o["ClusterArn"],
                                         services=ecs.list_services(cluster=o["ClusterArn"])["serviceArns"] or ["none"])["services"]
        if len(services) != 1:
            fail(f"web-{env}: {len(services)} ECS services in {env}'s cluster, want 1 (Fn::ImportValue of the cluster)")
        else:
            # moto drops an ECS service's NetworkConfiguration, so the imported subnets
            # are only shown to resolve (a missing export fails the deploy), not compared.
            want = {"dev": 1, "prod": 4}[env]
            if services[0].get("desiredCount") != want:
                fail(f"web-{env}: desiredCount {services[0].get('desiredCount')}, want {want}")
        print(f"deploy: {env}: outputs, exports, and web-{env}'s imports check out")
    lam = boto3.client("lambda", config=cfg)
    sqs = boto3.client("sqs", config=cfg)
    want = {"orders-dev": (90 if phase == "updated" else 60, 256, "false"),
            "orders-prod": (120, 1024, "false")}
    for name, (timeout, memory, large) in want.items():
        o = outputs(name)
        res = {r["LogicalResourceId"]: r["PhysicalResourceId"]
               for r in cfn.list_stack_resources(StackName=name)["StackResourceSummaries"]}
        fn = lam.get_function_configuration(FunctionName=res["Function"])
        if (fn["Timeout"], fn["MemorySize"]) != (timeout, memory):
            fail(f"{name}: function timeout/memory {fn['Timeout']}/{fn['MemorySize']}, want {timeout}/{memory}")
        if fn.get("Environment", {}).get("Variables", {}).get("QUEUE_URL") != o.get("QueueUrl"):
            fail(f"{name}: QUEUE_URL {fn.get('Environment')} is not the QueueUrl output {o.get('QueueUrl')!r}")
        attrs = sqs.get_queue_attributes(QueueUrl=o.get("QueueUrl", "none"), AttributeNames=["VisibilityTimeout"])
        if attrs["Attributes"]["VisibilityTimeout"] != str(timeout * 6):
            fail(f"{name}: queue visibility timeout {attrs['Attributes']['VisibilityTimeout']}, want {timeout * 6}")
        if o.get("IsLarge", "").lower() != large:
            fail(f"{name}: IsLarge output is {o.get('IsLarge')!r}, want {large}")
    print(f"deploy: orders-dev and orders-prod: function, queue and outputs check out")
    if phase == "deployed":
        (scratch / "state.json").write_text(json.dumps(state))
    else:
        before = json.loads((scratch / "state.json").read_text())
        for name, now in state.items():
            changed = now != before[name]
            if name == "orders-dev" and (not changed or now[0] != "UPDATE_COMPLETE"):
                fail(f"orders-dev: was {before[name]}, now {now}: not updated")
            if name != "orders-dev" and changed:
                fail(f"{name}: was {before[name]}, now {now}: touched, though its hash did not change")
        print("deploy: only orders-dev was updated")
elif phase == "deleted":
    left = [s["StackName"] for s in cfn.list_stacks()["StackSummaries"] if s["StackStatus"] != "DELETE_COMPLETE"]
    if left:
        fail(f"stacks left after deletion: {left}")
    if cfn.list_exports()["Exports"]:
        fail(f"exports left after deletion: {cfn.list_exports()['Exports']}")
    print("deploy: every stack deleted")
sys.exit(1 if failures else 0)
PY
}

check deployed

# `deploy.sh --outputs ID`: the deployed stack's outputs as one JSON object, which a
# service pipeline's deploy job hands to later jobs (`instance.outputs.NAME`).
command -v jq >/dev/null 2>&1 || { echo "FAIL deploy: jq is missing (deploy.sh --outputs needs it)" >&2; exit 1; }
outputs_json="$(sh "$ws/out/deploy.sh" --outputs environments/dev)"
"$tools/python" - "$outputs_json" <<'PY'
import json, sys
import boto3
got = json.loads(sys.argv[1])
stack = boto3.client("cloudformation").describe_stacks(StackName="dev")["Stacks"][0]
want = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
if not want or got != want:
    sys.exit(f"FAIL deploy: deploy.sh --outputs environments/dev gave {got}; the stack has {want}")
print(f"deploy: deploy.sh --outputs environments/dev gave the stack's {len(want)} outputs")
PY
rc=0
sh "$ws/out/deploy.sh" --outputs > "$scratch/outputs-usage.log" 2>&1 || rc=$?
if [[ $rc -ne 2 ]]; then
  cat "$scratch/outputs-usage.log"
  echo "FAIL deploy: deploy.sh --outputs without an id gave exit $rc, not 2" >&2
  exit 1
fi

# The CloudFormation artifacts, one id per line.
cfn_ids="$("$tools/python" -c 'import json, sys
m = json.load(open(sys.argv[1]))
print("\n".join(a["id"] for a in m["artifacts"] if a["target"] == "cloudformation"))' "$ws/out/manifest.json")"
while read -r id; do
  grep -qxF "$id: deployed (stack ${id##*/})" "$scratch/first.log" \
    || { echo "FAIL deploy: deploy.sh did not say it deployed $id" >&2; exit 1; }
done <<< "$cfn_ids"

# Change one instance's input; only its stack may change.
spec="$ws/services/worker.yaml"
sed -i '/name: orders-dev/,/timeout:/ s/timeout: 60/timeout: 90/' "$spec"
grep -q 'timeout: 90' "$spec" || { echo "deploy: could not edit $spec" >&2; exit 1; }
deploy_start=$SECONDS
run_workflow "$scratch/second.log"
echo "deploy: redeploy took $((SECONDS - deploy_start)) s"
check updated
grep -qxF 'services/worker/orders-dev: deployed (stack orders-dev)' "$scratch/second.log" \
  || { echo "FAIL deploy: the redeploy did not deploy orders-dev" >&2; exit 1; }
while read -r id; do
  [[ "$id" == services/worker/orders-dev ]] && continue
  grep -qxF "$id: up to date (stack ${id##*/})" "$scratch/second.log" \
    || { echo "FAIL deploy: the redeploy did not say $id is up to date" >&2; exit 1; }
done <<< "$cfn_ids"

# Delete everything, services before the environments whose exports they import.
stacks="$("$tools/python" -c 'import json, sys
m = json.load(open(sys.argv[1]))
stack = {a["id"]: a["stack"] for a in m["artifacts"] if a["target"] == "cloudformation"}
print(" ".join(stack[i] for wave in reversed(m["deploy_order"]) for i in wave if i in stack))' "$ws/out/manifest.json")"
for s in $stacks; do
  aws cloudformation delete-stack --stack-name "$s"
  aws cloudformation wait stack-delete-complete --stack-name "$s"
done
check deleted
echo "deploy: all checks passed in $((SECONDS - start)) s (stacks: $stacks)"
