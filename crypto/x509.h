#pragma once
// Certificate checks of PROFILE §10.4 and §23 item 7: a CAM or CASS certificate chains directly
// to the single AC root, carries its identity in the subject serialNumber and is bound to the
// identity the peer announced. Every failure answers Status 0x05 (PROFILE §14).

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/bytes.h"
#include "crypto/result.h"
#include "crypto/rsa.h"

using X509 = struct x509_st;

namespace rcas::crypto {

inline constexpr size_t kCamIdLen = 8;
inline constexpr size_t kCassIdLen = 4;
inline constexpr size_t kDscIdLen = 40;
inline constexpr size_t kKeyPairingIdLen = kCamIdLen + kDscIdLen;  // PROFILE §2.2
inline constexpr int kProfileRsaBits = 2048;                       // PROFILE §4.3
using CamId = std::array<uint8_t, kCamIdLen>;
using CassId = std::array<uint8_t, kCassIdLen>;

// Validity is a notBefore..notAfter window in Unix seconds, bounds included (RFC 5280
// §4.1.2.5; issuance writes UTCTime before 2050, then GeneralizedTime).
struct Validity {
  int64_t not_before = 0;
  int64_t not_after = 0;
};

// keyUsage bits (RFC 5280 §4.2.1.3), numerically OpenSSL's X509v3_KU_* values.
enum KeyUsage : uint32_t {
  kKeyUsageDigitalSignature = 0x0080,
  kKeyUsageKeyEncipherment = 0x0020,
  kKeyUsageKeyCertSign = 0x0004,
  kKeyUsageCrlSign = 0x0002,
};

// Reasons a certificate check fails, in the order they are tested: nothing inside the
// certificate is interpreted before its signature verified. Tokens bad-signature, key-usage,
// serial-number-format, validity, id-binding and ca-leaf are the `expected.reason` strings of
// tests/data/vectors/certs.json.
#define RCAS_CERT_CHECK_REASONS(X)                                                        \
  X(kOk, "ok")                                                                            \
  X(kMalformed, "malformed")                     /* not exactly one X.509 v3 DER cert */  \
  X(kSignatureAlgorithm, "signature-algorithm")  /* not sha256WithRSAEncryption */        \
  X(kIssuer, "issuer")                           /* issuer name is not the root's */      \
  X(kBadSignature, "bad-signature")              /* not signed by the AC root key */      \
  X(kCriticalExtension, "critical-extension")    /* unknown critical extension */         \
  X(kValidity, "validity")                       /* outside notBefore..notAfter */        \
  X(kCaLeaf, "ca-leaf")                          /* leaf with basicConstraints cA */      \
  X(kKeyUsage, "key-usage")                      /* required bits missing, CA bits set */ \
  X(kSubjectKey, "subject-key")                  /* subject key not RSA-2048 */           \
  X(kSerialNumberFormat, "serial-number-format") /* subject serialNumber rules */         \
  X(kIdBinding, "id-binding")                    /* ID differs from the announced one */

enum class CertCheck : uint8_t {
#define RCAS_CERT_ENUM(name, token) name,
  RCAS_CERT_CHECK_REASONS(RCAS_CERT_ENUM)
#undef RCAS_CERT_ENUM
};

// CertCheckName returns the reason token ("bad-signature", ...).
std::string_view CertCheckName(CertCheck reason);

// CertCheckStatus is the Status code to answer: 0x00 for kOk, else 0x05 (PROFILE §23 item 7).
constexpr uint8_t CertCheckStatus(CertCheck reason) { return reason == CertCheck::kOk ? 0 : 0x05; }

// CertCheckResult is the outcome of one check: on kOk, the identity taken from the subject
// serialNumber and the subject public key; otherwise only `reason` is meaningful.
template <typename Id>
struct CertCheckResult {
  CertCheck reason = CertCheck::kMalformed;
  Id id{};
  std::optional<RsaPublicKey> subject_key;
  bool ok() const { return reason == CertCheck::kOk; }
};
using CamCertResult = CertCheckResult<CamId>;
using CassCertResult = CertCheckResult<CassId>;

// TrustAnchor is the parsed AC root certificate, made once and reused for every check.
// Immutable after construction and safe to share between threads.
class TrustAnchor {
 public:
  // FromDer / FromPem accept only a self-signed RSA (>= 2048 bits) root with basicConstraints
  // cA and keyUsage keyCertSign + digitalSignature (PROFILE §10.2); the error says why not.
  static Result<TrustAnchor> FromDer(ByteView der);
  static Result<TrustAnchor> FromPem(std::string_view pem);

