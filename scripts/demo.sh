#!/usr/bin/env bash
# Installs what is missing, builds the release preset and runs the main job:
# the rcasctl demo (a fresh PKI, then every message type sealed, opened and
# decoded with its keys), printing what it did.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/rcas-ccache}"
# Relative paths in the cache key, so fresh clones (CI) reuse earlier compiles.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target rcasctl
./build/release/tools/rcasctl demo "$@"
