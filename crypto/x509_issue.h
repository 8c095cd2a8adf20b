#pragma once
// Certificate issuance for the PKI tool and tests (PROFILE §10.1-§10.3): the self-signed AC root
// and the CAM and CASS leaf certificates it signs, shaped like tests/data/vectors/pki/*.pem.
// Not used on any packet path.

#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/bytes.h"
#include "crypto/result.h"
#include "crypto/rsa.h"
#include "crypto/x509.h"

namespace rcas::crypto {

// CertSpec is everything a certificate states besides its keys and issuer. Tests change
// fields of the CAM/CASS specs below to make certificates that must fail a check.
struct CertSpec {
  std::string organization;   // subject O (UTF8String); empty: omitted
  std::string common_name;    // subject CN (UTF8String); empty: omitted
  std::string serial_number;  // subject serialNumber (PrintableString); empty: omitted
  uint32_t key_usage = 0;     // KeyUsage bits, critical extension
  bool ca = false;            // basicConstraints cA, critical extension
  Validity validity;
};

// CamCertSpec is a CAM certificate: CN "RCAS CAM <HEX16>", serialNumber = 16 upper-case hex
// digits of CAM_ID, keyUsage digitalSignature + keyEncipherment, cA FALSE (PROFILE §10.3).
CertSpec CamCertSpec(const CamId& cam_id, std::string_view organization, Validity validity);

// CassCertSpec is a CASS certificate: CN "RCAS CASS <HEX8>", serialNumber = 8 upper-case hex
// digits of CASS_ID, keyUsage digitalSignature, cA FALSE (PROFILE §10.3).
CertSpec CassCertSpec(const CassId& cass_id, std::string_view organization, Validity validity);

// RootCertSpec is the AC root: cA TRUE, keyUsage keyCertSign + digitalSignature (PROFILE §10.2).
CertSpec RootCertSpec(std::string_view organization, std::string_view common_name,
                      Validity validity);

// IssueRootCertificate returns the DER of a self-signed root for `key` (sha256WithRSAEncryption,
// random positive 128-bit serial).
Result<Bytes> IssueRootCertificate(const RsaPrivateKey& key, const CertSpec& spec);

// CertIssuer signs leaf certificates with the AC root key. Immutable; thread-safe.
class CertIssuer {
 public:
  // Create fails unless `key` is the private key of `root`.
  static Result<CertIssuer> Create(TrustAnchor root, RsaPrivateKey key);

  // Issue returns the DER of a certificate for `subject_key` as `spec` says, issued by the root.
  Result<Bytes> Issue(const RsaPublicKey& subject_key, const CertSpec& spec) const;

  const TrustAnchor& root() const { return root_; }
  const RsaPrivateKey& key() const { return key_; }

 private:
  CertIssuer(TrustAnchor root, RsaPrivateKey key) : root_(std::move(root)), key_(std::move(key)) {}
  TrustAnchor root_;
  RsaPrivateKey key_;
};

// UpperHex is the upper-case hex of `id`, as the subject serialNumber writes it.
std::string UpperHex(ByteView id);

}  // namespace rcas::crypto
