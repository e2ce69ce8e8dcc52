#!/usr/bin/env bash
# Installs what is missing, builds, and runs mandate's main job on a fresh
# embedded (SQLite) home: a person asks for a change, two others approve,
# a workload gets a mandate bound to its key, acts within scope, is refused
# outside it, reports the outcome (which ends the mandate), and the chain is
# traced and exported as evidence that verifies offline. Then an edit behind
# mandate's back is caught by ledger verification, and the home is served over
# HTTP (mandate serve) until Ctrl-C (DEMO_SERVE=0 stops after the walkthrough).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
BUILD_TARGET=mandate ./scripts/build.sh >/dev/null
M="$PWD/build/src/cli/mandate"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mandate-demo.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export MANDATE_HOME="$WORK/home"
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }
field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
W=spiffe://demo.example/ci/deployer

cat > "$WORK/rules.toml" <<'TOML'
[[rule]]
id = "prod-deploy"
detail_types = ["deploy"]
approvals = 2
approver_groups = ["sre"]
max_task_duration = "1h"
max_mandate_lifetime = "10m"
max_uses = 3
TOML
cat > "$WORK/policies.cedar" <<'CEDAR'
@id("deploys-need-two-sre-approvals")
permit (principal in Group::"deployers", action == Action::"deploy", resource)
when { context.mandate.approvers.containsAll(["bob", "carol"]) };
CEDAR

step "$M" init --origin demo.example/mandate --rules "$WORK/rules.toml"
for who in "alice dev" "bob sre" "carol sre"; do set -- $who; "$M" actor add --kind human --id "$1" --groups "$2" >/dev/null; done
"$M" actor keygen --out "$WORK/deployer.pem" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["jwk"]))' > "$WORK/deployer.jwk"
step "$M" actor add --kind workload --id "$W" --owner alice --groups deployers --key "@$WORK/deployer.jwk"
step "$M" policy load "$WORK/policies.cedar"
TASK=$("$M" task request --as alice --intent "Deploy payments v2.3.1" --ref CHG-1042 --executor "$W" --duration 30m \
  --scope '[{"type":"deploy","actions":["deploy"],"resources":["prod/payments"]}]' | field task)
echo "task: $TASK"
set +e
step "$M" approve "$TASK" --as alice; echo "exit code $? (2 = refused: nobody approves their own request)"
set -e
step "$M" approve "$TASK" --as bob --comment "diff reviewed"
step "$M" approve "$TASK" --as carol
TOKEN=$("$M" token issue "$TASK" | field token)
echo "mandate issued (a JWT bound to the deployer's key; the ledger keeps only its hash)"
proof() { "$M" token prove --key "$WORK/deployer.pem" --token "$TOKEN" --action "$1" --resource "$2"; }
# Shown without the token and proof themselves: they are credentials.
decide() {
  printf '\n\033[1m$ mandate authorize --token $TOKEN --proof "$(mandate token prove … --action %s --resource %s)" --action %s --resource %s\033[0m\n' "$1" "$2" "$1" "$2"
  "$M" authorize --token "$TOKEN" --proof "$(proof "$1" "$2")" --action "$1" --resource "$2"
}
decide deploy prod/payments
set +e
decide deploy prod/ledger
echo "exit code $? (1 = denied: outside the approved scope)"
set -e
step "$M" task complete "$TASK" --outcome success --result-digest sha256:9f2c4e
set +e
decide deploy prod/payments
echo "exit code $? (1 = denied: the task ended, so did the mandate)"
set -e
step "$M" trace "$TASK"
"$M" evidence export "$TASK" > "$WORK/bundle.json"
step "$M" evidence verify "$WORK/bundle.json"

"$M" ledger checkpoint > "$WORK/checkpoint.txt"
printf '\n\033[1m# an administrator edits the approval entry directly in (a copy of) the database...\033[0m\n'
cp -r "$MANDATE_HOME" "$WORK/tampered"
sqlite3 "$WORK/tampered/mandate.db" "UPDATE ledger_entry SET body = replace(body, 'diff reviewed', 'no review!!!') WHERE type = 'task.approval'"
set +e
step "$M" --home "$WORK/tampered" ledger verify --checkpoint "$WORK/checkpoint.txt"
echo "exit code $? (1 = check failed)"
set -e

# The main job: the same (untouched) home served over HTTP. A resource server
# (an API gateway) is registered and given a JWT-SVID of a demo trust domain,
# so the authenticated endpoints can be tried with curl. DEMO_SERVE=0 skips it.
[[ "${DEMO_SERVE:-1}" == 1 ]] || exit 0
GW=spiffe://demo.example/rs/gateway
"$M" actor add --kind workload --id "$GW" --owner alice >/dev/null
PORT=${DEMO_PORT:-8443}
node bench/server/mint_jwt_svid.mjs "$WORK/jwt-bundle.json" "$GW" "http://127.0.0.1:$PORT" 3600 > "$WORK/gateway.jwt"
cat > "$WORK/mandate.toml" <<TOML
home = "$MANDATE_HOME"
[listen]
address = "127.0.0.1"
port = $PORT
[identity]
audience = "http://127.0.0.1:$PORT"
[[identity.workload]]
kind = "jwt-svid"
trust_domain = "demo.example"
jwks_file = "$WORK/jwt-bundle.json"
[[identity.workload.map]]
match = "$GW"
actor = "$GW"
TOML
B="Authorization: Bearer \$(cat $WORK/gateway.jwt)"
printf '\n\033[1mmandate serve on http://127.0.0.1:%s — Ctrl-C stops it (requests in flight are answered first).\033[0m\n' "$PORT"
cat <<HINTS
Try, from another terminal:
  curl -s http://127.0.0.1:$PORT/healthz
  curl -s http://127.0.0.1:$PORT/.well-known/oauth-authorization-server
  curl -s http://127.0.0.1:$PORT/v1/ledger/checkpoint -H "$B"
  curl -s http://127.0.0.1:$PORT/v1/trace/$TASK?format=text -H "$B"     # 403: traces are for humans
  curl -s http://127.0.0.1:$PORT/access/v1/evaluation -H "$B" -H 'Content-Type: application/json' \\
    -d '{"subject":{"type":"Workload","id":"$W"},"action":{"name":"deploy"},"resource":{"type":"Resource","id":"prod/payments"}}'
    # decision false: the demo's policy wants the approvers a mandate-bound request carries
  curl -s http://127.0.0.1:$PORT/metrics
HINTS
step "$M" serve --config "$WORK/mandate.toml"
