#!/usr/bin/env bash
# Fuzzes every parser of untrusted input with libFuzzer: the policy engine's
# parsers and evaluator, the log importers' parsers, and the network-facing
# parsers: strict JSON, JWS/JWT (ID tokens, mandate tokens, DPoP proofs,
# JWKS), X.509-SVID chains, the HTTP request head, and the transparency-log
# formats (a witness's add-checkpoint body, signed notes, tlog-policy, tiles paths).
#   scripts/fuzz.sh [SECONDS]     SECONDS per target (default 60)
# FUZZ_TIMEOUT=S is the per-input hang limit in wall-clock seconds (default 10).
# FUZZ_TARGETS="policy_parser_fuzz ..." picks targets. Installs clang-16 and
# libc++ 16 when missing (clang cannot build the project's std::expected with
# libstdc++ 12), builds build-fuzz/ with MANDATE_FUZZ=ON (only the parsing
# modules and the targets in src/{policy,ingest,encoding,identity,server,witness}/fuzz/),
# seeds each corpus (Cedar conformance cases and JSON documents from
# ../shared; the audit-log samples, split into records; the hand-written
# seeds in src/*/fuzz/seeds/; tokens and proofs minted by jwt_seeds with the
# project's signers), and runs each target on one core with ASan, UBSan and
# leak detection, at nice 19. Findings land in build-fuzz/artifacts/<target>/;
# the script exits 1 when any target found something. Two runs at once (two
# target lists) share build-fuzz/: the build holds a lock on it, so the
# second waits for the first's build instead of racing it, and each target
# has its own corpus, log and artifacts.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
targets=(${FUZZ_TARGETS:-policy_parser_fuzz entities_fuzz schema_fuzz authorizer_fuzz
  cloudtrail_fuzz k8s_audit_fuzz vault_fuzz github_fuzz okta_fuzz gcp_fuzz entra_fuzz azure_fuzz m365_fuzz
  json_strict_fuzz jwt_fuzz x509_svid_fuzz http_request_fuzz tlog_formats_fuzz})
build=build-fuzz
shared=../shared/conformance/cedar
samples=${MANDATE_SHARED_DIR:-../shared}/samples
# libFuzzer's hang timeout is wall-clock time: at nice 19 on a loaded machine
# a 100 KB input that takes 1 s of CPU can wait 10 s for it. Raise it there.
timeout=${FUZZ_TIMEOUT:-10}

