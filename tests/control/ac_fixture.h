#pragma once
// AcFixture: a fresh AC store in a temporary folder with two CASS_IDs and a few provisioned
// CAMs (random Ki/OPc, a distinct stand-in certificate each: the AC compares certificates as
// octets, the CASS checks them), and the test PKI's AC root key for sIGN-kpk.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "control/ac_service.h"
#include "crypto/random.h"
#include "storage/ac_store.h"
#include "tests/common/temp_dir.h"
#include "tests/common/vectors.h"

namespace rcas::control::testing {

inline constexpr crypto::CassId kCassA = {0x00, 0x00, 0x00, 0x0A};
inline constexpr crypto::CassId kCassB = {0x00, 0x00, 0x00, 0x0B};

inline crypto::CamId CamAt(uint64_t i) {
  crypto::CamId id;
  StoreBe64(id.data(), 0x0102030400000000ull + i);
  return id;
}

inline storage::DscId DscFor(const crypto::CamId& cam, uint8_t generation = 0) {
  storage::DscId dsc{};
  dsc[0] = 0xD5;
  dsc[1] = generation;
  std::copy(cam.begin(), cam.end(), dsc.end() - cam.size());
  return dsc;
}

class AcFixture : public ::testing::Test {
 protected:
  static constexpr size_t kCams = 16;

  void SetUp() override {
    auto pem = rcas::testing::ReadFile("vectors/pki/ac-root.key.pem");
    auto key = crypto::RsaPrivateKey::FromPem(pem);
    ASSERT_TRUE(key.ok()) << key.error();
    root_ = std::make_shared<const crypto::RsaPrivateKey>(std::move(*key));
    OpenStore();
    storage::WriteSet set;
    set.PutCass(kCassA);
    set.PutCass(kCassB);
    for (size_t i = 0; i < kCams; ++i) {
      identities_[i].dsc_id = DscFor(CamAt(i));
      for (auto& k : identities_[i].keys) {
        crypto::RandomBytes(k.ki.mutable_view());
        crypto::RandomBytes(k.opc.mutable_view());
      }
      identities_[i].certificate_der = Bytes(64, static_cast<uint8_t>(i));
      set.PutIdentity(CamAt(i), identities_[i]);
    }
    ASSERT_TRUE(store_->Commit(set).ok());
  }

  void OpenStore() {
    storage::StoreOptions o;
    o.path = dir_.File("ac");
    o.create_if_missing = true;
    auto store = storage::AcStore::Open(o);
    ASSERT_TRUE(store.ok()) << store.error();
    store_ = std::move(*store);
  }

  std::unique_ptr<AcService> Service(AnnexCPolicy policy = {}, size_t workers = 1) {
    AcOptions o;
    o.policy = policy;
    o.workers = workers;
    o.now_ms = [this] { return now_ms_; };
    return std::make_unique<AcService>(*store_, root_, o);
  }

  // Request builds a request for CAM i from `cass` with the provisioned DSC and certificate;
  // i >= kCams is a CAM the AC never provisioned (its own DSC, a made-up certificate).
  AcRequest Request(AcRequestKind kind, size_t i, const crypto::CassId& cass = kCassA,
                    uint64_t deliver = 7) {
    AcRequest r;
    r.kind = kind;
    r.cam_id = CamAt(i);
    const bool known = i < kCams;
    r.dsc_id = known ? identities_[i].dsc_id : DscFor(r.cam_id);
    r.cass_id = cass;
    crypto::RandomBytes(r.session_id);
    if (kind == AcRequestKind::kNormalKeyRequest || kind == AcRequestKind::kFast) {
      r.certificate_der = known ? identities_[i].certificate_der : Bytes(64, 0xEE);
    }
    r.hw = {1, 0, 0, 1};
    r.sw = {2, 0, 0, 2};
    r.deliver_version = deliver;
    return r;
  }

  storage::CamState StateOf(size_t i) {
    auto s = store_->GetState(CamAt(i));
    EXPECT_TRUE(s.ok());
    return s.ok() ? s->value_or(storage::CamState{}) : storage::CamState{};
  }

  rcas::testing::TempDir dir_;
  std::unique_ptr<storage::AcStore> store_;
  std::shared_ptr<const crypto::RsaPrivateKey> root_;
  storage::CamIdentity identities_[kCams];
  uint64_t now_ms_ = 1'700'000'000'000;
};

}  // namespace rcas::control::testing
