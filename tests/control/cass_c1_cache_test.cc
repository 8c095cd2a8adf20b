// The mode C1 cache of AC results in the engine (PROFILE §16.5, §23 item 17): a CAM whose
// download failed re-keys in the same zone with the same deliverVersion and is served from the
// cache (without it, by the AC's pending C1 commit, docs/ac-service.md); a concurrent second source
// still goes to the AC and gets 0x80; RenewConfirm(TRUE) and 24 h end an entry.
#include <gtest/gtest.h>

#include "storage/renewal_record.h"
#include "tests/control/cass_fixture.h"

namespace rcas::control {
namespace {

using testing::CassFixture;
using testing::TestCam;

const Bytes kImage(500, 0x1D);
constexpr std::array<uint8_t, 16> kServer = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1};
constexpr uint64_t kDay = 24ull * 3600 * 1000;

class CassC1CacheTest : public CassFixture {
 protected:
  void SetUp() override {
    CassFixture::SetUp();
    RenewalPlan plan;
    plan.individual = CampaignImage{0x03, kServer, "cacs/ind-",
                                    std::make_shared<const Bytes>(kImage), crypto::Sha1(kImage)};
    campaign_.plan = plan;
  }

  // FirstSession establishes CAM 0 at `peer` and answers its RenewInfo with `installed`.
  void FirstSession(const PeerRef& peer, bool installed) {
    auto cam = Cam(0);
    auto out = EstablishNormal(cam, peer);
    ASSERT_EQ(out.size(), 1u);  // RenewInfo
    EXPECT_TRUE(Send(peer, cam.RenewConfirm(LoadBe64(out[0].bytes.data() + 6), installed)).empty());
    Settle();
  }

  // Retry is a new session of CAM 0 at `peer`: the Status code it got, or 0 when established.
  int Retry(const PeerRef& peer) {
    auto cam = Cam(0);
    auto out = SendAndPump(peer, cam.KeyRequest());
    if (out.size() != 1 || !cam.AcceptKeyResponse(out[0].bytes)) {
      ADD_FAILURE() << "no KeyResponse";
      return -1;
    }
    out = SendAndPump(peer, cam.CamReg());
    if (out.empty()) {
      ADD_FAILURE() << "no answer to CAMReg";
      return -1;
    }
    return cam.AcceptCamRegConfirm(out[0].bytes) ? 0 : cam.StatusCode(out[0].bytes, true);
  }

