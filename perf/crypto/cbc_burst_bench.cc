// Image encryption (PROFILE §17.1, §22 Q3): AES-128-CBC of 1, 16 and 64
// concurrent streams, one 16 KiB chunk of each per EncryptBurst call, against
// OpenSSL EVP single-stream CBC (keyed once, chained across chunks) in the
// same run. Compare bytes_per_second; CBC encryption is serial within a
// stream, so only multi-buffer across streams fills the AES units.
//
//   taskset -c 1 build/<dir>/perf/crypto_bench --benchmark_filter=Cbc

#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <cstdlib>
#include <memory>
#include <vector>

#include "crypto/cbc_burst.h"
#include "crypto/mb_manager.h"

namespace rcas::crypto {
namespace {

constexpr size_t kChunk = 16 * 1024;

void Check(bool ok) {
  if (!ok) {
    std::abort();
  }
}

void BM_CbcBurstStreams(benchmark::State& state) {
  const size_t streams = static_cast<size_t>(state.range(0));
  MbManager mb(static_cast<MbArch>(state.range(1)));
  auto ctx = std::make_unique<CbcStream[]>(streams);
  std::vector<uint8_t> in(streams * kChunk, 0x5a), out(streams * kChunk);
  std::vector<CbcChunk> chunks(streams);
  for (size_t s = 0; s < streams; ++s) {
    uint8_t key[16], iv[16];
    for (size_t i = 0; i < 16; ++i) {
      key[i] = static_cast<uint8_t>(s * 17 + i);
      iv[i] = static_cast<uint8_t>(s * 7 + i);
    }
    Check(ctx[s].Init({key, 16}, {iv, 16}).ok());
  }
  for (auto _ : state) {
    for (size_t s = 0; s < streams; ++s) {
      chunks[s] = {&ctx[s], &in[s * kChunk], &out[s * kChunk], kChunk};
    }
    Check(EncryptBurst(mb, chunks) == streams);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * streams * kChunk));
  state.SetLabel(mb.name());
}
// Args: {streams, MbArch} (0 kAuto, 3 kAvx2, 4 kAvx512: the lane count is the arch's).
BENCHMARK(BM_CbcBurstStreams)->ArgsProduct({{1, 16, 64}, {0, 3, 4}});

void BM_OpenSslCbcOneStream(benchmark::State& state) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  const uint8_t key[16] = {1, 2, 3}, iv[16] = {4, 5, 6};
  Check(EVP_EncryptInit_ex(ctx, EVP_aes_128_cbc(), nullptr, key, iv) == 1);
  EVP_CIPHER_CTX_set_padding(ctx, 0);
  std::vector<uint8_t> in(kChunk, 0x5a), out(kChunk);
  for (auto _ : state) {
    int len = 0;
    Check(EVP_EncryptUpdate(ctx, out.data(), &len, in.data(), kChunk) == 1);
    benchmark::DoNotOptimize(out.data());
  }
  EVP_CIPHER_CTX_free(ctx);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kChunk));
}
BENCHMARK(BM_OpenSslCbcOneStream);

}  // namespace
}  // namespace rcas::crypto
