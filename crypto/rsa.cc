#include "crypto/rsa.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "crypto/hash.h"
#include "crypto/ossl_ptr.h"

namespace rcas::crypto {
namespace {

constexpr int kMinGenerateBits = 1024;  // tests make small keys to prove they are refused
constexpr int kMaxBits = 16384;

bool IsRsa(const EVP_PKEY* key) { return key != nullptr && EVP_PKEY_is_a(key, "RSA") == 1; }

// NoPassword refuses encrypted PEM instead of prompting on the terminal.
int NoPassword(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) { return -1; }

// PkeyCtx makes a one-use context; EVP_PKEY_CTX is not shareable between threads, the key is.
EvpPkeyCtxPtr PkeyCtx(EVP_PKEY* key) {
  return EvpPkeyCtxPtr(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
}

// SetOaepSha256 selects RSAES-OAEP with SHA-256, MGF1-SHA-256 and the empty label (PROFILE §8).
bool SetOaepSha256(EVP_PKEY_CTX* ctx) {
  return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) > 0 &&
         EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256()) > 0 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) > 0;
}

bool SetPkcs1Sha256(EVP_PKEY_CTX* ctx) {
  return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
         EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) > 0;
}

// Rejected inputs leave entries on the thread's OpenSSL error queue; drop them so they neither
// pile up nor reveal why a decryption failed.
template <typename T>
T Fail(T value) {
  ERR_clear_error();
  return value;
}

// OwnRsa takes ownership of what a reader returned and accepts it only if it is an RSA key.
Result<std::shared_ptr<EVP_PKEY>> OwnRsa(EVP_PKEY* key, const char* missing) {
  if (key == nullptr) {
    return Fail(Error{missing});
  }
  std::shared_ptr<EVP_PKEY> owned = SharedPkey(key);
  if (!IsRsa(key)) {
    return Error{"key is not RSA"};
  }
  return owned;
}

size_t KeySize(const EVP_PKEY* key) { return static_cast<size_t>(EVP_PKEY_get_size(key)); }

}  // namespace

Result<RsaPublicKey> RsaPublicKey::FromSpkiDer(ByteView der) {
  const unsigned char* p = der.data();
  auto key = OwnRsa(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())),  // NOLINT
                    "SubjectPublicKeyInfo does not parse");
  if (!key) {
    return Error{key.error()};
  }
  if (p != der.data() + der.size()) {
    return Error{"trailing octets after SubjectPublicKeyInfo"};
  }
  return RsaPublicKey(std::move(*key));
}

Result<RsaPublicKey> RsaPublicKey::FromPem(std::string_view pem) {
  BioPtr bio = MemBio(pem.data(), pem.size());
  auto key = OwnRsa(bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, NoPassword, nullptr) : nullptr,
                    "no PEM PUBLIC KEY found");
  if (!key) {
    return Error{key.error()};
  }
  return RsaPublicKey(std::move(*key));
}

Result<RsaPublicKey> RsaPublicKey::Adopt(EVP_PKEY* key) {
  if (!IsRsa(key)) {
    return Error{"key is not RSA"};
  }
  if (EVP_PKEY_up_ref(key) != 1) {
    return Fail(Error{"EVP_PKEY_up_ref failed"});
  }
  return RsaPublicKey(SharedPkey(key));
}

bool RsaPublicKey::VerifyPkcs1Sha256(ByteView msg, ByteView signature) const {
  // A short or long signature is never valid; checking here keeps OpenSSL from seeing it.
  if (signature.size() != KeySize(key_.get())) {
    return false;
  }
  Sha256Digest digest = Sha256(msg);
  EvpPkeyCtxPtr ctx = PkeyCtx(key_.get());
  bool ok = ctx && EVP_PKEY_verify_init(ctx.get()) == 1 && SetPkcs1Sha256(ctx.get()) &&
            EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(), digest.data(),
                            digest.size()) == 1;
  return ok ? true : Fail(false);
}

