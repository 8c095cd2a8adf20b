// The 8-lane kernel on AVX-512 IFMA: one RSA operation per 64-bit lane of a zmm register.
// Only this file uses AVX-512; its functions carry a target attribute so the rest of the
// library stays portable, and crypto/rsa_ifma.cc calls them only after a CPUID check.

#include <immintrin.h>
#include <openssl/crypto.h>

#include <cstdint>

#include "crypto/rsa_ifma_batch.h"

#define RCAS_IFMA_TARGET __attribute__((target("avx512f,avx512ifma,avx512vl,avx512bw")))
#define RCAS_IFMA_FN RCAS_IFMA_TARGET __attribute__((always_inline))
#define RCAS_IFMA_BIG RCAS_IFMA_TARGET __attribute__((noinline))
#define RCAS_IFMA_UNROLL _Pragma("GCC unroll 64")
#define RCAS_IFMA_NS avx512

namespace rcas::crypto::ifma::avx512 {

struct Avx512Ops {
  using V = __m512i;
  using M = __mmask8;
  RCAS_IFMA_FN static V Zero() { return _mm512_setzero_si512(); }
  RCAS_IFMA_FN static V Set1(uint64_t x) { return _mm512_set1_epi64(static_cast<long long>(x)); }
  RCAS_IFMA_FN static V Load(const uint64_t* p) { return _mm512_load_si512(p); }
  RCAS_IFMA_FN static void Store(uint64_t* p, V v) { _mm512_store_si512(p, v); }
  RCAS_IFMA_FN static V MaddLo(V acc, V a, V b) { return _mm512_madd52lo_epu64(acc, a, b); }
  RCAS_IFMA_FN static V MaddHi(V acc, V a, V b) { return _mm512_madd52hi_epu64(acc, a, b); }
  RCAS_IFMA_FN static V Add(V a, V b) { return _mm512_add_epi64(a, b); }
  RCAS_IFMA_FN static V Sub(V a, V b) { return _mm512_sub_epi64(a, b); }
  RCAS_IFMA_FN static V And(V a, V b) { return _mm512_and_si512(a, b); }
  RCAS_IFMA_FN static V Or(V a, V b) { return _mm512_or_si512(a, b); }
  // maskz forms: the plain ones trip gcc 12 -Wuninitialized on _mm512_undefined_epi32.
  RCAS_IFMA_FN static V SrlLimb(V a) { return _mm512_maskz_srli_epi64(0xff, a, kLimbBits); }
  RCAS_IFMA_FN static V SraLimb(V a) { return _mm512_maskz_srai_epi64(0xff, a, kLimbBits); }
  RCAS_IFMA_FN static V ShiftRight(V a, int n) {
    return _mm512_maskz_srlv_epi64(0xff, a, _mm512_set1_epi64(n));
  }
  RCAS_IFMA_FN static V ShiftLeft(V a, int n) {
    return _mm512_maskz_sllv_epi64(0xff, a, _mm512_set1_epi64(n));
  }
  RCAS_IFMA_FN static M Equal(V a, V b) { return _mm512_cmpeq_epu64_mask(a, b); }
  RCAS_IFMA_FN static M Negative(V a) { return _mm512_cmplt_epi64_mask(a, _mm512_setzero_si512()); }
  RCAS_IFMA_FN static M AndMask(M a, M b) { return static_cast<M>(a & b); }
  // Select takes b where the lane's mask bit is set.
  RCAS_IFMA_FN static V Select(M m, V a, V b) { return _mm512_mask_blend_epi64(m, a, b); }
  RCAS_IFMA_FN static bool Any(M m) { return m != 0; }
  RCAS_IFMA_FN static uint32_t Bits(M m) { return m; }
  static void Wipe(void* p, size_t n) { OPENSSL_cleanse(p, n); }
  // Row loads once: an asm load is neither hoisted out of the loop (and spilled) nor repeated
  // for each use, as gcc does with plain loads under register pressure.
  // Opaque hides where p points, so addresses derived from it are not hoisted out of a loop.
  RCAS_IFMA_FN static const V* Opaque(const V* p) {
    __asm__("" : "+r"(p));
    return p;
  }
  // Pin is the identity, opaque to the optimizer: clang would turn the window's shift loop into
  // a memmove and keep the accumulators on the stack.
  RCAS_IFMA_FN static V Pin(V x) {
    __asm__("" : "+v"(x));
    return x;
  }
  RCAS_IFMA_FN static V Row(const V* p) {
    V r;
    __asm__("vmovdqa64 %1, %0" : "=v"(r) : "m"(*p));
    return r;
  }
};

}  // namespace rcas::crypto::ifma::avx512

#include "crypto/rsa_ifma_kernel.h"

namespace rcas::crypto::ifma {
namespace {

template <int Lp>
RCAS_IFMA_TARGET __attribute__((noinline)) uint32_t PrivateImpl(PrivateBatch<Lp>& b) {
  return avx512::Private<avx512::Avx512Ops, Lp>(b);
}

template <int Ln>
RCAS_IFMA_TARGET __attribute__((noinline)) void PublicImpl(PublicBatch<Ln>& b) {
  avx512::Public<avx512::Avx512Ops, Ln>(b);
}

}  // namespace

template <int Lp>
uint32_t PrivateAvx512(PrivateBatch<Lp>& b) {
  return PrivateImpl<Lp>(b);
}

template <int Ln>
void PublicAvx512(PublicBatch<Ln>& b) {
  PublicImpl<Ln>(b);
}

template uint32_t PrivateAvx512<10>(PrivateBatch<10>&);
template uint32_t PrivateAvx512<20>(PrivateBatch<20>&);
template uint32_t PrivateAvx512<30>(PrivateBatch<30>&);
template void PublicAvx512<20>(PublicBatch<20>&);
template void PublicAvx512<40>(PublicBatch<40>&);
template void PublicAvx512<60>(PublicBatch<60>&);

}  // namespace rcas::crypto::ifma
