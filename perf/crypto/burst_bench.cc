// Seal (IV + PKCS#7 + AES-128-CBC + HMAC-SHA1) and open (verify + IV +
// decrypt + PKCS#7) of RCAS messages: the IPsec-MB burst engine against
// OpenSSL EVP one message at a time, in the same binary and run.
// Args: {burst size, plaintext octets}. Counter ns_per_msg = wall ns / message.
//
//   taskset -c 1 build/<dir>/perf/crypto_bench --benchmark_filter=Burst

#include <benchmark/benchmark.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "crypto/burst.h"
#include "crypto/key_context.h"
#include "crypto/mb_manager.h"

namespace rcas::crypto {
namespace {

constexpr size_t kSessions = 16;  // jobs of one burst use different keys

void Check(bool ok) {
  if (!ok) {
    std::abort();
  }
}

// OpenSslSession is the fair baseline: every context is keyed once up front,
// a message only sets its IV (EVP_CipherInit_ex) or re-inits the HMAC with
// the stored key (EVP_MAC_init with a null key).
struct OpenSslSession {
  uint8_t ek[16];
  uint8_t ik[20];
  uint8_t ivb[16];
  EVP_CIPHER_CTX* ecb = nullptr;  // IV derivation
  EVP_CIPHER_CTX* enc = nullptr;
  EVP_CIPHER_CTX* dec = nullptr;
  EVP_MAC_CTX* mac = nullptr;

  OpenSslSession(const OpenSslSession&) = delete;
  OpenSslSession() = default;
  ~OpenSslSession() {
    EVP_CIPHER_CTX_free(ecb);
    EVP_CIPHER_CTX_free(enc);
    EVP_CIPHER_CTX_free(dec);
    EVP_MAC_CTX_free(mac);
  }
};

EVP_MAC* HmacAlgorithm() {
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return mac;
}

struct Session {
  KeyContext keys;
  OpenSslSession ossl;
};

std::unique_ptr<Session[]> MakeSessions() {
  auto sessions = std::make_unique<Session[]>(kSessions);
  for (size_t s = 0; s < kSessions; ++s) {
    OpenSslSession& o = sessions[s].ossl;
    for (size_t i = 0; i < 20; ++i) {
      o.ik[i] = static_cast<uint8_t>(s * 31 + i);
      if (i < 16) {
        o.ek[i] = static_cast<uint8_t>(s * 17 + i);
        o.ivb[i] = static_cast<uint8_t>(s * 7 + i);
      }
    }
    Check(sessions[s].keys.Init({o.ek, 16}, {o.ik, 20}, {o.ivb, 16}).ok());
    o.ecb = EVP_CIPHER_CTX_new();
    o.enc = EVP_CIPHER_CTX_new();
    o.dec = EVP_CIPHER_CTX_new();
    Check(EVP_CipherInit_ex(o.ecb, EVP_aes_128_ecb(), nullptr, o.ek, nullptr, 1) == 1);
    Check(EVP_CIPHER_CTX_set_padding(o.ecb, 0) == 1);
    Check(EVP_CipherInit_ex(o.enc, EVP_aes_128_cbc(), nullptr, o.ek, nullptr, 1) == 1);
    Check(EVP_CipherInit_ex(o.dec, EVP_aes_128_cbc(), nullptr, o.ek, nullptr, 0) == 1);
    char digest[] = "SHA1";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                           OSSL_PARAM_construct_end()};
    o.mac = EVP_MAC_CTX_new(HmacAlgorithm());
    Check(EVP_MAC_init(o.mac, o.ik, sizeof(o.ik), params) == 1);
  }
  return sessions;
}

void OpenSslIv(OpenSslSession& o, const uint8_t* h, uint8_t* iv) {
  uint8_t x[16];
  for (size_t i = 0; i < 16; ++i) {
    const uint8_t v = i < 2 ? h[i] : (i < 10 ? h[i + 4] : 0);
    x[i] = o.ivb[i] ^ v;
  }
  int len = 0;
  Check(EVP_EncryptUpdate(o.ecb, iv, &len, x, 16) == 1 && len == 16);
}

void OpenSslMac(OpenSslSession& o, const uint8_t* data, size_t len, uint8_t* tag) {
  size_t out = 0;
  Check(EVP_MAC_init(o.mac, nullptr, 0, nullptr) == 1);
  Check(EVP_MAC_update(o.mac, data, len) == 1);
  Check(EVP_MAC_final(o.mac, tag, &out, kMsgMacLen) == 1);
}

// msg: H ‖ C with room; returns sealed length.
size_t OpenSslSeal(OpenSslSession& o, uint8_t* msg, size_t plain_len) {
  uint8_t iv[16];
  OpenSslIv(o, msg, iv);
  int a = 0;
  int b = 0;
  uint8_t* body = msg + kMsgHeaderLen;
  Check(EVP_CipherInit_ex(o.enc, nullptr, nullptr, nullptr, iv, 1) == 1);
  Check(EVP_EncryptUpdate(o.enc, body, &a, body, static_cast<int>(plain_len)) == 1);
  Check(EVP_EncryptFinal_ex(o.enc, body + a, &b) == 1);
  const size_t covered = kMsgHeaderLen + a + b;
  OpenSslMac(o, msg, covered, msg + covered);
  return covered + kMsgMacLen;
}

// Returns plaintext length, or -1 on bad MAC / padding.
int OpenSslOpen(OpenSslSession& o, uint8_t* msg, size_t len) {
  uint8_t tag[kMsgMacLen];
  const size_t covered = len - kMsgMacLen;
  OpenSslMac(o, msg, covered, tag);
  if (CRYPTO_memcmp(tag, msg + covered, kMsgMacLen) != 0) {
    return -1;
  }
  uint8_t iv[16];
  OpenSslIv(o, msg, iv);
  int a = 0;
  int b = 0;
  uint8_t* body = msg + kMsgHeaderLen;
  Check(EVP_CipherInit_ex(o.dec, nullptr, nullptr, nullptr, iv, 0) == 1);
  Check(EVP_DecryptUpdate(o.dec, body, &a, body, static_cast<int>(covered - kMsgHeaderLen)) == 1);
  if (EVP_DecryptFinal_ex(o.dec, body + a, &b) != 1) {
    return -1;
  }
  return a + b;
}

// Fixture: `burst` messages of `plain` octets each, round-robin over sessions.
struct Workload {
  size_t burst;
  size_t plain;
  size_t sealed;
  std::unique_ptr<Session[]> sessions = MakeSessions();
  std::vector<uint8_t> buffers;   // burst × sealed, the working copies
  std::vector<uint8_t> pristine;  // sealed messages, to restore before open
  std::vector<SealJob> seal_jobs;
  std::vector<OpenJob> open_jobs;

