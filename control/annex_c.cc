#include "control/annex_c.h"

#include <algorithm>

namespace rcas::control {

using storage::CamState;
using storage::CamStateKind;

const char* RefusalName(Refusal r) {
  switch (r) {
#define RCAS_AC_REFUSAL_CASE(name, text) \
  case Refusal::name:                    \
    return text;
    RCAS_AC_REFUSALS(RCAS_AC_REFUSAL_CASE)
#undef RCAS_AC_REFUSAL_CASE
  }
  return "unknown";
}

namespace {

// Third check (version information validity). A CAM with no recorded versions cannot be in
// service through the AC, but an operator may have set the state by hand: then there is
// nothing to compare and the versions are taken at commit.
Refusal ThirdCheck(const CamState& rec, const AuthFacts& r) {
  if (rec.versions_set && (rec.hw != r.hw || rec.sw != r.sw)) {
    return Refusal::kVersionMismatch;
  }
  if (!rec.image_set || r.deliver_version != rec.cas_image_version) {
    return Refusal::kNone;  // CAS image version updated
  }
  if (r.cass_id != rec.cass_id) {
    return Refusal::kNone;  // same image, zone move of a normal CAM
  }
  return Refusal::kSuspectedClone;
}

Refusal Check(const CamState& rec, const AuthFacts& r, const AnnexCPolicy& policy) {
  if (rec.state != CamStateKind::kAuthService) {
    return Refusal::kNone;  // second check: VIRGIN and AUTH_NOT_SERVICE pass
  }
  if (policy.mode == AnnexCMode::kC1 || rec.auth_count < 1) {
    return ThirdCheck(rec, r);
  }
  // Fourth check: repeats before RenewConfirm, up to the operator's limit.
  return rec.auth_count < policy.operator_limit ? Refusal::kNone : Refusal::kLimitReached;
}

}  // namespace

AnnexCOutcome Authenticate(const CamState& rec, const AuthFacts& facts, const AnnexCPolicy& policy,
                           uint64_t now_ms) {
  AnnexCOutcome out{Check(rec, facts, policy), rec};
  if (!out.ok()) {
    return out;
  }
  CamState& next = out.next;
  next.state = CamStateKind::kAuthService;
  if (!next.versions_set) {
    next.versions_set = true;
    next.hw = facts.hw;
    next.sw = facts.sw;
  }
  next.image_set = true;
  next.cas_image_version = facts.deliver_version;
  next.cass_id = facts.cass_id;
  if (policy.mode == AnnexCMode::kC2) {
    ++next.auth_count;
  }
  next.c1_pending = policy.mode == AnnexCMode::kC1;  // [choice] PendingRetry
  next.updated_unix_ms = now_ms;
  return out;
}

bool PendingRetry(const CamState& rec, const AuthFacts& facts, const AnnexCPolicy& policy,
                  uint64_t now_ms) {
  // Clock steps back (now before the commit) count as inside the window, like a young entry.
  return policy.mode == AnnexCMode::kC1 && rec.c1_pending && rec.image_set &&
         facts.cass_id == rec.cass_id && Check(rec, facts, policy) == Refusal::kSuspectedClone &&
         now_ms - std::min(now_ms, rec.updated_unix_ms) < policy.c1_pending_ms;
}

CamState InstallationReported(const CamState& rec, uint64_t now_ms) {
  CamState next = rec;
  if (next.c1_pending) {
    next.c1_pending = false;
    next.updated_unix_ms = now_ms;
  }
  return next;
}

bool NeedsVersions(const CamState& rec) { return rec.state == CamStateKind::kAuthService; }

CamState RenewConfirm(const CamState& rec, bool download_ok, uint64_t now_ms) {
  CamState next = rec;
  if (download_ok && next.auth_count != 0) {
    next.auth_count = 0;
    next.updated_unix_ms = now_ms;
  }
  return next;
}

}  // namespace rcas::control
