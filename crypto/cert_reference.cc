// The OpenSSL-only leaf check (cert_leaf.h): the reference the fast path is tested against and
// the fallback for every certificate the fast path does not decide.

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <ctime>

#include "crypto/cert_leaf.h"
#include "crypto/ossl_ptr.h"

namespace rcas::crypto {
namespace {

static_assert(kKeyUsageDigitalSignature == X509v3_KU_DIGITAL_SIGNATURE);
static_assert(kKeyUsageKeyEncipherment == X509v3_KU_KEY_ENCIPHERMENT);
static_assert(kKeyUsageKeyCertSign == X509v3_KU_KEY_CERT_SIGN);
static_assert(kKeyUsageCrlSign == X509v3_KU_CRL_SIGN);

bool WithinValidity(const X509* cert, int64_t now) {
  const auto t = static_cast<time_t>(now);
  int not_before = ASN1_TIME_cmp_time_t(X509_get0_notBefore(cert), t);
  int not_after = ASN1_TIME_cmp_time_t(X509_get0_notAfter(cert), t);
  return (not_before == -1 || not_before == 0) && (not_after == 1 || not_after == 0);
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

}  // namespace

X509* ParseCertificateDer(ByteView der) {
  const unsigned char* p = der.data();
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));  // NOLINT
  if (!cert || p != der.data() + der.size() || X509_get_version(cert.get()) != X509_VERSION_3) {
    ERR_clear_error();
    return nullptr;
  }
  return cert.release();
}

bool IsSha256WithRsa(const X509* cert) {
  const X509_ALGOR* outer = nullptr;
  X509_get0_signature(nullptr, &outer, cert);
  return X509_get_signature_nid(cert) == NID_sha256WithRSAEncryption && outer != nullptr &&
         X509_ALGOR_cmp(outer, X509_get0_tbs_sigalg(cert)) == 0;
}

LeafOutcome CheckLeafReference(const TrustAnchor& root, ByteView der, const LeafRules& rules,
                               MutableByteView id) {
  LeafOutcome r;
  X509Ptr cert(ParseCertificateDer(der));
  if (!cert) {
    r.reason = CertCheck::kMalformed;
    return r;
  }
  X509* c = cert.get();
  // Computing the extension cache also flags duplicate or undecodable extensions.
  const uint32_t flags = X509_get_extension_flags(c);
  if ((flags & EXFLAG_INVALID) != 0) {
    r.reason = CertCheck::kMalformed;
  } else if (!IsSha256WithRsa(c)) {
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
  } else if (!SubjectSerialNumberId(c, id)) {
    r.reason = CertCheck::kSerialNumberFormat;
  } else {
    r.reason = CertCheck::kOk;
  }
  if (r.reason != CertCheck::kOk) {
    r.subject_key.reset();
    ERR_clear_error();
  }
  return r;
}

}  // namespace rcas::crypto