Result<Bytes> RsaPublicKey::EncryptOaepSha256(ByteView plain) const {
  EvpPkeyCtxPtr ctx = PkeyCtx(key_.get());
  Bytes out(KeySize(key_.get()));
  size_t out_len = out.size();
  bool ok = ctx && EVP_PKEY_encrypt_init(ctx.get()) == 1 && SetOaepSha256(ctx.get()) &&
            EVP_PKEY_encrypt(ctx.get(), out.data(), &out_len, plain.data(), plain.size()) == 1 &&
            out_len == out.size();
  if (!ok) {
    return Fail(Error{"OAEP encryption failed (plaintext too long for the key?)"});
  }
  return out;
}

int RsaPublicKey::bits() const { return EVP_PKEY_get_bits(key_.get()); }

Bytes RsaPublicKey::SpkiDer() const {
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(key_.get(), &der);  // SPKI, not a certificate: no CertDer
  if (len <= 0) {
    return Fail(Bytes{});
  }
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

Result<RsaPrivateKey> RsaPrivateKey::Generate(int bits) {
  if (bits < kMinGenerateBits || bits > kMaxBits) {
    return Error{"RSA key size out of range"};
  }
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  unsigned int e = 65537;  // PROFILE §8
  size_t nbits = static_cast<size_t>(bits);
  OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_PKEY_PARAM_RSA_BITS, &nbits),
                         OSSL_PARAM_construct_uint(OSSL_PKEY_PARAM_RSA_E, &e),
                         OSSL_PARAM_construct_end()};
  EVP_PKEY* key = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_params(ctx.get(), params) != 1 || EVP_PKEY_generate(ctx.get(), &key) != 1) {
    return Fail(Error{"RSA key generation failed"});
  }
  return RsaPrivateKey(SharedPkey(key));
}

Result<RsaPrivateKey> RsaPrivateKey::FromPem(std::string_view pem) {
  BioPtr bio = MemBio(pem.data(), pem.size());
  // Decodes both "PRIVATE KEY" (PKCS#8) and "RSA PRIVATE KEY" (PKCS#1).
  auto key =
      OwnRsa(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassword, nullptr) : nullptr,
             "no unencrypted PEM private key found");
  if (!key) {
    return Error{key.error()};
  }
  return RsaPrivateKey(std::move(*key));
}

std::string RsaPrivateKey::ToPem() const {
  // Secure-heap BIO: the PEM text is wiped when the BIO is freed.
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Fail(std::string());
  }
  return BioContents(bio.get());
}

Bytes RsaPrivateKey::SignPkcs1Sha256(ByteView msg) const {
  Sha256Digest digest = Sha256(msg);
  EvpPkeyCtxPtr ctx = PkeyCtx(key_.get());
  Bytes sig(KeySize(key_.get()));
  size_t sig_len = sig.size();
  bool ok = ctx && EVP_PKEY_sign_init(ctx.get()) == 1 && SetPkcs1Sha256(ctx.get()) &&
            EVP_PKEY_sign(ctx.get(), sig.data(), &sig_len, digest.data(), digest.size()) == 1 &&
            sig_len == sig.size();
  return ok ? sig : Fail(Bytes{});
}

std::optional<SecretBytes> RsaPrivateKey::DecryptOaepSha256(ByteView cipher) const {
  const size_t n = KeySize(key_.get());
  if (cipher.size() != n) {
    return std::nullopt;
  }
  EvpPkeyCtxPtr ctx = PkeyCtx(key_.get());
  SecretBytes out(n);
  size_t out_len = n;
  bool ok = ctx && EVP_PKEY_decrypt_init(ctx.get()) == 1 && SetOaepSha256(ctx.get()) &&
            EVP_PKEY_decrypt(ctx.get(), out.data(), &out_len, cipher.data(), cipher.size()) == 1;
  if (!ok) {
    return Fail(std::optional<SecretBytes>());
  }
  OPENSSL_cleanse(out.data() + out_len, n - out_len);  // resize() would not wipe the tail
  out.resize(out_len);
  return out;
}

RsaPublicKey RsaPrivateKey::Public() const { return RsaPublicKey(key_); }

int RsaPrivateKey::bits() const { return EVP_PKEY_get_bits(key_.get()); }

}  // namespace rcas::crypto
