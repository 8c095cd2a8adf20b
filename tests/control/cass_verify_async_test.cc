// The first request's certificate and signature checks on the RSA threads
// (CassEngineConfig::verify_on_rsa_workers): nothing is answered at once, the engine resumes on
// its inbox; bad signatures, duplicates while checking, a TCP close meanwhile and a full queue.
#include <gtest/gtest.h>

#include "tests/control/cass_fixture.h"

namespace rcas::control {
namespace {

using testing::CassFixture;

class CassVerifyAsyncTest : public CassFixture {
 protected:
  void SetUp() override {
    CassFixture::SetUp();
    verify_on_rsa_workers_ = true;
  }
};

TEST_F(CassVerifyAsyncTest, NormalRegistrationResumesOnTheInbox) {
  MakeEngine();
  auto cam = Cam(0);
  const PeerRef peer = Udp(45000);
  EXPECT_TRUE(Send(peer, cam.KeyRequest()).empty());  // checked elsewhere: nothing yet
  auto out = Pump();
  ASSERT_EQ(out.size(), 1u);
  ASSERT_TRUE(cam.AcceptKeyResponse(out[0].bytes));
  out = SendAndPump(peer, cam.CamReg());
  ASSERT_FALSE(out.empty());
  EXPECT_TRUE(cam.AcceptCamRegConfirm(out[0].bytes));
  EXPECT_EQ(Counter(CassCounter::kSessionsEstablished), 1u);
}

TEST_F(CassVerifyAsyncTest, FastModeOverTcp) {
  MakeEngine();
  auto cam = Cam(1);
  auto out = SendAndPump(PeerRef::Tcp(3), cam.KeyRegRequest());
  ASSERT_FALSE(out.empty());
  EXPECT_TRUE(cam.AcceptKeyRegResponse(out[0].bytes));
}

TEST_F(CassVerifyAsyncTest, BadSignatureGets0x05OnceChecked) {
  MakeEngine();
  auto cam = Cam(0);
  Bytes request = cam.KeyRequest();
  request.back() ^= 1;  // the signature
  EXPECT_TRUE(Send(Udp(45001), request).empty());
  auto out = Pump();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(cam.StatusCode(out[0].bytes, false), 0x05);
  EXPECT_EQ(Counter(CassCounter::kRxBadSignature), 1u);
  EXPECT_EQ(engine_->sessions(), 0u);
}

TEST_F(CassVerifyAsyncTest, AByteIdenticalCopyWhileCheckingIsDiscarded) {
  MakeEngine();
  auto cam = Cam(0);
  const PeerRef peer = Udp(45002);
  const Bytes request = cam.KeyRequest();
  EXPECT_TRUE(Send(peer, request).empty());
  EXPECT_TRUE(Send(peer, request).empty());
  EXPECT_EQ(Counter(CassCounter::kRxDuplicatePending), 1u);
  auto out = Pump(2, 2'000);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(cam.AcceptKeyResponse(out[0].bytes));
  out = Send(peer, request);  // later copies: the cached answer (§5.5)
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(Counter(CassCounter::kRxDuplicateAnswered), 1u);
}

TEST_F(CassVerifyAsyncTest, ATcpConnectionClosedWhileCheckingMakesNoSession) {
  rsa_ = std::make_unique<crypto::RsaBatcher>(1, 64, /*start=*/false);
  MakeEngine();
  auto cam = Cam(1);
  EXPECT_TRUE(Send(PeerRef::Tcp(5), cam.KeyRegRequest()).empty());
  engine_->OnPeerClosed(5, now_ms_);
  rsa_->Start();
  EXPECT_TRUE(Pump(1, 500).empty());
  EXPECT_EQ(engine_->sessions(), 0u);
  EXPECT_EQ(Counter(CassCounter::kSessionsCreated), 0u);
}

TEST_F(CassVerifyAsyncTest, AFullRsaQueueAnswersBusyAtOnce) {
  rsa_ = std::make_unique<crypto::RsaBatcher>(1, 1, /*start=*/false);
  MakeEngine();
  auto first = Cam(0);
  auto second = Cam(1);
  EXPECT_TRUE(Send(Udp(45003), first.KeyRequest()).empty());
  auto out = Send(Udp(45004), second.KeyRequest());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(second.StatusCode(out[0].bytes, false), 0x83);
  EXPECT_EQ(Counter(CassCounter::kRsaQueueFull), 1u);
  rsa_->Start();
  out = Pump();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(first.AcceptKeyResponse(out[0].bytes));
}

}  // namespace
}  // namespace rcas::control
