#!/usr/bin/env bash
# The headend on loopback, end to end (run by scripts/demo.sh after the build):
#   1. a fresh PKI: AC root, one CASS, two fleets of CAMs (normal mode and fast mode);
#   2. an AC store: `rcasctl ac init`, the CASS_ID, bulk ingest of both fleets;
#   3. a common and an individual client image, published by the CASS;
#   4. rcas-cassd on 127.0.0.1 (UDP sessions, HTTP and TFTP image servers);
#   5. the reference CAM fleets register, download and install the images, in normal and fast
#      mode, every reply checked (signatures, OAEP, MACs, image SHA-1);
#   6. a summary, the AC's view of the fleet, and a clean stop (SIGTERM).
# Usage: fleet-demo.sh BUILD_DIR [CAMS_PER_FLEET]   (default 200)
# RCAS_DEMO_NET=ipv6 (run by scripts/netns-fleet.sh inside its network namespace, where veth
# rcas0 - rcas1 exists): everything on ::1, and the normal-mode fleet is started by RCASAnnounce
# on the IPv6 group ff15::103 (sent on rcas0, joined on rcas1) instead of --cass; the fast-mode
# fleet goes over TCP.
# RCAS_DEMO_NET=dpdk (run by scripts/netns-dpdk-fleet.sh, veth rcas0 10.77.0.3 - rcas1
# 10.77.0.2, fd77::2): the CASS serves UDP on a DPDK af_packet port bound to rcas0 as 10.77.0.1
# and fd77::1; TCP and the image servers stay on the kernel's 10.77.0.3; the normal-mode fleet
# is started by RCASAnnounce on 239.255.103.1 sent through the DPDK port, the fast-mode fleet
# registers over IPv6; both over DPDK.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib/netns-common.sh
source "$(dirname "$0")/lib/netns-common.sh"
build="$1"
cams="${2:-200}"
net="${RCAS_DEMO_NET:-ipv4}"
listen_udp='udp = ["127.0.0.1"]'
dpdk_section=""
if [ "$net" = ipv6 ]; then
  host="::1" url_host="[::1]" groups='["ff15::103"]' iface='interface6 = "rcas0"'
  listen_udp='udp = ["::1"]'
elif [ "$net" = dpdk ]; then
  host="10.77.0.3" url_host="10.77.0.3" groups='["239.255.103.1"]' iface=''
  listen_udp='# udp: served on the DPDK port'
  dpdk_section='[dpdk]
eal = ["--no-huge", "--no-pci", "--no-shconf", "-m", "512", "-l", "0-1",
       "--file-prefix", "rcas-demo-'"$$"'", "--vdev", "net_af_packet0,iface=rcas0",
       "--log-level", "lib.eal:warning"]
port = "net_af_packet0"
address = "10.77.0.1"
address6 = "fd77::1"
workers = 1
idle_sleep_us = 20'
else
  host="127.0.0.1" url_host="127.0.0.1" groups='[]' iface=''
