#!/usr/bin/env python3
"""Runs cfn-lint once over every CloudFormation file and gates on the result.

usage: cfnlint_gate.py CFN_LINT_BIN ALLOW_FILE FILE...

Fails (exit 1) on any error (E*) or warning (W*) whose rule id is not in ALLOW_FILE, and
when cfn-lint itself fails (usage error, crash, unparseable output). Informational
findings (I*) and allowed findings are printed, not gated. Never runs `-u`: the specs
bundled with the pinned cfn-lint are used, offline.
"""
import re
import subprocess
import sys

LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+):(?P<eline>\d+):(?P<ecol>\d+):"
                  r"(?P<rule>[EWI]\d+):(?P<msg>.*)$")


def read_allow(path):
    """Rule ids, one a line, each with a `# reason`. Blank lines and full-line comments
    are ignored. An entry without a reason is itself an error."""
    allowed, errors = {}, []
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            rule, _, reason = line.partition("#")
            rule, reason = rule.strip(), reason.strip()
            if not re.fullmatch(r"[EWI]\d{4}", rule):
                errors.append(f"{path}:{n}: {rule!r} is not a cfn-lint rule id (like W3005)")
            elif not reason:
                errors.append(f"{path}:{n}: {rule} has no `# reason` comment")
            else:
                allowed[rule] = reason
    return allowed, errors


def main(argv):
    cfn_lint, allow_file, files = argv[1], argv[2], argv[3:]
    allowed, errors = read_allow(allow_file)
    for e in errors:
        print(f"FAIL cfn-lint allow-list: {e}")
    cmd = [cfn_lint, "--format", "parseable", "--"] + files
    proc = subprocess.run(cmd, capture_output=True, text=True)
    gated = allowed_n = info = 0
    unparsed = []
    for raw in proc.stdout.splitlines():
        m = LINE.match(raw)
        if not m:
            if raw.strip():
                unparsed.append(raw)
            continue
        where = f"{m['file']}:{m['line']}:{m['col']}"
        rule, msg = m["rule"], m["msg"]
        level = {"E": "error", "W": "warning", "I": "info"}[rule[0]]
        if rule[0] == "I":
            info += 1
            print(f"info cfn-lint: {where}: {rule} ({level}) {msg}")
        elif rule in allowed:
            allowed_n += 1
            print(f"info cfn-lint: {where}: {rule} ({level}, allowed: {allowed[rule]}) {msg}")
        else:
            gated += 1
            print(f"FAIL cfn-lint: {where}: {rule} ({level}) {msg}")
    # Exit code is a bitmask: 2 error, 4 warning, 8 informational; 1 (or anything
    # else) means cfn-lint itself failed.
    crashed = proc.returncode & ~(2 | 4 | 8) or unparsed
    if crashed:
        print(f"FAIL cfn-lint: cfn-lint exited {proc.returncode} (not a findings bitmask) or "
              f"printed unparseable output:")
        for raw in (unparsed + proc.stderr.splitlines())[:40]:
            print(f"     {raw}")
    elif proc.stderr.strip():
        for raw in proc.stderr.splitlines()[:20]:
            print(f"info cfn-lint stderr: {raw}")
    print(f"summary cfn-lint: {len(files)} files in one call, {gated} gated findings, "
          f"{allowed_n} allowed, {info} informational")
    return 1 if (gated or crashed or errors) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
