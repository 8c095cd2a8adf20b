#pragma once
// OpenSSL reference helpers for the RSA kernel and batch tests: key generation, raw RSA
// (no padding) in both directions, and keys rebuilt from components.

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include <cstdlib>
#include <memory>
#include <vector>

#include "crypto/bytes.h"
#include "crypto/random.h"

namespace rcas::crypto::testing {

struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

inline PkeyPtr GenerateRsa(int bits) { return PkeyPtr(EVP_RSA_gen(static_cast<unsigned>(bits))); }

// Soak is true when RCAS_RSA_SOAK=1 asks for the long differential runs.
inline bool Soak() {
  const char* v = std::getenv("RCAS_RSA_SOAK");
  return v != nullptr && v[0] == '1';
}

// RawRsa runs OpenSSL's unpadded RSA: private (decrypt) or public (encrypt).
inline Bytes RawRsa(EVP_PKEY* key, ByteView in, bool priv) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key, nullptr);
  size_t len = static_cast<size_t>(EVP_PKEY_get_size(key));
  Bytes out(len);
  bool ok = ctx != nullptr &&
            (priv ? EVP_PKEY_decrypt_init(ctx) : EVP_PKEY_encrypt_init(ctx)) == 1 &&
            EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) == 1 &&
            (priv ? EVP_PKEY_decrypt(ctx, out.data(), &len, in.data(), in.size())
                  : EVP_PKEY_encrypt(ctx, out.data(), &len, in.data(), in.size())) == 1;
  EVP_PKEY_CTX_free(ctx);
  if (!ok) {
    return {};
  }
  out.resize(len);
  return out;
}

inline Bytes BnBytes(const EVP_PKEY* key, const char* name, size_t len) {
  BIGNUM* b = nullptr;
  Bytes out(len);
  if (EVP_PKEY_get_bn_param(key, name, &b) != 1 ||
      BN_bn2binpad(b, out.data(), static_cast<int>(len)) != static_cast<int>(len)) {
    out.clear();
  }
  BN_clear_free(b);
  return out;
}

// Modulus returns n big-endian, modulus-sized.
inline Bytes Modulus(const EVP_PKEY* key) {
  return BnBytes(key, OSSL_PKEY_PARAM_RSA_N, static_cast<size_t>(EVP_PKEY_get_size(key)));
}

// RandomBelowModulus returns a uniformly random modulus-sized value below n (top octet cleared).
inline Bytes RandomBelowModulus(const EVP_PKEY* key) {
  Bytes x(static_cast<size_t>(EVP_PKEY_get_size(key)));
  RandomBytes(x);
  x[0] = 0;
  return x;
}

// SwapPrimes rebuilds the key with p and q exchanged (so dP/dQ swap and qInv is recomputed);
// when `ascending`, the result has p < q.
inline PkeyPtr SwapPrimes(const EVP_PKEY* key) {
  auto get = [&](const char* name) {
    BIGNUM* b = nullptr;
    EVP_PKEY_get_bn_param(key, name, &b);
    return b;
  };
  BIGNUM *n = get(OSSL_PKEY_PARAM_RSA_N), *e = get(OSSL_PKEY_PARAM_RSA_E),
         *d = get(OSSL_PKEY_PARAM_RSA_D), *p = get(OSSL_PKEY_PARAM_RSA_FACTOR1),
         *q = get(OSSL_PKEY_PARAM_RSA_FACTOR2), *dp = get(OSSL_PKEY_PARAM_RSA_EXPONENT1),
         *dq = get(OSSL_PKEY_PARAM_RSA_EXPONENT2);
  BN_CTX* ctx = BN_CTX_new();
  BIGNUM* qinv = BN_mod_inverse(nullptr, p, q, ctx);  // new q is old p, new p is old q
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, d);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, q);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, p);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, dq);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, dp);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qinv);
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* pctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  EVP_PKEY* out = nullptr;
  if (EVP_PKEY_fromdata_init(pctx) != 1 ||
      EVP_PKEY_fromdata(pctx, &out, EVP_PKEY_KEYPAIR, params) != 1) {
    out = nullptr;
  }
  EVP_PKEY_CTX_free(pctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_CTX_free(ctx);
  for (BIGNUM* b : {n, e, d, p, q, dp, dq, qinv}) {
    BN_clear_free(b);
  }
  return PkeyPtr(out);
}

// PrimesAscending reports p < q for the key's stored factor order.
inline bool PrimesAscending(const EVP_PKEY* key) {
  size_t half = static_cast<size_t>(EVP_PKEY_get_size(key)) / 2;
  return BnBytes(key, OSSL_PKEY_PARAM_RSA_FACTOR1, half) <
         BnBytes(key, OSSL_PKEY_PARAM_RSA_FACTOR2, half);
}

}  // namespace rcas::crypto::testing
