#!/usr/bin/env bash
# AuthZEN evaluations per second over HTTP/1.1 keep-alive on loopback, every
# decision durable in the ledger, against the same server answering a fixed
# response (/healthz) in the same run. The caller is a registered resource
# server presenting a JWT-SVID; the policies and users are the AuthZEN
# interop "Todo" scenario's (tests/authzen/interop/todo).
#
#   bench/server/authzen_wrk.sh [mandate-binary]
#   CONNECTIONS=64 DURATION=15s WRK_THREADS=1 bench/server/authzen_wrk.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
M="${1:-$root/build/src/cli/mandate}"
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-15s}
WRK_THREADS=${WRK_THREADS:-1}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mandate-wrk.XXXXXX")
server_pid=""
cleanup() { [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
H=(--home "$WORK/home")
RS=spiffe://bench.example/rs/gateway

"$M" "${H[@]}" init --origin bench.example/mandate >/dev/null
"$M" "${H[@]}" actor add --kind human --id alice >/dev/null
"$M" "${H[@]}" actor add --kind workload --id "$RS" --owner alice >/dev/null
"$M" "${H[@]}" policy load "$root/tests/authzen/interop/todo/policies.cedar" >/dev/null
"$M" "${H[@]}" entities load "$root/tests/authzen/interop/todo/entities.json" >/dev/null

AUDIENCE=http://127.0.0.1
export MANDATE_BENCH_TOKEN
MANDATE_BENCH_TOKEN=$(node "$root/bench/server/mint_jwt_svid.mjs" "$WORK/jwt-bundle.json" "$RS" "$AUDIENCE" 3600)
cat > "$WORK/mandate.toml" <<TOML
home = "home"
[listen]
port = 0
network_threads = ${NETWORK_THREADS:-2}
handler_threads = ${HANDLER_THREADS:-128}
[log]
access = "off"
[identity]
audience = "$AUDIENCE"
[[identity.workload]]
kind = "jwt-svid"
trust_domain = "bench.example"
jwks_file = "jwt-bundle.json"
[[identity.workload.map]]
match = "$RS"
actor = "$RS"
TOML

"$M" serve --config "$WORK/mandate.toml" >"$WORK/serve.out" 2>"$WORK/serve.err" &
server_pid=$!
for _ in $(seq 100); do [[ -s "$WORK/serve.out" ]] && break; sleep 0.1; done
address=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["listening"])' "$WORK/serve.out")
url="http://$address"
curl -sf -o /dev/null "$url/healthz"
check=$(curl -s -H "Authorization: Bearer $MANDATE_BENCH_TOKEN" -H 'Content-Type: application/json' \
  -d '{"subject":{"type":"user","id":"rick@the-citadel.com"},"action":{"name":"can_read_todos"},"resource":{"type":"todo","id":"1"}}' \
  "$url/access/v1/evaluation")
echo "one evaluation: $check"
[[ "$check" == *'"decision":true'* ]] || { echo "the evaluation was not allowed; not benchmarking" >&2; exit 1; }

entries() { curl -s "$url/metrics" | awk '/^mandate_ledger_entries /{print $2}'; }
run() {  # script → "requests/s p50 p99"
  wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$root/bench/server/$1" "$url" >"$WORK/$1.out"
  python3 - "$WORK/$1.out" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def ms(v, unit): return float(v) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
lat = {m.group(1): ms(m.group(2), m.group(3)) for m in re.finditer(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)", text, re.M)}
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
print(f"{rps:.0f} {lat.get('50', 0):.2f} {lat.get('99', 0):.2f} {errors.group(1) if errors else 0}")
PY
}
before=$(entries)
read -r eval_rps eval_p50 eval_p99 eval_errors < <(run authzen_evaluation.lua)
after=$(entries)
read -r fixed_rps fixed_p50 fixed_p99 fixed_errors < <(run fixed_response.lua)
python3 - "$eval_rps" "$eval_p50" "$eval_p99" "$eval_errors" "$fixed_rps" "$fixed_p50" "$fixed_p99" "$before" "$after" <<'PY'
import sys
e, e50, e99, eerr, f, f50, f99, before, after = sys.argv[1:]
print(f"AuthZEN evaluation : {float(e):,.0f}/s  p50 {e50} ms  p99 {e99} ms  non-2xx {eerr}  ledger +{int(after) - int(before):,} entries")
print(f"fixed /healthz     : {float(f):,.0f}/s  p50 {f50} ms  p99 {f99} ms")
print(f"ratio              : {float(e) / float(f):.3f} of the fixed response")
PY
kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=""
"$M" "${H[@]}" ledger verify | head -c 300; echo