  const RsaPublicKey& public_key() const { return key_; }
  X509* get() const { return cert_.get(); }
  // validity is the root's own window; leaves should not outlast it.
  const Validity& validity() const { return validity_; }
  // Der is the root certificate's DER encoding.
  Bytes Der() const;
  // subject_der is the root's subject Name as encoded in the root certificate.
  ByteView subject_der() const { return subject_der_; }

 private:
  TrustAnchor(std::shared_ptr<X509> cert, RsaPublicKey key, Validity validity, Bytes subject_der)
      : cert_(std::move(cert)),
        key_(std::move(key)),
        validity_(validity),
        subject_der_(std::move(subject_der)) {}
  static Result<TrustAnchor> FromX509(std::shared_ptr<X509> cert);

  std::shared_ptr<X509> cert_;
  RsaPublicKey key_;
  Validity validity_;
  Bytes subject_der_;
};

// CheckCamCertificate runs the CASS-side checks of PROFILE §10.4 on a DER CAM certificate:
// chain to `root`, validity at `now` (Unix seconds), keyUsage digitalSignature +
// keyEncipherment, serialNumber of 16 upper-case hex digits, and the binding
// KeyPairingID[0..7] == CAM_ID. `cam_id_field` is the fast-mode cAMID (40 octets); when not
// empty its first 8 octets must equal CAM_ID too. Thread-safe; allocates (the subject key).
// Certificates shaped as the AC issues them are decided by a strict DER walk; every other input
// by the OpenSSL parse of the reference below, with the same verdicts (docs/x509.md).
CamCertResult CheckCamCertificate(const TrustAnchor& root, ByteView der, ByteView key_pairing_id,
                                  int64_t now, ByteView cam_id_field = {});

// CheckCamCertificateReference is CheckCamCertificate on OpenSSL's parser alone (d2i_X509, the
// extension cache, X509_verify): the reference for tests, fuzzing and benchmarks.
CamCertResult CheckCamCertificateReference(const TrustAnchor& root, ByteView der,
                                           ByteView key_pairing_id, int64_t now,
                                           ByteView cam_id_field = {});

// CheckCassCertificate runs the CAM-side checks of PROFILE §10.4 on a DER CASS certificate:
// chain to `root`, keyUsage digitalSignature, serialNumber of 8 upper-case hex digits and
// CASS_ID == `announced_cass_id` (the cASSUniqueID acted on). Validity is checked only when
// `trusted_now` is given (a CAM without trusted time skips it).
CassCertResult CheckCassCertificate(const TrustAnchor& root, ByteView der,
                                    ByteView announced_cass_id, std::optional<int64_t> trusted_now);

// CheckCassCertificateReference is CheckCassCertificate on OpenSSL's parser alone.
CassCertResult CheckCassCertificateReference(const TrustAnchor& root, ByteView der,
                                             ByteView announced_cass_id,
                                             std::optional<int64_t> trusted_now);

// CertificatePemToDer returns the DER of the first PEM "CERTIFICATE" in `pem`.
Result<Bytes> CertificatePemToDer(std::string_view pem);

// CertificateDerToPem returns the PEM "CERTIFICATE" text of a DER certificate.
Result<std::string> CertificateDerToPem(ByteView der);

}  // namespace rcas::crypto
