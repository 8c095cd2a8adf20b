#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole suite:
#   1. release build (gcc): unit, vector and tool tests;
#   2. fuzz build (clang, ASan+UBSan): the same tests under sanitizers, then
#      every libFuzzer target for RCAS_FUZZ_SECONDS (default 20) from its seeds.
# Prints one summary line at the end: "tests: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh || exit 1
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/rcas-ccache}"
# Relative paths in the cache key, so fresh clones (CI) reuse earlier compiles.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
jobs="$(nproc)"
fuzz_seconds="${RCAS_FUZZ_SECONDS:-20}"
log_dir="build/test-logs"
mkdir -p "$log_dir"

run_preset() {  # $1 preset, $2.. extra configure args
  local preset="$1"
  shift
  cmake --preset "$preset" "$@" >"$log_dir/$preset-configure.log" 2>&1 ||
    { cat "$log_dir/$preset-configure.log"; return 1; }
  cmake --build --preset "$preset" -j "$jobs" >"$log_dir/$preset-build.log" 2>&1 ||
    { tail -n 60 "$log_dir/$preset-build.log"; return 1; }
  ctest --preset "$preset" -j "$jobs" 2>&1 | tee "$log_dir/$preset-ctest.log" | tail -n 25
}

status=0
run_preset release || status=1
run_preset fuzz "-DRCAS_FUZZ_SECONDS=$fuzz_seconds" || status=1

passed=0
failed=0
for log in "$log_dir"/release-ctest.log "$log_dir"/fuzz-ctest.log; do
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" 2>/dev/null | tail -n 1)
  if [ -z "$line" ]; then
    status=1
    continue
  fi
  total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
  bad=$(sed -E 's/.*tests passed, ([0-9]+) tests? failed.*/\1/' <<<"$line")
  passed=$((passed + total - bad))
  failed=$((failed + bad))
done
[ "$failed" -eq 0 ] || status=1
echo
echo "tests: $passed passed, $failed failed"
exit $status
