#pragma once
// CamMachine::Session: what one CAM session knows (PROFILE §15.2, §15.3), erased when it ends.
// Internal to tools/cam_*.cc.

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "crypto/secret.h"
#include "protocol/key_schedule.h"
#include "protocol/message_type.h"
#include "protocol/session_keys.h"
#include "tools/cam_machine.h"

namespace rcas::tools {

// CamImageKeys are the CACS image keys of the session (§17.1).
struct CamImageKeys {
  crypto::AesKey icciek;
  protocol::SecretBlock icciek_iv;
  crypto::AesKey ccciek;
  protocol::SecretBlock ccciek_iv;
};

// CamAnswered is a CASS request the CAM answered, kept for byte-identical duplicates (§5.5).
struct CamAnswered {
  protocol::MessageType type;
  uint64_t nonce = 0;
  Bytes request;
  std::vector<Bytes> answers;  // empty while the answer is being prepared (DOWNLOADING)
};

// CamDownload is a RenewInfo being served (DOWNLOADING, §15.2, §17.2).
struct CamDownload {
  uint64_t id = 0;  // ImageRequest::download
  uint64_t nonce = 0;
  uint8_t client_type = 0;  // RenewInfo numbering: 0x01 CAS, 0x02 DRM, 0x03 ASD (§13.7)
  bool purchase_report_req = false;
  std::vector<ImageRequest> images;
  std::vector<std::array<uint8_t, 20>> hashes;  // the hash each image must have
  std::vector<bool> common;                     // which key decrypts each image
  std::vector<bool> fetched;                    // answered by OnImageFetched
  size_t pending = 0;
  bool integrity_failed = false;  // PKCS#7 or hash mismatch -> Status 0x03
  bool transport_failed = false;  // download failure -> RenewConfirm(FALSE)
};

struct CamMachine::Session {
  CamMode mode = CamMode::kNormal;
  CamTarget target;
  Bytes announce;  // the triggering RCASAnnounce, verified once CHK is known
  std::array<uint8_t, protocol::kSessionIdLen> id{};
  uint64_t first_nonce = 0;      // nonce #1 (KeyRequest) or #5 (KeyRegRequest)
  uint64_t reg_nonce = 0;        // nonce #2 (CAMReg)
  std::vector<uint64_t> nonces;  // every nonce of the session, either direction (§6.1)
  std::optional<protocol::SessionKeys> keys;
  CamImageKeys images;
  // The outstanding request and its retransmission schedule (§5.5).
  Bytes outstanding;
  protocol::MessageType outstanding_type = protocol::MessageType::kKeyRequest;
  int64_t retransmit_at = 0;  // next UDP retransmission, 0 = none
  int64_t give_up_at = 0;     // the exchange fails here, 0 = nothing outstanding
  int64_t interval_ms = 0;
  int retransmissions = 0;
  int64_t idle_at = 0;  // ESTABLISHED: -> IDLE without traffic (§15.2)
  std::vector<CamAnswered> answered;
  std::optional<CamDownload> download;
  bool degraded = false;  // an image failed: the session does not count as completed

  bool UsedNonce(uint64_t n) const;
  const CamAnswered* Answered(protocol::MessageType type, uint64_t nonce) const;
};

}  // namespace rcas::tools
