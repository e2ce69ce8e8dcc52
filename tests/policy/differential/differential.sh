#!/usr/bin/env bash
# Differential test of mandate's Cedar engine against @cedar-policy/cedar-wasm.
#   differential.sh MANDATE_BINARY
# Environment (defaults in brackets):
#   MANDATE_DIFF_SEED    first seed [a fresh random one each run, printed]
#   MANDATE_DIFF_SEEDS   how many consecutive seeds [as many as the budget allows]
#   MANDATE_DIFF_BUDGET  seconds after which no further seed is started, when
#                        MANDATE_DIFF_SEEDS is not set [60]
#   MANDATE_DIFF_COUNT   requests per seed [2000]
#   MANDATE_DIFF_DIR     where cases are written [a fresh temporary directory]
# Each run starts from a fresh seed, so CI explores new inputs every time,
# and goes on with consecutive seeds until the budget is spent (at least one
# seed; the budget decides how much is tested, never whether it passes). A
# seed of 2000 requests takes about 6 s on the CI machine, so 60 s tests some
# 20,000 requests while the whole ctest run stays well within CI's time; the
# issue asked for 2 minutes, halved to keep CI short on two shared cores.
# Long runs: MANDATE_DIFF_BUDGET=3600, or MANDATE_DIFF_SEEDS=N.
# For each seed, run.mjs writes the cases with the reference's answers and
# `mandate policy test` checks them; what the reference rejects, mandate must
# reject with exit 2. A seed that passes is deleted; a mismatch prints the
# seed, the command that reproduces it, and keeps its cases on disk. Exit 0
# when every seed agrees, else 1.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mandate=${1:?usage: differential.sh MANDATE_BINARY}
# A fresh seed below 2^31, so that consecutive seeds stay below run.mjs's 2^32.
first=${MANDATE_DIFF_SEED:-$(( $(od -An -N4 -tu4 /dev/urandom) % 2147483648 ))}
seeds=${MANDATE_DIFF_SEEDS:-}
budget=${MANDATE_DIFF_BUDGET:-60}
count=${MANDATE_DIFF_COUNT:-2000}
for v in MANDATE_DIFF_SEED MANDATE_DIFF_SEEDS MANDATE_DIFF_BUDGET MANDATE_DIFF_COUNT; do
  [[ -z ${!v:-} || ${!v} =~ ^[0-9]+$ ]] || { echo "differential: $v must be a whole number, not '${!v}'" >&2; exit 2; }
done
if [[ -n ${MANDATE_DIFF_SEED:-} ]]; then
  echo "differential: first seed $first (MANDATE_DIFF_SEED)"
else
  echo "differential: first seed $first, fresh for this run (MANDATE_DIFF_SEED=$first starts from it again)"
fi
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
ran=0
start=$SECONDS
for ((seed = first; ; seed++)); do
  if [[ -n $seeds ]]; then
    ((ran < seeds)) || break
  elif ((ran > 0 && SECONDS - start >= budget)); then
    break
  fi
  ran=$((ran + 1))
  dir=$work/seed-$seed
  rm -rf "$dir"
  # --no-opt: Node 20 has aborted in long cedar-wasm loops ("unreachable code") with the optimizing compiler.
  if ! stats=$(node --no-opt "$here/run.mjs" "$seed" "$count" "$dir"); then
    echo "differential: the generator failed for seed $seed (cases in $dir)" >&2
    echo "  reproduce: MANDATE_DIFF_SEED=$seed MANDATE_DIFF_SEEDS=1 MANDATE_DIFF_COUNT=$count $0 $mandate" >&2
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
    echo "  reproduce: MANDATE_DIFF_SEED=$seed MANDATE_DIFF_SEEDS=1 MANDATE_DIFF_COUNT=$count $0 $mandate" >&2
    echo "         or: node tests/policy/differential/run.mjs $seed $count DIR && mandate policy test DIR" >&2
    status=1
    continue
  fi
  if ! check_rejected "$dir"; then
    echo "differential: MISMATCH on rejected input for seed $seed; cases kept in $dir" >&2
    echo "  reproduce: MANDATE_DIFF_SEED=$seed MANDATE_DIFF_SEEDS=1 MANDATE_DIFF_COUNT=$count $0 $mandate" >&2
    status=1
    continue
  fi
  requests=$((requests + $(sed -n 's/.*"requests":\([0-9]*\).*/\1/p' <<<"$stats")))
  rm -rf "$dir"
done
echo "differential: $ran seed(s) from $first in $((SECONDS - start)) s, $requests requests agreed"
[[ $status -ne 0 ]] || [[ -n ${MANDATE_DIFF_DIR:-} ]] || rm -rf "$work"
exit $status
