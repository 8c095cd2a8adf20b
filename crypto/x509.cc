#include "crypto/x509.h"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <ctime>

#include "crypto/ossl_ptr.h"

namespace rcas::crypto {
namespace {

static_assert(kKeyUsageDigitalSignature == X509v3_KU_DIGITAL_SIGNATURE);
static_assert(kKeyUsageKeyEncipherment == X509v3_KU_KEY_ENCIPHERMENT);
static_assert(kKeyUsageKeyCertSign == X509v3_KU_KEY_CERT_SIGN);
static_assert(kKeyUsageCrlSign == X509v3_KU_CRL_SIGN);

// ParseDer accepts exactly one DER certificate with nothing after it.
X509Ptr ParseDer(ByteView der) {
  const unsigned char* p = der.data();
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));  // NOLINT
  if (!cert || p != der.data() + der.size() || X509_get_version(cert.get()) != X509_VERSION_3) {
    ERR_clear_error();
    return nullptr;
  }
  return cert;
}

// Sha256WithRsa checks the outer algorithm and that the signed tbs copy agrees with it.
bool Sha256WithRsa(const X509* cert) {
  const X509_ALGOR* outer = nullptr;
  X509_get0_signature(nullptr, &outer, cert);
  return X509_get_signature_nid(cert) == NID_sha256WithRSAEncryption && outer != nullptr &&
         X509_ALGOR_cmp(outer, X509_get0_tbs_sigalg(cert)) == 0;
}

bool WithinValidity(const X509* cert, int64_t now) {
  const auto t = static_cast<time_t>(now);
  int not_before = ASN1_TIME_cmp_time_t(X509_get0_notBefore(cert), t);
  int not_after = ASN1_TIME_cmp_time_t(X509_get0_notAfter(cert), t);
  return (not_before == -1 || not_before == 0) && (not_after == 1 || not_after == 0);
}

bool UnixTime(const ASN1_TIME* t, int64_t* out) {
  struct tm tm = {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) {
    return false;
  }
  *out = static_cast<int64_t>(timegm(&tm));
  return true;
}

bool IsUpperHex(unsigned char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); }

// SubjectSerialNumberId decodes the one subject serialNumber (2.5.4.5): a PrintableString of
// exactly 2 * out.size() upper-case hex digits (PROFILE §10.3).
bool SubjectSerialNumberId(const X509* cert, MutableByteView out) {
  const X509_NAME* name = X509_get_subject_name(cert);
  int idx = X509_NAME_get_index_by_NID(name, NID_serialNumber, -1);
  if (idx < 0 || X509_NAME_get_index_by_NID(name, NID_serialNumber, idx) >= 0) {
    return false;
  }
  const ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
  if (ASN1_STRING_type(s) != V_ASN1_PRINTABLESTRING ||
      static_cast<size_t>(ASN1_STRING_length(s)) != 2 * out.size()) {
    return false;
  }
  const unsigned char* text = ASN1_STRING_get0_data(s);
  if (!std::all_of(text, text + 2 * out.size(), IsUpperHex)) {
    return false;
  }
  auto id = FromHex({reinterpret_cast<const char*>(text), 2 * out.size()});
  std::copy(id->begin(), id->end(), out.begin());
  return true;
}

// ProfileSubjectKey is the subject key if it is RSA-2048 (PROFILE §10.1).
std::optional<RsaPublicKey> ProfileSubjectKey(X509* cert) {
  EVP_PKEY* key = X509_get0_pubkey(cert);
  if (key == nullptr || EVP_PKEY_get_bits(key) != kProfileRsaBits) {
    return std::nullopt;
  }
  auto adopted = RsaPublicKey::Adopt(key);
  if (!adopted) {
    return std::nullopt;
  }
  return std::move(*adopted);
}

struct LeafRules {
  uint32_t required_key_usage;
  std::optional<int64_t> now;  // nullopt: validity not checked
};

