// CampaignCatalog on a real store and AC (PROFILE §11.8, §16.5, §22 Q3, §23 items 14, 21): the
// deliverVersion, CCCIEK pairs per common object, what is due by target and renewal records,
// purchase-report and log campaigns, and what Publish refuses.
#include "control/campaign_catalog.h"

#include <gtest/gtest.h>

#include "crypto/aes.h"
#include "storage/counters.h"
#include "storage/renewal_record.h"
#include "tests/control/cass_fixture.h"

namespace rcas::control {
namespace {

using testing::kCass;
using testing::kHw;
using testing::kSw;

constexpr std::array<uint8_t, 16> kServer = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1};
constexpr storage::VersionField kOtherHw = {0, 0, 0, 9};

CatalogImage Image(ImageKind kind, uint32_t version, std::string fn, uint8_t fill) {
  CatalogImage i;
  i.kind = kind;
  i.version = version;
  i.ds_ip = kServer;
  i.fn = std::move(fn);
  i.target_hw = kHw;
  i.target_sw = kSw;
  i.plaintext = std::make_shared<const Bytes>(300 + version, fill);
  return i;
}

class CampaignCatalogTest : public testing::CassFixture {
 protected:
  void SetUp() override {
    CassFixture::SetUp();
    MakeAc();
    auto c = CampaignCatalog::Create(*store_, *ac_, registry_, {kCass, [this] { return now_ms_; }});
    ASSERT_TRUE(c.ok()) << c.error();
    catalog_ = std::move(*c);
  }
  void TearDown() override {
    CassFixture::TearDown();  // the AC finishes before the catalog goes
  }

