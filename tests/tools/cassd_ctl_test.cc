// rcas-cassd's control socket end to end (docs/cassd.md, "Control socket"): the real daemon and
// the real `rcasctl cass ctl`. An image published while the daemon runs reaches a CAM's RenewInfo
// and is downloaded and checked, then withdrawn; join, leave and the authCount reset act on the
// next authentication (PROFILE §16.4) and a key renewal moves deliverVersion (§16.5), all without
// stopping the daemon; bad requests, long lines,
// silent and surplus clients get an error or a close while others are served; the socket is
// 0600, refused to a second daemon, taken over when stale and removed at stop.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cstdlib>

#include "tests/tools/cassd_testing.h"
#include "tools/image_client.h"

namespace rcas::tools {
namespace {

// UnixClient: a raw connection to the control socket, for what rcasctl never sends.
class UnixClient {
 public:
  explicit UnixClient(const std::string& path) {
    fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~UnixClient() { close(fd_); }
  bool connected() const { return connected_; }
  void Send(const std::string& s) { (void)!send(fd_, s.data(), s.size(), MSG_NOSIGNAL); }
  // ReadAll reads until the daemon closes or `ms` pass; closed() tells which.
  std::string ReadAll(int ms) {
    std::string out;
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          give_up - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) != 1) {
        return out;
      }
      char chunk[4096];
      const ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) {
        closed_ = true;
        return out;
      }
      out.append(chunk, static_cast<size_t>(n));
    }
  }
  bool closed() const { return closed_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
};

