#!/usr/bin/env bash
# Fuzzes the policy engine's parsers and evaluator with libFuzzer.
#   scripts/fuzz.sh [SECONDS]     SECONDS per target (default 60)
# FUZZ_TARGETS="policy_parser_fuzz ..." picks targets. Installs clang-16 and
# libc++ 16 when missing (clang cannot build the project's std::expected with
# libstdc++ 12), builds build-fuzz/ with MANDATE_FUZZ=ON (only the policy
# module and the targets in src/policy/fuzz/), seeds each corpus from
# ../shared/conformance/cedar, and runs each target on one core with ASan,
# UBSan and leak detection. Findings land in build-fuzz/artifacts/<target>/;
# the script exits 1 when any target found something.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
targets=(${FUZZ_TARGETS:-policy_parser_fuzz entities_fuzz schema_fuzz authorizer_fuzz})
build=build-fuzz
shared=../shared/conformance/cedar

packages=(clang-16 libc++-16-dev libc++abi-16-dev libclang-rt-16-dev cmake ninja-build nlohmann-json3-dev python3)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} > 0)); then
  echo "fuzz: installing ${missing[*]}" >&2
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B "$build" -G Ninja -DMANDATE_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-16 -DCMAKE_CXX_COMPILER=clang++-16 "${launcher[@]}" >/dev/null
ninja -C "$build" -j2 "${targets[@]}" >/dev/null

# Seeds: every file of the shared cases of the kind each target reads; the
# evaluator's seeds are each test's policies, a NUL byte, and its entities.
copy_seeds() {  # DIR FIND-TESTS...: files named by their path, as names repeat across folders
  local dir=$1 file
  shift
  while IFS= read -r -d '' file; do
    local rel=${file#"$shared"/}
    cp "$file" "$dir/${rel//\//_}"
  done < <(find "$shared" "$@" -print0)
}
seed() {
  local target=$1 dir=$build/corpus/$1
  mkdir -p "$dir"
  [[ -n $(ls -A "$dir") ]] && return 0  # keep what earlier runs found
  case $target in
    policy_parser_fuzz) copy_seeds "$dir" -name '*.cedar' ;;
    schema_fuzz) copy_seeds "$dir" -name '*.cedarschema' ;;
    entities_fuzz) copy_seeds "$dir" -name '*.json' -path '*entities*' ;;
    authorizer_fuzz) python3 - "$shared" "$dir" <<'PY'
import json, pathlib, sys
root, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
for n, test in enumerate(sorted(root.rglob('*.json'))):
    try:
        t = json.loads(test.read_text())
        seed = (root / t['policies']).read_bytes() + b'\0' + (root / t['entities']).read_bytes()
    except (ValueError, KeyError, TypeError, OSError):
        continue  # entities files, schemas, the manifest
    (out / f'seed{n}').write_bytes(seed)
PY
    ;;
  esac
}

status=0
for target in "${targets[@]}"; do
  seed "$target"
  artifacts=$build/artifacts/$target
  mkdir -p "$artifacts"
  log=$build/$target.log
  echo "fuzz: $target for ${seconds}s (log $log)" >&2
  # One process on one core; -timeout catches hangs, -rss_limit_mb memory
  # blowups, detect_leaks=1 leaks (ASan's LeakSanitizer).
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "$build/src/policy/fuzz/$target" "$build/corpus/$target" \
    -dict=src/policy/fuzz/cedar.dict -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$artifacts/" -print_final_stats=1 >"$log" 2>&1 || status=1
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  found=$(ls -A "$artifacts" | wc -l)
  echo "fuzz: $target: ${runs:-?} executions, $found findings in $artifacts" >&2
  ((found == 0)) || status=1
done
exit "$status"
