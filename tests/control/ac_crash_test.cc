// Crash test in the style of RocksDB's db_crashtest: a child process (this binary, re-executed
// with RCAS_CRASH_CHILD_DB set) makes AC decisions and writes one line per acknowledged decision
// to a pipe; the parent SIGKILLs it at a random moment, reopens the store and checks that every
// acknowledged decision is there and that the store is consistent. RCAS_CRASH_ROUNDS sets the
// number of kills (default 6, bounded to about 20 s); a soak run sets more.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <string>

#include "control/ac_service.h"
#include "tests/control/ac_fixture.h"

namespace rcas::control {
namespace {

using testing::CamAt;
using Kind = AcRequestKind;
constexpr size_t kCrashCams = 8;
constexpr size_t kWave = 32;

// The child: C2 authentications (each success adds one to authCount) and purchase reports whose
// body is a sequence number, in waves of kWave, forever; it prints "A cam" or "R seq" for each
// acknowledged one to the pipe, after the result arrived (i.e. after the group commit).
TEST(AcCrashChild, MakesDecisionsUntilKilled) {
  const char* db = std::getenv("RCAS_CRASH_CHILD_DB");
  if (db == nullptr) {
    GTEST_SKIP() << "runs only as the crash test's child";
  }
  storage::StoreOptions so;
  so.path = db;
  auto store = storage::AcStore::Open(so);
  ASSERT_TRUE(store.ok()) << store.error();
  AcOptions o;
  o.policy = {AnnexCMode::kC2, 1'000'000'000};
  o.workers = 2;
  AcService ac(**store, nullptr, o);
  CompletionQueue cq;
  uint64_t seq = std::strtoull(std::getenv("RCAS_CRASH_CHILD_SEQ"), nullptr, 10);
  int fd = std::atoi(std::getenv("RCAS_CRASH_CHILD_FD"));
  std::vector<AcResult> out;
  for (uint64_t wave = 0;; ++wave) {
    for (size_t i = 0; i < kWave; ++i, ++seq) {
      AcRequest r;
      r.cam_id = CamAt(seq % kCrashCams);
      r.dsc_id = testing::DscFor(r.cam_id);
      r.cass_id = testing::kCassA;
      r.kind = seq % 2 == 0 ? Kind::kNormalCamReg : Kind::kPurchaseReport;
      r.report = Bytes(8);
      StoreBe64(r.report.data(), seq);
      r.tag = seq;
      ASSERT_TRUE(ac.Submit(std::move(r), cq));
    }
    out.clear();
    while (out.size() < kWave) {
      cq.Wait(1000);
      cq.Poll(out);
    }
    for (const AcResult& r : out) {
      ASSERT_TRUE(r.ok) << r.error;
      dprintf(fd, "%c %llu %llu\n", r.kind == Kind::kNormalCamReg ? 'A' : 'R',
              static_cast<unsigned long long>(LoadBe64(r.cam_id.data()) & 0xFF),
              static_cast<unsigned long long>(r.tag));
    }
  }
}

class AcCrashTest : public testing::AcFixture {};

TEST_F(AcCrashTest, EveryAcknowledgedDecisionSurvivesSigkill) {
  store_.reset();  // the child owns the store while it runs
  const char* rounds_env = std::getenv("RCAS_CRASH_ROUNDS");
  int rounds = rounds_env != nullptr ? std::atoi(rounds_env) : 6;
  std::mt19937 rng(std::random_device{}());
  std::map<uint64_t, uint64_t> acked_auths;  // cam index -> acknowledged successes
  std::set<uint64_t> acked_reports;
  uint64_t seq = 0;
  for (int round = 0; round < rounds; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int null = open("/dev/null", O_WRONLY);
      dup2(null, STDOUT_FILENO);
      close(fds[0]);
      setenv("RCAS_CRASH_CHILD_FD", std::to_string(fds[1]).c_str(), 1);
      setenv("RCAS_CRASH_CHILD_DB", dir_.File("ac").c_str(), 1);
      setenv("RCAS_CRASH_CHILD_SEQ", std::to_string(seq).c_str(), 1);
      execl("/proc/self/exe", "control_tests", "--gtest_filter=AcCrashChild.*", "--gtest_brief=1",
            static_cast<char*>(nullptr));
      _exit(127);
    }
    close(fds[1]);
    FILE* in = fdopen(fds[0], "r");
    // Kill after a random number of acknowledged decisions, or a deadline.
    size_t kill_after = std::uniform_int_distribution<size_t>(1, 400)(rng);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    char kind;
    unsigned long long cam, tag;
    size_t seen = 0;
    while (seen < kill_after && std::chrono::steady_clock::now() < deadline &&
           std::fscanf(in, " %c %llu %llu", &kind, &cam, &tag) == 3) {
      if (kind == 'A') {
        ++acked_auths[cam];
      } else {
        acked_reports.insert(tag);
      }
      seq = std::max<uint64_t>(seq, tag + 1);
      ++seen;
    }
    kill(pid, SIGKILL);
    // Lines already in the pipe are acknowledgements too.
    while (std::fscanf(in, " %c %llu %llu", &kind, &cam, &tag) == 3) {
      if (kind == 'A') {
        ++acked_auths[cam];
      } else {
        acked_reports.insert(tag);
      }
      seq = std::max<uint64_t>(seq, tag + 1);
    }
    fclose(in);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the child stopped by itself: " << status;
    seq += 4 * kWave;  // decisions in flight at the kill may be committed but unacknowledged

    OpenStore();
    for (size_t c = 0; c < kCrashCams; ++c) {
      // An unacknowledged decision may be there too (committed, killed before it was printed).
      EXPECT_GE(StateOf(c).auth_count, acked_auths[c]) << "round " << round << " CAM " << c;
    }
    std::set<uint64_t> stored;
    for (size_t c = 0; c < kCrashCams; ++c) {
      auto reports = store_->ListReports(CamAt(c));
      ASSERT_TRUE(reports.ok()) << reports.error();
      for (const auto& r : *reports) {
        ASSERT_EQ(r.body.size(), 8u);
        EXPECT_TRUE(stored.insert(LoadBe64(r.body.data())).second) << "a report stored twice";
      }
    }
    for (uint64_t t : acked_reports) {
      EXPECT_TRUE(stored.count(t)) << "acknowledged report " << t << " lost in round " << round;
    }
    store_.reset();
  }
  EXPECT_FALSE(acked_reports.empty());
  std::cout << rounds << " kills, " << acked_reports.size() << " acknowledged reports and "
            << std::accumulate(acked_auths.begin(), acked_auths.end(), uint64_t{0},
                               [](uint64_t a, const auto& kv) { return a + kv.second; })
            << " acknowledged authentications checked\n";
}

}  // namespace
}  // namespace rcas::control
