// Signs per second per core: batched RSASSA-PKCS1-v1_5/SHA-256 (8-lane IFMA kernel through
// SignPkcs1Sha256Batch) against OpenSSL one at a time, same run, batches of 1 to 8. Items per
// second is signatures per second.
// taskset -c 1 build/ifma/perf/crypto_bench --benchmark_filter='RsaSign'

#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "crypto/random.h"
#include "crypto/rsa_batch.h"

namespace rcas::crypto {
namespace {

const RsaBatchKey& Key(int bits) {
  static const auto* k1024 = new RsaBatchKey(RsaPrivateKey::Generate(1024).value());
  static const auto* k2048 = new RsaBatchKey(RsaPrivateKey::Generate(2048).value());
  if (bits == 3072) {
    static const auto* k3072 = new RsaBatchKey(RsaPrivateKey::Generate(3072).value());
    return *k3072;
  }
  return bits == 1024 ? *k1024 : *k2048;
}

void BM_RsaSignOpenSsl(benchmark::State& state) {
  const RsaBatchKey& key = Key(static_cast<int>(state.range(0)));
  Bytes msg(200, 0x42);
  for (auto _ : state) {
    Bytes sig = key.key().SignPkcs1Sha256(msg);
    benchmark::DoNotOptimize(sig.data());
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_RsaSignBatched(benchmark::State& state) {
  const RsaBatchKey& key = Key(static_cast<int>(state.range(0)));
  const size_t batch = static_cast<size_t>(state.range(1));
  if (key.ifma() == nullptr) {
    state.SkipWithError("no AVX-512 IFMA on this CPU");
    return;
  }
  std::vector<Bytes> msgs(batch, Bytes(200)), sigs(batch);
  std::vector<RsaSignJob> jobs;
  for (size_t i = 0; i < batch; ++i) {
    RandomBytes(msgs[i]);
    jobs.push_back({&key, msgs[i], &sigs[i]});
  }
  for (auto _ : state) {
    SignPkcs1Sha256Batch(jobs);
    benchmark::DoNotOptimize(sigs[0].data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(batch));
}

// The raw 8-lane private operation alone (no padding, no OpenSSL fallback decisions).
void BM_RsaPrivateKernel8(benchmark::State& state) {
  const RsaBatchKey& key = Key(static_cast<int>(state.range(0)));
  if (key.ifma() == nullptr) {
    state.SkipWithError("no AVX-512 IFMA on this CPU");
    return;
  }
  const size_t k = key.ifma()->size();
  std::vector<Bytes> in(kIfmaLanes, Bytes(k, 0x11)), out(kIfmaLanes, Bytes(k));
  std::vector<const IfmaRsaKey*> keys(kIfmaLanes, key.ifma());
  std::vector<ByteView> inv(in.begin(), in.end());
  std::vector<MutableByteView> outv(out.begin(), out.end());
  for (auto _ : state) {
    benchmark::DoNotOptimize(IfmaRsaPrivate(keys, inv, outv));
  }
  state.SetItemsProcessed(state.iterations() * kIfmaLanes);
}

BENCHMARK(BM_RsaSignOpenSsl)->Arg(1024)->Arg(2048)->Arg(3072)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RsaSignBatched)
    ->ArgsProduct({{1024, 2048}, {1, 2, 3, 4, 5, 6, 7, 8}})
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RsaPrivateKernel8)->Arg(1024)->Arg(2048)->Arg(3072)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace rcas::crypto
