// rcas-cassd end to end: the real binary on 127.0.0.1 with a PKI and AC store made by rcasctl,
// driven by the test CAM over real sockets: normal mode over UDP with a renewal, fast mode over
// TCP, malformed datagrams dropped while a registration goes on, SIGTERM drain, a restart that
// keeps CHK (§11.5), and config errors naming the key.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/tools/cassd_testing.h"

namespace rcas::tools {
namespace {

using protocol::MessageType;

// Announcement reads the next datagram on the unicast announce target.
Bytes Announcement(int fd, int ms = 5000) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, ms) != 1) {
    return {};
  }
  Bytes buf(70'000);
  const ssize_t n = recv(fd, buf.data(), buf.size(), 0);
  buf.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return buf;
}

bool VerifiesWithChk(ByteView message, const protocol::Secret20& chk) {
  Bytes plain(message.size());
  protocol::OpenedMessage opened;
  return protocol::Open(protocol::ProtectionOf(MessageType::kRcasAnnounce), message,
                        {&chk, nullptr}, plain, &opened) == protocol::ProtectError::kOk;
}

TEST_F(CassdTest, NormalModeOverUdpWithRenewal) {
  const Bytes common(1000, 0xC0);
  const Bytes individual(777, 0x1D);
  const std::string common_file =
      dir_.Write("common.bin", {reinterpret_cast<const char*>(common.data()), common.size()});
  const std::string ind_file =
      dir_.Write("ind.bin", {reinterpret_cast<const char*>(individual.data()), individual.size()});
  Start(
      WriteConfig("[images]\nhttp = [\"127.0.0.1:0\"]\n"
                  "[[images.image]]\nfile = \"" +
                  common_file +
                  "\"\nfn = \"cacs/common.bin\"\nversion = 3\nds_ip = \"127.0.0.1\"\n"
                  "[[images.image]]\nfile = \"" +
                  ind_file + "\"\nfn = \"cacs/ind-\"\nkind = \"individual\"\nds_ip = \"::1\"\n"));
  auto cam = Cam(0);
  CamSocket sock(false, port_);
  EstablishNormal(cam, sock);
  const Bytes renew = sock.Recv();
  Bytes plain;
  protocol::RenewInfoContent info;
  ASSERT_TRUE(cam.Open(MessageType::kRenewInfo, renew, 0, &plain, &info)) << Log();
  ASSERT_EQ(info.images().size(), 2u);
  EXPECT_EQ(*info.images()[0].fn, "cacs/common.bin");
  EXPECT_EQ(std::string(*info.images()[1].fn), "cacs/ind-" + ToHex(cam.session_id()) + ".bin");
  sock.Send(cam.RenewConfirm(LoadBe64(renew.data() + 6), true));
  EXPECT_TRUE(
      WaitForLog("event=renewal cam_id=" + ToHex(shared_->cams[0].cam_id) + " outcome=installed"))
      << Log();
  // The announcements carry the CHK the CAM got in its KeyResponse.
  const Bytes announce = Announcement(announce_fd_);
  ASSERT_FALSE(announce.empty());
  EXPECT_TRUE(VerifiesWithChk(announce, *cam.chk()));
}

TEST_F(CassdTest, FastModeOverTcpThenCloseEndsTheSession) {
  Start(WriteConfig("", "connection = \"tcp\"\n"));
  auto cam = Cam(1);
  auto sock = std::make_unique<CamSocket>(true, port_);
  ASSERT_TRUE(sock->connected());
  sock->Send(cam.KeyRegRequest());
  ASSERT_TRUE(cam.AcceptKeyRegResponse(sock->Recv())) << Log();
  sock.reset();  // the connection closes: its session ends (§15.5)
  EXPECT_TRUE(WaitForLog("event=session-end cam_id=" + ToHex(shared_->cams[1].cam_id))) << Log();
  EXPECT_NE(Log().find("mode=fast transport=tcp"), std::string::npos) << Log();
}

