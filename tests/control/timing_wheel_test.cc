// The CASS timing wheel on its own: deadlines never fire early, fire in deadline order across
// slots and turns, cancel is exact (stale ids cancel nothing), large clock jumps fire everything
// due in one pass.
#include "control/timing_wheel.h"

#include <gtest/gtest.h>

#include <random>

namespace rcas::control {
namespace {

constexpr uint64_t kStart = 1'000'000;

std::vector<uint64_t> AdvanceTo(TimingWheel& w, uint64_t now) {
  std::vector<uint64_t> fired;
  w.Advance(now, fired);
  return fired;
}

TEST(TimingWheelTest, TimerNeverFiresBeforeItsDeadline) {
  TimingWheel w(kStart, 100, 8);
  w.Add(kStart + 250, 1);
  EXPECT_TRUE(AdvanceTo(w, kStart + 200).empty());
  EXPECT_TRUE(AdvanceTo(w, kStart + 249).empty());
  EXPECT_EQ(AdvanceTo(w, kStart + 250), std::vector<uint64_t>{1});
  EXPECT_EQ(w.size(), 0u);
}

TEST(TimingWheelTest, FiresInDeadlineOrderAcrossSlotsAndTurns) {
  TimingWheel w(kStart, 10, 4);  // one turn = 40 ms: most of these wrap several times
  w.Add(kStart + 95, 3);
  w.Add(kStart + 15, 1);
  w.Add(kStart + 55, 2);
  w.Add(kStart + 95, 4);  // same deadline: arming order
  w.Add(kStart + 500, 5);
  EXPECT_EQ(AdvanceTo(w, kStart + 100), (std::vector<uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(w.size(), 1u);
  EXPECT_TRUE(AdvanceTo(w, kStart + 499).empty());
  EXPECT_EQ(AdvanceTo(w, kStart + 500), std::vector<uint64_t>{5});
}

TEST(TimingWheelTest, CancelDisarmsOnlyThatTimerAndStaleIdsCancelNothing) {
  TimingWheel w(kStart, 100, 16);
  auto a = w.Add(kStart + 300, 1);
  auto b = w.Add(kStart + 300, 2);
  EXPECT_TRUE(w.Cancel(a));
  EXPECT_FALSE(w.Cancel(a));
  EXPECT_FALSE(w.Cancel(0));
  EXPECT_EQ(AdvanceTo(w, kStart + 300), std::vector<uint64_t>{2});
  EXPECT_FALSE(w.Cancel(b));  // fired
  // The slab entry of `a` is reused; the old id must not cancel the new timer.
  auto c = w.Add(kStart + 400, 3);
  EXPECT_FALSE(w.Cancel(a));
  EXPECT_FALSE(w.Cancel(b));
  EXPECT_EQ(AdvanceTo(w, kStart + 400), std::vector<uint64_t>{3});
  EXPECT_FALSE(w.Cancel(c));
}

TEST(TimingWheelTest, PastDeadlineFiresAtNextAdvance) {
  TimingWheel w(kStart, 100, 8);
  AdvanceTo(w, kStart + 1000);
  w.Add(kStart + 10, 7);
  EXPECT_EQ(AdvanceTo(w, kStart + 1000), std::vector<uint64_t>{7});
}

TEST(TimingWheelTest, HugeClockJumpFiresEverythingDueOnceInOrder) {
  TimingWheel w(kStart, 100, 512);
  const uint64_t week = 7ull * 24 * 3600 * 1000;
  w.Add(kStart + week, 2);
  w.Add(kStart + 60'000, 1);
  w.Add(kStart + 2 * week, 3);
  EXPECT_EQ(AdvanceTo(w, kStart + week), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(AdvanceTo(w, kStart + 3 * week), std::vector<uint64_t>{3});
}

TEST(TimingWheelTest, HandlersMayArmTimersWhileFiring) {
  TimingWheel w(kStart, 100, 8);
  w.Add(kStart + 100, 1);
  auto fired = AdvanceTo(w, kStart + 100);
  ASSERT_EQ(fired.size(), 1u);
  w.Add(kStart + 200, 2);  // re-armed from the handler, e.g. a retransmission
  EXPECT_EQ(AdvanceTo(w, kStart + 200), std::vector<uint64_t>{2});
}

TEST(TimingWheelTest, RandomScheduleMatchesASortedReference) {
  std::mt19937_64 rng(42);
  TimingWheel w(kStart, 50, 64);
  std::vector<std::pair<uint64_t, uint64_t>> ref;  // deadline, payload of live timers
  std::vector<std::pair<TimingWheel::TimerId, uint64_t>> ids;
  for (uint64_t p = 0; p < 2000; ++p) {
    const uint64_t deadline = kStart + rng() % 100'000;
    ids.emplace_back(w.Add(deadline, p), deadline);
    ref.emplace_back(deadline, p);
  }
  for (size_t i = 0; i < ids.size(); i += 3) {  // cancel a third
    ASSERT_TRUE(w.Cancel(ids[i].first));
    ref[i].second = UINT64_MAX;
  }
  std::erase_if(ref, [](const auto& r) { return r.second == UINT64_MAX; });
  std::stable_sort(ref.begin(), ref.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<uint64_t> fired;
  for (uint64_t now = kStart; now <= kStart + 100'000; now += 1 + rng() % 3000) {
    const size_t before = fired.size();
    w.Advance(now, fired);
    for (size_t i = before; i < fired.size(); ++i) {
      EXPECT_LE(ref[i].first, now) << "fired early";
    }
  }
  w.Advance(kStart + 100'000, fired);
  ASSERT_EQ(fired.size(), ref.size());
  for (size_t i = 0; i < ref.size(); ++i) {
    EXPECT_EQ(fired[i], ref[i].second) << i;
  }
  EXPECT_EQ(w.size(), 0u);
}

}  // namespace
}  // namespace rcas::control
