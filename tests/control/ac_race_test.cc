// Concurrency: a clone registering from many places at once gets exactly one success (Annex C),
// counters lose no update under concurrent requests, and queued decisions share group commits.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "control/ac_service.h"
#include "tests/control/ac_fixture.h"

namespace rcas::control {
namespace {

using testing::AcFixture;
using testing::kCassA;
using Kind = AcRequestKind;

class AcRaceTest : public AcFixture {};

TEST_F(AcRaceTest, ACloneRegisteringFromManyThreadsWinsExactlyOnce) {
  for (size_t workers : {1, 4}) {
    for (AnnexCMode mode : {AnnexCMode::kC1, AnnexCMode::kC2}) {
      size_t cam =
          workers == 1 ? (mode == AnnexCMode::kC1 ? 0 : 1) : (mode == AnnexCMode::kC1 ? 2 : 3);
      // C2 with limit 1: the fourth check refuses every repeat, like C1's third.
      auto ac = Service({mode, 1}, workers);
      std::atomic<int> wins{0};
      std::atomic<int> clones{0};
      std::vector<std::thread> threads;
      for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
          for (int i = 0; i < 8; ++i) {
            AcResult r = ac->Call(Request(Kind::kFast, cam));
            (r.ok ? wins : clones)++;
          }
        });
      }
      for (auto& t : threads) {
        t.join();
      }
      EXPECT_EQ(wins.load(), 1) << "workers " << workers << " mode " << int(mode);
      EXPECT_EQ(clones.load(), 63);
    }
  }
}

TEST_F(AcRaceTest, ConcurrentAuthenticationsLoseNoCount) {
  // Mode C2 counts every success; with a limit above the total every request succeeds, so the
  // stored count must equal the number of requests.
  auto ac = Service({AnnexCMode::kC2, 1'000'000}, 2);
  constexpr int kThreads = 6;
  constexpr int kEach = 40;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      CompletionQueue cq;
      for (int i = 0; i < kEach; ++i) {
        ASSERT_TRUE(ac->Submit(Request(Kind::kNormalCamReg, 4 + (i % 3)), cq));
      }
      std::vector<AcResult> out;
      while (out.size() < kEach) {
        cq.Wait(1000);
        cq.Poll(out);
      }
      for (const AcResult& r : out) {
        EXPECT_TRUE(r.ok) << "thread " << t << ": " << r.error;
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  uint32_t total = StateOf(4).auth_count + StateOf(5).auth_count + StateOf(6).auth_count;
  EXPECT_EQ(total, uint32_t{kThreads * kEach});
}

TEST_F(AcRaceTest, QueuedDecisionsShareOneDurableCommit) {
  // Hold the worker inside its first batch until everything is queued: the rest must then be
  // committed in ceil(999 / max_batch) group commits, not one each.
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  int batches = 0;
  AcOptions o;
  o.max_batch = 256;
  o.now_ms = [&] {
    std::unique_lock lock(mu);
    if (batches++ == 0) {
      cv.wait(lock, [&] { return release; });
    }
    return now_ms_;
  };
  AcService ac(*store_, root_, o);
  CompletionQueue cq;
  constexpr size_t kRequests = 1000;
  for (size_t i = 0; i < kRequests; ++i) {
    AcRequest r = Request(Kind::kPurchaseReport, i % kCams);
    r.report = {uint8_t(i), uint8_t(i >> 8)};
    ASSERT_TRUE(ac.Submit(std::move(r), cq));
  }
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  std::vector<AcResult> out;
  while (out.size() < kRequests) {
    cq.Wait(1000);
    cq.Poll(out);
  }
  AcCounters c = ac.counters();
  EXPECT_EQ(c.requests, kRequests);
  EXPECT_EQ(c.accepted, kRequests);
  EXPECT_LE(c.commits, 1 + (kRequests - 1 + 255) / 256);
  size_t stored = 0;
  for (size_t i = 0; i < kCams; ++i) {
    auto reports = store_->ListReports(testing::CamAt(i));
    ASSERT_TRUE(reports.ok());
    stored += reports->size();
  }
  EXPECT_EQ(stored, kRequests);
}

}  // namespace
}  // namespace rcas::control
