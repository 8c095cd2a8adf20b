// The engine on the real campaign side: CampaignCatalog as CampaignSource, RegistryPublisher as
// ImagePublisher, the CAM fetching from the ImageRegistry the image servers read (§17.1, §17.2),
// and the renewal record the operator sees afterwards.
#include <gtest/gtest.h>

#include "control/campaign_catalog.h"
#include "control/image_publisher.h"
#include "crypto/aes.h"
#include "storage/counters.h"
#include "storage/renewal_record.h"
#include "tests/control/cass_fixture.h"

namespace rcas::control {
namespace {

using protocol::MessageType;
using testing::kCass;
using testing::kHw;
using testing::kSw;

constexpr std::array<uint8_t, 16> kServer = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1};
const Bytes kCommon(2000, 0xC0);
const Bytes kIndividual(900, 0x1D);

class CampaignEngineTest : public testing::CassFixture {
 protected:
  void Start(AnnexCMode mode) {
    MakeAc({mode, kDefaultOperatorLimit});
    auto c = CampaignCatalog::Create(*store_, *ac_, registry_, {kCass, [this] { return now_ms_; }});
    ASSERT_TRUE(c.ok()) << c.error();
    catalog_ = std::move(*c);
    for (bool individual : {false, true}) {
      CatalogImage i;
      i.kind = individual ? ImageKind::kIndividual : ImageKind::kCommon;
      i.version = 3;
      i.ds_ip = kServer;
      i.fn = individual ? "cacs/ind-" : "cacs/common-v3.bin";
      i.target_hw = kHw;
      i.target_sw = kSw;
      i.plaintext = std::make_shared<const Bytes>(individual ? kIndividual : kCommon);
      ASSERT_TRUE(catalog_->Publish(i).ok());
    }
    registry_publisher_ =
        std::make_unique<RegistryPublisher>(registry_, [this] { return now_ms_; });
    MakeCass(mode, *catalog_, *registry_publisher_);
  }
  // Fetch is what an image server hands the CAM for `fn` (§17.1).
  std::optional<Bytes> Fetch(std::string_view fn) const {
    auto obj = registry_.Find(fn);
    if (!obj) {
      return std::nullopt;
    }
    return obj->kind == ImageKind::kCommon
               ? obj->ciphertext
               : crypto::AesCbcEncrypt(obj->key.view(), obj->iv.view(), *obj->plaintext);
  }

  ImageRegistry registry_;
  std::unique_ptr<CampaignCatalog> catalog_;
  std::unique_ptr<RegistryPublisher> registry_publisher_;
};

TEST_F(CampaignEngineTest, NormalModeCamInstallsBothImagesFromTheRegistryAndIsThenUpToDate) {
  Start(AnnexCMode::kC1);
  auto cam = Cam(0);
  const PeerRef peer = Udp(44000);
  auto out = EstablishNormal(cam, peer);
  ASSERT_EQ(out.size(), 1u);
  Bytes plain;
  protocol::RenewInfoContent info;
  ASSERT_TRUE(cam.Open(MessageType::kRenewInfo, out[0].bytes, 0, &plain, &info));
  ASSERT_EQ(info.images().size(), 2u);
  EXPECT_EQ(*info.images()[0].fn, "cacs/common-v3.bin");
  const std::string individual_fn(*info.images()[1].fn);
  EXPECT_EQ(individual_fn, "cacs/ind-" + ToHex(cam.session_id()) + ".bin");
  auto common = Fetch("cacs/common-v3.bin");
  auto individual = Fetch(individual_fn);
  ASSERT_TRUE(common && individual);
  EXPECT_TRUE(cam.ImageOk(*common, true, info.hashed_ccci));  // CCCIEK of CAMRegConfirm
  EXPECT_TRUE(cam.ImageOk(*individual, false, info.hashed_icci));
  EXPECT_EQ(registry_publisher_->published(), 1u);
  Send(peer, cam.RenewConfirm(LoadBe64(out[0].bytes.data() + 6), true));
  Settle();
  auto reports = store_->ListReports(cams_[0].cam_id);
  ASSERT_TRUE(reports.ok());
  ASSERT_EQ(reports->size(), 1u);
  auto rec = storage::DecodeRenewalRecord(reports->front().body);
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->result, storage::RenewalResult::kInstalled);
  EXPECT_EQ(rec->deliver_version, storage::DeliverVersion(3, 0));
  CamFacts f;
  f.cam_id = cams_[0].cam_id;
  f.hw = kHw;
  f.sw = kSw;
  EXPECT_FALSE(catalog_->PlanFor(f));  // nothing due any more
}

TEST_F(CampaignEngineTest, FastModeCamGetsTheCommonImageEncryptedForItsSession) {
  Start(AnnexCMode::kC1);
  auto cam = Cam(0);
  const PeerRef peer = PeerRef::Tcp(9);
  auto out = SendAndPump(peer, cam.KeyRegRequest(), 2);
  ASSERT_EQ(out.size(), 2u);  // KeyRegResponse, RenewInfo
  ASSERT_TRUE(cam.AcceptKeyRegResponse(out[0].bytes));
  Bytes plain;
  protocol::RenewInfoContent info;
  ASSERT_TRUE(cam.Open(MessageType::kRenewInfo, out[1].bytes, 0, &plain, &info));
  ASSERT_EQ(info.images().size(), 2u);
  const std::string common_fn(*info.images()[0].fn);
  EXPECT_EQ(common_fn, "cacs/common-v3-" + ToHex(cam.session_id()) + ".bin");
  auto common = Fetch(common_fn);
  ASSERT_TRUE(common);
  EXPECT_TRUE(cam.ImageOk(*common, true, info.hashed_ccci));  // its own CCCIEK (§22 Q3)
  EXPECT_EQ(registry_publisher_->published(), 2u);
  Send(peer, cam.RenewConfirm(LoadBe64(out[1].bytes.data() + 6), false));
  Settle();
  auto reports = store_->ListReports(cams_[0].cam_id);
  ASSERT_TRUE(reports.ok() && reports->size() == 1u);
  EXPECT_EQ(storage::DecodeRenewalRecord(reports->front().body)->result,
            storage::RenewalResult::kDownloadFailed);
}

}  // namespace
}  // namespace rcas::control
