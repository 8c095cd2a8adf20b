// AcResultCache on its own: what matches, stage 2, replacement, the bound, expiry on the wheel
// and erase (PROFILE §16.5, §23 item 17).
#include "control/ac_result_cache.h"

#include <gtest/gtest.h>

#include "crypto/random.h"

namespace rcas::control {
namespace {

constexpr uint64_t kStart = 1'000'000;
constexpr uint64_t kTtl = 24ull * 3600 * 1000;
const storage::DscId kDsc = {0xD5};
const crypto::Sha256Digest kCert = crypto::Sha256(Bytes{1, 2, 3});

crypto::CamId Cam(uint64_t n) {
  crypto::CamId id;
  StoreBe64(id.data(), n);
  return id;
}

AcResult Stage1(uint64_t cam) {
  AcResult r;
  r.cam_id = Cam(cam);
  r.ok = true;
  for (size_t j = 0; j < kTriplets; ++j) {
    crypto::RandomBytes(r.rand_ac[j]);
    crypto::RandomBytes(r.kc[j].mutable_view());
  }
  crypto::RandomBytes(r.kpk.mutable_view());
  r.sign_kpk = Bytes(256, 0x5A);
  return r;
}

TEST(AcResultCacheTest, KeepsStageOneMaterialForTheSamePairingCertificateAndVersion) {
  AcResultCache cache(8, kTtl, kStart);
  const AcResult r = Stage1(1);
  const uint64_t gen = cache.Put(r, kDsc, kCert, 7, kStart);
  EXPECT_NE(gen, 0u);
  const CachedAuth* a = cache.Find(Cam(1), kDsc, kCert, 7);
  ASSERT_NE(a, nullptr);
  EXPECT_FALSE(a->stage2_ok);
  AcResult filled;
  a->Fill(filled);
  EXPECT_TRUE(filled.ok);
  EXPECT_EQ(filled.rand_ac, r.rand_ac);
  for (size_t j = 0; j < kTriplets; ++j) {
    EXPECT_EQ(ToHex(filled.kc[j].view()), ToHex(r.kc[j].view()));
  }
  EXPECT_EQ(ToHex(filled.kpk.view()), ToHex(r.kpk.view()));
  EXPECT_EQ(filled.sign_kpk, r.sign_kpk);
  // Another pairing, certificate or deliverVersion must go to the AC.
  storage::DscId other_dsc = kDsc;
  other_dsc[39] = 1;
  EXPECT_EQ(cache.Find(Cam(1), other_dsc, kCert, 7), nullptr);
  EXPECT_EQ(cache.Find(Cam(1), kDsc, crypto::Sha256(Bytes{9}), 7), nullptr);
  EXPECT_EQ(cache.Find(Cam(1), kDsc, kCert, 8), nullptr);
  EXPECT_EQ(cache.Find(Cam(2), kDsc, kCert, 7), nullptr);
  AcResult refused = Stage1(3);
  refused.ok = false;
  EXPECT_EQ(cache.Put(refused, kDsc, kCert, 7, kStart), 0u);  // refusals are never kept
  EXPECT_EQ(cache.size(), 1u);
}

TEST(AcResultCacheTest, StageTwoIsMarkedOnlyForTheMaterialItFollowed) {
  AcResultCache cache(8, kTtl, kStart);
  const uint64_t first = cache.Put(Stage1(1), kDsc, kCert, 7, kStart);
  const uint64_t second = cache.Put(Stage1(1), kDsc, kCert, 7, kStart + 10);  // replaces
  EXPECT_NE(first, second);
  EXPECT_EQ(cache.size(), 1u);
  const storage::VersionField hw = {0, 0, 0, 1};
  const storage::VersionField sw = {0, 0, 0, 2};
  EXPECT_FALSE(cache.MarkStage2(Cam(1), first, hw, sw, 7));
  EXPECT_FALSE(cache.Find(Cam(1), kDsc, kCert, 7)->stage2_ok);
  EXPECT_TRUE(cache.MarkStage2(Cam(1), second, hw, sw, 9));  // the campaign moved meanwhile
  EXPECT_EQ(cache.Find(Cam(1), kDsc, kCert, 7), nullptr);
  const CachedAuth* a = cache.Find(Cam(1), kDsc, kCert, 9);
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(a->stage2_ok);
  EXPECT_EQ(a->hw, hw);
  EXPECT_EQ(a->sw, sw);
  EXPECT_FALSE(cache.MarkStage2(Cam(2), second, hw, sw, 9));
}

TEST(AcResultCacheTest, BoundedTheOldestGoesFirst) {
  AcResultCache cache(3, kTtl, kStart);
  for (uint64_t cam = 1; cam <= 3; ++cam) {
    cache.Put(Stage1(cam), kDsc, kCert, 7, kStart + cam);
  }
  cache.Put(Stage1(1), kDsc, kCert, 7, kStart + 4);  // refilled: now the youngest
  cache.Put(Stage1(4), kDsc, kCert, 7, kStart + 5);
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.stats().evicted, 1u);
  EXPECT_EQ(cache.Find(Cam(2), kDsc, kCert, 7), nullptr);
  EXPECT_NE(cache.Find(Cam(1), kDsc, kCert, 7), nullptr);
  EXPECT_NE(cache.Find(Cam(3), kDsc, kCert, 7), nullptr);
  EXPECT_NE(cache.Find(Cam(4), kDsc, kCert, 7), nullptr);

  AcResultCache off(0, kTtl, kStart);
  EXPECT_EQ(off.Put(Stage1(1), kDsc, kCert, 7, kStart), 0u);
  EXPECT_EQ(off.size(), 0u);
}

TEST(AcResultCacheTest, EntriesExpireAfterTheTtlOnTheWheelAndEraseDropsAtOnce) {
  AcResultCache cache(8, kTtl, kStart);
  cache.Put(Stage1(1), kDsc, kCert, 7, kStart);
  cache.Put(Stage1(2), kDsc, kCert, 7, kStart + 3'600'000);
  cache.Put(Stage1(3), kDsc, kCert, 7, kStart);
  EXPECT_TRUE(cache.Erase(Cam(3)));
  EXPECT_FALSE(cache.Erase(Cam(3)));
  EXPECT_EQ(cache.Expire(kStart + kTtl - 1'000), 0u);
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.Expire(kStart + kTtl), 1u);
  EXPECT_EQ(cache.Find(Cam(1), kDsc, kCert, 7), nullptr);
  EXPECT_NE(cache.Find(Cam(2), kDsc, kCert, 7), nullptr);
  EXPECT_EQ(cache.Expire(kStart + kTtl + 3'600'000), 1u);
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.stats().expired, 2u);
  EXPECT_EQ(cache.stats().erased, 1u);
}

}  // namespace
}  // namespace rcas::control
