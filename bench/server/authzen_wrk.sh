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
server_pids=()
cleanup() { [[ ${#server_pids[@]} -gt 0 ]] && kill "${server_pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
source "$root/bench/server/todo_server.sh"

mkdir -p "$WORK/server"
todo_home "$WORK/server/home"
mint_token "$WORK/jwt-bundle.json"
serve_todo "$WORK/server" "$WORK/jwt-bundle.json"
url=$served_url
curl -sf -o /dev/null "$url/healthz"
check_allows "$url"

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
kill -TERM "${server_pids[@]}"; wait "${server_pids[@]}" || true; server_pids=()
"$M" --home "$WORK/server/home" ledger verify | head -c 300; echo
