#!/usr/bin/env python3
"""Runs checkov once per framework and gates on the result.

usage: checkov_gate.py --checkov BIN --gate FILE --skip FILE [--external-checks DIR]
                       [--cfn TEMPLATE]... [--tf DIR]...

  * CloudFormation: one `checkov --framework cloudformation` call over every --cfn file.
  * Terraform JSON: one `checkov --framework terraform_json` call over copies of every
    --tf folder's *.tf.json with terraform.required_version blanked out (checkov's
    parser crashes on it: bridgecrewio/checkov#7454; see tfjson.py).
Both run with --skip-download --quiet -o json. checkov's exit code cannot gate (it is 0
on parse errors and on an empty scan), so this reads the JSON and fails on:
  * any parsing error, or a call that evaluated no check at all (an empty scan);
  * any failed check listed in the gate file (for its framework), unless the failing
    resource is waived in the skip file.
Other failed checks are printed as information.

Gate file: `CHECK_ID [framework[,framework]]  # reason`; without a framework the check
is gated for cloudformation and terraform_json alike.
Skip file: `CHECK_ID RESOURCE [PATH_GLOB]  # reason`; RESOURCE as checkov names it
(`AWS::S3::Bucket.Logs`, `aws_s3_bucket.logs`), PATH_GLOB (fnmatch, default `*`) matched
against the artifact's path as given to validate.sh.
"""
import argparse
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import tfjson

FRAMEWORKS = ("cloudformation", "terraform_json")
CHECK_ID = re.compile(r"CKV2?_[A-Z0-9]+_\d+")


def parse_list(path, kind):
    entries, errors = [], []
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            body, _, reason = line.partition("#")
            fields, reason = body.split(), reason.strip()
            where = f"{path}:{n}"
            if not reason:
                errors.append(f"{where}: entry has no `# reason` comment")
                continue
            if not fields or not CHECK_ID.fullmatch(fields[0]):
                errors.append(f"{where}: {fields[0] if fields else line!r} is not a checkov "
                              "check id (like CKV_AWS_21)")
                continue
            if kind == "gate":
                if len(fields) > 2:
                    errors.append(f"{where}: expected `CHECK_ID [frameworks]  # reason`")
                    continue
                fws = fields[1].split(",") if len(fields) == 2 else list(FRAMEWORKS)
                bad = [fw for fw in fws if fw not in FRAMEWORKS]
                if bad:
                    errors.append(f"{where}: unknown framework {bad} (use {', '.join(FRAMEWORKS)})")
                    continue
                entries.append({"id": fields[0], "frameworks": set(fws), "reason": reason})
            else:
                if len(fields) not in (2, 3):
                    errors.append(f"{where}: expected `CHECK_ID RESOURCE [PATH_GLOB]  # reason`")
                    continue
                entries.append({"id": fields[0], "resource": fields[1],
                                "glob": fields[2] if len(fields) == 3 else "*",
                                "reason": reason, "where": where, "used": False})
    return entries, errors


def run_checkov(checkov, framework, files, external, scratch, quiet=True):
    cmd = [checkov, "--framework", framework, "--skip-download", "-o", "json"]
    if quiet:
        cmd.insert(4, "--quiet")
    if external:
        cmd += ["--external-checks-dir", external]
    cmd += ["-f"] + files
    proc = subprocess.run(cmd, cwd=scratch, capture_output=True, text=True, timeout=600)
    try:
        data = json.loads(proc.stdout)
    except ValueError:
        tail = " ".join((proc.stdout + proc.stderr).split())[-800:]
        return None, f"checkov --framework {framework} exited {proc.returncode} without JSON: {tail}"
    reports = data if isinstance(data, list) else [data]
    return [r for r in reports if r.get("check_type", framework) == framework], None


def original(path, mapping, scratch):
    if not path:
        return "?"
    cands = [path, os.path.join(scratch, path.lstrip("/")), os.path.abspath(path)]
    for c in cands:
        real = mapping.get(os.path.normpath(c))
        if real:
            return real
    return path


