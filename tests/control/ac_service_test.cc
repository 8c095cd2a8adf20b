// The AC service against a real store: stage 1 material, Annex C decisions committed and read
// back, first-check refusals, fast-mode AK, mode C2 counting, operator actions and reports.
#include "control/ac_service.h"

#include <gtest/gtest.h>

#include <set>

#include "crypto/sign_kpk.h"
#include "protocol/key_schedule.h"
#include "protocol/key_schedule_fast.h"
#include "tests/control/ac_fixture.h"

namespace rcas::control {
namespace {

using protocol::StatusCode;
using storage::CamStateKind;
using testing::AcFixture;
using testing::CamAt;
using testing::kCassA;
using testing::kCassB;
using Kind = AcRequestKind;

class AcServiceTest : public AcFixture {};

TEST_F(AcServiceTest, KeyRequestGivesMilenageKcAndDistinctRandAc) {
  auto ac = Service();
  AcResult r = ac->Call(Request(Kind::kNormalKeyRequest, 0));
  ASSERT_TRUE(r.ok) << r.error;
  std::set<std::array<uint8_t, kRandAcLen>> distinct(r.rand_ac.begin(), r.rand_ac.end());
  EXPECT_EQ(distinct.size(), kTriplets);
  for (size_t j = 0; j < kTriplets; ++j) {
    auto kc =
        protocol::DeriveKc(identities_[0].keys[j].ki, identities_[0].keys[j].opc, r.rand_ac[j]);
    EXPECT_EQ(Bytes(r.kc[j].view().begin(), r.kc[j].view().end()),
              Bytes(kc.view().begin(), kc.view().end()))
        << "Kc " << j;
  }
}

TEST_F(AcServiceTest, KpkIsMadeOncePerPairingAndSignedByTheRoot) {
  auto ac = Service();
  AcResult first = ac->Call(Request(Kind::kNormalKeyRequest, 1));
  AcResult second = ac->Call(Request(Kind::kNormalKeyRequest, 1));
  ASSERT_TRUE(first.ok && second.ok);
  auto kpid = storage::MakeKeyPairingId(CamAt(1), identities_[1].dsc_id);
  EXPECT_TRUE(crypto::VerifyKpk(root_->Public(), kpid, first.kpk.view(), first.sign_kpk));
  EXPECT_EQ(first.sign_kpk, second.sign_kpk);
  EXPECT_TRUE(
      std::equal(first.kpk.view().begin(), first.kpk.view().end(), second.kpk.view().begin()));
  EXPECT_EQ(ac->counters().pairings_made, 1u);
  auto stored = store_->GetPairing(kpid);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->sign_kpk, first.sign_kpk);
}

TEST_F(AcServiceTest, KeyRequestDoesNotMoveAnnexCState) {
  auto ac = Service();
  ASSERT_TRUE(ac->Call(Request(Kind::kNormalKeyRequest, 2)).ok);
  auto s = store_->GetState(CamAt(2));
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->has_value()) << "stage 1 must not commit (PROFILE §16.2)";
}

TEST_F(AcServiceTest, FirstCheckRefusesUnknownIdsWith0x01) {
  auto ac = Service();
  struct Case {
    const char* name;
    std::function<void(AcRequest&)> change;
    Refusal refusal;
  };
  const Case cases[] = {
      {"unknown CASS",
       [](AcRequest& r) {
         r.cass_id = {9, 9, 9, 9};
       },
       Refusal::kUnknownId},
      {"unknown CAM", [](AcRequest& r) { r.cam_id = CamAt(999); }, Refusal::kUnknownId},
      {"other DSC", [](AcRequest& r) { r.dsc_id[5] ^= 1; }, Refusal::kUnknownId},
      {"other certificate", [](AcRequest& r) { r.certificate_der.back() ^= 1; },
       Refusal::kCertificateMismatch},
  };
  for (Kind kind : {Kind::kNormalKeyRequest, Kind::kFast}) {
    for (const Case& c : cases) {
      AcRequest req = Request(kind, 3);
      c.change(req);
      AcResult r = ac->Call(req);
      EXPECT_FALSE(r.ok) << c.name;
      EXPECT_EQ(r.status, StatusCode::kIdValidationFail) << c.name;
      EXPECT_EQ(r.refusal, c.refusal) << c.name;
    }
  }
  EXPECT_EQ(StateOf(3), storage::CamState{});
}

