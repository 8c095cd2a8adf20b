// rcas-cassd under faults, end to end: the built rcas-cam fleet (--time-scale 0.1, so a lost
// datagram costs 200 ms, not 2 s) against the built daemon on 127.0.0.1. Datagrams lost and
// duplicated both ways by an in-test relay (PROFILE §5.5: byte-identical retransmissions and
// cached answers), and the daemon killed or stopped while sessions are live, then restarted on
// the same config, store and port: every CAM retries and completes, and the AC's records agree.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tests/tools/cassd_testing.h"
#include "tests/tools/fleet_process.h"
#include "tests/tools/udp_relay.h"

namespace rcas::tools {
namespace {

constexpr int kCams = 16;
constexpr uint64_t kFirstCamId = 0x0000000200000001;  // clear of the fixture's CAM_IDs

std::string CamIdHex(int i) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llX", static_cast<unsigned long long>(kFirstCamId + i));
  return buf;
}

// Number reads the unsigned number that follows `key` in `text` (0 if absent).
uint64_t Number(const std::string& text, const std::string& key) {
  const size_t at = text.find(key);
  return at == std::string::npos ? 0 : std::strtoull(text.c_str() + at + key.size(), nullptr, 10);
}

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

// FreeLoopbackPort is a port nothing listens on for `type` (SOCK_STREAM / SOCK_DGRAM): the image
// servers need fixed ports so that the restarted daemon serves the CAMs at the same place.
uint16_t FreeLoopbackPort(int type) {
  const int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  (void)bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

// The two fleets of the suite: kCams CAMs that start together, and kLateCams more that come
// while the daemon drains.
constexpr int kLateCams = 4;

class CassdFaultsTest : public CassdTest {
 protected:
  // SetUpTestSuite adds both fleets to the fixture's PKI and store.
  static void SetUpTestSuite() {
    CassdTest::SetUpTestSuite();
    if (shared_ == nullptr) {
      return;
    }
    AddFleet("faults", kCams, 0);
    AddFleet("late", kLateCams, kCams);
  }
  static void AddFleet(const std::string& name, int count, int first) {
    const std::string pki = shared_->dir.File("pki");
    const std::string quiet = " >/dev/null 2>&1";
    ASSERT_EQ(std::system((shared_->rcasctl + " pki cams --pki " + pki + " --count " +
                           std::to_string(count) + " --share-key " + std::to_string(count) +
                           " --name " + name + " --first-id " + CamIdHex(first) + quiet)
                              .c_str()),
              0);
    ASSERT_EQ(std::system((shared_->rcasctl + " ac ingest --db " + shared_->dir.File("ac") + " " +
                           pki + "/" + name + ".ac.rcpv" + quiet)
                              .c_str()),
              0);
  }

  // ImagesConfig: a common image over HTTP and an individual one of `octets` over TFTP, on
  // fixed ports so that a restarted daemon serves them where the CAMs look.
  std::string ImagesConfig(size_t octets = 65536) {
    const std::string common = dir_.Write("common.bin", std::string(4096, '\xC0'));
    const std::string ind = dir_.Write("ind.bin", std::string(octets, '\x1D'));
    http_port_ = FreeLoopbackPort(SOCK_STREAM);
    tftp_port_ = FreeLoopbackPort(SOCK_DGRAM);
    return "[images]\nhttp = [\"127.0.0.1:" + std::to_string(http_port_) +
           "\"]\ntftp = [\"127.0.0.1:" + std::to_string(tftp_port_) +
           "\"]\n[[images.image]]\nfile = \"" + common +
           "\"\nfn = \"cacs/common.bin\"\nversion = 3\n[[images.image]]\nfile = \"" + ind +
           "\"\nfn = \"cacs/ind-\"\nkind = \"individual\"\ntm = \"tftp\"\n";
  }
  // StartFleet runs fleet `name` to `port` over UDP in `mode` with protocol timers at 0.1 (the
  // default idle, 6 s, outlasts the daemon's unscaled RenewInfo retransmissions at 2 and 6 s);
  // its output goes to <name>.out.
  void StartFleet(testing::Fleet& fleet, const std::string& name, uint16_t port,
                  const std::string& mode, int retries, int download_threads = 4) {
    const std::string pki = shared_->dir.File("pki");
    const std::vector<std::string> args = {"--prov",
                                           pki + "/" + name + ".cam.rcpv",
                                           "--root",
                                           pki + "/ac-root.cert.pem",
                                           "--state",
                                           dir_.File(name + "-state"),
                                           "--cass",
                                           "127.0.0.1:" + std::to_string(port),
                                           "--cass-id",
                                           "0000000a",
                                           "--mode",
                                           mode,
                                           "--retries",
                                           std::to_string(retries),
                                           "--jitter",
                                           "0",
                                           "--time-scale",
                                           "0.1",
                                           "--http-port",
                                           std::to_string(http_port_),
                                           "--tftp-port",
                                           std::to_string(tftp_port_),
                                           "--download-threads",
                                           std::to_string(download_threads)};
    fleet.Start(std::string(std::getenv("RCAS_BUILD_DIR")) + "/tools/rcas-cam", args,
                dir_.File(name + ".out"));
  }
  // ExpectAllCompleted checks a fleet's exit status and summary: every CAM completed and
  // installed both images.
  void ExpectAllCompleted(const std::string& name, int cams, int status) {
    const std::string out = dir_.Read(name + ".out");
    EXPECT_EQ(status, 0) << out << Log();
    EXPECT_NE(out.find("summary: " + std::to_string(cams) + " CAMs, " + std::to_string(cams) +
                       " completed"),
              std::string::npos)
        << out;
    EXPECT_EQ(Number(out, "images installed "), 2u * cams) << out;
  }
  // Stop stops the daemon with SIGTERM and returns its log (counters at the end).
  std::string Stop() {
    Signal(SIGTERM);
    EXPECT_EQ(Wait(15'000), 0) << Log();
    return Log();
  }
  // ExpectAcConsistent checks the store after the stop against the daemon's `logs`: CAMs
  // [first, first + count) are in service, a CAM has an installation record exactly when a
  // renewal was logged for it (and then no pending C1 commit), and no Status 0x80 (Annex C refusal,
  // §16.4) or 0x01 was sent. A SIGKILLed daemon logs a renewal before it submits the record, so
  // at most one renewal that only `killed_log` shows may lack its record.
  void ExpectAcConsistent(int first, int count, const std::string& logs,
                          const std::string& killed_log = "") {
    int unrecorded = 0;
    EXPECT_EQ(logs.find("code=0x80"), std::string::npos) << logs;
    EXPECT_EQ(logs.find("code=0x01"), std::string::npos) << logs;
    for (int i = first; i < first + count; ++i) {
      const std::string id = CamIdHex(i);
      const std::string show = Ac("show " + id);
      EXPECT_NE(show.find("state            service"), std::string::npos) << show;
      std::string lower = id;
      std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
      const std::string event = "event=renewal cam_id=" + lower;
      const bool logged = logs.find(event) != std::string::npos;
      const bool stored = Ac("reports " + id).find("installed") != std::string::npos;
      if (logged && !stored && killed_log.find(event) != std::string::npos &&
          Count(logs, event) == 1) {
        ++unrecorded;
        continue;
      }
      EXPECT_EQ(stored, logged) << id;
      if (stored) {  // the installation ended any pending mode C1 commit (docs/ac-service.md)
        EXPECT_NE(show.find("c1Pending        no"), std::string::npos) << show;
      }
    }
    EXPECT_LE(unrecorded, 1) << logs;
  }
  std::string Ac(const std::string& args) {
    const std::string out = dir_.File("ac.out");
    (void)std::system(
        (shared_->rcasctl + " ac " + args + " --db " + dir_.File("ac") + " >" + out + " 2>&1")
            .c_str());
    return dir_.Read("ac.out");
  }
  void RunLossy(const std::string& mode);
  void RunKill(const std::string& annex_c);

  uint16_t http_port_ = 0;
  uint16_t tftp_port_ = 0;
};

// Every 3rd distinct datagram loses its first copy and every 4th is sent twice, both ways. The
// CAMs retransmit (§5.5), the daemon answers byte-identical duplicates from its cache and
// retransmits RenewInfo, and every CAM still installs both images.
void CassdFaultsTest::RunLossy(const std::string& mode) {
  Start(WriteConfig(ImagesConfig()));
  {
    testing::UdpRelay relay(port_, /*drop_every=*/3, /*dup_every=*/4);
    testing::Fleet fleet;
    StartFleet(fleet, "faults", relay.port(), mode, /*retries=*/2);
    ExpectAllCompleted("faults", kCams, fleet.Wait(45'000));
    const std::string out = dir_.Read("faults.out");
    EXPECT_GT(Number(out, "retransmissions "), 0u) << out;
    EXPECT_GE(relay.clients(), size_t{kCams});  // one upstream socket per CAM session
    EXPECT_GT(relay.up().dropped, 0u);
    EXPECT_GT(relay.down().dropped, 0u);
    EXPECT_GT(relay.up().duplicated, 0u);
    EXPECT_GT(relay.down().duplicated, 0u);
  }
  const std::string log = Stop();
  EXPECT_GT(Number(log, "rx-duplicate-answered="), 0u) << log;  // §5.5 cached answers
  EXPECT_EQ(Count(log, "event=renewal "), size_t{kCams}) << log;
  ExpectAcConsistent(0, kCams, log);
}

TEST_F(CassdFaultsTest, NormalModeFleetCompletesThroughLossAndDuplicationOverUdp) {
  RunLossy("normal");
}

TEST_F(CassdFaultsTest, FastModeFleetCompletesThroughLossAndDuplicationOverUdp) {
  RunLossy("fast");
}

// SIGKILL once the first CAM has installed, while the others are keying or downloading; restart
// on the same config, store and port. The CAMs' requests to the dead daemon time out (or their
// downloads fail), they retry after their backoff, and all complete.
void CassdFaultsTest::RunKill(const std::string& annex_c) {
  // 1 MiB individual images on one download thread: the CAMs download one after the other, so
  // at the kill some have installed and the others are downloading or waiting to.
  const std::string config =
      WriteConfig(ImagesConfig(1 << 20), "", "", "annex_c = \"" + annex_c + "\"\n");
  Start(config);
  testing::Fleet fleet;
  StartFleet(fleet, "faults", port_, "normal", /*retries=*/4, /*download_threads=*/1);
  ASSERT_TRUE(WaitForLog("event=renewal ", 20'000)) << dir_.Read("faults.out") << Log();
  Signal(SIGKILL);
  ASSERT_EQ(Wait(5'000), 128 + SIGKILL);
  const std::string killed_log = Log();
  ASSERT_LT(Count(killed_log, "event=renewal "), size_t{kCams}) << "no session was live\n"
                                                                << killed_log;
  Start(config);
  ExpectAllCompleted("faults", kCams, fleet.Wait(45'000));
  const std::string out = dir_.Read("faults.out");
  EXPECT_GT(Number(out, "sessions "), uint64_t{kCams}) << out;  // some CAMs retried
  const std::string logs = killed_log + Stop();
  // RenewConfirm has no answer (§15.3): one whose CAM completed but which reached only the killed
  // daemon is lost with it (the CAM stays due at the AC). With serial downloads that is at most
  // the one in flight at the kill.
  EXPECT_GE(Count(logs, "event=renewal "), size_t{kCams - 1}) << logs;
  ExpectAcConsistent(0, kCams, logs, killed_log);
}

// Mode C2: a CAM whose CAMReg the AC committed before the kill re-registers within
// OPERATOR_LIMIT (§16.4 fourth check), and RenewConfirm(TRUE) resets its authCount.
TEST_F(CassdFaultsTest, SigkillWithSessionsLiveThenRestartEveryCamRetriesAndCompletesInModeC2) {
  RunKill("C2");
}

// Mode C1 (the default): the C1 cache of AC results that §16.5 relies on for retries lives in
// the daemon's memory and is gone after the restart, so a CAM whose CAMReg the AC committed
// before the kill re-registers at the AC itself with the same deliverVersion in the same zone.
// The AC serves it as a retry of its pending C1 commit (docs/ac-service.md) instead of refusing
// it as a suspected clone (0x80, then a backoff of >= 1 h, §14.1).
TEST_F(CassdFaultsTest, SigkillWithSessionsLiveThenRestartEveryCamRetriesAndCompletesInModeC1) {
  RunKill("C1");
}

// SIGTERM once the first CAM has installed: the live sessions finish during the drain, the
// KeyRequests of a second fleet arriving meanwhile are dropped (no Status, §15.4 is for live
// sessions); after the restart those CAMs retry and complete too.
TEST_F(CassdFaultsTest, SigtermDrainsLiveSessionsAndCamsArrivingMeanwhileCompleteAfterRestart) {
  const std::string config = WriteConfig(ImagesConfig());
  Start(config);
  testing::Fleet fleet, late;
  StartFleet(fleet, "faults", port_, "normal", /*retries=*/2);
  ASSERT_TRUE(WaitForLog("event=renewal ", 20'000)) << dir_.Read("faults.out") << Log();
  Signal(SIGTERM);
  ASSERT_TRUE(WaitForLog("event=draining")) << Log();
  StartFleet(late, "late", port_, "normal", /*retries=*/2);
  ASSERT_EQ(Wait(15'000), 0) << Log();
  const std::string drained_log = Log();
  EXPECT_GT(Number(drained_log, "first_requests_dropped="), 0u) << drained_log;
  Start(config);
  ExpectAllCompleted("faults", kCams, fleet.Wait(45'000));
  ExpectAllCompleted("late", kLateCams, late.Wait(45'000));
  EXPECT_GT(Number(dir_.Read("late.out"), "sessions "), uint64_t{kLateCams});  // they retried
  const std::string log = Stop();
  EXPECT_EQ(Count(drained_log + log, "event=renewal "), size_t{kCams + kLateCams});
  ExpectAcConsistent(0, kCams + kLateCams, drained_log + log);
}

TEST_F(CassdFaultsTest, TimeScaleOutsideZeroToOneIsAUsageError) {
  for (const char* scale : {"0", "1.5", "-1"}) {
    testing::Fleet fleet;
    fleet.Start(std::string(std::getenv("RCAS_BUILD_DIR")) + "/tools/rcas-cam",
                {"--prov", shared_->dir.File("pki") + "/faults.cam.rcpv", "--root",
                 shared_->dir.File("pki") + "/ac-root.cert.pem", "--state", dir_.File("cams"),
                 "--cass", "127.0.0.1:1", "--cass-id", "0000000a", "--time-scale", scale},
                dir_.File("usage.out"));
    EXPECT_EQ(fleet.Wait(10'000), 2) << scale;
    EXPECT_NE(dir_.Read("usage.out").find("rcas-cam: error: --time-scale"), std::string::npos)
        << dir_.Read("usage.out");
  }
}

}  // namespace
}  // namespace rcas::tools
