// The 16-lane VAES CBC loop (crypto/cbc_vaes_kernel.h). Only this file uses
// AVX-512; its function carries a target attribute so the rest of the library
// stays portable, and crypto/cbc_vaes.cc calls it only after a CPUID check.
//
// Written out by hand for four chains: a loop over an array of chains made the
// compiler keep the chains in memory, at half the speed. Lanes are read and
// written a cache line (4 blocks) at a time and transposed in registers: with
// one 16-octet access per lane per block, 16 KiB-strided buffers (all in one
// L1 set) ran at a third of the speed.

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

// Step encrypts one block of all 16 lanes: p_c is chain c's plaintext in and
// its ciphertext out, s_c its running IV. CBC: C = E(P ^ C_prev), round key 0
// folded into the same XOR.
RCAS_VAES_FN void Step(__m512i& s0, __m512i& s1, __m512i& s2, __m512i& s3, __m512i& p0, __m512i& p1,
                       __m512i& p2, __m512i& p3, const uint8_t* schedule) {
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
  p0 = s0 = _mm512_aesenclast_epi128(s0, Key(schedule, kRounds - 1, 0));
  p1 = s1 = _mm512_aesenclast_epi128(s1, Key(schedule, kRounds - 1, 1));
  p2 = s2 = _mm512_aesenclast_epi128(s2, Key(schedule, kRounds - 1, 2));
  p3 = s3 = _mm512_aesenclast_epi128(s3, Key(schedule, kRounds - 1, 3));
}

// Quad is four blocks of a chain's four lanes, v_j = block j of each lane.
struct Quad {
  __m512i v0, v1, v2, v3;
};

// Shuffle picks 128-bit blocks: two of `a`, then two of `b`. The all-ones
// mask compiles to the plain instruction; the unmasked intrinsic trips GCC
// 12's -Wmaybe-uninitialized inside its own header.
template <int kImm>
RCAS_VAES_FN __m512i Shuffle(__m512i a, __m512i b) {
  return _mm512_maskz_shuffle_i64x2(0xff, a, b, kImm);
}

// Transpose swaps lanes and blocks of a 4 x 4 matrix of 16-octet blocks (its
// own inverse).
RCAS_VAES_FN Quad Transpose(__m512i a, __m512i b, __m512i c, __m512i d) {
  const __m512i ab01 = Shuffle<0x44>(a, b);
  const __m512i ab23 = Shuffle<0xee>(a, b);
  const __m512i cd01 = Shuffle<0x44>(c, d);
  const __m512i cd23 = Shuffle<0xee>(c, d);
  return {Shuffle<0x88>(ab01, cd01), Shuffle<0xdd>(ab01, cd01), Shuffle<0x88>(ab23, cd23),
          Shuffle<0xdd>(ab23, cd23)};
}

// LoadQuad reads 64 octets of each of a chain's lanes: one cache line touch
// per lane and 4 blocks, so lanes whose buffers sit 4 KiB apart (same L1 set)
// do not evict each other between blocks.
RCAS_VAES_FN Quad LoadQuad(const uint8_t* const* in, size_t off) {
  return Transpose(_mm512_loadu_si512(in[0] + off), _mm512_loadu_si512(in[1] + off),
                   _mm512_loadu_si512(in[2] + off), _mm512_loadu_si512(in[3] + off));
}

RCAS_VAES_FN void StoreQuad(uint8_t* const* out, size_t off, const Quad& q) {
  const Quad t = Transpose(q.v0, q.v1, q.v2, q.v3);
  _mm512_storeu_si512(out[0] + off, t.v0);
  _mm512_storeu_si512(out[1] + off, t.v1);
  _mm512_storeu_si512(out[2] + off, t.v2);
  _mm512_storeu_si512(out[3] + off, t.v3);
}

}  // namespace

__attribute__((target("avx512f,vaes"))) void Cbc16(const uint8_t* const* in, uint8_t* const* out,
                                                   size_t blocks, const uint8_t* schedule,
                                                   uint8_t* state) noexcept {
  __m512i s0 = _mm512_loadu_si512(state);
  __m512i s1 = _mm512_loadu_si512(state + 64);
  __m512i s2 = _mm512_loadu_si512(state + 128);
  __m512i s3 = _mm512_loadu_si512(state + 192);
  const size_t len = blocks * 16;
  size_t off = 0;
  for (; off + 64 <= len; off += 64) {
    Quad q0 = LoadQuad(in, off);
    Quad q1 = LoadQuad(in + 4, off);
    Quad q2 = LoadQuad(in + 8, off);
    Quad q3 = LoadQuad(in + 12, off);
    Step(s0, s1, s2, s3, q0.v0, q1.v0, q2.v0, q3.v0, schedule);
    Step(s0, s1, s2, s3, q0.v1, q1.v1, q2.v1, q3.v1, schedule);
    Step(s0, s1, s2, s3, q0.v2, q1.v2, q2.v2, q3.v2, schedule);
    Step(s0, s1, s2, s3, q0.v3, q1.v3, q2.v3, q3.v3, schedule);
    StoreQuad(out, off, q0);
    StoreQuad(out + 4, off, q1);
    StoreQuad(out + 8, off, q2);
    StoreQuad(out + 12, off, q3);
  }
  for (; off < len; off += 16) {
    __m512i p0 = Gather(in, off);
    __m512i p1 = Gather(in + 4, off);
    __m512i p2 = Gather(in + 8, off);
    __m512i p3 = Gather(in + 12, off);
    Step(s0, s1, s2, s3, p0, p1, p2, p3, schedule);
    Scatter(out, off, p0);
    Scatter(out + 4, off, p1);
    Scatter(out + 8, off, p2);
    Scatter(out + 12, off, p3);
  }
  _mm512_storeu_si512(state, s0);
  _mm512_storeu_si512(state + 64, s1);
  _mm512_storeu_si512(state + 128, s2);
  _mm512_storeu_si512(state + 192, s3);
}

}  // namespace rcas::crypto::vaes
