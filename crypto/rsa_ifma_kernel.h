#pragma once
// The 8-lane RSA algorithm, written once over an `Ops` type that supplies 8 x 64-bit lane
// arithmetic: Avx512Ops (one zmm, AVX-512 IFMA) in rsa_ifma_avx512.cc and ScalarOps (uint64
// loops, __int128 products) in rsa_ifma_scalar.cc. The including file defines RCAS_IFMA_NS (a
// namespace of its own, so the two instantiations never meet) and RCAS_IFMA_FN (the function
// attributes: the AVX-512 target, or nothing), RCAS_IFMA_BIG (the same, for functions kept out
// of line) and RCAS_IFMA_UNROLL (an unroll pragma for the inner limb loops, or nothing).
//
// Constant time: no branch and no memory index depends on a prime, an exponent, the blinding
// values or an intermediate; table reads scan every entry under a lane mask. Only sizes and the
// public exponent e steer control flow.

#include <cstdint>

#include "crypto/rsa_ifma_batch.h"

#ifndef RCAS_IFMA_NS
#error "define RCAS_IFMA_NS, _FN, _BIG and _UNROLL before including rsa_ifma_kernel.h"
#endif

namespace rcas::crypto::ifma::RCAS_IFMA_NS {

// Rows loads L lane-interleaved limbs.
template <class Ops, int L>
RCAS_IFMA_FN inline void LoadRows(typename Ops::V* x, const uint64_t* rows) {
  for (int i = 0; i < L; ++i) {
    x[i] = Ops::Load(rows + i * kLanes);
  }
}

template <class Ops, int L>
RCAS_IFMA_FN inline void StoreRows(uint64_t* rows, const typename Ops::V* x) {
  for (int i = 0; i < L; ++i) {
    Ops::Store(rows + i * kLanes, x[i]);
  }
}

// Carry propagates L limbs holding up to 63-bit signed values into 52-bit limbs. The caller
// guarantees the value fits (final carry zero).
template <class Ops, int L>
RCAS_IFMA_FN inline void Normalize(typename Ops::V* x) {
  using V = typename Ops::V;
  const V mask = Ops::Set1(kLimbMask);
  V carry = Ops::Zero();
  RCAS_IFMA_UNROLL
  for (int i = 0; i < L; ++i) {
    V t = Ops::Add(x[i], carry);
    carry = Ops::SraLimb(t);
    x[i] = Ops::And(t, mask);
  }
}

// Amm is almost-Montgomery multiplication: r = a b R^-1 mod m with r < 2m, for a, b < 2m and
// 4m < R. Operand scanning with interleaved reduction; acc[j] holds position i + j. Step i adds
// a b[i] + y m and slides the window down one limb in the same pass (the new acc[j] is built on
// the old acc[j + 1]), so the accumulators stay in registers and only the inner loops over L
// are unrolled. Each row of a and m is read once per step and feeds both of its products
// (Ops::Row: re-loading it per product would saturate the load ports). Limbs stay below 2^61
// without intermediate carries (at most 4 L products of 52 bits each). r may alias.
template <class Ops, int L>
RCAS_IFMA_BIG void Amm(typename Ops::V* r, const typename Ops::V* a, const typename Ops::V* b,
                       const typename Ops::V* m, typename Ops::V k0) {
  using V = typename Ops::V;
  const V zero = Ops::Zero();
  V acc[L];
  RCAS_IFMA_UNROLL
  for (int j = 0; j < L; ++j) {
    acc[j] = zero;
  }
  for (int i = 0; i < L; ++i) {
    // Opaque row bases: row addresses stay base + offset instead of 2 L hoisted pointers.
    const V* ar = Ops::Opaque(a);
    const V* mr = Ops::Opaque(m);
    const V bi = b[i];
    const V a0 = Ops::Row(ar);
    const V m0 = Ops::Row(mr);
    // Position i first: y depends on it, everything else can overlap.
    V t0 = Ops::MaddLo(acc[0], a0, bi);
    const V y = Ops::MaddLo(zero, t0, k0);
    t0 = Ops::MaddLo(t0, m0, y);
    RCAS_IFMA_UNROLL
    for (int j = 0; j + 1 < L; ++j) {
      acc[j] = Ops::Pin(acc[j + 1]);
    }
    acc[L - 1] = zero;
    acc[0] = Ops::MaddHi(acc[0], a0, bi);
    RCAS_IFMA_UNROLL
    for (int j = 1; j < L; ++j) {
      const V aj = Ops::Row(ar + j);
      acc[j - 1] = Ops::MaddLo(acc[j - 1], aj, bi);
      acc[j] = Ops::MaddHi(acc[j], aj, bi);
    }
    acc[0] = Ops::MaddHi(acc[0], m0, y);
    RCAS_IFMA_UNROLL
    for (int j = 1; j < L; ++j) {
      const V mj = Ops::Row(mr + j);
      acc[j - 1] = Ops::MaddLo(acc[j - 1], mj, y);
      acc[j] = Ops::MaddHi(acc[j], mj, y);
    }
    // Position i was a multiple of 2^52: its carry joins position i + 1.
    acc[0] = Ops::Add(acc[0], Ops::SrlLimb(t0));
  }
  RCAS_IFMA_UNROLL
  for (int j = 0; j < L; ++j) {
    r[j] = acc[j];
  }
  Normalize<Ops, L>(r);
}

// Ams is Amm(r, a, a, m, k0) with the square's cross products computed once and doubled:
// L^2 + L IFMAs for the product instead of 2 L^2 (3 L^2 + 2 L in all instead of 4 L^2 + L).
// Product scanning with a in registers: column k gets lo(a_i a_j), i + j = k, and hi(a_i a_j),
// i + j = k - 1 (i < j), doubled, plus the diagonal term. The 2 L columns (below 2^58) go to
// the caller's scratch col (wiped by the caller once it is done), then a register window
// reduces them as Amm does. r may alias a. For L <= 20 only: the window needs L + 5 registers.
inline constexpr int kAmsMaxLimbs = 20;

template <class Ops, int L>
RCAS_IFMA_BIG void Ams(typename Ops::V* r, const typename Ops::V* a, const typename Ops::V* m,
                       typename Ops::V k0, typename Ops::V* col) {
  using V = typename Ops::V;
  const V zero = Ops::Zero();
  V x[L];
  RCAS_IFMA_UNROLL
  for (int i = 0; i < L; ++i) {
    x[i] = a[i];
  }
  RCAS_IFMA_UNROLL
  for (int k = 0; k < 2 * L; ++k) {
    // Four short chains per column (IFMA latency), summed at the end.
    V lo[2] = {zero, zero};
    V hi[2] = {zero, zero};
    // Bounds are public; once unrolled, the conditions fold away.
    RCAS_IFMA_UNROLL
    for (int i = 0; i < L; ++i) {
      if (i < k - i && k - i < L) {
        lo[i % 2] = Ops::MaddLo(lo[i % 2], x[i], x[k - i]);
      }
      if (i < k - 1 - i && k - 1 - i < L) {
        hi[i % 2] = Ops::MaddHi(hi[i % 2], x[i], x[k - 1 - i]);
      }
    }
    V c = Ops::Add(Ops::Add(lo[0], lo[1]), Ops::Add(hi[0], hi[1]));
    c = Ops::Add(c, c);
    col[k] = k % 2 == 0 ? Ops::MaddLo(c, x[k / 2], x[k / 2])
                        : Ops::MaddHi(c, x[(k - 1) / 2], x[(k - 1) / 2]);
  }
  // Montgomery reduction of the 2 L columns: acc[j] holds position i + j.
  V acc[L];
  RCAS_IFMA_UNROLL
  for (int j = 0; j < L; ++j) {
    acc[j] = Ops::Row(col + j);  // a load: a column kept in a register would spill others
  }
  for (int i = 0; i < L; ++i) {
    const V* mr = Ops::Opaque(m);
    const V m0 = Ops::Row(mr);
    const V y = Ops::MaddLo(zero, acc[0], k0);
    const V t0 = Ops::MaddLo(acc[0], m0, y);
    RCAS_IFMA_UNROLL
    for (int j = 0; j + 1 < L; ++j) {
      acc[j] = Ops::Pin(acc[j + 1]);
    }
    acc[L - 1] = Ops::Row(col + L + i);
    acc[0] = Ops::MaddHi(acc[0], m0, y);
    RCAS_IFMA_UNROLL
    for (int j = 1; j < L; ++j) {
      const V mj = Ops::Row(mr + j);
      acc[j - 1] = Ops::MaddLo(acc[j - 1], mj, y);
      acc[j] = Ops::MaddHi(acc[j], mj, y);
    }
    acc[0] = Ops::Add(acc[0], Ops::SrlLimb(t0));
  }
  RCAS_IFMA_UNROLL
  for (int j = 0; j < L; ++j) {
    r[j] = acc[j];
  }
  Normalize<Ops, L>(r);
}

// Square sets x = Amm(x, x): Ams where its register window fits, else Amm. col: 2 L scratch.
template <class Ops, int L>
RCAS_IFMA_FN inline void Square(typename Ops::V* x, const typename Ops::V* m, typename Ops::V k0,
                                typename Ops::V* col) {
  if constexpr (L <= kAmsMaxLimbs) {
    Ams<Ops, L>(x, x, m, k0, col);
  } else {
    Amm<Ops, L>(x, x, x, m, k0);
  }
}

// Redc reduces a 2L-limb x < 2 m R to x R^-1 mod m, below 2m.
template <class Ops, int L>
RCAS_IFMA_BIG void Redc(typename Ops::V* r, const typename Ops::V* x, const typename Ops::V* m,
                        typename Ops::V k0) {
  using V = typename Ops::V;
  V acc[2 * L + 1];
  for (int i = 0; i < 2 * L; ++i) {
    acc[i] = x[i];
  }
  acc[2 * L] = Ops::Zero();
  const V zero = Ops::Zero();
  for (int i = 0; i < L; ++i) {
    const V y = Ops::MaddLo(zero, acc[i], k0);
    for (int j = 0; j < L; ++j) {
      acc[i + j] = Ops::MaddLo(acc[i + j], m[j], y);
      acc[i + j + 1] = Ops::MaddHi(acc[i + j + 1], m[j], y);
    }
    acc[i + 1] = Ops::Add(acc[i + 1], Ops::SrlLimb(acc[i]));
  }
  Normalize<Ops, L + 1>(acc + L);
  for (int i = 0; i < L; ++i) {
    r[i] = acc[L + i];
  }
}

// CondSub makes x < 2m fully reduced: x - m where that does not borrow, else x.
template <class Ops, int L>
RCAS_IFMA_FN inline void CondSub(typename Ops::V* x, const typename Ops::V* m) {
  using V = typename Ops::V;
  const V mask = Ops::Set1(kLimbMask);
  V t[L];
  V borrow = Ops::Zero();
  for (int i = 0; i < L; ++i) {
    V d = Ops::Add(Ops::Sub(x[i], m[i]), borrow);
    borrow = Ops::SraLimb(d);
    t[i] = Ops::And(d, mask);
  }
  const typename Ops::M keep = Ops::Negative(borrow);
  for (int i = 0; i < L; ++i) {
    x[i] = Ops::Select(keep, t[i], x[i]);
  }
}

// FromMont returns x R^-1 mod m fully reduced.
template <class Ops, int L>
RCAS_IFMA_FN inline void FromMont(typename Ops::V* r, const typename Ops::V* x,
                                  const typename Ops::V* m, typename Ops::V k0) {
  typename Ops::V unit[L];
  unit[0] = Ops::Set1(1);
  for (int i = 1; i < L; ++i) {
    unit[i] = Ops::Zero();
  }
  Amm<Ops, L>(r, x, unit, m, k0);
  CondSub<Ops, L>(r, m);
}

// Lookup selects table[w] per lane by reading every entry (the index is secret).
template <class Ops, int L>
RCAS_IFMA_FN inline void Lookup(typename Ops::V* r, const typename Ops::V (*table)[L],
                                typename Ops::V w) {
  for (int i = 0; i < L; ++i) {
    r[i] = Ops::Zero();
  }
  for (int k = 0; k < (1 << kWindowBits); ++k) {
    const typename Ops::M hit = Ops::Equal(w, Ops::Set1(static_cast<uint64_t>(k)));
    RCAS_IFMA_UNROLL
    for (int i = 0; i < L; ++i) {
      r[i] = Ops::Select(hit, r[i], table[k][i]);
    }
  }
}

// Window returns bits [pos, pos + kWindowBits) of the lane exponents; pos is public.
template <class Ops>
RCAS_IFMA_FN inline typename Ops::V Window(const uint64_t* exp, int pos) {
  const int word = pos / 64;
  const int shift = pos % 64;
  typename Ops::V v = Ops::ShiftRight(Ops::Load(exp + word * kLanes), shift);
  if (shift + kWindowBits > 64) {
    v = Ops::Or(v, Ops::ShiftLeft(Ops::Load(exp + (word + 1) * kLanes), 64 - shift));
  }
  return Ops::And(v, Ops::Set1((1u << kWindowBits) - 1));
}

// ModExp returns x^exp in Montgomery form for x in Montgomery form, scanning exp_bits bits in
// fixed windows whatever the exponent's value.
template <class Ops, int L>
RCAS_IFMA_BIG void ModExp(typename Ops::V* r, const typename Ops::V* x, const uint64_t* exp,
                          int exp_bits, const typename Ops::V* m, const typename Ops::V* one,
                          typename Ops::V k0) {
  using V = typename Ops::V;
  V table[1 << kWindowBits][L];
  for (int i = 0; i < L; ++i) {
    table[0][i] = one[i];
    table[1][i] = x[i];
  }
  for (int k = 2; k < (1 << kWindowBits); ++k) {
    Amm<Ops, L>(table[k], table[k - 1], x, m, k0);
  }
  const int windows = (exp_bits + kWindowBits - 1) / kWindowBits;
  V t[L];
  V col[2 * L];  // Ams scratch
  Lookup<Ops, L>(r, table, Window<Ops>(exp, (windows - 1) * kWindowBits));
  for (int w = windows - 2; w >= 0; --w) {
    for (int s = 0; s < kWindowBits; ++s) {
      Square<Ops, L>(r, m, k0, col);
    }
    Lookup<Ops, L>(t, table, Window<Ops>(exp, w * kWindowBits));
    Amm<Ops, L>(r, r, t, m, k0);
  }
  Ops::Wipe(&table[0][0], sizeof(table));
  Ops::Wipe(t, sizeof(t));
  Ops::Wipe(col, sizeof(col));
}

// PublicPow returns x^e mod n fully reduced (x < n). e is public: its bits may steer branches.
template <class Ops, int L>
RCAS_IFMA_BIG void PublicPow(typename Ops::V* r, const typename Ops::V* x, const ModulusRows<L>& n,
                             const uint64_t* e) {
  using V = typename Ops::V;
  V m[L], rr[L], xm[L], acc[L], t[L];
  LoadRows<Ops, L>(m, n.m);
  LoadRows<Ops, L>(rr, n.rr);
  LoadRows<Ops, L>(acc, n.one);
  const V k0 = Ops::Load(n.k0);
  const V ev = Ops::Load(e);
  uint64_t all = 0;
  for (int l = 0; l < kLanes; ++l) {
    all |= e[l];
  }
  int bits = 0;
  while (bits < 64 && (all >> bits) != 0) {
    ++bits;
  }
  Amm<Ops, L>(xm, x, rr, m, k0);
  V col[2 * L];  // Ams scratch (public values: no wipe)
  for (int bit = bits - 1; bit >= 0; --bit) {
    Square<Ops, L>(acc, m, k0, col);
    const typename Ops::M set =
        Ops::Equal(Ops::And(Ops::ShiftRight(ev, bit), Ops::Set1(1)), Ops::Set1(1));
    if (Ops::Any(set)) {
      Amm<Ops, L>(t, acc, xm, m, k0);
      for (int i = 0; i < L; ++i) {
        acc[i] = Ops::Select(set, acc[i], t[i]);
      }
    }
  }
  FromMont<Ops, L>(r, acc, m, k0);
}

template <class Ops, int Ln>
RCAS_IFMA_BIG void Public(PublicBatch<Ln>& b) {
  typename Ops::V x[Ln], y[Ln];
  LoadRows<Ops, Ln>(x, b.in);
  PublicPow<Ops, Ln>(y, x, b.n, b.e);
  StoreRows<Ops, Ln>(b.out, y);
}

// HalfExp computes (c A mod n)^d mod prime from the blinded cb = c A R^-1 mod n (< 2n), fully
// reduced and in normal form.
template <class Ops, int Lp>
RCAS_IFMA_BIG void HalfExp(typename Ops::V* r, const typename Ops::V* cb, const PrimeRows<Lp>& h,
                           int exp_bits) {
  using V = typename Ops::V;
  V m[Lp], one[Lp], tm[Lp], x[Lp], y[Lp];
  LoadRows<Ops, Lp>(m, h.mod.m);
  LoadRows<Ops, Lp>(one, h.mod.one);
  LoadRows<Ops, Lp>(tm, h.to_mont);
  const V k0 = Ops::Load(h.mod.k0);
  Redc<Ops, Lp>(x, cb, m, k0);
  Amm<Ops, Lp>(x, x, tm, m, k0);
  ModExp<Ops, Lp>(y, x, h.exp, exp_bits, m, one, k0);
  FromMont<Ops, Lp>(r, y, m, k0);
  Ops::Wipe(x, sizeof(x));
  Ops::Wipe(y, sizeof(y));
}

// Private runs the blinded CRT private operation and checks each result with e.
// PKCS #1 (RFC 8017 §5.1.2): m1 = c^dP mod p, m2 = c^dQ mod q, h = qInv (m1 - m2) mod p,
// m = m2 + q h. Requires q < 2p and p < 2q (primes of equal bit length).
template <class Ops, int Lp>
RCAS_IFMA_BIG uint32_t Private(PrivateBatch<Lp>& b) {
  using V = typename Ops::V;
  constexpr int Ln = 2 * Lp;
  V n[Ln], c[Ln], cb[Ln], t[Ln];
  LoadRows<Ops, Ln>(n, b.n.m);
  LoadRows<Ops, Ln>(c, b.in);
  const V k0n = Ops::Load(b.n.k0);

  // Blind: cb = c A R^-1 mod n; HalfExp's to_mont constant absorbs the R^-1.
  LoadRows<Ops, Ln>(t, b.a);
  Amm<Ops, Ln>(cb, c, t, n, k0n);

  V m1[Lp], m2[Lp], p[Lp], q[Lp], hq[Ln];
  HalfExp<Ops, Lp>(m1, cb, b.p, b.exp_bits);
  HalfExp<Ops, Lp>(m2, cb, b.q, b.exp_bits);
  LoadRows<Ops, Lp>(p, b.p.mod.m);
  LoadRows<Ops, Lp>(q, b.q.mod.m);

  // d = m1 + 2p - m2 is positive (m2 < q < 2p) and below 3p.
  V d[Lp], qinv[Lp], h[Lp];
  for (int i = 0; i < Lp; ++i) {
    d[i] = Ops::Sub(Ops::Add(m1[i], Ops::Add(p[i], p[i])), m2[i]);
  }
  Normalize<Ops, Lp>(d);
  LoadRows<Ops, Lp>(qinv, b.p.qinv_r);
  Amm<Ops, Lp>(h, d, qinv, p, Ops::Load(b.p.mod.k0));
  CondSub<Ops, Lp>(h, p);

  // hq = m2 + h q < n, a plain product.
  for (int i = 0; i < Ln; ++i) {
    hq[i] = i < Lp ? m2[i] : Ops::Zero();
  }
  for (int i = 0; i < Lp; ++i) {
    RCAS_IFMA_UNROLL
    for (int j = 0; j < Lp; ++j) {
      hq[i + j] = Ops::MaddLo(hq[i + j], h[j], q[i]);
      hq[i + j + 1] = Ops::MaddHi(hq[i + j + 1], h[j], q[i]);
    }
  }
  Normalize<Ops, Ln>(hq);

  // Unblind: s = hq Ai = AMM(AMM(hq, Ai), R^2).
  LoadRows<Ops, Ln>(t, b.ai);
  Amm<Ops, Ln>(cb, hq, t, n, k0n);
  LoadRows<Ops, Ln>(t, b.n.rr);
  Amm<Ops, Ln>(cb, cb, t, n, k0n);
  CondSub<Ops, Ln>(cb, n);
  StoreRows<Ops, Ln>(b.out, cb);

  // Fault check: s^e must give back c before s leaves (Boneh-DeMillo-Lipton).
  PublicPow<Ops, Ln>(t, cb, b.n, b.e);
  typename Ops::M diff = Ops::Equal(Ops::Zero(), Ops::Zero());
  for (int i = 0; i < Ln; ++i) {
    diff = Ops::AndMask(diff, Ops::Equal(t[i], c[i]));
  }
  Ops::Wipe(m1, sizeof(m1));
  Ops::Wipe(m2, sizeof(m2));
  Ops::Wipe(d, sizeof(d));
  Ops::Wipe(h, sizeof(h));
  Ops::Wipe(hq, sizeof(hq));
  Ops::Wipe(cb, sizeof(cb));
  return Ops::Bits(diff);
}

}  // namespace rcas::crypto::ifma::RCAS_IFMA_NS