  CamFacts Facts(size_t cam, storage::VersionField hw = kHw) const {
    CamFacts f;
    f.cam_id = cams_[cam].cam_id;
    f.hw = hw;
    f.sw = kSw;
    f.deliver_version = catalog_->DeliverVersion(f.cam_id);
    return f;
  }
  void BumpCampaign(uint64_t value) {
    storage::WriteSet w;
    w.PutCounter(storage::kDeliverCampaignCounter, value);
    ASSERT_TRUE(store_->Commit(w).ok());
  }
  // Report runs OnRenewal and waits until the AC has stored the record.
  void Report(const CamFacts& f, RenewalOutcome o) {
    const size_t before = store_->ListReports(f.cam_id)->size();
    catalog_->OnRenewal(f, o);
    for (int i = 0; i < 1000 && store_->ListReports(f.cam_id)->size() == before; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ASSERT_EQ(store_->ListReports(f.cam_id)->size(), before + 1);
  }

  ImageRegistry registry_;
  std::unique_ptr<CampaignCatalog> catalog_;
};

TEST_F(CampaignCatalogTest, DeliverVersionIsTheHighestImageVersionAndTheStoredCampaign) {
  EXPECT_EQ(catalog_->DeliverVersion(cams_[0].cam_id), 0u);
  ASSERT_TRUE(catalog_->Publish(Image(ImageKind::kCommon, 3, "cas/a.bin", 1)).ok());
  EXPECT_EQ(catalog_->DeliverVersion(cams_[0].cam_id), storage::DeliverVersion(3, 0));
  CatalogImage older = Image(ImageKind::kCommon, 2, "cas/b.bin", 2);
  older.target_hw = kOtherHw;
  ASSERT_TRUE(catalog_->Publish(older).ok());
  BumpCampaign(7);
  EXPECT_EQ(catalog_->DeliverVersion(cams_[0].cam_id), storage::DeliverVersion(3, 0));  // not yet
  ASSERT_TRUE(catalog_->ReloadDeliverCampaign().ok());
  EXPECT_EQ(catalog_->DeliverVersion(cams_[0].cam_id), storage::DeliverVersion(3, 7));
  EXPECT_TRUE(catalog_->Withdraw(ImageKind::kCommon, kHw, kSw));
  EXPECT_FALSE(catalog_->Withdraw(ImageKind::kCommon, kHw, kSw));
  EXPECT_EQ(registry_.Find("cas/a.bin"), nullptr);
  EXPECT_EQ(catalog_->DeliverVersion(cams_[0].cam_id),
            storage::DeliverVersion(3, 7));  // never down
}

TEST_F(CampaignCatalogTest, CommonObjectsAreEncryptedOnceEachUnderItsOwnPair) {
  ASSERT_TRUE(catalog_->Publish(Image(ImageKind::kCommon, 1, "cas/a.bin", 0xA1)).ok());
  CatalogImage any = Image(ImageKind::kCommon, 1, "cas/any.bin", 0xB2);
  any.target_hw.reset();
  any.target_sw.reset();
  ASSERT_TRUE(catalog_->Publish(any).ok());
  const CommonImageKeys mine = catalog_->CommonKeys(Facts(0));
  const CommonImageKeys other = catalog_->CommonKeys(Facts(0, kOtherHw));
  EXPECT_NE(ToHex(mine.ccciek.view()), ToHex(other.ccciek.view()));
  auto a = registry_.Find("cas/a.bin");
  auto b = registry_.Find("cas/any.bin");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->ciphertext,
            crypto::AesCbcEncrypt(mine.ccciek.view(), mine.ccciek_iv.view(), Bytes(301, 0xA1)));
  EXPECT_EQ(b->ciphertext,
            crypto::AesCbcEncrypt(other.ccciek.view(), other.ccciek_iv.view(), Bytes(301, 0xB2)));
  // Re-publishing draws a new pair; the CAM of that target gets it from then on.
  ASSERT_TRUE(catalog_->Publish(Image(ImageKind::kCommon, 2, "cas/a2.bin", 0xA1)).ok());
  EXPECT_NE(ToHex(catalog_->CommonKeys(Facts(0)).ccciek.view()), ToHex(mine.ccciek.view()));
  EXPECT_EQ(registry_.Find("cas/a.bin"), nullptr);  // the replaced object is gone
  EXPECT_EQ(catalog_->images(), 2u);
}

TEST_F(CampaignCatalogTest, DueByTargetUntilTheRenewalRecordSaysInstalled) {
  ASSERT_TRUE(catalog_->Publish(Image(ImageKind::kCommon, 3, "cas/c.bin", 1)).ok());
  ASSERT_TRUE(catalog_->Publish(Image(ImageKind::kIndividual, 3, "cas/i-", 2)).ok());
  EXPECT_FALSE(catalog_->PlanFor(Facts(0, kOtherHw)));  // no image for that hardware
  auto plan = catalog_->PlanFor(Facts(0));
  ASSERT_TRUE(plan && plan->common && plan->individual);
  EXPECT_EQ(plan->common->fn, "cas/c.bin");
  EXPECT_EQ(plan->individual->fn, "cas/i-");
  EXPECT_EQ(plan->common->sha1, crypto::Sha1(Bytes(303, 1)));
  EXPECT_FALSE(plan->purchase_report_req || plan->log_request);
  Report(Facts(0), RenewalOutcome::kDownloadFailed);
  EXPECT_TRUE(catalog_->PlanFor(Facts(0)));  // still due
  Report(Facts(0), RenewalOutcome::kInstalled);
  EXPECT_FALSE(catalog_->PlanFor(Facts(0)));
  EXPECT_TRUE(catalog_->PlanFor(Facts(1)));  // another CAM has not installed it
  // A new campaign (§16.5) or a newer image for the target makes it due again.
  BumpCampaign(1);
  ASSERT_TRUE(catalog_->ReloadDeliverCampaign().ok());
  EXPECT_TRUE(catalog_->PlanFor(Facts(0)));
  Report(Facts(0), RenewalOutcome::kInstalled);
  EXPECT_FALSE(catalog_->PlanFor(Facts(0)));
  CatalogImage elsewhere = Image(ImageKind::kCommon, 9, "cas/x.bin", 3);
  elsewhere.target_hw = kOtherHw;
  ASSERT_TRUE(catalog_->Publish(elsewhere).ok());
  EXPECT_FALSE(catalog_->PlanFor(Facts(0)));  // installed release 3 >= its target's version 3
  ASSERT_TRUE(catalog_->Publish(Image(ImageKind::kIndividual, 4, "cas/i-", 2)).ok());
  EXPECT_TRUE(catalog_->PlanFor(Facts(0)));
  // The records are what the operator reads back.
  auto reports = store_->ListReports(cams_[0].cam_id);
  ASSERT_TRUE(reports.ok());
  ASSERT_EQ(reports->size(), 3u);
  auto rec = storage::DecodeRenewalRecord(reports->front().body);
  ASSERT_TRUE(rec);
  EXPECT_EQ(reports->front().kind, storage::ReportKind::kRenewal);
  EXPECT_EQ(rec->result, storage::RenewalResult::kDownloadFailed);
  EXPECT_EQ(rec->deliver_version, storage::DeliverVersion(3, 0));
  EXPECT_EQ(rec->unix_ms, now_ms_);
  EXPECT_EQ(catalog_->stats().reports_sent, 3u);
}

TEST_F(CampaignCatalogTest, PurchaseReportCampaignReDeliversWithTheFlagUntilAReportArrives) {
  ASSERT_TRUE(catalog_->Publish(Image(ImageKind::kCommon, 3, "cas/c.bin", 1)).ok());
  Report(Facts(0), RenewalOutcome::kInstalled);
  ASSERT_FALSE(catalog_->PlanFor(Facts(0)));
  now_ms_ += 1'000;
  BumpCampaign(1);  // a purchase-report campaign bumps the campaign (§23 item 21)
  ASSERT_TRUE(catalog_->SetCampaign({.purchase_report = true}).ok());
  auto plan = catalog_->PlanFor(Facts(0));
  ASSERT_TRUE(plan && plan->common);
  EXPECT_TRUE(plan->purchase_report_req);
  Report(Facts(0), RenewalOutcome::kInstalled);  // installed under the new campaign ...
  plan = catalog_->PlanFor(Facts(0));
  ASSERT_TRUE(plan && plan->common);  // ... but no purchase report yet: images again (§23.14)
  EXPECT_TRUE(plan->purchase_report_req);
  AcRequest report;
  report.kind = AcRequestKind::kPurchaseReport;
  report.cam_id = cams_[0].cam_id;
  report.cass_id = kCass;
  report.report = {1, 2, 3};
  ASSERT_TRUE(ac_->Call(report).ok);
  EXPECT_FALSE(catalog_->PlanFor(Facts(0)));
  ASSERT_TRUE(catalog_->SetCampaign({}).ok());
  EXPECT_FALSE(catalog_->PlanFor(Facts(0)));
}

TEST_F(CampaignCatalogTest, LogCampaignAsksEveryCamOnceEvenWithoutImages) {
  ASSERT_TRUE(catalog_->SetCampaign({.log = true}).ok());
  auto plan = catalog_->PlanFor(Facts(0));
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->log_request);
  EXPECT_FALSE(plan->has_images());
  AcRequest log;
  log.kind = AcRequestKind::kLogResponse;
  log.cam_id = cams_[0].cam_id;
  log.cass_id = kCass;
  ASSERT_TRUE(ac_->Call(log).ok);
  EXPECT_FALSE(catalog_->PlanFor(Facts(0)));
  EXPECT_TRUE(catalog_->PlanFor(Facts(1)));
}