class CassdCtlTest : public CassdTest {
 protected:
  std::string SocketPath() const { return dir_.File("state") + "/control.sock"; }
  // Ctl runs `rcasctl cass ctl` with `request`; stdout and stderr go to `out`.
  int Ctl(const std::string& request, std::string* out) {
    const std::string cmd = shared_->rcasctl + " cass ctl --timeout 20 --socket " + SocketPath() +
                            " " + request + " >" + dir_.File("ctl.out") + " 2>&1";
    const int status = std::system(cmd.c_str());
    *out = dir_.Read("ctl.out");
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  std::string CtlOk(const std::string& request) {
    std::string out;
    EXPECT_EQ(Ctl(request, &out), 0) << request << ": " << out << "\nlog:\n" << Log();
    return out;
  }
  std::string CamHex(size_t i) const { return ToHex(shared_->cams[i].cam_id); }

  // Authenticate runs a fresh normal-mode session of CAM `i` up to its CAMReg and returns the
  // answer's Status code, or 0 for a CAMRegConfirm.
  int Authenticate(size_t i) {
    auto cam = Cam(i);
    CamSocket sock(false, port_);
    sock.Send(cam.KeyRequest());
    if (!cam.AcceptKeyResponse(sock.Recv())) {
      ADD_FAILURE() << "no KeyResponse; log:\n" << Log();
      return -1;
    }
    sock.Send(cam.CamReg());
    const Bytes answer = sock.Recv();
    if (cam.AcceptCamRegConfirm(answer)) {
      return 0;
    }
    const int keyed = cam.StatusCode(answer, true);
    return keyed >= 0 ? keyed : cam.StatusCode(answer, false);
  }
};

TEST_F(CassdCtlTest, ImagePublishedWhileRunningIsDownloadedThenWithdrawn) {
  Start(WriteConfig("[images]\nhttp = [\"127.0.0.1:0\"]\ntftp = [\"127.0.0.1:0\"]\n"));
  EXPECT_NE(CtlOk("image list").find("catalog images=0 objects=0"), std::string::npos);
  const std::string common = dir_.Write("live.bin", std::string(3000, '\x5A'));
  const std::string individual = dir_.Write("ind.bin", std::string(900, '\x1D'));
  const std::string published = CtlOk("image publish " + common + " fn=cacs/live.bin version=7");
  EXPECT_NE(published.find("image fn=cacs/live.bin kind=common"), std::string::npos) << published;
  EXPECT_NE(published.find("deliver_version=" + std::to_string(7ull << 32)), std::string::npos)
      << published;
  CtlOk("image publish " + individual + " fn=cacs/ind- kind=individual tm=tftp");

  auto cam = Cam(0);
  CamSocket sock(false, port_);
  EstablishNormal(cam, sock);
  uint64_t nonce = 0;
  Bytes plain;
  const protocol::RenewInfoContent info = NextRenewInfo(cam, sock, &nonce, &plain);
  ASSERT_EQ(info.images().size(), 2u);
  EXPECT_EQ(*info.images()[0].fn, "cacs/live.bin");
  EXPECT_EQ(std::string(*info.images()[1].fn), "cacs/ind-" + ToHex(cam.session_id()) + ".bin");
  EXPECT_EQ(FetchImages(cam, info), 2u) << Log();
  sock.Send(cam.RenewConfirm(nonce, true));
  ASSERT_TRUE(WaitForLog("event=renewal cam_id=" + CamHex(0) + " outcome=installed")) << Log();

  // The renewal record is read from the store the daemon holds, no restart.
  std::string reports;
  for (int i = 0; i < 100 && reports.find("result=installed") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    reports = CtlOk("cam reports " + CamHex(0));
  }
  EXPECT_NE(reports.find("report kind=renewal"), std::string::npos) << reports;
  EXPECT_NE(reports.find("deliver_version=" + std::to_string(7ull << 32)), std::string::npos)
      << reports;
  const std::string status = CtlOk("status");
  EXPECT_NE(status.find(" sessions-established=1 "), std::string::npos) << status;
  EXPECT_NE(status.find(" renewals-installed=1 "), std::string::npos) << status;
  // The common object and this session's individual one.
  EXPECT_NE(status.find("catalog images=2 objects=2 "), std::string::npos) << status;

  const std::string withdrawn = CtlOk("image withdraw cacs/live.bin");
  EXPECT_NE(withdrawn.find("image fn=cacs/live.bin"), std::string::npos) << withdrawn;
  const std::string list = CtlOk("image list");
  EXPECT_EQ(list.find("cacs/live.bin"), std::string::npos) << list;
  EXPECT_NE(list.find("image fn=cacs/ind- kind=individual"), std::string::npos) << list;
  EXPECT_FALSE(HttpDownload("127.0.0.1", ImageServerPort(false), "cacs/live.bin").ok());
  std::string out;
  EXPECT_EQ(Ctl("image withdraw cacs/live.bin", &out), 1);
  EXPECT_NE(out.find("error: rcas-cassd: no image with fn 'cacs/live.bin'"), std::string::npos)
      << out;
}

// Mode C2 with OPERATOR_LIMIT 1 (PROFILE §16.4), all through the daemon's own AC service: an
// in-service CAM's second authentication is refused (fourth check, 0x80); after the authCount
// reset the third check still takes the same deliverVersion in the same zone for a clone until
// `campaign renew` moves it (§16.5); "leave" (AUTH_NOT_SERVICE) passes the second check; "join"
// clears the record.
TEST_F(CassdCtlTest, CamActionsAndRenewalChangeTheNextAuthentication) {
  Start(WriteConfig("", "", "", "annex_c = \"C2\"\noperator_limit = 1\n"));
  ASSERT_EQ(Authenticate(1), 0);
  EXPECT_EQ(Authenticate(1), 0x80);
  std::string shown = CtlOk("cam show " + CamHex(1));
  EXPECT_NE(shown.find(" state=service "), std::string::npos) << shown;
  EXPECT_NE(shown.find(" auth_count=1 "), std::string::npos) << shown;
  EXPECT_NE(CtlOk("status").find(" limit-reached=1"), std::string::npos);

  EXPECT_NE(CtlOk("cam reset-count " + CamHex(1)).find(" auth_count=0 "), std::string::npos);
  EXPECT_EQ(Authenticate(1), 0x80);
  EXPECT_NE(CtlOk("status").find(" suspected-clone=1 "), std::string::npos);
  const std::string renewed = CtlOk("campaign renew");
  EXPECT_NE(renewed.find(" deliver_version=1"), std::string::npos) << renewed;
  EXPECT_EQ(Authenticate(1), 0);
  EXPECT_EQ(Authenticate(1), 0x80);  // counted again

  EXPECT_NE(CtlOk("cam set-state " + CamHex(1) + " leave").find(" state=not-service "),
            std::string::npos);
  EXPECT_EQ(Authenticate(1), 0);  // AUTH_NOT_SERVICE passes the second check
  shown = CtlOk("cam show " + CamHex(1));
  EXPECT_NE(shown.find(" state=service "), std::string::npos) << shown;

  shown = CtlOk("cam set-state " + CamHex(1) + " join");
  EXPECT_NE(shown.find(" state=virgin "), std::string::npos) << shown;
  EXPECT_NE(shown.find(" hw=unknown "), std::string::npos) << shown;
  // Never a secret: only that they exist.
  EXPECT_NE(shown.find(" ki_opc=provisioned(not-shown) kpk=present(not-shown) "), std::string::npos)
      << shown;
  EXPECT_TRUE(WaitForLog("event=control-cam cam_id=" + CamHex(1) + " action=set-state"));

  std::string out;
  EXPECT_EQ(Ctl("cam set-state 00000000000000ff leave", &out), 1);
  EXPECT_NE(out.find("CAM 00000000000000ff is not provisioned"), std::string::npos) << out;
}

TEST_F(CassdCtlTest, BadRequestsAndClientsNeverStopTheDaemon) {
  Start(WriteConfig());
  UnixClient silent(SocketPath());  // connects and never writes: closed after 10 s
  ASSERT_TRUE(silent.connected());
  const std::pair<const char*, const char*> bad[] = {
      {"frobnicate", "unknown request 'frobnicate'"},
      {"image publish", "usage: image list"},
      {"image publish /nonexistent fn=x", "is required: no [images] server"},
      {"image publish /dev/null fn=x ds_ip=127.0.0.1", "/dev/null: not a regular file"},
      {"image publish /x fn=x version=-1", "[image].version: must be an integer"},
      {"image publish /x fn=x ds_ip=127.0.0.1 colour=red", "[image].colour: unknown key"},
      {"campaign everything", "usage: campaign"},
      {"campaign renew schedule=991399000000", "schedule must be YYMMDDhhmmss"},
      {"cam show", "usage: cam"},
      {"cam show 12", "CAM_ID must be 16 hex digits"},
      {"cam set-state 0000000000000001 evict", "usage: cam"},
  };
  for (const auto& [request, error] : bad) {
    std::string out;
    EXPECT_EQ(Ctl(request, &out), 1) << request;
    EXPECT_NE(out.find(error), std::string::npos) << request << ": " << out;
  }
  std::string out;
  EXPECT_EQ(Ctl("", &out), 2) << out;  // usage: no request

  UnixClient huge(SocketPath());
  huge.Send(std::string(100'000, 'x'));
  EXPECT_EQ(huge.ReadAll(5000), "error: request longer than 4096 octets\n");
  EXPECT_TRUE(huge.closed());

  UnixClient pipelined(SocketPath());
  pipelined.Send("status\n\nhelp\n");
  const std::string answers = pipelined.ReadAll(500);
  EXPECT_EQ(answers.find("sessions live=0"), 0u) << answers;
  EXPECT_NE(answers.find("\nok\nerror: empty request"), std::string::npos) << answers;
  EXPECT_NE(answers.find("cam show|reports|reset-count CAM_ID"), std::string::npos) << answers;

  // Eight clients at most (silent and pipelined hold two); the ninth is told and closed.
  std::vector<std::unique_ptr<UnixClient>> crowd;
  for (int i = 0; i < 7; ++i) {
    crowd.push_back(std::make_unique<UnixClient>(SocketPath()));
  }
  EXPECT_EQ(crowd.back()->ReadAll(1000), "error: too many control clients (8)\n");
  EXPECT_TRUE(crowd.back()->closed());
  crowd.clear();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_NE(CtlOk("status").find("control clients="), std::string::npos);

  EXPECT_EQ(silent.ReadAll(12'000), "error: no request for 10 s, closed\n");
  EXPECT_TRUE(silent.closed());
  Signal(SIGTERM);
  EXPECT_EQ(Wait(10'000), 0) << Log();
}

TEST_F(CassdCtlTest, SocketIsPrivateExclusiveAndRemovedAtStop) {
  const std::string config = WriteConfig();
  Start(config);
  struct stat st {};
  ASSERT_EQ(stat(SocketPath().c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // A second daemon on another store copy but the same socket is refused, the socket kept.
  ASSERT_EQ(std::system(("cp -a " + dir_.File("ac") + " " + dir_.File("ac2")).c_str()), 0);
  std::string text = dir_.Read("cassd.toml");
  text.replace(text.find(dir_.File("ac")), dir_.File("ac").size(), dir_.File("ac2"));
  const std::string second = dir_.Write("second.toml", text);
  std::string err;
  EXPECT_EQ(RunCli("--config " + second, &err), 1);
  EXPECT_NE(err.find("[cass].control_socket " + SocketPath() + ": a running daemon serves it"),
            std::string::npos)
      << err;
  EXPECT_EQ(CtlOk("status").find("sessions live=0"), 0u);
  // Killed, it leaves a stale socket, which the next start takes over.
  Kill();
  ASSERT_EQ(stat(SocketPath().c_str(), &st), 0);
  Start(config);
  EXPECT_EQ(CtlOk("status").find("sessions live=0"), 0u);
  Signal(SIGTERM);
  ASSERT_EQ(Wait(10'000), 0) << Log();
  EXPECT_NE(stat(SocketPath().c_str(), &st), 0);
  // Something else at the path is never removed.
  dir_.Write("state/control.sock", "not a socket");
  EXPECT_EQ(RunCli("--config " + config, &err), 1);
  EXPECT_NE(err.find(": exists and is not a socket"), std::string::npos) << err;
  // The path must fit a sockaddr_un (WriteConfig rewrites the config: last).
  const std::string long_path = "control_socket = \"/" + std::string(120, 'x') + "\"\n";
  EXPECT_EQ(RunCli("--check --config " + WriteConfig("", "", long_path), &err), 2);
  EXPECT_NE(err.find("[cass].control_socket: must be a path of at most 107 characters"),
            std::string::npos)
      << err;
}

}  // namespace
}  // namespace rcas::tools
