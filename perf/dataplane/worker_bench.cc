// The worker's keyed round trip without I/O (issue 5): a burst of B LogResponse messages from
// B distinct flows of a 4096-session table -> KeyedStage::Process (framing, flow lookup, one
// OpenBurst, DER decode) -> one SealBurst of B replies of the same size. Beside it the
// crypto-only floor: OpenBurst + SealBurst on the same messages with the keys in hand. Both
// restore the opened messages and the reply contents with the same memcpy. Bursts walk the
// sessions in turn, so keys and slots come from a table far larger than L1/L2.
// Args: {burst, DER content octets}. items_processed = round trips.
//
//   taskset -c 1 build/release/perf/dataplane_bench --benchmark_repetitions=3
//       --benchmark_out=/tmp/worker_bench.json --benchmark_out_format=json

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <vector>

#include "crypto/burst.h"
#include "dataplane/flow_table.h"
#include "dataplane/keyed_stage.h"
#include "protocol/content.h"
#include "protocol/protect.h"

namespace rcas::dataplane {
namespace {

using protocol::MessageType;

constexpr size_t kSessions = 4096;  // a power of two: bursts wrap around it evenly
constexpr size_t kMaxBurst = KeyedStage::kMaxBurst;

void Check(bool ok) {
  if (!ok) {
    std::abort();
  }
}

// LogResponseOf is a LogResponse content of exactly `size` DER octets.
Bytes LogResponseOf(size_t size) {
  static constexpr uint8_t kSid[protocol::kSessionIdLen] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  const Bytes info(size, 0x6c);
  for (size_t n = size; n > 0; --n) {
    const protocol::LogResponseContent c{ByteView(kSid), ByteView(info.data(), n)};
    if (protocol::EncodedLength(c) == size) {
      Bytes out;
      Check(protocol::Encode(c, &out));
      return out;
    }
  }
  std::abort();
}

// Fixture: the table, every session's sealed LogResponse (pristine and working copies) and
// the reply templates (header + content, sealed in place), built once per content size.
struct Fixture {
  size_t content;
  size_t sealed;  // one message, CAM -> CASS and back
  FlowTable table{kSessions, 0x5eed};
  std::vector<FlowKey> sources;
  std::vector<const crypto::KeyContext*> keys;  // each flow's MEK context, in the table
  std::vector<uint8_t> pristine;
  std::vector<uint8_t> work;
  std::vector<uint8_t> reply_templates;  // kMaxBurst x sealed
  std::vector<uint8_t> replies;

  explicit Fixture(size_t c) : content(c), sealed(crypto::SealedSize(c, true)) {
    const Bytes der = LogResponseOf(c);
    pristine.resize(kSessions * sealed);
    for (size_t s = 0; s < kSessions; ++s) {
      crypto::AesKey mak, mek;
      protocol::SecretBlock mek_iv;
      for (size_t i = 0; i < 16; ++i) {
        mak[i] = static_cast<uint8_t>(s * 7 + i);
        mek[i] = static_cast<uint8_t>(s * 11 + i * 3);
        mek_iv[i] = static_cast<uint8_t>(s * 13 + i * 5);
      }
      const auto session = protocol::SessionKeys::Fast(mak, mek, mek_iv);
      auto flow_keys = std::make_unique<protocol::FlowKeys>();
      Check(protocol::MakeFlowKeys(session, flow_keys.get()).ok());
      FlowKey src;
      StoreBe32(src.addr.data(), 0x0a000000u + static_cast<uint32_t>(s));
      src.port = static_cast<uint16_t>(20000 + s);
      Check(table.Install(src, s + 1, *flow_keys));
      sources.push_back(src);
      keys.push_back(&table.Find(src, table.Hash(src))->keys.full);
      const protocol::Protection& p = protocol::ProtectionOf(MessageType::kLogResponse);
      size_t written = 0;
      Check(protocol::Seal(p, s + 1, der, {nullptr, &session},
                           MutableByteView(msg(pristine, s), sealed),
                           &written) == protocol::ProtectError::kOk &&
            written == sealed);
    }
    work = pristine;
    reply_templates.resize(kMaxBurst * sealed);
    replies.resize(kMaxBurst * sealed);
    for (size_t b = 0; b < kMaxBurst; ++b) {
      uint8_t* r = msg(reply_templates, b);
      protocol::WriteHeader(
          protocol::MakeHeader(MessageType::kLogRequest, crypto::PaddedSize(c), 0x1000 + b), r);
      std::memcpy(r + protocol::kHeaderLen, der.data(), der.size());
    }
  }

