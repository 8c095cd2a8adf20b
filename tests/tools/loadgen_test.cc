// rcas-loadgen end to end: the built generator against the built rcas-cassd on 127.0.0.1
// (kernel sockets). A storm of 2000 CAMs completes with no failure in --check mode; fast mode
// with images downloads and installs them; a hostile mix gets the Status codes of PROFILE §14
// while every genuine CAM still completes; --check catches a CASS of the wrong identity; lost
// datagrams are retransmitted (§5.5).

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "tests/tools/cassd_testing.h"
#include "tests/tools/fleet_process.h"
#include "tests/tools/udp_relay.h"

namespace rcas::tools {
namespace {

constexpr int kStormCams = 2000;

class LoadgenTest : public CassdTest {
 protected:
  static void SetUpTestSuite() {
    CassdTest::SetUpTestSuite();
    if (shared_ == nullptr) {
      return;
    }
    const std::string pki = shared_->dir.File("pki");
    const std::string quiet = " >/dev/null 2>&1";
    ASSERT_EQ(std::system((shared_->rcasctl + " pki cams --pki " + pki + " --count " +
                           std::to_string(kStormCams) +
                           " --share-key 250 --name storm --first-id 0000000300000001" + quiet)
                              .c_str()),
              0);
    ASSERT_EQ(std::system((shared_->rcasctl + " ac ingest --db " + shared_->dir.File("ac") + " " +
                           pki + "/storm.ac.rcpv" + quiet)
                              .c_str()),
              0);
  }

  // RunLoadgen runs the built rcas-loadgen on the storm fleet against `port` with `args` and
  // returns its exit status; its report is in report_ (null when it wrote none).
  int RunLoadgen(uint16_t port, const std::vector<std::string>& args, int timeout_ms = 120'000) {
    const std::string pki = shared_->dir.File("pki");
    std::vector<std::string> all = {"--prov",     pki + "/storm.cam.rcpv",
                                    "--root",     pki + "/ac-root.cert.pem",
                                    "--cass",     "127.0.0.1:" + std::to_string(port),
                                    "--cass-id",  "0000000A",
                                    "--json",     dir_.File("report.json"),
                                    "--progress", "0"};
    if (std::find(args.begin(), args.end(), "--cass-id") != args.end()) {
      all.erase(all.begin() + 6, all.begin() + 8);  // the test names its own
    }
    all.insert(all.end(), args.begin(), args.end());
    std::remove(dir_.File("report.json").c_str());
    testing::Fleet gen;
    gen.Start(std::string(std::getenv("RCAS_BUILD_DIR")) + "/tools/rcas-loadgen", all,
              dir_.File("loadgen.out"));
    const int status = gen.Wait(timeout_ms);
    const std::string json = dir_.Read("report.json");
    report_ = json.empty() ? nlohmann::json() : nlohmann::json::parse(json, nullptr, false);
    return status;
  }
  std::string Out() const { return dir_.Read("loadgen.out"); }

