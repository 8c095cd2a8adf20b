#pragma once
// Annex C cloning detection as PROFILE §16.4 states Figures C.1 (mode C1) and C.2 (mode C2):
// pure functions of the stored CamState and the request's facts, so that every path is
// table-tested without a store. The first check (IDs known) needs the store and is done by the
// AC service; these functions start at the second check.

#include <cstdint>

#include "crypto/x509.h"
#include "storage/cam_record.h"

namespace rcas::control {

enum class AnnexCMode : uint8_t {
  kC1 = 1,  // the CASS caches AC results until RenewConfirm(TRUE) (default, §23 item 17)
  kC2 = 2,  // every RenewConfirm is forwarded; authCount limits repeats (fourth check)
};

inline constexpr uint32_t kDefaultOperatorLimit = 3;  // PROFILE §16.4
// How long a mode C1 commit stays open to retries of its CAM: the AC result's 24 h (§16.5).
inline constexpr uint64_t kC1PendingMs = 24ull * 3600 * 1000;

// Why an authentication was refused; kNone when it was not. Stats and logs use the names.
#define RCAS_AC_REFUSALS(X)                                                                \
  X(kNone, "none")                                                                         \
  X(kUnknownId, "unknown-id")                     /* first check: Status 0x01 */           \
  X(kCertificateMismatch, "certificate-mismatch") /* 0x01: not the provisioned cert */     \
  X(kVersionMismatch, "version-mismatch")         /* third check: hw/sw differ, 0x80 */    \
  X(kSuspectedClone, "suspected-clone")           /* third check: same image, same zone */ \
  X(kLimitReached, "limit-reached")               /* fourth check (C2) */

enum class Refusal : uint8_t {
#define RCAS_AC_REFUSAL_ENUM(name, text) name,
  RCAS_AC_REFUSALS(RCAS_AC_REFUSAL_ENUM)
#undef RCAS_AC_REFUSAL_ENUM
};
inline constexpr size_t kRefusalCount = 6;
const char* RefusalName(Refusal r);

// The facts of one authentication known when the third check runs.
struct AuthFacts {
  crypto::CassId cass_id{};
  storage::VersionField hw{};
  storage::VersionField sw{};
  uint64_t deliver_version = 0;
};

struct AnnexCPolicy {
  AnnexCMode mode = AnnexCMode::kC1;
  uint32_t operator_limit = kDefaultOperatorLimit;
  uint64_t c1_pending_ms = kC1PendingMs;  // PendingRetry's window
};

struct AnnexCOutcome {
  Refusal refusal = Refusal::kNone;
  storage::CamState next;  // the record to commit when refusal == kNone; unchanged otherwise
  bool ok() const { return refusal == Refusal::kNone; }
};

// Authenticate runs the second, third and fourth checks and, on success, the commit of §16.4.
// The caller has done the first check. now_ms stamps updated_unix_ms of the new record. A mode
// C1 commit also sets c1_pending (PendingRetry below); a C2 commit clears it.
AnnexCOutcome Authenticate(const storage::CamState& rec, const AuthFacts& facts,
                           const AnnexCPolicy& policy, uint64_t now_ms);

// [choice] Pending C1 registrations (docs/ac-service.md; PROFILE §16.5). In mode C1 the AC's
// result stands until RenewConfirm(TRUE) or 24 h, and the CASS answers the CAM's retries from
// its cache; a cache lost to a restart or an eviction must not turn those retries into clones.
// PendingRetry is true when Authenticate refused `facts` as a suspected clone only because it is
// the image and zone of a C1 commit that is still pending: mode C1, c1_pending set, the same
// CASS_ID and now_ms < updated_unix_ms + policy.c1_pending_ms. The caller accepts such a retry
// without a commit (the record stays as committed; the window keeps running from the commit).
bool PendingRetry(const storage::CamState& rec, const AuthFacts& facts, const AnnexCPolicy& policy,
                  uint64_t now_ms);

// InstallationReported ends a pending C1 commit: the CASS reported RenewConfirm(TRUE) (§16.5).
// Returns the new record (unchanged when nothing was pending).
storage::CamState InstallationReported(const storage::CamState& rec, uint64_t now_ms);

// NeedsVersions is true when a normal-mode KeyRequest cannot be decided before CAMReg
// (PROFILE §16.2): the CAM is in service, so the third or fourth check needs HW/SW.
bool NeedsVersions(const storage::CamState& rec);

// RenewConfirm applies a forwarded RenewConfirm (mode C2): TRUE resets authCount, FALSE keeps
// counting. Returns the new record.
storage::CamState RenewConfirm(const storage::CamState& rec, bool download_ok, uint64_t now_ms);

}  // namespace rcas::control
