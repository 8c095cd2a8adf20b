// CassEngine's hooks for the dataplane workers (issue 5): on_keys gives each session's keys to a
// flow table (protocol::FlowKeys) before the message that lets the CAM use them, and OnOpened
// takes the keyed CAM messages a worker already opened with IPsec-MB (crypto/burst.h), with the
// outcome OnMessage gives.
#include <gtest/gtest.h>

#include "tests/control/cass_worker_fixture.h"

namespace rcas::control {
namespace {

using protocol::MessageType;
using testing::CassWorkerFixture;
using testing::Flow;
using testing::NonceOf;
using testing::TypeOf;

class CassPreOpenedTest : public CassWorkerFixture {
 protected:
  // Begin sends `cam`'s first request from `peer` (fast: KeyRegRequest) and accepts the answer.
  bool Begin(testing::TestCam& cam, const PeerRef& peer, bool fast = false) {
    auto out = Logged(SendAndPump(peer, fast ? cam.KeyRegRequest() : cam.KeyRequest()));
    return !out.empty() &&
           (fast ? cam.AcceptKeyRegResponse(out[0].bytes) : cam.AcceptKeyResponse(out[0].bytes));
  }
  // Restarted begins `first` and then `second` from `peer` (the CAM restarted: a new session from
  // the same source replaces the first) and returns the first session's flow, which a worker
  // may still hold.
  Flow Restarted(testing::TestCam& first, testing::TestCam& second, const PeerRef& peer) {
    EXPECT_TRUE(Begin(first, peer));
    const Flow old_flow = flows_.at(peer);
    EXPECT_TRUE(Begin(second, peer));
    EXPECT_NE(flows_.at(peer).session, old_flow.session);
    return old_flow;
  }
  void PlanRenewal() {
    const Bytes image(333, 0x1D);
    RenewalPlan plan;
    plan.individual = CampaignImage{0x03, std::array<uint8_t, 16>{}, "ind-",
                                    std::make_shared<const Bytes>(image), crypto::Sha1(image)};
    plan.purchase_report_req = true;
    plan.log_request = true;
    campaign_.plan = plan;
  }