  nlohmann::json report_;
};

TEST_F(LoadgenTest, StormOf2000NormalModeCamsCompletesWithNoFailureInCheckMode) {
  Start(WriteConfig());
  ASSERT_EQ(RunLoadgen(port_, {"--check", "--window", "256"}), 0) << Out() << Log();
  ASSERT_TRUE(report_.is_object()) << Out();
  EXPECT_EQ(report_["cams"], kStormCams);
  EXPECT_EQ(report_["registered"], kStormCams);
  EXPECT_EQ(report_["completed"], kStormCams);
  EXPECT_EQ(report_["failed"], 0);
  EXPECT_TRUE(report_["check_failures"].empty()) << report_["check_failures"];
  EXPECT_TRUE(report_["ok"]);
  for (const char* kind : {"KeyResponse", "CAMRegConfirm", "registration"}) {
    const nlohmann::json& h = report_["latency_us"][kind];
    EXPECT_GE(h["count"].get<int>(), kStormCams) << kind;
    EXPECT_LE(h["min"].get<uint64_t>(), h["p50"].get<uint64_t>()) << kind;
    EXPECT_LE(h["p50"].get<uint64_t>(), h["p99"].get<uint64_t>()) << kind;
    EXPECT_LE(h["p99"].get<uint64_t>(), h["max"].get<uint64_t>()) << kind;
  }
  EXPECT_GE(report_["tx_by_type"]["KeyRequest"].get<int>(), kStormCams);
  EXPECT_GE(report_["rx_by_type"]["CAMRegConfirm"].get<int>(), kStormCams);
  EXPECT_GT(report_["registrations_per_s"].get<double>(), 0);
  EXPECT_FALSE(report_["timeline"].empty());
  Signal(SIGTERM);
  ASSERT_EQ(Wait(15'000), 0) << Log();
  // The daemon saw every CAM register: one AC record per CAM in service.
  for (int i : {0, kStormCams / 2, kStormCams - 1}) {
    char id[17];
    std::snprintf(id, sizeof id, "%016llX", 0x0000000300000001ull + unsigned(i));
    ASSERT_EQ(Ac(std::string("show ") + id), 0) << dir_.Read("ac.out");
    EXPECT_NE(dir_.Read("ac.out").find("state            service"), std::string::npos) << id;
  }
}

TEST_F(LoadgenTest, FastModeStormDownloadsChecksAndInstallsEveryImage) {
  Start(WriteConfig(OneImage()));
  const uint16_t http = ImageServerPort(false);
  ASSERT_EQ(RunLoadgen(port_, {"--mode", "fast", "--count", "300", "--check", "--download",
                               "--http-port", std::to_string(http)}),
            0)
      << Out() << Log();
  EXPECT_EQ(report_["registered"], 300);
  EXPECT_EQ(report_["renewals"]["installed"], 300) << report_["renewals"];
  EXPECT_EQ(report_["renewals"]["images_failed"], 0);
  EXPECT_EQ(report_["tx_by_type"]["RenewConfirm"], 300);
  EXPECT_GE(report_["latency_us"]["renewal"]["count"].get<int>(), 300);
  EXPECT_FALSE(report_["tx_by_type"].contains("CAMReg"));  // fast mode has none (§15.3)
}

// Every kind of attack at 20% of the genuine sessions: each gets the answer §14 prescribes
// (0x05, 0x81, 0x80, silence; a replay 0x82 or the cached answer while the CASS still holds
// the session), and every genuine CAM still completes.
TEST_F(LoadgenTest, HostileMixGetsTheProfilesAnswersAndGenuineCamsStillComplete) {
  Start(WriteConfig());
  const int status =
      RunLoadgen(port_, {"--count", "500", "--check", "--seed", "7", "--window", "100",
                         "--hostile-wait", "8000", "--hostile",
                         "bad-signature=0.2,replay=0.2,clone=0.2,malformed=0.2,garbage=0.2"});
  ASSERT_TRUE(report_.is_object()) << Out();
  EXPECT_EQ(status, 0) << Out() << Log();
  EXPECT_EQ(report_["registered"], 500);
  EXPECT_EQ(report_["failed"], 0);
  const nlohmann::json& h = report_["hostile"];
  for (const char* kind : {"bad-signature", "replay", "clone", "malformed", "garbage"}) {
    ASSERT_TRUE(h.contains(kind)) << h;
    EXPECT_GT(h[kind]["sent"].get<int>(), 40) << kind;
    EXPECT_EQ(h[kind]["unexpected"], 0) << kind << " " << h[kind];
    EXPECT_EQ(h[kind]["expected"], h[kind]["sent"]) << kind;
  }
  EXPECT_EQ(h["bad-signature"]["outcomes"]["status 0x05"], h["bad-signature"]["sent"]);
  EXPECT_EQ(h["malformed"]["outcomes"]["status 0x81"], h["malformed"]["sent"]);
  EXPECT_EQ(h["clone"]["outcomes"]["status 0x80"], h["clone"]["sent"]);
  EXPECT_EQ(h["garbage"]["outcomes"]["silence"], h["garbage"]["sent"]);
}

// --check is what makes a load test worth something: a CASS whose certificate names another
// CASS_ID is refused (0x05) by every CAM, and the run fails.
TEST_F(LoadgenTest, CheckModeRefusesACassOfTheWrongIdentity) {
  Start(WriteConfig());
  EXPECT_EQ(
      RunLoadgen(port_, {"--cass-id", "0000000B", "--count", "40", "--check", "--sessions", "1"}),
      1)
      << Out();
  ASSERT_TRUE(report_.is_object()) << Out();
  EXPECT_EQ(report_["registered"], 0);
  EXPECT_EQ(report_["failed"], 40);
  EXPECT_EQ(report_["check_failures"]["CASS certificate"], 40) << report_["check_failures"];
  EXPECT_EQ(report_["status_sent"]["0x05"], 40);
}

// An answer changed on the way fails the CAM's checks: a third of the KeyResponses with a flipped
// bit in the signature (0x05), a third of the CAMRegConfirms with one in the MAC (0x04). --check
// counts exactly those, the CAMs answer with those Status codes, and the run fails.
TEST_F(LoadgenTest, CheckModeCatchesEveryTamperedAnswer) {
  Start(WriteConfig());
  // Chosen by nonce, so that a retransmitted answer (the CASS's cache, §5.5) is changed the same
  // way as its first copy; the relay's thread writes the sets, the test reads them at the end.
  std::mutex mu;
  std::set<uint64_t> bad_signatures, bad_macs;
  testing::UdpRelay relay(port_, 1 << 30, 1 << 30, [&](std::string& m) {
    if (m.size() < 16 || m[0] != 0 || (m[1] != 0x04 && m[1] != 0x06)) {
      return;
    }
    const uint64_t nonce = LoadBe64(reinterpret_cast<const uint8_t*>(m.data()) + 6);
    if (nonce % 3 != 0) {
      return;
    }
    m.back() ^= 0x01;  // the signature's (§9.4) or the HMAC's (§9.2) last octet
    std::lock_guard lock(mu);
    (m[1] == 0x04 ? bad_signatures : bad_macs).insert(nonce);
  });
  EXPECT_EQ(RunLoadgen(relay.port(), {"--count", "120", "--check", "--sessions", "1"}), 1) << Out();
  ASSERT_TRUE(report_.is_object()) << Out();
  std::lock_guard lock(mu);
  const auto sigs = static_cast<int>(bad_signatures.size());
  const auto macs = static_cast<int>(bad_macs.size());
  ASSERT_GT(sigs, 0);
  ASSERT_GT(macs, 0);
  EXPECT_EQ(report_["check_failures"]["RSA signature"], sigs);
  EXPECT_EQ(report_["check_failures"]["CAMRegConfirm HMAC"], macs);
  EXPECT_EQ(report_["status_sent"]["0x05"], sigs);
  EXPECT_EQ(report_["status_sent"]["0x04"], macs);
  EXPECT_EQ(report_["failed"], sigs + macs);
  EXPECT_EQ(report_["registered"], 120 - sigs - macs);
}

// Every 3rd distinct datagram loses its first copy and every 5th is sent twice, both ways: the
// CAMs retransmit byte-identical requests (§5.5, timers at 0.05) and the CASS answers
// duplicates from its cache; all complete.
TEST_F(LoadgenTest, LostDatagramsAreRetransmittedAndEveryCamCompletes) {
  Start(WriteConfig());
  testing::UdpRelay relay(port_, /*drop_every=*/3, /*dup_every=*/5);
  ASSERT_EQ(RunLoadgen(relay.port(), {"--count", "200", "--check", "--time-scale", "0.05"}), 0)
      << Out() << Log();
  EXPECT_EQ(report_["completed"], 200);
  EXPECT_GT(report_["retransmissions"].get<int>(), 0);
  EXPECT_GT(relay.up().dropped, 0u);
  EXPECT_GT(relay.down().dropped, 0u);
}

// Steady state with sessions held for 4 s: the CAMs listen to the daemon's unicast
// announcements (one a second) and verify each with the CHK of their KeyResponse (§6.2).
TEST_F(LoadgenTest, SteadyStateCamsVerifyTheAnnouncementsWithTheirChk) {
  Start(WriteConfig());
  close(announce_fd_);  // the generator listens on the fixture's announcement port instead
  announce_fd_ = -1;
  ASSERT_EQ(RunLoadgen(port_, {"--count", "100", "--check", "--scenario", "steady", "--duration",
                               "4", "--announce", "127.0.0.1:" + std::to_string(announce_port_)}),
            0)
      << Out();
  EXPECT_EQ(report_["completed"], 100);
  EXPECT_GE(report_["announcements"]["verified"].get<int>(), 2) << report_["announcements"];
  EXPECT_TRUE(report_["check_failures"].empty()) << report_["check_failures"];
}

// Two generator threads, each with half the CAMs, its own sockets and token bucket: one merged
// report with every CAM once.
TEST_F(LoadgenTest, TwoGeneratorThreadsShareTheCamsAndMergeOneReport) {
  Start(WriteConfig());
  ASSERT_EQ(RunLoadgen(port_, {"--count", "301", "--check", "--threads", "2", "--rate", "2000"}), 0)
      << Out();
  EXPECT_EQ(report_["cams"], 301);
  EXPECT_EQ(report_["registered"], 301);
  EXPECT_EQ(report_["sessions"], 301);  // no CAM twice, none left out
  EXPECT_EQ(report_["latency_us"]["registration"]["count"], 301);
  EXPECT_NE(report_["transport"].get<std::string>().find("2 threads"), std::string::npos);
}

TEST_F(LoadgenTest, BadArgumentsAreUsageErrors) {
  const std::string pki = shared_->dir.File("pki");
  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{"--hostile", "bad-signature=2"},
        std::vector<std::string>{"--hostile", "flood=0.1"},
        std::vector<std::string>{"--time-scale", "0"},
        std::vector<std::string>{"--cass", "localhost"},
        std::vector<std::string>{"--scenario", "steady"}}) {
    std::vector<std::string> args = {"--prov", pki + "/storm.cam.rcpv", "--root",
                                     pki + "/ac-root.cert.pem"};
    args.insert(args.end(), bad.begin(), bad.end());
    testing::Fleet gen;
    gen.Start(std::string(std::getenv("RCAS_BUILD_DIR")) + "/tools/rcas-loadgen", args,
              dir_.File("usage.out"));
    EXPECT_EQ(gen.Wait(10'000), 2) << bad[0] << " " << bad[1];
    EXPECT_NE(dir_.Read("usage.out").find("rcas-loadgen: error:"), std::string::npos)
        << dir_.Read("usage.out");
  }
}

}  // namespace
}  // namespace rcas::tools
