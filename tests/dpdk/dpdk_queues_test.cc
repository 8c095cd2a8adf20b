// Two workers on one net_ring port (poll_queues = 2), the test playing RSS by choosing the queue
// of every frame: a message carries the worker it came by as its peer's route (not part of the
// source), answers and flow keys go to the worker of the route, and the IP fragment ids of two
// workers never collide (docs/dataplane.md, "A CAM on two workers").

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "protocol/flow_keys.h"
#include "tests/dpdk/dpdk_fixture.h"
#include "tests/dpdk/dpdk_messages.h"

namespace rcas::dataplane::testing {
namespace {

using protocol::MessageType;

class DpdkTwoQueuesTest : public DpdkPortTest {
 protected:
  void SetUp() override {
    DpdkOptions o = TestOptions();
    o.poll_queues = 2;
    Open(o);
  }
  // PeerVia sends a first request by `queue` and returns the peer the control thread saw.
  control::PeerRef PeerVia(unsigned queue) {
    Inject(UdpFrame(Framed(MessageType::kKeyRequest, 64)), queue);
    Turn();
    const auto got = Messages();
    EXPECT_EQ(got.size(), 1u);
    return got.empty() ? control::PeerRef{} : got[0].peer;
  }
};

TEST_F(DpdkTwoQueuesTest, MessagesCarryTheirWorkerAsRouteAndAnswersLeaveByIt) {
  const control::PeerRef via1 = PeerVia(1);
  EXPECT_TRUE(IsDpdkPeer(via1));
  EXPECT_EQ(via1.route, 1);
  const control::PeerRef via0 = PeerVia(0);
  EXPECT_EQ(via0.route, 0);
  EXPECT_TRUE(via0 == via1) << "one CAM, whichever worker its datagram reached";
  EXPECT_EQ(transport_->worker_stats(0)[DpdkCounter::kToControl], 1u);
  EXPECT_EQ(transport_->worker_stats(1)[DpdkCounter::kToControl], 1u);
  const Bytes answer = Framed(MessageType::kKeyResponse, 300);
  ASSERT_TRUE(transport_->Send({via1, answer}));
  Turn();
  EXPECT_TRUE(Sent(0).empty());
  const auto sent = Sent(1);
  ASSERT_EQ(sent.size(), 1u);
  FrameView v;
  ASSERT_EQ(ParseFrame(sent[0], &v), FrameVerdict::kUdp);
  EXPECT_EQ(v.dst_mac, kCamMac);
  EXPECT_EQ(v.payload_len, answer.size());
}

TEST_F(DpdkTwoQueuesTest, FlowKeysLiveOnTheWorkerOfTheirRoute) {
  Keyed k;
  protocol::FlowKeys flow;
  ASSERT_TRUE(protocol::MakeFlowKeys(k.keys, &flow).ok());
  control::PeerRef peer = CamPeer();
  peer.route = 1;
  transport_->InstallKeys(peer, 42, flow);
  Bytes der;
  const Bytes msg = LogResponse(k.keys, SessionId(), &der);
  Inject(UdpFrame(msg), 0);
  Inject(UdpFrame(msg), 1);
  Turn();
  const auto got = Messages();
  ASSERT_EQ(got.size(), 2u);
  for (const DpdkMessage& m : got) {
    SCOPED_TRACE(m.peer.route);
    EXPECT_EQ(m.pre_opened, m.peer.route == 1) << "opened only where the keys are";
    if (m.pre_opened) {
      EXPECT_EQ(m.session, 42u);
      EXPECT_TRUE(std::equal(der.begin(), der.end(), m.content.begin(), m.content.end()));
    }
  }
  EXPECT_EQ(transport_->worker_stats(1)[DpdkCounter::kFlowsInstalled], 1u);
  EXPECT_EQ(transport_->worker_stats(0)[DpdkCounter::kFlowsInstalled], 0u);
}

TEST_F(DpdkTwoQueuesTest, FragmentIdsOfTwoWorkersNeverCollide) {
  const control::PeerRef peers[] = {PeerVia(0), PeerVia(1)};
  const Bytes answer = Framed(MessageType::kKeyResponse, 1700);  // over the MTU: 2 fragments
  for (int round = 0; round < 3; ++round) {
    for (const control::PeerRef& p : peers) {
      ASSERT_TRUE(transport_->Send({p, answer}));
    }
  }
  Turn();
  std::set<uint32_t> ids[2];
  for (unsigned q = 0; q < 2; ++q) {
    for (const Bytes& f : Sent(q)) {
      FrameView v;
      ASSERT_EQ(ParseFrame(f, &v), FrameVerdict::kIpv4Fragment);
      EXPECT_EQ(v.frag_id % 2, q) << "worker i of 2 numbers i, i + 2, ...";
      ids[q].insert(v.frag_id);
    }
    EXPECT_EQ(ids[q].size(), 3u) << "three datagrams from worker " << q;
  }
}

}  // namespace
}  // namespace rcas::dataplane::testing
