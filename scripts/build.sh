#!/usr/bin/env bash
# Builds the web console into web/dist (npm run build:web: esbuild, well under a
# second), then configures and builds mandate into ./build (Ninja, ccache when
# present); the binary embeds web/dist. BUILD_TARGET picks one target (default:
# everything, tests included).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
npm run --silent build:web
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" -DMANDATE_WERROR=ON "$@" >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)" ${BUILD_TARGET:+--target "$BUILD_TARGET"}
