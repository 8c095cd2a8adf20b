// The DPDK worker's keyed round trip on mbufs, no I/O (issue 5): the real transport code on a
// net_ring port (bench_port.h). Per iteration B frames of B distinct flows are copied into
// fresh mbufs (the worker decrypts in place, so the input is restored) and enqueued on the
// port's RX ring; the worker's turns parse them, look up the flows, open them in one OpenBurst,
// decode the DER and queue them to control; Drain plays control: one SealBurst of B replies
// under the flows' keys, then Send each; the worker's next turns add the headers for the learnt
// neighbour and transmit; the frames are taken off the TX ring and freed. Beside it the
// crypto-only floor on the same messages: the same alloc + copy of B mbufs, OpenBurst with the
// keys in hand, SealBurst of B replies, free. Args: {content octets, burst};
// items_processed = round trips.
//
//   taskset -c 1 build/release/perf/dpdk_bench --benchmark_repetitions=3
//       --benchmark_enable_random_interleaving=true --benchmark_out=/tmp/dpdk_bench.json
//       --benchmark_out_format=json

#include <benchmark/benchmark.h>
#include <sched.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <functional>
#include <string>

#include "crypto/burst.h"
#include "dataplane/dpdk_internal.h"
#include "perf/dpdk/bench_port.h"

