// Mutants of CAM certificates through the fast check and the OpenSSL-only reference: every
// truncation, bit flips and length changes of the whole certificate (the signature then fails
// or the DER breaks), and random edits of the TBS re-signed by the AC root key, which reach the
// checks after the signature. Both must give the same reason, ID and subject key.

#include <gtest/gtest.h>

#include <random>

#include "tests/crypto/x509_differential.h"

namespace rcas::crypto::testing {
namespace {

constexpr int kResignedEdits = 800;
constexpr int kResignedResizes = 100;

// Bases: the vector CAM certificate and one the issuer makes now (another encoder).
std::vector<Bytes> Bases() {
  const VectorPki& pki = VectorPki::Get();
  auto issued = pki.issuer.Issue(pki.cam_key.Public(),
                                 CamCertSpec(kVectorCamId, "Op", {1735689600, 4102444800}));
  return {pki.cam_cert, *issued};
}

TEST(CertMutation, EveryTruncation) {
  Differential diff(VectorPki::Get().root);
  for (const Bytes& base : Bases()) {
    for (size_t len = 0; len < base.size() && !HasFailure(); ++len) {
      diff.Compare(ByteView(base).first(len));
    }
  }
  EXPECT_EQ(diff.decided(), 0);  // a truncated certificate is never DER
}

TEST(CertMutation, BitFlipsAndLengthChanges) {
  Differential diff(VectorPki::Get().root);
  for (const Bytes& base : Bases()) {
    for (size_t i = 0; i < base.size() && !HasFailure(); ++i) {
      // One bit flip and one length-style change (+1 or -1) per octet.
      Bytes flipped = base;
      flipped[i] ^= static_cast<uint8_t>(1u << (i % 8));
      diff.Compare(flipped);
      Bytes stepped = base;
      stepped[i] = static_cast<uint8_t>(i % 2 == 0 ? stepped[i] + 1 : stepped[i] - 1);
      diff.Compare(stepped);
    }
  }
  EXPECT_GT(diff.decided(CertCheck::kBadSignature), 1000);
}

// Edit changes one random TBS octet (bit flip, random value or +/-1) or inserts or deletes one.
Bytes Edit(Bytes tbs, std::mt19937& rng, bool resize) {
  std::uniform_int_distribution<size_t> pos(0, tbs.size() - 1);
  std::uniform_int_distribution<int> kind(0, 3);
  std::uniform_int_distribution<int> octet(0, 255);
  const size_t i = pos(rng);
  if (resize) {
    if (kind(rng) < 2) {
      tbs.erase(tbs.begin() + static_cast<ptrdiff_t>(i));
    } else {
      tbs.insert(tbs.begin() + static_cast<ptrdiff_t>(i), static_cast<uint8_t>(octet(rng)));
    }
    return tbs;
  }
  switch (kind(rng)) {
    case 0:
      tbs[i] ^= static_cast<uint8_t>(1u << (octet(rng) % 8));
      break;
    case 1:
      tbs[i] = static_cast<uint8_t>(octet(rng));
      break;
    case 2:
      ++tbs[i];
      break;
    default:
      --tbs[i];
      break;
  }
  return tbs;
}

TEST(CertMutation, ResignedTbsEdits) {
  const VectorPki& pki = VectorPki::Get();
  Differential diff(pki.root);
  std::mt19937 rng(20261124);  // fixed: a failure names its certificate and reproduces
  for (const Bytes& base : Bases()) {
    const Bytes tbs = TbsOf(base);
    ASSERT_FALSE(tbs.empty());
    for (int n = 0; n < kResignedEdits + kResignedResizes && !HasFailure(); ++n) {
      diff.Compare(Resign(Edit(tbs, rng, n >= kResignedEdits), pki.root_key));
    }
  }
  // The walk decides re-signed edits past the signature, not only the broken ones.
  EXPECT_GT(diff.decided(CertCheck::kOk), 0);
  EXPECT_GT(diff.decided(CertCheck::kValidity) + diff.decided(CertCheck::kKeyUsage) +
                diff.decided(CertCheck::kSerialNumberFormat),
            0);
}

}  // namespace
}  // namespace rcas::crypto::testing
