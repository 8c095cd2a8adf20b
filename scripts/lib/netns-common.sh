# shellcheck shell=bash
# Shared by the network-namespace test scripts (netns-loadgen.sh, netns-dpdk-workers.sh) and
# fleet-demo.sh: the PKI + AC store, the daemon's TOML, a bounded start and stop of rcas-cassd.
# Sourced, not run. The caller sets `set -euo pipefail` and the binaries (cass_tools);
# the daemon's pid is kept in the caller's $daemon ("" when none runs).

# netns_enter NAME SCRIPT ARGS...: where ARGS do not start with --inside, SCRIPT --inside ARGS in
# a user + network namespace of its own (exec: does not return); exit 77 (a ctest skip) where the
# machine gives no such namespace or has no ethtool. NAME starts the messages.
netns_enter() {
  local name="$1" script="$2"
  shift 2
  if [ "${1:-}" = --inside ]; then return 0; fi
  local why=""
  if ! unshare -rn true 2>/dev/null; then
    why="no user and network namespace here (unshare -rn)"
  elif ! command -v ethtool >/dev/null; then
    why="ethtool missing (scripts/install-deps.sh installs it)"
  fi
  if [ -n "$why" ]; then echo "$name: $why: skipped"; exit 77; fi
  exec unshare -rn bash "$script" --inside "$@"
}

# cass_tools BUILD: $rcasctl, $cassd, $loadgen and $cam, the binaries of the build in BUILD.
# shellcheck disable=SC2034  # used by the callers
cass_tools() {
  rcasctl="$1/tools/rcasctl"
  cassd="$1/tools/rcas-cassd"
  loadgen="$1/tools/rcas-loadgen"
  cam="$1/tools/rcas-cam"
}

# cass_pki_ac WORK CAMS FLEET...: a PKI in WORK/pki (AC root, CASS 0000002A, CAMS CAMs per
# FLEET, --share-key 50) and an AC store in WORK/ac that has ingested every fleet.
# Each fleet's CAM ids start 2^32 after the previous one's.
cass_pki_ac() {
  local work="$1" cams="$2" first=1 fleet
  shift 2
  "$rcasctl" pki init --out "$work/pki" >/dev/null
  "$rcasctl" pki cass --pki "$work/pki" --id 0000002A >/dev/null
  "$rcasctl" ac init --db "$work/ac" >/dev/null
  "$rcasctl" ac cass add --db "$work/ac" 0000002A >/dev/null
  for fleet in "$@"; do
    "$rcasctl" pki cams --pki "$work/pki" --count "$cams" --share-key 50 --name "$fleet" \
      --first-id "$(printf '%016X' "$first")" >/dev/null
    "$rcasctl" ac ingest --db "$work/ac" "$work/pki/$fleet.ac.rcpv" | tail -n 1
    first=$((first + 0x100000000))
  done
}

# cass_section WORK DRAIN_SECONDS [LINES]: the daemon's [cass] section for CASS 0000002A of the
# PKI in WORK, with LINES (more keys) at its end.
cass_section() {
  printf '[cass]\nid = "0000002A"\n'
  printf '%s = "%s"\n' certificate "$1/pki/cass-0000002A.cert.pem" \
    key "$1/pki/cass-0000002A.key.pem" ac_root "$1/pki/ac-root.cert.pem" state_dir "$1/state"
  printf 'drain_seconds = %s\n' "$2"
  if [ -n "${3:-}" ]; then printf '%s\n' "$3"; fi
}

# cass_config WORK CASS_LINES LISTEN_BODY [DPDK_SECTION]: WORK/cassd.toml for the PKI and AC
# store of cass_pki_ac: drain 2 s, the [listen] section's body as given, no announcements.
cass_config() {
  {
    cass_section "$1" 2 "$2"
    printf '\n[listen]\n%s\n\n%s\n' "$3" "${4:-}"
    cat <<TOML

[announce]
groups = []
unicast = []

[ac]
db = "$1/ac"
root_key = "$1/pki/ac-root.key.pem"
TOML
  } >"$1/cassd.toml"
}

# cass_start WORK: rcas-cassd on WORK/cassd.toml, its log in WORK/cassd.log; waits up to 10 s for
# event=listening. Fails where the daemon exits first or never listens (it is left running, for
# the caller's cleanup).
cass_start() {
  "$cassd" --config "$1/cassd.toml" >"$1/cassd.log" 2>&1 &
  daemon=$!
  for _ in $(seq 1 100); do
    grep -q "event=listening" "$1/cassd.log" && return 0
    kill -0 "$daemon" 2>/dev/null || break
    sleep 0.1
  done
  grep -q "event=listening" "$1/cassd.log"
}

# cass_stop: SIGTERM, SIGKILL 30 s later (a watchdog that takes its sleep along when it is
# stopped); returns the daemon's exit status.
cass_stop() {
  local rc=0 watchdog
  kill -TERM "$daemon"
  (
    sleep 30 &
    sleeper=$!
    trap 'kill "$sleeper"; exit 0' TERM
    wait "$sleeper"
    kill -KILL "$daemon"
  ) >/dev/null 2>&1 &
  watchdog=$!
  wait "$daemon" || rc=$?
  kill "$watchdog" 2>/dev/null || true
  daemon=""
  return "$rc"
}
