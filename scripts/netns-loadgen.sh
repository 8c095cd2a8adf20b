#!/usr/bin/env bash
# rcas-loadgen against the real rcas-cassd over a DPDK port (issue 6, docs/loadgen.md), in a
# network namespace of its own: a veth pair, rcas0 for the gateway and rcas1, in a nested
# namespace, for the generator.
#   1. The generator on DPDK (af_packet on rcas1, sources 10.77.0.2 and .4) against the daemon on
#      kernel sockets (10.77.0.1 on rcas0): a normal-mode storm with a hostile mix in --check
#      mode, then a fast-mode storm.
#   2. The daemon on DPDK (af_packet on rcas0, 10.77.0.1) against the generator on kernel
#      sockets (10.77.0.2 on rcas1): a normal-mode storm in --check mode.
# Checksum offloads are off on both ends: af_packet hands DPDK the frames as the kernel left
# them, and both sides verify every UDP checksum.
# Usage: netns-loadgen.sh BUILD_DIR [CAMS]. Exit 77 (a ctest skip) where the machine gives no
# user + network namespace or no veth.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=SCRIPTDIR/lib/netns-common.sh
source "$here/lib/netns-common.sh"

netns_enter netns-loadgen "$here/netns-loadgen.sh" "$@"
shift
build="$1"
cams="${2:-300}"
cass_tools "$build"
work="$(mktemp -d /tmp/rcas-netns-loadgen-XXXXXX)"
daemon=""
gen_ns=""
cleanup() {
  [ -n "$daemon" ] && kill -KILL "$daemon" 2>/dev/null || true
  [ -n "$gen_ns" ] && kill "$gen_ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }

ip link set lo up
# The generator's namespace, held by a sleeping process: with both veth ends in one namespace
# the kernel would route between them itself and no frame would cross the DPDK port.
unshare -n sleep 900 &
gen_ns=$!
for _ in $(seq 1 50); do
  [ "$(readlink "/proc/$gen_ns/ns/net")" != "$(readlink /proc/self/ns/net)" ] && break
  sleep 0.1
done
in_gen() { nsenter -t "$gen_ns" -n "$@"; }
ip link add rcas0 type veth peer name rcas1 netns "$gen_ns" || exit 77
ethtool -K rcas0 tx off rx off >/dev/null 2>&1 || { echo "netns-loadgen: ethtool failed"; exit 77; }
ip link set rcas0 up
in_gen bash -c 'ip link set lo up && ethtool -K rcas1 tx off rx off >/dev/null &&
  ip link set rcas1 up' || exit 77

step "PKI and AC store: $cams CAMs per fleet (normal, fast, and one for the DPDK gateway)"
cass_pki_ac "$work" "$cams" normal fast gw

# config LISTEN_UDP DPDK_SECTION: the daemon's TOML.
config() {
  cass_config "$work" "" "$1"$'\ntcp = []\nport = 49104\naddress = "10.77.0.1"' "$2"
}
start_daemon() {
  cass_start "$work" && return 0
  echo "netns-loadgen: the daemon did not start"; cat "$work/cassd.log"; exit 1
}
stop_daemon() {
  cass_stop || { echo "netns-loadgen: the daemon exited $?"; tail -n 20 "$work/cassd.log"; exit 1; }
}
# run_loadgen NAME ARGS...: the generator in its namespace; its summary is printed.
run_loadgen() {
  local name="$1"
  shift
  if ! in_gen timeout 240 "$loadgen" --root "$work/pki/ac-root.cert.pem" --cass 10.77.0.1:49104 \
      --cass-id 0000002A --quiet --json "$work/$name.json" "$@" >"$work/$name.out" 2>&1; then
    echo "netns-loadgen: $name failed"; cat "$work/$name.out"; tail -n 20 "$work/cassd.log"
    exit 1
  fi
  cat "$work/$name.out"
}
eal() {
  echo "--no-huge --no-pci --no-shconf -m 256 -l $1 --file-prefix rcas-lg-$$-$2" \
       "--vdev net_af_packet0,iface=$3 --log-level lib.eal:warning"
}

step "1. generator on DPDK (af_packet on rcas1) -> daemon on kernel sockets (10.77.0.1)"
ip addr add 10.77.0.1/24 dev rcas0
config 'udp = ["10.77.0.1"]' ''
start_daemon
run_loadgen normal --prov "$work/pki/normal.cam.rcpv" --check --window 64 \
  --hostile bad-signature=0.1,malformed=0.1,garbage=0.1,replay=0.1,clone=0.1 --hostile-wait 8000 \
  --dpdk-eal "$(eal 1 gen1 rcas1)" --dpdk-port net_af_packet0 --dpdk-address 10.77.0.2 \
  --dpdk-addresses 2
run_loadgen fast --prov "$work/pki/fast.cam.rcpv" --mode fast --check --window 64 \
  --dpdk-eal "$(eal 1 gen2 rcas1)" --dpdk-port net_af_packet0 --dpdk-address 10.77.0.2
stop_daemon
ip addr del 10.77.0.1/24 dev rcas0

step "2. daemon on DPDK (af_packet on rcas0, 10.77.0.1) -> generator on kernel sockets"
in_gen ip addr add 10.77.0.2/24 dev rcas1
config '# udp: served on the DPDK port' "[dpdk]
eal = [$(eal 0-1 gw rcas0 | sed 's/\([^ ]*\)/"\1",/g; s/,$//')]
port = \"net_af_packet0\"
address = \"10.77.0.1\"
workers = 1
idle_sleep_us = 20"
start_daemon
run_loadgen gw --prov "$work/pki/gw.cam.rcpv" --check --window 64
stop_daemon
grep -q "event=dpdk-counters" "$work/cassd.log" || { echo "netns-loadgen: no DPDK counters"; exit 1; }

echo
echo "netns-loadgen: every generator run passed --check over DPDK both ways"
