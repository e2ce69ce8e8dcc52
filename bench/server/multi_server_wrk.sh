#!/usr/bin/env bash
# Durable AuthZEN decisions per second and p99 with 1, 2 and 3 mandate
# servers sharing one PostgreSQL database, against one server on the
# embedded SQLite store, in the same run (the reference). Every decision is
# committed before its answer (PostgreSQL: synchronous_commit = on, fsync on).
# The load: wrk with CONNECTIONS connections in all, split evenly over the
# servers under test; the caller and policies are authzen_wrk.sh's (the
# AuthZEN interop "Todo" scenario). Load generator, servers and database share
# this machine's cores, so the ratios are the figures to quote.
#
#   bench/server/multi_server_wrk.sh [mandate-binary]
#   CONNECTIONS=64 DURATION=15s bench/server/multi_server_wrk.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
M="${1:-$root/build/src/cli/mandate}"
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-15s}
POOL=${POOL_SIZE:-16}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mandate-multi.XXXXXX")
server_pids=()
cleanup() {
  for p in "${server_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  "$root/scripts/postgres.sh" stop "$WORK/pg" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
source "$root/bench/server/todo_server.sh"

"$root/scripts/postgres.sh" start "$WORK/pg" >/dev/null
admin_url=$(cat "$WORK/pg/url")
psql -q "$admin_url" -c "CREATE DATABASE mandate_bench ENCODING 'UTF8' TEMPLATE template0" >/dev/null
db_url="${admin_url%/postgres}/mandate_bench"

todo_home "$WORK/sqlite/home"
todo_home "$WORK/pg1/home" --store-url "$db_url" --store-pool-size "$POOL"
for n in 2 3; do
  mkdir -p "$WORK/pg$n/home"
  cp -a "$WORK/pg1/home/config.toml" "$WORK/pg1/home/keys" "$WORK/pg$n/home/"
done
mint_token "$WORK/jwt-bundle.json"

serve_todo "$WORK/sqlite" "$WORK/jwt-bundle.json"
sqlite_url=$served_url
pg_urls=()
for n in 1 2 3; do
  serve_todo "$WORK/pg$n" "$WORK/jwt-bundle.json"
  pg_urls+=("$served_url")
done
for u in "$sqlite_url" "${pg_urls[@]}"; do check_allows "$u" >/dev/null; done

entries() { curl -s "$1/metrics" | awk '/^mandate_ledger_entries /{print $2}'; }
# wrk on each of the given servers at once, CONNECTIONS split over them.
# Prints "requests/s worst-p99-ms non-2xx ledger-entries-added".
run() {
  local n=$# i=0 before after loads=()
  before=$(entries "$1")
  for u in "$@"; do
    wrk -t1 -c$((CONNECTIONS / n)) -d"$DURATION" --latency -s "$root/bench/server/authzen_evaluation.lua" "$u" \
      >"$WORK/wrk.$i.out" &
    loads+=($!)
    i=$((i + 1))
  done
  wait "${loads[@]}"
  after=$(entries "$1")
  python3 - "$n" "$before" "$after" "$WORK"/wrk.*.out <<'PY'
import re, sys
n, before, after, files = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4:4 + int(sys.argv[1])]
def ms(v, unit): return float(v) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
rps = p99 = errors = 0
for f in files:
    text = open(f).read()
    rps += float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    m = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)", text, re.M)
    p99 = max(p99, ms(m.group(1), m.group(2)))
    e = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errors += int(e.group(1)) if e else 0
print(f"{rps:.0f} {p99:.2f} {errors} {after - before:.0f}")
PY
  rm -f "$WORK"/wrk.*.out
}

declare -A rate p99 errs added
for setup in sqlite pg1 pg2 pg3; do
  case $setup in
    sqlite) targets=("$sqlite_url") ;;
    pg1) targets=("${pg_urls[0]}") ;;
    pg2) targets=("${pg_urls[0]}" "${pg_urls[1]}") ;;
    pg3) targets=("${pg_urls[@]}") ;;
  esac
  read -r rate[$setup] p99[$setup] errs[$setup] added[$setup] < <(run "${targets[@]}")
done

echo "durable AuthZEN evaluations, $CONNECTIONS connections in all, $DURATION each ($(date -u +%F))"
for setup in sqlite pg1 pg2 pg3; do
  label=$([[ $setup == sqlite ]] && echo "1 server, SQLite    " || echo "${setup#pg} server(s), PostgreSQL")
  python3 -c "import sys; r, base = float(sys.argv[1]), float(sys.argv[2]); print(f'{sys.argv[3]}: {r:>8,.0f}/s  p99 {sys.argv[4]:>7} ms  non-2xx {sys.argv[5]}  ledger +{int(float(sys.argv[6])):,}  ({r / base:.2f}x SQLite)')" \
    "${rate[$setup]}" "${rate[sqlite]}" "$label" "${p99[$setup]}" "${errs[$setup]}" "${added[$setup]}"
done
for u in "${pg_urls[0]}"; do
  curl -s "$u/metrics" | grep -E '^mandate_store_(commit_seconds_(sum|count)|connections)' | sed 's/^/server 1: /'
done
kill -TERM "${server_pids[@]}" 2>/dev/null || true
wait "${server_pids[@]}" 2>/dev/null || true
server_pids=()
echo "ledger verify (PostgreSQL): $("$M" --home "$WORK/pg1/home" ledger verify | head -c 200)"
