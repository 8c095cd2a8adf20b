// Pending mode C1 registrations ([choice] in docs/ac-service.md, PROFILE §16.5): a CAM whose C1
// commit has no installation yet is served again by the AC itself when it retries alone from
// the same zone within 24 h, as the CASS's C1 cache would have served it; a clone beside it,
// another zone, a late retry, an installed CAM and mode C2 are decided by §16.4 as before.
#include <gtest/gtest.h>

#include "control/ac_decide.h"
#include "control/ac_service.h"
#include "storage/renewal_record.h"
#include "tests/control/ac_fixture.h"
#include "tests/control/annex_c_testing.h"

namespace rcas::control {
namespace {

using namespace annex_c_testing;  // NOLINT(google-build-using-namespace): test fixtures
using protocol::StatusCode;
using storage::CamState;
using storage::CamStateKind;
using testing::AcFixture;
using testing::kCassA;
using testing::kCassB;
using Kind = AcRequestKind;

// Pending is a CAM that mode C1 committed at kEarlier in zone A with image kImage.
CamState Pending() {
  CamState s = InZoneA(CamStateKind::kAuthService);
  s.c1_pending = true;
  return s;
}

TEST(AnnexCPending, CommitsMarkC1PendingAndC2ClearsIt) {
  EXPECT_TRUE(Authenticate(Factory(), Facts(kZoneA, kImage), Policy(AnnexCMode::kC1), kNow)
                  .next.c1_pending);
  EXPECT_FALSE(Authenticate(Pending(), Facts(kZoneB, kImage), Policy(AnnexCMode::kC2), kNow)
                   .next.c1_pending);
}

TEST(AnnexCPending, OnlyASameZoneSameImageRetryWithin24HoursOfAPendingC1Commit) {
  const AnnexCPolicy c1 = Policy(AnnexCMode::kC1);
  const uint64_t deadline = kEarlier + kC1PendingMs;
  EXPECT_EQ(Authenticate(Pending(), Facts(kZoneA, kImage), c1, kNow).refusal,
            Refusal::kSuspectedClone)
      << "§16.4 itself is unchanged";
  EXPECT_TRUE(PendingRetry(Pending(), Facts(kZoneA, kImage), c1, kEarlier + 1));
  EXPECT_TRUE(PendingRetry(Pending(), Facts(kZoneA, kImage), c1, deadline - 1));
  EXPECT_TRUE(PendingRetry(Pending(), Facts(kZoneA, kImage), c1, kEarlier - 5)) << "clock step";
  EXPECT_FALSE(PendingRetry(Pending(), Facts(kZoneA, kImage), c1, deadline)) << "24 h";
  EXPECT_FALSE(
      PendingRetry(InZoneA(CamStateKind::kAuthService), Facts(kZoneA, kImage), c1, kEarlier + 1))
      << "installed";
  EXPECT_FALSE(PendingRetry(Pending(), Facts(kZoneB, kImage), c1, kEarlier + 1)) << "other CASS";
  EXPECT_FALSE(PendingRetry(Pending(), Facts(kZoneA, kImage, kOtherHw), c1, kEarlier + 1))
      << "other versions";
  EXPECT_FALSE(
      PendingRetry(Pending(), Facts(kZoneA, kImage), Policy(AnnexCMode::kC2), kEarlier + 1))
      << "mode C2";
  CamState left = Pending();
  left.state = CamStateKind::kAuthNotService;
  EXPECT_FALSE(PendingRetry(left, Facts(kZoneA, kImage), c1, kEarlier + 1)) << "not a clone";
}

TEST(AnnexCPending, InstallationReportedClearsTheMarkOnly) {
  CamState want = Pending();
  want.c1_pending = false;
  want.updated_unix_ms = kNow;
  EXPECT_EQ(InstallationReported(Pending(), kNow), want);
  const CamState installed = InZoneA(CamStateKind::kAuthService);
  EXPECT_EQ(InstallationReported(installed, kNow), installed);
}

class AcPendingTest : public AcFixture {
 protected:
  // Retry is CAM i asking again as the CASS would send it with no rival session live.
  AcRequest Retry(Kind kind, size_t i, const crypto::CassId& cass = kCassA) {
    AcRequest r = Request(kind, i, cass);
    r.sole_session = true;
    return r;
  }

