#include "crypto/rsa_ifma.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "crypto/rsa_ifma_batch.h"

namespace rcas::crypto {
namespace {

using ifma::kLanes;
using ifma::kLimbBits;
using ifma::kLimbMask;

constexpr int kBlindingUses = 32;  // as OpenSSL's BN_BLINDING_COUNTER
// Fresh blinding pairs are made kBlindingBatch at a time with one modular inversion (Montgomery's
// trick): the inversion is most of a pair's cost (~90 us for RSA-1024, ~200 us for RSA-2048).
constexpr int kBlindingBatch = 8;
constexpr int kMaxLimbs = 60;  // RSA-3072 modulus

struct BnDeleter {
  void operator()(BIGNUM* b) const { BN_clear_free(b); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnDeleter>;
struct BnCtxDeleter {
  void operator()(BN_CTX* c) const { BN_CTX_free(c); }
};
using BnCtxPtr = std::unique_ptr<BN_CTX, BnCtxDeleter>;

BnPtr GetBn(const EVP_PKEY* key, const char* name) {
  BIGNUM* b = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &b) != 1) {
    return nullptr;
  }
  BN_set_flags(b, BN_FLG_CONSTTIME);
  return BnPtr(b);
}

// LeToLimbs splits a little-endian octet string into `limbs` 52-bit limbs.
void LeToLimbs(const uint8_t* le, size_t len, uint64_t* limbs, int count) {
  for (int i = 0; i < count; ++i) {
    const size_t bit = static_cast<size_t>(i) * kLimbBits;
    uint64_t v = 0;
    for (size_t k = 0; k < 8; ++k) {
      const size_t at = bit / 8 + k;
      if (at < len) {
        v |= uint64_t{le[at]} << (8 * k);
      }
    }
    limbs[i] = (v >> (bit % 8)) & kLimbMask;
  }
}

// BnToLimbs writes a non-negative BIGNUM (below 2^(52 count)) as limbs; the octet copy is wiped.
bool BnToLimbs(const BIGNUM* b, uint64_t* limbs, int count) {
  uint8_t le[kMaxLimbs * kLimbBits / 8 + 8];
  const int len = count * kLimbBits / 8 + 1;
  if (BN_num_bits(b) > count * kLimbBits || BN_bn2lebinpad(b, le, len) != len) {
    return false;
  }
  LeToLimbs(le, static_cast<size_t>(len), limbs, count);
  OPENSSL_cleanse(le, sizeof(le));
  return true;
}

// BnToWords writes a BIGNUM as 64-bit little-endian words (exponents).
bool BnToWords(const BIGNUM* b, uint64_t* words, int count) {
  uint8_t le[(kMaxLimbs / 2 * kLimbBits / 64 + 2) * 8];
  const int len = count * 8;
  if (BN_bn2lebinpad(b, le, len) != len) {
    return false;
  }
  for (int i = 0; i < count; ++i) {
    uint64_t w = 0;
    for (int k = 0; k < 8; ++k) {
      w |= uint64_t{le[i * 8 + k]} << (8 * k);
    }
    words[i] = w;
  }
  OPENSSL_cleanse(le, sizeof(le));
  return true;
}

void BeToLimbs(ByteView be, uint64_t* limbs, int count) {
  uint8_t le[kMaxLimbs * kLimbBits / 8 + 8] = {};
  const size_t len = std::min(be.size(), sizeof(le));
  for (size_t i = 0; i < len; ++i) {
    le[i] = be[be.size() - 1 - i];
  }
  LeToLimbs(le, len, limbs, count);
  OPENSSL_cleanse(le, sizeof(le));
}

void LimbsToBe(const uint64_t* limbs, int count, MutableByteView be) {
  unsigned __int128 acc = 0;
  int acc_bits = 0;
  size_t at = 0;
  for (int i = 0; i < count; ++i) {
    acc |= static_cast<unsigned __int128>(limbs[i]) << acc_bits;
    for (acc_bits += kLimbBits; acc_bits >= 8; acc_bits -= 8, acc >>= 8) {
      if (at < be.size()) {
        be[be.size() - 1 - at++] = static_cast<uint8_t>(acc);
      }
    }
  }
  for (; at < be.size(); ++at, acc >>= 8) {
    be[be.size() - 1 - at] = static_cast<uint8_t>(acc);
  }
}

// LessThan compares normalized limb vectors; only for public values.
bool LessThan(const uint64_t* a, const uint64_t* b, int count) {
  for (int i = count - 1; i >= 0; --i) {
    if (a[i] != b[i]) {
      return a[i] < b[i];
    }
  }
  return false;
}

// NegInv52 is -m^-1 mod 2^52 for odd m (Newton: each step doubles the correct bits).
uint64_t NegInv52(uint64_t m0) {
  uint64_t x = 1;
  for (int i = 0; i < 6; ++i) {
    x *= 2 - m0 * x;
  }
  return (0 - x) & kLimbMask;
}

// PowerOfTwoMod sets r = 2^k mod m.
bool PowerOfTwoMod(BIGNUM* r, int k, const BIGNUM* m, BN_CTX* ctx) {
  BN_zero(r);
  return BN_set_bit(r, k) == 1 && BN_mod(r, r, m, ctx) == 1;
}

// MontConstants fills one = R mod m and rr = R^2 mod m for R = 2^(52 limbs).
bool MontConstants(const BIGNUM* m, int limbs, uint64_t* one, uint64_t* rr, BN_CTX* ctx,
                   BIGNUM* scratch) {
  return PowerOfTwoMod(scratch, limbs * kLimbBits, m, ctx) && BnToLimbs(scratch, one, limbs) &&
         BN_mod_sqr(scratch, scratch, m, ctx) == 1 && BnToLimbs(scratch, rr, limbs);
}

bool SupportedBits(int bits) { return bits == 1024 || bits == 2048 || bits == 3072; }

bool SmallExponent(const BIGNUM* e, uint64_t* out) {
  if (BN_num_bits(e) > 64 || BN_is_zero(e)) {
    return false;
  }
  uint8_t be[8];
  BN_bn2binpad(e, be, 8);
  *out = LoadBe64(be);
  return true;
}

void Scatter(uint64_t* rows, int lane, const uint64_t* limbs, int count) {
  for (int i = 0; i < count; ++i) {
    rows[i * kLanes + lane] = limbs[i];
  }
}

void Gather(uint64_t* limbs, const uint64_t* rows, int lane, int count) {
  for (int i = 0; i < count; ++i) {
    limbs[i] = rows[i * kLanes + lane];
  }
}

}  // namespace

bool IfmaAvailable() {
  static const bool ok = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
                         __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512ifma");
  return ok;
}

namespace {

struct BnMontDeleter {
  void operator()(BN_MONT_CTX* m) const { BN_MONT_CTX_free(m); }
};

// PowPublic sets out = x^e mod n by square-and-multiply in Montgomery form. e is public, so its
// bits may steer the loop; x is secret and goes only through fixed-size Montgomery products
// (BN_mod_exp_mont would take its consttime path for a flagged base: a 2048-bit window table
// for a 17-bit exponent, ~4x slower).
bool PowPublic(BIGNUM* out, const BIGNUM* x, uint64_t e, BN_MONT_CTX* mont, BN_CTX* ctx,
               BIGNUM* xm) {
  if (BN_to_montgomery(xm, x, mont, ctx) != 1 || BN_copy(out, xm) == nullptr) {
    return false;
  }
  for (int bit = 62 - __builtin_clzll(e); bit >= 0; --bit) {
    if (BN_mod_mul_montgomery(out, out, out, mont, ctx) != 1 ||
        (((e >> bit) & 1) != 0 && BN_mod_mul_montgomery(out, out, xm, mont, ctx) != 1)) {
      return false;
    }
  }
  return BN_from_montgomery(out, out, mont, ctx) == 1;
}

}  // namespace

struct IfmaRsaKey::Blinding {
  std::mutex mu;
  BnPtr n;
  BnPtr a, ai;  // the pair in use, in OpenSSL's Montgomery form (cheap squaring)
  BnPtr t;      // scratch
  BnCtxPtr ctx;
  std::unique_ptr<BN_MONT_CTX, BnMontDeleter> mont;
  int uses_left = 0;
  // Fresh pairs not used yet: stock_a[i] = r_i^e, stock_ai[i] = r_i^-1 for i < stocked.
  BnPtr stock_a[kBlindingBatch], stock_ai[kBlindingBatch];
  int stocked = 0;

