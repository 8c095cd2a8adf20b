// Image encryption (PROFILE §17.1, §22 Q3): AES-128-CBC of 1, 16 and 64
// concurrent streams, one 16 KiB chunk of each per EncryptBurst call, on the
// VAES kernel and on IPsec-MB, against OpenSSL EVP single-stream CBC (keyed
// once, chained across chunks) in the same run. Compare bytes_per_second; CBC encryption is serial
// within a stream, so only multi-buffer across streams fills the AES units.
//
//   taskset -c 1 build/<dir>/perf/crypto_bench --benchmark_filter=Cbc

#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <cstdlib>
#include <memory>
#include <vector>

#include "crypto/cbc_burst.h"
#include "crypto/cbc_vaes.h"
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
  const auto engine = static_cast<CbcEngine>(state.range(2));
  auto ctx = std::make_unique<CbcStream[]>(streams);
  // Layout 0: one array each for input and output, streams exactly 16 KiB
  // apart (every lane in the same L1 set); 1: a buffer per stream from the
  // heap, as ImageCursor holds its chunk buffer (dataplane/image_cursor.cc).
  const bool apart = state.range(3) != 0;
  std::vector<uint8_t> in(streams * kChunk, 0x5a), out(streams * kChunk);
  std::vector<std::vector<uint8_t>> own_in, own_out;
  for (size_t s = 0; s < streams && apart; ++s) {
    own_in.emplace_back(kChunk, 0x5a);
    own_out.emplace_back(kChunk);
  }
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
      chunks[s] = {&ctx[s], apart ? own_in[s].data() : &in[s * kChunk],
                   apart ? own_out[s].data() : &out[s * kChunk], kChunk};
    }
    Check(EncryptBurst(mb, chunks, engine) == streams);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * streams * kChunk));
  state.SetLabel(engine == CbcEngine::kAuto && VaesCbcAvailable() && streams >= kVaesLanes
                     ? "vaes"
                     : mb.name());
}
// Args: {streams, MbArch, CbcEngine, layout} (MbArch 0 kAuto, 3 kAvx2,
// 4 kAvx512: the lane count is the arch's; CbcEngine 0 kAuto: VAES where the
// CPU has it, 1 kMultiBuffer: IPsec-MB).
BENCHMARK(BM_CbcBurstStreams)
    ->ArgsProduct({{1, 16, 64}, {0}, {0}, {0, 1}})
    ->ArgsProduct({{1, 16, 64}, {0, 3, 4}, {1}, {0, 1}});

// The kernel alone, 16 lanes per call: {chunk octets, short}: with short = 1
// the last lane is a quarter chunk (an object's last chunk), so the other 15
// run on after a regroup. Small chunks show the per-call cost (the
// interleaved schedule, 2.8 KiB, is built and wiped once per call).
void BM_VaesCbcSixteenLanes(benchmark::State& state) {
  if (!VaesCbcAvailable()) {
    state.SkipWithError("CPU lacks AVX512F + VAES");
    return;
  }
  const size_t len = static_cast<size_t>(state.range(0));
  CbcStream ctx[kVaesLanes];
  uint8_t iv[kVaesLanes][16] = {};
  const size_t stride = len + static_cast<size_t>(state.range(2));
  std::vector<uint8_t> buf(kVaesLanes * stride, 0x5a);
  VaesLane lanes[kVaesLanes];
  size_t bytes = 0;
  for (size_t s = 0; s < kVaesLanes; ++s) {
    uint8_t key[16] = {static_cast<uint8_t>(s)};
    Check(ctx[s].Init({key, 16}, {iv[s], 16}).ok());
    const size_t n = state.range(1) != 0 && s == kVaesLanes - 1 ? len / 4 : len;
    lanes[s] = {ctx[s].enc_keys(), iv[s], &buf[s * stride], &buf[s * stride], n};
    bytes += n;
  }
  for (auto _ : state) {
    VaesCbcEncrypt(lanes);
    benchmark::DoNotOptimize(buf.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}
BENCHMARK(BM_VaesCbcSixteenLanes)
    ->ArgsProduct({{256, 1024, 16384}, {0}, {0, 1088}})
    ->Args({16384, 1, 1088});

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
