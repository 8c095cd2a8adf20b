// VerifyPkcs1Sha256Batch (crypto/rsa_verify_batch.h) gives RsaPublicKey::VerifyPkcs1Sha256's
// verdict for every job: valid signatures, a flipped bit in the signature or the message, the
// wrong key, wrong lengths, a signature >= n, mixed key sizes, every batch size up to two
// kernel runs, and the PROFILE test vectors' CASS key.

#include "crypto/rsa_verify_batch.h"

#include <gtest/gtest.h>

#include <vector>

#include "crypto/random.h"
#include "tests/common/vectors.h"

namespace rcas::crypto {
namespace {

struct Signer {
  RsaPrivateKey key;
  RsaBatchPublicKey pub;
};

std::unique_ptr<Signer> NewSigner(int bits) {
  auto key = RsaPrivateKey::Generate(bits);
  EXPECT_TRUE(key.ok());
  RsaPublicKey pub = key->Public();
  return std::make_unique<Signer>(Signer{std::move(key.value()), RsaBatchPublicKey(pub)});
}

struct Case {
  Bytes msg, sig;
  const Signer* signer;
  bool ok = false;
};

// ExpectAgrees runs the batch and compares each verdict with OpenSSL's and with `want`.
void ExpectAgrees(std::vector<Case>& cases, const std::vector<bool>& want) {
  std::vector<RsaVerifyJob> jobs;
  for (Case& c : cases) {
    jobs.push_back({&c.signer->pub, c.msg, c.sig, &c.ok});
  }
  VerifyPkcs1Sha256Batch(jobs);
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(cases[i].ok, cases[i].signer->pub.key().VerifyPkcs1Sha256(cases[i].msg, cases[i].sig))
        << i;
    EXPECT_EQ(cases[i].ok, want[i]) << i;
  }
}

Case Signed(const Signer& s, size_t len) {
  Case c;
  c.msg.resize(len);
  RandomBytes(c.msg);
  c.sig = s.key.SignPkcs1Sha256(c.msg);
  c.signer = &s;
  return c;
}

TEST(RsaVerifyBatchTest, KernelKeyWhereTheCpuHasIfma) {
  const auto s = NewSigner(2048);
  EXPECT_EQ(s->pub.ifma() != nullptr, IfmaAvailable());
}

TEST(RsaVerifyBatchTest, EveryBatchSizeAgreesWithOpenSsl) {
  const auto s = NewSigner(2048);
  for (size_t n = 0; n <= 17; ++n) {
    std::vector<Case> cases;
    std::vector<bool> want;
    for (size_t i = 0; i < n; ++i) {
      cases.push_back(Signed(*s, 10 + i * 37));
      want.push_back(i % 3 != 1);
      if (i % 3 == 1) {
        cases.back().sig[i % cases.back().sig.size()] ^= 0x10;  // a flipped bit
      }
    }
    ExpectAgrees(cases, want);
  }
}

TEST(RsaVerifyBatchTest, WrongMessageWrongKeyWrongLengthAndTooLargeFail) {
  const auto a = NewSigner(2048);
  const auto b = NewSigner(2048);
  std::vector<Case> cases;
  for (int i = 0; i < 8; ++i) {
    cases.push_back(Signed(*a, 64));
  }
  cases[1].msg[0] ^= 1;                                       // message changed
  cases[2].signer = b.get();                                  // another key
  cases[3].sig.pop_back();                                    // one octet short
  cases[4].sig.push_back(0);                                  // one octet long
  std::fill(cases[5].sig.begin(), cases[5].sig.end(), 0xff);  // >= n
  cases[6].sig.assign(cases[6].sig.size(), 0);                // zero
  ExpectAgrees(cases, {true, false, false, false, false, false, false, true});
}

TEST(RsaVerifyBatchTest, MixedKeySizesAreGroupedAndAllVerified) {
  const auto s1024 = NewSigner(1024);
  const auto s2048 = NewSigner(2048);
  const auto s3072 = NewSigner(3072);
  std::vector<Case> cases;
  std::vector<bool> want;
  for (int i = 0; i < 20; ++i) {
    const Signer& s = i % 3 == 0 ? *s1024 : i % 3 == 1 ? *s2048 : *s3072;
    cases.push_back(Signed(s, 100));
    want.push_back(i % 5 != 0);
    if (i % 5 == 0) {
      cases.back().msg.push_back(1);
    }
  }
  ExpectAgrees(cases, want);
}

TEST(RsaVerifyBatchTest, ProfileVectorCassKeyVerifiesItsSignatures) {
  auto key = RsaPrivateKey::FromPem(rcas::testing::ReadFile("vectors/pki/cass.key.pem"));
  ASSERT_TRUE(key.ok());
  RsaBatchPublicKey pub(key.value().Public());
  Signer s{std::move(key.value()), std::move(pub)};
  std::vector<Case> cases;
  for (int i = 0; i < 8; ++i) {
    cases.push_back(Signed(s, 200));
  }
  ExpectAgrees(cases, std::vector<bool>(8, true));
}

}  // namespace
}  // namespace rcas::crypto
