// The CAM fleet runner on loopback against the scripted CASS in a second thread: a session
// triggered by a unicast RCASAnnounce over UDP (§5.1, §5.4), and a command-line session over TCP
// framed by the header (§5.3), each up to a LogRequest / LogResponse exchange.

#include "tools/cam_fleet.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "protocol/framing.h"
#include "tests/common/temp_dir.h"
#include "tests/tools/cam_testing.h"

namespace rcas::testing {
namespace {

using protocol::MessageType;

sockaddr_in Loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// Bound is a socket bound to an ephemeral loopback port.
struct Bound {
  explicit Bound(int type) : fd(socket(AF_INET, type, 0)) {
    sockaddr_in a = Loopback(0);
    EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    socklen_t len = sizeof(a);
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~Bound() { close(fd); }
  int fd;
  uint16_t port = 0;
};

bool Readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, 5000) == 1;
}

Bytes RecvTcp(int fd, Bytes* rx) {
  for (;;) {
    const protocol::TcpFrame f = protocol::NextTcpFrame(*rx);
    if (f.kind == protocol::TcpFrame::Kind::kMessage) {
      Bytes m(rx->begin(), rx->begin() + static_cast<ptrdiff_t>(f.size));
      rx->erase(rx->begin(), rx->begin() + static_cast<ptrdiff_t>(f.size));
      return m;
    }
    uint8_t buf[4096];
    const ssize_t n = Readable(fd) ? read(fd, buf, sizeof(buf)) : -1;
    if (f.kind == protocol::TcpFrame::Kind::kClose || n <= 0) {
      return {};
    }
    rx->insert(rx->end(), buf, buf + n);
  }
}

tools::CamConfig FastConfig() {
  tools::CamConfig c;
  c.jitter = 0;
  c.idle_ms = 300;
  c.log_info = Bytes{'o', 'k'};
  return c;
}

TEST(CamFleetTest, UdpSessionFromAUnicastAnnouncementCompletesOnLoopback) {
  TestCass cass;
  Bound cass_udp(SOCK_DGRAM);
  cass.set_port(cass_udp.port);
  uint16_t announce_port = 0;
  {
    Bound probe(SOCK_DGRAM);  // a free port for the fleet's announcement socket
    announce_port = probe.port;
  }
  TempDir dir;
  std::ostringstream trace;
  tools::FleetOptions options;
  options.trace = &trace;
  options.once = true;
  tools::CamFleet fleet(options);
  fleet.Add(cass.CamIdentity(), FastConfig(), {}, dir.File("cam.state"));
  ASSERT_TRUE(fleet.ListenAnnouncements("127.0.0.1", announce_port).ok());
  std::thread server([&] {
    const Bytes announce = cass.Announce(0x01, 100);
    const sockaddr_in to = Loopback(announce_port);
    sendto(cass_udp.fd, announce.data(), announce.size(), 0, reinterpret_cast<const sockaddr*>(&to),
           sizeof(to));
    UdpPeer cam(cass_udp.fd);
    const Bytes key_request = cam.Recv();
    ASSERT_EQ(HeaderOf(key_request).type, MessageType::kKeyRequest);
    cam.Reply(cass.KeyResponse(key_request));
    const Bytes cam_reg = cam.Recv();
    ASSERT_EQ(HeaderOf(cam_reg).type, MessageType::kCamReg);
    cam.Reply(cass.CamRegConfirm(cam_reg));
    cam.Reply(cass.LogRequest(9));
    const Bytes log = cam.Recv();
    ASSERT_FALSE(log.empty());
    EXPECT_EQ(HeaderOf(log).type, MessageType::kLogResponse);
  });
  fleet.Run(20'000, nullptr);
  server.join();
  const tools::FleetSummary s = fleet.Summary();
  EXPECT_EQ(s.cams_completed, 1u) << trace.str();
  EXPECT_EQ(s.total.registered, 1u);
  auto state = tools::LoadCamState(dir.File("cam.state"));
  ASSERT_TRUE(state.ok());
  EXPECT_FALSE(state->virgin);
  EXPECT_EQ(state->Zone(cass.cass_id())->announce_counter, 100u);
  EXPECT_NE(trace.str().find("-> KeyRequest nonce="), std::string::npos);
  EXPECT_NE(trace.str().find("check sIGN-kpk: ok"), std::string::npos);
}

TEST(CamFleetTest, TcpSessionFromTheCommandLineEndsWhenTheCassCloses) {
  TestCass cass;
  Bound listener(SOCK_STREAM);
  ASSERT_EQ(listen(listener.fd, 4), 0);
  cass.set_port(listener.port);
  std::ostringstream trace;
  tools::FleetOptions options;
  options.trace = &trace;
  tools::CamFleet fleet(options);
  tools::CamConfig config = FastConfig();
  config.max_sessions = 1;
  fleet.Add(cass.CamIdentity(), config, {}, "");
  fleet.StartAll(cass.Target(tools::CamTransport::kTcp), tools::CamMode::kFast);
  std::thread server([&] {
    ASSERT_TRUE(Readable(listener.fd));
    const int conn = accept(listener.fd, nullptr, nullptr);
    Bytes rx;
    const Bytes request = RecvTcp(conn, &rx);
    ASSERT_EQ(HeaderOf(request).type, MessageType::kKeyRegRequest);
    Bytes out = cass.KeyRegResponse(request);
    const Bytes log = cass.LogRequest(5);
    Append(out, log);  // two messages in one write: the CAM splits them by their headers
    ASSERT_EQ(write(conn, out.data(), out.size()), static_cast<ssize_t>(out.size()));
    const Bytes answer = RecvTcp(conn, &rx);
    ASSERT_FALSE(answer.empty());
    EXPECT_EQ(HeaderOf(answer).type, MessageType::kLogResponse);
    close(conn);
  });
  fleet.Run(20'000, nullptr);
  server.join();
  const tools::FleetSummary s = fleet.Summary();
  EXPECT_EQ(s.cams_completed, 1u) << trace.str();
  std::ostringstream printed;
  s.Print(printed);
  EXPECT_NE(printed.str().find("1 CAMs, 1 completed"), std::string::npos) << printed.str();
}

TEST(CamFleetTest, UdpSessionOverIpv6Loopback) {
  TestCass cass;
  const int fd = socket(AF_INET6, SOCK_DGRAM, 0);
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  std::ostringstream trace;
  tools::FleetOptions options;
  options.trace = &trace;
  tools::CamFleet fleet(options);
  tools::CamConfig config = FastConfig();
  config.max_sessions = 1;
  fleet.Add(cass.CamIdentity(), config, {}, "");
  fleet.StartAll({cass.cass_id(), "::1", ntohs(a.sin6_port), tools::CamTransport::kUdp},
                 tools::CamMode::kNormal);
  std::thread server([&] {
    UdpPeer cam(fd);
    const Bytes key_request = cam.Recv();
    ASSERT_FALSE(key_request.empty());
    cam.Reply(cass.KeyResponse(key_request));
    const Bytes cam_reg = cam.Recv();
    ASSERT_FALSE(cam_reg.empty());
    cam.Reply(cass.CamRegConfirm(cam_reg));
  });
  fleet.Run(20'000, nullptr);
  server.join();
  close(fd);
  EXPECT_EQ(fleet.Summary().cams_completed, 1u) << trace.str();
}

// ServeHttp answers `count` GET requests on `listener` from `objects` (path without the '/').
void ServeHttp(int listener, const std::map<std::string, Bytes>& objects, int count) {
  for (int i = 0; i < count && Readable(listener); ++i) {
    const int conn = accept(listener, nullptr, nullptr);
    std::string request;
    char buf[2048];
    while (request.find("\r\n\r\n") == std::string::npos && Readable(conn)) {
      const ssize_t n = read(conn, buf, sizeof(buf));
      if (n <= 0) {
        break;
      }
      request.append(buf, static_cast<size_t>(n));
    }
    const size_t start = request.find(' ') + 2;
    const std::string path = request.substr(start, request.find(' ', start) - start);
    const auto it = objects.find(path);
    const Bytes body = it != objects.end() ? it->second : Bytes();
    const std::string head =
        std::string(it != objects.end() ? "HTTP/1.1 200 OK" : "HTTP/1.1 404 No") +
        "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
    EXPECT_EQ(write(conn, head.data(), head.size()), static_cast<ssize_t>(head.size()));
    EXPECT_EQ(write(conn, body.data(), body.size()), static_cast<ssize_t>(body.size()));
    close(conn);
  }
}

TEST(CamFleetTest, ImagesComeOverHttpOnTheDownloadThreads) {
  TestCass cass;
  Bound cass_udp(SOCK_DGRAM);
  Bound http(SOCK_STREAM);
  ASSERT_EQ(listen(http.fd, 4), 0);
  cass.set_port(cass_udp.port);
  std::ostringstream trace;
  tools::FleetOptions options;
  options.trace = &trace;
  options.http_port = http.port;
  tools::CamFleet fleet(options);
  tools::CamConfig config = FastConfig();
  config.max_sessions = 1;
  config.purchase_info = {'p'};
  fleet.Add(cass.CamIdentity(), config, {}, "");
  fleet.StartAll(cass.Target(), tools::CamMode::kNormal);
  const std::string common = "common image, sent over HTTP";
  const std::string individual = "individual image of this session";
  std::thread server([&] {
    UdpPeer cam(cass_udp.fd);
    cam.Reply(cass.KeyResponse(cam.Recv()));
    cam.Reply(cass.CamRegConfirm(cam.Recv()));
    cam.Reply(cass.RenewInfo(7, 0x03, true, AsView(common), AsView(individual)));
    ServeHttp(http.fd, cass.objects, 2);
    const Bytes confirm = cam.Recv();
    const Bytes report = cam.Recv();
    ASSERT_FALSE(confirm.empty());
    ASSERT_FALSE(report.empty());
    EXPECT_EQ(HeaderOf(confirm).type, MessageType::kRenewConfirm);
    Bytes plain;
    auto opened = cass.OpenFromCam(confirm, &plain);
    ASSERT_TRUE(opened.has_value());
    protocol::RenewConfirmContent c;
    ASSERT_EQ(protocol::Decode(opened->content, &c), protocol::DecodeError::kNone);
    EXPECT_TRUE(c.download_status);
    EXPECT_EQ(HeaderOf(report).type, MessageType::kPurchaseReport);
  });
  fleet.Run(20'000, nullptr);
  server.join();
  const tools::FleetSummary s = fleet.Summary();
  EXPECT_EQ(s.cams_completed, 1u) << trace.str();
  EXPECT_EQ(s.total.images_installed, 2u) << trace.str();
}

}  // namespace
}  // namespace rcas::testing