  bool Refill(uint64_t e);
};

// Refill makes kBlindingBatch fresh pairs from independent random r_i with one inversion:
// P = r_0 ... r_(k-1), then r_i^-1 = P^-1 times the other factors, walking back down.
bool IfmaRsaKey::Blinding::Refill(uint64_t e) {
  BN_CTX* c = ctx.get();
  BnPtr inv(BN_secure_new());
  if (!inv || !t) {
    return false;
  }
  // r^-1 exists unless some r_i shares a prime with n (probability ~2^-1020 per try).
  for (int tries = 0; tries < 8; ++tries) {
    bool ok = true;
    for (int i = 0; ok && i < kBlindingBatch; ++i) {
      ok = (stock_a[i] || (stock_a[i].reset(BN_secure_new()), stock_a[i])) &&
           (stock_ai[i] || (stock_ai[i].reset(BN_secure_new()), stock_ai[i]));
      // stock_a[i] holds r_i for now, stock_ai[i] the prefix product r_0 ... r_i.
      ok =
          ok && BN_priv_rand_range(stock_a[i].get(), n.get()) == 1 && !BN_is_zero(stock_a[i].get());
      if (ok) {
        BN_set_flags(stock_a[i].get(), BN_FLG_CONSTTIME);
        BN_set_flags(stock_ai[i].get(), BN_FLG_CONSTTIME);
        ok = i == 0 ? BN_copy(stock_ai[0].get(), stock_a[0].get()) != nullptr
                    : BN_mod_mul(stock_ai[i].get(), stock_ai[i - 1].get(), stock_a[i].get(),
                                 n.get(), c) == 1;
      }
    }
    BN_set_flags(inv.get(), BN_FLG_CONSTTIME);
    if (!ok ||
        BN_mod_inverse(inv.get(), stock_ai[kBlindingBatch - 1].get(), n.get(), c) == nullptr) {
      continue;
    }
    for (int i = kBlindingBatch - 1; ok && i >= 0; --i) {
      // inv = (r_0 ... r_i)^-1 here.
      ok = (i == 0 ? BN_copy(stock_ai[0].get(), inv.get()) != nullptr
                   : BN_mod_mul(stock_ai[i].get(), inv.get(), stock_ai[i - 1].get(), n.get(), c) ==
                         1) &&
           BN_mod_mul(inv.get(), inv.get(), stock_a[i].get(), n.get(), c) == 1 &&
           PowPublic(stock_a[i].get(), stock_a[i].get(), e, mont.get(), c, t.get());
    }
    if (ok) {
      stocked = kBlindingBatch;
      return true;
    }
  }
  return false;
}

IfmaRsaKey::~IfmaRsaKey() {
  if (limbs_) {
    OPENSSL_cleanse(limbs_.get(), limb_count_ * sizeof(uint64_t));
  }
}

Result<std::unique_ptr<IfmaRsaKey>> IfmaRsaKey::Create(const EVP_PKEY* key) {
  if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
    return Error{"ifma: not an RSA key"};
  }
  BnPtr n = GetBn(key, OSSL_PKEY_PARAM_RSA_N), e = GetBn(key, OSSL_PKEY_PARAM_RSA_E);
  BnPtr p = GetBn(key, OSSL_PKEY_PARAM_RSA_FACTOR1), q = GetBn(key, OSSL_PKEY_PARAM_RSA_FACTOR2);
  BnPtr dp = GetBn(key, OSSL_PKEY_PARAM_RSA_EXPONENT1);
  BnPtr dq = GetBn(key, OSSL_PKEY_PARAM_RSA_EXPONENT2);
  BnPtr qinv = GetBn(key, OSSL_PKEY_PARAM_RSA_COEFFICIENT1);
  if (!n || !e || !p || !q || !dp || !dq || !qinv) {
    return Error{"ifma: key lacks CRT parameters"};
  }
  if (GetBn(key, OSSL_PKEY_PARAM_RSA_FACTOR3)) {
    return Error{"ifma: multi-prime keys are not supported"};
  }
  const int bits = BN_num_bits(n.get());
  if (!SupportedBits(bits) || BN_num_bits(p.get()) != bits / 2 ||
      BN_num_bits(q.get()) != bits / 2) {
    return Error{"ifma: unsupported modulus or prime size"};
  }
  std::unique_ptr<IfmaRsaKey> k(new IfmaRsaKey());
  if (!SmallExponent(e.get(), &k->e_)) {
    return Error{"ifma: public exponent must be below 2^64"};
  }
  const int lp = (bits / 2 + 2 + kLimbBits - 1) / kLimbBits;  // 4p < R
  const int ln = 2 * lp;
  const int words = (lp * kLimbBits + 63) / 64 + 1;  // as ifma::PrimeRows<lp>::kExpWords
  k->bits_ = bits;
  k->prime_limbs_ = lp;
  k->limb_count_ = static_cast<size_t>(9 * lp + 2 * words + 3 * ln);
  k->limbs_ = std::make_unique<uint64_t[]>(k->limb_count_);
  uint64_t* at = k->limbs_.get();
  auto take = [&at](int count) {
    uint64_t* r = at;
    at += count;
    return r;
  };
  k->p_ = take(lp), k->q_ = take(lp), k->p_one_ = take(lp), k->q_one_ = take(lp);
  k->p_rr_ = take(lp), k->q_rr_ = take(lp), k->p_to_mont_ = take(lp), k->q_to_mont_ = take(lp);
  k->qinv_r_ = take(lp), k->dp_ = take(words), k->dq_ = take(words);
  k->n_ = take(ln), k->n_one_ = take(ln), k->n_rr_ = take(ln);

