#pragma once
// CassFixture: a CASS engine on a real AcService (temp AcStore, test PKI of
// tests/data/vectors/pki), a real RsaBatcher, a scripted campaign and image publisher, and a
// fake clock. CAM 0 uses the PKI's CAM certificate; CAM 1 gets one issued here for another
// CAM_ID (same key); CAM 2 has a valid certificate but is not provisioned at the AC.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>

#include <map>
#include <memory>
#include <thread>

#include "control/ac_service.h"
#include "control/cass_engine.h"
#include "crypto/x509_issue.h"
#include "tests/common/temp_dir.h"
#include "tests/common/vectors.h"
#include "tests/control/cass_test_cam.h"

namespace rcas::control::testing {

inline constexpr crypto::CassId kCass = {0x00, 0x00, 0x00, 0x0A};  // cass.cert.pem

class FakeCampaign : public CampaignSource {
 public:
  uint64_t DeliverVersion(const crypto::CamId&) override { return deliver_version; }
  CommonImageKeys CommonKeys(const CamFacts&) override { return {ccciek, ccciek_iv}; }
  std::optional<RenewalPlan> PlanFor(const CamFacts&) override { return plan; }
  void OnRenewal(const CamFacts&, RenewalOutcome o) override { outcomes.push_back(o); }

  uint64_t deliver_version = 7;
  crypto::AesKey ccciek{crypto::RandomArray<16>()};
  protocol::SecretBlock ccciek_iv{crypto::RandomArray<16>()};
  std::optional<RenewalPlan> plan;
  std::vector<RenewalOutcome> outcomes;
};

class FakePublisher : public ImagePublisher {
 public:
  struct Object {
    std::shared_ptr<const Bytes> plaintext;
    crypto::AesKey key;
    protocol::SecretBlock iv;
  };
  void PublishIndividual(const std::string& fn, std::shared_ptr<const Bytes> plaintext,
                         const crypto::AesKey& key, const protocol::SecretBlock& iv,
                         uint64_t) override {
    objects[fn] = {std::move(plaintext), key, iv};
  }
  // Fetch is what a CAM downloads: the object encrypted on the fly (§17.1).
  std::optional<Bytes> Fetch(const std::string& fn) const {
    auto it = objects.find(fn);
    if (it == objects.end()) {
      return std::nullopt;
    }
    return crypto::AesCbcEncrypt(it->second.key.view(), it->second.iv.view(),
                                 *it->second.plaintext);
  }
  std::map<std::string, Object> objects;
};

class CassFixture : public ::testing::Test {
 protected:
  static constexpr uint64_t kStartMs = 1'760'000'000'000;  // inside the certificates' validity

  void SetUp() override {
    using rcas::testing::ReadFile;
    auto root_key = crypto::RsaPrivateKey::FromPem(ReadFile("vectors/pki/ac-root.key.pem"));
    auto root = crypto::TrustAnchor::FromPem(ReadFile("vectors/pki/ac-root.cert.pem"));
    auto cass_key = crypto::RsaPrivateKey::FromPem(ReadFile("vectors/pki/cass.key.pem"));
    auto cass_cert = crypto::CertificatePemToDer(ReadFile("vectors/pki/cass.cert.pem"));
    auto cam_key = crypto::RsaPrivateKey::FromPem(ReadFile("vectors/pki/cam.key.pem"));
    auto cam_cert = crypto::CertificatePemToDer(ReadFile("vectors/pki/cam.cert.pem"));
    ASSERT_TRUE(root_key.ok() && root.ok() && cass_key.ok() && cass_cert.ok() && cam_key.ok() &&
                cam_cert.ok());
    root_key_ = std::make_shared<const crypto::RsaPrivateKey>(*root_key);
    root_ = std::make_shared<const crypto::TrustAnchor>(*root);
    cass_key_ = std::make_shared<const crypto::RsaBatchKey>(*cass_key);
    cass_cert_ = *cass_cert;
    auto cam_key_ptr = std::make_shared<const crypto::RsaPrivateKey>(*cam_key);
    auto issuer = crypto::CertIssuer::Create(*root, *root_key);
    ASSERT_TRUE(issuer.ok());
    for (size_t i = 0; i < 3; ++i) {
      CamIdentityForTest& c = cams_[i];
      StoreBe64(c.cam_id.data(), 0x0102030405060708ull + i);
      c.dsc_id[0] = 0xD5;
      c.dsc_id[39] = static_cast<uint8_t>(i);
      for (auto& k : c.keys) {
        crypto::RandomBytes(k.ki.mutable_view());
        crypto::RandomBytes(k.opc.mutable_view());
      }
      c.key = cam_key_ptr;
      if (i == 0) {
        c.certificate_der = *cam_cert;
      } else {
        auto cert = issuer->Issue(cam_key->Public(), crypto::CamCertSpec(c.cam_id, "RCAS test",
                                                                         {1735689600, 2524607999}));
        ASSERT_TRUE(cert.ok()) << cert.error();
        c.certificate_der = *cert;
      }
    }
    storage::StoreOptions o;
    o.path = dir_.File("ac");
    o.create_if_missing = true;
    auto store = storage::AcStore::Open(o);
    ASSERT_TRUE(store.ok()) << store.error();
    store_ = std::move(*store);
    storage::WriteSet set;
    set.PutCass(kCass);
    for (size_t i = 0; i < 2; ++i) {  // CAM 2 stays unknown to the AC
      storage::CamIdentity id;
      id.dsc_id = cams_[i].dsc_id;
      id.keys = cams_[i].keys;
      id.certificate_der = cams_[i].certificate_der;
      set.PutIdentity(cams_[i].cam_id, id);
    }
    ASSERT_TRUE(store_->Commit(set).ok());
    rsa_ = std::make_unique<crypto::RsaBatcher>(1, 64);
  }