namespace rcas::dataplane::bench {
namespace {

// Load puts the frames of flows next .. next + n - 1 into n fresh mbufs of `pool`.
bool Load(rte_mempool* pool, const Messages& msgs, size_t next, size_t n, rte_mbuf** mbufs) {
  if (rte_pktmbuf_alloc_bulk(pool, mbufs, static_cast<unsigned>(n)) != 0) {
    return false;
  }
  for (size_t b = 0; b < n; ++b) {
    auto* d = reinterpret_cast<uint8_t*>(
        rte_pktmbuf_append(mbufs[b], static_cast<uint16_t>(msgs.frame_len)));
    std::memcpy(d, msgs.frame((next + b) % kFlows), msgs.frame_len);
  }
  return true;
}

void Report(benchmark::State& state, size_t burst) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * burst));
  state.counters["ns_per_rt"] = benchmark::Counter(
      static_cast<double>(burst) * 1e-9,
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

// RoundTrip: the pipeline's state for one benchmark; Run does one iteration.
class RoundTrip {
 public:
  RoundTrip(BenchPort& port, const Messages& msgs, size_t burst)
      : port_(port), msgs_(msgs), burst_(burst), turns_((burst + kBurst - 1) / kBurst) {
    for (auto& o : out_) {
      o.bytes.resize(msgs.sealed);
    }
    on_message_ = [this](const DpdkMessage& m) { OnMessage(m); };
  }

  // Run sends flows next .. next + burst - 1 round the pipeline; returns the frames sent back
  // (burst unless something was dropped). With `verify` it also checks every message and reply.
  size_t Run(size_t next, bool verify) {
    verify_ = verify;
    rte_mbuf* mbufs[kMaxBurst];
    if (!Load(port_.pool, msgs_, next, burst_, mbufs)) {
      return 0;
    }
    const unsigned queued = rte_ring_sp_enqueue_burst(port_.rx, reinterpret_cast<void**>(mbufs),
                                                      static_cast<unsigned>(burst_), nullptr);
    rte_pktmbuf_free_bulk(mbufs + queued, static_cast<unsigned>(burst_ - queued));
    for (size_t t = 0; t < turns_; ++t) {
      port_.transport->PollWorkers();
    }
    drained_ = 0;
    port_.transport->Drain(on_message_, burst_);
    sealed_ = crypto::SealBurst(mb_, {seal_, drained_});
    for (size_t k = 0; k < sealed_; ++k) {
      port_.transport->Send(out_[k]);
    }
    for (size_t t = 0; t < turns_; ++t) {
      port_.transport->PollWorkers();
    }
    const unsigned sent =
        rte_ring_sc_dequeue_burst(port_.tx, reinterpret_cast<void**>(mbufs), kMaxBurst, nullptr);
    if (verify) {
      for (unsigned i = 0; i < sent; ++i) {
        FrameView v;
        const auto* d = rte_pktmbuf_mtod(mbufs[i], const uint8_t*);
        bad_ += ParseFrame(ByteView(d, rte_pktmbuf_data_len(mbufs[i])), &v) != FrameVerdict::kUdp ||
                v.payload_len != msgs_.sealed || v.dst_port != CamPort((next + i) % kFlows);
      }
    }
    rte_pktmbuf_free_bulk(mbufs, sent);
    return sealed_ == burst_ ? sent : 0;
  }

  crypto::MbManager& mb() { return mb_; }
  // bad counts the messages and replies that a verifying Run found wrong.
  size_t bad() const { return bad_; }

 private:
  // OnMessage is control's side of one message: its reply, sealed in the burst after Drain.
  void OnMessage(const DpdkMessage& m) {
    if (m.session == 0 || m.session > kFlows || drained_ == burst_) {
      ++bad_;
      return;
    }
    if (verify_) {
      bad_ += !m.pre_opened || m.verdict != protocol::ProtectError::kOk ||
              m.content.size() != msgs_.content;
    }
    control::OutMessage& o = out_[drained_];
    o.peer = m.peer;
    std::memcpy(o.bytes.data(), msgs_.reply.data(), msgs_.reply.size());
    seal_[drained_] = crypto::SealJob{
        &port_.keys[m.session - 1]->full,     o.bytes.data(), static_cast<uint32_t>(msgs_.sealed),
        static_cast<uint32_t>(msgs_.content), true,           drained_};
    ++drained_;
  }

  BenchPort& port_;
  const Messages& msgs_;
  const size_t burst_;
  const size_t turns_;  // worker turns to move `burst_` frames (kBurst per RX or TX turn)
  crypto::MbManager mb_;
  std::function<void(const DpdkMessage&)> on_message_;
  crypto::SealJob seal_[kMaxBurst];
  control::OutMessage out_[kMaxBurst];
  size_t drained_ = 0;
  size_t sealed_ = 0;
  size_t bad_ = 0;
  bool verify_ = false;
};

void BM_DpdkKeyedRoundTrip(benchmark::State& state) {
  const Messages& msgs = MessagesFor(static_cast<size_t>(state.range(0)));
  const auto burst = static_cast<size_t>(state.range(1));
  BenchPort& port = Port();
  RoundTrip rt(port, msgs, burst);
  state.SetLabel(rt.mb().name());
  // One checked round first: a benchmark that measures drops proves nothing.
  if (rt.Run(0, true) != burst || rt.bad() != 0) {
    state.SkipWithError("the checked round trip lost or garbled messages");
    return;
  }
  const DpdkStats before = port.transport->stats();
  size_t next = burst;
  size_t lost = 0;
  for (auto _ : state) {
    lost += burst - rt.Run(next, false);
    next += burst;
  }
  const DpdkStats after = port.transport->stats();
  const uint64_t opened = after[KeyedVerdict::kOpened] - before[KeyedVerdict::kOpened];
  if (lost != 0 || rt.bad() != 0 || opened != state.iterations() * burst) {
    state.SkipWithError("round trips were lost");
  }
  Report(state, burst);
}

void BM_DpdkCryptoFloor(benchmark::State& state) {
  const Messages& msgs = MessagesFor(static_cast<size_t>(state.range(0)));
  const auto burst = static_cast<size_t>(state.range(1));
  BenchPort& port = Port();
  crypto::MbManager mb;
  state.SetLabel(mb.name());
  rte_mbuf* mbufs[kMaxBurst];
  crypto::OpenJob open[kMaxBurst];
  crypto::SealJob seal[kMaxBurst];
  std::vector<uint8_t> replies(kMaxBurst * msgs.sealed);
  size_t next = 0;
  for (auto _ : state) {
    if (!Load(port.pool, msgs, next, burst, mbufs)) {
      state.SkipWithError("mbuf pool empty");
      break;
    }
    for (size_t b = 0; b < burst; ++b) {
      uint8_t* msg = rte_pktmbuf_mtod(mbufs[b], uint8_t*) + msgs.headers;
      open[b] = crypto::OpenJob{&port.keys[(next + b) % kFlows]->full, msg,
                                static_cast<uint32_t>(msgs.sealed), true, b};
    }
    if (crypto::OpenBurst(mb, {open, burst}) != burst) {
      state.SkipWithError("open failed");
      break;
    }
    for (size_t b = 0; b < burst; ++b) {
      uint8_t* r = replies.data() + b * msgs.sealed;
      std::memcpy(r, msgs.reply.data(), msgs.reply.size());
      seal[b] = crypto::SealJob{
          open[b].keys, r, static_cast<uint32_t>(msgs.sealed), static_cast<uint32_t>(msgs.content),
          true,         b};
    }
    if (crypto::SealBurst(mb, {seal, burst}) != burst) {
      state.SkipWithError("seal failed");
      break;
    }
    benchmark::ClobberMemory();
    rte_pktmbuf_free_bulk(mbufs, static_cast<unsigned>(burst));
    next += burst;
  }
  Report(state, burst);
}

void Args(benchmark::internal::Benchmark* b) {
  b->ArgsProduct({{64, 256, 1024}, {1, 8, 16, 32, 64}})->ArgNames({"content", "burst"});
}

BENCHMARK(BM_DpdkKeyedRoundTrip)->Apply(Args);
BENCHMARK(BM_DpdkCryptoFloor)->Apply(Args);

// EalArgs: no hugepages, PCI or shared config, a file prefix of our own, and lcore 0 on the
// first CPU this process may run on, so that `taskset -c N` keeps holding (a plain `-l 0`
// would move the thread to CPU 0).
std::vector<std::string> EalArgs() {
  cpu_set_t set;
  CPU_ZERO(&set);
  int cpu = 0;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    while (cpu < CPU_SETSIZE - 1 && !CPU_ISSET(cpu, &set)) {
      ++cpu;
    }
  }
  return {"--no-huge",
          "--no-pci",
          "--no-shconf",
          "-m",
          "512",
          "--lcores",
          "0@" + std::to_string(cpu),
          "--file-prefix",
          "rcas-bench-" + std::to_string(getpid()),
          "--log-level",
          "lib.eal:error"};
}

}  // namespace
}  // namespace rcas::dataplane::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    return 1;
  }
  if (const rcas::Status s = rcas::dataplane::InitEal(rcas::dataplane::bench::EalArgs()); !s.ok()) {
    std::fprintf(stderr, "dpdk_bench: %s\n", s.error().c_str());
    return 1;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  rcas::dataplane::bench::ReleasePort();
  rcas::dataplane::CleanupEal();
  return 0;
}
