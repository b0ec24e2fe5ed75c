#!/usr/bin/env python3
"""YAML/JSON equivalence of CloudFormation templates written by formwork.

usage: yaml_equiv.py DIR...   (each DIR holds template.json and template.yaml)

For every DIR, template.yaml must load to exactly the same data as template.json,
under two independent third-party parsers:
  * PyYAML safe_load (YAML 1.1: `yes`/`on`/`off` are booleans, `2024-01-01` is a date,
    `0777` is octal, `1_000` is an int, `12:30` is a sexagesimal int; CloudFormation and
    cfn-lint read YAML this way);
  * ruamel.yaml's safe loader (YAML 1.2: `0o17` is an int, `yes` is a string).
so a template means the same thing to every consumer. The comparison is type-strict
(True != 1 != 1.0, "1" != 1, a date != its string) and reports every difference with its
path and the YAML line. Duplicate keys are errors in both files.

CloudFormation short-form tags (`!Ref x`, `!GetAtt a.b`, `!Sub ...`) are read as their
long form (`{"Ref": "x"}`, `{"Fn::GetAtt": ["a", "b"]}`), as CloudFormation reads them.

Exit status: 0 when every pair is equal, 1 otherwise. The last line is a summary.
"""
import json
import sys

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.constructor import SafeConstructor as RuamelSafeConstructor

MAX_DIFFS_PER_FILE = 20

SHORT_FORMS = [
    "And", "Base64", "Cidr", "Condition", "Equals", "FindInMap", "GetAtt", "GetAZs",
    "If", "ImportValue", "Join", "Not", "Or", "Select", "Split", "Sub", "Transform",
    "ToJsonString", "Length",
]


class DuplicateKey(Exception):
    pass


# ---------------------------------------------------------------- strict JSON


def _json_pairs(pairs):
    seen = {}
    for k, v in pairs:
        if k in seen:
            raise DuplicateKey(f"duplicate key {k!r} in a JSON object")
        seen[k] = v
    return seen


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f, object_pairs_hook=_json_pairs)


# ---------------------------------------------------------------- PyYAML (YAML 1.1)


class StrictSafeLoader(yaml.SafeLoader):
    """safe_load, plus duplicate-key errors and CloudFormation short-form tags."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                if key in seen:
                    raise DuplicateKey(
                        f"duplicate key {key!r} at line {key_node.start_mark.line + 1}"
                    )
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _long_form(name, value):
    if name == "Ref":
        return {"Ref": value}
    if name == "Condition":
        return {"Condition": value}
    if name == "GetAtt" and isinstance(value, str):
        resource, _, attr = value.partition(".")
        value = [resource, attr]
    return {"Fn::" + name: value}


def _pyyaml_tag(name):
    def construct(loader, node):
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return _long_form(name, value)

    return construct


for _name in SHORT_FORMS + ["Ref"]:
    StrictSafeLoader.add_constructor("!" + _name, _pyyaml_tag(_name))


def load_pyyaml(text):
    return yaml.load(text, Loader=StrictSafeLoader)  # noqa: S506 (a SafeLoader subclass)


# ---------------------------------------------------------------- ruamel.yaml (YAML 1.2)


class RuamelStrictConstructor(RuamelSafeConstructor):
    pass


def _ruamel_tag(name):
    from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

    def construct(constructor, node):
        if isinstance(node, ScalarNode):
            value = constructor.construct_scalar(node)
            value = str(value)
        elif isinstance(node, SequenceNode):
            value = constructor.construct_sequence(node, deep=True)
        elif isinstance(node, MappingNode):
            value = constructor.construct_mapping(node, deep=True)
        else:  # pragma: no cover
            raise TypeError(node)
        return _long_form(name, value)

    return construct


for _name in SHORT_FORMS + ["Ref"]:
    RuamelStrictConstructor.add_constructor("!" + _name, _ruamel_tag(_name))


def load_ruamel(text):
    y = YAML(typ="safe", pure=True)
    y.Constructor = RuamelStrictConstructor
    y.allow_duplicate_keys = False
    return y.load(text)


# ---------------------------------------------------------------- comparison


def describe(v):
    if isinstance(v, dict):
        return f"an object with {len(v)} keys"
    if isinstance(v, list):
        return f"a list of {len(v)}"
    return f"{type(v).__name__} {v!r}"


def same_type(a, b):
    # bool is a subclass of int in Python: compare exact types so True != 1 != 1.0.
    return type(a) is type(b) or (isinstance(a, str) and isinstance(b, str))


def diff(j, y, path, out):
    if len(out) >= MAX_DIFFS_PER_FILE:
        return
    if isinstance(j, dict) and isinstance(y, dict):
        for k in j:
            if k not in y:
                out.append((path, f"key {k!r} is in the JSON but missing from the YAML"))
            else:
                diff(j[k], y[k], path + [k], out)
        for k in y:
            if k not in j:
                out.append((path, f"key {k!r} ({describe(y[k])}) is in the YAML but not in the JSON"))
        return
    if isinstance(j, list) and isinstance(y, list):
        if len(j) != len(y):
            out.append((path, f"list length differs: JSON {len(j)}, YAML {len(y)}"))
        for i, (a, b) in enumerate(zip(j, y)):
            diff(a, b, path + [i], out)
        return
    if not same_type(j, y) or j != y:
        out.append((path, f"JSON has {describe(j)}, YAML has {describe(y)}"))


def fmt_path(path):
    s = ""
    for p in path:
        s += f"[{p}]" if isinstance(p, int) else (f".{p}" if s else str(p))
    return s or "(document root)"


def yaml_line(text, path):
    """Line (1-based) of the YAML node at path, best effort."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    for p in path:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.value == p:
                    node = v
                    break
            else:
                return node.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(p, int) and p < len(node.value):
            node = node.value[p]
        else:
            return node.start_mark.line + 1
    return node.start_mark.line + 1 if node is not None else None


def check_dir(d):
    jpath, ypath = f"{d}/template.json", f"{d}/template.yaml"
    problems = []
    try:
        data = load_json(jpath)
    except (ValueError, DuplicateKey) as e:
        return [f"{jpath}: cannot load as JSON: {e}"]
    with open(ypath, encoding="utf-8") as f:
        text = f.read()
    for parser, loader in (("PyYAML safe_load (YAML 1.1)", load_pyyaml),
                           ("ruamel.yaml safe (YAML 1.2)", load_ruamel)):
        try:
            ydata = loader(text)
        except Exception as e:  # any parser error is a finding
            msg = " ".join(str(e).split())
            problems.append(f"{ypath}: {parser} cannot load it: {msg}")
            continue
        diffs = []
        diff(data, ydata, [], diffs)
        for path, what in diffs:
            line = yaml_line(text, path)
            where = f"{ypath}:{line}" if line else ypath
            problems.append(f"{where}: YAML differs from template.json at {fmt_path(path)} "
                            f"under {parser}: {what}")
    return problems


def main(argv):
    dirs = argv[1:]
    bad = 0
    for d in dirs:
        problems = check_dir(d)
        if problems:
            bad += 1
            for p in problems:
                print(f"FAIL yaml-equivalence: {p}")
        else:
            print(f"ok   yaml-equivalence: {d}/template.yaml == template.json")
    print(f"summary yaml-equivalence: {len(dirs)} pairs checked, {bad} differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
