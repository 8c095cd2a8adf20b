// The CASS engine in normal mode (PROFILE §15.4) against a real AC, RSA batcher and a test CAM:
// the whole registration with renewal, duplicates from the cache, replays, a clone from a
// second source, and the timers of §5.5 / §15.4.
#include <gtest/gtest.h>

#include "tests/control/cass_fixture.h"

namespace rcas::control {
namespace {

using protocol::MessageType;
using testing::CassFixture;

const Bytes kCommonImage(1000, 0xC0);
const Bytes kIndividualImage(777, 0x1D);
constexpr std::array<uint8_t, 16> kServer = {0, 0, 0,    0,    0,   0, 0, 0,
                                             0, 0, 0xff, 0xff, 127, 0, 0, 1};

class CassNormalTest : public CassFixture {
 protected:
  void PlanImages(bool purchase_report, bool log) {
    RenewalPlan plan;
    plan.common =
        CampaignImage{0x03, kServer, "cacs/common-v3.bin",
                      std::make_shared<const Bytes>(kCommonImage), crypto::Sha1(kCommonImage)};
    plan.individual =
        CampaignImage{0x03, kServer, "cacs/ind-", std::make_shared<const Bytes>(kIndividualImage),
                      crypto::Sha1(kIndividualImage)};
    plan.purchase_report_req = purchase_report;
    plan.log_request = log;
    campaign_.plan = plan;
  }

