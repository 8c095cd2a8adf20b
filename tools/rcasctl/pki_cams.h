#pragma once
// `rcasctl pki cams`: bulk CAM provisioning (PROFILE §2.3). Per CAM: CAM_ID, DSC_ID, three
// (Ki, OPc) pairs, an RSA-2048 key (shared by every `share_key` consecutive CAMs) and a CAM
// certificate from the AC root; written to the AC provisioning file, the CAM-side file and
// PEM key files. Work is spread over `jobs` threads; records stay in CAM_ID order.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "crypto/bytes.h"
#include "crypto/secret.h"
#include "crypto/x509.h"

namespace rcas::tools {

struct CamsOptions {
  std::filesystem::path pki_dir;
  uint64_t count = 0;
  uint64_t share_key = 100;
  crypto::CamId first_id{};
  Bytes dsc_prefix;                           // at most 32 octets
  std::optional<crypto::SecretArray<16>> op;  // nullopt: a random OP for this run, not kept
  std::string name = "cams";                  // output names <name>.ac.rcpv, <name>.cam.rcpv
  std::string organization;
  int days = 0;
  unsigned jobs = 1;
  bool force = false;
};

inline constexpr size_t kMaxDscPrefix = crypto::kDscIdLen - crypto::kCamIdLen;

// DscIdFor is DSC_ID = prefix ‖ 0x00… ‖ CAM_ID (40 octets): unique per CAM and recognisable.
std::array<uint8_t, crypto::kDscIdLen> DscIdFor(ByteView prefix, const crypto::CamId& cam_id);

// RunPkiCams does the whole command and returns the exit status (errors printed).
int RunPkiCams(const CamsOptions& options);

}  // namespace rcas::tools
