#!/usr/bin/env bash
# What `mandate mcp` adds to each tools/call, against the same MCP server
# called directly, in one run: a fresh home with an agent whose mandate
# allows server-everything's `echo` (no @approval policy: every call is
# decided and recorded, none held), server-everything over Streamable HTTP,
# and the gateway in front of it; then bench/mcp/gateway_latency.mjs.
#   bench/mcp/gateway_bench.sh [gateway_latency.mjs options, e.g. --calls 2000 --concurrency 1,8,32 --json]
# Needs a build (./scripts/build.sh) and the npm packages (scripts/install-deps.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
M=${MANDATE:-$root/build/src/cli/mandate}
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
agent=spiffe://bench.example/agents/coder
home=$work/home
"$M" --home "$home" init --origin bench.example/mandate >/dev/null
"$M" --home "$home" actor add --kind human --id alice --groups dev >/dev/null
"$M" --home "$home" actor add --kind human --id bob --groups sre >/dev/null
"$M" --home "$home" actor keygen --out "$work/agent.pem" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["jwk"]))' >"$work/agent.jwk"
"$M" --home "$home" actor add --kind agent --id "$agent" --owner alice --key "@$work/agent.jwk" >/dev/null
cat >"$work/rules.toml" <<'TOML'
[[rule]]
id = "agent-work"
detail_types = ["mcp"]
approvals = 1
approver_groups = ["sre"]
max_task_duration = "8h"
max_mandate_lifetime = "8h"
max_uses = 1000000
TOML
"$M" --home "$home" rules load "$work/rules.toml" >/dev/null
echo 'permit (principal is Agent, action == Action::"mcp:call", resource == Resource::"mcp:everything/echo");' >"$work/p.cedar"
"$M" --home "$home" policy load "$work/p.cedar" >/dev/null
task=$("$M" --home "$home" task request --as alice --intent "Benchmark the gateway" --executor "$agent" \
  --scope '[{"type":"mcp","locations":["everything"],"actions":["echo"]}]' --duration 8h |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["task"])')
"$M" --home "$home" approve "$task" --as bob >/dev/null
"$M" --home "$home" token issue "$task" | python3 -c 'import json,sys; sys.stdout.write(json.load(sys.stdin)["token"])' >"$work/agent.token"

port=$(free_port)
PORT=$port node "$root/node_modules/@modelcontextprotocol/server-everything/dist/index.js" streamableHttp \
  >"$work/everything.out" 2>"$work/everything.err" &
pids+=($!)
cat >"$work/mandate.toml" <<TOML
home = "home"
[log]
access = "off"
[mandates]
issuer = "https://bench.example/mandate"
audience = "https://bench.example/mandate"
[mcp]
port = 0
[[mcp.servers]]
name = "everything"
url = "http://127.0.0.1:$port/mcp"
TOML
"$M" mcp --config "$work/mandate.toml" >"$work/mcp.out" 2>"$work/mcp.err" &
pids+=($!)
for _ in $(seq 100); do [[ -s "$work/mcp.out" ]] && grep -q listening "$work/everything.err" && break; sleep 0.1; done
gateway=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["mcp"])' "$work/mcp.out")
echo "gateway $gateway in front of server-everything on port $port; ledger before: $("$M" --home "$home" ledger info | tr -d '\n')" >&2
node "$root/bench/mcp/gateway_latency.mjs" --direct "http://127.0.0.1:$port/mcp" --gateway "$gateway" \
  --gateway-tool everything__echo --token-file "$work/agent.token" --key-file "$work/agent.pem" "$@"
echo "ledger after: $("$M" --home "$home" ledger info | tr -d '\n')" >&2