  // OpenRenewInfo reads the RenewInfo in `m` and checks both images as the CAM would (§17.2).
  uint64_t OpenRenewInfo(testing::TestCam& cam, const OutMessage& m) {
    Bytes plain;
    protocol::RenewInfoContent info;
    EXPECT_TRUE(cam.Open(MessageType::kRenewInfo, m.bytes, 0, &plain, &info));
    EXPECT_EQ(info.image_flag, 0x03);
    EXPECT_EQ(info.images().size(), 2u);
    if (info.images().size() != 2) {
      return 0;
    }
    EXPECT_EQ(*info.images()[0].fn, "cacs/common-v3.bin");
    const std::string individual_fn(*info.images()[1].fn);
    EXPECT_EQ(individual_fn, "cacs/ind-" + ToHex(cam.session_id()) + ".bin");
    // The operator published the common object once under the campaign's pair (§11.8).
    const Bytes common =
        crypto::AesCbcEncrypt(campaign_.ccciek.view(), campaign_.ccciek_iv.view(), kCommonImage);
    EXPECT_TRUE(cam.ImageOk(common, true, info.hashed_ccci));
    auto individual = publisher_.Fetch(individual_fn);
    EXPECT_TRUE(individual && cam.ImageOk(*individual, false, info.hashed_icci));
    return LoadBe64(m.bytes.data() + 6);
  }
};

TEST_F(CassNormalTest, FullRegistrationThenRenewalPurchaseReportLogAndIdleClose) {
  MakeEngine();
  PlanImages(true, true);
  auto cam = Cam(0);
  const PeerRef peer = Udp(40000);
  auto out = EstablishNormal(cam, peer);
  ASSERT_EQ(out.size(), 1u);  // the RenewInfo follows the CAMRegConfirm
  const uint64_t nonce3 = OpenRenewInfo(cam, out[0]);
  EXPECT_TRUE(Send(peer, cam.RenewConfirm(nonce3, true)).empty());
  EXPECT_EQ(campaign_.outcomes, std::vector<RenewalOutcome>{RenewalOutcome::kInstalled});
  static constexpr char kPurchases[] = "event 42";
  out = Send(peer, cam.PurchaseReport(nonce3, AsView(kPurchases)));
  ASSERT_EQ(out.size(), 1u);  // then the LogRequest
  Bytes plain;
  protocol::LogRequestContent log_request;
  ASSERT_TRUE(cam.Open(MessageType::kLogRequest, out[0].bytes, 0, &plain, &log_request));
  static constexpr char kLog[] = "1 boot";
  EXPECT_TRUE(Send(peer, cam.LogResponse(LoadBe64(out[0].bytes.data() + 6), AsView(kLog))).empty());
  Settle();
  auto reports = store_->ListReports(cams_[0].cam_id);
  ASSERT_TRUE(reports.ok());
  EXPECT_EQ(reports->size(), 2u);  // purchase report and log, stored by the AC
  auto state = store_->GetState(cams_[0].cam_id);
  ASSERT_TRUE(state.ok() && state->has_value());
  EXPECT_EQ((*state)->state, storage::CamStateKind::kAuthService);
  EXPECT_EQ(Counter(CassCounter::kSessionsEstablished), 1u);
  EXPECT_TRUE(Advance(59'000).empty());
  Advance(1'000);
  EXPECT_EQ(Counter(CassCounter::kIdleClosed), 1u);
  Advance(60'000);
  EXPECT_EQ(Counter(CassCounter::kSessionsErased), 1u);
  EXPECT_EQ(engine_->sessions(), 0u);
}

TEST_F(CassNormalTest, DuplicatesAreAnsweredFromTheCacheByteIdentical) {
  MakeEngine();
  auto cam = Cam(0);
  const PeerRef peer = Udp(40001);
  const Bytes key_request = cam.KeyRequest();
  Send(peer, key_request);
  EXPECT_TRUE(Send(peer, key_request).empty()) << "duplicate while the AC works: discarded";
  auto first = Pump();
  ASSERT_EQ(first.size(), 1u);
  auto again = Send(peer, key_request);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].bytes, first[0].bytes);
  ASSERT_TRUE(cam.AcceptKeyResponse(first[0].bytes));
  const Bytes cam_reg = cam.CamReg();
  auto confirm = SendAndPump(peer, cam_reg);
  ASSERT_FALSE(confirm.empty());
  auto confirm_again = Send(peer, cam_reg);
  ASSERT_EQ(confirm_again.size(), 1u);
  EXPECT_EQ(confirm_again[0].bytes, confirm[0].bytes);
  EXPECT_TRUE(cam.AcceptCamRegConfirm(confirm[0].bytes));
  EXPECT_EQ(Counter(CassCounter::kRxDuplicateAnswered), 2u);
  EXPECT_EQ(Counter(CassCounter::kRxDuplicatePending), 1u);
}

TEST_F(CassNormalTest, ReusedSessionIdWithOtherBytesGets0x82AndTheCacheKeepsTheOriginal) {
  MakeEngine();
  auto cam = Cam(0);
  const PeerRef peer = Udp(40002);
  const Bytes original = cam.KeyRequest();
  auto response = SendAndPump(peer, original);
  ASSERT_EQ(response.size(), 1u);
  auto refused = Send(peer, cam.KeyRequest());  // same sessionID, new nonce
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(cam.StatusCode(refused[0].bytes, false), 0x82);
  auto again = Send(peer, original);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].bytes, response[0].bytes);
}

TEST_F(CassNormalTest, ReplayedKeyRequestAfterTheSessionIsGoneGets0x82FromTheReplaySet) {
  MakeEngine();
  auto cam = Cam(0);
  const Bytes key_request = cam.KeyRequest();
  ASSERT_EQ(SendAndPump(Udp(40003), key_request).size(), 1u);
  Advance(60'000);  // W_CAMREG timeout
  EXPECT_EQ(Counter(CassCounter::kTimeoutCamReg), 1u);
  Advance(60'000);  // linger over: keys and cache gone
  ASSERT_EQ(engine_->sessions(), 0u);
  auto out = Send(Udp(40004), key_request);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(cam.StatusCode(out[0].bytes, false), 0x82);
  EXPECT_EQ(Counter(CassCounter::kReplayRefused), 1u);
}

TEST_F(CassNormalTest, CloneFromASecondSourceIsRefusedByTheAcWithKeyed0x80) {
  MakeEngine();
  auto original = Cam(0);
  EstablishNormal(original, Udp(40005));
  auto clone = Cam(0);  // same identity, another box
  const PeerRef clone_peer = Udp(41005);
  auto out = SendAndPump(clone_peer, clone.KeyRequest());
  ASSERT_EQ(out.size(), 1u);
  ASSERT_TRUE(clone.AcceptKeyResponse(out[0].bytes));  // stage 1 commits nothing
  out = SendAndPump(clone_peer, clone.CamReg());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(clone.StatusCode(out[0].bytes, true), 0x80);
  EXPECT_EQ(StatusSent(0x80), 1u);
}

TEST_F(CassNormalTest, W_CamRegTimeoutAndRenewInfoRetransmissionsThenTDownload) {
  MakeEngine();
  PlanImages(false, false);
  auto cam = Cam(0);
  const PeerRef peer = Udp(40006);
  auto out = EstablishNormal(cam, peer);
  ASSERT_EQ(out.size(), 1u);
  const Bytes renew_info = out[0].bytes;
  for (uint64_t wait : {2'000, 4'000, 8'000, 16'000}) {
    EXPECT_TRUE(Advance(wait - 1).empty());
    auto again = Advance(1);
    ASSERT_EQ(again.size(), 1u) << "retransmission after " << wait;
    EXPECT_EQ(again[0].bytes, renew_info);
  }
  EXPECT_TRUE(Advance(32'000).empty());  // no fifth copy; the CAM may be downloading
  Advance(1'800'000);
  EXPECT_EQ(Counter(CassCounter::kTimeoutRenewal), 1u);
  EXPECT_EQ(campaign_.outcomes, std::vector<RenewalOutcome>{RenewalOutcome::kAborted});
  EXPECT_EQ(Counter(CassCounter::kRetransmits), 4u);
}

TEST_F(CassNormalTest, Status0x03GetsOneNewRenewInfoThenTheSessionEnds) {
  MakeEngine();
  PlanImages(false, false);
  auto cam = Cam(0);
  const PeerRef peer = Udp(40007);
  auto out = EstablishNormal(cam, peer);
  ASSERT_EQ(out.size(), 1u);
  const uint64_t first = OpenRenewInfo(cam, out[0]);
  out = Send(peer, cam.KeyedStatus(first, 0x03));
  ASSERT_EQ(out.size(), 1u);
  const uint64_t second = OpenRenewInfo(cam, out[0]);
  EXPECT_NE(second, first);
  EXPECT_TRUE(Send(peer, cam.KeyedStatus(second, 0x03)).empty());
  EXPECT_EQ(campaign_.outcomes, std::vector<RenewalOutcome>{RenewalOutcome::kHashFailed});
  EXPECT_EQ(Counter(CassCounter::kRenewInfoRetries), 1u);
  EXPECT_EQ(Counter(CassCounter::kSessionsFailed), 1u);
}

TEST_F(CassNormalTest, ModeC2ForwardsRenewConfirmAndTheAcResetsAuthCount) {
  MakeEngine({AnnexCMode::kC2, 3});
  PlanImages(false, false);
  auto cam = Cam(1);
  const PeerRef peer = Udp(40008);
  auto out = EstablishNormal(cam, peer);
  ASSERT_EQ(out.size(), 1u);
  Settle();
  auto before = store_->GetState(cams_[1].cam_id);
  ASSERT_TRUE(before.ok() && before->has_value());
  EXPECT_EQ((*before)->auth_count, 1u);
  Send(peer, cam.RenewConfirm(OpenRenewInfo(cam, out[0]), true));
  Settle();
  auto after = store_->GetState(cams_[1].cam_id);
  ASSERT_TRUE(after.ok() && after->has_value());
  EXPECT_EQ((*after)->auth_count, 0u);
  EXPECT_EQ(Counter(CassCounter::kRenewConfirmsForwarded), 1u);
}

}  // namespace
}  // namespace rcas::control
