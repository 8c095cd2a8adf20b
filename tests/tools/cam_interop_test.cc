// The reference CAM (tools/cam_machine.h) against the real CASS engine (control/cass_engine.h)
// with a real AC service and store, in process on a fake clock: both sides written from
// PROFILE §15 by different hands must agree on every message of normal and fast mode, over UDP
// and TCP, including images, PurchaseReport and LogRequest.

#include <gtest/gtest.h>

#include <deque>

#include "crypto/aes.h"
#include "tests/control/cass_fixture.h"
#include "tools/cam_machine.h"

namespace rcas::control::testing {
namespace {

const Bytes kCommonImage(1000, 0xC0);
const Bytes kIndividualImage(777, 0x1D);
constexpr std::array<uint8_t, 16> kServer = {0, 0, 0,    0,    0,   0, 0, 0,
                                             0, 0, 0xff, 0xff, 127, 0, 0, 1};

class CamInteropTest : public CassFixture, public tools::CamIo {
 protected:
  // CamIo: the CAM's messages queue up for the engine; images come from the publisher (objects
  // encrypted per session) or the campaign's common pair (§11.8).
  void OpenSession(const tools::CamTarget& target) override {
    tcp_ = target.transport == tools::CamTransport::kTcp;
  }
  void Send(ByteView m) override { to_cass_.emplace_back(m.begin(), m.end()); }
  void CloseSession() override { ++closes_; }
  void FetchImage(const tools::ImageRequest& r) override {
    auto object = publisher_.Fetch(r.fn);
    if (!object) {
      object =
          crypto::AesCbcEncrypt(campaign_.ccciek.view(), campaign_.ccciek_iv.view(), kCommonImage);
    }
    cam_->OnImageFetched(r.download, r.index, *object, now_ms_);
  }
  void StateChanged() override {}
  void Trace(std::string_view line) override { trace_ += std::string(line) + "\n"; }

  void Plan(bool fast) {
    RenewalPlan plan;
    plan.common =
        CampaignImage{0x03, kServer, fast ? "cacs/common-v3-" : "cacs/common-v3.bin",
                      std::make_shared<const Bytes>(kCommonImage), crypto::Sha1(kCommonImage)};
    plan.individual =
        CampaignImage{0x03, kServer, "cacs/ind-", std::make_shared<const Bytes>(kIndividualImage),
                      crypto::Sha1(kIndividualImage)};
    plan.purchase_report_req = !fast;
    plan.log_request = true;
    campaign_.plan = plan;
  }

  void MakeCam() {
    const CamIdentityForTest& c = cams_[0];
    tools::CamRecord record;
    record.cam_id = c.cam_id;
    record.dsc_id = c.dsc_id;
    for (size_t j = 0; j < 3; ++j) {
      record.keys[j].ki = c.keys[j].ki;
      record.keys[j].opc = c.keys[j].opc;
    }
    record.certificate_der = c.certificate_der;
    record.key_file = "cam.key.pem";
    tools::CamConfig config;
    config.jitter = 0;
    config.purchase_info = {'p', 'p', 'v'};
    config.log_info = Bytes{'o', 'k'};
    cam_ = std::make_unique<tools::CamMachine>(tools::CamIdentity{record, *c.key, *root_}, config,
                                               tools::CamPersistentState{}, *this);
  }

  // Exchange carries messages both ways until neither side has anything to say.
  void Exchange() {
    const PeerRef peer = tcp_ ? PeerRef::Tcp(5) : Udp(40000);
    for (int rounds = 0; rounds < 50 && !to_cass_.empty(); ++rounds) {
      const Bytes m = std::move(to_cass_.front());
      to_cass_.pop_front();
      auto out = CassFixture::Send(peer, m);
      auto more = Pump(1, out.empty() ? 1000 : 50);
      out.insert(out.end(), more.begin(), more.end());
      for (const OutMessage& o : out) {
        if (!o.bytes.empty()) {
          cam_->OnMessage(o.bytes, now_ms_);
        }
        if (o.close_after) {
          cam_->OnTransportClosed(now_ms_);
        }
      }
    }
  }

  void RunSession(tools::CamMode mode, tools::CamTransport transport) {
    MakeEngine();
    Plan(mode == tools::CamMode::kFast);
    MakeCam();
    cam_->StartSession({kCass, "127.0.0.1", 49104, transport}, mode, now_ms_);
    cam_->OnTimer(now_ms_);
    Exchange();
    ASSERT_EQ(cam_->phase(), tools::CamPhase::kEstablished) << trace_;
    Settle();
    EXPECT_EQ(cam_->stats().images_installed, 2u) << trace_;
    EXPECT_EQ(campaign_.outcomes, std::vector<RenewalOutcome>{RenewalOutcome::kInstalled});
    EXPECT_TRUE(cam_->stats().status_sent.empty()) << trace_;
    EXPECT_TRUE(cam_->stats().status_received.empty()) << trace_;
    EXPECT_EQ(cam_->stats().dropped, 0u) << trace_;
    EXPECT_NE(trace_.find("-> LogResponse"), std::string::npos) << trace_;
    EXPECT_FALSE(cam_->state().virgin);
  }

  std::unique_ptr<tools::CamMachine> cam_;
  std::deque<Bytes> to_cass_;
  std::string trace_;
  bool tcp_ = false;
  int closes_ = 0;
};

TEST_F(CamInteropTest, NormalModeOverUdpWithImagesPurchaseReportAndLog) {
  RunSession(tools::CamMode::kNormal, tools::CamTransport::kUdp);
  EXPECT_NE(trace_.find("-> PurchaseReport"), std::string::npos) << trace_;
  // Both sides go idle: the CAM after 60 s without traffic (§15.2).
  now_ms_ += 60'000;
  cam_->OnTimer(now_ms_);
  EXPECT_EQ(cam_->phase(), tools::CamPhase::kIdle);
  EXPECT_EQ(cam_->stats().completed, 1u);
}

TEST_F(CamInteropTest, FastModeOverTcpWithPerCamCommonImage) {
  RunSession(tools::CamMode::kFast, tools::CamTransport::kTcp);
}

TEST_F(CamInteropTest, NormalModeOverTcp) {
  RunSession(tools::CamMode::kNormal, tools::CamTransport::kTcp);
}

}  // namespace
}  // namespace rcas::control::testing
