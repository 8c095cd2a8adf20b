// What the checksum offloads save a worker per round trip (docs/dataplane.md, "Checksum
// offloads"): ParseFrame of a received RCAS datagram + WriteUdpHeaders of the answer of the same
// size, with every checksum in software (vdevs) and with the NIC's (NicChecksums: RX marked
// good, TX left to the NIC), side by side in one binary. Args: {message octets on the wire,
// IPv6}. items_processed = round trips.
//
//   taskset -c 1 build/release/perf/dataplane_bench --benchmark_filter=Frame
//       --benchmark_repetitions=3 --benchmark_enable_random_interleaving=true

#include <benchmark/benchmark.h>

#include <cstdlib>

#include "dataplane/frame.h"

namespace rcas::dataplane {
namespace {

UdpRoute RouteOf(bool v6) {
  UdpRoute r;
  r.src_mac = {0x02, 0, 0, 0, 0, 1};
  r.dst_mac = {0x02, 0, 0, 0, 0, 2};
  r.src_ip = *IpAddr::Parse(v6 ? "fd77::2" : "10.77.0.2");
  r.dst_ip = *IpAddr::Parse(v6 ? "fd77::1" : "10.77.0.1");
  r.src_port = 40001;
  r.dst_port = 49104;
  return r;
}

void BM_FrameRoundTrip(benchmark::State& state, bool nic) {
  const size_t payload = static_cast<size_t>(state.range(0));
  const bool v6 = state.range(1) != 0;
  const size_t headers = UdpHeadersLen(v6, false);
  Bytes rx(headers + payload, 0x5A);
  Bytes tx(headers + payload, 0xA5);
  const NicChecksums nic_checks = nic ? NicChecksums{true, true} : NicChecksums{};
  // A valid frame from the CAM: the RX side parses it as a worker would.
  if (WriteUdpHeaders(rx, RouteOf(v6), payload) != rx.size()) {
    std::abort();
  }
  UdpRoute answer = RouteOf(v6);
  std::swap(answer.src_ip, answer.dst_ip);
  std::swap(answer.src_mac, answer.dst_mac);
  std::swap(answer.src_port, answer.dst_port);
  for (auto _ : state) {
    FrameView v;
    const FrameVerdict verdict = ParseFrame(rx, &v, nic_checks);
    benchmark::DoNotOptimize(verdict);
    const size_t len = WriteUdpHeaders(tx, answer, v.payload_len, nic_checks);
    benchmark::DoNotOptimize(len);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void Args(benchmark::internal::Benchmark* b) {
  for (int64_t v6 : {0, 1}) {
    for (int64_t size : {116, 308, 1076}) {  // LogResponse wire sizes at 64/256/1024 B content
      b->Args({size, v6});
    }
  }
}

BENCHMARK_CAPTURE(BM_FrameRoundTrip, software, false)->Apply(Args);
BENCHMARK_CAPTURE(BM_FrameRoundTrip, nic, true)->Apply(Args);

}  // namespace
}  // namespace rcas::dataplane