def tf_resource_names(path):
    """{name: [type, ...]} of the resources in a Terraform JSON file."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}
    names = {}
    blocks = data.get("resource", {}) if isinstance(data, dict) else {}
    for block in blocks if isinstance(blocks, list) else [blocks]:
        for rtype, by_name in (block.items() if isinstance(block, dict) else []):
            for name in (by_name if isinstance(by_name, dict) else {}):
                names.setdefault(name, []).append(rtype)
    return names


def resource_of(check, path, framework):
    """checkov's resource id; terraform_json names resources `resource.NAME`, so give
    them their Terraform address `TYPE.NAME` when the name is unique in the file."""
    res = check.get("resource") or "?"
    if framework == "terraform_json" and res.startswith("resource."):
        name = res[len("resource."):]
        types = tf_resource_names(path).get(name, [])
        if len(types) == 1:
            return f"{types[0]}.{name}"
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkov", required=True)
    ap.add_argument("--gate", required=True)
    ap.add_argument("--skip", required=True)
    ap.add_argument("--external-checks")
    ap.add_argument("--cfn", action="append", default=[])
    ap.add_argument("--tf", action="append", default=[])
    args = ap.parse_args()

    gate, errs1 = parse_list(args.gate, "gate")
    skips, errs2 = parse_list(args.skip, "skip")
    fails = [f"{e}" for e in errs1 + errs2]
    gated_ids = {g["id"] for g in gate}
    for s in skips:
        if s["id"] not in gated_ids:
            fails.append(f"{s['where']}: {s['id']} is not in {args.gate}; only gated checks "
                         "need a waiver")

    scratch = tempfile.mkdtemp(prefix="formwork-checkov-")
    summary = []
    try:
        jobs = []
        if args.cfn:
            mapping = {os.path.normpath(os.path.abspath(f)): f for f in args.cfn}
            jobs.append(("cloudformation", sorted(mapping), mapping, len(args.cfn)))
        if args.tf:
            mapping = {}
            for i, d in enumerate(args.tf):
                mapping.update(tfjson.copy_config(d, os.path.join(scratch, "tf", str(i))))
            mapping = {os.path.normpath(k): v for k, v in mapping.items()}
            jobs.append(("terraform_json", sorted(mapping), mapping, len(args.tf)))

        for framework, files, mapping, n_inputs in jobs:
            if not files:
                fails.append(f"{framework}: no files to scan")
                continue
            reports, err = run_checkov(args.checkov, framework, files, args.external_checks,
                                       scratch)
            if err:
                fails.append(err)
                continue
            passed = failed = skipped = parse_errors = 0
            gated_n = waived_n = info_n = 0
            for r in reports:
                s = r.get("summary", {})
                passed += s.get("passed", 0)
                failed += s.get("failed", 0)
                skipped += s.get("skipped", 0)
                parse_errors += s.get("parsing_errors", 0)
                results = r.get("results", {})
                for c in results.get("failed_checks", []):
                    path = original(c.get("file_abs_path") or c.get("file_path"), mapping,
                                    scratch)
                    lines = c.get("file_line_range") or ["?", "?"]
                    resource = resource_of(c, path, framework)
                    what = (f"{path}:{lines[0]}: {c['check_id']} {resource}: "
                            f"{c.get('check_name', '')}")
                    g = next((g for g in gate if g["id"] == c["check_id"]
                              and framework in g["frameworks"]), None)
                    # checkov 3.3 annotates mappings with their file's path (`__file__`)
                    # and its secret checks then scan that path as a value: whether a
                    # random temporary folder name looks like a secret is not a finding.
                    keys = (c.get("check_result") or {}).get("evaluated_keys") or []
                    if g and keys and all(k.endswith("/__file__") for k in keys):
                        info_n += 1
                        print(f"info checkov: {what} (on checkov's own `__file__` annotation)")
                        continue
                    if not g:
                        info_n += 1
                        print(f"info checkov: {what}")
                        continue
                    w = next((s for s in skips if s["id"] == c["check_id"]
                              and s["resource"] == resource
                              and fnmatch.fnmatch(path, s["glob"])), None)
                    if w:
                        w["used"] = True
                        waived_n += 1
                        print(f"info checkov: {what} (gated, waived: {w['reason']})")
                    else:
                        gated_n += 1
                        fails.append(f"{what} (gated: {g['reason']})")
            if parse_errors:
                # --quiet leaves the list of unparsable files out of the JSON: ask again.
                loud, _ = run_checkov(args.checkov, framework, files, args.external_checks,
                                      scratch, quiet=False)
                names = [p for r in (loud or []) for p in r.get("results", {}).get(
                    "parsing_errors", [])]
                for p in names:
                    fails.append(f"{original(p, mapping, scratch)}: checkov ({framework}) "
                                 "could not parse it")
                if not names:
                    fails.append(f"checkov ({framework}): {parse_errors} parsing errors")
            if passed + failed + skipped == 0:
                fails.append(f"checkov ({framework}): empty scan, no check evaluated on "
                             f"{len(files)} files; checkov did not understand them")
            summary.append(f"{framework} {len(files)} files"
                           + (f" from {n_inputs} folders" if framework == "terraform_json" else "")
                           + ": "
                           f"{passed} passed, {failed} failed ({gated_n} gated, {waived_n} waived, "
                           f"{info_n} informational), {parse_errors} parsing errors")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    for s in skips:
        if not s["used"] and s["id"] in gated_ids:
            print(f"info checkov: {s['where']}: waiver {s['id']} {s['resource']} matched nothing")
    for f in fails:
        print(f"FAIL checkov: {f}")
    print("summary checkov: " + ("; ".join(summary) or "nothing scanned"))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
