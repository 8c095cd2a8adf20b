// Verifications per second per core: batched RSASSA-PKCS1-v1_5/SHA-256 verification (8-lane
// IFMA public operation through VerifyPkcs1Sha256Batch) against OpenSSL one at a time, same
// run, batches of 1 to 8 (the load generator's signature and sIGN-kpk checks, docs/loadgen.md).
// taskset -c 1 build/release/perf/crypto_bench --benchmark_filter='RsaVerify'

#include <benchmark/benchmark.h>

#include <vector>

#include "crypto/rsa_verify_batch.h"

namespace rcas::crypto {
namespace {

struct Fixture {
  RsaPrivateKey key = RsaPrivateKey::Generate(2048).value();
  RsaBatchPublicKey pub{key.Public()};
  Bytes msg = Bytes(200, 0x42);
  Bytes sig = key.SignPkcs1Sha256(msg);
};

const Fixture& Get() {
  static const auto* f = new Fixture();
  return *f;
}

void BM_RsaVerifyOpenSsl(benchmark::State& state) {
  const Fixture& f = Get();
  for (auto _ : state) {
    benchmark::DoNotOptimize(f.pub.key().VerifyPkcs1Sha256(f.msg, f.sig));
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_RsaVerifyBatched(benchmark::State& state) {
  const Fixture& f = Get();
  const auto n = static_cast<size_t>(state.range(0));
  bool ok[8] = {};
  std::vector<RsaVerifyJob> jobs;
  for (size_t i = 0; i < n; ++i) {
    jobs.push_back({&f.pub, f.msg, f.sig, &ok[i]});
  }
  for (auto _ : state) {
    VerifyPkcs1Sha256Batch(jobs);
    benchmark::DoNotOptimize(ok);
  }
  if (!ok[0]) {
    state.SkipWithError("a valid signature did not verify");
  }
  state.SetItemsProcessed(state.iterations() * int64_t(n));
}

BENCHMARK(BM_RsaVerifyOpenSsl)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RsaVerifyBatched)->DenseRange(1, 8)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace rcas::crypto
