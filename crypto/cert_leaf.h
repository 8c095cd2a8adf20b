#pragma once
// The leaf-certificate checks shared by CheckCamCertificate and CheckCassCertificate
// (PROFILE §10.4, §23 item 7), in two implementations with the same verdicts: a strict DER walk
// (cert_fast.cc) for the certificates the AC issues, and the OpenSSL-only reference
// (cert_reference.cc) that decides everything the walk leaves open. Internal to crypto/.

#include <cstdint>
#include <optional>

#include "crypto/bytes.h"
#include "crypto/x509.h"

namespace rcas::crypto {

struct LeafRules {
  uint32_t required_key_usage;
  std::optional<int64_t> now;  // nullopt: validity not checked
};

// LeafOutcome is what a leaf check found: on kOk the subject serialNumber decoded into the
// caller's ID and the subject key.
struct LeafOutcome {
  CertCheck reason = CertCheck::kMalformed;
  std::optional<RsaPublicKey> subject_key;
};

// CheckLeafFast decides the certificates its strict walk understands completely and returns
// nullopt for every other input (non-DER, other extensions, issuer bytes not the root's, ...),
// which the caller hands to CheckLeafReference. `id` is filled on kOk. Thread-safe.
std::optional<LeafOutcome> CheckLeafFast(const TrustAnchor& root, ByteView der,
                                         const LeafRules& rules, MutableByteView id);

// CheckLeafReference runs the same checks on OpenSSL's parse (d2i_X509, the extension cache,
// X509_verify). Thread-safe; allocates.
LeafOutcome CheckLeafReference(const TrustAnchor& root, ByteView der, const LeafRules& rules,
                               MutableByteView id);

// ParseCertificateDer is d2i_X509 that accepts exactly one v3 certificate and nothing after it.
X509* ParseCertificateDer(ByteView der);

// IsSha256WithRsa checks the outer algorithm and that the signed TBS copy agrees with it.
bool IsSha256WithRsa(const X509* cert);

}  // namespace rcas::crypto
