#!/usr/bin/env bash
# Proves validate.sh can fail: it must pass on samples/good and fail, with the expected
# finding, on each broken copy that break_sample.py makes of it.
#
#   tests/external/selftest.sh          # all cases (about 20 s each)
#   tests/external/selftest.sh CASE...  # some of them (break_sample.py --list names them)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="${FORMWORK_VALIDATORS:-$HOME/.cache/formwork-validators}"
bash "$here/setup.sh"
py="$root/tools/bin/python"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

passed=0 failed=0
report() { printf '%-24s %s\n' "$1" "$2"; }

echo "=== selftest: samples/good must pass"
if bash "$here/validate.sh" "$here/samples/good" > "$work/good.log" 2>&1; then
  report good "ok (validate.sh passed)"; passed=$((passed + 1))
else
  cat "$work/good.log"
  report good "FAILED: validate.sh rejected samples/good"; failed=$((failed + 1))
fi

declare -A expect
while IFS=$'\t' read -r name text; do expect[$name]="$text"; done < <("$py" "$here/break_sample.py" --list)
cases=("$@")
(( ${#cases[@]} )) || mapfile -t cases < <("$py" "$here/break_sample.py" --list | cut -f1)

for c in "${cases[@]}"; do
  [[ -n "${expect[$c]:-}" ]] || { report "$c" "FAILED: unknown case"; failed=$((failed + 1)); continue; }
  tree="$work/$c"
  cp -r "$here/samples/good" "$tree"
  "$py" "$here/break_sample.py" "$c" "$tree"
  if bash "$here/validate.sh" "$tree" > "$work/$c.log" 2>&1; then
    cat "$work/$c.log"
    report "$c" "FAILED: validate.sh passed a broken tree"; failed=$((failed + 1))
  elif ! grep -qF -- "${expect[$c]}" "$work/$c.log"; then
    cat "$work/$c.log"
    report "$c" "FAILED: validate.sh failed, but without printing: ${expect[$c]}"; failed=$((failed + 1))
  else
    report "$c" "ok (rejected): $(grep -F -m1 -- "${expect[$c]}" "$work/$c.log" | sed "s|$work/||g" | cut -c1-200)"
    passed=$((passed + 1))
  fi
done

echo "selftest: $passed passed, $failed failed"
(( failed == 0 ))
