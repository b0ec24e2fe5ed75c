#!/usr/bin/env bash
# Writes each fuzz target's seed corpus, from the project's fixtures and example, into
# fuzz/corpus/TARGET (not committed: the fixtures are the source of truth).
set -euo pipefail
cd "$(dirname "$0")/.."
out=fuzz/corpus
mkdir -p "$out"/{check_source,fmt_roundtrip,spec_reader,workspace_build}
i=0
while IFS= read -r -d '' f; do
  i=$((i + 1))
  cp "$f" "$out/check_source/fw-$i"
  cp "$f" "$out/fmt_roundtrip/fw-$i"
done < <(find tests/fixtures examples stdlib -name '*.fw' -print0 | sort -z)
i=0
while IFS= read -r -d '' f; do
  i=$((i + 1))
  cp "$f" "$out/spec_reader/spec-$i"
done < <(find tests/fixtures examples -path '*/out' -prune -o \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) -size -64k -print0 | sort -z)
# A workspace seed: one template file, an environment spec, a service spec, split by
# lines `%%` (what fuzz_targets/workspace_build.rs reads).
i=0
for ws in tests/fixtures/workspace/*/ examples/acme/; do
  [ -d "$ws/environments" ] || continue
  env=$(find "$ws/environments" -name '*.yaml' | sort | head -1)
  svc=$(find "$ws/services" -name '*.yaml' 2>/dev/null | sort | head -1 || true)
  [ -n "$env" ] || continue
  i=$((i + 1))
  {
    find "$ws" -path '*/registry' -prune -o -name '*.fw' -print | sort | xargs cat | grep -v '^import '
    printf '\n%%%%\n'
    cat "$env"
    printf '\n%%%%\n'
    if [ -n "$svc" ]; then sed 's/environment: [a-z0-9-]*/environment: dev/' "$svc"; fi
  } > "$out/workspace_build/ws-$i"
done
for t in "$out"/*; do echo "$(basename "$t"): $(ls "$t" | wc -l) seeds"; done
# The inputs fuzzing once found (fuzz/regressions/TARGET), kept as seeds.
for t in check_source spec_reader fmt_roundtrip workspace_build; do
  [ -d "fuzz/regressions/$t" ] && cp fuzz/regressions/"$t"/* "$out/$t/" 2>/dev/null || true
done
