#include "crypto/hash.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstdlib>

namespace rcas::crypto {
namespace {

// Fetched once: EVP_MD_fetch per call costs more than a short hash.
const EVP_MD* Sha1Md() {
  static const EVP_MD* md = EVP_sha1();
  return md;
}
const EVP_MD* Sha256Md() {
  static const EVP_MD* md = EVP_sha256();
  return md;
}

template <size_t N>
std::array<uint8_t, N> Digest(const EVP_MD* md, std::initializer_list<ByteView> parts) {
  std::array<uint8_t, N> out{};
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned int len = 0;
  bool ok = ctx != nullptr && EVP_DigestInit_ex(ctx, md, nullptr) == 1;
  for (ByteView p : parts) {
    ok = ok && EVP_DigestUpdate(ctx, p.data(), p.size()) == 1;
  }
  ok = ok && EVP_DigestFinal_ex(ctx, out.data(), &len) == 1 && len == N;
  EVP_MD_CTX_free(ctx);
  if (!ok) {
    std::abort();  // only on allocation failure inside OpenSSL
  }
  return out;
}

}  // namespace

Sha1Digest Sha1(std::initializer_list<ByteView> parts) { return Digest<kSha1Len>(Sha1Md(), parts); }

Sha256Digest Sha256(std::initializer_list<ByteView> parts) {
  return Digest<kSha256Len>(Sha256Md(), parts);
}

Sha1Digest HmacSha1(ByteView key, std::initializer_list<ByteView> parts) {
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  Sha1Digest out{};
  char digest_name[] = "SHA1";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                         OSSL_PARAM_construct_end()};
  EVP_MAC_CTX* ctx = mac != nullptr ? EVP_MAC_CTX_new(mac) : nullptr;
  size_t len = 0;
  bool ok = ctx != nullptr && EVP_MAC_init(ctx, key.data(), key.size(), params) == 1;
  for (ByteView p : parts) {
    ok = ok && EVP_MAC_update(ctx, p.data(), p.size()) == 1;
  }
  ok = ok && EVP_MAC_final(ctx, out.data(), &len, out.size()) == 1 && len == kSha1Len;
  EVP_MAC_CTX_free(ctx);
  if (!ok) {
    std::abort();
  }
  return out;
}

bool ConstantTimeEqual(ByteView a, ByteView b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace rcas::crypto
