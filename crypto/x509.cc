#include "crypto/x509.h"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <ctime>

#include "crypto/cert_leaf.h"
#include "crypto/ossl_ptr.h"

namespace rcas::crypto {
namespace {

bool UnixTime(const ASN1_TIME* t, int64_t* out) {
  struct tm tm = {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) {
    return false;
  }
  *out = static_cast<int64_t>(timegm(&tm));
  return true;
}

// SubjectDer is the root subject's encoding as received, the issuer octets the fast path
// compares leaves against.
Bytes SubjectDer(X509* cert) {
  unsigned char* der = nullptr;
  int len = i2d_X509_NAME(X509_get_subject_name(cert), &der);
  if (len <= 0) {
    return {};
  }
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

// CheckLeaf runs the fast path and hands what it leaves open to the OpenSSL reference.
template <typename Id>
CertCheckResult<Id> CheckLeaf(const TrustAnchor& root, ByteView der, const LeafRules& rules,
                              bool reference_only) {
  CertCheckResult<Id> r;
  std::optional<LeafOutcome> leaf;
  if (!reference_only) {
    leaf = CheckLeafFast(root, der, rules, r.id);
  }
  if (!leaf) {
    leaf = CheckLeafReference(root, der, rules, r.id);
  }
  r.reason = leaf->reason;
  r.subject_key = std::move(leaf->subject_key);
  return r;
}

// BindCam applies PROFILE §10.4: KeyPairingID[0..7] == CAM_ID, and the fast-mode cAMID[0..7] too.
CamCertResult BindCam(CamCertResult r, ByteView key_pairing_id, ByteView cam_id_field) {
  if (!r.ok()) {
    return r;
  }
  const bool bound =
      key_pairing_id.size() == kKeyPairingIdLen &&
      std::equal(r.id.begin(), r.id.end(), key_pairing_id.begin()) &&
      (cam_id_field.empty() || (cam_id_field.size() >= kCamIdLen &&
                                std::equal(r.id.begin(), r.id.end(), cam_id_field.begin())));
  if (!bound) {
    r.reason = CertCheck::kIdBinding;
    r.subject_key.reset();
  }
  return r;
}

CassCertResult BindCass(CassCertResult r, ByteView announced_cass_id) {
  if (r.ok() &&
      !std::equal(r.id.begin(), r.id.end(), announced_cass_id.begin(), announced_cass_id.end())) {
    r.reason = CertCheck::kIdBinding;
    r.subject_key.reset();
  }
  return r;
}

constexpr LeafRules CamRules(int64_t now) {
  return {kKeyUsageDigitalSignature | kKeyUsageKeyEncipherment, std::optional(now)};
}

constexpr LeafRules CassRules(std::optional<int64_t> trusted_now) {
  return {kKeyUsageDigitalSignature, trusted_now};
}

}  // namespace

std::string_view CertCheckName(CertCheck reason) {
  switch (reason) {
#define RCAS_CERT_NAME(name, token) \
  case CertCheck::name:             \
    return token;
    RCAS_CERT_CHECK_REASONS(RCAS_CERT_NAME)
#undef RCAS_CERT_NAME
  }
  return "unknown";
}

Result<Bytes> CertificatePemToDer(std::string_view pem) {
  BioPtr bio = MemBio(pem.data(), pem.size());
  X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  Bytes der = CertDer(cert.get());
  if (der.empty()) {
    ERR_clear_error();
    return Error{"no PEM CERTIFICATE found"};
  }
  return der;
}

Result<std::string> CertificateDerToPem(ByteView der) {
  X509Ptr cert(ParseCertificateDer(der));
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!cert || !bio || PEM_write_bio_X509(bio.get(), cert.get()) != 1) {
    ERR_clear_error();
    return Error{"not one X.509 v3 DER certificate"};
  }
  return BioContents(bio.get());
}

Result<TrustAnchor> TrustAnchor::FromDer(ByteView der) {
  X509Ptr cert(ParseCertificateDer(der));
  if (!cert) {
    return Error{"AC root is not one X.509 v3 DER certificate"};
  }
  return FromX509(std::shared_ptr<X509>(cert.release(), X509_free));
}

Result<TrustAnchor> TrustAnchor::FromPem(std::string_view pem) {
  auto der = CertificatePemToDer(pem);
  if (!der) {
    return Error{der.error()};
  }
  return FromDer(*der);
}

Result<TrustAnchor> TrustAnchor::FromX509(std::shared_ptr<X509> cert) {
  X509* c = cert.get();
  EVP_PKEY* pkey = X509_get0_pubkey(c);
  auto key = pkey != nullptr ? RsaPublicKey::Adopt(pkey) : Result<RsaPublicKey>(Error{"no key"});
  if (!key || key->bits() < kProfileRsaBits) {
    return Error{"AC root key is not RSA of at least 2048 bits"};
  }
  const uint32_t flags = X509_get_extension_flags(c);
  const uint32_t root_usage = kKeyUsageKeyCertSign | kKeyUsageDigitalSignature;
  if ((flags & EXFLAG_INVALID) != 0 || !IsSha256WithRsa(c)) {
    return Error{"AC root is malformed or not sha256WithRSAEncryption"};
  }
  if (X509_NAME_cmp(X509_get_issuer_name(c), X509_get_subject_name(c)) != 0 ||
      X509_verify(c, pkey) != 1) {
    ERR_clear_error();
    return Error{"AC root is not self-signed"};
  }
  if ((flags & EXFLAG_CA) == 0 || (flags & EXFLAG_KUSAGE) == 0 ||
      (X509_get_key_usage(c) & root_usage) != root_usage) {
    return Error{"AC root lacks cA or keyCertSign + digitalSignature (PROFILE §10.2)"};
  }
  Validity validity;
  if (!UnixTime(X509_get0_notBefore(c), &validity.not_before) ||
      !UnixTime(X509_get0_notAfter(c), &validity.not_after)) {
    return Error{"AC root validity does not parse"};
  }
  Bytes subject = SubjectDer(c);
  if (subject.empty()) {
    return Error{"AC root subject does not encode"};
  }
  return TrustAnchor(std::move(cert), std::move(*key), validity, std::move(subject));
}

Bytes TrustAnchor::Der() const { return CertDer(cert_.get()); }

CamCertResult CheckCamCertificate(const TrustAnchor& root, ByteView der, ByteView key_pairing_id,
                                  int64_t now, ByteView cam_id_field) {
  return BindCam(CheckLeaf<CamId>(root, der, CamRules(now), false), key_pairing_id, cam_id_field);
}

CamCertResult CheckCamCertificateReference(const TrustAnchor& root, ByteView der,
                                           ByteView key_pairing_id, int64_t now,
                                           ByteView cam_id_field) {
  return BindCam(CheckLeaf<CamId>(root, der, CamRules(now), true), key_pairing_id, cam_id_field);
}

CassCertResult CheckCassCertificate(const TrustAnchor& root, ByteView der,
                                    ByteView announced_cass_id,
                                    std::optional<int64_t> trusted_now) {
  return BindCass(CheckLeaf<CassId>(root, der, CassRules(trusted_now), false), announced_cass_id);
}

CassCertResult CheckCassCertificateReference(const TrustAnchor& root, ByteView der,
                                             ByteView announced_cass_id,
                                             std::optional<int64_t> trusted_now) {
  return BindCass(CheckLeaf<CassId>(root, der, CassRules(trusted_now), true), announced_cass_id);
}

}  // namespace rcas::crypto