TEST_F(AcServiceTest, CamRegCommitsAndASecondSameZoneSameImageIsAClone) {
  auto ac = Service();
  ASSERT_TRUE(ac->Call(Request(Kind::kNormalCamReg, 4)).ok);
  storage::CamState s = StateOf(4);
  EXPECT_EQ(s.state, CamStateKind::kAuthService);
  EXPECT_EQ(s.cas_image_version, 7u);
  EXPECT_EQ(s.cass_id, kCassA);
  EXPECT_EQ(s.updated_unix_ms, now_ms_);

  AcResult clone = ac->Call(Request(Kind::kNormalCamReg, 4));
  EXPECT_FALSE(clone.ok);
  EXPECT_EQ(clone.status, StatusCode::kAcRefused);
  EXPECT_EQ(clone.refusal, Refusal::kSuspectedClone);
  EXPECT_TRUE(ac->Call(Request(Kind::kNormalCamReg, 4, kCassB)).ok) << "zone move";
  EXPECT_TRUE(ac->Call(Request(Kind::kNormalCamReg, 4, kCassB, 8)).ok) << "new image";
  AcRequest other_hw = Request(Kind::kNormalCamReg, 4, kCassA, 9);
  other_hw.hw[0] ^= 1;
  EXPECT_EQ(ac->Call(other_hw).refusal, Refusal::kVersionMismatch);
  EXPECT_EQ(StateOf(4).cas_image_version, 8u);
}

TEST_F(AcServiceTest, FastModeCommitsAndGivesAkFromTheDrawnNonce) {
  auto ac = Service();
  AcRequest req = Request(Kind::kFast, 5);
  AcResult r = ac->Call(req);
  ASSERT_TRUE(r.ok) << r.error;
  auto seed = protocol::DeriveAkSeed(req.cam_id, req.session_id, r.nonce_cam, req.hw, req.sw);
  auto ak = protocol::DeriveAk(seed);
  EXPECT_TRUE(std::equal(ak.view().begin(), ak.view().end(), r.ak.view().begin()));
  EXPECT_EQ(StateOf(5).state, CamStateKind::kAuthService);
  EXPECT_EQ(ac->Call(Request(Kind::kFast, 5)).refusal, Refusal::kSuspectedClone);
}

TEST_F(AcServiceTest, ModeC2CountsUntilRenewConfirmTrue) {
  auto ac = Service({AnnexCMode::kC2, 2});
  EXPECT_TRUE(ac->Call(Request(Kind::kNormalCamReg, 6)).ok);
  EXPECT_TRUE(ac->Call(Request(Kind::kNormalCamReg, 6)).ok) << "fourth check: 1 < 2";
  EXPECT_EQ(ac->Call(Request(Kind::kNormalCamReg, 6)).refusal, Refusal::kLimitReached);
  AcRequest failed = Request(Kind::kRenewConfirm, 6);
  failed.download_ok = false;
  EXPECT_TRUE(ac->Call(failed).ok);
  EXPECT_EQ(StateOf(6).auth_count, 2u);
  AcRequest done = Request(Kind::kRenewConfirm, 6);
  done.download_ok = true;
  EXPECT_TRUE(ac->Call(done).ok);
  EXPECT_EQ(StateOf(6).auth_count, 0u);
  EXPECT_TRUE(ac->Call(Request(Kind::kNormalCamReg, 6, kCassA, 8)).ok);
}