  uint8_t* msg(std::vector<uint8_t>& v, size_t i) { return v.data() + i * sealed; }

  // RestoreInput puts flow s's sealed message back (Process decrypts it in place).
  uint8_t* RestoreInput(size_t s) {
    std::memcpy(msg(work, s), msg(pristine, s), sealed);
    return msg(work, s);
  }

  // Reply b: header and content restored, then one seal job under `k`.
  crypto::SealJob Reply(size_t b, const crypto::KeyContext* k) {
    uint8_t* r = msg(replies, b);
    std::memcpy(r, msg(reply_templates, b), protocol::kHeaderLen + content);
    return crypto::SealJob{k,    r, static_cast<uint32_t>(sealed), static_cast<uint32_t>(content),
                           true, b};
  }
};

Fixture& FixtureFor(size_t content) {
  static std::map<size_t, std::unique_ptr<Fixture>> fixtures;
  auto& f = fixtures[content];
  if (!f) {
    f = std::make_unique<Fixture>(content);
  }
  return *f;
}

void Report(benchmark::State& state, size_t burst) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * burst));
  state.counters["ns_per_rt"] = benchmark::Counter(
      static_cast<double>(burst) * 1e-9,
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void BM_WorkerRoundTrip(benchmark::State& state) {
  const auto burst = static_cast<size_t>(state.range(0));
  Fixture& f = FixtureFor(static_cast<size_t>(state.range(1)));
  KeyedStage stage(f.table);
  state.SetLabel(stage.mb().name());
  KeyedInput in[kMaxBurst];
  KeyedOutput out[kMaxBurst];
  crypto::SealJob seal[kMaxBurst];
  size_t next = 0;
  for (auto _ : state) {
    for (size_t b = 0; b < burst; ++b) {
      const size_t s = (next + b) % kSessions;
      in[b] = KeyedInput{f.RestoreInput(s), static_cast<uint32_t>(f.sealed), f.sources[s]};
    }
    stage.Process({in, burst}, {out, burst});
    // The TX side finds the session's keys again, as the worker does for control's reply.
    for (size_t b = 0; b < burst; ++b) {
      const FlowEntry* e = f.table.Find(in[b].source, f.table.Hash(in[b].source));
      seal[b] = f.Reply(b, &e->keys.full);
    }
    const size_t n = crypto::SealBurst(stage.mb(), {seal, burst});
    benchmark::DoNotOptimize(n);
    benchmark::ClobberMemory();
    next += burst;
  }
  const uint64_t opened = stage.counters()[static_cast<size_t>(KeyedVerdict::kOpened)];
  if (opened != state.iterations() * burst) {
    state.SkipWithError("not every message opened");
  }
  Report(state, burst);
}

void BM_CryptoFloorRoundTrip(benchmark::State& state) {
  const auto burst = static_cast<size_t>(state.range(0));
  Fixture& f = FixtureFor(static_cast<size_t>(state.range(1)));
  crypto::MbManager mb;
  state.SetLabel(mb.name());
  crypto::OpenJob open[kMaxBurst];
  crypto::SealJob seal[kMaxBurst];
  size_t next = 0;
  for (auto _ : state) {
    for (size_t b = 0; b < burst; ++b) {
      const size_t s = (next + b) % kSessions;
      open[b] =
          crypto::OpenJob{f.keys[s], f.RestoreInput(s), static_cast<uint32_t>(f.sealed), true, b};
    }
    if (crypto::OpenBurst(mb, {open, burst}) != burst) {
      state.SkipWithError("open failed");
      break;
    }
    for (size_t b = 0; b < burst; ++b) {
      seal[b] = f.Reply(b, f.keys[(next + b) % kSessions]);
    }
    const size_t n = crypto::SealBurst(mb, {seal, burst});
    benchmark::DoNotOptimize(n);
    benchmark::ClobberMemory();
    next += burst;
  }
  Report(state, burst);
}

void Args(benchmark::internal::Benchmark* b) {
  b->ArgsProduct({{1, 8, 16, 32, 64}, {64, 256, 1024}})->ArgNames({"burst", "content"});
}

BENCHMARK(BM_WorkerRoundTrip)->Apply(Args);
BENCHMARK(BM_CryptoFloorRoundTrip)->Apply(Args);

}  // namespace
}  // namespace rcas::dataplane
