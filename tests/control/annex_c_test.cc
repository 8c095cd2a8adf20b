// Annex C cloning detection, every path of Figures C.1 (mode C1) and C.2 (mode C2) as the
// pseudo-code of PROFILE §16.4 states them, one table row per path. The expectations come from
// the profile (§16.2-§16.5, §23 item 17) and J.1003 Annex C, not from control/annex_c.cc.

#include "control/annex_c.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "tests/control/annex_c_testing.h"

namespace rcas::control {
namespace {

using namespace annex_c_testing;  // NOLINT(google-build-using-namespace): test fixtures
using storage::CamState;
using storage::CamStateKind;

constexpr AnnexCMode kC1 = AnnexCMode::kC1;
constexpr AnnexCMode kC2 = AnnexCMode::kC2;
constexpr CamStateKind kVirgin = CamStateKind::kVirgin;
constexpr CamStateKind kService = CamStateKind::kAuthService;
constexpr CamStateKind kLeft = CamStateKind::kAuthNotService;
constexpr uint32_t kLimit = kDefaultOperatorLimit;

struct PathRow {
  const char* name;
  AnnexCMode mode;
  uint32_t limit;
  CamState rec;
  AuthFacts facts;
  Refusal want;
};

class AnnexCPath : public testing::TestWithParam<PathRow> {};

// An accepted authentication commits exactly the §16.4 commit; a refused one leaves the record
// as it was, timestamp included (§16.2: nothing moves unless the decision is OK).
TEST_P(AnnexCPath, RefusesOrCommitsAsSection16_4Says) {
  const PathRow& row = GetParam();
  const AnnexCOutcome out = Authenticate(row.rec, row.facts, Policy(row.mode, row.limit), kNow);
  EXPECT_EQ(out.refusal, row.want);
  EXPECT_EQ(out.ok(), row.want == Refusal::kNone);
  if (row.want == Refusal::kNone) {
    EXPECT_EQ(out.next, Committed(row.rec, row.facts, row.mode, kNow));
  } else {
    EXPECT_EQ(out.next, row.rec);
  }
}

std::string RowName(const testing::TestParamInfo<PathRow>& info) { return info.param.name; }

// Second check: VIRGIN and AUTH_NOT_SERVICE are accepted whatever the versions, image or zone,
// and in C2 whatever authCount (the count gates only AUTH_SERVICE in §16.4).
std::vector<PathRow> SecondCheckRows() {
  std::vector<PathRow> rows;
  for (AnnexCMode mode : {kC1, kC2}) {
    const bool c1 = mode == kC1;
    auto add = [&](const char* c1_name, const char* c2_name, const CamState& rec,
                   const AuthFacts& facts) {
      rows.push_back({c1 ? c1_name : c2_name, mode, kLimit, rec, facts, Refusal::kNone});
    };
    add("C1_FactoryVirgin", "C2_FactoryVirgin", Factory(), Facts(kZoneA, kImage));
    add("C1_VirginKeepsManufacturingVersions", "C2_VirginKeepsManufacturingVersions",
        Manufactured(), Facts(kZoneA, kImage, kOtherHw, kOtherSw));
    add("C1_VirginSameImageSameZone", "C2_VirginSameImageSameZone", InZoneA(kVirgin),
        Facts(kZoneA, kImage));
    add("C1_LeftSameImageSameZone", "C2_LeftSameImageSameZone", InZoneA(kLeft),
        Facts(kZoneA, kImage));
    add("C1_LeftOtherVersions", "C2_LeftOtherVersions", InZoneA(kLeft),
        Facts(kZoneB, kImage, kOtherHw, kOtherSw));
  }
  rows.push_back({"C2_LeftWithCountAtLimit", kC2, kLimit, InZoneA(kLeft, kLimit),
                  Facts(kZoneA, kImage), Refusal::kNone});
  return rows;
}
INSTANTIATE_TEST_SUITE_P(SecondCheck, AnnexCPath, testing::ValuesIn(SecondCheckRows()), RowName);

// Third check on a CAM in service (C1 always, C2 while authCount < 1): versions first, then a
// changed image, then a changed zone; same image in the same zone is the clone.
std::vector<PathRow> ThirdCheckRows() {
  std::vector<PathRow> rows;
  for (AnnexCMode mode : {kC1, kC2}) {
    const bool c1 = mode == kC1;
    auto add = [&](const char* c1_name, const char* c2_name, const AuthFacts& facts, Refusal want) {
      rows.push_back({c1 ? c1_name : c2_name, mode, kLimit, InZoneA(kService), facts, want});
    };
    add("C1_OtherHwEvenWithNewImage", "C2_OtherHwEvenWithNewImage",
        Facts(kZoneA, kImage + 1, kOtherHw, kSw), Refusal::kVersionMismatch);
    add("C1_OtherSwEvenInZoneMove", "C2_OtherSwEvenInZoneMove",
        Facts(kZoneB, kImage, kHw, kOtherSw), Refusal::kVersionMismatch);
    add("C1_NewImage", "C2_NewImage", Facts(kZoneA, kImage + 1), Refusal::kNone);
    // §16.4 asks whether the version differs, not whether it grew.
    add("C1_OlderImage", "C2_OlderImage", Facts(kZoneA, kImage - 1), Refusal::kNone);
    add("C1_ZoneMoveSameImage", "C2_ZoneMoveSameImage", Facts(kZoneB, kImage), Refusal::kNone);
    add("C1_SameImageSameZone", "C2_SameImageSameZone", Facts(kZoneA, kImage),
        Refusal::kSuspectedClone);
  }
  // C1 has no fourth check: an authCount left over (e.g. from C2) changes nothing.
  rows.push_back({"C1_CountAtLimitSameImageSameZone", kC1, kLimit, InZoneA(kService, kLimit),
                  Facts(kZoneA, kImage), Refusal::kSuspectedClone});
  rows.push_back({"C1_CountAboveLimitNewImage", kC1, kLimit, InZoneA(kService, kLimit + 2),
                  Facts(kZoneA, kImage + 1), Refusal::kNone});
  rows.push_back({"C1_CountOneOtherHw", kC1, kLimit, InZoneA(kService, 1),
                  Facts(kZoneA, kImage, kOtherHw, kSw), Refusal::kVersionMismatch});
  return rows;
}
INSTANTIATE_TEST_SUITE_P(ThirdCheck, AnnexCPath, testing::ValuesIn(ThirdCheckRows()), RowName);

// Fourth check (C2, AUTH_SERVICE, authCount >= 1): only the count against the operator's limit
// matters; versions, image and zone are not looked at.
std::vector<PathRow> FourthCheckRows() {
  const AuthFacts same = Facts(kZoneA, kImage);
  const AuthFacts fresh = Facts(kZoneA, kImage + 1);
  const AuthFacts other = Facts(kZoneB, kImage, kOtherHw, kOtherSw);
  auto row = [](const char* name, uint32_t limit, uint32_t count, const AuthFacts& facts,
                Refusal want) {
    return PathRow{name, kC2, limit, InZoneA(kService, count), facts, want};
  };
  return {
      row("Count1SameImageSameZone", kLimit, 1, same, Refusal::kNone),
      row("Count2OtherVersionsOtherZone", kLimit, 2, other, Refusal::kNone),
      row("CountAtLimitNewImage", kLimit, kLimit, fresh, Refusal::kLimitReached),
      row("CountAtLimitSameImage", kLimit, kLimit, same, Refusal::kLimitReached),
      row("CountAboveLimit", kLimit, kLimit + 1, fresh, Refusal::kLimitReached),
      row("Limit5Count4", 5, 4, same, Refusal::kNone),
      row("Limit5Count5", 5, 5, fresh, Refusal::kLimitReached),
      // authCount 0 still goes to the third check whatever the limit.
      row("Limit1Count0NewImage", 1, 0, fresh, Refusal::kNone),
      row("Limit1Count0SameImageSameZone", 1, 0, same, Refusal::kSuspectedClone),
      row("Limit1Count1", 1, 1, fresh, Refusal::kLimitReached),
      row("Limit0Count0NewImage", 0, 0, fresh, Refusal::kNone),
      row("Limit0Count0SameImageSameZone", 0, 0, same, Refusal::kSuspectedClone),
      row("Limit0Count1", 0, 1, fresh, Refusal::kLimitReached),
  };
}
INSTANTIATE_TEST_SUITE_P(FourthCheckC2, AnnexCPath, testing::ValuesIn(FourthCheckRows()), RowName);

// The commit, spelled out field by field for the first authentication of a factory CAM.
TEST(AnnexCCommit, FirstAuthenticationRecordsVersionsImageAndZone) {
  for (AnnexCMode mode : {kC1, kC2}) {
    const AnnexCOutcome out =
        Authenticate(Factory(), Facts(kZoneB, 42, kOtherHw, kOtherSw), Policy(mode), kNow);
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(out.next.state, kService);
    EXPECT_TRUE(out.next.versions_set);
    EXPECT_EQ(out.next.hw, kOtherHw);
    EXPECT_EQ(out.next.sw, kOtherSw);
    EXPECT_TRUE(out.next.image_set);
    EXPECT_EQ(out.next.cas_image_version, 42u);
    EXPECT_EQ(out.next.cass_id, kZoneB);
    EXPECT_EQ(out.next.auth_count, mode == kC2 ? 1u : 0u);
    EXPECT_EQ(out.next.updated_unix_ms, kNow);
  }
}

// The one path where an in-service CAM is accepted with other versions (C2 fourth check) must
// not let those versions replace the stored ones, or a clone could rewrite the reference.
TEST(AnnexCCommit, StoredVersionsAreNeverOverwritten) {
  const AuthFacts other = Facts(kZoneA, kImage, kOtherHw, kOtherSw);
  const AnnexCOutcome repeat = Authenticate(InZoneA(kService, 1), other, Policy(kC2), kNow);
  ASSERT_TRUE(repeat.ok());
  EXPECT_EQ(repeat.next.hw, kHw);
  EXPECT_EQ(repeat.next.sw, kSw);
  const AnnexCOutcome first = Authenticate(Manufactured(), other, Policy(kC1), kNow);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first.next.hw, kHw);
  EXPECT_EQ(first.next.sw, kSw);
}

TEST(AnnexCCommit, AuthCountCountsOnlyInC2) {
  const AuthFacts fresh = Facts(kZoneA, kImage + 1);
  EXPECT_EQ(Authenticate(InZoneA(kService, 2), fresh, Policy(kC1), kNow).next.auth_count, 2u);
  EXPECT_EQ(Authenticate(InZoneA(kService, 0), fresh, Policy(kC2), kNow).next.auth_count, 1u);
  EXPECT_EQ(Authenticate(InZoneA(kService, 2), fresh, Policy(kC2), kNow).next.auth_count, 3u);
}

TEST(AnnexCRenewConfirm, TrueResetsAuthCountAndNothingElse) {
  const CamState rec = InZoneA(kService, kLimit);
  CamState next = RenewConfirm(rec, true, kNow);
  EXPECT_EQ(next.auth_count, 0u);
  EXPECT_EQ(next.updated_unix_ms, kNow);  // the record changed
  next.auth_count = rec.auth_count;
  next.updated_unix_ms = rec.updated_unix_ms;
  EXPECT_EQ(next, rec);
}

// §16.4 [choice]: a failed download keeps counting towards the operator limit.
TEST(AnnexCRenewConfirm, FalseKeepsAuthCountAndNothingElse) {
  const CamState rec = InZoneA(kService, 2);
  CamState next = RenewConfirm(rec, false, kNow);
  EXPECT_EQ(next.auth_count, 2u);
  next.updated_unix_ms = rec.updated_unix_ms;  // whether a no-op restamps is not specified
  EXPECT_EQ(next, rec);
}

// §16.2: only a CAM in service needs HW/SW (from CAMReg) before the AC can decide.
TEST(AnnexCNeedsVersions, ExactlyForAuthService) {
  for (CamStateKind state : {kVirgin, kService, kLeft}) {
    for (uint32_t count : {0u, 1u, kLimit + 1}) {
      EXPECT_EQ(NeedsVersions(InZoneA(state, count)), state == kService)
          << CamStateName(state) << " auth_count " << count;
    }
  }
  EXPECT_FALSE(NeedsVersions(Factory()));
}

TEST(AnnexCRefusal, EveryReasonHasItsOwnName) {
  std::set<std::string> names;
  for (size_t i = 0; i < kRefusalCount; ++i) {
    names.insert(RefusalName(static_cast<Refusal>(i)));
  }
  EXPECT_EQ(names.size(), kRefusalCount);
  EXPECT_STREQ(RefusalName(Refusal::kNone), "none");
  EXPECT_STREQ(RefusalName(Refusal::kSuspectedClone), "suspected-clone");
  EXPECT_STREQ(RefusalName(Refusal::kLimitReached), "limit-reached");
}

// CamLife drives one CAM record through successive AC decisions, committing what is accepted,
// with the clock moving forward one second per step.
class CamLife {
 public:
  explicit CamLife(AnnexCPolicy policy) : policy_(policy), rec_(Factory()) {}

