#include "crypto/rsa_ifma.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "tests/crypto/rsa_ifma_peer.h"
#include "tests/crypto/rsa_ifma_testing.h"

namespace rcas::crypto {
namespace {

using testing::GenerateRsa;
using testing::Modulus;
using testing::PkeyPtr;
using testing::RandomBelowModulus;
using testing::RawRsa;

struct TestKey {
  PkeyPtr pkey;
  std::unique_ptr<IfmaRsaKey> ifma;
  std::unique_ptr<IfmaRsaPublicKey> pub;
};

TestKey Prepare(PkeyPtr pkey) {
  TestKey k;
  k.pkey = std::move(pkey);
  auto priv = IfmaRsaKey::Create(k.pkey.get());
  auto pub = IfmaRsaPublicKey::Create(k.pkey.get());
  EXPECT_TRUE(priv.ok()) << (priv.ok() ? "" : priv.error());
  EXPECT_TRUE(pub.ok());
  if (priv.ok() && pub.ok()) {
    k.ifma = std::move(priv.value());
    k.pub = std::move(pub.value());
  }
  return k;
}

std::vector<TestKey> MakeKeys(int bits, int count) {
  std::vector<TestKey> keys;
  for (int i = 0; i < count; ++i) {
    keys.push_back(Prepare(GenerateRsa(bits)));
  }
  return keys;
}

std::vector<IfmaEngine> Engines() {
  std::vector<IfmaEngine> e = {IfmaEngine::kScalar};
  if (IfmaAvailable()) {
    e.push_back(IfmaEngine::kAvx512);
  }
  return e;
}

// RunPrivate signs inputs[i] with keys[key_of[i]] in one batch and compares every lane with
// OpenSSL's raw private operation.
void ExpectPrivateMatches(const std::vector<TestKey>& keys, const std::vector<size_t>& key_of,
                          const std::vector<Bytes>& inputs, IfmaEngine engine) {
  const size_t lanes = inputs.size();
  std::vector<const IfmaRsaKey*> kp;
  std::vector<ByteView> in;
  std::vector<Bytes> out(lanes);
  std::vector<MutableByteView> outv;
  for (size_t i = 0; i < lanes; ++i) {
    kp.push_back(keys[key_of[i]].ifma.get());
    in.emplace_back(inputs[i]);
    out[i].resize(kp.back()->size());
    outv.emplace_back(out[i]);
  }
  const uint32_t ok = IfmaRsaPrivate(kp, in, outv, engine);
  EXPECT_EQ(ok, (1u << lanes) - 1);
  for (size_t i = 0; i < lanes; ++i) {
    EXPECT_EQ(ToHex(out[i]), ToHex(RawRsa(keys[key_of[i]].pkey.get(), inputs[i], true)))
        << "lane " << i << " engine " << static_cast<int>(engine);
  }
}

void DifferentialRun(int bits, int key_count, int rounds) {
  std::vector<TestKey> keys = MakeKeys(bits, key_count);
  for (IfmaEngine engine : Engines()) {
    const int engine_rounds = engine == IfmaEngine::kScalar ? 1 : rounds;
    for (int r = 0; r < engine_rounds; ++r) {
      std::vector<size_t> key_of;
      std::vector<Bytes> inputs;
      for (size_t lane = 0; lane < kIfmaLanes; ++lane) {
        key_of.push_back((lane + static_cast<size_t>(r)) % keys.size());
        inputs.push_back(RandomBelowModulus(keys[key_of.back()].pkey.get()));
      }
      ExpectPrivateMatches(keys, key_of, inputs, engine);
    }
  }
}

TEST(RsaIfma, Rsa2048EightLanesWithDifferentKeysMatchOpenSsl) {
  DifferentialRun(2048, testing::Soak() ? 200 : 8, testing::Soak() ? 2000 : 40);
}

TEST(RsaIfma, Rsa1024EightLanesWithDifferentKeysMatchOpenSsl) {
  DifferentialRun(1024, testing::Soak() ? 1000 : 24, testing::Soak() ? 4000 : 60);
}

TEST(RsaIfma, Rsa3072EightLanesMatchOpenSsl) { DifferentialRun(3072, 2, 4); }

TEST(RsaIfma, EdgeValuesZeroOneAndModulusMinusOne) {
  std::vector<TestKey> keys = MakeKeys(2048, 2);
  keys.push_back(Prepare(testing::SwapPrimes(keys[0].pkey.get())));
  for (IfmaEngine engine : Engines()) {
    for (size_t k = 0; k < keys.size(); ++k) {
      Bytes n = Modulus(keys[k].pkey.get());
      Bytes zero(n.size(), 0), one(n.size(), 0), n_minus_1 = n, n_minus_2 = n;
      one.back() = 1;
      n_minus_1.back() -= 1;  // n is odd
      n_minus_2.back() -= 2;
      std::vector<Bytes> inputs = {zero, one, n_minus_1, n_minus_2, zero, one, n_minus_1, one};
      ExpectPrivateMatches(keys, std::vector<size_t>(inputs.size(), k), inputs, engine);
    }
  }
}

TEST(RsaIfma, PrimesInEitherOrderGiveTheSameResult) {
  TestKey key = Prepare(GenerateRsa(2048));
  TestKey swapped = Prepare(testing::SwapPrimes(key.pkey.get()));
  ASSERT_NE(testing::PrimesAscending(key.pkey.get()), testing::PrimesAscending(swapped.pkey.get()));
  std::vector<TestKey> keys;
  keys.push_back(std::move(key));
  keys.push_back(std::move(swapped));
  for (IfmaEngine engine : Engines()) {
    for (int r = 0; r < 4; ++r) {
      std::vector<Bytes> inputs;
      std::vector<size_t> key_of;
      for (size_t lane = 0; lane < kIfmaLanes; ++lane) {
        key_of.push_back(lane % 2);
        inputs.push_back(RandomBelowModulus(keys[0].pkey.get()));
      }
      ExpectPrivateMatches(keys, key_of, inputs, engine);
    }
  }
}

TEST(RsaIfma, PartialBatchesOfOneToEightLanes) {
  std::vector<TestKey> keys = MakeKeys(1024, 3);
  for (IfmaEngine engine : Engines()) {
    for (size_t lanes = 1; lanes <= kIfmaLanes; ++lanes) {
      std::vector<Bytes> inputs;
      std::vector<size_t> key_of;
      for (size_t lane = 0; lane < lanes; ++lane) {
        key_of.push_back(lane % keys.size());
        inputs.push_back(RandomBelowModulus(keys[key_of.back()].pkey.get()));
      }
      ExpectPrivateMatches(keys, key_of, inputs, engine);
    }
  }
}

// One key in every lane draws a blinding pair per lane; fresh pairs are made eight at a time
// with one inversion after 32 uses each, so 100 batches cross that refill three times. A wrong
// pair would fail the public-key check and the comparison.
TEST(RsaIfma, BlindingPairsStayValidAcrossRefills) {
  std::vector<TestKey> keys = MakeKeys(1024, 1);
  const IfmaEngine engine = Engines().back();
  for (int r = 0; r < 100; ++r) {
    std::vector<Bytes> inputs;
    for (size_t lane = 0; lane < kIfmaLanes; ++lane) {
      inputs.push_back(RandomBelowModulus(keys[0].pkey.get()));
    }
    ExpectPrivateMatches(keys, std::vector<size_t>(kIfmaLanes, 0), inputs, engine);
    if (HasFailure()) {
      FAIL() << "batch " << r;
    }
  }
}

TEST(RsaIfma, InputNotBelowModulusFailsOnlyItsLane) {
  std::vector<TestKey> keys = MakeKeys(1024, 1);
  const IfmaRsaKey* k = keys[0].ifma.get();
  Bytes n = Modulus(keys[0].pkey.get()), good = RandomBelowModulus(keys[0].pkey.get());
  Bytes all_ones(n.size(), 0xff), short_input(n.size() - 1, 1);
  for (IfmaEngine engine : Engines()) {
    std::array<const IfmaRsaKey*, 4> kp = {k, k, k, k};
    std::array<ByteView, 4> in = {good, n, all_ones, short_input};
    std::array<Bytes, 4> out;
    std::array<MutableByteView, 4> outv;
    for (size_t i = 0; i < 4; ++i) {
      out[i].resize(k->size());
      outv[i] = out[i];
    }
    EXPECT_EQ(IfmaRsaPrivate(kp, in, outv, engine), 1u);
    EXPECT_EQ(out[0], RawRsa(keys[0].pkey.get(), good, true));
  }
}

TEST(RsaIfma, CorruptedCrtExponentIsCaughtByThePublicKeyCheck) {
  std::vector<TestKey> keys = MakeKeys(1024, 2);
  IfmaRsaKeyPeer::FlipDpBit(*keys[1].ifma, 100);
  for (IfmaEngine engine : Engines()) {
    std::vector<const IfmaRsaKey*> kp = {keys[0].ifma.get(), keys[1].ifma.get()};
    Bytes a = RandomBelowModulus(keys[0].pkey.get()), b = RandomBelowModulus(keys[1].pkey.get());
    std::vector<ByteView> in = {a, b};
    Bytes oa(128), ob(128);
    std::vector<MutableByteView> out = {oa, ob};
    EXPECT_EQ(IfmaRsaPrivate(kp, in, out, engine), 1u) << "lane 1 must fail its check";
  }
}

TEST(RsaIfma, PublicOperationMatchesOpenSsl) {
  for (int bits : {1024, 2048}) {
    std::vector<TestKey> keys = MakeKeys(bits, 3);
    for (IfmaEngine engine : Engines()) {
      std::vector<const IfmaRsaPublicKey*> kp;
      std::vector<Bytes> inputs, out(kIfmaLanes);
      std::vector<ByteView> in;
      std::vector<MutableByteView> outv;
      for (size_t lane = 0; lane < kIfmaLanes; ++lane) {
        kp.push_back(keys[lane % keys.size()].pub.get());
        inputs.push_back(RandomBelowModulus(keys[lane % keys.size()].pkey.get()));
        out[lane].resize(kp.back()->size());
      }
      inputs[1].assign(inputs[1].size(), 0);  // 0^e = 0
      for (size_t lane = 0; lane < kIfmaLanes; ++lane) {
        in.emplace_back(inputs[lane]);
        outv.emplace_back(out[lane]);
      }
      EXPECT_EQ(IfmaRsaPublic(kp, in, outv, engine), 0xffu);
      for (size_t lane = 0; lane < kIfmaLanes; ++lane) {
        EXPECT_EQ(out[lane], RawRsa(keys[lane % keys.size()].pkey.get(), inputs[lane], false));
      }
    }
  }
}

TEST(RsaIfma, UnsupportedShapesAreRefused) {
  PkeyPtr odd = GenerateRsa(1536);
  EXPECT_FALSE(IfmaRsaKey::Create(odd.get()).ok());
  EXPECT_FALSE(IfmaRsaPublicKey::Create(odd.get()).ok());
  EXPECT_FALSE(IfmaRsaKey::Create(nullptr).ok());
}

TEST(RsaIfma, MixedKeySizesInOneBatchAreRejected) {
  TestKey a = Prepare(GenerateRsa(1024)), b = Prepare(GenerateRsa(2048));
  std::vector<const IfmaRsaKey*> kp = {a.ifma.get(), b.ifma.get()};
  Bytes x(128, 1), y(256, 1), ox(128), oy(256);
  std::vector<ByteView> in = {x, y};
  std::vector<MutableByteView> out = {ox, oy};
  EXPECT_EQ(IfmaRsaPrivate(kp, in, out, IfmaEngine::kScalar), 0u);
}

}  // namespace
}  // namespace rcas::crypto
