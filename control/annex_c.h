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
};

struct AnnexCOutcome {
  Refusal refusal = Refusal::kNone;
  storage::CamState next;  // the record to commit when refusal == kNone; unchanged otherwise
  bool ok() const { return refusal == Refusal::kNone; }
};

// Authenticate runs the second, third and fourth checks and, on success, the commit of §16.4.
// The caller has done the first check. now_ms stamps updated_unix_ms of the new record.
AnnexCOutcome Authenticate(const storage::CamState& rec, const AuthFacts& facts,
                           const AnnexCPolicy& policy, uint64_t now_ms);

// NeedsVersions is true when a normal-mode KeyRequest cannot be decided before CAMReg
// (PROFILE §16.2): the CAM is in service, so the third or fourth check needs HW/SW.
bool NeedsVersions(const storage::CamState& rec);

// RenewConfirm applies a forwarded RenewConfirm (mode C2): TRUE resets authCount, FALSE keeps
// counting. Returns the new record.
storage::CamState RenewConfirm(const storage::CamState& rec, bool download_ok, uint64_t now_ms);

}  // namespace rcas::control
