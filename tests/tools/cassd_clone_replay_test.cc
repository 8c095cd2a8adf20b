// rcas-cassd end to end over real sockets: one CAM identity registering from two sources (Annex
// C, PROFILE §16.4, §23 item 17), replayed first requests (§6.2, §23 items 3, 4) within the
// daemon's life and across a restart, and malformed datagrams and TCP frames (§3, §5.3, §5.4,
// §14.2). The engine's in-process versions: tests/control/cass_normal_test.cc,
// cass_c1_cache_test.cc.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <utility>

#include "tests/tools/cassd_testing.h"

namespace rcas::tools {
namespace {

using control::testing::TestCam;
using namespace std::chrono_literals;

class CassdCloneTest : public CassdTest {
 protected:
  // CamRegRace: CAM 0 keys over `a` and `b` at once (stage 1 commits nothing, so both get a
  // KeyResponse), then both send CAMReg back to back. The first the AC commits puts the CAM in
  // service; the other fails the third check (same image, same zone: a clone) with keyed 0x80.
  void CamRegRace(bool a_tcp, bool b_tcp) {
    Start(WriteConfig());
    CamSocket a(a_tcp, port_);
    CamSocket b(b_tcp, port_);
    TestCam first = Cam(0);
    TestCam second = Cam(0);
    a.Send(first.KeyRequest());
    b.Send(second.KeyRequest());
    ASSERT_TRUE(first.AcceptKeyResponse(a.Recv())) << Log();
    ASSERT_TRUE(second.AcceptKeyResponse(b.Recv())) << Log();
    a.Send(first.CamReg());
    b.Send(second.CamReg());
    const Bytes to_a = a.Recv();
    const Bytes to_b = b.Recv();
    const bool a_won = first.AcceptCamRegConfirm(to_a);
    const bool b_won = second.AcceptCamRegConfirm(to_b);
    ASSERT_NE(a_won, b_won) << "exactly one source registers\n" << Log();
    TestCam& loser = a_won ? second : first;
    EXPECT_TRUE(IsStatus(loser, a_won ? to_b : to_a, 0x80, true, loser.cam_reg_nonce(),
                         loser.session_id()));
    ExpectServed(1);
  }
};

TEST_F(CassdCloneTest, ConcurrentCloneFromTwoUdpPortsOneRegistersTheOtherGetsKeyed0x80) {
  CamRegRace(false, false);
}

TEST_F(CassdCloneTest, ConcurrentCloneOverUdpAndTcpOneRegistersTheOtherGetsKeyed0x80) {
  CamRegRace(false, true);
}

// Fast mode checks and commits at KeyRegRequest (§16.2): of two at once over UDP and TCP one
// gets its KeyRegResponse, the other unkeyed 0x80; a third one after them is refused too.
TEST_F(CassdCloneTest, FastModeCloneFromUdpAndTcpOneGetsKeyRegResponseTheOtherUnkeyed0x80) {
  Start(WriteConfig());
  TestCam first = Cam(1);
  TestCam second = Cam(1);
  CamSocket a(false, port_);
  CamSocket b(true, port_);
  a.Send(first.KeyRegRequest());
  b.Send(second.KeyRegRequest());
  const Bytes to_a = a.Recv();
  const Bytes to_b = b.Recv();
  const bool a_won = first.AcceptKeyRegResponse(to_a);
  const bool b_won = second.AcceptKeyRegResponse(to_b);
  ASSERT_NE(a_won, b_won) << "exactly one source registers\n" << Log();
  TestCam& loser = a_won ? second : first;
  EXPECT_TRUE(
      IsStatus(loser, a_won ? to_b : to_a, 0x80, false, loser.first_nonce(), loser.session_id()));
  TestCam third = Cam(1);
  CamSocket c(false, port_);
  c.Send(third.KeyRegRequest());
  EXPECT_TRUE(IsStatus(third, c.Recv(), 0x80, false, third.first_nonce(), third.session_id()));
  ExpectServed(2);
}

// One after the other: while the original's session is live, a second source goes to the AC and
// is refused (§23 item 17); once that session has ended, a retry is the CAM's own and is served
// from the mode C1 cache (the original installed nothing, §16.5).
TEST_F(CassdCloneTest, CloneWhileTheOriginalSessionIsLiveGetsKeyed0x80) {
  Start(WriteConfig());
  auto original = Cam(0);
  auto live = std::make_unique<CamSocket>(true, port_);
  EstablishNormal(original, *live);
  ExpectCloneRefused(0);
  live.reset();  // the original's session ends with its connection
  ASSERT_TRUE(WaitForLog("event=session-end cam_id=" + ToHex(shared_->cams[0].cam_id) +
                         " session=" + ToHex(original.session_id())))
      << Log();
  ExpectServed(0);
}

// Once the original has installed its images (RenewConfirm TRUE ends the C1 cache entry), the
// same identity from another source is a clone for the AC: refused at CAMReg.
TEST_F(CassdCloneTest, CloneAfterTheOriginalInstalledItsImagesGetsKeyed0x80) {
  Start(WriteConfig(OneImage()));
  auto original = Cam(0);
  {
    CamSocket tcp(true, port_);
    EstablishAndInstall(original, 0, tcp);
    ASSERT_FALSE(HasFatalFailure());
  }
  ExpectCloneRefused(0);
  ExpectServed(1);
}

class CassdReplayTest : public CassdTest {
 protected:
  // EndedSession: `cam` (CAM `i`) keys over `sock`, then ends the session with the CAM's unkeyed
  // 0x84 (§14.1). Returns the KeyRequest and the KeyResponse.
  std::pair<Bytes, Bytes> EndedSession(TestCam& cam, size_t i, CamSocket& sock) {
    const Bytes request = cam.KeyRequest();
    sock.Send(request);
    const Bytes response = sock.Recv();
    EXPECT_TRUE(cam.AcceptKeyResponse(response)) << Log();
    sock.Send(cam.UnkeyedStatus(cam.first_nonce(), 0x84));
    EXPECT_TRUE(WaitForLog("event=session-end cam_id=" + ToHex(shared_->cams[i].cam_id))) << Log();
    return {request, response};
  }
};

// §23 item 4: within the 60 s linger the replay gets the cached KeyResponse; after it, the
// replay set answers unkeyed 0x82 (§6.2). Waits out the linger: about 62 s.
TEST_F(CassdReplayTest, ReplayedKeyRequestGetsTheCachedAnswerInTheLingerThen0x82) {
  Start(WriteConfig());
  auto cam = Cam(0);
  CamSocket sock(false, port_);
  const auto [request, response] = EndedSession(cam, 0, sock);
  CamSocket replay(false, port_);
  replay.Send(request);
  EXPECT_EQ(replay.Recv(), response);
  std::this_thread::sleep_for(61'500ms);  // the linger of §15.4 CLOSED, and a timer tick
  replay.Send(request);
  EXPECT_TRUE(IsStatus(cam, replay.Recv(), 0x82, false, cam.first_nonce(), cam.session_id()))
      << Log();
  ExpectServed(1, true);
  Signal(SIGTERM);
  ASSERT_EQ(Wait(10'000), 0) << Log();
  EXPECT_NE(Log().find(" replay-refused=1"), std::string::npos) << Log();
}

// The replay set is in the AC store (AcStore::EnterReplay), so a restart forgets the sessions
// but not the (CAM_ID, sessionID) pairs: both a normal KeyRequest and a fast KeyRegRequest
// replayed after it get unkeyed 0x82.
TEST_F(CassdReplayTest, ReplaySetOutlivesARestart) {
  const std::string config = WriteConfig();
  Start(config);
  auto cam = Cam(0);
  CamSocket sock(false, port_);
  const Bytes request = EndedSession(cam, 0, sock).first;
  auto fast = Cam(1);
  const Bytes fast_request = fast.KeyRegRequest();
  {
    CamSocket tcp(true, port_);
    tcp.Send(fast_request);
    ASSERT_TRUE(fast.AcceptKeyRegResponse(tcp.Recv())) << Log();
  }
  Signal(SIGTERM);
  ASSERT_EQ(Wait(10'000), 0) << Log();
  Start(config);
  CamSocket replay(false, port_);
  replay.Send(request);
  EXPECT_TRUE(IsStatus(cam, replay.Recv(), 0x82, false, cam.first_nonce(), cam.session_id()))
      << Log();
  CamSocket tcp(true, port_);
  tcp.Send(fast_request);
  EXPECT_TRUE(IsStatus(fast, tcp.Recv(), 0x82, false, fast.first_nonce(), fast.session_id()));
  EXPECT_TRUE(tcp.Recv(2000).empty());
  EXPECT_TRUE(tcp.eof());
  ExpectServed(2);
}

using CassdFramingTest = CassdTest;

// §3, §5.4, §14.2: a datagram shorter than a header, with version 2, an unknown type, a length
// field that is not the datagram's, or random octets is dropped without a Status; over TCP a
// bad header closes the connection without one (§23 item 11) and a truncated frame waits for
// the rest; meanwhile a CAM registers. (cassd_test.cc has 40 octets of garbage and a KeyRequest
// one octet short.)
TEST_F(CassdFramingTest, MalformedDatagramsAndTcpFramesGetNoStatusWhileACamRegisters) {
  Start(WriteConfig());
  auto cam = Cam(0);
  const Bytes request = cam.KeyRequest();
  std::vector<Bytes> bad = {Bytes(request.begin(), request.begin() + 10), request, request,
                            request};
  bad[1][14] = 0x02;                                                // version
  bad[2][1] = 0x0F;                                                 // type
  StoreBe32(bad[3].data() + 2, LoadBe32(request.data() + 2) + 16);  // length
  std::mt19937 rng(4);
  for (int i = 0; i < 8; ++i) {
    Bytes& r = bad.emplace_back(16 + rng() % 1500);
    std::generate(r.begin(), r.end(), [&rng] { return static_cast<uint8_t>(rng()); });
  }
  CamSocket junk(false, port_);
  for (const Bytes& m : bad) {
    junk.Send(m);
  }
  CamSocket bad_tcp(true, port_);
  bad_tcp.Send(bad[1]);
  CamSocket truncated(true, port_);
  truncated.Send(ByteView(request).first(request.size() - 100));
  CamSocket sock(false, port_);
  EstablishNormal(cam, sock);
  EXPECT_TRUE(junk.Recv(300).empty());
  EXPECT_TRUE(bad_tcp.Recv(2000).empty());
  EXPECT_TRUE(bad_tcp.eof());
  EXPECT_TRUE(truncated.Recv(300).empty());
  EXPECT_FALSE(truncated.eof());
  EXPECT_TRUE(WaitForLog("udp-bad-frame=" + std::to_string(bad.size()))) << Log();
  EXPECT_TRUE(WaitForLog("tcp-bad-frame=1")) << Log();
}

}  // namespace
}  // namespace rcas::tools
