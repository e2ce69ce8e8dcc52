#!/usr/bin/env bash
# AuthZEN evaluations per second over HTTP/1.1 keep-alive on loopback, every
# decision durable in the ledger, against the same server answering a fixed
# response (/healthz) in the same run. The caller is a registered resource
# server presenting a JWT-SVID; the policies and users are the AuthZEN
# interop "Todo" scenario's (tests/authzen/interop/todo).
#
#   bench/server/authzen_wrk.sh [mandate-binary]
#   CONNECTIONS=64 DURATION=15s WRK_THREADS=1 ROUNDS=2 ITEMS=100 WARMUP=3s bench/server/authzen_wrk.sh
# Each round: AuthZEN evaluations, the same on the peer decision point
# (../shared/bench/peer_pdp.mjs, PEER= to point elsewhere), 100-item
# batches, and /healthz; each after WARMUP of the same load, not measured.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
M="${1:-$root/build/src/cli/mandate}"
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-15s}
WRK_THREADS=${WRK_THREADS:-1}
source "$root/bench/server/todo_server.sh"
bench_work wrk

serve_fresh_todo "$WORK"
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
# The peer decision point (../shared/bench/peer_pdp.mjs: the reference Cedar
# engine behind Node's HTTP server, no credential checked, nothing recorded)
# on the same policies, entities and requests.
peer_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
PEER=${PEER:-$root/../shared/bench/peer_pdp.mjs}
peer_url=""
if [[ -f "$PEER" ]]; then
  (cd "$root" && exec node "$PEER" tests/authzen/interop/todo/policies.cedar tests/authzen/interop/todo/entities.json "$peer_port") \
    >"$WORK/peer.out" 2>"$WORK/peer.err" &
  server_pids+=($!)
  for _ in $(seq 100); do [[ -s "$WORK/peer.out" ]] && break; sleep 0.1; done
  peer_url="http://127.0.0.1:$peer_port"
else
  echo "no peer at $PEER (set PEER=…/peer_pdp.mjs): measuring mandate alone" >&2
fi
run_on() { local saved=$url; url=$1; shift; run "$@"; url=$saved; }
# Each target is warmed with the same load before it is measured: the
# peer's engine is compiled while it runs (its first seconds are slower, with
# a p99 of hundreds of ms), and a cold start is not what a decision point
# in front of every request runs at. WARMUP=0 measures cold.
WARMUP=${WARMUP:-3s}
warm() {  # script [url]
  [[ "$WARMUP" == 0 ]] && return
  wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s "$root/bench/server/$1" "${2:-$url}" >/dev/null
}

ROUNDS=${ROUNDS:-2}
results=()
for round in $(seq "$ROUNDS"); do
  warm authzen_evaluation.lua
  before=$(entries)
  read -r eval_rps eval_p50 eval_p99 eval_errors < <(run authzen_evaluation.lua)
  after=$(entries)
  peer="0 0 0 0"
  if [[ -n "$peer_url" ]]; then
    warm authzen_evaluation.lua "$peer_url"
    peer=$(run_on "$peer_url" authzen_evaluation.lua)
  fi
  warm authzen_batch.lua
  read -r batch_rps batch_p50 batch_p99 batch_errors < <(run authzen_batch.lua)
  warm fixed_response.lua
  read -r fixed_rps fixed_p50 fixed_p99 fixed_errors < <(run fixed_response.lua)
  results+=("$round $eval_rps $eval_p50 $eval_p99 $eval_errors $peer $batch_rps $batch_p50 $batch_p99 $batch_errors $fixed_rps $fixed_p50 $fixed_p99 $((after - before))")
done
printf '%s\n' "${results[@]}" | ITEMS=${ITEMS:-100} python3 -c '
import os, sys
items = int(os.environ["ITEMS"])
for line in sys.stdin:
    f = line.split()
    r, e, e50, e99, eerr, p, p50, p99, perr, b, b50, b99, berr, x, x50, x99, added = f
    print(f"round {r}")
    print(f"  AuthZEN evaluation   : {float(e):>9,.0f}/s  p50 {e50} ms  p99 {e99} ms  non-2xx {eerr}  ledger +{int(added):,}")
    if float(p) > 0:
        print(f"  peer (cedar-wasm)    : {float(p):>9,.0f}/s  p50 {p50} ms  p99 {p99} ms  non-2xx {perr}  -> mandate {float(e)/float(p):.2f}x the peer")
    print(f"  evaluations x{items:<4}   : {float(b)*items:>9,.0f} items/s ({float(b):,.0f} requests/s)  p50 {b50} ms  p99 {b99} ms  non-2xx {berr}  -> {float(b)*items/float(e):.1f}x the single rate")
    print(f"  fixed /healthz       : {float(x):>9,.0f}/s  p50 {x50} ms  p99 {x99} ms  -> evaluation {float(e)/float(x):.3f} of it")
'
kill -TERM "${server_pids[@]}"; wait "${server_pids[@]}" || true; server_pids=()
"$M" --home "$WORK/server/home" ledger verify | head -c 300; echo
