#!/usr/bin/env bash
# Validates the pipeline files and deploy scripts `formwork build` wrote under OUTDIR.
#
#   tests/external/validate_pipelines.sh OUTDIR
#
# Found by name, at any depth:
#   GitHub workflows: provision/github.yml, pipelines/SERVICE/workflow.yml
#   GitLab CI files:  provision/gitlab-ci.yml, pipelines/SERVICE/gitlab-ci.yml
#   deploy scripts:   deploy.sh
# Checks (all run; exit 1 if any failed, 2 on a usage error):
#   a. actionlint on every GitHub workflow, linting their `run:` scripts through
#      ShellCheck when it is installed (FORMWORK_REQUIRE_SHELLCHECK=1: fail when it is
#      not; otherwise say that run scripts went unchecked: actionlint skips them silently)
#   b. check-jsonschema --builtin-schema vendor.github-workflows on every GitHub workflow
#   c. check-jsonschema --builtin-schema vendor.gitlab-ci --data-transform gitlab-ci on
#      every GitLab file
#   d. `shellcheck -s sh` on every deploy.sh (when installed, as in a.)
# The tools come from the venv of setup.sh (run here first; a no-op when current).
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ $# -ne 1 || ! -d "$1" ]]; then
  echo "usage: $0 OUTDIR   (a folder formwork build wrote)" >&2
  exit 2
fi
out="$1"
root="${FORMWORK_VALIDATORS:-$HOME/.cache/formwork-validators}"
bash "$here/setup.sh" > /dev/null || { echo "validate_pipelines: setup.sh failed" >&2; exit 2; }
tools="$root/tools/bin"

github=() gitlab=() scripts=()
while IFS= read -r -d '' f; do github+=("$f"); done < <(find "$out" -type f \
  \( -path '*/provision/github.yml' -o -path '*/pipelines/*/workflow.yml' \) -print0 | sort -z)
while IFS= read -r -d '' f; do gitlab+=("$f"); done < <(find "$out" -type f \
  \( -path '*/provision/gitlab-ci.yml' -o -path '*/pipelines/*/gitlab-ci.yml' \) -print0 | sort -z)
while IFS= read -r -d '' f; do scripts+=("$f"); done < <(find "$out" -type f -name deploy.sh -print0 | sort -z)
echo "validate_pipelines: $out: ${#github[@]} GitHub workflows, ${#gitlab[@]} GitLab files, ${#scripts[@]} deploy scripts"
if (( ${#github[@]} + ${#gitlab[@]} == 0 )); then
  echo "FAIL validate_pipelines: no workflow or GitLab file under $out"
  exit 1
fi

shellcheck="$(command -v shellcheck || true)"
if [[ -n "$shellcheck" ]]; then
  echo "validate_pipelines: shellcheck $("$shellcheck" --version | sed -n 's/^version: //p') checks run: scripts and deploy.sh"
elif [[ "${FORMWORK_REQUIRE_SHELLCHECK:-}" == 1 ]]; then
  echo "FAIL validate_pipelines: shellcheck is not installed (FORMWORK_REQUIRE_SHELLCHECK=1)"
  exit 1
else
  echo "validate_pipelines: shellcheck not installed: run: scripts and deploy.sh NOT checked"
fi

failed=()
run() {  # run NAME CMD...: print the command's output, record a failure
  local name="$1"; shift
  echo
  echo "=== $name"
  if "$@"; then
    echo "--- $name ok"
  else
    failed+=("$name")
    echo "--- $name FAILED"
  fi
}

if (( ${#github[@]} )); then
  # -shellcheck= (empty) turns the integration off, so the mode never depends on PATH.
  run actionlint "$tools/actionlint" -oneline -pyflakes= -shellcheck="$shellcheck" "${github[@]}"
  run github-schema "$tools/check-jsonschema" --builtin-schema vendor.github-workflows "${github[@]}"
fi
if (( ${#gitlab[@]} )); then
  run gitlab-schema "$tools/check-jsonschema" --builtin-schema vendor.gitlab-ci \
    --data-transform gitlab-ci "${gitlab[@]}"
fi
if (( ${#scripts[@]} )) && [[ -n "$shellcheck" ]]; then
  run shellcheck "$shellcheck" -s sh "${scripts[@]}"
fi

echo
if (( ${#failed[@]} )); then
  echo "validate_pipelines: FAILED: ${failed[*]}"
  exit 1
fi
echo "validate_pipelines: all checks passed"