packages=(clang-16 libc++-16-dev libc++abi-16-dev libclang-rt-16-dev cmake ninja-build nlohmann-json3-dev python3
  libssl-dev libsodium-dev libsimdjson-dev zlib1g-dev libboost-dev openssl)
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
mkdir -p "$build"
exec 9>"$build/.build.lock"
flock 9  # released below, once the targets are built
cmake -S . -B "$build" -G Ninja -DMANDATE_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-16 -DCMAKE_CXX_COMPILER=clang++-16 "${launcher[@]}" >/dev/null
extra=()  # jwt_fuzz's seeds are minted by a program of the fuzz build
[[ " ${targets[*]} " == *" jwt_fuzz "* ]] && extra=(jwt_seeds)
ninja -C "$build" -j2 "${targets[@]}" "${extra[@]}" >/dev/null
flock -u 9

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
# An importer's seeds: each sample file of its source whole, and each of its
# records alone (short inputs make fast runs), read in place from ../shared.
split_samples() {  # DIR SAMPLE-SUBDIR (under ../shared/samples, or a path)
  local root=$samples/$2
  [[ -d $root ]] || root=$2
  python3 - "$root" "$1" <<'PY'
import json, pathlib, sys
root, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
n = len(list(out.iterdir()))  # a second call adds, never overwrites
def put(data):
    global n
    (out / f'sample{n}').write_bytes(data)
    n += 1
for f in sorted(root.rglob('*')):
    if not f.is_file() or 'LICENSES' in f.parts or f.suffix in ('.md', '.tsv', '.yaml'):
        continue
    data = f.read_bytes()
    put(data)
    try:
        doc = json.loads(data)
        records = doc.get('Records', [doc]) if isinstance(doc, dict) else doc if isinstance(doc, list) else []
        for r in records:
            put(json.dumps(r).encode())
    except ValueError:
        for line in data.splitlines():
            if line.strip():
                put(line)
PY
  cp src/ingest/fuzz/seeds/* "$1/"
}
seed() {
  local target=$1 dir=$build/corpus/$1
  mkdir -p "$dir"
  [[ -n $(ls -A "$dir") ]] && return 0  # keep what earlier runs found
  case $target in
    cloudtrail_fuzz) split_samples "$dir" cloudtrail ;;
    k8s_audit_fuzz) split_samples "$dir" k8s_audit ;;
    vault_fuzz) split_samples "$dir" vault_audit ;;
    github_fuzz) split_samples "$dir" github ;;
    # The newer sources: the shared samples where there are some, and the
    # logs their tests were written with.
    okta_fuzz) split_samples "$dir" idp_and_other_cloud/okta-developer-docs_systemlog_examples
               split_samples "$dir" tests/ingest/logs/okta ;;
    azure_fuzz) split_samples "$dir" idp_and_other_cloud/plaso_azure_activity_log
                split_samples "$dir" tests/ingest/logs/microsoft ;;
    m365_fuzz) split_samples "$dir" idp_and_other_cloud/plaso_m365_unified_audit_log
               split_samples "$dir" tests/ingest/logs/microsoft ;;
    entra_fuzz) split_samples "$dir" tests/ingest/logs/microsoft ;;
    gcp_fuzz) split_samples "$dir" tests/ingest/logs/gcp ;;
    policy_parser_fuzz) copy_seeds "$dir" -name '*.cedar' ;;
    schema_fuzz) copy_seeds "$dir" -name '*.cedarschema' ;;
    entities_fuzz) copy_seeds "$dir" -name '*.json' -path '*entities*' ;;
    # Every JSON document of ../shared up to 16 KB (Cedar entities and
    # tests, audit-log samples), plus the hand-written edge cases.
    json_strict_fuzz)
      local file
      while IFS= read -r -d '' file; do
        local rel=${file#"${MANDATE_SHARED_DIR:-../shared}"/}
        cp "$file" "$dir/${rel//\//_}"
      done < <(find "${MANDATE_SHARED_DIR:-../shared}" -name '*.json' -size -16k -print0)
      cp src/encoding/fuzz/seeds/* "$dir/" ;;
    jwt_fuzz) "$build/src/identity/fuzz/jwt_seeds" "$dir" && cp src/identity/fuzz/seeds/jwt/* "$dir/" ;;
    x509_svid_fuzz) cp src/identity/fuzz/seeds/svid/* "$dir/" ;;
    http_request_fuzz) cp src/server/fuzz/seeds/* "$dir/" ;;
    tlog_formats_fuzz) cp src/witness/fuzz/seeds/* "$dir/" ;;
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
  # Audit records are about 1 KB: longer inputs than 16 KB only slow the
  # search down (the whole sample files stay in the corpus as seeds).
  # The network-facing targets' inputs are capped too: a JWS is refused
  # beyond 16 KB (ID tokens beyond 32 KB), certificates beyond 16 KB, and
  # request heads beyond 16 KB; 17000 lets jwt_fuzz cross the first bound.
  module=policy dict=src/policy/fuzz/cedar.dict limits=()
  case $target in
    cloudtrail_fuzz | k8s_audit_fuzz | vault_fuzz | github_fuzz)
      module=ingest dict=src/ingest/fuzz/ingest.dict limits=(-max_len=16384) ;;
    json_strict_fuzz) module=encoding dict=src/encoding/fuzz/json.dict limits=(-max_len=16384) ;;
    jwt_fuzz) module=identity dict=src/identity/fuzz/jwt.dict limits=(-max_len=17000) ;;
    x509_svid_fuzz) module=identity dict=src/identity/fuzz/x509.dict limits=(-max_len=16384) ;;
    http_request_fuzz) module=server dict=src/server/fuzz/http.dict limits=(-max_len=16384) ;;
    # A witness refuses add-checkpoint bodies over 64 KiB before parsing them.
    tlog_formats_fuzz) module=witness dict=src/witness/fuzz/tlog.dict limits=(-max_len=65536) ;;
  esac
  # One process on one core; -timeout catches hangs, -rss_limit_mb memory
  # blowups, detect_leaks=1 leaks (ASan's LeakSanitizer).
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 nice -n 19 \
    "$build/src/$module/fuzz/$target" "$build/corpus/$target" \
    -dict="$dict" -max_total_time="$seconds" -timeout="$timeout" -rss_limit_mb=2048 "${limits[@]}" \
    -artifact_prefix="$artifacts/" -print_final_stats=1 >"$log" 2>&1 || status=1
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  # slow-unit-* files are libFuzzer's notes on slow inputs (wall time, so a
  # loaded machine makes them), not findings.
  found=$(find "$artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  echo "fuzz: $target: ${runs:-?} executions, $found findings in $artifacts" >&2
  ((found == 0)) || status=1
done
exit "$status"
