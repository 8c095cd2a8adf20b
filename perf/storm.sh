#!/usr/bin/env bash
# The storm benchmark (issue 6): rcas-cassd and rcas-loadgen pinned to separate cores, on
# loopback kernel UDP, every answer checked (--check). In one run it measures
#   1. the bound: RSA-2048 signatures/s of the gateway's core (crypto_bench: OpenSSL one at a
#      time, and the 8-lane IFMA batch the daemon's RSA worker runs, docs/rsa-batch.md);
#   2. a normal-mode reboot storm (KeyRequest, KeyResponse, CAMReg, CAMRegConfirm) of N CAMs;
#   3. a fast-mode storm (KeyRegRequest, KeyRegResponse) of another N CAMs: a CAM that registered
#      once is refused as a clone (Status 0x80, Annex C) in the same zone and deliverVersion;
#   4. steady state: a smaller fleet holds its sessions while the CASS sends RenewInfo (a common
#      image over HTTP, an individual one over TFTP), purchase-report and log campaigns.
# and reports registrations/s next to sign/s, the CPU seconds per registration of the gateway
# (from /proc) and of the generator (its JSON's cpu_s), latency per message type and the
# steady-state messages/s, on stdout and in OUT/storm-summary.json. Builds nothing.
# Usage: storm.sh BUILD_DIR [--cams N] [--million] [--out DIR] [--window W]
#                 [--steady-cams N] [--steady-seconds S] [--steady-rate R]
# RCAS_STORM_GATEWAY_CPU / RCAS_STORM_GENERATOR_CPU pick the cores (default 0 and 1).
# Cost here (2 cores): 100k CAMs ~6 min and ~0.5 GB in /tmp; --million ~1 h and ~5 GB.
# Needs taskset, jq and gnuplot (the plots).
set -euo pipefail

usage() {
  sed -n 's/^# Usage: //p' "$0" >&2
  exit 2
}
[ $# -ge 1 ] || usage
build="$(cd "$1" && pwd)"
shift
# --window 256: the knee of the normal-mode rate on this host (10k CAMs: 64 -> 1.77k/s, 128 ->
# 1.93k, 256 -> 2.09k, 512 -> 2.12k with twice the p99; fast mode is flat from 128), with no
# retransmission since the gateway's 8 MiB UDP receive buffer.
cams=100000 out="storm-results" window=256 steady_cams=5000 steady_seconds=20 steady_rate=""
while [ $# -gt 0 ]; do
  case "$1" in
    --cams) cams="$2"; shift 2 ;;
    --million) cams=1000000; shift ;;
    --out) out="$2"; shift 2 ;;
    --window) window="$2"; shift 2 ;;
    --steady-cams) steady_cams="$2"; shift 2 ;;
    --steady-seconds) steady_seconds="$2"; shift 2 ;;
    --steady-rate) steady_rate="$2"; shift 2 ;;
    *) usage ;;
  esac
done
gw_cpu="${RCAS_STORM_GATEWAY_CPU:-0}"
gen_cpu="${RCAS_STORM_GENERATOR_CPU:-1}"
for tool in taskset jq gnuplot timeout getconf; do
  command -v "$tool" >/dev/null || { echo "storm.sh: needs $tool" >&2; exit 2; }
done
rcasctl="$build/tools/rcasctl"
cassd="$build/tools/rcas-cassd"
loadgen="$build/tools/rcas-loadgen"
bench="$build/perf/crypto_bench"
for bin in "$rcasctl" "$cassd" "$loadgen" "$bench"; do
  [ -x "$bin" ] || { echo "storm.sh: $bin not built" >&2; exit 2; }
