#!/usr/bin/env bash
# Installs what is missing, builds the release preset and runs the main job: a fresh PKI and AC
# store, rcas-cassd on loopback, and two fleets of reference CAMs (normal and fast mode) that
# register, download and install their images; then a summary (scripts/fleet-demo.sh).
# RCAS_DEMO_CAMS sets the CAMs per fleet (default 200).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/rcas-ccache}"
# Relative paths in the cache key, so fresh clones (CI) reuse earlier compiles.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target rcasctl rcas-cassd rcas-cam
bash scripts/fleet-demo.sh build/release "${RCAS_DEMO_CAMS:-200}"
