// The engine's RSA jobs per loop turn (docs/cass-engine.md): the signatures of a burst of mode C1
// cache hits reach the batcher together, in one take of its worker; a lone request is signed at
// once, with no timer; signatures the full batcher cannot take are answered 0x83 (PROFILE §14).
#include <gtest/gtest.h>
#include <poll.h>

#include "tests/control/cass_fixture.h"

namespace rcas::control {
namespace {

using testing::CassFixture;
using testing::TestCam;

class CassRsaFlushTest : public CassFixture {
 protected:
  // Cached establishes CAM 0 at `peer` through the AC, which fills the mode C1 cache, and waits
  // until the RSA worker is idle again.
  void Cached(const PeerRef& peer) {
    MakeEngine();
    auto cam = Cam(0);
    EstablishNormal(cam, peer);
    Settle();
    ASSERT_EQ(engine_->c1_cache().size(), 1u);
  }
  uint64_t Takes() const { return rsa_->stats().batches; }
};

TEST_F(CassRsaFlushTest, ABurstOfCacheHitsIsSignedInOneTake) {
  constexpr size_t kBurst = 6;  // under the 8 lanes of one take
  const PeerRef peer = Udp(46000);
  Cached(peer);
  const uint64_t takes = Takes();
  std::vector<TestCam> cams;
  for (size_t i = 0; i < kBurst; ++i) {
    cams.push_back(Cam(0));  // the CAM re-keying from its source: each supersedes the last
    engine_->OnMessage(peer, cams.back().KeyRequest(), now_ms_);
  }
  EXPECT_EQ(Takes(), takes);  // staged, not queued yet
  engine_->FlushRsa();
  auto out = Pump(kBurst, 5'000);
  ASSERT_EQ(out.size(), kBurst);
  for (size_t i = 0; i < kBurst; ++i) {
    EXPECT_TRUE(cams[i].AcceptKeyResponse(out[i].bytes)) << i;
  }
  EXPECT_EQ(Counter(CassCounter::kC1CacheHits), kBurst);
  EXPECT_EQ(Takes(), takes + 1);
  EXPECT_EQ(rsa_->stats().largest_take, kBurst);
}

TEST_F(CassRsaFlushTest, ALoneRequestIsSignedAtOnceWithoutATimer) {
  const PeerRef peer = Udp(46001);
  Cached(peer);
  const uint64_t takes = Takes();
  auto cam = Cam(0);
  engine_->OnMessage(peer, cam.KeyRequest(), now_ms_);
  engine_->FlushRsa();
  // The worker answers on the RSA eventfd while the clock stands still: nothing waits for a
  // tick or for more requests.
  pollfd fd = {engine_->rsa_event_fd(), POLLIN, 0};
  ASSERT_EQ(poll(&fd, 1, 5'000), 1);
  engine_->Tick(now_ms_);
  std::vector<OutMessage> out;
  engine_->TakeOutput(out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(cam.AcceptKeyResponse(out[0].bytes));
  EXPECT_EQ(Takes(), takes + 1);
}

TEST_F(CassRsaFlushTest, SignaturesPastTheBatchersCapacityAreAnsweredBusy) {
  rsa_ = std::make_unique<crypto::RsaBatcher>(1, 1, /*start=*/false);
  MakeEngine({AnnexCMode::kC2, 3});  // both KeyResponses signed after the AC's stage 1
  auto first = Cam(0);
  auto second = Cam(1);
  engine_->OnMessage(Udp(46002), first.KeyRequest(), now_ms_);
  engine_->OnMessage(Udp(46003), second.KeyRequest(), now_ms_);
  auto out = Pump(1, 5'000);  // the queue holds one signature; nobody signs it yet
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(Counter(CassCounter::kRsaQueueFull), 1u);
  EXPECT_EQ(StatusSent(0x83), 1u);
  const bool first_refused = out[0].peer == Udp(46002);
  TestCam& refused = first_refused ? first : second;
  TestCam& served = first_refused ? second : first;
  EXPECT_EQ(refused.StatusCode(out[0].bytes, false), 0x83);
  rsa_->Start();
  out = Pump();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(served.AcceptKeyResponse(out[0].bytes));
}

}  // namespace
}  // namespace rcas::control
