// The CASS engine in fast mode (PROFILE §15.5, §12, §13.11/§13.12) over TCP: KeyRegRequest ->
// KeyRegResponse -> RenewInfo with the per-CAM "common" image (§22 Q3) and an individual one,
// RenewConfirm, idle close of the connection; the unkeyed Status of §23 item 15.
#include <gtest/gtest.h>

#include "tests/control/cass_fixture.h"

namespace rcas::control {
namespace {

using protocol::MessageType;
using testing::CassFixture;

const Bytes kCommonImage(500, 0xC0);
const Bytes kIndividualImage(300, 0x1D);
constexpr std::array<uint8_t, 16> kServer = {0, 0, 0,    0,    0,   0, 0, 0,
                                             0, 0, 0xff, 0xff, 127, 0, 0, 1};

class CassFastTest : public CassFixture {
 protected:
  void SetUp() override {
    CassFixture::SetUp();
    RenewalPlan plan;
    plan.common =
        CampaignImage{0x03, kServer, "cacs/common-v3-", std::make_shared<const Bytes>(kCommonImage),
                      crypto::Sha1(kCommonImage)};
    plan.individual =
        CampaignImage{0x02, kServer, "cacs/ind-", std::make_shared<const Bytes>(kIndividualImage),
                      crypto::Sha1(kIndividualImage)};
    campaign_.plan = plan;
  }
};

TEST_F(CassFastTest, FullRegistrationWithPerCamCommonAndIndividualImagesOverTcp) {
  MakeEngine();
  auto cam = Cam(1);
  const PeerRef conn = PeerRef::Tcp(17);
  auto out = SendAndPump(conn, cam.KeyRegRequest(), 2);
  ASSERT_EQ(out.size(), 2u);  // KeyRegResponse, then RenewInfo at once
  ASSERT_TRUE(cam.AcceptKeyRegResponse(out[0].bytes));
  EXPECT_TRUE(crypto::ConstantTimeEqual(cam.chk()->view(), engine_->zone().chk().view()));
  Bytes plain;
  protocol::RenewInfoContent info;
  ASSERT_TRUE(cam.Open(MessageType::kRenewInfo, out[1].bytes, 0, &plain, &info));
  ASSERT_EQ(info.images().size(), 2u);
  const std::string hex = ToHex(cam.session_id());
  EXPECT_EQ(*info.images()[0].fn, "cacs/common-v3-" + hex + ".bin");
  EXPECT_EQ(*info.images()[1].fn, "cacs/ind-" + hex + ".bin");
  auto common = publisher_.Fetch(std::string(*info.images()[0].fn));
  auto individual = publisher_.Fetch(std::string(*info.images()[1].fn));
  ASSERT_TRUE(common && individual);
  EXPECT_TRUE(cam.ImageOk(*common, true, info.hashed_ccci));
  EXPECT_TRUE(cam.ImageOk(*individual, false, info.hashed_icci));
  EXPECT_TRUE(Send(conn, cam.RenewConfirm(LoadBe64(out[1].bytes.data() + 6), true)).empty());
  EXPECT_EQ(campaign_.outcomes, std::vector<RenewalOutcome>{RenewalOutcome::kInstalled});
  auto closed = Advance(60'000);
  ASSERT_EQ(closed.size(), 1u);  // idle: the CASS closes the connection (§5.3)
  EXPECT_TRUE(closed[0].close_after);
  EXPECT_TRUE(closed[0].bytes.empty());
  Settle();
  auto state = store_->GetState(cams_[1].cam_id);
  ASSERT_TRUE(state.ok() && state->has_value());
  EXPECT_EQ((*state)->state, storage::CamStateKind::kAuthService);  // committed at KeyRegRequest
}

TEST_F(CassFastTest, UnkeyedStatusAnsweringKeyRegResponseEndsTheSessionAfterRenewInfo) {
  MakeEngine();
  auto cam = Cam(1);
  const PeerRef peer = Udp(42000);
  auto out = SendAndPump(peer, cam.KeyRegRequest(), 2);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(Send(peer, cam.UnkeyedStatus(cam.first_nonce(), 0x84)).empty());
  EXPECT_EQ(Counter(CassCounter::kRxCamStatus), 1u);
  EXPECT_EQ(Counter(CassCounter::kSessionsFailed), 1u);
  EXPECT_TRUE(Advance(60'000).empty()) << "no retransmission of a closed session's RenewInfo";
}

TEST_F(CassFastTest, KeyRegRequestWithForeignCamIdGets0x05AndNonZeroPaddingGets0x81) {
  MakeEngine();
  auto cam = Cam(1);
  auto field = cam.CamIdField();
  field[0] ^= 0xFF;  // cAMID[0..7] is not the certificate's CAM_ID (§23 item 5)
  const auto kpid = cam.KeyPairingId();
  const Bytes foreign =
      cam.SignedMessage(MessageType::kKeyRegRequest,
                        protocol::KeyRegRequestContent{cam.session_id(), kpid, field, testing::kHw,
                                                       testing::kSw, cams_[1].certificate_der});
  auto out = Send(PeerRef::Tcp(3), foreign);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(cam.StatusCode(out[0].bytes, false), 0x05);
  EXPECT_TRUE(out[0].close_after);  // §23 item 23
  field = cam.CamIdField();
  field[39] = 1;
  crypto::RandomBytes(cam.session_id());
  const Bytes padded =
      cam.SignedMessage(MessageType::kKeyRegRequest,
                        protocol::KeyRegRequestContent{cam.session_id(), kpid, field, testing::kHw,
                                                       testing::kSw, cams_[1].certificate_der});
  out = Send(Udp(42001), padded);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(cam.StatusCode(out[0].bytes, false), 0x81);
}

}  // namespace
}  // namespace rcas::control