  void TearDown() override {
    engine_.reset();
    ac_.reset();
  }

  // MakeEngine starts the AC service and the engine (call once per test, after setting options).
  void MakeEngine(AnnexCPolicy policy = {}, size_t ac_capacity = 1 << 16) {
    MakeAc(policy, ac_capacity);
    MakeCass(policy.mode, campaign_, publisher_);
  }
  void MakeAc(AnnexCPolicy policy = {}, size_t ac_capacity = 1 << 16) {
    AcOptions o;
    o.policy = policy;
    o.queue_capacity = ac_capacity;
    o.now_ms = [this] { return now_ms_; };
    ac_ = std::make_unique<AcService>(*store_, root_key_, o);
  }
  // MakeCass starts the engine on the AC of MakeAc with another campaign side.
  void MakeCass(AnnexCMode mode, CampaignSource& campaign, ImagePublisher& images) {
    auto zone = CassZone::Make({kCass, 0x01, "127.0.0.1", 0x01, 49104});
    ASSERT_TRUE(zone.ok()) << zone.error();
    CassEngineConfig config;
    config.cass_certificate_der = cass_cert_;
    config.cass_key = cass_key_;
    config.ac_root = root_;
    config.annex_c_mode = mode;
    config.c1_cache_capacity = c1_cache_capacity_;
    config.verify_on_rsa_workers = verify_on_rsa_workers_;
    engine_ = std::make_unique<CassEngine>(config, std::move(*zone), *ac_, *store_, *rsa_, campaign,
                                           images, now_ms_);
  }

  TestCam Cam(size_t i) { return TestCam(cams_[i], *root_, kCass); }

  static PeerRef Udp(uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return PeerRef::Udp(reinterpret_cast<const sockaddr*>(&a), sizeof a);
  }

  // Send hands one message to the engine and returns what it sent at once.
  std::vector<OutMessage> Send(const PeerRef& peer, ByteView message) {
    engine_->OnMessage(peer, message, now_ms_);
    std::vector<OutMessage> out;
    engine_->TakeOutput(out);
    return out;
  }
  // Pump ticks until at least `n` messages are out (AC and RSA answer on other threads).
  std::vector<OutMessage> Pump(size_t n = 1, int timeout_ms = 10'000) {
    std::vector<OutMessage> out;
    for (int waited = 0; waited < timeout_ms; waited += 5) {
      engine_->Tick(now_ms_);
      engine_->TakeOutput(out);
      if (out.size() >= n) {
        break;
      }
      pollfd fds[2] = {{engine_->ac_event_fd(), POLLIN, 0}, {engine_->rsa_event_fd(), POLLIN, 0}};
      poll(fds, 2, 5);
    }
    return out;
  }
  // SendAndPump: the message, then whatever the engine answers asynchronously.
  std::vector<OutMessage> SendAndPump(const PeerRef& peer, ByteView message, size_t n = 1) {
    auto out = Send(peer, message);
    if (out.size() < n) {
      auto more = Pump(n - out.size());
      out.insert(out.end(), more.begin(), more.end());
    }
    return out;
  }
  // Advance moves the clock and fires the timers.
  std::vector<OutMessage> Advance(uint64_t ms) {
    now_ms_ += ms;
    engine_->Tick(now_ms_);
    std::vector<OutMessage> out;
    engine_->TakeOutput(out);
    return out;
  }
  // Settle lets in-flight AC work (reports) finish.
  void Settle() {
    for (int i = 0; i < 100; ++i) {
      Pump(SIZE_MAX, 10);
    }
  }

  // EstablishNormal runs KeyRequest .. CAMRegConfirm for `cam` at `peer`; returns the messages
  // that followed the CAMRegConfirm (RenewInfo, LogRequest), or fails the test.
  std::vector<OutMessage> EstablishNormal(TestCam& cam, const PeerRef& peer) {
    auto out = SendAndPump(peer, cam.KeyRequest());
    EXPECT_EQ(out.size(), 1u);
    if (out.size() != 1 || !cam.AcceptKeyResponse(out[0].bytes)) {
      ADD_FAILURE() << "no KeyResponse";
      return {};
    }
    out = SendAndPump(peer, cam.CamReg());
    if (out.empty() || !cam.AcceptCamRegConfirm(out[0].bytes)) {
      ADD_FAILURE() << "no CAMRegConfirm";
      return {};
    }
    out.erase(out.begin());
    return out;
  }

  uint64_t Counter(CassCounter c) const { return engine_->counters()[c]; }
  uint64_t StatusSent(uint8_t code) const { return engine_->counters().status_sent[code]; }

  rcas::testing::TempDir dir_;
  std::unique_ptr<storage::AcStore> store_;
  std::shared_ptr<const crypto::RsaPrivateKey> root_key_;
  std::shared_ptr<const crypto::TrustAnchor> root_;
  std::shared_ptr<const crypto::RsaBatchKey> cass_key_;
  Bytes cass_cert_;
  CamIdentityForTest cams_[3];
  std::unique_ptr<crypto::RsaBatcher> rsa_;
  std::unique_ptr<AcService> ac_;
  FakeCampaign campaign_;
  FakePublisher publisher_;
  std::unique_ptr<CassEngine> engine_;
  uint64_t now_ms_ = kStartMs;
  size_t c1_cache_capacity_ = 64;  // mode C1 cache of AC results; 0: off
  bool verify_on_rsa_workers_ = false;
};

}  // namespace rcas::control::testing
