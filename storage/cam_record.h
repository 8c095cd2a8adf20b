#pragma once
// The AC's per-CAM records (PROFILE §2.3, §16.3) and their value encodings in the store. Every
// value starts with a format octet so that a record written by a later version is refused, not
// misread. Decoders are strict (every octet accounted for) and fuzzed.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "crypto/bytes.h"
#include "crypto/secret.h"
#include "crypto/x509.h"

namespace rcas::storage {

inline constexpr size_t kVersionLen = 4;     // hWVersion, sWversion (PROFILE §13)
inline constexpr size_t kKiOpcPairs = 3;     // PROFILE §2.3
inline constexpr size_t kNormalKpkLen = 20;  // PROFILE §11.1
inline constexpr size_t kSignKpkLen = 256;   // PROFILE §11.7, RSA-2048
inline constexpr size_t kMaxCertificateLen = 4096;

using VersionField = std::array<uint8_t, kVersionLen>;
using DscId = std::array<uint8_t, crypto::kDscIdLen>;
using KeyPairingId = std::array<uint8_t, crypto::kKeyPairingIdLen>;

KeyPairingId MakeKeyPairingId(const crypto::CamId& cam_id, const DscId& dsc_id);

// Annex C CAM states (PROFILE §16.3).
enum class CamStateKind : uint8_t { kVirgin = 0, kAuthService = 1, kAuthNotService = 2 };

const char* CamStateName(CamStateKind s);
std::optional<CamStateKind> ParseCamStateName(std::string_view name);

// CamState is the small mutable Annex C record. A CAM without one is VIRGIN with nothing set:
// ingest never writes it, so re-provisioning cannot reset a CAM that is in service.
struct CamState {
  CamStateKind state = CamStateKind::kVirgin;
  bool versions_set = false;  // hw/sw known (manufacturing or first authentication)
  VersionField hw{};
  VersionField sw{};
  bool image_set = false;          // cas_image_version and cass_id hold a committed decision
  uint64_t cas_image_version = 0;  // the deliverVersion of the last committed decision
  crypto::CassId cass_id{};
  uint32_t auth_count = 0;  // mode C2 (PROFILE §16.4)
  // c1_pending: committed under mode C1 and no installation reported since (PROFILE §16.5);
  // while set, updated_unix_ms is the commit time (docs/ac-service.md, pending registrations).
  bool c1_pending = false;
  uint64_t updated_unix_ms = 0;  // when the record last changed (operator display)

  bool operator==(const CamState&) const = default;
};

// Value: format, state, flags (bit 0 versions_set, bit 1 image_set, bit 2 c1_pending), hw, sw,
// cas_image_version, cass_id, auth_count, updated_unix_ms; big-endian (docs/ac-store.md has the
// offsets). Encode* overwrite `out`; Decode* accept exactly what Encode* writes and leave `out`
// alone on failure.
inline constexpr size_t kCamStateValueLen = 1 + 1 + 1 + 4 + 4 + 8 + 4 + 4 + 8;
void EncodeCamState(const CamState& s, Bytes& out);
bool DecodeCamState(ByteView value, CamState& out);

struct KiOpc {
  crypto::SecretArray<16> ki;
  crypto::SecretArray<16> opc;
};

// CamIdentity is written at provisioning and read at every KeyRequest: who the CAM is and the
// secrets the AC derives Kc from. The CAM_ID is the key, not part of the value.
struct CamIdentity {
  DscId dsc_id{};
  std::array<KiOpc, kKiOpcPairs> keys;
  Bytes certificate_der;
};

// Value: format, dsc_id, (ki, opc) x3, certificate length (2), certificate. The certificate
// must be at most kMaxCertificateLen (the store refuses longer ones before encoding).
void EncodeCamIdentity(const CamIdentity& id, Bytes& out);
bool DecodeCamIdentity(ByteView value, CamIdentity& out);

// Pairing is the value under a KeyPairingID: present once the CAM is provisioned with that DSC,
// with KPK and sIGN-kpk once the AC has made them (once per pairing, PROFILE §22 Q7).
struct Pairing {
  bool has_kpk = false;
  crypto::SecretArray<kNormalKpkLen> kpk;
  Bytes sign_kpk;  // kSignKpkLen octets when has_kpk
};

// Value: format, has_kpk (0/1), then kpk and sign_kpk only when has_kpk.
void EncodePairing(const Pairing& p, Bytes& out);
bool DecodePairing(ByteView value, Pairing& out);

}  // namespace rcas::storage
