#include "tests/tools/cassd_testing.h"

#include <fcntl.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "crypto/rsa.h"
#include "tools/cam_checks.h"
#include "tools/image_client.h"

namespace rcas::tools {
namespace {

int Sh(const std::string& cmd) {
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string ReadFileText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// FreePort finds a port free for both UDP and TCP on 127.0.0.1 (the daemon announces the port
// it is given, so it cannot bind port 0).
uint16_t FreePort() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    const int t = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    bind(t, reinterpret_cast<sockaddr*>(&a), sizeof a);
    getsockname(t, reinterpret_cast<sockaddr*>(&a), &len);
    const int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    const bool ok = bind(u, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    close(t);
    close(u);
    if (ok) {
      return ntohs(a.sin_port);
    }
  }
  return 0;
}

// LoadFleet reads the CAMs of `pki`/`name`.cam.rcpv with their private keys.
void LoadFleet(const std::string& pki, const std::string& name,
               std::vector<control::testing::CamIdentityForTest>* out) {
  auto reader = ProvisioningReader::Open(pki + "/" + name + ".cam.rcpv");
  ASSERT_TRUE(reader.ok()) << reader.error();
  CamRecord r;
  while (true) {
    auto more = reader->Next(r);
    ASSERT_TRUE(more.ok()) << more.error();
    if (!*more) {
      break;
    }
    control::testing::CamIdentityForTest& c = out->emplace_back();
    c.cam_id = r.cam_id;
    c.dsc_id = r.dsc_id;
    for (size_t j = 0; j < 3; ++j) {
      c.keys[j].ki = r.keys[j].ki;
      c.keys[j].opc = r.keys[j].opc;
    }
    c.certificate_der = r.certificate_der;
    auto key = crypto::RsaPrivateKey::FromPem(ReadFileText(pki + "/" + r.key_file));
    ASSERT_TRUE(key.ok()) << key.error();
    c.key = std::make_shared<const crypto::RsaPrivateKey>(std::move(*key));
  }
}

}  // namespace

::testing::AssertionResult IsStatus(const control::testing::TestCam& cam, ByteView m, uint8_t code,
                                    bool keyed, uint64_t nonce, ByteView session_id) {
  protocol::Header h;
  if (m.empty() || protocol::ParseHeader(m, &h) != protocol::HeaderError::kOk ||
      h.type != protocol::MessageType::kStatus) {
    return ::testing::AssertionFailure() << "not a Status (" << m.size() << " octets)";
  }
  const int got = cam.StatusCode(m, keyed);
  if (got < 0) {
    return ::testing::AssertionFailure() << "does not open as " << (keyed ? "keyed" : "unkeyed");
  }
  protocol::StatusContent c;
  const ByteView content = m.subspan(protocol::kHeaderLen, h.length - protocol::kHeaderLen);
  if (protocol::Decode(content, &c) != protocol::DecodeError::kNone) {
    return ::testing::AssertionFailure() << "content does not decode";
  }
  if (got != code || h.nonce != nonce ||
      !std::equal(c.session_id.begin(), c.session_id.end(), session_id.begin(), session_id.end())) {
    const uint8_t got_code = static_cast<uint8_t>(got);
    return ::testing::AssertionFailure()
           << "code " << ToHex(ByteView(&got_code, 1)) << " (want " << ToHex(ByteView(&code, 1))
           << "), nonce " << h.nonce << " (want " << nonce << "), sessionID " << ToHex(c.session_id)
           << " (want " << ToHex(session_id) << ")";
  }
  return ::testing::AssertionSuccess();
}

std::unique_ptr<CassdTest::Shared> CassdTest::shared_;

void CassdTest::SetUpTestSuite() {
  const char* build = std::getenv("RCAS_BUILD_DIR");
  if (build == nullptr) {
    return;
  }
  shared_ = std::make_unique<Shared>();
  Shared& s = *shared_;
  s.binary = std::string(build) + "/tools/rcas-cassd";
  s.rcasctl = std::string(build) + "/tools/rcasctl";
  const std::string pki = s.dir.File("pki");
  const std::string ac = s.dir.File("ac");
  const std::string quiet = " >/dev/null 2>&1";
  ASSERT_EQ(Sh(s.rcasctl + " pki init --out " + pki + quiet), 0);
  ASSERT_EQ(Sh(s.rcasctl + " pki cass --id 0000000a --pki " + pki + quiet), 0);
  ASSERT_EQ(Sh(s.rcasctl + " pki cams --count 3 --share-key 3 --pki " + pki + quiet), 0);
  ASSERT_EQ(Sh(s.rcasctl + " ac init --db " + ac + quiet), 0);
  ASSERT_EQ(Sh(s.rcasctl + " ac cass add --db " + ac + " 0000000a" + quiet), 0);
  ASSERT_EQ(Sh(s.rcasctl + " ac ingest --db " + ac + " " + pki + "/cams.ac.rcpv" + quiet), 0);
  auto root = crypto::TrustAnchor::FromPem(ReadFileText(pki + "/ac-root.cert.pem"));
  ASSERT_TRUE(root.ok()) << root.error();
  s.root = std::make_unique<crypto::TrustAnchor>(std::move(*root));
  LoadFleet(pki, "cams", &s.cams);
  ASSERT_EQ(s.cams.size(), 3u);
}

void CassdTest::SetUp() {
  if (shared_ == nullptr) {
    GTEST_SKIP() << "RCAS_BUILD_DIR not set (ctest sets it)";
  }
  ASSERT_FALSE(shared_->cams.empty()) << "suite set-up failed";
  ASSERT_EQ(::access(shared_->binary.c_str(), X_OK), 0) << shared_->binary;
  // Each test gets its own copy of the store: RocksDB locks it for one process.
  ASSERT_EQ(Sh("cp -a " + shared_->dir.File("ac") + " " + dir_.File("ac")), 0);
  port_ = FreePort();
  ASSERT_NE(port_, 0);
  announce_fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(bind(announce_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  getsockname(announce_fd_, reinterpret_cast<sockaddr*>(&a), &len);
  announce_port_ = ntohs(a.sin_port);
}

std::string CassdTest::WriteConfig(const std::string& extra, const std::string& listen_extra,
                                   const std::string& cass_extra, const std::string& ac_extra) {
  const std::string pki = shared_->dir.File("pki");
  std::ostringstream c;
  c << "[cass]\nid = \"0000000A\"\ncertificate = \"" << pki << "/cass-0000000A.cert.pem\"\n"
    << "key = \"" << pki << "/cass-0000000A.key.pem\"\nac_root = \"" << pki
    << "/ac-root.cert.pem\"\nstate_dir = \"" << dir_.File("state") << "\"\ndrain_seconds = 5\n"
    << cass_extra << "[listen]\nudp = [\"127.0.0.1\"]\ntcp = [\"127.0.0.1\"]\nport = " << port_
    << "\n"
    << listen_extra << "[announce]\ngroups = []\nunicast = [\"127.0.0.1:" << announce_port_
    << "\"]\ninterval_seconds = 1\n[ac]\ndb = \"" << dir_.File("ac") << "\"\nroot_key = \"" << pki
    << "/ac-root.key.pem\"\n"
    << ac_extra << extra;
  return dir_.Write("cassd.toml", c.str());
}

std::string CassdTest::OneImage() {
  const std::string file = dir_.Write("image.bin", std::string(600, '\x5A'));
  return "[images]\nhttp = [\"127.0.0.1:0\"]\n[[images.image]]\nfile = \"" + file +
         "\"\nfn = \"cacs/common.bin\"\n";
}

void CassdTest::Start(const std::string& config) {
  const std::string log = dir_.File("daemon.log");
  std::rename(log.c_str(), dir_.File("daemon.prev.log").c_str());  // WaitForLog sees this run
  pid_ = fork();
  if (pid_ == 0) {
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    dup2(fd, 2);
    dup2(fd, 1);
    execl(shared_->binary.c_str(), "rcas-cassd", "--config", config.c_str(), nullptr);
    _exit(127);
  }
  ASSERT_GT(pid_, 0);
  ASSERT_TRUE(WaitForLog("event=listening")) << Log();
}

int CassdTest::RunCli(const std::string& args, std::string* err) {
  const int status =
      Sh(shared_->binary + " " + args + " >" + dir_.File("cli.out") + " 2>" + dir_.File("cli.err"));
  *err = dir_.Read("cli.err");
  return status;
}

bool CassdTest::WaitForLog(const std::string& needle, int ms) {
  for (int waited = 0; waited < ms; waited += 20) {
    if (Log().find(needle) != std::string::npos) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

int CassdTest::Wait(int ms) {
  for (int waited = 0; waited < ms; waited += 20) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

void CassdTest::Kill() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  if (announce_fd_ >= 0) {
    close(announce_fd_);
    announce_fd_ = -1;
  }
}

void CassdTest::KeyNormal(control::testing::TestCam& cam, CamSocket& sock) {
  sock.Send(cam.KeyRequest());
  const Bytes response = sock.Recv();
  ASSERT_TRUE(cam.AcceptKeyResponse(response)) << "no KeyResponse; log:\n" << Log();
}

void CassdTest::EstablishNormal(control::testing::TestCam& cam, CamSocket& sock) {
  KeyNormal(cam, sock);
  if (::testing::Test::HasFatalFailure()) {
    return;
  }
  sock.Send(cam.CamReg());
  const Bytes confirm = sock.Recv();
  ASSERT_TRUE(cam.AcceptCamRegConfirm(confirm)) << "no CAMRegConfirm; log:\n" << Log();
}

void CassdTest::EstablishAndInstall(control::testing::TestCam& cam, size_t i, CamSocket& sock) {
  EstablishNormal(cam, sock);
  if (::testing::Test::HasFatalFailure()) {
    return;
  }
  const Bytes renew = sock.Recv();
  ASSERT_GE(renew.size(), 16u) << "no RenewInfo; log:\n" << Log();
  sock.Send(cam.RenewConfirm(LoadBe64(renew.data() + 6), true));
  ASSERT_TRUE(
      WaitForLog("event=renewal cam_id=" + ToHex(shared_->cams[i].cam_id) + " outcome=installed"))
      << Log();
}

void CassdTest::ExpectCloneRefused(size_t i) {
  auto clone = Cam(i);
  CamSocket udp(false, port_);
  KeyNormal(clone, udp);
  if (::testing::Test::HasFatalFailure()) {
    return;
  }
  udp.Send(clone.CamReg());
  EXPECT_TRUE(IsStatus(clone, udp.Recv(), 0x80, true, clone.cam_reg_nonce(), clone.session_id()))
      << Log();
}

void CassdTest::ExpectServed(size_t i, bool tcp) {
  auto cam = Cam(i);
  CamSocket sock(tcp, port_);
  ASSERT_TRUE(sock.connected());
  EstablishNormal(cam, sock);
}

std::optional<control::testing::TestCam> CassdTest::ExtraCam(Extra which) {
  Shared& s = *shared_;
  const std::string quiet = " >/dev/null 2>&1";
  if (which == Extra::kStranger && s.stranger.empty()) {
    const std::string pki = s.dir.File("pki");
    EXPECT_EQ(Sh(s.rcasctl + " pki cams --count 1 --first-id 00000000000000f0 --name stranger" +
                 " --pki " + pki + quiet),
              0);
    LoadFleet(pki, "stranger", &s.stranger);
  }
  if (which == Extra::kForeign && s.foreign.empty()) {
    const std::string pki = s.dir.File("foreign");
    EXPECT_EQ(Sh(s.rcasctl + " pki init --out " + pki + quiet), 0);
    EXPECT_EQ(Sh(s.rcasctl + " pki cams --count 1 --pki " + pki + quiet), 0);
    LoadFleet(pki, "cams", &s.foreign);
  }
  const auto& fleet = which == Extra::kStranger ? s.stranger : s.foreign;
  if (fleet.empty()) {
    return std::nullopt;
  }
  return std::optional<control::testing::TestCam>(std::in_place, fleet[0], *s.root, kCassdId);
}

int CassdTest::Ac(const std::string& args) {
  return Sh(shared_->rcasctl + " ac " + args + " --db " + dir_.File("ac") + " >" +
            dir_.File("ac.out") + " 2>&1");
}

protocol::RenewInfoContent CassdTest::NextRenewInfo(control::testing::TestCam& cam, CamSocket& sock,
                                                    uint64_t* nonce, Bytes* plain) {
  const Bytes message = sock.Recv();
  protocol::RenewInfoContent info;
  *nonce = 0;
  if (!cam.Open(protocol::MessageType::kRenewInfo, message, 0, plain, &info)) {
    ADD_FAILURE() << "no RenewInfo (" << message.size() << " octets); log:\n" << Log();
    return {};
  }
  *nonce = LoadBe64(message.data() + 6);
  return info;
}

uint16_t CassdTest::ImageServerPort(bool tftp) const {
  const std::string log = Log();
  const size_t line = log.find("event=image-servers ");
  const std::string key = tftp ? " tftp_ports=" : " http_ports=";
  const size_t at = line == std::string::npos ? line : log.find(key, line);
  if (at == std::string::npos) {
    return 0;
  }
  return static_cast<uint16_t>(std::strtoul(log.c_str() + at + key.size(), nullptr, 10));
}

size_t CassdTest::FetchImages(const control::testing::TestCam& cam,
                              const protocol::RenewInfoContent& info) {
  size_t passed = 0;
  for (size_t i = 0; i < info.images().size(); ++i) {
    const protocol::ImageInfo& image = info.images()[i];
    // imageFlag 0x03 lists the common image first (§13.7).
    const bool common = info.image_flag == 0x01 || (info.image_flag == 0x03 && i == 0);
    if (!image.ds_ip || image.ds_ip->size() != 16 || !image.fn) {
      ADD_FAILURE() << "image " << i << " has no dSIP or fn";
      continue;
    }
    char host[INET6_ADDRSTRLEN] = {};
    const uint8_t* ip = image.ds_ip->data();
    const bool v4 = std::all_of(ip, ip + 10, [](uint8_t b) { return b == 0; }) && ip[10] == 0xff &&
                    ip[11] == 0xff;
    inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? ip + 12 : ip, host, sizeof host);
    const bool tftp = image.tm == 0x02;
    auto object = tftp ? TftpDownload(host, ImageServerPort(true), *image.fn)
                       : HttpDownload(host, ImageServerPort(false), *image.fn);
    if (!object.ok()) {
      ADD_FAILURE() << (tftp ? "TFTP " : "HTTP ") << *image.fn << ": " << object.error();
      continue;
    }
    const ImageVerdict verdict =
        common ? CheckImage(*object, cam.ccciek().view(), cam.ccciek_iv().view(), info.hashed_ccci)
               : CheckImage(*object, cam.icciek().view(), cam.icciek_iv().view(), info.hashed_icci);
    EXPECT_EQ(verdict, ImageVerdict::kOk) << *image.fn;
    passed += verdict == ImageVerdict::kOk ? 1 : 0;
  }
  return passed;
}

std::string CassdTest::Reports(size_t i) {
  const std::string out = dir_.File("reports.out");
  Sh(shared_->rcasctl + " ac reports --db " + dir_.File("ac") + " " +
     ToHex(shared_->cams[i].cam_id) + " >" + out + " 2>&1");
  return dir_.Read("reports.out");
}

}  // namespace rcas::tools
