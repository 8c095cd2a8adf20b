#pragma once
// CassdTest: runs the built rcas-cassd ($RCAS_BUILD_DIR/tools/rcas-cassd) on 127.0.0.1 against a
// PKI and AC store made with the built rcasctl (pki init/cass/cams, ac init/cass add/ingest),
// and talks to it over real UDP and TCP sockets as the test CAM of tests/control. Every wait is
// bounded; the daemon is killed in teardown if it still runs.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "protocol/framing.h"
#include "storage/ac_store.h"  // storage::SessionId, used by cass_test_cam.h
#include "tests/common/temp_dir.h"
#include "tests/control/cass_test_cam.h"
#include "tools/provisioning.h"

namespace rcas::tools {

inline constexpr crypto::CassId kCassdId = {0x00, 0x00, 0x00, 0x0A};

// CamSocket: one CAM's UDP socket or TCP connection to the daemon; Recv reads one message.
class CamSocket {
 public:
  CamSocket(bool tcp, uint16_t port) : tcp_(tcp) {
    fd_ = socket(AF_INET, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
    to_.sin_family = AF_INET;
    to_.sin_port = htons(port);
    to_.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&to_), sizeof to_) == 0;
  }
  ~CamSocket() { close(fd_); }
  bool connected() const { return connected_; }
  void Send(ByteView m) { ASSERT_EQ(send(fd_, m.data(), m.size(), 0), ssize_t(m.size())); }
  // Recv returns the next message within `ms`, or empty (timeout or EOF, see eof()).
  Bytes Recv(int ms = 10'000) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    for (;;) {
      if (!tcp_ && !buf_.empty()) {
        return std::exchange(buf_, {});
      }
      if (tcp_ && buf_.size() >= 16) {
        const protocol::TcpFrame f = protocol::NextTcpFrame(buf_);
        if (f.kind == protocol::TcpFrame::Kind::kMessage) {
          Bytes m(buf_.begin(), buf_.begin() + static_cast<ptrdiff_t>(f.size));
          buf_.erase(buf_.begin(), buf_.begin() + static_cast<ptrdiff_t>(f.size));
          return m;
        }
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          give_up - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) != 1) {
        return {};
      }
      uint8_t chunk[70'000];
      const ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) {
        eof_ = true;
        return {};
      }
      buf_.insert(buf_.end(), chunk, chunk + n);
    }
  }
  bool eof() const { return eof_; }

 private:
  bool tcp_;
  int fd_ = -1;
  sockaddr_in to_{};
  bool connected_ = false;
  bool eof_ = false;
  Bytes buf_;
};

// IsStatus: `m` is a Status copying `nonce`, carrying `session_id` and `code`, in the form of
// §9.5: keyed (HMAC with `cam`'s session IK) or unkeyed (SHA-1 digest).
::testing::AssertionResult IsStatus(const control::testing::TestCam& cam, ByteView m, uint8_t code,
                                    bool keyed, uint64_t nonce, ByteView session_id);

class CassdTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite() { shared_.reset(); }

  void SetUp() override;
  void TearDown() override { Kill(); }

  // WriteConfig writes the daemon's config with `extra` TOML appended (and the *_extra keys in
  // their sections) and returns its path.
  std::string WriteConfig(const std::string& extra = "", const std::string& listen_extra = "",
                          const std::string& cass_extra = "", const std::string& ac_extra = "");
  // OneImage is an [images] section with an HTTP server and one common image for every CAM, so
  // that a RenewInfo follows each registration.
  std::string OneImage();
  // Start runs the daemon on `config`; waits (bounded) for its "listening" line.
  void Start(const std::string& config);
  // RunCli runs rcas-cassd with `args` to the end; returns the exit status, stderr in `err`.
  int RunCli(const std::string& args, std::string* err);
  // Signal sends `sig`; Wait returns the exit status (or -1 after `ms`).
  void Signal(int sig) { ::kill(pid_, sig); }
  int Wait(int ms);
  void Kill();
  std::string Log() const { return dir_.Read("daemon.log"); }
  bool WaitForLog(const std::string& needle, int ms = 10'000);

  control::testing::TestCam Cam(size_t i) {
    return control::testing::TestCam(shared_->cams[i], *shared_->root, kCassdId);
  }
  // KeyNormal runs KeyRequest .. KeyResponse over `sock` (the session waits for CAMReg);
  // EstablishNormal goes on to CAMRegConfirm.
  void KeyNormal(control::testing::TestCam& cam, CamSocket& sock);
  void EstablishNormal(control::testing::TestCam& cam, CamSocket& sock);
  // EstablishAndInstall goes on to confirm the RenewInfo that follows with TRUE (OneImage
  // config) and waits for the daemon's renewal line of CAM `i`.
  void EstablishAndInstall(control::testing::TestCam& cam, size_t i, CamSocket& sock);
  // ExpectCloneRefused: CAM `i` from a fresh UDP port gets its KeyResponse (stage 1 commits
  // nothing), then keyed 0x80 for its CAMReg (Annex C third check, §16.4).
  void ExpectCloneRefused(size_t i);
  // ExpectServed: CAM `i` registers in normal mode from a fresh UDP or TCP socket, proving the
  // daemon still serves other CAMs after whatever the test did.
  void ExpectServed(size_t i, bool tcp = false);
  // Extra names CAMs outside the store's fleet, made once per suite with the built rcasctl:
  // kStranger is a second fleet under the same AC root that was never ingested (the AC's first
  // check fails, Status 0x01); kForeign comes from another PKI whose root the daemon does not
  // trust (§10.4, Status 0x05). Empty (and a test failure) when rcasctl failed.
  enum class Extra { kStranger, kForeign };
  std::optional<control::testing::TestCam> ExtraCam(Extra which);
  // Ac runs `rcasctl ac ARGS --db` on this test's store (daemon stopped); returns the status.
  int Ac(const std::string& args);
  // NextRenewInfo reads and opens the next RenewInfo of `cam`'s session (a test failure if it
  // is none); its nonce goes to `nonce`. The content is a view into `plain`, which must outlive
  // it.
  protocol::RenewInfoContent NextRenewInfo(control::testing::TestCam& cam, CamSocket& sock,
                                           uint64_t* nonce, Bytes* plain);
  // ImageServerPort is the daemon's HTTP or TFTP port, from its "image-servers" log line.
  uint16_t ImageServerPort(bool tftp) const;
  // FetchImages does what a CAM does with the images of `info` (§13.7, §17.2): downloads each
  // from its dSIP over HTTP or TFTP (tm) at the daemon's port with tools/image_client.h,
  // decrypts it with the session's CCCIEK / ICCIEK pair (§17.1) and compares the SHA-1 with
  // hashed-CCCI / hashed-ICCI. Returns how many passed; each failure is a test failure.
  size_t FetchImages(const control::testing::TestCam& cam, const protocol::RenewInfoContent& info);
  // Reports runs `rcasctl ac reports` for CAM `i` on this test's store (daemon stopped).
  std::string Reports(size_t i);

  struct Shared {
    rcas::testing::TempDir dir;
    std::string binary;
    std::string rcasctl;
    std::vector<control::testing::CamIdentityForTest> cams;
    std::vector<control::testing::CamIdentityForTest> stranger;  // ExtraCam, made on first use
    std::vector<control::testing::CamIdentityForTest> foreign;
    std::unique_ptr<crypto::TrustAnchor> root;
  };
  static std::unique_ptr<Shared> shared_;

  rcas::testing::TempDir dir_;
  uint16_t port_ = 0;
  int announce_fd_ = -1;
  uint16_t announce_port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace rcas::tools
