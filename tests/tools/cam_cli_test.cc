// rcas-cam end to end: a PKI from `rcasctl pki`, the built rcas-cam against the scripted CASS
// on loopback (PROFILE §15.2 over UDP), the exit status rule, usage errors.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "tests/tools/cam_testing.h"
#include "tests/tools/rcasctl_runner.h"
#include "tools/provisioning.h"

namespace rcas::tools {
namespace {

using protocol::MessageType;

class RcasCamTest : public RcasctlTest {
 protected:
  void SetUp() override {
    RcasctlTest::SetUp();
    if (IsSkipped()) {
      return;
    }
    cam_ = std::string(std::getenv("RCAS_BUILD_DIR")) + "/tools/rcas-cam";
    pki_ = dir_.File("pki");
    ASSERT_EQ(Run("pki init --out " + pki_), 0) << err_;
    ASSERT_EQ(Run("pki cass --id 0000000A --pki " + pki_), 0) << err_;
    ASSERT_EQ(Run("pki cams --count 2 --pki " + pki_), 0) << err_;
  }
  int RunCam(const std::string& args) {
    const std::string cmd = cam_ + " --prov " + pki_ + "/cams.cam.rcpv --root " + pki_ +
                            "/ac-root.cert.pem --state " + dir_.File("state") + " " + args + " >" +
                            dir_.File("out") + " 2>" + dir_.File("err");
    const int status = std::system(cmd.c_str());
    out_ = dir_.Read("out");
    err_ = dir_.Read("err");
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  CamRecord FirstAcRecord() {
    auto reader = ProvisioningReader::Open(pki_ + "/cams.ac.rcpv");
    EXPECT_TRUE(reader.ok());
    CamRecord r;
    EXPECT_TRUE(reader->Next(r).ok());
    return r;
  }
  std::string cam_;
  std::string pki_;
};

TEST_F(RcasCamTest, OneCamRegistersOverUdpAndTheRunExitsZero) {
  const CamRecord record = FirstAcRecord();
  testing::TestCass cass(pki_, "0000000A", record);
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  const int port = ntohs(a.sin_port);
  std::thread server([&] {
    testing::UdpPeer cam(fd);
    const Bytes key_request = cam.Recv();
    ASSERT_FALSE(key_request.empty());
    cam.Reply(cass.KeyResponse(key_request));
    const Bytes cam_reg = cam.Recv();
    ASSERT_FALSE(cam_reg.empty());
    cam.Reply(cass.CamRegConfirm(cam_reg));
    cam.Reply(cass.LogRequest(3));
    EXPECT_EQ(testing::HeaderOf(cam.Recv()).type, MessageType::kLogResponse);
  });
  const int rc = RunCam("--count 1 --cass 127.0.0.1:" + std::to_string(port) +
                        " --cass-id 0000000A --idle 0.3 --jitter 0 --trace --log-info ok");
  server.join();
  close(fd);
  EXPECT_EQ(rc, 0) << out_ << err_;
  const std::string id = ToHex(record.cam_id);
  EXPECT_NE(out_.find("cam " + id + " -> KeyRequest nonce="), std::string::npos) << out_;
  EXPECT_NE(out_.find("check sIGN-kpk: ok"), std::string::npos) << out_;
  EXPECT_NE(out_.find("summary: 1 CAMs, 1 completed"), std::string::npos) << out_;
  EXPECT_NE(dir_.Read("state/" + id + ".state").find("virgin 0"), std::string::npos);
}

TEST_F(RcasCamTest, CamsThatCannotReachTheCassMakeTheExitStatusOne) {
  // A TCP port nobody listens on: every connect is refused at once.
  EXPECT_EQ(RunCam("--cass 127.0.0.1:9 --tcp --cass-id 0000000A --jitter 0"), 1) << err_;
  EXPECT_NE(out_.find("summary: 2 CAMs, 0 completed"), std::string::npos) << out_;
}

TEST_F(RcasCamTest, BadArgumentsAreUsageErrors) {
  EXPECT_EQ(RunCam("--cass nowhere --cass-id 0000000A"), 2);
  EXPECT_EQ(err_.rfind("rcas-cam: error: ", 0), 0u) << err_;
  EXPECT_EQ(RunCam("--cass 127.0.0.1:49104"), 2);  // virgin CAMs need --cass-id
  EXPECT_EQ(RunCam("--mode slow"), 2);
}

}  // namespace
}  // namespace rcas::tools
