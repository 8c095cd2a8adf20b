// Batched single-block AES-128 for the receive-side IV derivation
// (PROFILE §9.3): independent blocks under per-message keys, four in flight,
// without a job-manager round trip for 16 octets each.

#include <immintrin.h>

#include "crypto/burst_internal.h"

namespace rcas::crypto::burst_internal {
namespace {

__attribute__((target("aes,sse2"))) inline __m128i Load(const uint8_t* p) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}

// Encrypt4 runs four AES-128 encryptions interleaved round by round so the
// aesenc latencies overlap.
__attribute__((target("aes,sse2"))) void Encrypt4(const uint8_t* const* keys,
                                                  const uint8_t (*in)[16], uint8_t (*out)[16]) {
  __m128i b[4];
  for (int j = 0; j < 4; ++j) {
    b[j] = _mm_xor_si128(Load(in[j]), Load(keys[j]));
  }
  for (int r = 1; r < 10; ++r) {
    for (int j = 0; j < 4; ++j) {
      b[j] = _mm_aesenc_si128(b[j], Load(keys[j] + 16 * r));
    }
  }
  for (int j = 0; j < 4; ++j) {
    b[j] = _mm_aesenclast_si128(b[j], Load(keys[j] + 160));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out[j]), b[j]);
  }
}

}  // namespace

void EncryptBlocksAesni(const uint8_t* const* enc_keys, const uint8_t (*in)[16], uint8_t (*out)[16],
                        size_t n) {
  size_t k = 0;
  for (; k + 4 <= n; k += 4) {
    Encrypt4(enc_keys + k, in + k, out + k);
  }
  if (k < n) {
    // Pad the last group with repeats of its first block; extra outputs land
    // in a local and are dropped.
    const uint8_t* keys[4];
    const uint8_t* src[4];
    alignas(16) uint8_t in_tail[4][16];
    alignas(16) uint8_t out_tail[4][16];
    for (size_t j = 0; j < 4; ++j) {
      const size_t from = k + (k + j < n ? j : 0);
      keys[j] = enc_keys[from];
      src[j] = in[from];
      std::memcpy(in_tail[j], src[j], 16);
    }
    Encrypt4(keys, in_tail, out_tail);
    std::memcpy(out[k], out_tail, (n - k) * 16);
    OPENSSL_cleanse(out_tail, sizeof(out_tail));
  }
}

}  // namespace rcas::crypto::burst_internal
