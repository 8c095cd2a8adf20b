#pragma once
// Message types (J.1003 Table 2), Status codes (PROFILE §14) and the
// per-type protection facts of PROFILE §4.2 and §9.1.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace rcas::protocol {

inline constexpr uint8_t kProtocolVersion = 0x01;
inline constexpr size_t kHeaderLen = 16;
inline constexpr size_t kMacLen = 20;
inline constexpr size_t kSignatureLen = 256;
inline constexpr size_t kSessionIdLen = 10;
inline constexpr size_t kNonceLen = 8;
inline constexpr size_t kCamIdLen = 8;
inline constexpr size_t kDscIdLen = 40;
inline constexpr size_t kKeyPairingIdLen = 48;
inline constexpr size_t kCamIdFieldLen = 40;
inline constexpr size_t kCassIdLen = 4;
inline constexpr size_t kNonceCamLen = 16;       // NONCE_CAM
inline constexpr size_t kRandAcLen = 16;         // RAND_AC_j
inline constexpr size_t kCassIpAddrLen = 50;     // cASSIPAddr
inline constexpr size_t kMaxMessageLen = 65535;  // header length field, PROFILE §3
inline constexpr size_t kMaxUdpPayload = 65507;  // length + T on UDP, PROFILE §5.4

enum class MessageType : uint16_t {
  kRcasAnnounce = 0x0001,
  kRcasRenewal = 0x0002,
  kKeyRequest = 0x0003,
  kKeyResponse = 0x0004,
  kCamReg = 0x0005,
  kCamRegConfirm = 0x0006,
  kRenewInfo = 0x0007,
  kRenewConfirm = 0x0008,
  kPurchaseReport = 0x0009,
  kStatus = 0x000A,
  kLogRequest = 0x000B,
  kLogResponse = 0x000C,
  kKeyRegRequest = 0x000D,
  kKeyRegResponse = 0x000E,
};

// IsKnownType: 0x0001..0x000E.
constexpr bool IsKnownType(uint16_t t) { return t >= 0x0001 && t <= 0x000E; }

// IsSigned: the four types whose trailer is an RSA-2048 signature (§4.2).
constexpr bool IsSigned(MessageType t) {
  return t == MessageType::kKeyRequest || t == MessageType::kKeyResponse ||
         t == MessageType::kKeyRegRequest || t == MessageType::kKeyRegResponse;
}

// IsEncrypted: content is AES-128-CBC under MEK (§9.1).
constexpr bool IsEncrypted(MessageType t) {
  switch (t) {
    case MessageType::kCamRegConfirm:
    case MessageType::kRenewInfo:
    case MessageType::kRenewConfirm:
    case MessageType::kPurchaseReport:
    case MessageType::kLogRequest:
    case MessageType::kLogResponse:
      return true;
    default:
      return false;
  }
}

// TrailerLen: T(type) of PROFILE §4.2.
constexpr size_t TrailerLen(MessageType t) { return IsSigned(t) ? kSignatureLen : kMacLen; }

std::string_view MessageTypeName(MessageType t);

// Status codes (PROFILE §14.1). Unknown codes are generic failures.
enum class StatusCode : uint8_t {
  kIdValidationFail = 0x01,
  kMekHashFail = 0x02,
  kCciHashFail = 0x03,
  kHmacFail = 0x04,
  kSignatureFail = 0x05,
  kAcRefused = 0x80,
  kMalformed = 0x81,
  kUnexpected = 0x82,
  kBusy = 0x83,
  kDecryptFail = 0x84,
};

std::string_view StatusCodeName(uint8_t code);

}  // namespace rcas::protocol
