#!/usr/bin/env bash
# rcas-cassd with two DPDK workers (docs/dataplane.md, "Workers and RSS") against rcas-loadgen on
# kernel sockets, in a network namespace of its own. The port is a net_tap vdev: the tun driver
# spreads the kernel's frames over its queues as RSS would (a flow to the queue the gateway last
# sent it from, else by its hash: the UDP 4-tuple, IP fragments by addresses alone), and its
# kernel end, the tap interface, is the generator's (10.77.0.2, fd77::2), so no veth or nested
# namespace is needed.
#   a. a normal-mode storm in --check mode with a hostile mix;
#   b. a fast-mode storm over IPv6 (the port's address6 fd77::1);
#   c. the normal storm again with the tap's MTU at 1000: every first request (a KeyRequest
#      with its certificate, ~1.4 kB) reaches the port as IP fragments, which the tun driver
#      queues by addresses alone: all on one worker, while the CAMRegs spread by ports.
# After each stop the daemon's dpdk-worker log lines must show that both workers received RCAS
# traffic and installed flow keys, and in a. opened keyed messages (CAMReg; a fast-mode storm
# sends none; in c. a CAMReg on the other worker is its CAM's only keyed message and reaches the
# engine before its flow does: the flow moves there, counted route-changed); `dataplane stats`
# on the control socket must list both workers.
# The kernel's checksum offloads are off on the tap: it hands DPDK frames with complete
# checksums (the tun driver passes no offload metadata to net_tap), which the port verifies.
# Usage: netns-dpdk-workers.sh BUILD_DIR [CAMS]. Exit 77 (a ctest skip) where the machine gives
# no user + network namespace, no tap or no ethtool.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=SCRIPTDIR/lib/netns-common.sh
source "$here/lib/netns-common.sh"

if [ "${1:-}" != --inside ] && [ ! -c /dev/net/tun ]; then
  echo "netns-dpdk-workers: no /dev/net/tun for net_tap: skipped"
  exit 77
fi
netns_enter netns-dpdk-workers "$here/netns-dpdk-workers.sh" "$@"
shift
build="$1"
cams="${2:-300}"
cass_tools "$build"
work="$(mktemp -d /tmp/rcas-netns-workers-XXXXXX)"
tap=rcastap
daemon=""
cleanup() {
  if [ -n "$daemon" ]; then kill -KILL "$daemon" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }
fail() { echo "netns-dpdk-workers: $*"; tail -n 20 "$work/cassd.log" 2>/dev/null; exit 1; }

