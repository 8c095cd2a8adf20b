#pragma once
// The per-type protection table of PROFILE §9.1 and the Status rule of §9.5,
// as data: which trailer, which MAC key, whether the content is encrypted
// under MEK and from which IV base, which party signs.

#include <array>
#include <cstdint>

#include "protocol/message_type.h"

namespace rcas::protocol {

enum class TrailerKind : uint8_t {
  kHmac,       // HMAC-SHA1(mac key, H || content on wire), 20 octets
  kDigest,     // SHA-1(H || C), unkeyed Status only (§9.5)
  kSignature,  // RSASSA-PKCS1-v1_5/SHA-256 over H || C, 256 octets
};

enum class MacKey : uint8_t {
  kNone,
  kChk,  // announcements: the CASS zone key
  kIk,   // IHK (normal) or MAK (fast) of the session
};

enum class IvBase : uint8_t {
  kNone,   // not encrypted
  kZero,   // CAMRegConfirm: the CAM does not know MEK-IV yet (§9.3)
  kMekIv,  // every later encrypted message
};

enum class Signer : uint8_t { kNone, kCam, kCass };

struct Protection {
  MessageType type;
  TrailerKind trailer;
  MacKey mac_key;
  bool encrypted;  // EK = MEK, AES-128-CBC + PKCS#7
  IvBase iv_base;
  Signer signer;
};

// Row builders, so the table below reads like PROFILE §9.1.
constexpr Protection MacOnly(MessageType t, MacKey key) {
  return {t, TrailerKind::kHmac, key, false, IvBase::kNone, Signer::kNone};
}
constexpr Protection Encrypted(MessageType t, IvBase iv_base) {
  return {t, TrailerKind::kHmac, MacKey::kIk, true, iv_base, Signer::kNone};
}
constexpr Protection Signed(MessageType t, Signer signer) {
  return {t, TrailerKind::kSignature, MacKey::kNone, false, IvBase::kNone, signer};
}

// kProtectionTable is PROFILE §9.1, one row per type in type order. The
// Status row is the keyed form; which form a Status takes is StatusProtection.
inline constexpr std::array<Protection, 14> kProtectionTable = {{
    MacOnly(MessageType::kRcasAnnounce, MacKey::kChk),
    MacOnly(MessageType::kRcasRenewal, MacKey::kChk),
    Signed(MessageType::kKeyRequest, Signer::kCam),
    Signed(MessageType::kKeyResponse, Signer::kCass),
    MacOnly(MessageType::kCamReg, MacKey::kIk),  // plaintext: §20 D3
    Encrypted(MessageType::kCamRegConfirm, IvBase::kZero),
    Encrypted(MessageType::kRenewInfo, IvBase::kMekIv),
    Encrypted(MessageType::kRenewConfirm, IvBase::kMekIv),
    Encrypted(MessageType::kPurchaseReport, IvBase::kMekIv),
    MacOnly(MessageType::kStatus, MacKey::kIk),  // plaintext: §20 D4
    Encrypted(MessageType::kLogRequest, IvBase::kMekIv),
    Encrypted(MessageType::kLogResponse, IvBase::kMekIv),
    Signed(MessageType::kKeyRegRequest, Signer::kCam),
    Signed(MessageType::kKeyRegResponse, Signer::kCass),
}};

// kUnkeyedStatus: a Status answering a signed message (§9.5).
inline constexpr Protection kUnkeyedStatus = {
    MessageType::kStatus, TrailerKind::kDigest, MacKey::kNone, false, IvBase::kNone, Signer::kNone};

// ProtectionOf is the §9.1 row of `t` (keyed form for Status).
constexpr const Protection& ProtectionOf(MessageType t) {
  return kProtectionTable[static_cast<uint16_t>(t) - 1];
}

// StatusIsKeyed: a Status answering KeyRequest / KeyRegRequest (CASS->CAM) or
// KeyResponse / KeyRegResponse (CAM->CASS) is unkeyed; any other is keyed
// with IK (§9.5). Status never answers an announcement or another Status.
constexpr bool StatusIsKeyed(MessageType answered) { return !IsSigned(answered); }

// StatusProtection is the protection of a Status answering `answered`.
constexpr const Protection& StatusProtection(MessageType answered) {
  return StatusIsKeyed(answered) ? ProtectionOf(MessageType::kStatus) : kUnkeyedStatus;
}

// The table agrees with message_type.h's type facts.
constexpr bool TableConsistent() {
  for (size_t i = 0; i < kProtectionTable.size(); ++i) {
    const Protection& p = kProtectionTable[i];
    if (static_cast<size_t>(p.type) != i + 1 || p.encrypted != IsEncrypted(p.type) ||
        (p.trailer == TrailerKind::kSignature) != IsSigned(p.type) ||
        (p.encrypted != (p.iv_base != IvBase::kNone))) {
      return false;
    }
  }
  return true;
}
static_assert(TableConsistent(), "PROFILE §9.1 table out of step with message_type.h");

}  // namespace rcas::protocol