TEST_F(CampaignCatalogTest, FastModeCamsGetTheCommonImageUnderAPerSessionPrefix) {
  ASSERT_TRUE(catalog_->Publish(Image(ImageKind::kCommon, 3, "cas/common-v3.bin", 1)).ok());
  CamFacts f = Facts(0);
  f.mode = protocol::KeyMode::kFast;
  auto plan = catalog_->PlanFor(f);
  ASSERT_TRUE(plan && plan->common);
  EXPECT_EQ(plan->common->fn, "cas/common-v3-");  // the engine appends hex(sessionID) ".bin"
  EXPECT_EQ(*plan->common->plaintext, Bytes(303, 1));
}

TEST_F(CampaignCatalogTest, PublishRefusesWhatNoRenewInfoCouldCarry) {
  CatalogImage i = Image(ImageKind::kIndividual, 1, "cas/i-", 1);
  i.tm = 0x01;
  EXPECT_FALSE(catalog_->Publish(i).ok());  // individual by carousel
  i = Image(ImageKind::kCommon, 1, "cas/c.bin", 1);
  i.ds_ip.reset();
  EXPECT_FALSE(catalog_->Publish(i).ok());  // HTTP without dSIP
  i.tm = 0x01;
  EXPECT_TRUE(catalog_->Publish(i).ok());  // carousel: no dSIP needed
  i = Image(ImageKind::kIndividual, 1, "cas/i-", 1);
  i.client_type = 0x02;
  EXPECT_FALSE(catalog_->Publish(i).ok());  // another clientType than the common of that target
  i = Image(ImageKind::kCommon, 1, "cas/c.bin", 1);
  i.target_hw = kOtherHw;
  EXPECT_FALSE(catalog_->Publish(i).ok());  // fn of another target's common object
  i = Image(ImageKind::kCommon, 1, "../c.bin", 1);
  EXPECT_FALSE(catalog_->Publish(i).ok());
  i = Image(ImageKind::kCommon, 1, "cas/d.bin", 1);
  i.plaintext.reset();
  EXPECT_FALSE(catalog_->Publish(i).ok());
  EXPECT_EQ(catalog_->images(), 1u);
}

}  // namespace
}  // namespace rcas::control
