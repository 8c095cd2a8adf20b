#pragma once
// Test-only access to IfmaRsaKey internals: fault injection, and filling a kernel batch directly
// so tests/ct can mark the secret rows undefined before the kernel runs.

#include <cstdint>

#include "crypto/rsa_ifma.h"
#include "crypto/rsa_ifma_batch.h"

namespace rcas::crypto {

class IfmaRsaKeyPeer {
 public:
  // FlipDpBit corrupts the CRT exponent dP, as a glitch in key storage would.
  static void FlipDpBit(IfmaRsaKey& key, int bit) {
    key.dp_[bit / 64] ^= uint64_t{1} << (bit % 64);
  }

  // FillLane writes one key, its next blinding pair and input limbs `c` into lane `lane`.
  template <int Lp>
  static void FillLane(ifma::PrivateBatch<Lp>& b, int lane, const IfmaRsaKey& k,
                       const uint64_t* c) {
    constexpr int Ln = 2 * Lp;
    uint64_t a[Ln], ai[Ln];
    k.NextBlinding(a, ai);
    auto put = [lane](uint64_t* rows, const uint64_t* limbs, int count) {
      for (int i = 0; i < count; ++i) {
        rows[i * ifma::kLanes + lane] = limbs[i];
      }
    };
    put(b.p.mod.m, k.p_, Lp), put(b.p.mod.one, k.p_one_, Lp), put(b.p.mod.rr, k.p_rr_, Lp);
    put(b.q.mod.m, k.q_, Lp), put(b.q.mod.one, k.q_one_, Lp), put(b.q.mod.rr, k.q_rr_, Lp);
    put(b.n.m, k.n_, Ln), put(b.n.one, k.n_one_, Ln), put(b.n.rr, k.n_rr_, Ln);
    put(b.p.to_mont, k.p_to_mont_, Lp), put(b.q.to_mont, k.q_to_mont_, Lp);
    put(b.p.qinv_r, k.qinv_r_, Lp);
    put(b.p.exp, k.dp_, ifma::PrimeRows<Lp>::kExpWords);
    put(b.q.exp, k.dq_, ifma::PrimeRows<Lp>::kExpWords);
    put(b.a, a, Ln), put(b.ai, ai, Ln), put(b.in, c, Ln);
    b.p.mod.k0[lane] = k.k0p_;
    b.q.mod.k0[lane] = k.k0q_;
    b.n.k0[lane] = k.k0n_;
    b.e[lane] = k.e_;
    b.exp_bits = k.bits() / 2;
  }
};

}  // namespace rcas::crypto