  BnCtxPtr ctx(BN_CTX_secure_new());
  BnPtr t(BN_secure_new());
  bool ok = ctx && t && BnToLimbs(p.get(), k->p_, lp) && BnToLimbs(q.get(), k->q_, lp) &&
            BnToLimbs(n.get(), k->n_, ln) && BnToWords(dp.get(), k->dp_, words) &&
            BnToWords(dq.get(), k->dq_, words) &&
            MontConstants(p.get(), lp, k->p_one_, k->p_rr_, ctx.get(), t.get()) &&
            MontConstants(q.get(), lp, k->q_one_, k->q_rr_, ctx.get(), t.get()) &&
            MontConstants(n.get(), ln, k->n_one_, k->n_rr_, ctx.get(), t.get());
  // to_mont = R_p^5 mod prime; qinv_r = qInv R_p mod p.
  for (auto [prime, out] : {std::pair{p.get(), k->p_to_mont_}, std::pair{q.get(), k->q_to_mont_}}) {
    ok = ok && PowerOfTwoMod(t.get(), 5 * lp * kLimbBits, prime, ctx.get()) &&
         BnToLimbs(t.get(), out, lp);
  }
  ok = ok && PowerOfTwoMod(t.get(), lp * kLimbBits, p.get(), ctx.get()) &&
       BN_mod_mul(t.get(), t.get(), qinv.get(), p.get(), ctx.get()) == 1 &&
       BnToLimbs(t.get(), k->qinv_r_, lp);
  if (!ok) {
    return Error{"ifma: key precomputation failed"};
  }
  k->k0p_ = NegInv52(k->p_[0] | (k->p_[1] << kLimbBits));
  k->k0q_ = NegInv52(k->q_[0] | (k->q_[1] << kLimbBits));
  k->k0n_ = NegInv52(k->n_[0] | (k->n_[1] << kLimbBits));

