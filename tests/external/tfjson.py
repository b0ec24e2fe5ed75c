"""Helpers shared by tf_check.py and checkov_gate.py: copying a Terraform JSON folder with
`terraform.required_version` removed.

Terraform 1.0.3 (the only Terraform installable here) refuses a configuration whose
required_version it does not meet, and checkov's terraform_json parser crashes on any
required_version (bridgecrewio/checkov#7454). So both run on a copy where the
`"required_version": "..."` member of the `terraform` block (and one adjacent comma) is
overwritten with spaces: every other character keeps its line and column, so diagnostics
point at the real file's positions. The result is parsed again and must equal the
original minus that member, or the copy is refused.
"""
import json
import os
import re
import shutil

MEMBER = re.compile(r'"required_version"\s*:\s*"(?:[^"\\]|\\.)*"')


def _blank(chars, start, end):
    for i in range(start, end):
        if chars[i] not in "\r\n":
            chars[i] = " "


def _expected(data):
    """data with required_version removed from the terraform block(s)."""
    if not isinstance(data, dict) or "terraform" not in data:
        return data
    out = dict(data)
    blocks = data["terraform"]
    if isinstance(blocks, dict):
        out["terraform"] = {k: v for k, v in blocks.items() if k != "required_version"}
    elif isinstance(blocks, list):
        out["terraform"] = [
            {k: v for k, v in b.items() if k != "required_version"} if isinstance(b, dict) else b
            for b in blocks
        ]
    return out


def strip_required_version(text):
    """Return (new_text, removed_count). Raises ValueError when the text is not JSON or
    the blanking would change anything but terraform.required_version."""
    original = json.loads(text)  # a syntax error is reported by the caller
    chars = list(text)
    removed = 0
    for m in MEMBER.finditer(text):
        start, end = m.span()
        after = re.compile(r"\s*,").match(text, end)
        if after:
            end = after.end()
        else:
            before = re.search(r",\s*$", text[:start])
            if before:
                start = before.start()
        _blank(chars, start, end)
        removed += 1
    new_text = "".join(chars)
    if removed:
        if json.loads(new_text) != _expected(original):
            raise ValueError("could not remove terraform.required_version without changing "
                             "anything else (unexpected layout)")
    return new_text, removed


def is_tf_config(name):
    return name.endswith(".tf.json") or name.endswith(".tf")


def copy_config(src_dir, dst_dir, names=None):
    """Copy the Terraform configuration files of src_dir (all *.tf.json / *.tf, or only
    `names`) into dst_dir with required_version stripped. Returns {copy: original}.
    Files that are not valid JSON are copied unchanged, so Terraform reports the error."""
    os.makedirs(dst_dir, exist_ok=True)
    mapping = {}
    for name in sorted(os.listdir(src_dir)):
        src = os.path.join(src_dir, name)
        if not os.path.isfile(src) or not is_tf_config(name):
            continue
        if names is not None and name not in names:
            continue
        dst = os.path.join(dst_dir, name)
        if name.endswith(".json"):
            with open(src, encoding="utf-8", newline="") as f:
                text = f.read()
            try:
                text, _ = strip_required_version(text)
            except json.JSONDecodeError:
                pass
            with open(dst, "w", encoding="utf-8", newline="") as f:
                f.write(text)
        else:
            shutil.copyfile(src, dst)
        mapping[dst] = src
    return mapping