  AcRequest Renewal(size_t i, storage::RenewalResult result) {
    AcRequest r = Request(Kind::kRenewalReport, i);
    r.report = storage::EncodeRenewalRecord({result, 7, now_ms_});
    return r;
  }
};

TEST_F(AcPendingTest, RetryOfAPendingCommitIsServedWithoutMovingTheRecord) {
  auto ac = Service();
  ASSERT_TRUE(ac->Call(Retry(Kind::kNormalCamReg, 0)).ok);
  const CamState committed = StateOf(0);
  EXPECT_TRUE(committed.c1_pending);
  EXPECT_EQ(committed.updated_unix_ms, now_ms_);

  now_ms_ += 3'600'000;  // the CASS restarted; the CAM keys again
  AcResult stage1 = ac->Call(Request(Kind::kNormalKeyRequest, 0));
  ASSERT_TRUE(stage1.ok) << stage1.error;
  const uint64_t commits = ac->counters().commits;
  AcResult retry = ac->Call(Retry(Kind::kNormalCamReg, 0));
  EXPECT_TRUE(retry.ok) << RefusalName(retry.refusal);
  EXPECT_EQ(StateOf(0), committed) << "the 24 h run from the commit";
  EXPECT_EQ(ac->counters().commits, commits) << "a pending retry writes nothing";
  EXPECT_EQ(ac->counters().c1_pending_retries, 1u);

  AcRequest beside = Request(Kind::kNormalCamReg, 0);  // sole_session false: a rival is live
  EXPECT_EQ(ac->Call(beside).refusal, Refusal::kSuspectedClone);
  now_ms_ = committed.updated_unix_ms + kC1PendingMs;
  EXPECT_EQ(ac->Call(Retry(Kind::kNormalCamReg, 0)).refusal, Refusal::kSuspectedClone);
  EXPECT_EQ(ac->counters().c1_pending_retries, 1u);
}

TEST_F(AcPendingTest, FastModeRetryGetsAFreshAk) {
  auto ac = Service();
  AcResult first = ac->Call(Retry(Kind::kFast, 1));
  ASSERT_TRUE(first.ok) << first.error;
  AcResult again = ac->Call(Retry(Kind::kFast, 1));
  ASSERT_TRUE(again.ok) << RefusalName(again.refusal);
  EXPECT_NE(first.nonce_cam, again.nonce_cam);
  EXPECT_FALSE(std::equal(first.ak.view().begin(), first.ak.view().end(), again.ak.view().begin()));
}

TEST_F(AcPendingTest, AnotherCassIsAZoneMoveAndStartsItsOwnPendingCommit) {
  auto ac = Service();
  ASSERT_TRUE(ac->Call(Retry(Kind::kNormalCamReg, 2)).ok);
  now_ms_ += 1000;
  ASSERT_TRUE(ac->Call(Retry(Kind::kNormalCamReg, 2, kCassB)).ok);
  EXPECT_EQ(StateOf(2).cass_id, kCassB);
  EXPECT_EQ(StateOf(2).updated_unix_ms, now_ms_);
  EXPECT_TRUE(StateOf(2).c1_pending);
}

TEST_F(AcPendingTest, InstalledReportEndsItAndAFailedDownloadDoesNot) {
  auto ac = Service();
  ASSERT_TRUE(ac->Call(Retry(Kind::kNormalCamReg, 3)).ok);
  ASSERT_TRUE(ac->Call(Renewal(3, storage::RenewalResult::kDownloadFailed)).ok);
  EXPECT_TRUE(StateOf(3).c1_pending);
  EXPECT_TRUE(ac->Call(Retry(Kind::kNormalCamReg, 3)).ok);

  now_ms_ += 5;
  ASSERT_TRUE(ac->Call(Renewal(3, storage::RenewalResult::kInstalled)).ok);
  EXPECT_FALSE(StateOf(3).c1_pending);
  EXPECT_EQ(StateOf(3).updated_unix_ms, now_ms_);
  auto reports = store_->ListReports(testing::CamAt(3));
  ASSERT_TRUE(reports.ok()) << reports.error();
  EXPECT_EQ(reports->size(), 2u);
  AcResult clone = ac->Call(Retry(Kind::kNormalCamReg, 3));
  EXPECT_EQ(clone.status, StatusCode::kAcRefused);
  EXPECT_EQ(clone.refusal, Refusal::kSuspectedClone) << "a real clone after the installation";
}

TEST_F(AcPendingTest, ModeC2IsUnchanged) {
  AnnexCPolicy c2;
  c2.mode = AnnexCMode::kC2;
  c2.operator_limit = 2;
  auto ac = Service(c2);
  EXPECT_TRUE(ac->Call(Retry(Kind::kNormalCamReg, 4)).ok);
  EXPECT_FALSE(StateOf(4).c1_pending);
  EXPECT_TRUE(ac->Call(Retry(Kind::kNormalCamReg, 4)).ok);
  EXPECT_EQ(ac->Call(Retry(Kind::kNormalCamReg, 4)).refusal, Refusal::kLimitReached);
}

TEST_F(AcPendingTest, OperatorActionsKeepTheMarkConsistent) {
  auto ac = Service();
  ASSERT_TRUE(ac->Call(Retry(Kind::kNormalCamReg, 5)).ok);
  const uint64_t commit_ms = now_ms_;
  now_ms_ += 1000;
  ASSERT_TRUE(ac->Call(Request(Kind::kResetAuthCount, 5)).ok);
  EXPECT_TRUE(StateOf(5).c1_pending);
  EXPECT_EQ(StateOf(5).updated_unix_ms, commit_ms) << "the window does not start again";

  AcRequest leave = Request(Kind::kSetState, 5);
  leave.new_state = CamStateKind::kAuthNotService;
  ASSERT_TRUE(ac->Call(leave).ok);
  EXPECT_FALSE(StateOf(5).c1_pending);

  ASSERT_TRUE(ac->Call(Retry(Kind::kNormalCamReg, 6)).ok);
  AcRequest repair = Request(Kind::kRepair, 6);
  repair.dsc_id = testing::DscFor(testing::CamAt(6), 1);
  ASSERT_TRUE(ac->Call(repair).ok);
  EXPECT_FALSE(StateOf(6).c1_pending) << "a new pairing is not the pending one's retry";
}

// Two requests of one CAM in one batch: the retry is decided against the first one's
// uncommitted record (the batch's overlay) and is answered once the batch commits.
TEST_F(AcPendingTest, RetryInTheSameBatchAsItsCommit) {
  AnnexCPolicy c1;
  AcBatch batch(*store_, nullptr, c1, now_ms_);
  AcResult results[2];
  batch.Decide(Retry(Kind::kNormalCamReg, 7), results[0]);
  batch.Decide(Retry(Kind::kNormalCamReg, 7), results[1]);
  std::vector<AcResult*> ptrs = {&results[0], &results[1]};
  EXPECT_TRUE(batch.Finish(ptrs));
  EXPECT_TRUE(results[0].ok);
  EXPECT_TRUE(results[1].ok) << RefusalName(results[1].refusal);
  EXPECT_TRUE(StateOf(7).c1_pending);
}

}  // namespace
}  // namespace rcas::control
