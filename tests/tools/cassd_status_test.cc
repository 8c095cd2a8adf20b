// rcas-cassd end to end: every Status the CASS sends (PROFILE §14.1), over real UDP and TCP
// sockets, each checked for its code, its form (§9.5: unkeyed for the first request, keyed with
// the session's IK otherwise), the nonce and sessionID it copies, the TCP close after a refused
// first request (§23 item 23), and that the daemon serves another CAM afterwards. The same paths
// on the engine in process: tests/control/cass_status_test.cc.
#include <gtest/gtest.h>

#include <vector>

#include "tests/tools/cassd_testing.h"

namespace rcas::tools {
namespace {

using control::testing::kHw;
using control::testing::kSw;
using control::testing::TestCam;
using protocol::MessageType;
using CassdStatusTest = CassdTest;

const Bytes kZeroSessionId(protocol::kSessionIdLen, 0);

// ExpectClosed: the daemon closed the TCP connection, sending nothing more.
void ExpectClosed(CamSocket& tcp) {
  EXPECT_TRUE(tcp.Recv(2000).empty());
  EXPECT_TRUE(tcp.eof());
}

// A CAM of a fleet the store never ingested fails the AC's first check (§16.4).
TEST_F(CassdStatusTest, CamUnknownToTheAcGetsUnkeyed0x01OverUdpAndTcp) {
  Start(WriteConfig());
  auto stranger = ExtraCam(Extra::kStranger);
  ASSERT_TRUE(stranger);
  CamSocket udp(false, port_);
  udp.Send(stranger->KeyRequest());
  EXPECT_TRUE(
      IsStatus(*stranger, udp.Recv(), 0x01, false, stranger->first_nonce(), stranger->session_id()))
      << Log();
  crypto::RandomBytes(stranger->session_id());
  CamSocket tcp(true, port_);
  tcp.Send(stranger->KeyRegRequest());
  EXPECT_TRUE(IsStatus(*stranger, tcp.Recv(), 0x01, false, stranger->first_nonce(),
                       stranger->session_id()));
  ExpectClosed(tcp);
  ExpectServed(0);
  EXPECT_TRUE(WaitForLog("event=status-sent code=0x01")) << Log();
}

// The first check also needs the CASS_ID in the store: removed, every CAM gets 0x01.
TEST_F(CassdStatusTest, CassIdRemovedFromTheStoreGets0x01UntilItIsAddedBack) {
  ASSERT_EQ(Ac("cass remove 0000000a"), 0) << dir_.Read("ac.out");
  const std::string config = WriteConfig();
  Start(config);
  auto cam = Cam(0);
  CamSocket sock(false, port_);
  sock.Send(cam.KeyRequest());
  EXPECT_TRUE(IsStatus(cam, sock.Recv(), 0x01, false, cam.first_nonce(), cam.session_id()))
      << Log();
  Signal(SIGTERM);
  ASSERT_EQ(Wait(10'000), 0) << Log();
  ASSERT_EQ(Ac("cass add 0000000a"), 0) << dir_.Read("ac.out");
  Start(config);
  ExpectServed(0);
}

// A duplicate of the refused CAMReg gets the same Status from the cache (§5.5).
TEST_F(CassdStatusTest, CamRegHashMismatchGetsKeyed0x02AndItsDuplicateTheSameBytes) {
  Start(WriteConfig());
  auto cam = Cam(0);
  CamSocket sock(false, port_);
  KeyNormal(cam, sock);
  ASSERT_FALSE(HasFatalFailure());
  const Bytes cam_reg = cam.CamReg(true);
  sock.Send(cam_reg);
  const Bytes status = sock.Recv();
  EXPECT_TRUE(IsStatus(cam, status, 0x02, true, cam.cam_reg_nonce(), cam.session_id())) << Log();
  sock.Send(cam_reg);
  EXPECT_EQ(sock.Recv(), status);
  ExpectServed(1);
}

// §23 item 2: the session is bound to the KeyRequest's source port.
TEST_F(CassdStatusTest, BadMacCamRegFromTheBoundSourceGetsKeyed0x04FromAnotherIsDropped) {
  Start(WriteConfig());
  auto cam = Cam(0);
  CamSocket sock(false, port_);
  KeyNormal(cam, sock);
  ASSERT_FALSE(HasFatalFailure());
  Bytes cam_reg = cam.CamReg();
  cam_reg.back() ^= 1;
  CamSocket other(false, port_);
  other.Send(cam_reg);
  EXPECT_TRUE(other.Recv(500).empty());
  sock.Send(cam_reg);
  EXPECT_TRUE(IsStatus(cam, sock.Recv(), 0x04, true, cam.cam_reg_nonce(), cam.session_id()));
  ExpectServed(1);
}

TEST_F(CassdStatusTest, BadSignatureAndForeignCertificateKeyRequestsGetUnkeyed0x05) {
  Start(WriteConfig());
  auto cam = Cam(0);
  CamSocket sock(false, port_);
  Bytes request = cam.KeyRequest();
  request.back() ^= 1;
  sock.Send(request);
  EXPECT_TRUE(IsStatus(cam, sock.Recv(), 0x05, false, cam.first_nonce(), cam.session_id()));
  auto foreign = ExtraCam(Extra::kForeign);
  ASSERT_TRUE(foreign);
  sock.Send(foreign->KeyRequest());
  EXPECT_TRUE(
      IsStatus(*foreign, sock.Recv(), 0x05, false, foreign->first_nonce(), foreign->session_id()));
  ExpectServed(0);  // nothing unverified entered the replay set or the AC
}

// Fast mode: a certificate of another root, and a cAMID that is not the certificate's CAM_ID
// (§23 item 5), each close their connection.
TEST_F(CassdStatusTest, ForeignKeyRegRequestsOverTcpGetUnkeyed0x05AndTheConnectionCloses) {
  Start(WriteConfig());
  auto foreign = ExtraCam(Extra::kForeign);
  ASSERT_TRUE(foreign);
  CamSocket first(true, port_);
  first.Send(foreign->KeyRegRequest());
  EXPECT_TRUE(
      IsStatus(*foreign, first.Recv(), 0x05, false, foreign->first_nonce(), foreign->session_id()));
  ExpectClosed(first);
  auto cam = Cam(1);
  cam.KeyRegRequest();  // draws the nonce
  auto field = cam.CamIdField();
  field[0] ^= 0xFF;
  const auto kpid = cam.KeyPairingId();
  CamSocket second(true, port_);
  second.Send(
      cam.SignedMessage(MessageType::kKeyRegRequest,
                        protocol::KeyRegRequestContent{cam.session_id(), kpid, field, kHw, kSw,
                                                       shared_->cams[1].certificate_der}));
  EXPECT_TRUE(IsStatus(cam, second.Recv(), 0x05, false, cam.first_nonce(), cam.session_id()));
  ExpectClosed(second);
  ExpectServed(1, true);
}

// Annex C's third check (§16.4): CAM 0 in service with HW/SW 1/2; under a new deliverVersion a
// fast-mode KeyRegRequest with another SW is refused, the same CAM with its own SW accepted.
TEST_F(CassdStatusTest, AcRefusesAVersionMismatchWithUnkeyed0x80) {
  const std::string config = WriteConfig();
  Start(config);
  {
    auto cam = Cam(0);
    CamSocket tcp(true, port_);  // the session ends with the connection: no drain wait
    EstablishNormal(cam, tcp);
  }
  Signal(SIGTERM);
  ASSERT_EQ(Wait(10'000), 0) << Log();
  ASSERT_EQ(Ac("bump-deliver"), 0) << dir_.Read("ac.out");
  Start(config);
  auto cam = Cam(0);
  cam.KeyRegRequest();  // draws the nonce
  const auto kpid = cam.KeyPairingId();
  const auto field = cam.CamIdField();
  constexpr std::array<uint8_t, 4> kOtherSw = {0, 0, 0, 3};
  CamSocket udp(false, port_);
  udp.Send(
      cam.SignedMessage(MessageType::kKeyRegRequest,
                        protocol::KeyRegRequestContent{cam.session_id(), kpid, field, kHw, kOtherSw,
                                                       shared_->cams[0].certificate_der}));
  EXPECT_TRUE(IsStatus(cam, udp.Recv(), 0x80, false, cam.first_nonce(), cam.session_id())) << Log();
  auto same = Cam(0);
  CamSocket again(false, port_);
  again.Send(same.KeyRegRequest());
  EXPECT_TRUE(same.AcceptKeyRegResponse(again.Recv())) << Log();
}

// Mode C2's fourth check (§16.4): with operator_limit 2 and no RenewConfirm in between, the
// third authentication of a CAM is refused.
TEST_F(CassdStatusTest, AcRefusesPastTheOperatorLimitInModeC2WithUnkeyed0x80) {
  Start(WriteConfig("", "", "", "annex_c = \"C2\"\noperator_limit = 2\n"));
  for (int i = 0; i < 2; ++i) {
    auto cam = Cam(0);
    CamSocket tcp(true, port_);
    tcp.Send(cam.KeyRegRequest());
    EXPECT_TRUE(cam.AcceptKeyRegResponse(tcp.Recv())) << "attempt " << i << "\n" << Log();
  }
  auto cam = Cam(0);
  CamSocket tcp(true, port_);
  tcp.Send(cam.KeyRegRequest());
  EXPECT_TRUE(IsStatus(cam, tcp.Recv(), 0x80, false, cam.first_nonce(), cam.session_id()));
  ExpectClosed(tcp);
  ExpectServed(1, true);
}

// §23 item 1: the sessionID is peeked from content that does not decode, else 10 zero octets.
TEST_F(CassdStatusTest, MalformedKeyRequestGetsUnkeyed0x81WithThePeekedOrAZeroSessionId) {
  Start(WriteConfig());
  auto cam = Cam(0);
  Bytes der = {0x30, 0x0C, 0x80, 0x0A};  // sessionID only: the other components are missing
  der.insert(der.end(), cam.session_id().begin(), cam.session_id().end());
  const auto& key = *shared_->cams[0].key;
  auto partial = protocol::SealSignedToBytes(MessageType::kKeyRequest, 5, der, key);
  auto garbage = protocol::SealSignedToBytes(MessageType::kKeyRequest, 6, Bytes{0x04, 0x00}, key);
  ASSERT_TRUE(partial.ok() && garbage.ok());
  CamSocket udp(false, port_);
  udp.Send(*partial);
  EXPECT_TRUE(IsStatus(cam, udp.Recv(), 0x81, false, 5, cam.session_id()));
  udp.Send(*garbage);
  EXPECT_TRUE(IsStatus(cam, udp.Recv(), 0x81, false, 6, kZeroSessionId));
  CamSocket tcp(true, port_);
  tcp.Send(*partial);
  EXPECT_TRUE(IsStatus(cam, tcp.Recv(), 0x81, false, 5, cam.session_id()));
  ExpectClosed(tcp);
  ExpectServed(0);
}

// CAMReg with non-zero cAMID padding (§23 item 5) carries the session's sessionID; a
// RenewConfirm whose MAC verifies but whose PKCS#7 padding fails, 10 zero octets (§23 item 20).
TEST_F(CassdStatusTest, MalformedKeyedMessagesGetKeyed0x81) {
  Start(WriteConfig(OneImage()));
  auto cam = Cam(0);
  CamSocket sock(false, port_);
  KeyNormal(cam, sock);
  ASSERT_FALSE(HasFatalFailure());
  auto field = cam.CamIdField();
  field[20] = 1;
  sock.Send(cam.CamReg(false, field));
  EXPECT_TRUE(IsStatus(cam, sock.Recv(), 0x81, true, cam.cam_reg_nonce(), cam.session_id()));
  auto other = Cam(1);
  CamSocket other_sock(false, port_);
  EstablishNormal(other, other_sock);
  const Bytes renew = other_sock.Recv();
  ASSERT_GE(renew.size(), 16u) << Log();
  const uint64_t nonce3 = LoadBe64(renew.data() + 6);
  other_sock.Send(other.KeyedWithBadPadding(MessageType::kRenewConfirm, nonce3));
  EXPECT_TRUE(IsStatus(other, other_sock.Recv(), 0x81, true, nonce3, kZeroSessionId));
  ExpectServed(2);
}

// §23 items 3, 19: a reused sessionID with other bytes is refused, the original request's
// duplicate still gets the cached KeyResponse.
TEST_F(CassdStatusTest, ReusedSessionIdWithOtherBytesGetsUnkeyed0x82AndTheOriginalItsAnswer) {
  Start(WriteConfig());
  auto cam = Cam(0);
  CamSocket sock(false, port_);
  const Bytes original = cam.KeyRequest();
  sock.Send(original);
  const Bytes response = sock.Recv();
  ASSERT_FALSE(response.empty()) << Log();
  sock.Send(cam.KeyRequest());  // same sessionID, new nonce
  EXPECT_TRUE(IsStatus(cam, sock.Recv(), 0x82, false, cam.first_nonce(), cam.session_id()));
  sock.Send(original);
  EXPECT_EQ(sock.Recv(), response);
  ExpectServed(1);
}

// A CAMReg with a new nonce once the session is established is in the wrong state (§15.4).
TEST_F(CassdStatusTest, CamRegAfterTheConfirmGetsKeyed0x82AndEndsTheSession) {
  Start(WriteConfig());
  auto cam = Cam(0);
  CamSocket sock(false, port_);
  EstablishNormal(cam, sock);
  sock.Send(cam.CamReg());
  EXPECT_TRUE(IsStatus(cam, sock.Recv(), 0x82, true, cam.cam_reg_nonce(), cam.session_id()));
  EXPECT_TRUE(WaitForLog("event=session-end cam_id=" + ToHex(shared_->cams[0].cam_id))) << Log();
  ExpectServed(1);
}

// One session per TCP connection (§5.3): a second first request is refused and closes it.
TEST_F(CassdStatusTest, SecondFirstRequestOnATcpConnectionGetsUnkeyed0x82AndCloses) {
  Start(WriteConfig());
  auto cam = Cam(1);
  CamSocket tcp(true, port_);
  tcp.Send(cam.KeyRegRequest());
  ASSERT_TRUE(cam.AcceptKeyRegResponse(tcp.Recv())) << Log();
  auto second = Cam(2);
  tcp.Send(second.KeyRegRequest());
  EXPECT_TRUE(IsStatus(second, tcp.Recv(), 0x82, false, second.first_nonce(), second.session_id()));
  ExpectClosed(tcp);
  ExpectServed(2);
}

// [rsa] queue = 1: a burst of KeyRequests from many sockets overflows the signing queue; each
// request gets either a valid KeyResponse or an unkeyed 0x83 (§14.1: busy, retry later).
TEST_F(CassdStatusTest, BurstPastTheRsaQueueGetsUnkeyed0x83AndEveryOtherAnswerIsValid) {
  Start(WriteConfig("[rsa]\nworkers = 1\nqueue = 1\n"));
  constexpr size_t kBurst = 32;
  std::vector<std::unique_ptr<TestCam>> cams;
  std::vector<std::unique_ptr<CamSocket>> socks;
  std::vector<Bytes> requests;
  for (size_t i = 0; i < kBurst; ++i) {
    cams.push_back(std::make_unique<TestCam>(shared_->cams[i % 3], *shared_->root, kCassdId));
    socks.push_back(std::make_unique<CamSocket>(i % 4 == 3, port_));
    requests.push_back(cams[i]->KeyRequest());
  }
  for (size_t i = 0; i < kBurst; ++i) {
    socks[i]->Send(requests[i]);
  }
  size_t busy = 0;
  size_t keyed = 0;
  for (size_t i = 0; i < kBurst; ++i) {
    TestCam& cam = *cams[i];
    const Bytes answer = socks[i]->Recv();
    if (cam.AcceptKeyResponse(answer)) {
      ++keyed;
      continue;
    }
    EXPECT_TRUE(IsStatus(cam, answer, 0x83, false, cam.first_nonce(), cam.session_id()))
        << "answer " << i;
    ++busy;
  }
  EXPECT_GE(busy, 1u) << Log();
  EXPECT_GE(keyed, 1u);
  ExpectServed(0);
}

}  // namespace
}  // namespace rcas::tools
