// The portable scalar model of the 8-lane kernel: the same algorithm source
// (crypto/rsa_ifma_kernel.h) over plain uint64 lanes. The AVX-512 kernel is differential-tested
// against it, and tests/ct runs it under valgrind with the secrets marked undefined, which
// valgrind 3.19 cannot do for AVX-512 code. Every operation here is branch-free.

#include <openssl/crypto.h>

#include <cstdint>

#include "crypto/rsa_ifma_batch.h"

#define RCAS_IFMA_FN
#define RCAS_IFMA_BIG __attribute__((noinline))
#define RCAS_IFMA_UNROLL
#define RCAS_IFMA_NS scalar

namespace rcas::crypto::ifma::scalar {

struct ScalarOps {
  struct V {
    uint64_t l[kLanes];
  };
  using M = V;  // all-ones or zero per lane

  template <class F>
  static V Map(F f) {
    V r;
    for (int i = 0; i < kLanes; ++i) {
      r.l[i] = f(i);
    }
    return r;
  }
  static V Zero() { return Set1(0); }
  static V Set1(uint64_t x) {
    return Map([&](int) { return x; });
  }
  static V Load(const uint64_t* p) {
    return Map([&](int i) { return p[i]; });
  }
  static void Store(uint64_t* p, const V& v) {
    for (int i = 0; i < kLanes; ++i) {
      p[i] = v.l[i];
    }
  }
  // MaddLo/MaddHi: like VPMADD52LUQ/HUQ, the product of the low 52 bits of a and b.
  static V MaddLo(const V& acc, const V& a, const V& b) {
    return Map([&](int i) {
      unsigned __int128 p =
          static_cast<unsigned __int128>(a.l[i] & kLimbMask) * (b.l[i] & kLimbMask);
      return acc.l[i] + (static_cast<uint64_t>(p) & kLimbMask);
    });
  }
  static V MaddHi(const V& acc, const V& a, const V& b) {
    return Map([&](int i) {
      unsigned __int128 p =
          static_cast<unsigned __int128>(a.l[i] & kLimbMask) * (b.l[i] & kLimbMask);
      return acc.l[i] + static_cast<uint64_t>(p >> kLimbBits);
    });
  }
  static V Add(const V& a, const V& b) {
    return Map([&](int i) { return a.l[i] + b.l[i]; });
  }
  static V Sub(const V& a, const V& b) {
    return Map([&](int i) { return a.l[i] - b.l[i]; });
  }
  static V And(const V& a, const V& b) {
    return Map([&](int i) { return a.l[i] & b.l[i]; });
  }
  static V Or(const V& a, const V& b) {
    return Map([&](int i) { return a.l[i] | b.l[i]; });
  }
  static V SrlLimb(const V& a) {
    return Map([&](int i) { return a.l[i] >> kLimbBits; });
  }
  static V SraLimb(const V& a) {
    return Map(
        [&](int i) { return static_cast<uint64_t>(static_cast<int64_t>(a.l[i]) >> kLimbBits); });
  }
  static V ShiftRight(const V& a, int n) {
    return Map([&](int i) { return a.l[i] >> n; });
  }
  static V ShiftLeft(const V& a, int n) {
    return Map([&](int i) { return a.l[i] << n; });
  }
  // Equal: x = a ^ b is zero exactly when (x | -x) has a clear top bit; no compare, no branch.
  static M Equal(const V& a, const V& b) {
    return Map([&](int i) {
      uint64_t x = a.l[i] ^ b.l[i];
      return ((x | (0 - x)) >> 63) - 1;
    });
  }
  static M Negative(const V& a) {
    return Map([&](int i) { return 0 - (a.l[i] >> 63); });
  }
  static M AndMask(const M& a, const M& b) { return And(a, b); }
  static V Select(const M& m, const V& a, const V& b) {
    return Map([&](int i) { return (a.l[i] & ~m.l[i]) | (b.l[i] & m.l[i]); });
  }
  static bool Any(const M& m) {
    uint64_t x = 0;
    for (int i = 0; i < kLanes; ++i) {
      x |= m.l[i];
    }
    return x != 0;
  }
  static uint32_t Bits(const M& m) {
    uint32_t r = 0;
    for (int i = 0; i < kLanes; ++i) {
      r |= static_cast<uint32_t>(m.l[i] & 1) << i;
    }
    return r;
  }
  static void Wipe(void* p, size_t n) { OPENSSL_cleanse(p, n); }
  static V Row(const V* p) { return *p; }
  static V Pin(const V& x) { return x; }
  static const V* Opaque(const V* p) { return p; }
};

}  // namespace rcas::crypto::ifma::scalar

#include "crypto/rsa_ifma_kernel.h"

namespace rcas::crypto::ifma {

template <int Lp>
uint32_t PrivateScalar(PrivateBatch<Lp>& b) {
  return scalar::Private<scalar::ScalarOps, Lp>(b);
}

template <int Ln>
void PublicScalar(PublicBatch<Ln>& b) {
  scalar::Public<scalar::ScalarOps, Ln>(b);
}

template uint32_t PrivateScalar<10>(PrivateBatch<10>&);
template uint32_t PrivateScalar<20>(PrivateBatch<20>&);
template uint32_t PrivateScalar<30>(PrivateBatch<30>&);
template void PublicScalar<20>(PublicBatch<20>&);
template void PublicScalar<40>(PublicBatch<40>&);
template void PublicScalar<60>(PublicBatch<60>&);

}  // namespace rcas::crypto::ifma
