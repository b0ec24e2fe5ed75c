#!/usr/bin/env bash
# Validates every artifact formwork wrote under OUTDIR with third-party tools.
#
#   tests/external/validate.sh OUTDIR
#
# Artifacts are found by file name, at any depth:
#   CloudFormation: a folder with template.json (and template.yaml when YAML was written)
#   Terraform:      a folder with main.tf.json and variables.tf.json
#                   (and terraform.tfvars.json when values were written)
# Checks (each failure names the file and the finding; all checks run, then the script
# exits 1 if any failed):
#   a. cfn-lint, one call over all CloudFormation files: any error or warning fails,
#      except rules listed in cfn-lint-allow.txt
#   b. template.yaml loads (PyYAML and ruamel.yaml) to exactly the data of template.json
#   c. Terraform 1.0.3: validate (only "provider not installable" accepted) and, with
#      tfvars, plan on the variable declarations alone
#   d. checkov, one call per framework: parse errors, an empty scan and failures of the
#      checks in checkov-gate.txt fail (waivers: checkov-skip.txt); the rest is printed
# The tools come from the venvs of setup.sh (run here first; it is a no-op when current).
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ $# -ne 1 || ! -d "$1" ]]; then
  echo "usage: $0 OUTDIR   (a folder formwork wrote artifacts into)" >&2
  exit 2
fi
out="$1"
root="${FORMWORK_VALIDATORS:-$HOME/.cache/formwork-validators}"

bash "$here/setup.sh" || { echo "validate: setup.sh failed" >&2; exit 2; }
py="$root/tools/bin/python"
export PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}"
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1

start=$SECONDS
cfn_files=() yaml_dirs=() tf_dirs=()
while IFS= read -r -d '' f; do
  cfn_files+=("$f")
  d="$(dirname "$f")"
  if [[ "$(basename "$f")" == template.yaml ]]; then
    if [[ -f "$d/template.json" ]]; then
      yaml_dirs+=("$d")
    else
      echo "FAIL layout: $f has no template.json beside it"
      layout_failed=1
    fi
  fi
done < <(find "$out" -type f \( -name template.json -o -name template.yaml \) -print0 | sort -z)
while IFS= read -r -d '' d; do
  tf_dirs+=("$d")
done < <(find "$out" -type f \( -name main.tf.json -o -name variables.tf.json \) -printf '%h\0' \
           | sort -zu)

echo "validate: $out: ${#cfn_files[@]} CloudFormation files (${#yaml_dirs[@]} with YAML), ${#tf_dirs[@]} Terraform folders"
if (( ${#cfn_files[@]} + ${#tf_dirs[@]} == 0 )); then
  echo "FAIL validate: no template.json, template.yaml, main.tf.json or variables.tf.json under $out"
  exit 1
fi

failed=()
[[ -n "${layout_failed:-}" ]] && failed+=(layout)
summary="$(mktemp)"
trap 'rm -f "$summary"' EXIT

step() {  # step NAME CMD...: run, print its output, keep its summary line, record a failure
  local name="$1" log rc; shift
  log="$(mktemp)"
  echo
  echo "=== $name"
  "$@" > "$log" 2>&1
  rc=$?
  cat "$log"
  grep '^summary ' "$log" >> "$summary"
  rm -f "$log"
  if (( rc != 0 )); then
    failed+=("$name")
    echo "--- $name FAILED (exit $rc)"
  fi
}

if (( ${#cfn_files[@]} )); then
  step cfn-lint "$py" "$here/cfnlint_gate.py" "$root/tools/bin/cfn-lint" \
    "$here/cfn-lint-allow.txt" "${cfn_files[@]}"
fi
if (( ${#yaml_dirs[@]} )); then
  step yaml-equivalence "$py" "$here/yaml_equiv.py" "${yaml_dirs[@]}"
fi
if (( ${#tf_dirs[@]} )); then
  # The machine's Terraform (with the provider mirror beside it), else the venv's.
  tf_bin="${FORMWORK_TERRAFORM:-$(command -v terraform || echo "$root/tools/bin/terraform")}"
  step terraform "$py" "$here/tf_check.py" "$tf_bin" "${tf_dirs[@]}"
fi
checkov_args=()
for f in "${cfn_files[@]}"; do checkov_args+=(--cfn "$f"); done
for d in "${tf_dirs[@]}"; do checkov_args+=(--tf "$d"); done
step checkov "$py" "$here/checkov_gate.py" --checkov "$root/checkov/bin/checkov" \
  --gate "$here/checkov-gate.txt" --skip "$here/checkov-skip.txt" \
  --external-checks "$here/checkov_checks" "${checkov_args[@]}"

echo
echo "=== summary ($((SECONDS - start)) s)"
sed 's/^summary /  /' "$summary"
if (( ${#failed[@]} )); then
  echo "validate: FAILED: ${failed[*]}"
  exit 1
fi
echo "validate: all checks passed"