done
mkdir -p "$out"
out="$(cd "$out" && pwd)"
hz="$(getconf CLK_TCK)"
work="$(mktemp -d /tmp/rcas-storm-XXXXXX)"
daemon=""
stop_daemon() {  # SIGTERM (drain_seconds = 0), SIGKILL after 20 s
  kill -TERM "$daemon" 2>/dev/null || true
  for _ in $(seq 1 200); do
    kill -0 "$daemon" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$daemon" 2>/dev/null || true
  wait "$daemon" || echo "storm.sh: rcas-cassd exited with status $?"
  daemon=""
}
trap '[ -z "$daemon" ] || stop_daemon; rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step() { printf '\n== %s\n' "$*"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
# bounded SECONDS CMD...: every long step has a deadline, so the script always ends; in the
# foreground process group, so that Ctrl-C stops the step too (rcas-loadgen then still reports).
bounded() {
  local limit="$1"
  shift
  timeout --foreground --kill-after=10 "$limit" "$@"
}
# free_port: a port no local TCP or UDP socket uses, below the ephemeral range (so that no
# socket opened meanwhile takes it: the generator opens hundreds).
free_port() {
  local p lo
  lo="$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range)"
  for _ in $(seq 1 200); do
    p=$((10000 + RANDOM % (lo - 10000)))
    if ! awk -v want="$(printf '%04X' "$p")" '{ split($2, a, ":"); if (a[2] == want) found = 1 }
      END { exit !found }' /proc/net/tcp /proc/net/udp /proc/net/tcp6 /proc/net/udp6; then
      echo "$p"
      return 0
    fi
  done
  return 1
}
# cpu_ticks PID: utime + stime of the whole process (fields 14 and 15 of /proc/PID/stat; the
# name field is cut first, it may hold blanks).
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
# rcvbuf_errors: the host's UDP RcvbufErrors (datagrams the kernel dropped for a full socket).
rcvbuf_errors() {
  awk '/^Udp:/ { if (!n) { for (i = 1; i <= NF; i++) if ($i == "RcvbufErrors") c = i; n = 1 }
                 else { print $c; exit } }' /proc/net/snmp
}
# core_ticks CPU: "busy total" clock ticks of one core since boot (/proc/stat: user nice system
# idle iowait irq softirq steal), to tell how much of the gateway's core others took.
core_ticks() {
  awk -v cpu="cpu$1" '$1 == cpu { b = $2 + $3 + $4 + $7 + $8 + $9; print b, b + $5 + $6 }' \
    /proc/stat
}
# others_share "B0 T0" "B1 T1" GATEWAY_TICKS: the share of the core that went to other processes
# (busy minus the gateway's own ticks) between two core_ticks readings.
others_share() {
  awk -v a="$1" -v b="$2" -v g="$3" 'BEGIN { split(a, x); split(b, y)
    print (y[2] > x[2]) ? (y[1] - x[1] - g) / (y[2] - x[2]) : 0 }'
}

start=$(now)
step "PKI: AC root, CASS 0000002A, fleets storm and fast ($cams CAMs each), steady ($steady_cams)"
"$rcasctl" pki init --out "$work/pki" >/dev/null
"$rcasctl" pki cass --pki "$work/pki" --id 0000002A >/dev/null
pki_limit=$((120 + cams / 100))
t=$(now)
bounded "$pki_limit" "$rcasctl" pki cams --pki "$work/pki" --count "$cams" --share-key 1000 \
  --name storm | sed -n 1p
pki_s="$(since "$t")"
echo "pki cams: $cams certificates in $pki_s s"
bounded "$pki_limit" "$rcasctl" pki cams --pki "$work/pki" --count "$cams" --share-key 1000 \
  --name fast --first-id 0000000100000001 | sed -n 1p
bounded "$pki_limit" "$rcasctl" pki cams --pki "$work/pki" --count "$steady_cams" \
  --share-key 1000 --name steady --first-id 0000000200000001 | sed -n 1p

step "AC store: ingest the three fleets"
"$rcasctl" ac init --db "$work/ac" >/dev/null
"$rcasctl" ac cass add --db "$work/ac" 0000002A >/dev/null
for fleet in storm fast steady; do
  bounded "$pki_limit" "$rcasctl" ac ingest --db "$work/ac" "$work/pki/$fleet.ac.rcpv"
done
mkdir -p "$work/images"
head -c 65536 /dev/urandom >"$work/images/cas-v3.bin"
head -c 8192 /dev/urandom >"$work/images/cas-personal.bin"

