#pragma once
// Message contents (PROFILE §7.4, rcas.asn1) as zero-copy views, and their
// strict DER/BER codec.
//
// Decoded values borrow the input: every ByteView points into it, so the
// input must outlive the value. Decode never allocates or throws; it accepts
// BER within PROFILE §7.2/§23.8 and checks every SIZE and profile rule
// (§13.1, §13.2, §13.7, RAND_AC distinct), so a decoded value is valid.
// Encode writes DER and refuses values that break the same rules.
// All functions are thread-compatible (no shared state).

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "crypto/bytes.h"
#include "protocol/content_sequence.h"
#include "protocol/der_error.h"
#include "protocol/message_type.h"

namespace rcas::protocol {

// SIZE constraints of rcas.asn1 not already in message_type.h.
inline constexpr size_t kProtocolVersionFieldLen = 4;  // hWVersion, sWversion
inline constexpr size_t kSha1FieldLen = 20;            // hashes, CHK, IHK, KPK
inline constexpr size_t kAesFieldLen = 16;             // IVs, CCCIEK, aK
inline constexpr size_t kDownloadScheduleLen = 12;
inline constexpr size_t kDsIpLen = 16;
inline constexpr size_t kRsaCiphertextLen = 256;  // RSAEncryptedContent after 0x00
inline constexpr size_t kMaxImageInfo = 2;        // §13.7

// CASSInfo (§13.1); also the CHK input as a standalone value (§11.5).
struct CassInfo {
  ByteView cass_id;             // cASSUniqueID, 4
  uint8_t ip_addr_type = 0;     // cASSIPAddrType: 0x01 IPv4, 0x02 IPv6
  ByteView ip_addr;             // cASSIPAddr, 50: ASCII literal, NUL padded
  uint8_t connection_type = 0;  // cASSConnectionType: 0x01 UDP, 0x02 TCP
  uint32_t listening_port = 0;  // cASSListeningPort, 4 octets, 1..65535
};

// CAMClientInfo. clientType 0x01 CAS, 0x02 ASD, 0x03 DRM; other values are
// reserved and passed through (a CAM skips entries it does not know).
struct CamClientInfo {
  uint8_t client_type = 0;
  uint8_t client_priority = 0;
  uint16_t client_vendor = 0;
  uint16_t client_version = 0;
};

// CAMClientVersion.
struct CamClientVersion {
  ByteView hw_version;  // hWVersion, 4
  ByteView sw_version;  // sWversion, 4
  SequenceOf<CamClientInfo> clients;
};

// RcasAncMsgContent (0x0001). protocolTypeFlag values other than 0x01/0x02
// decode; the receiver ignores such announcements (§13.1).
struct RcasAnnounceContent {
  uint8_t protocol_type_flag = 0;
  SequenceOf<CamClientVersion> client_versions;
  CassInfo cass_info;
};

// RCASRnMsgContent (0x0002).
struct RcasRenewalContent {
  ByteView download_schedule;  // "YYMMDDhhmmss" UTC, or "000000000000" = now
  bool key_request_req = false;
  bool purchase_report_req = false;
};

// KeyReqMsgContent (0x0003).
struct KeyRequestContent {
  ByteView session_id;       // 10
  ByteView key_pairing_id;   // keyParingID (sic), 48
  ByteView cam_certificate;  // DER X.509 (BIT STRING contents after 0x00)
};

// KeyRspMsgContent (0x0004).
struct KeyResponseContent {
  ByteView session_id;             // 10
  ByteView cass_certificate;       // DER X.509
  ByteView rsa_encrypted_content;  // OAEP ciphertext, 256
  ByteView sign_kpk;               // sIGN-kpk, 256
};

// KeyRspConfidentialContent: the OAEP plaintext inside KeyResponse.
struct KeyResponseConfidential {
  ByteView chk;        // 20
  ByteView ihk;        // 20
  ByteView rand_ac_1;  // 16; the three are pairwise distinct
  ByteView rand_ac_2;
  ByteView rand_ac_3;
  ByteView kpk;  // 20
};

// CamRegMsgContent (0x0005).
struct CamRegContent {
  ByteView session_id;         // 10
  ByteView nonce_cam;          // nONCE-CAM, 16
  ByteView cam_id;             // cAMID, 40 = CAM_ID || 0x00*32 (checked by the session)
  ByteView hw_version;         // 4
  ByteView sw_version;         // 4
  ByteView hashed_mek_icciek;  // hashed-MEK-ICCIEK, 20
};

// CamRegCnfMsgContent (0x0006).
struct CamRegConfirmContent {
  ByteView session_id;  // 10
  ByteView mek_iv;      // 16
  ByteView icciek_iv;   // 16
  ByteView ccciek_iv;   // 16
  ByteView ccciek;      // 16
};

// ImageInfo. tm 0x01 carousel, 0x02 TFTP, 0x03 HTTP.
struct ImageInfo {
  std::optional<ByteView> ds_ip;  // dSIP, 16 (IPv6; IPv4 mapped)
  uint8_t tm = 0;
  std::optional<std::string_view> fn;  // PrintableString
};

// RenewInfoMsgContent (0x0007). imageFlag 0x01 common, 0x02 individual,
// 0x03 both (common first); clientType 0x01 CAS, 0x02 DRM, 0x03 ASD.
struct RenewInfoContent {
  ByteView session_id;  // 10
  uint8_t client_type = 0;
  uint8_t image_flag = 0;
  std::array<ImageInfo, kMaxImageInfo> image_info{};
  size_t image_count = 0;  // elements used in image_info
  bool purchase_report_req = false;
  ByteView hashed_ccci;  // 20
  ByteView hashed_icci;  // 20
  std::optional<ByteView> directives;