  k->blinding_ = std::make_unique<Blinding>();
  k->blinding_->n = std::move(n);
  k->blinding_->a.reset(BN_secure_new());
  k->blinding_->ai.reset(BN_secure_new());
  k->blinding_->t.reset(BN_secure_new());
  k->blinding_->ctx.reset(BN_CTX_secure_new());
  k->blinding_->mont.reset(BN_MONT_CTX_new());
  if (!k->blinding_->a || !k->blinding_->ai || !k->blinding_->t || !k->blinding_->ctx ||
      !k->blinding_->mont ||
      BN_MONT_CTX_set(k->blinding_->mont.get(), k->blinding_->n.get(), k->blinding_->ctx.get()) !=
          1) {
    return Error{"ifma: out of memory"};
  }
  return k;
}

void IfmaRsaKey::NextBlinding(uint64_t* a, uint64_t* ai) const {
  Blinding& b = *blinding_;
  std::lock_guard<std::mutex> lock(b.mu);
  const int ln = 2 * prime_limbs_;
  BN_CTX* ctx = b.ctx.get();
  BN_MONT_CTX* mont = b.mont.get();
  bool ok = true;
  if (b.uses_left == 0) {
    ok = b.stocked > 0 || b.Refill(e_);
    if (ok) {
      --b.stocked;
      ok = BN_to_montgomery(b.a.get(), b.stock_a[b.stocked].get(), mont, ctx) == 1 &&
           BN_to_montgomery(b.ai.get(), b.stock_ai[b.stocked].get(), mont, ctx) == 1;
      BN_clear(b.stock_a[b.stocked].get());
      BN_clear(b.stock_ai[b.stocked].get());
    }
    b.uses_left = kBlindingUses;
  } else {
    ok = BN_mod_mul_montgomery(b.a.get(), b.a.get(), b.a.get(), mont, ctx) == 1 &&
         BN_mod_mul_montgomery(b.ai.get(), b.ai.get(), b.ai.get(), mont, ctx) == 1;
  }
  ok = ok && BN_from_montgomery(b.t.get(), b.a.get(), mont, ctx) == 1 &&
       BnToLimbs(b.t.get(), a, ln) && BN_from_montgomery(b.t.get(), b.ai.get(), mont, ctx) == 1 &&
       BnToLimbs(b.t.get(), ai, ln);
  BN_clear(b.t.get());
  if (!ok) {
    std::abort();  // only on allocation or DRBG failure; signing unblinded is not an option
  }
  --b.uses_left;
}