# write_config NAME PORT [HTTP_PORT TFTP_PORT]: a cassd TOML on 127.0.0.1, no announce group;
# with image ports, the images and the purchase-report and log campaigns (docs/cassd.md).
write_config() {
  cat >"$work/$1.toml" <<TOML
[cass]
id = "0000002A"
certificate = "$work/pki/cass-0000002A.cert.pem"
key = "$work/pki/cass-0000002A.key.pem"
ac_root = "$work/pki/ac-root.cert.pem"
state_dir = "$work/state-$1"
drain_seconds = 0

[listen]
udp = ["127.0.0.1"]
tcp = ["127.0.0.1"]
port = $2

[announce]
groups = []
unicast = ["127.0.0.1:9"]
interval_seconds = 60

[ac]
db = "$work/ac"
root_key = "$work/pki/ac-root.key.pem"

[log]
file = "$out/cassd-$1.log"
TOML
  [ $# -eq 4 ] || return 0
  cat >>"$work/$1.toml" <<TOML

[images]
http = ["127.0.0.1:$3"]
tftp = ["127.0.0.1:$4"]
purchase_report = true
log_request = true

[[images.image]]
file = "$work/images/cas-v3.bin"
fn = "cacs/cas-v3.bin"
kind = "common"
tm = "http"
version = 3

[[images.image]]
file = "$work/images/cas-personal.bin"
fn = "cacs/cas-ind-"
kind = "individual"
tm = "tftp"
version = 3
TOML
}

start_daemon() {  # $1 config name; pinned to the gateway's core
  rm -f "$out/cassd-$1.log"
  mkdir -p "$work/state-$1"
  "$cassd" --config "$work/$1.toml" --check >/dev/null
  taskset -c "$gw_cpu" "$cassd" --config "$work/$1.toml" 2>>"$work/cassd-stderr.log" &
  daemon=$!
  for _ in $(seq 1 300); do
    grep -q 'event=listening' "$out/cassd-$1.log" 2>/dev/null && return 0
    kill -0 "$daemon" 2>/dev/null || break
    sleep 0.1
  done
  cat "$work/cassd-stderr.log" "$out/cassd-$1.log" >&2 || true
  echo "storm.sh: rcas-cassd did not start" >&2
  exit 1
}
step "gateway bound: RSA-2048 sign/s on CPU $gw_cpu (crypto_bench, CPU time, median of 3)"
bounded 300 taskset -c "$gw_cpu" "$bench" \
  --benchmark_filter='^BM_RsaSignOpenSsl/2048$|^BM_RsaSignBatched/2048/8$' \
  --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
  --benchmark_format=json >"$out/rsa-bench.json"
sign_rate() {  # $1 benchmark name: its median items_per_second
  jq --arg n "$1" '[.benchmarks[] | select(.run_name == $n and .aggregate_name == "median")
                   | .items_per_second][0] // 0' "$out/rsa-bench.json"
}
sign_openssl="$(sign_rate BM_RsaSignOpenSsl/2048)"
sign_batched="$(sign_rate BM_RsaSignBatched/2048/8)"
printf 'OpenSSL one at a time: %.0f sign/s; 8-lane batch: %.0f sign/s\n' \
  "$sign_openssl" "$sign_batched"

