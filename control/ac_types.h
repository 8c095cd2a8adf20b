#pragma once
// The CASS→AC request and AC→CASS result of PROFILE §16.1, and the operator's requests, which
// travel the same per-CAM queues so that they are serialised with authentications.

#include <array>
#include <cstdint>

#include "control/annex_c.h"
#include "crypto/bytes.h"
#include "crypto/secret.h"
#include "protocol/message_type.h"
#include "protocol/milenage.h"
#include "storage/ac_store.h"

namespace rcas::control {

inline constexpr size_t kRandAcLen = 16;
inline constexpr size_t kTriplets = 3;
inline constexpr size_t kAkLen = 16;

enum class AcRequestKind : uint8_t {
  kNormalKeyRequest,  // stage 1 (§16.2): first check, RAND_AC, Kc, KPK + sIGN-kpk; no commit
  kNormalCamReg,      // stage 2: second..fourth checks with HW/SW and commit
  kFast,              // KeyRegRequest: all checks and commit, AK
  kRenewConfirm,      // mode C2: a forwarded RenewConfirm
  kPurchaseReport,    // store a purchase report (durable)
  kLogResponse,       // store a log (durable)
  kRenewalReport,     // store how a RenewInfo ended (storage::RenewalRecord, durable)
  // operator actions
  kSetState,
  kResetAuthCount,
  kRepair,  // new DSC_ID: the old pairing's KPK is dropped, a new one is made at next auth
};

struct AcRequest {
  uint64_t tag = 0;  // the caller's handle, echoed in the result
  AcRequestKind kind = AcRequestKind::kNormalKeyRequest;
  crypto::CamId cam_id{};
  storage::DscId dsc_id{};  // KeyPairingID = cam_id ‖ dsc_id; kRepair: the new DSC_ID
  storage::SessionId session_id{};
  crypto::CassId cass_id{};
  Bytes certificate_der;       // kNormalKeyRequest, kFast: compared with the provisioned one
  storage::VersionField hw{};  // kNormalCamReg, kFast
  storage::VersionField sw{};
  uint64_t deliver_version = 0;
  // kNormalCamReg, kFast: the CASS has no other live session of this CAM (a source of its own,
  // not a rival). Only then may mode C1 accept a retry of a pending commit (annex_c.h
  // PendingRetry): two sources at once are a clone whatever the record says (§23 item 17).
  bool sole_session = false;
  bool download_ok = false;                                          // kRenewConfirm
  storage::CamStateKind new_state = storage::CamStateKind::kVirgin;  // kSetState
  Bytes report;  // kPurchaseReport / kLogResponse / kRenewalReport body
};

struct AcResult {
  uint64_t tag = 0;
  AcRequestKind kind = AcRequestKind::kNormalKeyRequest;
  crypto::CamId cam_id{};
  bool ok = false;
  protocol::StatusCode status = protocol::StatusCode::kIdValidationFail;  // when !ok
  Refusal refusal = Refusal::kNone;
  bool pending_retry = false;  // accepted as a retry of a pending C1 commit (annex_c.h)
  std::string error;           // storage or internal failure (status kBusy), for the log

  // kNormalKeyRequest
  std::array<std::array<uint8_t, kRandAcLen>, kTriplets> rand_ac{};
  std::array<protocol::Kc, kTriplets> kc;
  crypto::SecretArray<storage::kNormalKpkLen> kpk;
  Bytes sign_kpk;
  // kFast: AK (PROFILE §12) and the NONCE_CAM the AC drew for it (§12.2)
  crypto::SecretArray<kAkLen> ak;
  std::array<uint8_t, 16> nonce_cam{};
};

}  // namespace rcas::control
