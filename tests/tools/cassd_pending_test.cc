// rcas-cassd in mode C1 (the default) across SIGKILL: a CAM whose registration the AC committed
// but which has installed nothing registers again after the restart, although the C1 cache of
// AC results went with the daemon (the AC's pending C1 commit, docs/ac-service.md, §16.5); once
// it has installed its image, the same identity registering again is a clone (0x80, §16.4).
#include <gtest/gtest.h>

#include <csignal>

#include "tests/tools/cassd_testing.h"

namespace rcas::tools {
namespace {

class CassdPendingTest : public CassdTest {
 protected:
  // Kill9 ends the daemon with SIGKILL: nothing of its memory (the C1 cache) survives.
  void Kill9() {
    Signal(SIGKILL);
    ASSERT_EQ(Wait(5'000), 128 + SIGKILL);
  }
  // Stop ends it with SIGTERM, which finishes the AC's queued work (the renewal record).
  void Stop() {
    Signal(SIGTERM);
    ASSERT_EQ(Wait(15'000), 0) << Log();
  }
  // Pending is what `rcasctl ac show` says of CAM i's pending C1 commit (daemon stopped).
  std::string Pending(size_t i) {
    EXPECT_EQ(Ac("show " + ToHex(shared_->cams[i].cam_id)), 0) << dir_.Read("ac.out");
    const std::string out = dir_.Read("ac.out");
    const size_t at = out.find("c1Pending        ");
    if (at == std::string::npos) {
      return "missing";
    }
    const size_t from = at + 17;
    return out.substr(from, out.find_first_of(" \n", from) - from);
  }
};

TEST_F(CassdPendingTest, NormalModeRegistersAgainAfterSigkillUntilItInstalls) {
  const std::string config = WriteConfig(OneImage());
  Start(config);
  {
    auto cam = Cam(0);
    CamSocket tcp(true, port_);
    EstablishNormal(cam, tcp);  // committed by the AC; its RenewInfo is never confirmed
    ASSERT_FALSE(HasFatalFailure());
  }
  Kill9();
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_EQ(Pending(0), "yes");
  Start(config);
  auto again = Cam(0);
  {
    CamSocket tcp(true, port_);
    EstablishAndInstall(again, 0, tcp);  // CAMRegConfirm, not keyed 0x80; then it installs
    ASSERT_FALSE(HasFatalFailure());
  }
  Stop();
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_EQ(Pending(0), "no");
  Start(config);
  ExpectCloneRefused(0);
}

// Fast mode has no C1 cache at all: a KeyRegRequest again after the restart is served too.
TEST_F(CassdPendingTest, FastModeRegistersAgainAfterSigkill) {
  const std::string config = WriteConfig();
  Start(config);
  {
    auto cam = Cam(1);
    CamSocket udp(false, port_);
    udp.Send(cam.KeyRegRequest());
    ASSERT_TRUE(cam.AcceptKeyRegResponse(udp.Recv())) << Log();
  }
  Kill9();
  ASSERT_FALSE(HasFatalFailure());
  Start(config);
  auto again = Cam(1);
  CamSocket udp(false, port_);
  udp.Send(again.KeyRegRequest());
  EXPECT_TRUE(again.AcceptKeyRegResponse(udp.Recv())) << Log();
}

}  // namespace
}  // namespace rcas::tools