fi
cass_tools "$build"
work="$(mktemp -d /tmp/rcas-demo-XXXXXX)"
daemon=""
cleanup() {
  if [ -n "$daemon" ] && kill -0 "$daemon" 2>/dev/null; then
    kill -KILL "$daemon" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {  # a random high port with no TCP listener on loopback (bash only, no python)
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

step() { printf '\n== %s\n' "$*"; }

step "PKI: AC root, CASS 0000002A, $cams normal-mode and $cams fast-mode CAMs"
"$rcasctl" pki init --out "$work/pki" >/dev/null
"$rcasctl" pki cass --pki "$work/pki" --id 0000002A >/dev/null
"$rcasctl" pki cams --pki "$work/pki" --count "$cams" --share-key 50 --name normal | tail -n 1
"$rcasctl" pki cams --pki "$work/pki" --count "$cams" --share-key 50 --name fast \
  --first-id 0000000100000001 | tail -n 1

step "AC store: ingest both fleets"
"$rcasctl" ac init --db "$work/ac"
"$rcasctl" ac cass add --db "$work/ac" 0000002A
"$rcasctl" ac ingest --db "$work/ac" "$work/pki/normal.ac.rcpv"
"$rcasctl" ac ingest --db "$work/ac" "$work/pki/fast.ac.rcpv"

step "images: a common CAS client (64 KiB) and an individual one (8 KiB)"
mkdir -p "$work/images"
head -c 65536 /dev/urandom >"$work/images/cas-v3.bin"
head -c 8192 /dev/urandom >"$work/images/cas-personal.bin"
port="$(free_port)"
cass_address="$host"
[ "$net" = dpdk ] && cass_address="10.77.0.1"
http_port="$(free_port)"
tftp_port="$(free_port)"
announce_port="$(free_port)"
{
  cass_section "$work" 5 'mode = "normal"'
  cat <<TOML

[listen]
$listen_udp
tcp = ["$host"]
port = $port
address = "$cass_address"
connection = "udp"

$dpdk_section

[announce]
groups = $groups
$iface
port = $announce_port
interval_seconds = 1
unicast = []

[[announce.offer]]
hw = "00000001"
sw = "00000002"
clients = [{ type = 1, priority = 0, vendor = 1, version = 3 }]

[ac]
db = "$work/ac"
root_key = "$work/pki/ac-root.key.pem"

[images]
http = ["$url_host:$http_port"]
tftp = ["$url_host:$tftp_port"]

[[images.image]]
file = "$work/images/cas-v3.bin"
fn = "cacs/cas-v3.bin"
kind = "common"
client_type = 1
version = 3
tm = "http"

[[images.image]]
file = "$work/images/cas-personal.bin"
fn = "cacs/cas-ind-"
kind = "individual"
client_type = 1
version = 3
tm = "tftp"

[log]
level = "info"
file = "$work/cassd.log"
TOML
} >"$work/cassd.toml"

step "rcas-cassd on $url_host:$port (images: HTTP $http_port, TFTP $tftp_port)"
mkdir -p "$work/state"
"$cassd" --config "$work/cassd.toml" --check
"$cassd" --config "$work/cassd.toml" &
daemon=$!
for _ in $(seq 1 100); do
  grep -q 'listening' "$work/cassd.log" 2>/dev/null && break
  sleep 0.1
done
grep -q 'listening' "$work/cassd.log" || { cat "$work/cassd.log"; exit 1; }

run_fleet() {  # $1 name, $2 mode
  local target=(--cass "$url_host:$port" --cass-id 0000002A --mode "$2" --retries 2)
  if [ "$net" = dpdk ] && [ "$2" = normal ]; then
    target=(--announce-group 239.255.103.1 --announce-interface 10.77.0.2 --port "$announce_port"
            --once)
  elif [ "$net" = dpdk ]; then  # fast mode over IPv6 to the port: neighbour discovery too
    target=(--cass "[fd77::1]:$port" --cass-id 0000002A --mode fast --retries 2)
  elif [ "$net" = ipv6 ] && [ "$2" = normal ]; then
    target=(--announce-group ff15::103 --announce-interface rcas1 --port "$announce_port" --once)
  elif [ "$net" = ipv6 ]; then
    target+=(--tcp)
  fi
  local exec_in=()  # RCAS_CAM_EXEC: a command prefix that puts the CAMs in another namespace
  read -ra exec_in <<<"${RCAS_CAM_EXEC:-}"
  "${exec_in[@]}" "$cam" --prov "$work/pki/$1.cam.rcpv" --root "$work/pki/ac-root.cert.pem" \
    --state "$work/cam-$1" "${target[@]}" \
    --jitter 0 --idle 2 --http-port "$http_port" --tftp-port "$tftp_port" \
    --hw 00000001 --sw 00000002
}
status=0
how=""
[ "$net" = ipv6 ] && how="started by RCASAnnounce on ff15::103, "
[ "$net" = dpdk ] && how="over the DPDK port, started by RCASAnnounce on 239.255.103.1, "
step "normal mode: $cams CAMs (${how}KeyRequest, CAMReg, RenewInfo, HTTP + TFTP download, RenewConfirm)"
start=$SECONDS
run_fleet normal normal | tail -n 12 || status=1
echo "normal-mode fleet: $((SECONDS - start)) s"
step "fast mode: $cams CAMs ($([ "$net" = ipv6 ] && echo "TCP, ")$([ "$net" = dpdk ] && echo "IPv6 over the DPDK port, ")KeyRegRequest, RenewInfo, downloads, RenewConfirm)"
start=$SECONDS
run_fleet fast fast | tail -n 12 || status=1
echo "fast-mode fleet: $((SECONDS - start)) s"

step "stop rcas-cassd (SIGTERM: drain, flush, exit)"
kill -TERM "$daemon"
wait "$daemon" || status=1
daemon=""
grep -E 'event=(counters|stop|dpdk)' "$work/cassd.log" | cut -c1-400 || true
if [ "$net" = dpdk ]; then  # the keyed messages were opened on the worker, answers sent by it
  totals="$(grep 'event=dpdk-counters' "$work/cassd.log" || true)"
  for want in 'keyed-opened=[1-9]' 'tx-packets=[1-9]' 'announce-tx=[1-9]' 'arp-answered=[1-9]' \
    'nd-answered=[1-9]'; do
    if ! grep -q -- "$want" <<<"$totals"; then
      echo "dpdk: expected $want in the port's counters"
      status=1
    fi
  done
fi

step "the AC's view"
"$rcasctl" ac stats --db "$work/ac"
"$rcasctl" ac export --db "$work/ac" --out "$work/export.jsonl"
first="$(sed -n '1s/.*"cam_id": *"\([0-9A-Fa-f]*\)".*/\1/p' "$work/export.jsonl")"
"$rcasctl" ac show --db "$work/ac" "$first"
"$rcasctl" ac reports --db "$work/ac" "$first"
if [ "$status" -eq 0 ]; then
  echo; echo "fleet demo: every CAM registered and installed its images"
else
  echo; echo "fleet demo: FAILED (see above)"
fi
exit "$status"
