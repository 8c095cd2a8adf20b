#pragma once
// RSA-2048 with OpenSSL 3: RSASSA-PKCS1-v1_5/SHA-256 signatures and
// RSAES-OAEP (SHA-256, MGF1-SHA-256, empty label) encryption (PROFILE §8).
// Key objects are immutable after construction and safe to share between
// threads (OpenSSL 3 EVP_PKEY operations are thread-safe on const keys).

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/bytes.h"
#include "crypto/result.h"
#include "crypto/secret.h"

using EVP_PKEY = struct evp_pkey_st;

namespace rcas::crypto {

inline constexpr size_t kRsaLen = 256;  // RSA-2048 modulus, signature and OAEP block

// RsaPublicKey verifies signatures and encrypts to a CAM.
class RsaPublicKey {
 public:
  // FromSpkiDer parses a DER SubjectPublicKeyInfo; RSA keys only.
  static Result<RsaPublicKey> FromSpkiDer(ByteView der);
  // FromPem parses a PEM "PUBLIC KEY".
  static Result<RsaPublicKey> FromPem(std::string_view pem);
  // Adopt takes one reference to an existing EVP_PKEY (must be RSA).
  static Result<RsaPublicKey> Adopt(EVP_PKEY* key);

  // VerifyPkcs1Sha256 checks an RSASSA-PKCS1-v1_5/SHA-256 signature over `msg`.
  bool VerifyPkcs1Sha256(ByteView msg, ByteView signature) const;
  // EncryptOaepSha256 returns a modulus-sized ciphertext (randomised).
  Result<Bytes> EncryptOaepSha256(ByteView plain) const;

  int bits() const;
  Bytes SpkiDer() const;
  EVP_PKEY* get() const { return key_.get(); }

 private:
  friend class RsaPrivateKey;  // Public() shares the key object
  explicit RsaPublicKey(std::shared_ptr<EVP_PKEY> key) : key_(std::move(key)) {}
  std::shared_ptr<EVP_PKEY> key_;
};

// RsaPrivateKey signs and decrypts. The key material stays inside OpenSSL,
// which wipes it on free.
class RsaPrivateKey {
 public:
  // Generate makes a fresh key with e = 65537.
  static Result<RsaPrivateKey> Generate(int bits = 2048);
  // FromPem reads an unencrypted PKCS#8 or PKCS#1 PEM private key.
  static Result<RsaPrivateKey> FromPem(std::string_view pem);
  // ToPem writes unencrypted PKCS#8 PEM.
  std::string ToPem() const;

  // SignPkcs1Sha256 returns the RSASSA-PKCS1-v1_5/SHA-256 signature of `msg`
  // (key-sized); empty only if OpenSSL fails internally.
  Bytes SignPkcs1Sha256(ByteView msg) const;
  // DecryptOaepSha256 returns the plaintext, or nullopt on any failure (the
  // caller answers Status 0x84 without learning why, PROFILE §14).
  std::optional<SecretBytes> DecryptOaepSha256(ByteView cipher) const;

  RsaPublicKey Public() const;
  int bits() const;
  EVP_PKEY* get() const { return key_.get(); }

 private:
  explicit RsaPrivateKey(std::shared_ptr<EVP_PKEY> key) : key_(std::move(key)) {}
  std::shared_ptr<EVP_PKEY> key_;
};

}  // namespace rcas::crypto