Result<std::unique_ptr<IfmaRsaPublicKey>> IfmaRsaPublicKey::Create(const EVP_PKEY* key) {
  if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
    return Error{"ifma: not an RSA key"};
  }
  BnPtr n = GetBn(key, OSSL_PKEY_PARAM_RSA_N), e = GetBn(key, OSSL_PKEY_PARAM_RSA_E);
  if (!n || !e || !SupportedBits(BN_num_bits(n.get()))) {
    return Error{"ifma: unsupported public key"};
  }
  std::unique_ptr<IfmaRsaPublicKey> k(new IfmaRsaPublicKey());
  if (!SmallExponent(e.get(), &k->e_)) {
    return Error{"ifma: public exponent must be below 2^64"};
  }
  k->bits_ = BN_num_bits(n.get());
  k->limbs_ = 2 * ((k->bits_ / 2 + 2 + kLimbBits - 1) / kLimbBits);
  k->n_ = std::make_unique<uint64_t[]>(static_cast<size_t>(k->limbs_));
  k->one_ = std::make_unique<uint64_t[]>(static_cast<size_t>(k->limbs_));
  k->rr_ = std::make_unique<uint64_t[]>(static_cast<size_t>(k->limbs_));
  BnCtxPtr ctx(BN_CTX_new());
  BnPtr t(BN_new());
  if (!ctx || !t || !BnToLimbs(n.get(), k->n_.get(), k->limbs_) ||
      !MontConstants(n.get(), k->limbs_, k->one_.get(), k->rr_.get(), ctx.get(), t.get())) {
    return Error{"ifma: key precomputation failed"};
  }
  k->k0_ = NegInv52(k->n_[0] | (k->n_[1] << kLimbBits));
  return k;
}