TEST_F(CassdTest, MalformedDatagramsAreDroppedWhileOthersAreServed) {
  Start(WriteConfig());
  CamSocket junk(false, port_);
  const Bytes garbage(40, 0xEE);
  auto cam = Cam(2);
  Bytes short_one = cam.KeyRequest();
  short_one.pop_back();  // length + T mismatch (§5.4)
  for (int i = 0; i < 20; ++i) {
    junk.Send(garbage);
    junk.Send(short_one);
  }
  CamSocket sock(false, port_);
  EstablishNormal(cam, sock);
  EXPECT_TRUE(junk.Recv(300).empty());  // never answered
  EXPECT_TRUE(WaitForLog("event=transport-drops udp-bad-frame=40")) << Log();
}

TEST_F(CassdTest, SigtermDrainsLiveSessionsRefusesNewOnesAndExitsZero) {
  Start(WriteConfig());
  auto cam = Cam(0);
  CamSocket sock(false, port_);
  sock.Send(cam.KeyRequest());
  ASSERT_TRUE(cam.AcceptKeyResponse(sock.Recv())) << Log();
  Signal(SIGTERM);
  ASSERT_TRUE(WaitForLog("event=draining"));
  // The live session may finish; a new one is not started.
  sock.Send(cam.CamReg());
  EXPECT_TRUE(cam.AcceptCamRegConfirm(sock.Recv())) << Log();
  auto late = Cam(1);
  CamSocket late_sock(false, port_);
  late_sock.Send(late.KeyRequest());
  EXPECT_TRUE(late_sock.Recv(500).empty());
  EXPECT_EQ(Wait(10'000), 0) << Log();
  EXPECT_NE(Log().find("event=stop reason=SIGTERM"), std::string::npos) << Log();
  EXPECT_NE(Log().find("first_requests_dropped=1"), std::string::npos) << Log();
  EXPECT_NE(Log().find("store_flush=ok"), std::string::npos) << Log();
}

TEST_F(CassdTest, RestartKeepsChkSoAnnouncementsStillVerify) {
  const std::string config = WriteConfig();
  Start(config);
  EXPECT_NE(Log().find("rand_chk=drawn"), std::string::npos) << Log();
  auto cam = Cam(0);
  CamSocket sock(false, port_);
  EstablishNormal(cam, sock);
  Signal(SIGINT);
  ASSERT_EQ(Wait(10'000), 0) << Log();
  struct stat st {};
  ASSERT_EQ(stat(dir_.File("state/rand_chk").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  while (!Announcement(announce_fd_, 100).empty()) {
  }
  Start(config);
  EXPECT_NE(Log().find("rand_chk=kept"), std::string::npos) << Log();
  const Bytes announce = Announcement(announce_fd_);
  ASSERT_FALSE(announce.empty());
  EXPECT_TRUE(VerifiesWithChk(announce, *cam.chk()));
}

TEST_F(CassdTest, ConfigErrorsNameTheKey) {
  std::string err;
  const std::string good = WriteConfig();
  EXPECT_EQ(RunCli("--config " + good + " --check", &err), 0) << err;
  const struct {
    std::string extra;
    std::string listen;
    std::string expected;
  } cases[] = {
      {"", "bogus = 1\n", "[listen].bogus: unknown key"},
      {"", "connection = \"sctp\"\n", "[listen].connection"},
      {"[rsa]\nworkers = 0\n", "", "[rsa].workers: must be an integer in 1..256"},
      {"[ac]\nannex_c = \"C3\"\n", "", ""},  // a second [ac] table: a TOML error
      {"[log]\nformat = \"xml\"\n", "", "[log].format"},
      {"[images]\n[[images.image]]\nfile = \"/nonexistent\"\nfn = \"x\"\nkind = \"both\"\n", "",
       "[images].image: [images.image].kind"},
      {"[images]\n[[images.image]]\nfile = \"/x\"\nfn = \"x\"\n", "", "[images.image].ds_ip"},
      {"[extra]\n", "", "[extra]: unknown section"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.expected);
    const std::string path = WriteConfig(c.extra, c.listen);
    EXPECT_EQ(RunCli("--config " + path + " --check", &err), 2);
    EXPECT_EQ(err.rfind("rcas-cassd: error: config ", 0), 0u) << err;
    EXPECT_NE(err.find(c.expected), std::string::npos) << err;
  }
  EXPECT_EQ(RunCli("--config " + dir_.File("missing.toml"), &err), 2);
  EXPECT_EQ(RunCli("--frobnicate", &err), 2);
}

}  // namespace
}  // namespace rcas::tools
