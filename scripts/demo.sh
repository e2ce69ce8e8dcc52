#!/usr/bin/env bash
# Installs what is missing, builds, and runs mandate's main job on a fresh
# embedded (SQLite) home: record operator evidence in the ledger, sign a
# checkpoint, prove an entry's inclusion and the log's consistency, verify
# everything, then show that tampering with the store is caught.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
BUILD_TARGET=mandate ./scripts/build.sh >/dev/null
M="$PWD/build/src/cli/mandate"
HOME_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mandate-demo.XXXXXX")
trap 'rm -rf "$HOME_DIR"' EXIT
export MANDATE_HOME="$HOME_DIR/home"
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

step "$M" init --origin demo.example/mandate
step "$M" ledger append --type operator.record --actor alice@example.com \
  --ref change=CHG-1042 --data '{"intent":"rotate the payments DB password","ticket":"CHG-1042"}'
step "$M" ledger append --type operator.record --actor bob@example.com \
  --ref change=CHG-1042 --data '{"approved":true,"comment":"ok for tonight"}'
step "$M" ledger append --type operator.record --actor spiffe://demo.example/ci/deployer --actor-kind workload \
  --ref change=CHG-1042 --traceparent 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 \
  --data '{"outcome":"success"}'
"$M" ledger checkpoint > "$HOME_DIR/checkpoint.txt"
step cat "$HOME_DIR/checkpoint.txt"
step "$M" ledger entry 1; echo
step "$M" ledger proof inclusion 1 --json
step "$M" ledger proof consistency 1 3 --json
step "$M" ledger public-key
step "$M" ledger verify --checkpoint "$HOME_DIR/checkpoint.txt"

printf '\n\033[1m# an administrator edits entry 1 directly in the database...\033[0m\n'
sqlite3 "$MANDATE_HOME/mandate.db" "UPDATE ledger_entry SET body = replace(body, 'true', 'false') WHERE idx = 1"
set +e
step "$M" ledger verify --checkpoint "$HOME_DIR/checkpoint.txt"
echo "exit code $? (1 = check failed)"
