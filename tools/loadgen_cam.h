#pragma once
// LoadGenerator::Cam, ::Actor and ::Download: the per-CAM state of rcas-loadgen and its hostile
// actors. Internal to tools/loadgen_*.cc.

#include <array>
#include <cstdint>
#include <vector>

#include "protocol/header.h"
#include "protocol/key_schedule.h"
#include "protocol/session_keys.h"
#include "tools/loadgen.h"

namespace rcas::tools {

inline constexpr uint32_t kNone = UINT32_MAX;
inline constexpr uint32_t kActorBit = 0x80000000u;

enum class CamStep : uint8_t {
  kNotStarted,
  kWaitFirst,       // KeyRequest / KeyRegRequest sent
  kDecrypting,      // its answer waits for the RSA batch
  kWaitRegConfirm,  // CAMReg sent
  kEstablished,     // held for the CASS's requests
  kDownloading,     // a RenewInfo's images are being fetched
  kBackoff,         // a failed session's backoff (§14.2)
  kDone,
  kFailed,
};

// RenewAnswer: what the CAM answered to the session's RenewInfo, so that a duplicate gets the
// same bytes again (sealing is deterministic: the IV comes from the type and nonce, §9.3).
enum RenewAnswer : uint8_t {
  kRenewNone = 0,
  kRenewOk = 1,        // RenewConfirm(TRUE), else RenewConfirm(FALSE)
  kRenewPurchase = 2,  // + PurchaseReport under the same nonce (§23.14)
  kRenewStatus03 = 4,  // keyed Status 0x03 instead (§17.2)
  kRenewAnswered = 8,
};

struct LoadGenerator::Cam {
  std::array<uint8_t, protocol::kSessionIdLen> session_id{};
  CamStep step = CamStep::kNotStarted;
  bool clone = false;
  bool registered = false;
  uint8_t sessions = 0;         // sessions started
  uint8_t retransmissions = 0;  // of the outstanding request
  uint8_t failures = 0;         // consecutive failed sessions (§14.2)
  uint8_t renew_answer = kRenewNone;
  protocol::MessageType out_type = protocol::MessageType::kKeyRequest;
  uint32_t identity = 0;
  uint32_t flow = kNone;
  uint32_t timer_gen = 0;
  uint32_t interval_ms = 0;
  uint64_t first_nonce = 0;  // #1 / #5
  uint64_t reg_nonce = 0;    // #2
  uint64_t renew_nonce = 0;  // #3 of the RenewInfo being answered
  uint64_t log_nonce = 0;    // #4 of the last LogRequest answered
  int64_t sent_us = 0;       // the outstanding request's first transmission
  int64_t session_us = 0;    // the session's first request
  int64_t give_up_us = 0;    // the outstanding exchange times out here (0: retransmitting)
  protocol::SessionKeys keys;
  crypto::AesKey icciek;
  crypto::AesKey ccciek;
  protocol::SecretBlock icciek_iv;
  protocol::SecretBlock ccciek_iv;
};
static_assert(sizeof(LoadGenerator::Cam) <= 256, "per-CAM state, keys included, stays compact");

struct LoadGenerator::Actor {
  HostileKind kind = HostileKind::kGarbage;
  bool live = false;
  uint32_t flow = kNone;
  uint64_t nonce = 0;
  int64_t deadline_us = 0;
};

struct LoadGenerator::Download {
  uint64_t nonce = 0;
  uint8_t client_type = 0;
  bool purchase_report_req = false;
  bool integrity_failed = false;
  bool transport_failed = false;
  size_t pending = 0;
  int64_t started_us = 0;
  std::vector<std::array<uint8_t, 20>> hashes;
  std::vector<bool> common;
};

}  // namespace rcas::tools
