#!/usr/bin/env bash
# The fleet demo over IPv6 with RCASAnnounce on an IPv6 multicast group (§5.1), in a network
# namespace of its own: nothing leaves it, and the host's interfaces are not touched.
# Loopback does not deliver IPv6 multicast, so the namespace gets a veth pair: the CASS sends
# its announcements on rcas0 and the CAMs join ff15::103 on rcas1; sessions and images use ::1.
# Usage: netns-fleet.sh BUILD_DIR [CAMS_PER_FLEET]. Exit 77 (a ctest skip) where the machine
# gives no unprivileged user + network namespace or no veth.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

if [ "${1:-}" = --inside ]; then
  shift
  ip link set lo up
  ip link add rcas0 type veth peer name rcas1 || exit 77
  for dev in rcas0 rcas1; do
    sysctl -qw "net.ipv6.conf.$dev.accept_dad=0" 2>/dev/null || true
    ip link set "$dev" up
  done
  # The link-local addresses must be usable before a socket joins or sends on the link.
  for _ in $(seq 1 50); do
    ip -6 addr show tentative | grep -q inet6 || break
    sleep 0.1
  done
  RCAS_DEMO_NET=ipv6 exec bash "$here/fleet-demo.sh" "$@"
fi

if ! unshare -rn true 2>/dev/null; then
  echo "netns-fleet: no user and network namespace here (unshare -rn): skipped"
  exit 77
fi
exec unshare -rn bash "$here/netns-fleet.sh" --inside "$@"