// IfmaLaneFiller moves keys and operands between per-key limbs and the lane-interleaved batch.
class IfmaLaneFiller {
 public:
  template <int L>
  static void Modulus(ifma::ModulusRows<L>& rows, int lane, const uint64_t* m, const uint64_t* one,
                      const uint64_t* rr, uint64_t k0) {
    Scatter(rows.m, lane, m, L);
    Scatter(rows.one, lane, one, L);
    Scatter(rows.rr, lane, rr, L);
    rows.k0[lane] = k0;
  }

  template <int Lp>
  static uint32_t Private(std::span<const IfmaRsaKey* const> keys, std::span<const ByteView> in,
                          std::span<const MutableByteView> out, IfmaEngine engine) {
    constexpr int Ln = 2 * Lp;
    constexpr int kWords = ifma::PrimeRows<Lp>::kExpWords;
    ifma::PrivateBatch<Lp> storage;
    ifma::PrivateBatch<Lp>* b = &storage;
    uint32_t valid = 0;
    uint64_t c[Ln], a[Ln], ai[Ln];
    for (int lane = 0; lane < kLanes; ++lane) {
      // Idle lanes repeat lane 0; their results are dropped.
      const size_t src = static_cast<size_t>(lane) < keys.size() ? static_cast<size_t>(lane) : 0;
      const IfmaRsaKey& k = *keys[src];
      Modulus<Lp>(b->p.mod, lane, k.p_, k.p_one_, k.p_rr_, k.k0p_);
      Modulus<Lp>(b->q.mod, lane, k.q_, k.q_one_, k.q_rr_, k.k0q_);
      Modulus<Ln>(b->n, lane, k.n_, k.n_one_, k.n_rr_, k.k0n_);
      Scatter(b->p.to_mont, lane, k.p_to_mont_, Lp);
      Scatter(b->q.to_mont, lane, k.q_to_mont_, Lp);
      Scatter(b->p.qinv_r, lane, k.qinv_r_, Lp);
      Scatter(b->p.exp, lane, k.dp_, kWords);
      Scatter(b->q.exp, lane, k.dq_, kWords);
      b->e[lane] = k.e_;
      BeToLimbs(in[src], c, Ln);
      if (in[src].size() == k.size() && LessThan(c, k.n_, Ln)) {
        valid |= (src == static_cast<size_t>(lane) ? 1u : 0u) << lane;
      } else {
        std::fill(c, c + Ln, uint64_t{0});
      }
      Scatter(b->in, lane, c, Ln);
      if (src == static_cast<size_t>(lane)) {
        k.NextBlinding(a, ai);
      }
      Scatter(b->a, lane, a, Ln);
      Scatter(b->ai, lane, ai, Ln);
    }
    b->exp_bits = keys[0]->bits() / 2;
    const uint32_t ok =
        engine == IfmaEngine::kAvx512 ? ifma::PrivateAvx512<Lp>(*b) : ifma::PrivateScalar<Lp>(*b);
    for (size_t lane = 0; lane < keys.size(); ++lane) {
      Gather(c, b->out, static_cast<int>(lane), Ln);
      LimbsToBe(c, Ln, out[lane]);
    }
    OPENSSL_cleanse(b, sizeof(*b));
    OPENSSL_cleanse(a, sizeof(a));
    OPENSSL_cleanse(ai, sizeof(ai));
    OPENSSL_cleanse(c, sizeof(c));
    return ok & valid;
  }

