# Sourced by the wrk benchmarks (authzen_wrk.sh, decisions_wrk.sh,
# http_floor.sh, multi_server_wrk.sh): a home holding the AuthZEN interop
# "Todo" policies and entities, a registered resource server that presents
# a JWT-SVID, and `mandate serve` on it.
# Needs: $root (the repository), $M (the mandate binary).
RS=spiffe://bench.example/rs/gateway
AUDIENCE=http://127.0.0.1

# bench_work NAME: WORK, a new directory, removed on exit once every server
# whose pid is in server_pids has been stopped.
bench_work() {
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/mandate-$1.XXXXXX")
  server_pids=()
  trap bench_cleanup EXIT
}
bench_cleanup() {
  [[ ${#server_pids[@]} -gt 0 ]] && kill "${server_pids[@]}" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$WORK"
}

# todo_home DIR [init options...]: a new home with the caller and the policies.
todo_home() {
  local home=$1; shift
  "$M" --home "$home" init --origin bench.example/mandate "$@" >/dev/null
  "$M" --home "$home" actor add --kind human --id alice >/dev/null
  "$M" --home "$home" actor add --kind workload --id "$RS" --owner alice >/dev/null
  "$M" --home "$home" policy load "$root/tests/authzen/interop/todo/policies.cedar" >/dev/null
  "$M" --home "$home" entities load "$root/tests/authzen/interop/todo/entities.json" >/dev/null
}

# mint_token BUNDLE: exports MANDATE_BENCH_TOKEN (what the wrk scripts
# present) and writes the JWT bundle that verifies it to BUNDLE.
mint_token() {
  MANDATE_BENCH_TOKEN=$(node "$root/bench/server/mint_jwt_svid.mjs" "$1" "$RS" "$AUDIENCE" 3600)
  export MANDATE_BENCH_TOKEN
}

# serve_todo DIR BUNDLE: mandate.toml for DIR/home (the bundle copied beside
# it) and `mandate serve` started in the background, in this shell (not in a
# command substitution, so the caller can stop and wait for it): its pid is
# appended to `server_pids`, its base URL set in `served_url` once it listens.
# EXTRA_CONFIG, when set, is appended to mandate.toml.
serve_todo() {
  local dir=$1
  cp "$2" "$dir/jwt-bundle.json"
  cat > "$dir/mandate.toml" <<TOML
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
  [[ -n "${EXTRA_CONFIG:-}" ]] && printf '%s\n' "$EXTRA_CONFIG" >> "$dir/mandate.toml"
  "$M" serve --config "$dir/mandate.toml" >"$dir/serve.out" 2>"$dir/serve.err" &
  server_pids+=($!)
  for _ in $(seq 100); do [[ -s "$dir/serve.out" ]] && break; sleep 0.1; done
  served_url="http://$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["listening"])' "$dir/serve.out")"
}

# serve_fresh_todo WORK: all of the above in WORK (a new home in
# WORK/server/home, a token, the server started): one server on one home.
serve_fresh_todo() {
  mkdir -p "$1/server"
  todo_home "$1/server/home"
  mint_token "$1/jwt-bundle.json"
  serve_todo "$1/server" "$1/jwt-bundle.json"
}

# check_allows URL: one evaluation that the policies allow, or exit 1.
check_allows() {
  local answer
  answer=$(curl -s -H "Authorization: Bearer $MANDATE_BENCH_TOKEN" -H 'Content-Type: application/json' \
    -d '{"subject":{"type":"user","id":"rick@the-citadel.com"},"action":{"name":"can_read_todos"},"resource":{"type":"todo","id":"1"}}' \
    "$1/access/v1/evaluation")
  echo "one evaluation on $1: $answer"
  [[ "$answer" == *'"decision":true'* ]] || { echo "the evaluation was not allowed; not benchmarking" >&2; exit 1; }
}
