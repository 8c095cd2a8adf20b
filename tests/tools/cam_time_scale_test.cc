// The reference CAM's --time-scale on a fake clock: every protocol timer (§5.5 retransmission
// and timeouts, §15.2 idle, §14.1/§14.2 backoff, §15.1 trigger delays) shrinks by the same
// factor, and 1 keeps the profile's values (cam_timer_test.cc).

#include <gtest/gtest.h>

#include "tests/tools/cam_testing.h"

namespace rcas::testing {
namespace {

using tools::CamMode;
using tools::CamPhase;
using tools::CamTransport;

class CamTimeScaleTest : public CamFixture {
 protected:
  CamTimeScaleTest() { Scale(0.1, /*jitter=*/0); }

  // Scale replaces the CAM by a fresh virgin one with these timers.
  void Scale(double time_scale, double jitter) {
    config.time_scale = time_scale;
    config.jitter = jitter;
    machine = std::make_unique<tools::CamMachine>(cass.CamIdentity(), config,
                                                  tools::CamPersistentState{}, io);
    io.machine = machine.get();
  }

  // FailOnce runs one UDP session to its timeout; returns when it failed.
  int64_t FailOnce() {
    while (machine->phase() == CamPhase::kIdle && machine->NextDeadline()) {
      now = *machine->NextDeadline();
      machine->OnTimer(now);
    }
    while (machine->phase() != CamPhase::kIdle) {
      now = *machine->NextDeadline();
      machine->OnTimer(now);
    }
    return now;
  }
  // NextStart is when the next session starts (the end of the backoff).
  int64_t NextStart() const { return *machine->NextDeadline(); }
};

TEST_F(CamTimeScaleTest, UdpRetransmissionsAt200_600_1400_3000msAndFailureAt6200ms) {
  machine->StartSession(cass.Target(), CamMode::kNormal, now);
  machine->OnTimer(now);
  const int64_t t0 = now;
  const Bytes first = io.Last();
  std::vector<int64_t> at;
  while (machine->phase() != CamPhase::kIdle) {
    now = *machine->NextDeadline();
    const size_t before = io.sent.size();
    machine->OnTimer(now);
    if (io.sent.size() > before) {
      at.push_back(now - t0);
      EXPECT_EQ(io.Last(), first);
    }
  }
  EXPECT_EQ(at, (std::vector<int64_t>{200, 600, 1'400, 3'000}));
  EXPECT_EQ(now - t0, 6'200);
  EXPECT_EQ(machine->stats().timeouts, 1u);
}

TEST_F(CamTimeScaleTest, TcpTimeoutsAre6sThen3sAndIdleIs6s) {
  machine->StartSession(cass.Target(CamTransport::kTcp), CamMode::kNormal, now);
  machine->OnTimer(now);
  EXPECT_EQ(*machine->NextDeadline(), now + 6'000);
  ASSERT_EQ(Deliver(cass.KeyResponse(io.Last())), 1u);
  EXPECT_EQ(*machine->NextDeadline(), now + 3'000);  // CAMReg
  ASSERT_EQ(Deliver(cass.CamRegConfirm(io.Last())), 0u);
  ASSERT_EQ(machine->phase(), CamPhase::kEstablished);
  EXPECT_EQ(*machine->NextDeadline(), now + 6'000);  // idle (§15.2)
  Advance(5'999);
  EXPECT_EQ(machine->phase(), CamPhase::kEstablished);
  Advance(1);
  EXPECT_EQ(machine->phase(), CamPhase::kIdle);
  EXPECT_EQ(machine->stats().completed, 1u);
}

TEST_F(CamTimeScaleTest, ExponentialBackoffRunsFrom6sTo360s) {
  machine->StartSession(cass.Target(), CamMode::kNormal, now);
  std::vector<int64_t> waits;
  for (int i = 0; i < 8; ++i) {
    const int64_t failed = FailOnce();
    waits.push_back(NextStart() - failed);
  }
  EXPECT_EQ(waits, (std::vector<int64_t>{6'000, 12'000, 24'000, 48'000, 96'000, 192'000, 360'000,
                                         360'000}));
}

TEST_F(CamTimeScaleTest, BackoffKeepsItsTwentyPercentJitter) {
  Scale(0.1, /*jitter=*/1);
  machine->StartSession(cass.Target(), CamMode::kNormal, now);
  int64_t low = INT64_MAX, high = 0;
  for (int i = 0; i < 20; ++i) {
    const int64_t failed = FailOnce();
    const int64_t wait = NextStart() - failed;
    low = std::min(low, wait);
    high = std::max(high, wait);
    Scale(0.1, 1);  // a fresh CAM: its first failure again
    machine->StartSession(cass.Target(), CamMode::kNormal, now);
  }
  EXPECT_GE(low, 4'800);
  EXPECT_LE(high, 7'200);
  EXPECT_LT(low, high);  // 20 draws of ±20 % are not all equal
}

TEST_F(CamTimeScaleTest, RefusedCamWaitsAtLeast360sAndBusyCam6sTo30s) {
  machine->StartSession(cass.Target(), CamMode::kNormal, now);
  machine->OnTimer(now);
  ASSERT_EQ(Deliver(cass.UnkeyedStatus(0x80, HeaderOf(io.Last()).nonce)), 0u);
  EXPECT_EQ(NextStart() - now, 360'000);  // §14.1: at least 1 h, scaled

  Scale(0.1, /*jitter=*/1);
  int64_t high = 0;
  for (int i = 0; i < 20; ++i) {
    machine->StartSession(cass.Target(), CamMode::kNormal, now);
    machine->OnTimer(now);
    ASSERT_EQ(Deliver(cass.UnkeyedStatus(0x83, HeaderOf(io.Last()).nonce)), 0u);
    const int64_t wait = NextStart() - now;
    EXPECT_GE(wait, 6'000);  // §14.1 busy: 60-300 s, scaled
    EXPECT_LE(wait, 30'000);
    high = std::max(high, wait);
    Scale(0.1, 1);
  }
  EXPECT_GT(high, 6'000);
}

TEST_F(CamTimeScaleTest, VirginTriggerDelayIsAtMost3s) {
  int64_t high = 0;
  for (int i = 0; i < 20; ++i) {
    Scale(0.1, /*jitter=*/1);
    machine->OnAnnouncement(cass.Announce(0x01, 100), now);
    ASSERT_TRUE(machine->NextDeadline().has_value());
    const int64_t delay = *machine->NextDeadline() - now;
    EXPECT_LE(delay, 3'000);  // §15.1: 0..30 s, scaled
    high = std::max(high, delay);
  }
  EXPECT_GT(high, 0);
}

TEST_F(CamTimeScaleTest, ScaleOneKeepsTheProfileTimers) {
  Scale(1.0, /*jitter=*/0);
  machine->StartSession(cass.Target(), CamMode::kNormal, now);
  machine->OnTimer(now);
  EXPECT_EQ(*machine->NextDeadline(), now + 2'000);
  EXPECT_EQ(config.Scaled(62'000), 62'000);
  config.time_scale = 0.0001;
  EXPECT_EQ(config.Scaled(2'000), 1);  // never a zero interval
  EXPECT_EQ(config.Scaled(0), 0);
}

}  // namespace
}  // namespace rcas::testing