  template <int Ln>
  static uint32_t Public(std::span<const IfmaRsaPublicKey* const> keys,
                         std::span<const ByteView> in, std::span<const MutableByteView> out,
                         IfmaEngine engine) {
    ifma::PublicBatch<Ln> storage;
    ifma::PublicBatch<Ln>* b = &storage;
    uint32_t valid = 0;
    uint64_t x[Ln];
    for (int lane = 0; lane < kLanes; ++lane) {
      const size_t src = static_cast<size_t>(lane) < keys.size() ? static_cast<size_t>(lane) : 0;
      const IfmaRsaPublicKey& k = *keys[src];
      Modulus<Ln>(b->n, lane, k.n_.get(), k.one_.get(), k.rr_.get(), k.k0_);
      b->e[lane] = k.e_;
      BeToLimbs(in[src], x, Ln);
      if (in[src].size() == k.size() && LessThan(x, k.n_.get(), Ln)) {
        valid |= (src == static_cast<size_t>(lane) ? 1u : 0u) << lane;
      } else {
        std::fill(x, x + Ln, uint64_t{0});
      }
      Scatter(b->in, lane, x, Ln);
    }
    if (engine == IfmaEngine::kAvx512) {
      ifma::PublicAvx512<Ln>(*b);
    } else {
      ifma::PublicScalar<Ln>(*b);
    }
    for (size_t lane = 0; lane < keys.size(); ++lane) {
      Gather(x, b->out, static_cast<int>(lane), Ln);
      LimbsToBe(x, Ln, out[lane]);
    }
    return valid;
  }
};

uint32_t IfmaRsaPrivate(std::span<const IfmaRsaKey* const> keys, std::span<const ByteView> in,
                        std::span<const MutableByteView> out, IfmaEngine engine) {
  if (keys.empty() || keys.size() > kLanes || in.size() != keys.size() ||
      out.size() != keys.size() || (engine == IfmaEngine::kAvx512 && !IfmaAvailable())) {
    return 0;
  }
  for (const IfmaRsaKey* k : keys) {
    if (k->bits() != keys[0]->bits()) {
      return 0;
    }
  }
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i].size() != keys[i]->size()) {
      return 0;
    }
  }
  switch (keys[0]->prime_limbs()) {
    case 10:
      return IfmaLaneFiller::Private<10>(keys, in, out, engine);
    case 20:
      return IfmaLaneFiller::Private<20>(keys, in, out, engine);
    case 30:
      return IfmaLaneFiller::Private<30>(keys, in, out, engine);
    default:
      return 0;
  }
}

uint32_t IfmaRsaPublic(std::span<const IfmaRsaPublicKey* const> keys, std::span<const ByteView> in,
                       std::span<const MutableByteView> out, IfmaEngine engine) {
  if (keys.empty() || keys.size() > kLanes || in.size() != keys.size() ||
      out.size() != keys.size() || (engine == IfmaEngine::kAvx512 && !IfmaAvailable())) {
    return 0;
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    if (keys[i]->bits() != keys[0]->bits() || out[i].size() != keys[i]->size()) {
      return 0;
    }
  }
  switch (keys[0]->bits()) {
    case 1024:
      return IfmaLaneFiller::Public<20>(keys, in, out, engine);
    case 2048:
      return IfmaLaneFiller::Public<40>(keys, in, out, engine);
    case 3072:
      return IfmaLaneFiller::Public<60>(keys, in, out, engine);
    default:
      return 0;
  }
}

}  // namespace rcas::crypto