  Refusal Auth(const AuthFacts& facts) {
    now_ += 1000;
    const AnnexCOutcome out = Authenticate(rec_, facts, policy_, now_);
    if (out.ok()) {
      rec_ = out.next;
    } else {
      EXPECT_EQ(out.next, rec_);
    }
    return out.refusal;
  }

  // RenewConfirm reaches the AC only in C2 (§16.4: in C1 the CASS keeps the result).
  void Downloaded(bool ok) {
    now_ += 1000;
    if (policy_.mode == kC2) {
      rec_ = RenewConfirm(rec_, ok, now_);
    }
  }

  const CamState& rec() const { return rec_; }

 private:
  AnnexCPolicy policy_;
  CamState rec_;
  uint64_t now_ = kNow;
};

class AnnexCLife : public testing::TestWithParam<AnnexCMode> {};

TEST_P(AnnexCLife, GenuineCamIsAcceptedAtEveryLegitimateStep) {
  CamLife cam(Policy(GetParam()));
  EXPECT_EQ(cam.Auth(Facts(kZoneA, 1)), Refusal::kNone);  // virgin
  cam.Downloaded(true);
  EXPECT_EQ(cam.Auth(Facts(kZoneA, 2)), Refusal::kNone);  // new image, same zone
  cam.Downloaded(true);
  EXPECT_EQ(cam.Auth(Facts(kZoneB, 2)), Refusal::kNone);  // zone move, same image
  cam.Downloaded(true);
  EXPECT_EQ(cam.rec().state, kService);
  EXPECT_EQ(cam.rec().cass_id, kZoneB);
  EXPECT_EQ(cam.rec().cas_image_version, 2u);
  EXPECT_EQ(cam.rec().auth_count, 0u);
}

TEST_P(AnnexCLife, CloneInTheSameZoneWithTheSameImageIsRefused) {
  CamLife cam(Policy(GetParam()));
  ASSERT_EQ(cam.Auth(Facts(kZoneA, 1)), Refusal::kNone);  // the genuine CAM
  cam.Downloaded(true);
  const CamState genuine = cam.rec();
  EXPECT_EQ(cam.Auth(Facts(kZoneA, 1)), Refusal::kSuspectedClone);
  EXPECT_EQ(cam.Auth(Facts(kZoneB, 1, kOtherHw, kSw)), Refusal::kVersionMismatch);
  EXPECT_EQ(cam.rec(), genuine);
}

std::string ModeName(const testing::TestParamInfo<AnnexCMode>& info) {
  return info.param == kC1 ? "C1" : "C2";
}
INSTANTIATE_TEST_SUITE_P(BothModes, AnnexCLife, testing::Values(kC1, kC2), ModeName);

// §23 item 17: in C2 a CAM whose downloads keep failing is let in OPERATOR_LIMIT times and then
// refused; RenewConfirm(TRUE) brings back the third check, so a new image lets it in again
// while a repeat of the same image in the same zone is the clone of §16.5.
TEST(AnnexCLifeC2, FailedDownloadsReachTheLimitUntilRenewConfirmTrue) {
  CamLife cam(Policy(kC2));
  for (uint32_t i = 0; i < kDefaultOperatorLimit; ++i) {
    EXPECT_EQ(cam.Auth(Facts(kZoneA, 1)), Refusal::kNone) << "attempt " << i;
    cam.Downloaded(false);
  }
  EXPECT_EQ(cam.rec().auth_count, kDefaultOperatorLimit);
  EXPECT_EQ(cam.Auth(Facts(kZoneA, 1)), Refusal::kLimitReached);
  EXPECT_EQ(cam.Auth(Facts(kZoneB, 2)), Refusal::kLimitReached);
  cam.Downloaded(true);
  EXPECT_EQ(cam.rec().auth_count, 0u);
  EXPECT_EQ(cam.Auth(Facts(kZoneA, 1)), Refusal::kSuspectedClone);
  EXPECT_EQ(cam.Auth(Facts(kZoneA, 2)), Refusal::kNone);
  EXPECT_EQ(cam.rec().auth_count, 1u);
}

TEST(AnnexCLifeC2, OperatorLimitOfOneAllowsNoRepeat) {
  CamLife cam(Policy(kC2, 1));
  ASSERT_EQ(cam.Auth(Facts(kZoneA, 1)), Refusal::kNone);
  cam.Downloaded(false);
  EXPECT_EQ(cam.Auth(Facts(kZoneA, 1)), Refusal::kLimitReached);
}

}  // namespace
}  // namespace rcas::control