TEST_F(AcServiceTest, OperatorSetsStateResetsCountAndRepairs) {
  auto ac = Service({AnnexCMode::kC2, 1});
  ASSERT_TRUE(ac->Call(Request(Kind::kNormalCamReg, 7)).ok);
  EXPECT_EQ(ac->Call(Request(Kind::kNormalCamReg, 7)).refusal, Refusal::kLimitReached);
  ASSERT_TRUE(ac->Call(Request(Kind::kResetAuthCount, 7)).ok);
  EXPECT_EQ(StateOf(7).auth_count, 0u);

  AcRequest leave = Request(Kind::kSetState, 7);
  leave.new_state = CamStateKind::kAuthNotService;
  ASSERT_TRUE(ac->Call(leave).ok);
  EXPECT_EQ(StateOf(7).state, CamStateKind::kAuthNotService);
  EXPECT_TRUE(StateOf(7).versions_set) << "leave keeps the history";
  AcRequest join = Request(Kind::kSetState, 7);
  join.new_state = CamStateKind::kVirgin;
  ASSERT_TRUE(ac->Call(join).ok);
  EXPECT_EQ(StateOf(7).state, CamStateKind::kVirgin);
  EXPECT_FALSE(StateOf(7).versions_set) << "virgin is as manufactured";

  AcResult old_kpk = ac->Call(Request(Kind::kNormalKeyRequest, 7));
  ASSERT_TRUE(old_kpk.ok);
  AcRequest repair = Request(Kind::kRepair, 7);
  repair.dsc_id = testing::DscFor(CamAt(7), 1);
  ASSERT_TRUE(ac->Call(repair).ok);
  EXPECT_EQ(ac->Call(Request(Kind::kNormalKeyRequest, 7)).refusal, Refusal::kUnknownId);
  AcRequest with_new = Request(Kind::kNormalKeyRequest, 7);
  with_new.dsc_id = repair.dsc_id;
  AcResult new_kpk = ac->Call(with_new);
  ASSERT_TRUE(new_kpk.ok) << new_kpk.error;
  EXPECT_NE(new_kpk.sign_kpk, old_kpk.sign_kpk);
  auto old_pairing = store_->GetPairing(storage::MakeKeyPairingId(CamAt(7), identities_[7].dsc_id));
  ASSERT_TRUE(old_pairing.ok());
  EXPECT_FALSE(old_pairing->has_value()) << "the old pairing's KPK is dropped";
}

TEST_F(AcServiceTest, ReportsAreStoredInOrderWithTheirCass) {
  auto ac = Service();
  AcRequest purchase = Request(Kind::kPurchaseReport, 8);
  purchase.report = {1, 2, 3};
  AcRequest log = Request(Kind::kLogResponse, 8, kCassB);
  log.report = {4, 5};
  ASSERT_TRUE(ac->Call(purchase).ok);
  now_ms_ += 1;
  ASSERT_TRUE(ac->Call(log).ok);
  auto reports = store_->ListReports(CamAt(8));
  ASSERT_TRUE(reports.ok()) << reports.error();
  ASSERT_EQ(reports->size(), 2u);
  EXPECT_EQ((*reports)[0].kind, storage::ReportKind::kPurchase);
  EXPECT_EQ((*reports)[0].body, purchase.report);
  EXPECT_EQ((*reports)[1].kind, storage::ReportKind::kLog);
  EXPECT_EQ((*reports)[1].cass_id, kCassB);
  EXPECT_EQ(ac->Call(Request(Kind::kPurchaseReport, 999)).refusal, Refusal::kUnknownId);
}

TEST_F(AcServiceTest, AnsweredDecisionsSurviveReopeningTheStore) {
  {
    auto ac = Service();
    ASSERT_TRUE(ac->Call(Request(Kind::kNormalCamReg, 9)).ok);
  }
  store_.reset();
  OpenStore();
  auto ac = Service();
  EXPECT_EQ(StateOf(9).state, CamStateKind::kAuthService);
  EXPECT_EQ(ac->Call(Request(Kind::kNormalCamReg, 9)).refusal, Refusal::kSuspectedClone);
}

TEST_F(AcServiceTest, AFullQueueIsBusyNotBlocked) {
  AcOptions o;
  o.queue_capacity = 0;
  AcService ac(*store_, root_, o);
  CompletionQueue cq;
  EXPECT_FALSE(ac.Submit(Request(Kind::kNormalCamReg, 10), cq));
  AcResult r = ac.Call(Request(Kind::kNormalCamReg, 10));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.status, StatusCode::kBusy);
}

}  // namespace
}  // namespace rcas::control
