// rcas-cassd end to end: the real binary on 127.0.0.1 with a PKI and AC store made by rcasctl,
// driven by the test CAM over real sockets: normal mode over UDP and fast mode over TCP, each
// renewing with images downloaded from the daemon's HTTP and TFTP servers and a renewal record
// read back with rcasctl, a fast-mode session ended by its TCP close, malformed datagrams dropped
// while a registration goes on, SIGTERM drain, a restart that keeps CHK (§11.5), and config
// errors naming the key.
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

// ImageToml is one [[images.image]] entry on a file of `octets` octets of `fill`.
std::string ImageToml(rcas::testing::TempDir& dir, const std::string& name, size_t octets,
                      uint8_t fill, const std::string& keys) {
  const std::string file = dir.Write(name, std::string(octets, static_cast<char>(fill)));
  return "[[images.image]]\nfile = \"" + file + "\"\n" + keys;
}

// A renewal record of the CAM, as `rcasctl ac reports` prints it (docs/campaign-catalog.md).
constexpr char kInstalledRecord[] = "CASS 0000000A  installed  deliverVersion image 3 campaign ";

// The CAM gets the images its HW/SW admits from the catalog (not the one for another HW),
// fetches them from the daemon's servers (common over HTTP, individual over TFTP, dSIP defaulted
// to the servers' address), checks them and confirms; the record outlives the daemon.
TEST_F(CassdTest, NormalModeOverUdpDownloadsItsImagesAndRecordsTheRenewal) {
  Start(WriteConfig(
      "[images]\nhttp = [\"127.0.0.1:0\"]\ntftp = [\"127.0.0.1:0\"]\n" +
      ImageToml(dir_, "common.bin", 1000, 0xC0,
                "fn = \"cacs/common.bin\"\nversion = 3\nvendor = \"acme\"\n") +
      ImageToml(dir_, "ind.bin", 777, 0x1D,
                "fn = \"cacs/ind-\"\nkind = \"individual\"\ntm = \"tftp\"\n") +
      ImageToml(dir_, "other.bin", 64, 0x0F,
                "fn = \"cacs/other-hw.bin\"\ntarget_hw = \"000000ff\"\nversion = 2\n")));
  ASSERT_NE(ImageServerPort(false), 0) << Log();
  ASSERT_NE(ImageServerPort(true), 0) << Log();
  auto cam = Cam(0);
  CamSocket sock(false, port_);
  EstablishNormal(cam, sock);
  uint64_t nonce3 = 0;
  Bytes plain;
  const protocol::RenewInfoContent info = NextRenewInfo(cam, sock, &nonce3, &plain);
  ASSERT_EQ(info.images().size(), 2u);
  EXPECT_EQ(*info.images()[0].fn, "cacs/common.bin");
  EXPECT_EQ(info.images()[0].tm, 0x03);
  EXPECT_EQ(std::string(*info.images()[1].fn), "cacs/ind-" + ToHex(cam.session_id()) + ".bin");
  EXPECT_EQ(info.images()[1].tm, 0x02);
  EXPECT_EQ(FetchImages(cam, info), 2u) << Log();
  sock.Send(cam.RenewConfirm(nonce3, true));
  EXPECT_TRUE(
      WaitForLog("event=renewal cam_id=" + ToHex(shared_->cams[0].cam_id) + " outcome=installed"))
      << Log();
  // The announcements carry the CHK the CAM got in its KeyResponse.
  const Bytes announce = Announcement(announce_fd_);
  ASSERT_FALSE(announce.empty());
  EXPECT_TRUE(VerifiesWithChk(announce, *cam.chk()));
  Signal(SIGTERM);
  ASSERT_EQ(Wait(10'000), 0) << Log();
  const std::string reports = Reports(0);
  EXPECT_NE(reports.find("renewal "), std::string::npos) << reports;
  EXPECT_NE(reports.find(kInstalledRecord), std::string::npos) << reports;
}

// Fast mode (§15.5) over TCP with the first-request checks on the RSA threads: the "common"
// image comes per session under the CAM's own CCCIEK (§22 Q3), here over TFTP, the individual
// one over HTTP from an explicit dSIP.
TEST_F(CassdTest, FastModeOverTcpDownloadsItsImagesAndRecordsTheRenewal) {
  Start(WriteConfig("[images]\nhttp = [\"127.0.0.1:0\"]\ntftp = [\"127.0.0.1:0\"]\n" +
                        ImageToml(dir_, "common.bin", 4096, 0xC1,
                                  "fn = \"cacs/common.bin\"\nversion = 3\ntm = \"tftp\"\n"
                                  "target_hw = \"00000001\"\ntarget_sw = \"00000002\"\n") +
                        ImageToml(dir_, "ind.bin", 1500, 0x1E,
                                  "fn = \"cacs/ind-\"\nkind = \"individual\"\n"
                                  "ds_ip = \"127.0.0.1\"\n"),
                    "connection = \"tcp\"\n", "mode = \"fast\"\nverify_on_rsa_workers = true\n"));
  auto cam = Cam(1);
  auto sock = std::make_unique<CamSocket>(true, port_);
  ASSERT_TRUE(sock->connected());
  sock->Send(cam.KeyRegRequest());
  ASSERT_TRUE(cam.AcceptKeyRegResponse(sock->Recv())) << Log();
  uint64_t nonce3 = 0;
  Bytes plain;
  const protocol::RenewInfoContent info = NextRenewInfo(cam, *sock, &nonce3, &plain);
  ASSERT_EQ(info.images().size(), 2u);
  const std::string session = ToHex(cam.session_id());
  EXPECT_EQ(std::string(*info.images()[0].fn), "cacs/common-" + session + ".bin");
  EXPECT_EQ(std::string(*info.images()[1].fn), "cacs/ind-" + session + ".bin");
  EXPECT_EQ(FetchImages(cam, info), 2u) << Log();
  sock->Send(cam.RenewConfirm(nonce3, true));
  EXPECT_TRUE(
      WaitForLog("event=renewal cam_id=" + ToHex(shared_->cams[1].cam_id) + " outcome=installed"))
      << Log();
  sock.reset();  // the session ends with its connection: no drain wait
  Signal(SIGTERM);
  ASSERT_EQ(Wait(10'000), 0) << Log();
  const std::string reports = Reports(1);
  EXPECT_NE(reports.find(kInstalledRecord), std::string::npos) << reports;
}

// [images] purchase_report / log_request start a campaign: an RCASRenewal with
// purchaseReport-Req (§13.2) that bumps the deliver campaign (§23 item 21), then RenewInfo with
// purchaseReport-Req, the PurchaseReport, a LogRequest; all three reports are in the store.
TEST_F(CassdTest, PurchaseReportAndLogCampaignFromTheConfig) {
  Start(WriteConfig(
      "[images]\nhttp = [\"127.0.0.1:0\"]\npurchase_report = true\n"
      "log_request = true\n" +
      ImageToml(dir_, "common.bin", 2000, 0xC2, "fn = \"cacs/common.bin\"\nversion = 3\n")));
  EXPECT_NE(Log().find("event=campaign purchase_report=true log_request=true"), std::string::npos)
      << Log();
  auto cam = Cam(2);
  CamSocket sock(false, port_);
  EstablishNormal(cam, sock);
  uint64_t nonce3 = 0;
  Bytes plain;
  const protocol::RenewInfoContent info = NextRenewInfo(cam, sock, &nonce3, &plain);
  EXPECT_TRUE(info.purchase_report_req);
  EXPECT_EQ(FetchImages(cam, info), 1u) << Log();
  sock.Send(cam.RenewConfirm(nonce3, true));
  static constexpr uint8_t kPurchases[] = {'e', 'v', 'e', 'n', 't', ' ', '4', '2'};
  sock.Send(cam.PurchaseReport(nonce3, kPurchases));
  const Bytes log_request = sock.Recv();
  protocol::LogRequestContent request;
  ASSERT_TRUE(cam.Open(MessageType::kLogRequest, log_request, 0, &plain, &request)) << Log();
  static constexpr uint8_t kCamLog[] = {'1', ' ', 'b', 'o', 'o', 't'};
  sock.Send(cam.LogResponse(LoadBe64(log_request.data() + 6), kCamLog));
  // The RCASRenewal went to the announce target under the CHK the CAM holds.
  bool renewal_seen = false;
  for (int i = 0; i < 20 && !renewal_seen; ++i) {
    const Bytes d = Announcement(announce_fd_, 2000);
    protocol::Header h;
    if (d.empty() || protocol::ParseHeader(d, &h) != protocol::HeaderError::kOk ||
        h.type != MessageType::kRcasRenewal) {
      continue;
    }
    Bytes opened_plain(d.size());
    protocol::OpenedMessage opened;
    protocol::RcasRenewalContent c;
    renewal_seen =
        protocol::Open(protocol::ProtectionOf(MessageType::kRcasRenewal), d, {&*cam.chk(), nullptr},
                       opened_plain, &opened) == protocol::ProtectError::kOk &&
        protocol::Decode(opened.content, &c) == protocol::DecodeError::kNone &&
        c.purchase_report_req;
  }
  EXPECT_TRUE(renewal_seen);
  Signal(SIGTERM);
  ASSERT_EQ(Wait(10'000), 0) << Log();
  const std::string reports = Reports(2);
  EXPECT_NE(reports.find("purchase "), std::string::npos) << reports;
  EXPECT_NE(reports.find("log "), std::string::npos) << reports;
  // The campaign moved deliverVersion's low half off the fresh store's 0.
  EXPECT_NE(reports.find("installed  deliverVersion image 3 campaign 1 "), std::string::npos)
      << reports;
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
  const std::string image = "[[images.image]]\nfile = \"/x\"\nfn = \"x\"\n";
  const struct {
    std::string extra;
    std::string listen;
    std::string cass;
    std::string ac;
    std::string expected;
  } cases[] = {
      {"", "bogus = 1\n", "", "", "[listen].bogus: unknown key"},
      {"", "connection = \"sctp\"\n", "", "", "[listen].connection"},
      {"[rsa]\nworkers = 0\n", "", "", "", "[rsa].workers: must be an integer in 1..256"},
      {"[ac]\nannex_c = \"C3\"\n", "", "", "", ""},  // a second [ac] table: a TOML error
      {"", "", "", "annex_c = \"C3\"\n", "[ac].annex_c"},
      {"", "", "", "c1_cache = -1\n", "[ac].c1_cache: must be an integer in 0..67108864"},
      {"", "", "verify_on_rsa_workers = 1\n", "", "[cass].verify_on_rsa_workers: must be true"},
      {"[log]\nformat = \"xml\"\n", "", "", "", "[log].format"},
      {"[images]\n[[images.image]]\nfile = \"/nonexistent\"\nfn = \"x\"\nkind = \"both\"\n", "", "",
       "", "[images].image: [images.image].kind"},
      {"[images]\n" + image, "", "", "", "[images.image].ds_ip: is required"},
      {"[images]\n" + image + "tm = \"carousel\"\n", "", "", "", "the carousel (tm 1, §13.7)"},
      {"[images]\n" + image + "ds_ip = \"::1\"\ntarget_hw = \"01\"\n", "", "", "",
       "[images.image].target_hw: must be \"any\" or 8 hex digits"},
      {"[images]\nhttp = [\"127.0.0.1:0\"]\n" + image + image, "", "", "",
       "images 1 and 2: same kind and target"},
      {"[images]\nhttp = [\"127.0.0.1:0\"]\n" + image + image +
           "kind = \"individual\"\nclient_type = 2\n",
       "", "", "", "images 1 and 2: one target, two client types"},
      {"[extra]\n", "", "", "", "[extra]: unknown section"},
      {"[dpdk]\naddress = \"10.0.0.1\"\n", "", "", "", "[dpdk].port: is required"},
      {"[dpdk]\nport = \"net_ring0\"\n", "", "", "", "[dpdk].address: the port needs"},
      {"[dpdk]\nport = \"p\"\naddress = \"fd00::1\"\n", "", "", "",
       "[dpdk].address: 'fd00::1' is not a numeric IPv4 address"},
      {"[dpdk]\nport = \"p\"\naddress6 = \"10.0.0.1\"\n", "", "", "",
       "[dpdk].address6: '10.0.0.1' is not a numeric IPv6 address"},
      {"[dpdk]\nport = \"p\"\naddress = \"10.0.0.1\"\nvlan = 4095\n", "", "", "",
       "[dpdk].vlan: must be an integer in 0..4094"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.expected);
    const std::string path = WriteConfig(c.extra, c.listen, c.cass, c.ac);
    EXPECT_EQ(RunCli("--config " + path + " --check", &err), 2);
    EXPECT_EQ(err.rfind("rcas-cassd: error: config ", 0), 0u) << err;
    EXPECT_NE(err.find(c.expected), std::string::npos) << err;
  }
  // A [dpdk] port takes UDP off the kernel sockets; the config alone is valid (--check starts
  // no EAL).
  const std::string dpdk = WriteConfig(
      "[dpdk]\nport = \"net_ring0\"\naddress = \"10.0.0.1\"\nworkers = 2\n"
      "checksum_offload = false\n");
  EXPECT_EQ(RunCli("--config " + dpdk + " --check", &err), 0) << err;
  EXPECT_EQ(RunCli("--config " + dir_.File("missing.toml"), &err), 2);
  EXPECT_EQ(RunCli("--frobnicate", &err), 2);
}

}  // namespace
}  // namespace rcas::tools
