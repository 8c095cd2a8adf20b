// rcas-cassd end to end: how the CASS treats a Status from a CAM (PROFILE §14.1 receiver
// actions, §15.4, §23 items 15, 22) over real sockets: 0x03 gets one new RenewInfo and then the
// session ends; an unkeyed 0x84 / 0x05 answering the first response ends the session; a Status
// is never answered. The engine's in-process versions: tests/control/cass_normal_test.cc,
// cass_fast_test.cc, cass_status_test.cc.
#include <gtest/gtest.h>

#include "tests/tools/cassd_testing.h"

namespace rcas::tools {
namespace {

using control::testing::TestCam;

class CassdCamStatusTest : public CassdTest {
 protected:
  // RenewInfoNonce reads the next RenewInfo of `cam`'s session; its nonce, or 0.
  uint64_t RenewInfoNonce(TestCam& cam, CamSocket& sock) {
    uint64_t nonce = 0;
    Bytes plain;
    NextRenewInfo(cam, sock, &nonce, &plain);
    return nonce;
  }
};

// SessionEnd is the start of the daemon's session-end log line for `cam`'s session.
std::string SessionEnd(TestCam& cam, const crypto::CamId& id, const std::string& mode_transport) {
  return "event=session-end cam_id=" + ToHex(id) + " session=" + ToHex(cam.session_id()) +
         " mode=" + mode_transport + " outcome=failed";
}

TEST_F(CassdCamStatusTest, Status0x03GetsOneNewRenewInfoWithANewNonceThenTheSessionEnds) {
  Start(WriteConfig(OneImage()));
  auto cam = Cam(0);
  CamSocket sock(false, port_);
  EstablishNormal(cam, sock);
  const uint64_t first = RenewInfoNonce(cam, sock);
  ASSERT_NE(first, 0u) << Log();
  sock.Send(cam.KeyedStatus(first, 0x03));
  const uint64_t second = RenewInfoNonce(cam, sock);
  ASSERT_NE(second, 0u) << Log();
  EXPECT_NE(second, first);
  sock.Send(cam.KeyedStatus(second, 0x03));
  const std::string id = ToHex(shared_->cams[0].cam_id);
  EXPECT_TRUE(WaitForLog("event=renewal cam_id=" + id + " outcome=hash-failed")) << Log();
  EXPECT_TRUE(WaitForLog(SessionEnd(cam, shared_->cams[0].cam_id, "normal transport=udp")))
      << Log();
  // Nothing more: no Status for a Status, no retransmission (2 s, §5.5), the late RenewConfirm
  // of the ended session dropped.
  sock.Send(cam.RenewConfirm(second, true));
  EXPECT_TRUE(sock.Recv(2500).empty());
  ExpectServed(1);
}

// 0x84 (OAEP failure at the CAM) answering KeyResponse: the CASS ends the session (§14.1). A
// CLOSED session is kept for duplicates only (§15.4): its CAMReg is dropped without a Status
// (§9.5), a duplicate KeyRequest still gets the cached KeyResponse (§23 item 4).
TEST_F(CassdCamStatusTest, Unkeyed0x84AnsweringKeyResponseEndsTheSession) {
  Start(WriteConfig());
  auto cam = Cam(0);
  CamSocket sock(false, port_);
  const Bytes request = cam.KeyRequest();
  sock.Send(request);
  const Bytes response = sock.Recv();
  ASSERT_TRUE(cam.AcceptKeyResponse(response)) << Log();
  sock.Send(cam.UnkeyedStatus(cam.first_nonce(), 0x84));
  EXPECT_TRUE(WaitForLog(SessionEnd(cam, shared_->cams[0].cam_id, "normal transport=udp") +
                         " state=wait-camreg"))
      << Log();
  EXPECT_TRUE(sock.Recv(300).empty());
  sock.Send(cam.CamReg());
  EXPECT_TRUE(sock.Recv(500).empty()) << Log();
  sock.Send(request);
  EXPECT_EQ(sock.Recv(), response);
  ExpectServed(1);
}

// §23 item 15: in fast mode the unkeyed Status answering KeyRegResponse ends the session even
// after the RenewInfo went out: no retransmission, its RenewConfirm dropped. Over TCP the
// connection closes.
TEST_F(CassdCamStatusTest, Unkeyed0x05AnsweringKeyRegResponseEndsTheFastSessionAfterRenewInfo) {
  Start(WriteConfig(OneImage()));
  for (const bool tcp : {false, true}) {
    SCOPED_TRACE(tcp ? "tcp" : "udp");
    auto cam = Cam(tcp ? 2 : 1);
    CamSocket sock(tcp, port_);
    sock.Send(cam.KeyRegRequest());
    ASSERT_TRUE(cam.AcceptKeyRegResponse(sock.Recv())) << Log();
    const uint64_t nonce3 = RenewInfoNonce(cam, sock);
    ASSERT_NE(nonce3, 0u);
    sock.Send(cam.UnkeyedStatus(cam.first_nonce(), 0x05));
    EXPECT_TRUE(WaitForLog(SessionEnd(cam, shared_->cams[tcp ? 2 : 1].cam_id,
                                      tcp ? "fast transport=tcp" : "fast transport=udp")))
        << Log();
    if (!tcp) {
      sock.Send(cam.RenewConfirm(nonce3, true));
    }
    EXPECT_TRUE(sock.Recv(2500).empty());
    EXPECT_EQ(sock.eof(), tcp);
  }
  ExpectServed(0);
}

// §23 item 22: once confirmed, a keyed Status carrying the CAMReg nonce ends the session; a
// copy with a bad MAC is dropped, and neither is answered.
TEST_F(CassdCamStatusTest, KeyedStatusWithTheCamRegNonceAfterTheConfirmEndsTheSession) {
  Start(WriteConfig());
  auto cam = Cam(0);
  CamSocket sock(false, port_);
  EstablishNormal(cam, sock);
  Bytes forged = cam.KeyedStatus(cam.cam_reg_nonce(), 0x04);
  forged.back() ^= 1;
  sock.Send(forged);
  EXPECT_TRUE(sock.Recv(300).empty());
  EXPECT_EQ(Log().find("event=session-end"), std::string::npos) << Log();
  sock.Send(cam.KeyedStatus(cam.cam_reg_nonce(), 0x04));
  EXPECT_TRUE(WaitForLog(SessionEnd(cam, shared_->cams[0].cam_id, "normal transport=udp")))
      << Log();
  EXPECT_TRUE(sock.Recv(300).empty());
  ExpectServed(1);
}

}  // namespace
}  // namespace rcas::tools