  std::span<const ImageInfo> images() const noexcept {
    return std::span<const ImageInfo>(image_info)
        .first(image_count < kMaxImageInfo ? image_count : kMaxImageInfo);
  }
};

// RenewCnfMsgContent (0x0008).
struct RenewConfirmContent {
  ByteView session_id;  // 10
  bool download_status = false;
};

// PrchsRptMsgContent (0x0009).
struct PurchaseReportContent {
  ByteView session_id;     // 10
  ByteView purchase_info;  // opaque
};

// StcAMsgContent (0x000A).
struct StatusContent {
  ByteView session_id;  // 10
  uint8_t status_info = 0;
};

// LogRqtMsgContent (0x000B); logRequest-Req is always TRUE.
struct LogRequestContent {
  ByteView session_id;  // 10
};

// LogRcAMessageContent (0x000C).
struct LogResponseContent {
  ByteView session_id;                        // 10
  std::optional<ByteView> log_response_info;  // opaque
};

// KeyRegReqMsgContent (0x000D).
struct KeyRegRequestContent {
  ByteView session_id;       // 10
  ByteView key_pairing_id;   // 48
  ByteView cam_id;           // 40
  ByteView hw_version;       // 4
  ByteView sw_version;       // 4
  ByteView cam_certificate;  // DER X.509
};

// KeyRegRspMsgContent (0x000E), with the §20 D7 certificate.
struct KeyRegResponseContent {
  ByteView session_id;             // 10
  ByteView rsa_encrypted_content;  // 256
  ByteView cass_certificate;       // DER X.509
};

// KeyRegRspConfidentialContent, with the §20 D7 cHK.
struct KeyRegResponseConfidential {
  ByteView ak;   // 16
  ByteView chk;  // 20
};

// Every type below has Decode/Encode/Validate/operator==.
#define RCAS_CONTENT_TYPES(X) \
  X(CassInfo)                 \
  X(CamClientInfo)            \
  X(CamClientVersion)         \
  X(ImageInfo)                \
  X(RcasAnnounceContent)      \
  X(RcasRenewalContent)       \
  X(KeyRequestContent)        \
  X(KeyResponseContent)       \
  X(KeyResponseConfidential)  \
  X(CamRegContent)            \
  X(CamRegConfirmContent)     \
  X(RenewInfoContent)         \
  X(RenewConfirmContent)      \
  X(PurchaseReportContent)    \
  X(StatusContent)            \
  X(LogRequestContent)        \
  X(LogResponseContent)       \
  X(KeyRegRequestContent)     \
  X(KeyRegResponseContent)    \
  X(KeyRegResponseConfidential)

template <typename T>
inline constexpr bool kIsContent = false;
#define RCAS_CONTENT_TRAIT(T) \
  template <>                 \
  inline constexpr bool kIsContent<T> = true;
RCAS_CONTENT_TYPES(RCAS_CONTENT_TRAIT)
#undef RCAS_CONTENT_TRAIT

template <typename T>
concept Content = kIsContent<T>;

// Decode parses `in` as exactly one value of T (a universal SEQUENCE, no
// trailing octets) and checks every constraint. Returns kNone and fills *out
// (views into `in`), or the first reason found; *out is then unspecified.
template <Content T>
[[nodiscard]] DecodeError Decode(ByteView in, T* out) noexcept;

// Validate checks the profile rules beyond the ASN.1 (§13.1 cASSInfo, §13.2
// downloadSchedule, §13.7 RenewInfo, §11.2 RAND_AC distinct); the SIZE
// constraints are checked by Decode and Encode.
template <Content T>
[[nodiscard]] DecodeError Validate(const T& value) noexcept;

// EncodedLength is the DER size of `value`, 0 if it breaks a constraint.
template <Content T>
[[nodiscard]] size_t EncodedLength(const T& value) noexcept;

// Encode writes DER into `out`; returns its size, or 0 if `value` breaks a
// constraint or `out` is too small (use EncodedLength to tell them apart).
// After a failure `out` may hold a partial encoding.
template <Content T>
[[nodiscard]] size_t Encode(const T& value, MutableByteView out) noexcept;

// Encode replaces *out with the DER of `value` (allocates: control plane);
// false, and *out unchanged, if `value` breaks a constraint.
template <Content T>
[[nodiscard]] bool Encode(const T& value, Bytes* out);

// operator== compares values field by field by content (not by address).
template <Content T>
bool operator==(const T& a, const T& b) noexcept;

// PeekSessionId returns the 10-octet sessionID when `content` starts with a
// SEQUENCE header whose first component is a well-formed primitive [0] of 10
// octets, even if the rest does not decode (for Status answers, §23.1). A
// SEQUENCE length that runs past `content` is cut to what is there.
std::optional<ByteView> PeekSessionId(ByteView content) noexcept;

}  // namespace rcas::protocol
