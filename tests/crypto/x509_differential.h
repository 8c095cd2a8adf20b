#pragma once
// Helpers of the certificate differential tests (x509_fast_test.cc, x509_mutation_test.cc):
// the vector PKI, re-signing edited certificates with the AC root key, and the comparison of
// the fast check with the OpenSSL-only reference.

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <functional>
#include <map>
#include <optional>

#include "crypto/cert_leaf.h"
#include "crypto/ossl_ptr.h"
#include "crypto/x509.h"
#include "crypto/x509_issue.h"
#include "tests/common/vectors.h"
#include "tests/crypto/cert_resign.h"

namespace rcas::crypto::testing {

inline constexpr int64_t kInside = 1767225600;  // 2026-01-01, inside the vector PKI's window
inline constexpr CamId kVectorCamId = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
inline constexpr CassId kVectorCassId = {0x00, 0x00, 0x00, 0x0a};

// VectorPki is tests/data/vectors/pki: the AC root with its key and the CAM key, loaded once.
struct VectorPki {
  TrustAnchor root;
  RsaPrivateKey root_key;
  RsaPrivateKey cam_key;
  CertIssuer issuer;
  Bytes cam_cert;
  static const VectorPki& Get();
};

// KeyPairingIdOf is CAM_ID ‖ a fixed DSC_ID.
inline Bytes KeyPairingIdOf(const CamId& cam_id) {
  Bytes id(cam_id.begin(), cam_id.end());
  id.resize(kKeyPairingIdLen, 0x42);
  return id;
}

// Reissue applies `edit` to OpenSSL's parse of `cert` and signs the result with `key` and `md`
// (empty if the edit or signing fails).
Bytes Reissue(ByteView cert, const RsaPrivateKey& key, const std::function<bool(X509*)>& edit,
              const EVP_MD* md = EVP_sha256());

// Differential runs both checks on each certificate, for a CAM relying party at `now` and a
// CASS one with and without trusted time, and expects the same reason, ID and subject key.
// It counts what the fast path decided itself, by reason.
class Differential {
 public:
  explicit Differential(const TrustAnchor& root) : root_(root) {}
  void Compare(ByteView cert, int64_t now = kInside);
  int compared() const { return compared_; }
  int decided() const;
  int decided(CertCheck reason) const;

 private:
  const TrustAnchor& root_;
  int compared_ = 0;
  std::map<CertCheck, int> decided_;
};

// Definitions.
namespace internal {

template <typename T>
T Must(Result<T> r) {
  if (!r) {
    throw std::runtime_error(r.error());
  }
  return std::move(*r);
}

template <typename R>
void ExpectSame(const R& fast, const R& reference, ByteView cert, const char* who) {
  EXPECT_EQ(CertCheckName(fast.reason), CertCheckName(reference.reason))
      << who << " certificate " << ToHex(cert);
  EXPECT_EQ(fast.id, reference.id) << who;
  ASSERT_EQ(fast.subject_key.has_value(), reference.subject_key.has_value()) << who;
  if (fast.subject_key) {
    EXPECT_EQ(EVP_PKEY_eq(fast.subject_key->get(), reference.subject_key->get()), 1) << who;
  }
}

}  // namespace internal

inline const VectorPki& VectorPki::Get() {
  static const VectorPki* pki = [] {
    using rcas::testing::ReadFile;
    TrustAnchor anchor =
        internal::Must(TrustAnchor::FromPem(ReadFile("vectors/pki/ac-root.cert.pem")));
    RsaPrivateKey anchor_key =
        internal::Must(RsaPrivateKey::FromPem(ReadFile("vectors/pki/ac-root.key.pem")));
    RsaPrivateKey cam = internal::Must(RsaPrivateKey::FromPem(ReadFile("vectors/pki/cam.key.pem")));
    CertIssuer signer = internal::Must(CertIssuer::Create(anchor, anchor_key));
    Bytes cert = internal::Must(CertificatePemToDer(ReadFile("vectors/pki/cam.cert.pem")));
    return new VectorPki{anchor, anchor_key, cam, signer, cert};
  }();
  return *pki;
}

inline Bytes Reissue(ByteView cert, const RsaPrivateKey& key,
                     const std::function<bool(X509*)>& edit, const EVP_MD* md) {
  const unsigned char* p = cert.data();
  X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(cert.size())));  // NOLINT
  if (!x || !edit(x.get()) || X509_sign(x.get(), key.get(), md) <= 0) {
    return {};
  }
  return CertDer(x.get());
}

inline void Differential::Compare(ByteView cert, int64_t now) {
  ++compared_;
  const Bytes kpid = KeyPairingIdOf(kVectorCamId);
  internal::ExpectSame(CheckCamCertificate(root_, cert, kpid, now),
                       CheckCamCertificateReference(root_, cert, kpid, now), cert, "CAM");
  internal::ExpectSame(CheckCassCertificate(root_, cert, kVectorCassId, now),
                       CheckCassCertificateReference(root_, cert, kVectorCassId, now), cert,
                       "CASS");
  internal::ExpectSame(CheckCassCertificate(root_, cert, kVectorCassId, std::nullopt),
                       CheckCassCertificateReference(root_, cert, kVectorCassId, std::nullopt),
                       cert, "CASS without time");
  CamId id{};
  const LeafRules cam_rules{kKeyUsageDigitalSignature | kKeyUsageKeyEncipherment, now};
  if (auto fast = CheckLeafFast(root_, cert, cam_rules, id)) {
    ++decided_[fast->reason];
  }
}

inline int Differential::decided() const {
  int n = 0;
  for (const auto& [reason, count] : decided_) {
    n += count;
  }
  return n;
}

inline int Differential::decided(CertCheck reason) const {
  auto it = decided_.find(reason);
  return it == decided_.end() ? 0 : it->second;
}

}  // namespace rcas::crypto::testing
