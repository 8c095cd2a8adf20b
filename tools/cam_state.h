#pragma once
// The reference CAM's persistent state (PROFILE §2.4): virgin flag, current CASS_ID, per CASS_ID
// the CHK and the last accepted RCASAnnounce / RCASRenewal (counter and bytes, §6.2), the
// installed clients, KPK and sIGN-kpk. Kept in one small text file per CAM (format in
// docs/reference-cam.md), written atomically. Single-threaded tool code.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crypto/bytes.h"
#include "crypto/result.h"
#include "crypto/secret.h"
#include "crypto/x509.h"
#include "protocol/key_schedule.h"

namespace rcas::tools {

// CamZoneState is what the CAM keeps for one CASS_ID.
struct CamZoneState {
  crypto::CassId cass_id{};
  std::optional<protocol::Secret20> chk;  // from the last KeyResponse / KeyRegResponse
  uint64_t announce_counter = 0;          // last HMAC-verified RCASAnnounce nonce (§6.2)
  Bytes announce;                         // its bytes, for the byte-identical repeat
  uint64_t renewal_counter = 0;           // same for RCASRenewal
  Bytes renewal;
};

// InstalledClient is one client image the CAM runs (CAMClientInfo numbering, §13.1).
struct InstalledClient {
  uint8_t type = 0;
  uint16_t vendor = 0;
  uint16_t version = 0;
  bool operator==(const InstalledClient&) const = default;
};

struct CamPersistentState {
  bool virgin = true;
  std::optional<crypto::CassId> current_cass_id;
  std::vector<CamZoneState> zones;
  std::vector<InstalledClient> clients;
  crypto::SecretBytes kpk;  // 20 octets (normal) or 16 (fast, §23.18)
  Bytes sign_kpk;           // empty after a fast-mode session

  // Zone returns the entry for `cass_id`, or null.
  CamZoneState* Zone(ByteView cass_id);
  const CamZoneState* Zone(ByteView cass_id) const;
  // ZoneFor returns the entry for `cass_id`, creating it.
  CamZoneState& ZoneFor(const crypto::CassId& cass_id);
  // Install records `client`, replacing the entry of the same (type, vendor).
  void Install(const InstalledClient& client);
  // InstalledVersion is the version of (type, vendor), or nullopt.
  std::optional<uint16_t> InstalledVersion(uint8_t type, uint16_t vendor) const;
};

// SaveCamState writes `state` to `path` (temporary file, fsync, rename; mode 0600: it holds
// CHK and KPK).
Status SaveCamState(const std::string& path, const CamPersistentState& state);

// LoadCamState reads a state file; a missing file is a virgin CAM. Any malformed line is an
// error (a CAM must not run on a state it half understood).
Result<CamPersistentState> LoadCamState(const std::string& path);

// FormatCamState / ParseCamState are the file's text form.
std::string FormatCamState(const CamPersistentState& state);
Result<CamPersistentState> ParseCamState(std::string_view text);

}  // namespace rcas::tools