# storm NAME FLEET MODE: one storm against a fresh daemon; NAME.json and NAME.png in OUT and a
# summary object in $work/NAME.sum.json.
storm() {
  local port rc=0 ticks0 ticks1 drops0 drops1 core0 others
  port="$(free_port)"
  write_config "$1" "$port"
  start_daemon "$1"
  ticks0="$(cpu_ticks "$daemon")"
  drops0="$(rcvbuf_errors)"
  core0="$(core_ticks "$gw_cpu")"
  bounded $((120 + cams / 50)) taskset -c "$gen_cpu" "$loadgen" \
    --prov "$work/pki/$2.cam.rcpv" --root "$work/pki/ac-root.cert.pem" \
    --cass "127.0.0.1:$port" --cass-id 0000002A --mode "$3" --check --window "$window" \
    --json "$out/$1.json" --plot "$out/$1.png" --quiet || rc=$?
  ticks1="$(cpu_ticks "$daemon")"
  drops1="$(rcvbuf_errors)"
  others="$(others_share "$core0" "$(core_ticks "$gw_cpu")" $((ticks1 - ticks0)))"
  stop_daemon
  [ "$rc" -eq 0 ] || echo "storm.sh: rcas-loadgen ($1) exited with status $rc"
  [ -s "$out/$1.json" ] || { echo "storm.sh: no report from rcas-loadgen ($1)" >&2; exit 1; }
  jq --argjson gw_s "$(awk -v t=$((ticks1 - ticks0)) -v hz="$hz" 'BEGIN { print t / hz }')" \
    --argjson openssl "$sign_openssl" --argjson batched "$sign_batched" \
    --argjson drops $((drops1 - drops0)) --argjson window "$window" \
    --argjson others "$others" '
    def per(a; b): if b > 0 then a / b else null end;
    (per(.cpu_s; .registered)) as $gen | (per($gw_s; .registered)) as $gw |
    {mode, ok, cams, window: $window, registered, failed, duration_s, registrations_per_s,
     retransmissions, timeouts, status_received, check_failures,
     host_udp_rcvbuf_errors: $drops,
     registrations_per_s_over_batched_sign_s: per(.registrations_per_s; $batched),
     registrations_per_s_over_openssl_sign_s: per(.registrations_per_s; $openssl),
     gateway_cpu_s: $gw_s, gateway_cpu_us_per_registration: per($gw_s * 1e6; .registered),
     registrations_per_gateway_cpu_s: per(.registered; $gw_s),
     registrations_per_gateway_cpu_s_over_batched_sign_s: per(per(.registered; $gw_s); $batched),
     generator_cpu_s: .cpu_s, generator_cpu_us_per_registration: per(.cpu_s * 1e6; .registered),
     generator_presign_s: .presign_s,
     gateway_cpu_share: per($gw_s; .duration_s), generator_cpu_share: per(.cpu_s; .duration_s),
     gateway_core_taken_by_others: $others,
     generator_rate_over_gateway_rate: per($gw; $gen),
     latency_us: (.latency_us | map_values({p50, p99, p999, max}))}' \
    "$out/$1.json" >"$work/$1.sum.json"
}

step "normal-mode storm: $cams CAMs, window $window (cassd on CPU $gw_cpu, loadgen on CPU $gen_cpu)"
storm normal storm normal
step "fast-mode storm: $cams CAMs, window $window"
storm fast fast fast

# The steady fleet starts at 80% of the normal storm's rate: a backlog past the §5.5 first
# retransmission would only add retransmissions to what is measured.
if [ -z "$steady_rate" ]; then
  steady_rate="$(jq '(.registrations_per_s * 0.8) | floor | if . < 50 then 50 else . end' \
    "$out/normal.json")"
fi
step "steady state: $steady_cams CAMs for $steady_seconds s, starting at $steady_rate/s, downloads"
port="$(free_port)"
http_port="$(free_port)"
tftp_port="$(free_port)"
write_config steady "$port" "$http_port" "$tftp_port"
start_daemon steady
rc=0
# --count: a steady run's window is max(--window, --count), and every held session keeps its
# place, so without it only the first --window CAMs would ever register.
bounded $((steady_seconds + 120)) taskset -c "$gen_cpu" "$loadgen" \
  --prov "$work/pki/steady.cam.rcpv" --root "$work/pki/ac-root.cert.pem" \
  --cass "127.0.0.1:$port" --cass-id 0000002A --check --scenario steady --count "$steady_cams" \
  --duration "$steady_seconds" --rate "$steady_rate" --download --http-port "$http_port" \
  --tftp-port "$tftp_port" --json "$out/steady.json" --plot "$out/steady.png" --quiet || rc=$?
stop_daemon
[ "$rc" -eq 0 ] || echo "storm.sh: rcas-loadgen (steady) exited with status $rc"
# Rates over the busy time (start to the last progress period with traffic): once each CAM has
# had its campaigns the fleet is quiet, and the rest of --duration would only dilute them.
jq '(([.timeline[] | select(.tx + .rx > 0) | .t_s] | max) // .duration_s) as $busy |
    {cams, duration_s, busy_s: $busy, registered, renewals, status_received, check_failures,
     messages_per_busy_s: {tx: (.transport_stats.tx / $busy), rx: (.transport_stats.rx / $busy)},
     peak_messages_per_s: ([foreach .timeline[] as $p ({t: 0};
        {t: $p.t_s, r: (($p.tx + $p.rx) / (if $p.t_s > .t then $p.t_s - .t else 1 end))}; .r)]
        | max),
     tx_per_busy_s: (.tx_by_type | map_values(. / $busy)),
     rx_per_busy_s: (.rx_by_type | map_values(. / $busy)),
     latency_us: (.latency_us | map_values({p50, p99, p999, max}))}' \
  "$out/steady.json" >"$work/steady.sum.json"