  Workload(size_t b, size_t p) : burst(b), plain(p), sealed(SealedSize(p, true)) {
    buffers.resize(burst * sealed);
    seal_jobs.resize(burst);
    for (size_t i = 0; i < burst; ++i) {
      uint8_t* m = msg(i);
      std::memset(m, 0, sealed);
      StoreBe16(m, 0x0007);
      StoreBe32(m + 2, static_cast<uint32_t>(sealed - kMsgMacLen));
      StoreBe64(m + 6, 0x3333333333333333ULL + i);
      m[14] = 0x01;
      for (size_t k = 0; k < plain; ++k) {
        m[kMsgHeaderLen + k] = static_cast<uint8_t>(k * 13 + i);
      }
      seal_jobs[i] = SealJob{&session(i).keys,
                             m,
                             static_cast<uint32_t>(sealed),
                             static_cast<uint32_t>(plain),
                             true,
                             i};
    }
    MbManager mb;
    Check(SealBurst(mb, seal_jobs) == burst);
    // Both engines must agree before either is timed.
    std::vector<uint8_t> copy(sealed);
    for (size_t i = 0; i < burst; ++i) {
      std::memcpy(copy.data(), msg(i), sealed);
      Check(OpenSslOpen(session(i).ossl, copy.data(), sealed) == static_cast<int>(plain));
      Check(OpenSslSeal(session(i).ossl, copy.data(), plain) == sealed);
      Check(std::memcmp(copy.data(), msg(i), sealed) == 0);
    }
    pristine = buffers;
    for (size_t i = 0; i < burst; ++i) {
      open_jobs.push_back(
          OpenJob{&session(i).keys, msg(i), static_cast<uint32_t>(sealed), true, i});
    }
  }
  uint8_t* msg(size_t i) { return buffers.data() + i * sealed; }
  Session& session(size_t i) { return sessions[i % kSessions]; }
  void Restore() { std::memcpy(buffers.data(), pristine.data(), buffers.size()); }
};

void Report(benchmark::State& state, size_t burst) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * burst));
  state.counters["ns_per_msg"] = benchmark::Counter(
      static_cast<double>(burst) * 1e-9,
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

template <MbArch kArch>
void BM_BurstSealIpsecMb(benchmark::State& state) {
  Workload w(state.range(0), state.range(1));
  MbManager mb(kArch);
  state.SetLabel(mb.name());
  for (auto _ : state) {
    // Re-sealing in place is valid: H is restored and C is just other bytes.
    size_t n =
        w.burst == 1 ? (Seal(mb, w.seal_jobs[0]) == BurstVerdict::kOk) : SealBurst(mb, w.seal_jobs);
    benchmark::DoNotOptimize(n);
    benchmark::ClobberMemory();
  }
  Report(state, w.burst);
}

void BM_BurstSealOpenSsl(benchmark::State& state) {
  Workload w(state.range(0), state.range(1));
  for (auto _ : state) {
    for (size_t i = 0; i < w.burst; ++i) {
      size_t n = OpenSslSeal(w.session(i).ossl, w.msg(i), w.plain);
      benchmark::DoNotOptimize(n);
    }
    benchmark::ClobberMemory();
  }
  Report(state, w.burst);
}

template <MbArch kArch>
void BM_BurstOpenIpsecMb(benchmark::State& state) {
  Workload w(state.range(0), state.range(1));
  MbManager mb(kArch);
  state.SetLabel(mb.name());
  for (auto _ : state) {
    w.Restore();  // opening decrypts in place; the OpenSSL loop pays the same copy
    size_t n =
        w.burst == 1 ? (Open(mb, w.open_jobs[0]) == BurstVerdict::kOk) : OpenBurst(mb, w.open_jobs);
    if (n != w.burst) {
      state.SkipWithError("open failed");
      break;
    }
    benchmark::ClobberMemory();
  }
  Report(state, w.burst);
}

void BM_BurstOpenOpenSsl(benchmark::State& state) {
  Workload w(state.range(0), state.range(1));
  for (auto _ : state) {
    w.Restore();
    for (size_t i = 0; i < w.burst; ++i) {
      if (OpenSslOpen(w.session(i).ossl, w.msg(i), w.sealed) != static_cast<int>(w.plain)) {
        state.SkipWithError("open failed");
        break;
      }
    }
    benchmark::ClobberMemory();
  }
  Report(state, w.burst);
}

// The shared build machine is noisy: with --benchmark_repetitions the "min"
// row is the figure to quote (docs/crypto-burst.md).
double Min(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }

void Shapes(benchmark::internal::Benchmark* b) {
  b->ComputeStatistics("min", Min);
  b->ArgNames({"burst", "plain"})->ArgsProduct({{1, 8, 16, 32, 64}, {64, 256, 1024}});
}
// The arch comparison behind the N = 1 routing and kAuto (docs/crypto-burst.md).
void ArchShapes(benchmark::internal::Benchmark* b) {
  b->ComputeStatistics("min", Min);
  b->ArgNames({"burst", "plain"})->ArgsProduct({{1, 16}, {64, 1024}});
}

BENCHMARK(BM_BurstSealIpsecMb<MbArch::kAuto>)->Apply(Shapes);
BENCHMARK(BM_BurstSealOpenSsl)->Apply(Shapes);
BENCHMARK(BM_BurstOpenIpsecMb<MbArch::kAuto>)->Apply(Shapes);
BENCHMARK(BM_BurstOpenOpenSsl)->Apply(Shapes);
BENCHMARK(BM_BurstSealIpsecMb<MbArch::kSse>)->Apply(ArchShapes);
BENCHMARK(BM_BurstSealIpsecMb<MbArch::kAvx2>)->Apply(ArchShapes);
BENCHMARK(BM_BurstOpenIpsecMb<MbArch::kSse>)->Apply(ArchShapes);
BENCHMARK(BM_BurstOpenIpsecMb<MbArch::kAvx2>)->Apply(ArchShapes);

}  // namespace
}  // namespace rcas::crypto
