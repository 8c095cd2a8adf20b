#pragma once
// CassSession: everything the CASS knows of one session (PROFILE §15.4 normal, §15.5 fast), from
// the verified first request until its keys are wiped 60 s after CLOSED (§23 item 4). Owned by
// the SessionTable; touched only on the control thread. Secrets are in self-wiping types.

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "control/campaign.h"
#include "control/cass_types.h"
#include "control/response_cache.h"
#include "control/timing_wheel.h"
#include "crypto/hash.h"
#include "crypto/rsa.h"
#include "crypto/x509.h"
#include "protocol/key_schedule.h"
#include "protocol/message_type.h"
#include "protocol/session_keys.h"
#include "storage/cam_record.h"

namespace rcas::control {

enum class SessionState : uint8_t {
  kAcWait,              // first request at the AC (stage 1, or fast mode)
  kSigning,             // KeyResponse / KeyRegResponse at the RSA batcher
  kWaitCamReg,          // W_CAMREG
  kAcWaitCamReg,        // verified CAMReg at the AC (stage 2 + commit)
  kEstablished,         // idle, or deciding what is due
  kWaitRenewConfirm,    // W_RENEWCNF
  kWaitPurchaseReport,  // RenewConfirm(TRUE) with purchaseReport-Req: wait <= 30 s
  kWaitLogResponse,
  kClosed,  // answers cached for duplicates until the linger ends
};

// Exchange is the CASS's own outstanding request (RenewInfo nonce #3, LogRequest nonce #4).
struct Exchange {
  protocol::MessageType type = protocol::MessageType::kRenewInfo;
  uint64_t nonce = 0;
  Bytes message;  // re-sent byte-identically on UDP (§5.5)
  uint32_t retransmits = 0;
};

struct CassSession {
  uint64_t id = 0;  // the table's handle; never reused
  protocol::KeyMode mode = protocol::KeyMode::kNormal;
  SessionState state = SessionState::kAcWait;
  PeerRef peer;  // TCP connection, or the bound UDP source (§23 item 2)

  storage::SessionId session_id{};
  crypto::CamId cam_id{};
  storage::DscId dsc_id{};
  std::array<uint8_t, protocol::kKeyPairingIdLen> key_pairing_id{};
  std::optional<crypto::RsaPublicKey> cam_key;  // from the verified certificate
  protocol::MessageType first_type = protocol::MessageType::kKeyRequest;
  uint64_t first_nonce = 0;  // #1 or #5
  ResponseCache cache;

  // Normal mode, from the AC's stage 1 and the CAMReg.
  std::array<protocol::Kc, 3> kc;
  uint64_t cam_reg_nonce = 0;
  storage::VersionField hw{};
  storage::VersionField sw{};

  // Keys: IK (+ MEK, MEK-IV once known) and the image keys of §17.1.
  std::optional<protocol::SessionKeys> keys;
  crypto::AesKey icciek;
  protocol::SecretBlock icciek_iv;
  crypto::AesKey ccciek;
  protocol::SecretBlock ccciek_iv;

  // Renewal phase.
  std::optional<RenewalPlan> plan;
  std::optional<Exchange> outstanding;
  uint64_t renew_nonce = 0;  // RenewConfirm and PurchaseReport answer it (§23 item 16)
  bool renew_retry_used = false;
  bool log_done = false;

  // Mode C1 cache of AC results (§16.5, §23 item 17), normal mode.
  crypto::Sha256Digest certificate_sha256{};
  uint64_t deliver_version = 0;  // asked at stage 1, then at stage 2
  uint64_t c1_generation = 0;    // the cache entry stage 1 filled or came from; 0: none
  bool c1_fill = false;          // stage 1 went to the AC on a miss: keep its answer
  bool c1_hit = false;           // stage 1 came from the cache

  TimingWheel::TimerId deadline_timer = 0;  // the state's timeout, or the linger when closed
  TimingWheel::TimerId retransmit_timer = 0;
  uint32_t pending_async = 0;          // AC / RSA answers still to come
  std::vector<uint64_t> bound_nonces;  // in the table's nonce index

  CamFacts Facts() const { return {cam_id, session_id, mode, hw, sw, deliver_version}; }
  bool closed() const { return state == SessionState::kClosed; }
};

}  // namespace rcas::control
