// Every Status the CASS sends (PROFILE §14, §9.5 keyed/unkeyed, §23 items 1, 2, 5, 20, 22, 23)
// and the messages it must drop silently instead.
#include <gtest/gtest.h>

#include "tests/control/cass_fixture.h"

namespace rcas::control {
namespace {

using protocol::MessageType;
using testing::CassFixture;

class CassStatusTest : public CassFixture {
 protected:
  // StatusSessionId is the sessionID a Status carries.
  static Bytes StatusSessionId(const Bytes& status) {
    protocol::StatusContent c;
    const ByteView content(status.data() + 16, status.size() - 16 - 20);
    EXPECT_EQ(protocol::Decode(content, &c), protocol::DecodeError::kNone);
    return Bytes(c.session_id.begin(), c.session_id.end());
  }
  void PlanIndividual() {
    RenewalPlan plan;
    plan.individual = CampaignImage{
        0x03, std::array<uint8_t, 16>{}, "i-", std::make_shared<const Bytes>(Bytes(64, 1)), {}};
    campaign_.plan = plan;
  }
};

TEST_F(CassStatusTest, MalformedKeyRequestGetsUnkeyed0x81WithThePeekedSessionId) {
  MakeEngine();
  auto cam = Cam(0);
  Bytes der = {0x30, 0x0C, 0x80, 0x0A};  // sessionID only: the other components are missing
  der.insert(der.end(), cam.session_id().begin(), cam.session_id().end());
  auto sealed = protocol::SealSignedToBytes(MessageType::kKeyRequest, 5, der, *cams_[0].key);
  ASSERT_TRUE(sealed.ok());
  auto out = Send(Udp(43000), *sealed);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(cam.StatusCode(out[0].bytes, false), 0x81);
  EXPECT_EQ(StatusSessionId(out[0].bytes), Bytes(cam.session_id().begin(), cam.session_id().end()));
  auto garbage =
      protocol::SealSignedToBytes(MessageType::kKeyRequest, 6, Bytes{0x04, 0x00}, *cams_[0].key);
  out = Send(Udp(43000), *garbage);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(StatusSessionId(out[0].bytes), Bytes(10, 0));  // §23 item 1
}

TEST_F(CassStatusTest, BadSignatureGetsUnkeyed0x05AndTcpCloses) {
  MakeEngine();
  auto cam = Cam(0);
  Bytes request = cam.KeyRequest();
  request.back() ^= 1;
  auto out = Send(PeerRef::Tcp(9), request);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(cam.StatusCode(out[0].bytes, false), 0x05);
  EXPECT_TRUE(out[0].close_after);
  EXPECT_EQ(engine_->sessions(), 0u);  // nothing unverified creates state
}

TEST_F(CassStatusTest, CamUnknownToTheAcGetsUnkeyed0x01) {
  MakeEngine();
  auto cam = Cam(2);
  auto out = SendAndPump(Udp(43001), cam.KeyRequest());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(cam.StatusCode(out[0].bytes, false), 0x01);
}

TEST_F(CassStatusTest, FullAcQueueGetsUnkeyed0x83) {
  MakeEngine({}, 0);
  auto cam = Cam(0);
  auto out = Send(Udp(43002), cam.KeyRequest());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(cam.StatusCode(out[0].bytes, false), 0x83);
  EXPECT_EQ(Counter(CassCounter::kAcQueueFull), 1u);
}

TEST_F(CassStatusTest, CamRegHashMismatchGetsKeyed0x02AndForeignCamIdGets0x81) {
  MakeEngine();
  auto cam = Cam(0);
  const PeerRef peer = Udp(43003);
  ASSERT_TRUE(cam.AcceptKeyResponse(SendAndPump(peer, cam.KeyRequest())[0].bytes));
  auto out = Send(peer, cam.CamReg(true));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(cam.StatusCode(out[0].bytes, true), 0x02);
  auto other = Cam(1);
  const PeerRef other_peer = Udp(43004);
  ASSERT_TRUE(other.AcceptKeyResponse(SendAndPump(other_peer, other.KeyRequest())[0].bytes));
  auto field = other.CamIdField();
  field[20] = 1;  // non-zero padding (§23 item 5)
  out = Send(other_peer, other.CamReg(false, field));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(other.StatusCode(out[0].bytes, true), 0x81);
}

TEST_F(CassStatusTest, BadMacCamRegFromTheBoundSourceGets0x04FromAnotherIsDropped) {
  MakeEngine();
  auto cam = Cam(0);
  const PeerRef peer = Udp(43005);
  ASSERT_TRUE(cam.AcceptKeyResponse(SendAndPump(peer, cam.KeyRequest())[0].bytes));
  Bytes cam_reg = cam.CamReg();
  cam_reg.back() ^= 1;
  EXPECT_TRUE(Send(Udp(43006), cam_reg).empty());
  EXPECT_EQ(Counter(CassCounter::kRxNoSession), 1u);  // another source finds no session
  auto out = Send(peer, cam_reg);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(cam.StatusCode(out[0].bytes, true), 0x04);
}

TEST_F(CassStatusTest, BadMacOnTheAwaitedRenewConfirmGets0x04OnAStaleNonceIsDropped) {
  MakeEngine();
  PlanIndividual();
  auto cam = Cam(0);
  const PeerRef peer = Udp(43007);
  auto out = EstablishNormal(cam, peer);
  ASSERT_EQ(out.size(), 1u);
  const uint64_t nonce3 = LoadBe64(out[0].bytes.data() + 6);
  Bytes stale = cam.RenewConfirm(nonce3 + 1, true);
  stale.back() ^= 1;
  EXPECT_TRUE(Send(peer, stale).empty());
  EXPECT_EQ(Counter(CassCounter::kRxBadMacDropped), 1u);
  Bytes bad = cam.RenewConfirm(nonce3, true);
  bad.back() ^= 1;
  out = Send(peer, bad);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(cam.StatusCode(out[0].bytes, true), 0x04);
}

TEST_F(CassStatusTest, ValidMacWithBadPaddingGetsKeyed0x81WithAZeroSessionId) {
  MakeEngine();
  PlanIndividual();
  auto cam = Cam(0);
  const PeerRef peer = Udp(43008);
  auto out = EstablishNormal(cam, peer);
  ASSERT_EQ(out.size(), 1u);
  const uint64_t nonce3 = LoadBe64(out[0].bytes.data() + 6);
  out = Send(peer, cam.KeyedWithBadPadding(MessageType::kRenewConfirm, nonce3));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(cam.StatusCode(out[0].bytes, true), 0x81);
  EXPECT_EQ(StatusSessionId(out[0].bytes), Bytes(10, 0));  // §23 item 20
}

// A closed session answers only duplicates (§15.4 CLOSED); a new CAMReg gets no Status (§9.5).
TEST_F(CassStatusTest, NewCamRegForAClosedSessionIsDroppedItsDuplicateStillAnswered) {
  MakeEngine();
  auto cam = Cam(0);
  const PeerRef peer = Udp(43010);
  ASSERT_TRUE(cam.AcceptKeyResponse(SendAndPump(peer, cam.KeyRequest())[0].bytes));
  const Bytes bad_hash = cam.CamReg(true);
  auto refused = Send(peer, bad_hash);  // 0x02 ends the session
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(cam.StatusCode(refused[0].bytes, true), 0x02);
  EXPECT_TRUE(Send(peer, cam.CamReg()).empty());
  EXPECT_EQ(Counter(CassCounter::kRxNoSession), 1u);
  auto again = Send(peer, bad_hash);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].bytes, refused[0].bytes);
}

TEST_F(CassStatusTest, KeyedStatusWithTheCamRegNonceAfterConfirmEndsTheSession) {
  MakeEngine();
  auto cam = Cam(0);
  const PeerRef peer = Udp(43009);
  EstablishNormal(cam, peer);
  EXPECT_TRUE(Send(peer, cam.KeyedStatus(cam.cam_reg_nonce(), 0x04)).empty());
  EXPECT_EQ(Counter(CassCounter::kRxCamStatus), 1u);  // §23 item 22
  EXPECT_EQ(Counter(CassCounter::kSessionsFailed), 1u);
  Bytes forged = cam.KeyedStatus(cam.cam_reg_nonce(), 0x04);
  forged.back() ^= 1;
  EXPECT_TRUE(Send(peer, forged).empty());  // a Status is never answered
}

}  // namespace
}  // namespace rcas::control
