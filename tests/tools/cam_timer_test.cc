// The reference CAM's timers on a fake clock: UDP retransmission 2/4/8/16 s + 32 s with
// byte-identical datagrams, TCP response timeouts (PROFILE §5.5), ESTABLISHED idle 60 s (§15.2),
// exponential backoff (§14.2), a transport that fails to open.

#include <gtest/gtest.h>

#include "tests/tools/cam_testing.h"

namespace rcas::testing {
namespace {

using tools::CamPhase;

TEST_F(CamFixture, UdpKeyRequestIsRetransmittedByteIdenticalOn2_4_8_16sThenFailsAfter62s) {
  machine->StartSession(cass.Target(), tools::CamMode::kNormal, now);
  machine->OnTimer(now);
  const Bytes first = io.Last();
  const int64_t t0 = now;
  std::vector<int64_t> at;
  while (machine->phase() != CamPhase::kIdle) {
    const auto next = machine->NextDeadline();
    ASSERT_TRUE(next.has_value());
    now = *next;
    const size_t before = io.sent.size();
    machine->OnTimer(now);
    if (io.sent.size() > before) {
      at.push_back(now - t0);
      EXPECT_EQ(io.Last(), first);
    }
  }
  EXPECT_EQ(at, (std::vector<int64_t>{2'000, 6'000, 14'000, 30'000}));
  EXPECT_EQ(now - t0, 62'000);
  EXPECT_EQ(machine->stats().timeouts, 1u);
  EXPECT_EQ(machine->stats().retransmissions, 4u);
}

TEST_F(CamFixture, CamRegIsRetransmittedLikeKeyRequestAndAnsweredLate) {
  machine->StartSession(cass.Target(), tools::CamMode::kNormal, now);
  machine->OnTimer(now);
  ASSERT_EQ(Deliver(cass.KeyResponse(io.Last())), 1u);
  const Bytes cam_reg = io.Last();
  Advance(2'000);
  EXPECT_EQ(io.Last(), cam_reg);
  ASSERT_EQ(Deliver(cass.CamRegConfirm(cam_reg)), 0u);
  EXPECT_EQ(machine->phase(), CamPhase::kEstablished);
  EXPECT_EQ(*machine->NextDeadline(), now + 60'000);  // only the idle timer is left
}

TEST_F(CamFixture, TcpHasNoRetransmissionAnd60sThen30sTimeouts) {
  machine->StartSession(cass.Target(tools::CamTransport::kTcp), tools::CamMode::kNormal, now);
  machine->OnTimer(now);
  EXPECT_EQ(*machine->NextDeadline(), now + 60'000);
  ASSERT_EQ(Deliver(cass.KeyResponse(io.Last())), 1u);
  EXPECT_EQ(*machine->NextDeadline(), now + 30'000);  // CAMReg
  Advance(29'999);
  EXPECT_EQ(io.sent.size(), 2u);
  Advance(1);
  EXPECT_EQ(machine->phase(), CamPhase::kIdle);
  EXPECT_EQ(machine->stats().timeouts, 1u);
}

TEST_F(CamFixture, EstablishedSessionGoesIdleAfter60sWithoutTrafficAndCompletes) {
  Establish();
  Advance(59'999);
  EXPECT_EQ(machine->phase(), CamPhase::kEstablished);
  (void)Deliver(cass.LogRequest(4));  // traffic restarts the idle timer
  Advance(59'999);
  EXPECT_EQ(machine->phase(), CamPhase::kEstablished);
  Advance(1);
  EXPECT_EQ(machine->phase(), CamPhase::kIdle);
  EXPECT_EQ(machine->stats().completed, 1u);
  EXPECT_FALSE(machine->stats().last_failed);
  EXPECT_TRUE(machine->Done());
}

TEST_F(CamFixture, FailedSessionsBackOffExponentiallyFrom60sTo3600s) {
  config.udp_first_retransmit_ms = 1;  // time out fast: 31 ms
  Make({});
  machine->StartSession(cass.Target(), tools::CamMode::kNormal, now);
  std::vector<int64_t> waits;
  int64_t last_fail = 0;
  while (machine->stats().sessions < 9) {
    now = *machine->NextDeadline();
    const uint64_t sessions = machine->stats().sessions;
    machine->OnTimer(now);
    if (machine->stats().sessions > sessions && last_fail != 0) {
      waits.push_back(now - last_fail);
    }
    if (machine->phase() == CamPhase::kIdle) {
      last_fail = now;
    }
  }
  EXPECT_EQ(waits, (std::vector<int64_t>{60'000, 120'000, 240'000, 480'000, 960'000, 1'920'000,
                                         3'600'000, 3'600'000}));
}

TEST_F(CamFixture, TransportThatDoesNotOpenFailsTheSession) {
  io.fail_open = true;
  machine->StartSession(cass.Target(tools::CamTransport::kTcp), tools::CamMode::kNormal, now);
  machine->OnTimer(now);
  EXPECT_EQ(machine->phase(), CamPhase::kIdle);
  EXPECT_TRUE(io.sent.empty());
  EXPECT_TRUE(machine->stats().last_failed);
}

TEST_F(CamFixture, MaxSessionsStopsRetrying) {
  config.udp_first_retransmit_ms = 1;
  config.max_sessions = 2;
  Make({});
  machine->StartSession(cass.Target(), tools::CamMode::kNormal, now);
  while (machine->NextDeadline()) {
    now = *machine->NextDeadline();
    machine->OnTimer(now);
  }
  EXPECT_EQ(machine->stats().sessions, 2u);
  EXPECT_TRUE(machine->Done());
}

}  // namespace
}  // namespace rcas::testing
