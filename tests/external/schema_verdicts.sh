#!/usr/bin/env bash
# Checks that `formwork schema` and formwork agree on every spec: each case's spec is
# validated with check-jsonschema against the schema formwork exported for its template,
# and the verdict (valid or not) must be formwork's own.
#
#   FORMWORK_OUTPUT_DIR=DIR cargo test --release --test schema export_schema_cases
#   tests/external/schema_verdicts.sh DIR [FORMWORK_BINARY]
#
# DIR holds one folder per case (every spec fixture of tests/fixtures/spec/ and every
# example spec of examples/acme): schema.json, spec.yaml or spec.json, and expected
# (`ok` or `error`, formwork's verdict), workspace and template; DIR/skipped lists the
# cases left out, with why. Given a binary, each schema is exported again with
# `formwork schema TEMPLATE --workspace WS -o FILE` and must be byte-identical.
# Each schema is first checked against the 2020-12 metaschema. Every case runs; the
# script prints a summary and exits 1 on any disagreement (or when there are no cases).
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ $# -lt 1 || $# -gt 2 || ! -d "$1" ]]; then
  echo "usage: $0 DIR [FORMWORK_BINARY]   (DIR: a folder export_schema_cases wrote)" >&2
  exit 2
fi
dir="$1"
bin="${2:-}"
root="${FORMWORK_VALIDATORS:-$HOME/.cache/formwork-validators}"
bash "$here/setup.sh" >/dev/null || { echo "schema_verdicts: setup.sh failed" >&2; exit 2; }
cj="$root/tools/bin/check-jsonschema"
[[ -x "$cj" ]] || { echo "schema_verdicts: no check-jsonschema at $cj" >&2; exit 2; }
echo "schema_verdicts: $("$cj" --version)"

agree=0 disagree=0 total=0
schemas=()
for case in "$dir"/*/; do
  [[ -f "$case/schema.json" ]] && schemas+=("$case/schema.json")
done
if [[ ${#schemas[@]} -eq 0 ]]; then
  echo "FAIL schema_verdicts: no cases in $dir" >&2
  exit 1
fi
# One call for every schema: each must be a valid draft 2020-12 schema.
if ! "$cj" --check-metaschema "${schemas[@]}" >"$dir/metaschema.log" 2>&1; then
  echo "FAIL metaschema: an exported schema is not a valid JSON Schema:" >&2
  cat "$dir/metaschema.log" >&2
  disagree=$((disagree + 1))
fi

for case in "$dir"/*/; do
  name="$(basename "$case")"
  [[ -f "$case/expected" ]] || continue
  total=$((total + 1))
  expected="$(tr -d '[:space:]' < "$case/expected")"
  if [[ -n "$bin" ]]; then
    if ! "$bin" schema "$(cat "$case/template")" --workspace "$(cat "$case/workspace")" \
        -o "$case/schema.cli.json" 2>"$case/schema.cli.log" \
        || ! cmp -s "$case/schema.json" "$case/schema.cli.json"; then
      disagree=$((disagree + 1))
      echo "FAIL $name: \`formwork schema\` does not print the exported schema" >&2
      cat "$case/schema.cli.log" >&2
      continue
    fi
  fi
  spec="$case/spec.yaml"
  [[ -f "$spec" ]] || spec="$case/spec.json"
  timeout 120 "$cj" --schemafile "$case/schema.json" "$spec" >"$case/check-jsonschema.log" 2>&1
  rc=$?
  case "$rc" in
    0) got=ok ;;
    1) got=error ;;  # a validation error, or a spec it cannot parse
    *) got="failure (exit $rc)" ;;
  esac
  if [[ "$got" == "$expected" ]]; then
    agree=$((agree + 1))
    echo "ok   $name: both say $expected"
  else
    disagree=$((disagree + 1))
    echo "FAIL $name: formwork says $expected, check-jsonschema says $got" >&2
    sed 's/^/       /' "$case/check-jsonschema.log" >&2
  fi
done

skipped=0
if [[ -s "$dir/skipped" ]]; then
  skipped="$(grep -c . "$dir/skipped")"
  echo "skipped (JSON Schema cannot reach formwork's verdict):"
  sed 's/^/  /' "$dir/skipped"
fi
echo "schema_verdicts: $agree of $total cases agree, $disagree disagreements, $skipped skipped"
[[ $disagree -eq 0 && $total -gt 0 ]]