  uint64_t AcRequests() const { return ac_->counters().requests; }
};

TEST_F(CassC1CacheTest, FailedDownloadRetryInTheSameZoneIsServedFromTheCacheWithoutTheAc) {
  MakeEngine();
  const PeerRef peer = Udp(43000);
  FirstSession(peer, false);
  EXPECT_EQ(campaign_.outcomes, std::vector<RenewalOutcome>{RenewalOutcome::kDownloadFailed});
  EXPECT_EQ(engine_->c1_cache().size(), 1u);
  const uint64_t asked = AcRequests();
  EXPECT_EQ(Retry(peer), 0);
  EXPECT_EQ(AcRequests(), asked);  // neither stage went to the AC
  EXPECT_EQ(Counter(CassCounter::kC1CacheHits), 1u);
  EXPECT_EQ(Counter(CassCounter::kC1CacheCamRegHits), 1u);
  EXPECT_EQ(Counter(CassCounter::kSessionsEstablished), 2u);
  EXPECT_EQ(StatusSent(0x80), 0u);
}

// Without the cache (evicted, or lost to a restart) the AC serves the retry itself: its record
// marks the C1 commit as pending until an installation (docs/ac-service.md, §16.5).
TEST_F(CassC1CacheTest, WithoutTheCacheTheAcServesTheRetryOfItsPendingCommit) {
  c1_cache_capacity_ = 0;
  MakeEngine();
  const PeerRef peer = Udp(43001);
  FirstSession(peer, false);
  EXPECT_EQ(engine_->c1_cache().size(), 0u);
  const uint64_t asked = AcRequests();
  EXPECT_EQ(Retry(peer), 0);
  EXPECT_EQ(AcRequests(), asked + 2);  // stage 1 and stage 2
  EXPECT_EQ(Counter(CassCounter::kC1CacheHits), 0u);
  EXPECT_EQ(StatusSent(0x80), 0u);
}

TEST_F(CassC1CacheTest, ModeC2KeepsNoCache) {
  MakeEngine({AnnexCMode::kC2, 3});
  FirstSession(Udp(43002), false);
  EXPECT_EQ(engine_->c1_cache().capacity(), 0u);
  EXPECT_EQ(engine_->c1_cache().size(), 0u);
}

TEST_F(CassC1CacheTest, AConcurrentSecondSourceGoesToTheAcAndGets0x80) {
  MakeEngine();
  FirstSession(Udp(43003), false);  // its session stays live (idle) at that source
  const uint64_t asked = AcRequests();
  EXPECT_EQ(Retry(Udp(43004)), 0x80);
  EXPECT_EQ(AcRequests(), asked + 2);  // stage 1 and stage 2
  EXPECT_EQ(Counter(CassCounter::kC1CacheRival), 1u);
  EXPECT_EQ(Counter(CassCounter::kC1CacheHits), 0u);
  // Once the first session is over, a retry from anywhere is the CAM's own: served.
  Advance(60'000);
  EXPECT_EQ(Retry(Udp(43004)), 0);
  EXPECT_EQ(Counter(CassCounter::kC1CacheHits), 1u);
}

TEST_F(CassC1CacheTest, RenewConfirmTrueDropsTheEntry) {
  MakeEngine();
  const PeerRef peer = Udp(43005);
  FirstSession(peer, true);
  EXPECT_EQ(engine_->c1_cache().size(), 0u);
  EXPECT_EQ(engine_->c1_cache().stats().erased, 1u);
  // The daemon's campaign catalog stores the installation with the AC, which ends the pending
  // commit there too; the fake campaign does not, so the test hands the AC that record.
  AcRequest installed;
  installed.kind = AcRequestKind::kRenewalReport;
  installed.cam_id = cams_[0].cam_id;
  installed.cass_id = testing::kCass;
  installed.report = storage::EncodeRenewalRecord({storage::RenewalResult::kInstalled, 7, now_ms_});
  ASSERT_TRUE(ac_->Call(installed).ok);
  EXPECT_EQ(Retry(peer), 0x80);  // installed: a re-key now needs a new deliverVersion (§16.5)
}

TEST_F(CassC1CacheTest, EntriesExpireAfter24Hours) {
  MakeEngine();
  const PeerRef peer = Udp(43006);
  FirstSession(peer, false);
  Advance(kDay - 2'000);
  EXPECT_EQ(engine_->c1_cache().size(), 1u);
  Advance(2'000);
  EXPECT_EQ(engine_->c1_cache().size(), 0u);
  EXPECT_EQ(engine_->c1_cache().stats().expired, 1u);
  EXPECT_EQ(Retry(peer), 0x80);
}

TEST_F(CassC1CacheTest, ANewDeliverVersionGoesToTheAcWhichAcceptsAndRefillsTheCache) {
  MakeEngine();
  const PeerRef peer = Udp(43007);
  FirstSession(peer, false);
  campaign_.deliver_version = 8;  // a new campaign (§16.5)
  const uint64_t asked = AcRequests();
  EXPECT_EQ(Retry(peer), 0);
  EXPECT_EQ(AcRequests(), asked + 2);
  EXPECT_EQ(Counter(CassCounter::kC1CacheHits), 0u);
  EXPECT_EQ(engine_->c1_cache().stats().filled, 2u);
}

}  // namespace
}  // namespace rcas::control
