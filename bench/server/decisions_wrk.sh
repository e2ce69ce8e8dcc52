#!/usr/bin/env bash
# Mandate-bound decisions per second over HTTP: POST /v1/decisions from a
# resource server (a registered workload presenting a JWT-SVID), each with a
# mandate and a fresh DPoP proof that mandate verifies, every decision
# durable in the ledger before its answer. The reference, measured in the
# same run: OpenSSL's raw Ed25519 verify rate on both cores (`openssl speed`),
# and libsodium's (the verifier mandate uses) from bench_broker when it is built.
#
#   bench/server/decisions_wrk.sh [mandate-binary]
#   CONNECTIONS=64 DURATION=8s TASKS=64 RATE_CAP=16000 bench/server/decisions_wrk.sh
#   STORE=postgresql bench/server/decisions_wrk.sh   # the home on a throwaway PostgreSQL cluster
#   CPU=1 bench/server/decisions_wrk.sh              # also the cores each process took during the run
# TASKS mandates (one task each) are presented in turn; RATE_CAP × DURATION
# fresh proofs are made beforehand, so a run faster than RATE_CAP/s would
# replay proofs (they are denied, and the script says so).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
M="${1:-$root/build/src/cli/mandate}"
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-8s}
WRK_THREADS=${WRK_THREADS:-1}
TASKS=${TASKS:-64}
RATE_CAP=${RATE_CAP:-16000}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mandate-decisions.XXXXXX")
server_pids=()
STORE=${STORE:-sqlite}
cleanup() {
  [[ ${#server_pids[@]} -gt 0 ]] && kill "${server_pids[@]}" 2>/dev/null
  wait 2>/dev/null
  [[ "$STORE" == postgresql ]] && "$root/scripts/postgres.sh" stop "$WORK/pg" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT
source "$root/bench/server/todo_server.sh"

EXECUTOR=spiffe://bench.example/ci/deployer
home="$WORK/server/home"
mkdir -p "$WORK/server"
m() { "$M" --home "$home" "$@"; }
store_options=()
if [[ "$STORE" == postgresql ]]; then
  "$root/scripts/postgres.sh" start "$WORK/pg" >/dev/null
  admin_url=$(cat "$WORK/pg/url")
  psql -q "$admin_url" -c "CREATE DATABASE mandate_bench ENCODING 'UTF8' TEMPLATE template0" >/dev/null
  store_options=(--store-url "${admin_url%/postgres}/mandate_bench" --store-pool-size "${POOL_SIZE:-16}")
fi
m init --origin bench.example/mandate "${store_options[@]}" >/dev/null
node "$root/bench/server/make_key.mjs" "$WORK/executor.pub.jwk" "$WORK/executor.jwk"
m actor add --kind human --id alice --groups dev >/dev/null
m actor add --kind human --id bob --groups sre >/dev/null
m actor add --kind workload --id "$RS" --owner alice >/dev/null
m actor add --kind workload --id "$EXECUTOR" --owner alice --groups deployers --key "@$WORK/executor.pub.jwk" >/dev/null
cat > "$WORK/rules.toml" <<'TOML'
[[rule]]
id = "deploys"
approver_groups = ["sre"]
max_task_duration = "1h"
max_mandate_lifetime = "1h"
max_uses = 1000000
TOML
m rules load "$WORK/rules.toml" >/dev/null
{
  for i in $(seq 0 98); do
    echo "permit (principal in Group::\"team-$i\", action == Action::\"op-$i\", resource) when { context.mandate.approvers.contains(\"bob\") };"
  done
  echo 'permit (principal in Group::"deployers", action == Action::"deploy", resource) when { context.mandate.approvers.contains("bob") && context.mandate.depth == 0 };'
} > "$WORK/policies.cedar"
m policy load "$WORK/policies.cedar" >/dev/null
scope='[{"type":"deploy","actions":["deploy"],"locations":["prod/payments"]}]'
: > "$WORK/tokens"
for i in $(seq "$TASKS"); do
  task=$(m task request --as alice --intent "bench deploy $i" --executor "$EXECUTOR" --scope "$scope" --duration 1h |
         python3 -c 'import json,sys; print(json.load(sys.stdin)["task"])')
  m approve --as bob "$task" >/dev/null
  m token issue "$task" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])' >> "$WORK/tokens"
done

mint_token "$WORK/jwt-bundle.json"
# The server issues and checks mandates as the home the CLI issued them from.
EXTRA_CONFIG=$'[mandates]\nissuer = "https://bench.example/mandate"\naudience = "https://bench.example/mandate"'
serve_todo "$WORK/server" "$WORK/jwt-bundle.json"
url=$served_url
seconds=${DURATION%s}
proofs=$((RATE_CAP * seconds))
node "$root/bench/server/mint_proofs.mjs" "$WORK/executor.jwk" "$WORK/tokens" "$WORK/bodies" "$proofs" deploy prod/payments
# The proofs fill a large file (RATE_CAP x DURATION lines). Written back to
# disk by the kernel during the run, it would take CPU and I/O from the
# measurement: it is written back before.
sync
export MANDATE_BENCH_BODIES="$WORK/bodies"
first=$(head -1 "$WORK/bodies")
answer=$(curl -s -H "Authorization: Bearer $MANDATE_BENCH_TOKEN" -H 'Content-Type: application/json' -d "$first" "$url/v1/decisions")
[[ "$answer" == *'"allow":true'* || "$answer" == *'"decision":"allow"'* ]] || { echo "the first decision was not an allow: $answer" >&2; exit 1; }
# That check spent the first body; wrk's first call of request(), made at start-up and not
# sent, passes over it (a replay would show below as a deny).
decisions() { curl -s "$url/metrics" | awk -v d="$1" '$1 ~ "^mandate_decisions_total" && $1 ~ "result=\""d"\"" {print $2}'; }
allows_before=$(decisions allow); denies_before=$(decisions deny)
[[ -n "${CPU:-}" ]] && python3 "$root/bench/server/cpu_during.py" snap "$WORK/cpu.before"
wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$root/bench/server/mandate_decision.lua" "$url" > "$WORK/wrk.out"
[[ -n "${CPU:-}" ]] && python3 "$root/bench/server/cpu_during.py" snap "$WORK/cpu.after"
allows=$(( $(decisions allow) - allows_before )); denies=$(( $(decisions deny) - denies_before ))
kill -TERM "${server_pids[@]}"; wait "${server_pids[@]}" || true; server_pids=()
verify=$(openssl speed -seconds 3 -multi 2 ed25519 2>/dev/null | awk '/^ 253 bits EdDSA/{print $NF}')
# The verifier mandate uses (libsodium), raw on both cores, when bench_broker is built.
sodium=""
if [[ -x "$root/build/bench/bench_broker" ]]; then
  sodium=$("$root/build/bench/bench_broker" --benchmark_filter='raw_ed25519_verify_libsodium/real_time/threads:2' \
             --benchmark_min_time=3 2>/dev/null | awk -F'items_per_second=' 'NF > 1 {print $2}' | awk '{print $1}')
fi
STORE=$STORE SODIUM="$sodium" python3 - "$WORK/wrk.out" "$allows" "$denies" "$verify" "$proofs" <<'PY'
import os, re, sys
text = open(sys.argv[1]).read()
allows, denies, verify, proofs = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4] or 0), int(sys.argv[5])
def ms(v, unit): return float(v) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
lat = {m.group(1): ms(m.group(2), m.group(3)) for m in re.finditer(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)", text, re.M)}
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
print(f"mandate-bound decisions over HTTP ({os.environ['STORE']}): {rps:,.0f}/s  p50 {lat.get('50', 0):.2f} ms  p99 {lat.get('99', 0):.2f} ms  "
      f"non-2xx {errors.group(1) if errors else 0}  allowed {allows:,}  denied {denies:,}")
if allows + denies >= proofs:
    print(f"  ran out of fresh proofs ({proofs:,}): raise RATE_CAP")
if verify:
    print(f"  raw Ed25519 verify, both cores (openssl speed -multi 2): {verify:,.0f}/s -> decisions are {100 * rps / verify:.1f}% of it")
sodium = os.environ.get("SODIUM", "")
if sodium:
    sodium = sodium.removesuffix("/s")
    rate = float(sodium[:-1]) * {"k": 1e3, "M": 1e6}[sodium[-1]] if sodium[-1] in "kM" else float(sodium)
    print(f"  libsodium's raw verify (mandate's verifier), both cores (bench_broker): {rate:,.0f}/s -> decisions are {100 * rps / rate:.1f}% of it")
PY
if [[ -n "${CPU:-}" ]]; then
  echo "  CPU during the run (wrk's $DURATION):"
  python3 "$root/bench/server/cpu_during.py" diff "$WORK/cpu.before" "$WORK/cpu.after"
fi
"$M" --home "$home" ledger verify | head -c 300; echo
