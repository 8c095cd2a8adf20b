#pragma once
// The 16-octet message header (PROFILE §3): type(2) length(4) nonce(8)
// version(1) reserved(1), big-endian. Parsing applies every receiver rule of
// §3; a message failing one is dropped silently (§14.2), counted under its
// reason. Hot path: noexcept, no allocation.

#include <array>
#include <cstdint>

#include "crypto/bytes.h"
#include "protocol/message_type.h"
#include "protocol/verdicts.h"

namespace rcas::protocol {

// Every header verdict, in one list so callers can generate counters.
#define RCAS_HEADER_ERRORS(X)                                                   \
  X(kOk, "ok")                                                                  \
  X(kTooShort, "too-short")                /* fewer than 16 octets available */ \
  X(kBadVersion, "bad-version")            /* version != 0x01 */                \
  X(kUnknownType, "unknown-type")          /* type outside 0x0001..0x000E */    \
  X(kLengthTooSmall, "length-too-small")   /* length < 16 + 2 */                \
  X(kLengthTooLarge, "length-too-large")   /* length > 65535 */                 \
  X(kBadCipherLength, "bad-cipher-length") /* encrypted: (length-16) % 16 */

RCAS_DEFINE_VERDICTS(HeaderError, RCAS_HEADER_ERRORS)

inline constexpr size_t kMinContentLen = 2;  // smallest DER SEQUENCE, 30 00

struct Header {
  MessageType type = MessageType::kStatus;
  uint32_t length = 0;  // 16 + on-wire content octets; trailer excluded
  uint64_t nonce = 0;
  uint8_t version = kProtocolVersion;
  uint8_t reserved = 0;  // ignored on receive, but covered by the trailer

  size_t content_len() const { return length - kHeaderLen; }
  // message_len is the whole message on the wire: length + T(type) (§4).
  size_t message_len() const { return length + TrailerLen(type); }
};

// ParseHeader reads the first 16 octets of `in` (more may follow) and checks
// the §3 receiver rules. `out` is written only on kOk.
HeaderError ParseHeader(ByteView in, Header* out) noexcept;

// MakeHeader is the header a sender writes for `content_len` on-wire content
// octets (version 0x01, reserved 0x00).
Header MakeHeader(MessageType type, size_t content_len, uint64_t nonce) noexcept;

// WriteHeader serialises `h` into 16 octets at `out`.
void WriteHeader(const Header& h, uint8_t* out) noexcept;

}  // namespace rcas::protocol
