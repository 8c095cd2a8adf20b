// rcas-cassd and systemd's Type=notify: READY=1 only once it serves (a CAM registers right after
// it), STOPPING=1 when SIGTERM starts the drain; without NOTIFY_SOCKET nothing is sent.
#include <gtest/gtest.h>
#include <sys/un.h>

#include <cstddef>
#include <cstdlib>

#include "tests/tools/cassd_testing.h"

namespace rcas::tools {
namespace {

// NotifySocket is the datagram socket systemd would own.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    path.copy(a.sun_path, sizeof a.sun_path - 1);
    // An abstract name is exactly its octets: the length, not a NUL, ends it.
    const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size());
    bound_ = bind(fd_, reinterpret_cast<sockaddr*>(&a), len) == 0;
  }
  ~NotifySocket() { close(fd_); }
  bool bound() const { return bound_; }
  std::string Recv(int ms) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, ms) != 1) {
      return {};
    }
    char buf[512];
    const ssize_t n = recv(fd_, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  }

 private:
  int fd_ = -1;
  bool bound_ = false;
};

using NotifyTest = CassdTest;

TEST_F(NotifyTest, ReadyOnceServingStoppingAtTheDrain) {
  NotifySocket systemd(dir_.File("notify.sock"));
  ASSERT_TRUE(systemd.bound());
  ::setenv("NOTIFY_SOCKET", dir_.File("notify.sock").c_str(), 1);
  Start(WriteConfig());
  ::unsetenv("NOTIFY_SOCKET");
  EXPECT_EQ(systemd.Recv(5000), "READY=1\nSTATUS=serving");
  auto cam = Cam(0);
  CamSocket sock(false, port_);
  EstablishNormal(cam, sock);
  Signal(SIGTERM);
  EXPECT_EQ(systemd.Recv(5000), "STOPPING=1\nSTATUS=draining");
  EXPECT_EQ(Wait(15'000), 0) << Log();
  EXPECT_EQ(systemd.Recv(100), "");
}

TEST_F(NotifyTest, AbstractSocketNameAndAnUnreachableOneOnlyWarns) {
  const std::string name = "rcas-notify-" + std::to_string(getpid());
  NotifySocket systemd('\0' + name);
  ASSERT_TRUE(systemd.bound());
  ::setenv("NOTIFY_SOCKET", ("@" + name).c_str(), 1);
  Start(WriteConfig());
  ::unsetenv("NOTIFY_SOCKET");
  EXPECT_EQ(systemd.Recv(5000), "READY=1\nSTATUS=serving");
  Signal(SIGTERM);
  EXPECT_EQ(Wait(15'000), 0) << Log();

  ::setenv("NOTIFY_SOCKET", dir_.File("nobody.sock").c_str(), 1);
  Start(WriteConfig());
  ::unsetenv("NOTIFY_SOCKET");
  EXPECT_TRUE(WaitForLog("event=notify")) << Log();
  auto cam = Cam(1);
  CamSocket sock(false, port_);
  EstablishNormal(cam, sock);
}

}  // namespace
}  // namespace rcas::tools
