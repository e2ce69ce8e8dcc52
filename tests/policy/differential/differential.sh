#!/usr/bin/env bash
# Differential test of mandate's Cedar engine against @cedar-policy/cedar-wasm.
#   differential.sh MANDATE_BINARY
# Environment (defaults in brackets):
#   MANDATE_DIFF_SEED   first seed [1]
#   MANDATE_DIFF_SEEDS  how many consecutive seeds [1]
#   MANDATE_DIFF_COUNT  requests per seed [2000]
#   MANDATE_DIFF_DIR    where cases are written [a fresh temporary directory]
# For each seed, run.mjs writes the cases with the reference's answers and
# `mandate policy test` checks them; what the reference rejects, mandate must
# reject with exit 2. A seed that passes is deleted; a mismatch prints the
# seed and keeps its cases on disk. Exit 0 when every seed agrees, else 1.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mandate=${1:?usage: differential.sh MANDATE_BINARY}
first=${MANDATE_DIFF_SEED:-1}
seeds=${MANDATE_DIFF_SEEDS:-1}
count=${MANDATE_DIFF_COUNT:-2000}
work=${MANDATE_DIFF_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/mandate-differential.XXXXXX")}
mkdir -p "$work"

if ! node -e 'require.resolve("@cedar-policy/cedar-wasm/nodejs")' 2>/dev/null &&
   [[ ! -d "$here/../../../node_modules/@cedar-policy/cedar-wasm" ]]; then
  echo "differential: @cedar-policy/cedar-wasm is not installed; run npm ci (scripts/install-deps.sh does)" >&2
  exit 1
fi

# Every input the reference rejected must make mandate exit 2 (bad input).
check_rejected() {
  local dir=$1 kind file rc failed=0
  while read -r kind file; do
    [[ -n $kind ]] || continue
    if [[ $kind == policies ]]; then
      "$mandate" policy check "$dir/rejected/$file" >/dev/null 2>&1
    else
      "$mandate" policy eval --policies /dev/null --entities "$dir/rejected/$file" \
        --principal 'User::"a"' --action 'Action::"a"' --resource 'Photo::"p"' >/dev/null 2>&1
    fi
    rc=$?
    if ((rc != 2)); then
      echo "differential: the reference rejects $kind $dir/rejected/$file but mandate exits $rc" >&2
      failed=1
    fi
  done < <(node -e 'for (const m of require(process.argv[1])) console.log(m.kind, m.file)' "$dir/rejected/manifest.json")
  return $failed
}

status=0
requests=0
for ((seed = first; seed < first + seeds; seed++)); do
  dir=$work/seed-$seed
  rm -rf "$dir"
  # --no-opt: Node 20 has aborted in long cedar-wasm loops ("unreachable code") with the optimizing compiler.
  if ! stats=$(node --no-opt "$here/run.mjs" "$seed" "$count" "$dir"); then
    echo "differential: the generator failed for seed $seed (cases in $dir)" >&2
    status=1
    continue
  fi
  echo "$stats"
  out=$("$mandate" policy test "$dir")
  rc=$?
  echo "seed $seed: $(tail -n 1 <<<"$out")"
  if ((rc != 0)); then
    grep -A3 '^FAIL' <<<"$out" | head -n 60 >&2
    echo "differential: MISMATCH for seed $seed; cases kept in $dir" >&2
    echo "  reproduce: node tests/policy/differential/run.mjs $seed $count DIR && mandate policy test DIR" >&2
    status=1
    continue
  fi
  if ! check_rejected "$dir"; then
    echo "differential: MISMATCH on rejected input for seed $seed; cases kept in $dir" >&2
    status=1
    continue
  fi
  requests=$((requests + $(sed -n 's/.*"requests":\([0-9]*\).*/\1/p' <<<"$stats")))
  rm -rf "$dir"
done
echo "differential: $seeds seed(s) from $first, $requests requests agreed"
[[ $status -ne 0 ]] || [[ -n ${MANDATE_DIFF_DIR:-} ]] || rm -rf "$work"
exit $status
