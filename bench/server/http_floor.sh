#!/usr/bin/env bash
# What mandate's HTTP path costs, against the floor of an HTTP/1.1
# keep-alive answer on the same machine: wrk with 64 connections on
#   - mandate's /healthz (a fixed answer through Boost.Beast and Asio),
#   - bench/raw_http_reference's fixed answer (the same head and body from
#     raw epoll loops, one per thread: the kernel and the sockets alone),
#   - mandate's AuthZEN evaluation (the same path plus a durable decision),
# in turn on one server each, each warmed first. For each: requests/s and,
# over the middle of the run, the CPU per request of the server and of wrk,
# and the machine's idle share.
#
#   bench/server/http_floor.sh [mandate-binary]
#   ROUNDS=2 DURATION=8s WARMUP=3s CONNECTIONS=64 THREADS=2 bench/server/http_floor.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
M="${1:-$root/build/src/cli/mandate}"
RAW=${RAW:-$root/build/bench/raw_http_reference}
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-8s}
WARMUP=${WARMUP:-3s}
ROUNDS=${ROUNDS:-2}
THREADS=${THREADS:-2}  # the reference's loops, as mandate's network threads
[[ -x "$RAW" ]] || { echo "no $RAW: build it (ninja -C build raw_http_reference)" >&2; exit 2; }
source "$root/bench/server/todo_server.sh"
bench_work floor

serve_fresh_todo "$WORK"
mandate_url=$served_url
mandate_pid=${server_pids[0]}
check_allows "$mandate_url"

"$RAW" "$THREADS" >"$WORK/raw.out" 2>"$WORK/raw.err" &
raw_pid=$!
server_pids+=("$raw_pid")
for _ in $(seq 50); do [[ -s "$WORK/raw.out" ]] && break; sleep 0.1; done
raw_url="http://127.0.0.1:$(awk '/^port /{print $2}' "$WORK/raw.out")"
curl -sf -o /dev/null "$raw_url/healthz"

ticks() {  # pid → utime + stime
  awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}
idle_total() { awk '/^cpu /{ t = 0; for (i = 2; i <= NF; i++) t += $i; print $5 + $6, t }' /proc/stat; }

measure() {  # label url script server-pid
  local label=$1 url=$2 script=$3 pid=$4
  [[ "$WARMUP" == 0 ]] || wrk -t1 -c"$CONNECTIONS" -d"$WARMUP" -s "$root/bench/server/$script" "$url" >/dev/null
  wrk -t1 -c"$CONNECTIONS" -d"$DURATION" -s "$root/bench/server/$script" "$url" >"$WORK/wrk.out" &
  local wrk_pid=$! window
  # wrk's duration (8, 8s, 1m) less a second at each end, at least one.
  window=$(python3 -c '
import re, sys
n, unit = re.fullmatch(r"(\d+)([smh]?)", sys.argv[1]).groups()
print(max(1, int(n) * {"": 1, "s": 1, "m": 60, "h": 3600}[unit] - 2))' "$DURATION")
  sleep 1
  local s0 w0 i0 s1 w1 i1
  s0=$(ticks "$pid"); w0=$(ticks "$wrk_pid"); i0=$(idle_total)
  sleep "$window"
  s1=$(ticks "$pid"); w1=$(ticks "$wrk_pid"); i1=$(idle_total)
  wait "$wrk_pid"
  python3 - "$label" "$WORK/wrk.out" "$window" "$s0" "$s1" "$w0" "$w1" "$i0" "$i1" <<'PY'
import os, re, sys
label, out, window = sys.argv[1], open(sys.argv[2]).read(), float(sys.argv[3])
s0, s1, w0, w1 = (int(x) for x in sys.argv[4:8])
(i0, t0), (i1, t1) = (map(int, x.split()) for x in sys.argv[8:10])
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
hz = os.sysconf("SC_CLK_TCK")
per = lambda a, b: 1e6 * (b - a) / hz / window / rps
print(f"  {label:28s} {rps:>9,.0f}/s  server {per(s0, s1):5.1f} µs/request  wrk {per(w0, w1):5.1f} µs/request  "
      f"idle {100 * (i1 - i0) / (t1 - t0):4.1f} %  non-2xx {errors.group(1) if errors else 0}")
PY
}

for round in $(seq "$ROUNDS"); do
  echo "round $round"
  measure "mandate /healthz" "$mandate_url" fixed_response.lua "$mandate_pid"
  measure "raw epoll loops (reference)" "$raw_url" fixed_response.lua "$raw_pid"
  measure "mandate AuthZEN evaluation" "$mandate_url" authzen_evaluation.lua "$mandate_pid"
done
