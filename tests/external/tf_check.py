#!/usr/bin/env python3
"""Terraform checks of Terraform JSON folders, offline.

usage: tf_check.py TERRAFORM_BIN DIR...

For each DIR (a folder holding main.tf.json, variables.tf.json, maybe terraform.tfvars.json):
  1. `terraform validate -json` on a copy of its *.tf.json with terraform.required_version
     blanked out (tfjson.py; line and column preserved). With the real provider: when
     the `hashicorp/aws` provider is in a local filesystem mirror ($FORMWORK_TF_MIRROR,
     default /opt/tf-plugins, laid out as `terraform providers mirror` does), the copy is
     `terraform init -backend=false` against that mirror alone (the binary is linked,
     not copied) and validate checks every resource, argument and block against the
     provider's schema; any diagnostic, error or warning, fails. Without the mirror
     (unless $FORMWORK_REQUIRE_TF_PROVIDER is set, which makes it a failure), validate
     decodes the whole configuration and stops at "Could not load plugin": that
     diagnostic (and only it) is accepted, and every folder says so.
  2. When terraform.tfvars.json exists: `terraform plan -input=false -var-file=...` on a
     copy holding only variables.tf.json. No provider is needed, and Terraform checks every
     value against its variable's type and validation rules. Any error or warning (e.g. a
     value for an undeclared variable) fails.

Each folder gets its own mktemp scratch dir (TF_DATA_DIR, CLI config and all), so runs are
independent and can go in parallel. CHECKPOINT_DISABLE=1 and TF_IN_AUTOMATION=1 are set;
nothing reaches the network.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import tfjson

# The only diagnostics accepted from `validate`: the provider binary is not installed.
ACCEPTED_SUMMARIES = {"Could not load plugin"}
ACCEPTED_DETAIL_HINTS = ("unknown provider", "Plugin reinitialization required")


MIRROR = os.environ.get("FORMWORK_TF_MIRROR", "/opt/tf-plugins")
PROVIDER = "registry.terraform.io/hashicorp/aws"


def has_mirror():
    """Whether the mirror holds an aws provider build for this platform."""
    base = os.path.join(MIRROR, PROVIDER)
    if not os.path.isdir(base):
        return False
    for version in os.listdir(base):
        if os.path.isdir(os.path.join(base, version, "linux_amd64")):
            return True
    return False


def tf_env(scratch, mirror=False):
    cli_config = os.path.join(scratch, "terraformrc")
    with open(cli_config, "w", encoding="utf-8") as f:
        if mirror:
            f.write('provider_installation {\n'
                    f'  filesystem_mirror {{\n    path    = {json.dumps(MIRROR)}\n'
                    f'    include = [{json.dumps(PROVIDER)}]\n  }}\n'
                    '  direct {\n    exclude = ["registry.terraform.io/*/*"]\n  }\n}\n')
    env = dict(os.environ)
    env.update(
        CHECKPOINT_DISABLE="1",
        TF_IN_AUTOMATION="1",
        TF_INPUT="0",
        TF_DATA_DIR=os.path.join(scratch, "data"),
        TF_CLI_CONFIG_FILE=cli_config,
        TF_PLUGIN_CACHE_DIR="",
    )
    for k in ("TF_LOG", "TF_CLI_ARGS", "TF_CLI_ARGS_plan", "TF_CLI_ARGS_validate", "TF_WORKSPACE"):
        env.pop(k, None)
    return env


def where(diag, mapping):
    rng = diag.get("range") or {}
    fname = rng.get("filename")
    if not fname:
        return None
    real = mapping.get(fname) or mapping.get(os.path.basename(fname)) or fname
    start = rng.get("start") or {}
    return f"{real}:{start.get('line', '?')}:{start.get('column', '?')}"


def fmt(diag, mapping, default_where):
    detail = " ".join((diag.get("detail") or "").split())
    loc = where(diag, mapping) or default_where
    return f"{loc}: {diag.get('severity', '?')}: {diag.get('summary', '?')}" + (
        f": {detail}" if detail else "")


def run_validate(tf, d, scratch, mirror):
    cfg = os.path.join(scratch, "validate")
    mapping = tfjson.copy_config(d, cfg)
    mapping.update({os.path.basename(k): v for k, v in mapping.items()})
    env = tf_env(scratch, mirror)
    if mirror:
        init = subprocess.run([tf, "init", "-backend=false", "-input=false", "-no-color"],
                              cwd=cfg, env=env, capture_output=True, text=True, timeout=300)
        if init.returncode != 0:
            return [f"{d}: terraform init from the provider mirror {MIRROR} failed: "
                    + " ".join((init.stdout + init.stderr).split())[-600:]], []
    proc = subprocess.run([tf, "validate", "-json", "-no-color"], cwd=cfg,
                          env=env, capture_output=True, text=True, timeout=300)
    try:
        out = json.loads(proc.stdout)
    except ValueError:
        return [f"{d}: terraform validate printed no JSON (exit {proc.returncode}): "
                + " ".join((proc.stdout + proc.stderr).split())[:600]], []
    fails, infos = [], []
    if mirror and out.get("valid") and not out.get("diagnostics"):
        infos.append("with the hashicorp/aws provider's schema")
    for diag in out.get("diagnostics", []):
        accepted = (not mirror and diag.get("summary") in ACCEPTED_SUMMARIES
                    and any(h in (diag.get("detail") or "") for h in ACCEPTED_DETAIL_HINTS))
        if accepted:
            infos.append("provider not installable offline; the configuration decoded cleanly "
                         "up to that point")
        else:
            fails.append(fmt(diag, mapping, d))
    if proc.returncode != 0 and not out.get("diagnostics"):
        fails.append(f"{d}: terraform validate exited {proc.returncode} without diagnostics")
    return fails, infos


def run_plan(tf, d, scratch):
    tfvars = os.path.join(d, "terraform.tfvars.json")
    cfg = os.path.join(scratch, "plan")
    mapping = tfjson.copy_config(d, cfg, names={"variables.tf.json"})
    if not mapping:
        return [f"{d}: terraform.tfvars.json exists but variables.tf.json does not"], []
    mapping.update({os.path.basename(k): v for k, v in mapping.items()})
    # Outside the config dir, so Terraform does not also auto-load it.
    var_file = os.path.join(scratch, "vars", "terraform.tfvars.json")
    os.makedirs(os.path.dirname(var_file))
    shutil.copyfile(tfvars, var_file)
    mapping[var_file] = tfvars
    var_files = [f"-var-file={var_file}"]
    stub = environment_stub(os.path.join(d, "variables.tf.json"), tfvars)
    if stub is not None:
        # A service's `environment` variable holds its environment's outputs, filled at
        # deploy time from `terraform output -json`; the plan gets values of its type.
        stub_file = os.path.join(scratch, "vars", "environment.tfvars.json")
        with open(stub_file, "w", encoding="utf-8") as f:
            json.dump({"environment": stub}, f)
        var_files.append(f"-var-file={stub_file}")
    proc = subprocess.run(
        [tf, "plan", "-input=false", "-lock=false", "-refresh=false", "-no-color", "-json",
         *var_files],
        cwd=cfg, env=tf_env(scratch), capture_output=True, text=True, timeout=120)
    fails, summary = [], None
    for line in proc.stdout.splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            fails.append(f"{tfvars}: unexpected terraform plan output: {line[:300]}")
            continue
        if msg.get("type") == "diagnostic":
            fails.append(fmt(msg["diagnostic"], mapping, tfvars))
        elif msg.get("type") == "change_summary":
            summary = msg.get("@message")
    if proc.returncode != 0 and not fails:
        fails.append(f"{tfvars}: terraform plan exited {proc.returncode}: "
                     + " ".join(proc.stderr.split())[:600])
    return fails, ([f"plan with {os.path.basename(tfvars)} ok ({summary})"] if not fails else [])


def placeholder(ty):
    """A value of a Terraform type constraint as formwork writes them
    (`string`, `number`, `bool`, `list(T)`, `map(T)`, `object({a = T, ...})`)."""
    ty = ty.strip()
    if ty.startswith("list(") or ty.startswith("set("):
        return [placeholder(ty[ty.index("(") + 1:-1])]
    if ty.startswith("map("):
        return {"key": placeholder(ty[4:-1])}
    if ty.startswith("object({"):
        body, fields, depth, start = ty[len("object({"):-2], {}, 0, 0
        parts = []
        for i, c in enumerate(body):
            if c in "({":
                depth += 1
            elif c in ")}":
                depth -= 1
            elif c == "," and depth == 0:
                parts.append(body[start:i])
                start = i + 1
        parts.append(body[start:])
        for part in parts:
            if "=" in part:
                name, t = part.split("=", 1)
                fields[name.strip()] = placeholder(t)
        return fields
    return {"number": 0, "bool": False}.get(ty, "placeholder")


def environment_stub(variables_file, tfvars_file):
    """Placeholder outputs for formwork's `environment` variable, unless the tfvars set it."""
    try:
        with open(variables_file, encoding="utf-8") as f:
            env = json.load(f).get("variable", {}).get("environment")
        with open(tfvars_file, encoding="utf-8") as f:
            given = json.load(f)
    except (OSError, ValueError):
        return None
    if not env or "environment" in given:
        return None
    return placeholder(env.get("type", "any"))


