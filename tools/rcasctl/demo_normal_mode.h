#pragma once
// Normal mode of `rcasctl demo` (PROFILE §11, §13, §15.2, §15.4): an in-process CASS (with its
// AC) and CAM, each keeping only what it would know, exchanging real messages.

#include <array>
#include <optional>

#include "crypto/secret.h"
#include "protocol/key_schedule.h"
#include "protocol/session_keys.h"
#include "tools/rcasctl/demo_context.h"

namespace rcas::tools {

using SessionId = std::array<uint8_t, protocol::kSessionIdLen>;

class NormalModeDemo {
 public:
  explicit NormalModeDemo(DemoContext& ctx) : ctx_(ctx) {}

  // Run runs every message of the mode and the two Status examples; false if a check failed.
  bool Run();

 private:
  // demo_normal_mode.cc: key establishment.
  bool KeyRequest();
  bool KeyResponse();
  bool CamReg();
  bool CamRegConfirm();
  bool Renewal();
  // demo_normal_status.cc: a tampered CAMReg (keyed Status 0x04) and a KeyRequest with a bad
  // signature (unkeyed Status 0x05), §9.5, §14.
  bool StatusForTamperedCamReg();
  bool StatusForBadSignature();

  // What the AC returns for a KeyRequest (§16.1).
  struct AcResult {
    std::array<std::array<uint8_t, protocol::kRandAcLen>, 3> rand_ac{};
    std::array<protocol::Kc, 3> kc;
    protocol::Secret20 kpk;
    Bytes sign_kpk;
  };

  // What the CASS knows of the session.
  struct Cass {
    SessionId session_id{};
    uint64_t key_request_nonce = 0;
    Bytes key_pairing_id;
    std::optional<crypto::RsaPublicKey> cam_key;  // from the checked CAM certificate
    AcResult ac;
    std::optional<protocol::SessionKeys> keys;
    ImageKeys images;
  };

  // What the CAM knows.
  struct Cam {
    Bytes announce;  // the RCASAnnounce it acted on, verified once CHK is known
    Bytes announced_cass_id;
    SessionId session_id{};
    uint64_t key_request_nonce = 0;
    uint64_t cam_reg_nonce = 0;
    std::optional<protocol::Secret20> chk;
    std::array<std::array<uint8_t, protocol::kRandAcLen>, 3> rand_ac{};
    std::optional<protocol::SessionKeys> keys;
    ImageKeys images;
  };

  DemoContext& ctx_;
  Cass cass_;
  Cam cam_;
};

// CamKeyPairingId is the CAM's KeyPairingID = CAM_ID || DSC_ID (§2.2).
Bytes CamKeyPairingId(const CamRecord& record);

}  // namespace rcas::tools