jq -n --argjson normal "$(cat "$work/normal.sum.json")" \
  --argjson fast "$(cat "$work/fast.sum.json")" \
  --argjson steady "$(cat "$work/steady.sum.json")" --argjson openssl "$sign_openssl" \
  --argjson batched "$sign_batched" --argjson pki_s "$pki_s" --argjson cams "$cams" \
  --argjson wall "$(since "$start")" --arg gw "$gw_cpu" --arg gen "$gen_cpu" \
  --arg when "$(date -u +%FT%TZ)" \
  --arg cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)" \
  --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" '
  {when: $when, cpu: ($cpu | ltrimstr(" ")), load_average_at_end: $load, gateway_cpu: $gw,
   generator_cpu: $gen, cams: $cams, pki_cams_s: $pki_s, wall_s: $wall,
   rsa2048_sign_per_s: {openssl: $openssl, batched_8_lane: $batched},
   normal: $normal, fast: $fast, steady: $steady}' >"$out/storm-summary.json"

step "summary (also $out/storm-summary.json)"
jq -r '
  def f: if . == null then "-" elif . >= 100 then (. | floor | tostring)
         else ((. * 100 | floor) / 100 | tostring) end;
  "gateway RSA-2048 sign/s on CPU \(.gateway_cpu): OpenSSL \(.rsa2048_sign_per_s.openssl | f), " +
  "8-lane batch \(.rsa2048_sign_per_s.batched_8_lane | f) (the bound)",
  (.normal, .fast | "\(.mode): \(.registered)/\(.cams) registered in \(.duration_s | f) s: " +
   "\(.registrations_per_s | f) registrations/s (\(.registrations_per_s_over_batched_sign_s | f) " +
   "of batched sign/s, \(.registrations_per_s_over_openssl_sign_s | f) of OpenSSL sign/s), " +
   "\(.retransmissions) retransmissions, \(.failed) failed, ok \(.ok)",
   "  CPU share during the storm: gateway \(.gateway_cpu_share | f), generator " +
   "\(.generator_cpu_share | f); other processes took \(.gateway_core_taken_by_others | f) " +
   "of the gateway core while the generator ran (presigning included)",
   "  CPU per registration: gateway \(.gateway_cpu_us_per_registration | f) us " +
   "(\(.registrations_per_gateway_cpu_s | f) per gateway CPU-second), generator " +
   "\(.generator_cpu_us_per_registration | f) us: the generator sustains " +
   "\(.generator_rate_over_gateway_rate | f)x the gateway per-core rate (presigning the first " +
   "requests before the clock: \(.generator_presign_s | f) s)",
   (.latency_us | to_entries[] | "  latency \(.key): p50 \(.value.p50) us, p99 \(.value.p99) us")),
  "steady: \(.steady.registered)/\(.steady.cams) CAMs, \(.steady.duration_s | f) s, renewals " +
  "\(.steady.renewals | tojson)",
  "  busy \(.steady.busy_s | f) s: messages/s tx \(.steady.messages_per_busy_s.tx | f), rx " +
  "\(.steady.messages_per_busy_s.rx | f); peak second \(.steady.peak_messages_per_s | f) tx+rx/s",
  (.steady.tx_per_busy_s | to_entries[] | "  tx \(.key): \(.value | f)/s"),
  (.steady.rx_per_busy_s | to_entries[] | "  rx \(.key): \(.value | f)/s"),
  (.steady.latency_us | to_entries[] |
   "  latency \(.key): p50 \(.value.p50) us, p99 \(.value.p99) us"),
  "pki cams: \(.cams) certificates in \(.pki_cams_s) s; whole run \(.wall_s) s"' \
  "$out/storm-summary.json"