def check(tf, d, mirror):
    scratch = tempfile.mkdtemp(prefix="formwork-tf-")
    try:
        fails, infos = [], []
        # variables.tf.json is written only when the artifact has variables.
        if not os.path.isfile(os.path.join(d, "main.tf.json")):
            fails.append(f"{d}: a Terraform artifact must hold main.tf.json")
        f, i = run_validate(tf, d, scratch, mirror)
        fails += f
        infos += i
        planned = os.path.isfile(os.path.join(d, "terraform.tfvars.json"))
        if planned:
            f, i = run_plan(tf, d, scratch)
            fails += f
            infos += i
        return d, fails, infos, planned
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main(argv):
    tf, dirs = argv[1], argv[2:]
    mirror = has_mirror()
    version = subprocess.run([tf, "version"], capture_output=True, text=True,
                             env=tf_env(tempfile.mkdtemp(prefix="formwork-tf-"))).stdout
    print(f"terraform: {version.splitlines()[0] if version else tf}")
    if mirror:
        print(f"terraform: validating with the {PROVIDER} provider from {MIRROR}")
    elif os.environ.get("FORMWORK_REQUIRE_TF_PROVIDER"):
        print(f"FAIL terraform: MISSING the {PROVIDER} provider in the filesystem mirror "
              f"{MIRROR} (set FORMWORK_TF_MIRROR to where it is)")
        return 1
    else:
        print(f"terraform: MISSING the {PROVIDER} provider in {MIRROR}: validate only decodes "
              "the configuration, it cannot check arguments and blocks")
    # validate with the provider loads its schema (a few hundred MB): two at a time.
    with ThreadPoolExecutor(max_workers=2 if mirror else max(2, os.cpu_count() or 2)) as pool:
        results = list(pool.map(lambda d: check(tf, d, mirror), dirs))
    bad = plans = 0
    for d, fails, infos, planned in results:
        plans += planned
        for f in fails:
            print(f"FAIL terraform: {f}")
        if fails:
            bad += 1
        else:
            print(f"ok   terraform: {d}: validate ok ({'; '.join(dict.fromkeys(infos))})")
    print(f"summary terraform: {len(dirs)} folders validated, {plans} tfvars planned, "
          f"{bad} with errors")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
