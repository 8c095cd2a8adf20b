#pragma once
// Owning smart pointers for OpenSSL objects used by rsa.cc and the x509 files, so every early
// return frees what it allocated.

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>
#include <vector>

namespace rcas::crypto {

template <auto kFree>
struct OsslDeleter {
  template <typename T>
  void operator()(T* p) const {
    kFree(p);
  }
};

using BioPtr = std::unique_ptr<BIO, OsslDeleter<BIO_free_all>>;
using BignumPtr = std::unique_ptr<BIGNUM, OsslDeleter<BN_free>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OsslDeleter<EVP_PKEY_free>>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OsslDeleter<EVP_PKEY_CTX_free>>;
using X509Ptr = std::unique_ptr<X509, OsslDeleter<X509_free>>;
using X509NamePtr = std::unique_ptr<X509_NAME, OsslDeleter<X509_NAME_free>>;
using Asn1BitStringPtr = std::unique_ptr<ASN1_BIT_STRING, OsslDeleter<ASN1_BIT_STRING_free>>;
using Asn1IntegerPtr = std::unique_ptr<ASN1_INTEGER, OsslDeleter<ASN1_INTEGER_free>>;
using BasicConstraintsPtr = std::unique_ptr<BASIC_CONSTRAINTS, OsslDeleter<BASIC_CONSTRAINTS_free>>;

// MemBio is a read-only BIO over `data` (no copy; `data` must outlive it).
inline BioPtr MemBio(const void* data, size_t len) {
  return BioPtr(BIO_new_mem_buf(data, static_cast<int>(len)));
}

// BioContents copies out what was written to a memory BIO.
inline std::string BioContents(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);  // NOLINT(google-runtime-int): OpenSSL's type
  return len > 0 ? std::string(data, static_cast<size_t>(len)) : std::string();
}

// CertDer is the DER encoding of `cert`; empty if OpenSSL cannot encode it.
inline std::vector<uint8_t> CertDer(X509* cert) {
  unsigned char* der = nullptr;
  int len = cert != nullptr ? i2d_X509(cert, &der) : -1;
  if (len <= 0) {
    return {};
  }
  std::vector<uint8_t> out(der, der + len);
  OPENSSL_free(der);
  return out;
}

// SharedPkey wraps one EVP_PKEY reference for the shared_ptr members of rsa.h.
inline std::shared_ptr<EVP_PKEY> SharedPkey(EVP_PKEY* key) {
  return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

}  // namespace rcas::crypto
