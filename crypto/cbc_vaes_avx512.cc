// The 16-lane VAES CBC loop (crypto/cbc_vaes_kernel.h). Only this file uses
// AVX-512; its function carries a target attribute so the rest of the library
// stays portable, and crypto/cbc_vaes.cc calls it only after a CPUID check.
//
// Written out by hand for four chains: a loop over an array of chains made the
// compiler keep the chains in memory, at half the speed.

#include <immintrin.h>

#include "crypto/cbc_vaes_kernel.h"

namespace rcas::crypto::vaes {
namespace {

#define RCAS_VAES_FN __attribute__((target("avx512f,vaes"), always_inline)) inline

RCAS_VAES_FN __m512i Gather(const uint8_t* const* in, size_t off) {
  __m512i v =
      _mm512_zextsi128_si512(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in[0] + off)));
  v = _mm512_inserti32x4(v, _mm_loadu_si128(reinterpret_cast<const __m128i*>(in[1] + off)), 1);
  v = _mm512_inserti32x4(v, _mm_loadu_si128(reinterpret_cast<const __m128i*>(in[2] + off)), 2);
  return _mm512_inserti32x4(v, _mm_loadu_si128(reinterpret_cast<const __m128i*>(in[3] + off)), 3);
}

RCAS_VAES_FN void Scatter(uint8_t* const* out, size_t off, __m512i v) {
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out[0] + off),
                   _mm512_maskz_extracti32x4_epi32(0xf, v, 0));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out[1] + off),
                   _mm512_maskz_extracti32x4_epi32(0xf, v, 1));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out[2] + off),
                   _mm512_maskz_extracti32x4_epi32(0xf, v, 2));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out[3] + off),
                   _mm512_maskz_extracti32x4_epi32(0xf, v, 3));
}

RCAS_VAES_FN __m512i Key(const uint8_t* schedule, size_t round, size_t chain) {
  return _mm512_load_si512(schedule + (round * kChains + chain) * 64);
}

}  // namespace

__attribute__((target("avx512f,vaes"))) void Cbc16(const uint8_t* const* in, uint8_t* const* out,
                                                   size_t blocks, const uint8_t* schedule,
                                                   uint8_t* state) noexcept {
  __m512i s0 = _mm512_loadu_si512(state);
  __m512i s1 = _mm512_loadu_si512(state + 64);
  __m512i s2 = _mm512_loadu_si512(state + 128);
  __m512i s3 = _mm512_loadu_si512(state + 192);
  for (size_t off = 0; off < blocks * 16; off += 16) {
    // CBC: C_i = E(P_i ^ C_{i-1}); round key 0 folded into the same XOR.
    const __m512i p0 = Gather(in, off);
    const __m512i p1 = Gather(in + 4, off);
    const __m512i p2 = Gather(in + 8, off);
    const __m512i p3 = Gather(in + 12, off);
    s0 = _mm512_ternarylogic_epi64(s0, p0, Key(schedule, 0, 0), 0x96);
    s1 = _mm512_ternarylogic_epi64(s1, p1, Key(schedule, 0, 1), 0x96);
    s2 = _mm512_ternarylogic_epi64(s2, p2, Key(schedule, 0, 2), 0x96);
    s3 = _mm512_ternarylogic_epi64(s3, p3, Key(schedule, 0, 3), 0x96);
#pragma GCC unroll 9
    for (size_t r = 1; r < kRounds - 1; ++r) {
      s0 = _mm512_aesenc_epi128(s0, Key(schedule, r, 0));
      s1 = _mm512_aesenc_epi128(s1, Key(schedule, r, 1));
      s2 = _mm512_aesenc_epi128(s2, Key(schedule, r, 2));
      s3 = _mm512_aesenc_epi128(s3, Key(schedule, r, 3));
    }
    s0 = _mm512_aesenclast_epi128(s0, Key(schedule, kRounds - 1, 0));
    s1 = _mm512_aesenclast_epi128(s1, Key(schedule, kRounds - 1, 1));
    s2 = _mm512_aesenclast_epi128(s2, Key(schedule, kRounds - 1, 2));
    s3 = _mm512_aesenclast_epi128(s3, Key(schedule, kRounds - 1, 3));
    Scatter(out, off, s0);
    Scatter(out + 4, off, s1);
    Scatter(out + 8, off, s2);
    Scatter(out + 12, off, s3);
  }
  _mm512_storeu_si512(state, s0);
  _mm512_storeu_si512(state + 64, s1);
  _mm512_storeu_si512(state + 128, s2);
  _mm512_storeu_si512(state + 192, s3);
}

}  // namespace rcas::crypto::vaes
