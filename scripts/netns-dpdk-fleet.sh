#!/usr/bin/env bash
# The fleet demo with the CASS's UDP on a DPDK port (issue 5, docs/dataplane.md), in a network
# namespace of its own: a veth pair, rcas0 for the gateway (DPDK af_packet, 10.77.0.1; the
# kernel keeps 10.77.0.3 there for TCP and the image servers) and rcas1, in a nested namespace,
# for the CAM fleets (10.77.0.2). Checksum offload is turned off on rcas1: af_packet hands DPDK the frames as the
# kernel left them, and the gateway verifies every UDP checksum.
# Usage: netns-dpdk-fleet.sh BUILD_DIR [CAMS_PER_FLEET]. Exit 77 (a ctest skip) where the
# machine gives no user + network namespace or no veth.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

if [ "${1:-}" = --inside ]; then
  shift
  ip link set lo up
  # The CAMs get a network namespace of their own inside this one (a sleeping process holds
  # it): with both veth ends in one namespace the kernel would route 10.77.0.1 over rcas0
  # itself and the DPDK port would never be asked.
  unshare -n sleep 900 &
  cam_ns=$!
  trap 'kill "$cam_ns" 2>/dev/null || true' EXIT
  for _ in $(seq 1 50); do
    [ "$(readlink "/proc/$cam_ns/ns/net")" != "$(readlink /proc/self/ns/net)" ] && break
    sleep 0.1
  done
  ip link add rcas0 type veth peer name rcas1 netns "$cam_ns" || exit 77
  ip addr add 10.77.0.3/24 dev rcas0
  ethtool -K rcas0 tx off rx off >/dev/null 2>&1 || { echo "netns-dpdk-fleet: ethtool failed"; exit 77; }
  ip link set rcas0 up
  nsenter -t "$cam_ns" -n bash -c 'ip link set lo up && ip addr add 10.77.0.2/24 dev rcas1 &&
    sysctl -qw net.ipv6.conf.rcas1.accept_dad=0 && ip addr add fd77::2/64 dev rcas1 nodad &&
    ethtool -K rcas1 tx off rx off >/dev/null && ip link set rcas1 up' || exit 77
  RCAS_CAM_EXEC="nsenter -t $cam_ns -n" RCAS_DEMO_NET=dpdk bash "$here/fleet-demo.sh" "$@"
  exit $?
fi

if ! unshare -rn true 2>/dev/null; then
  echo "netns-dpdk-fleet: no user and network namespace here (unshare -rn): skipped"
  exit 77
fi
if ! command -v ethtool >/dev/null; then
  echo "netns-dpdk-fleet: ethtool missing (scripts/install-deps.sh installs it): skipped"
  exit 77
fi
exec unshare -rn bash "$here/netns-dpdk-fleet.sh" --inside "$@"