  // Transcript runs a normal-mode session with renewal, purchase report and log for CAM `cam_i`,
  // every keyed CAM message through `via_worker`'s path, and lists what came out, message by
  // message: type, size, close flag (bytes differ between runs: fresh keys and nonces).
  std::vector<std::string> Transcript(bool via_worker, size_t cam_i) {
    std::vector<std::string> t;
    auto note = [&t](const std::vector<OutMessage>& out) {
      for (const OutMessage& m : out) {
        t.push_back(std::string(protocol::MessageTypeName(TypeOf(m.bytes))) + " " +
                    std::to_string(m.bytes.size()) + (m.close_after ? " close" : ""));
      }
      t.push_back("|");
    };
    auto cam = Cam(cam_i);
    const PeerRef peer = Udp(44000);
    const Bytes key_request = cam.KeyRequest();
    if (via_worker) {  // a first request comes whole: OnOpened hands it to OnMessage
      engine_->OnOpened(peer, key_request, PreOpened{}, now_ms_);
    } else {
      engine_->OnMessage(peer, key_request, now_ms_);
    }
    auto out = Pump();
    note(out);
    EXPECT_TRUE(!out.empty() && cam.AcceptKeyResponse(out[0].bytes));
    const Bytes cam_reg = cam.CamReg();
    out = Feed(via_worker, peer, cam_reg, 2);
    note(out);
    EXPECT_TRUE(out.size() == 2 && cam.AcceptCamRegConfirm(out[0].bytes));
    if (out.size() != 2) {
      return t;
    }
    const Bytes confirm = out[0].bytes;
    const uint64_t nonce3 = NonceOf(out[1].bytes);
    out = Feed(via_worker, peer, cam_reg);  // duplicate: the cached CAMRegConfirm
    note(out);
    EXPECT_TRUE(out.size() == 1 && out[0].bytes == confirm);
    const Bytes renew_confirm = cam.RenewConfirm(nonce3, true);
    note(Feed(via_worker, peer, renew_confirm));
    out = Feed(via_worker, peer, cam.PurchaseReport(nonce3, AsView("event 42")));
    note(out);
    EXPECT_EQ(out.size(), 1u);
    if (out.size() == 1) {
      note(Feed(via_worker, peer, cam.LogResponse(NonceOf(out[0].bytes), AsView("1 boot"))));
    }
    note(Feed(via_worker, peer, renew_confirm));  // a late copy: stale, dropped
    Settle();
    return t;
  }
};

TEST_F(CassPreOpenedTest, NormalModeKeysComeInThreeStepsEachBeforeTheMessageThatUsesThem) {
  Start();
  auto cam = Cam(0);
  const PeerRef peer = Udp(43000);
  ASSERT_TRUE(Begin(cam, peer));
  ASSERT_EQ(history_.size(), 1u);
  ExpectFlowOpens(history_[0].keys, *cam.keys(), false);
  auto out = Worker(peer, cam.CamReg(), 1);
  ASSERT_EQ(out.size(), 1u);
  ASSERT_TRUE(cam.AcceptCamRegConfirm(out[0].bytes));
  EXPECT_EQ(log_, (std::vector<std::string>{"keys ik", "out KeyResponse", "keys ik+mek",
                                            "keys full", "out CAMRegConfirm"}));
  ASSERT_EQ(history_.size(), 3u);
  ExpectFlowOpens(history_[2].keys, *cam.keys(), true);
}

TEST_F(CassPreOpenedTest, FastModeKeysComeAtOnceBeforeTheKeyRegResponse) {
  Start();
  auto cam = Cam(1);
  ASSERT_TRUE(Begin(cam, Udp(43001), true));
  EXPECT_EQ(log_, (std::vector<std::string>{"keys full", "out KeyRegResponse"}));
  ASSERT_EQ(history_.size(), 1u);
  ExpectFlowOpens(history_[0].keys, *cam.keys(), true);
}

TEST_F(CassPreOpenedTest, OnOpenedGivesTheAnswersAndCountersOfOnMessage) {
  PlanRenewal();
  Start();
  const std::vector<std::string> kernel = Transcript(false, 0);
  const CassCounters kernel_counters = engine_->counters();
  Restart();
  const std::vector<std::string> worker = Transcript(true, 1);
  EXPECT_EQ(worker, kernel);
  EXPECT_EQ(engine_->counters().events, kernel_counters.events);
  EXPECT_EQ(engine_->counters().status_sent, kernel_counters.status_sent);
  EXPECT_EQ(Counter(CassCounter::kPurchaseReports), 1u);
  EXPECT_EQ(Counter(CassCounter::kLogResponses), 1u);
  EXPECT_EQ(Counter(CassCounter::kRxStaleResponse), 1u);
  EXPECT_EQ(Counter(CassCounter::kRxDuplicateAnswered), 1u);
}

TEST_F(CassPreOpenedTest, WorkerBadMacGetsKeyed0x04OnALiveExchangeAndBadPadding0x81) {
  PlanRenewal();
  Start();
  auto normal = Cam(0);
  const PeerRef p1 = Udp(43002);
  ASSERT_TRUE(Begin(normal, p1));
  Bytes cam_reg = normal.CamReg();
  cam_reg.back() ^= 1;
  auto out = Worker(p1, cam_reg);
  EXPECT_EQ(last_verdict_, crypto::BurstVerdict::kBadMac);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(normal.StatusCode(out[0].bytes, true), 0x04);
  auto fast = Cam(1);
  const PeerRef p2 = Udp(43003);
  out = SendAndPump(p2, fast.KeyRegRequest(), 2);
  ASSERT_EQ(out.size(), 2u);
  ASSERT_TRUE(fast.AcceptKeyRegResponse(out[0].bytes));
  const uint64_t nonce3 = NonceOf(out[1].bytes);
  Bytes log = fast.LogResponse(nonce3, AsView("x"));
  log[20] ^= 1;
  EXPECT_TRUE(Worker(p2, log).empty()) << "no LogRequest outstanding: dropped";
  EXPECT_EQ(last_verdict_, crypto::BurstVerdict::kBadMac);
  EXPECT_EQ(Counter(CassCounter::kRxBadMacDropped), 1u);
  out = Worker(p2, fast.KeyedWithBadPadding(MessageType::kRenewConfirm, nonce3));
  EXPECT_EQ(last_verdict_, crypto::BurstVerdict::kBadPadding);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(fast.StatusCode(out[0].bytes, true), 0x81);
  EXPECT_EQ(StatusSent(0x04), 1u);
  EXPECT_EQ(StatusSent(0x81), 1u);
}

TEST_F(CassPreOpenedTest, MessageOpenedWithAReplacedSessionsKeysIsDroppedAsStaleFlow) {
  Start();
  const PeerRef peer = Udp(43004);
  auto first = Cam(0);
  auto second = Cam(0);
  const Flow old_flow = Restarted(first, second, peer);
  // The worker had not applied the new keys yet: the old session's CAMReg opens with the old.
  EXPECT_TRUE(WorkerWith(old_flow, peer, first.CamReg()).empty());
  EXPECT_EQ(last_verdict_, crypto::BurstVerdict::kOk);
  EXPECT_EQ(Counter(CassCounter::kRxStaleFlow), 1u);
  auto out = Worker(peer, second.CamReg(), 1);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(second.AcceptCamRegConfirm(out[0].bytes));
}

TEST_F(CassPreOpenedTest, MessageFailingUnderAReplacedSessionsKeysIsOpenedWithTheNewSessions) {
  Start();
  const PeerRef peer = Udp(43006);
  auto first = Cam(0);
  auto second = Cam(0);
  const Flow old_flow = Restarted(first, second, peer);
  // Another worker still holds the old session's flow for this source: its MAC check fails.
  auto out = WorkerWith(old_flow, peer, second.CamReg(), 1);
  EXPECT_EQ(last_verdict_, crypto::BurstVerdict::kBadMac);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(second.AcceptCamRegConfirm(out[0].bytes));
  EXPECT_EQ(Counter(CassCounter::kRxStaleFlowReopened), 1u);
  EXPECT_EQ(Counter(CassCounter::kRxStaleFlow), 0u);
  // A forged copy that fails under both keys is the live exchange's bad MAC (keyed 0x04).
  const PeerRef peer3 = Udp(43007);
  auto third = Cam(1);
  auto fourth = Cam(1);
  const Flow third_flow = Restarted(third, fourth, peer3);
  Bytes forged = fourth.CamReg();
  forged.back() ^= 1;
  out = WorkerWith(third_flow, peer3, forged);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(fourth.StatusCode(out[0].bytes, true), 0x04);
  EXPECT_EQ(Counter(CassCounter::kRxStaleFlowReopened), 2u);
}

TEST_F(CassPreOpenedTest, KeyedMessageByAnotherRouteIsTheSameCamAndMovesItsSessionOnceVerified) {
  PlanRenewal();
  Start();
  std::vector<std::pair<uint16_t, uint16_t>> moves;  // (old route, new route)
  CassEnginePeer::config(*engine_).on_route_change = [&moves](const CassSession& s,
                                                              const PeerRef& old_peer) {
    moves.emplace_back(old_peer.route, s.peer.route);
  };
  auto cam = Cam(0);
  const PeerRef peer = Udp(43005);  // route 0: the worker that reassembled the first request
  ASSERT_TRUE(Begin(cam, peer));
  PeerRef via1 = peer;
  via1.route = 1;  // the CAM's unfragmented datagrams hash to another worker
  auto out = Logged(SendAndPump(via1, cam.CamReg(), 2));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(cam.AcceptCamRegConfirm(out[0].bytes));
  EXPECT_EQ(out[0].peer.route, 1) << "answers take the new route";
  EXPECT_EQ(out[1].peer.route, 1);
  EXPECT_EQ(moves, (std::vector<std::pair<uint16_t, uint16_t>>{{0, 1}}));
  EXPECT_EQ(Counter(CassCounter::kRxWrongSource), 0u);
  EXPECT_EQ(Counter(CassCounter::kRouteChanged), 1u);
  // A forged copy by a third route gets the live exchange's keyed 0x04 but moves nothing.
  PeerRef via2 = peer;
  via2.route = 2;
  Bytes forged = cam.RenewConfirm(NonceOf(out[1].bytes), true);
  forged.back() ^= 1;
  out = Logged(SendAndPump(via2, forged, 1));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(cam.StatusCode(out[0].bytes, true), 0x04);
  EXPECT_EQ(out[0].peer.route, 1);
  EXPECT_EQ(moves.size(), 1u);
  EXPECT_EQ(Counter(CassCounter::kRouteChanged), 1u);
}

}  // namespace
}  // namespace rcas::control
