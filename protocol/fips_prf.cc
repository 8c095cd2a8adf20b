#include "protocol/fips_prf.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <array>

namespace rcas::protocol {
namespace {

constexpr uint32_t Rotl(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

// Sha1Compress is the bare SHA-1 compression function on one 64-octet block
// (FIPS 180-2 §6.1.2 steps 1-4): G(t, c) of FIPS 186-2 Appendix 3.3 needs it
// without SHA-1's length padding, which no one-shot hash API exposes.
void Sha1Compress(std::array<uint32_t, 5>& h, const uint8_t block[64]) {
  uint32_t w[80];
  for (int i = 0; i < 16; ++i) {
    w[i] = LoadBe32(block + 4 * i);
  }
  for (int i = 16; i < 80; ++i) {
    w[i] = Rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
  }
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
  for (int i = 0; i < 80; ++i) {
    uint32_t f;
    uint32_t k;
    if (i < 20) {
      f = (b & c) | (~b & d);
      k = 0x5A827999;
    } else if (i < 40) {
      f = b ^ c ^ d;
      k = 0x6ED9EBA1;
    } else if (i < 60) {
      f = (b & c) | (b & d) | (c & d);
      k = 0x8F1BBCDC;
    } else {
      f = b ^ c ^ d;
      k = 0xCA62C1D6;
    }
    const uint32_t tmp = Rotl(a, 5) + f + e + k + w[i];
    e = d;
    d = c;
    c = Rotl(b, 30);
    b = a;
    a = tmp;
  }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
  OPENSSL_cleanse(w, sizeof(w));
}

}  // namespace

void FipsPrf(std::span<const uint8_t, kPrfSeedLen> seed, MutableByteView out) {
  // PROFILE §8 pseudo-code: w = G(t, XKEY || 0x00*44); XKEY = 1 + XKEY + w mod 2^160.
  uint8_t xkey[kPrfSeedLen];
  std::copy(seed.begin(), seed.end(), xkey);
  uint8_t block[64] = {};
  uint8_t w[kPrfSeedLen];
  size_t done = 0;
  while (done < out.size()) {
    std::array<uint32_t, 5> h = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
    std::copy(xkey, xkey + kPrfSeedLen, block);
    Sha1Compress(h, block);
    for (size_t i = 0; i < 5; ++i) {
      StoreBe32(w + 4 * i, h[i]);
    }
    const size_t n = std::min(kPrfSeedLen, out.size() - done);
    std::copy(w, w + n, out.data() + done);
    done += n;
    // 160-bit big-endian addition with carry, least significant octet last.
    unsigned carry = 1;
    for (size_t i = kPrfSeedLen; i-- > 0;) {
      carry += static_cast<unsigned>(xkey[i]) + w[i];
      xkey[i] = static_cast<uint8_t>(carry);
      carry >>= 8;
    }
  }
  OPENSSL_cleanse(xkey, sizeof(xkey));
  OPENSSL_cleanse(block, sizeof(block));
  OPENSSL_cleanse(w, sizeof(w));
}

}  // namespace rcas::protocol