# Two CPUs this process may use (one twice where it has one): the main lcore (the control
# thread) may run on both, each worker lcore is pinned to one.
cpus=()
IFS=, read -ra ranges <<<"$(taskset -pc $$ 2>/dev/null | sed 's/.*: //')"
for r in "${ranges[@]}"; do
  [[ "$r" =~ ^[0-9]+(-[0-9]+)?$ ]] || continue
  for ((c = ${r%-*}; c <= ${r#*-} && ${#cpus[@]} < 2; c++)); do cpus+=("$c"); done
done
[ ${#cpus[@]} -gt 0 ] || cpus=(0)
[ ${#cpus[@]} -gt 1 ] || cpus+=("${cpus[0]}")
lcores="0@(${cpus[0]},${cpus[1]}),1@${cpus[0]},2@${cpus[1]}"
echo "EAL lcores: $lcores"

ip link set lo up
sysctl -qw net.ipv6.conf.default.accept_dad=0 || true  # the tap is made by each daemon start

step "PKI and AC store: $cams CAMs per storm"
cass_pki_ac "$work" "$cams" normal fast frag

# start_daemon NAME: the daemon on net_tap with two workers; the tap gets the generator's
# addresses and, with MTU set, that MTU on the kernel side.
start_daemon() {
  local dpdk
  dpdk="$(
    cat <<TOML
[dpdk]
eal = ["--no-huge", "--no-pci", "--no-shconf", "-m", "256", "--lcores", "$lcores",
       "--file-prefix", "rcas-workers-$$-$1", "--vdev", "net_tap0,iface=$tap",
       "--log-level", "lib.eal:warning"]
port = "net_tap0"
address = "10.77.0.1"
address6 = "fd77::1"
workers = 2
idle_sleep_us = 20
TOML
  )"
  cass_config "$work" "control_socket = \"$work/control.sock\"" \
    $'tcp = []\nport = 49104\naddress = "10.77.0.1"' "$dpdk"
  cass_start "$work" || { cat "$work/cassd.log"; fail "no daemon"; }
  if ! ip link show "$tap" >/dev/null 2>&1; then
    echo "netns-dpdk-workers: net_tap made no tap interface: skipped"
    exit 77
  fi
  if ! ethtool -K "$tap" tx off rx off >/dev/null 2>&1; then
    echo "netns-dpdk-workers: ethtool failed on the tap: skipped"
    exit 77
  fi
  ip addr add 10.77.0.2/24 dev "$tap"
  ip addr add fd77::2/64 dev "$tap" nodad
  [ -z "${MTU:-}" ] || ip link set "$tap" mtu "$MTU"
  ip link set "$tap" up
}
# stop_daemon COUNTER...: `dataplane stats` lists both workers, SIGTERM (bounded), then each
# COUNTER must be nonzero in both workers' dpdk-worker lines.
stop_daemon() {
  local stats line
  stats="$(timeout 20 "$rcasctl" cass ctl --socket "$work/control.sock" --timeout 10 \
    dataplane stats)" || fail "dataplane stats failed"
  for w in 0 1; do
    grep -q "^worker $w events .* keyed" <<<"$stats" || { echo "$stats"; fail "no worker $w"; }
  done
  cass_stop || fail "the daemon exited $?"
  grep "event=dpdk-worker" "$work/cassd.log" | sed 's/^.*event=dpdk-worker /  /'
  for w in 0 1; do
    line="$(grep "event=dpdk-worker worker=$w " "$work/cassd.log")" || fail "no worker $w line"
    for counter in "$@"; do
      [[ "$line" =~ [[:space:]]$counter=[1-9] ]] || fail "worker $w: no $counter"
    done
  done
}
# run_loadgen NAME ARGS...: the generator on kernel sockets; its summary is printed.
run_loadgen() {
  local name="$1"
  shift
  if ! timeout 120 "$loadgen" --root "$work/pki/ac-root.cert.pem" --cass-id 0000002A --quiet \
      --json "$work/$name.json" --check --window 64 --threads 2 "$@" >"$work/$name.out" 2>&1; then
    cat "$work/$name.out"
    # Where lost messages went: the tap's and the kernel's drops (since the start: UDP checksum
    # errors or reassemblies short of their requests mean mixed fragments), the daemon's counters.
    ip -s link show "$tap" || true
    nstat -az 2>/dev/null |
      grep -E "^(Udp6?(InErrors|RcvbufErrors|InCsumErrors)|IpReasm(Reqds|OKs|Fails))" || true
    cass_stop || true
    grep -E "event=(counters|dpdk-counters|dpdk-worker) " "$work/cassd.log" || true
    echo "netns-dpdk-workers: $name failed"
    exit 1
  fi
  cat "$work/$name.out"
}

step "a. normal-mode storm with a hostile mix over IPv4, 2 workers"
start_daemon normal
run_loadgen normal --prov "$work/pki/normal.cam.rcpv" --cass 10.77.0.1:49104 \
  --hostile bad-signature=0.1,malformed=0.1,garbage=0.1,replay=0.1,clone=0.1 --hostile-wait 8000
stop_daemon to-control flows-installed keyed-opened

step "b. fast-mode storm over IPv6 (fd77::1), 2 workers"
start_daemon fast
run_loadgen fast --prov "$work/pki/fast.cam.rcpv" --cass "[fd77::1]:49104" --mode fast
stop_daemon to-control flows-installed

step "c. normal-mode storm with the tap's MTU at 1000: first requests arrive as IP fragments"
MTU=1000 start_daemon frag
# A quarter of the protocol timers and one session per CAM: a CAM whose messages the gateway
# loses fails in 16 s and is not tried again.
run_loadgen frag --prov "$work/pki/frag.cam.rcpv" --cass 10.77.0.1:49104 --time-scale 0.25 \
  --sessions 1
stop_daemon to-control flows-installed
grep "event=dpdk-counters" "$work/cassd.log" | grep -q " rx-reassembled=[1-9]" ||
  fail "no datagram was reassembled: the MTU did not fragment the first requests"
grep "event=dpdk-counters" "$work/cassd.log" | grep -q " keyed-opened=[1-9]" ||
  fail "no keyed message was opened on the port"
grep "event=counters" "$work/cassd.log" | grep -q " route-changed=[1-9]" ||
  fail "no CAM moved to the other worker after its fragmented first request"

echo
echo "netns-dpdk-workers: every storm passed --check with both workers busy"