// CheckLeaf runs the checks shared by CAM and CASS certificates and fills the ID and key.
template <typename Id>
CertCheckResult<Id> CheckLeaf(const TrustAnchor& root, ByteView der, const LeafRules& rules) {
  CertCheckResult<Id> r;
  X509Ptr cert = ParseDer(der);
  if (!cert) {
    r.reason = CertCheck::kMalformed;
    return r;
  }
  X509* c = cert.get();
  // Computing the extension cache also flags duplicate or undecodable extensions.
  const uint32_t flags = X509_get_extension_flags(c);
  if ((flags & EXFLAG_INVALID) != 0) {
    r.reason = CertCheck::kMalformed;
  } else if (!Sha256WithRsa(c)) {
    r.reason = CertCheck::kSignatureAlgorithm;
  } else if (X509_NAME_cmp(X509_get_issuer_name(c), X509_get_subject_name(root.get())) != 0) {
    r.reason = CertCheck::kIssuer;
  } else if (X509_verify(c, root.public_key().get()) != 1) {
    r.reason = CertCheck::kBadSignature;
  } else if ((flags & EXFLAG_CRITICAL) != 0) {
    r.reason = CertCheck::kCriticalExtension;
  } else if (rules.now && !WithinValidity(c, *rules.now)) {
    r.reason = CertCheck::kValidity;
  } else if ((flags & EXFLAG_CA) != 0) {
    r.reason = CertCheck::kCaLeaf;
  } else if ((flags & EXFLAG_KUSAGE) == 0 ||
             (X509_get_key_usage(c) & rules.required_key_usage) != rules.required_key_usage ||
             (X509_get_key_usage(c) & (kKeyUsageKeyCertSign | kKeyUsageCrlSign)) != 0) {
    r.reason = CertCheck::kKeyUsage;
  } else if (r.subject_key = ProfileSubjectKey(c); !r.subject_key) {
    r.reason = CertCheck::kSubjectKey;
  } else if (!SubjectSerialNumberId(c, r.id)) {
    r.reason = CertCheck::kSerialNumberFormat;
  } else {
    r.reason = CertCheck::kOk;
  }
  if (!r.ok()) {
    r.subject_key.reset();
    ERR_clear_error();
  }
  return r;
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
  X509Ptr cert = ParseDer(der);
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!cert || !bio || PEM_write_bio_X509(bio.get(), cert.get()) != 1) {
    ERR_clear_error();
    return Error{"not one X.509 v3 DER certificate"};
  }
  return BioContents(bio.get());
}

Result<TrustAnchor> TrustAnchor::FromDer(ByteView der) {
  X509Ptr cert = ParseDer(der);
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
  if ((flags & EXFLAG_INVALID) != 0 || !Sha256WithRsa(c)) {
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
  return TrustAnchor(std::move(cert), std::move(*key), validity);
}

Bytes TrustAnchor::Der() const { return CertDer(cert_.get()); }

CamCertResult CheckCamCertificate(const TrustAnchor& root, ByteView der, ByteView key_pairing_id,
                                  int64_t now, ByteView cam_id_field) {
  auto r = CheckLeaf<CamId>(
      root, der, {kKeyUsageDigitalSignature | kKeyUsageKeyEncipherment, std::optional(now)});
  if (!r.ok()) {
    return r;
  }
  // PROFILE §10.4: KeyPairingID[0..7] == CAM_ID, and the fast-mode cAMID[0..7] too.
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

CassCertResult CheckCassCertificate(const TrustAnchor& root, ByteView der,
                                    ByteView announced_cass_id,
                                    std::optional<int64_t> trusted_now) {
  auto r = CheckLeaf<CassId>(root, der, {kKeyUsageDigitalSignature, trusted_now});
  if (r.ok() &&
      !std::equal(r.id.begin(), r.id.end(), announced_cass_id.begin(), announced_cass_id.end())) {
    r.reason = CertCheck::kIdBinding;
    r.subject_key.reset();
  }
  return r;
}

}  // namespace rcas::crypto
