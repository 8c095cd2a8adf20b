#pragma once
// Message protection, one-shot OpenSSL path (PROFILE §9): Seal turns DER
// content into header || content-or-ciphertext || trailer; Open checks
// header, framing and trailer (constant time, before any decryption), then
// decrypts and checks PKCS#7. Keyed and digest types only; the four signed
// types go through protocol/protect_signed.h. The key for each type comes
// from protocol/protect_table.h. Neither call allocates (OpenSSL may inside
// its one-shot HMAC); both are thread-safe on const keys.

#include <cstddef>
#include <cstdint>

#include "crypto/bytes.h"
#include "crypto/result.h"
#include "protocol/header.h"
#include "protocol/protect_table.h"
#include "protocol/session_keys.h"
#include "protocol/verdicts.h"

namespace rcas::protocol {

// Every seal/open verdict, in one list so callers can generate counters.
// Callers map them to PROFILE §14: kBadHeader/kBadFraming drop silently;
// kBadMac -> keyed 0x04 only if the message matches a live exchange (§23.2),
// else drop; kBadPadding (MAC was valid) -> keyed 0x81 with a zero sessionID
// (§23.20); kBadDigest -> ignore; kBadSignature -> unkeyed 0x05.
#define RCAS_PROTECT_ERRORS(X)                                                  \
  X(kOk, "ok")                                                                  \
  X(kBadHeader, "bad-header")   /* a §3 receiver rule failed */                \
  X(kBadFraming, "bad-framing") /* message size != length + T(type) */          \
  X(kWrongType, "wrong-type")   /* type differs from the expected protection */ \
  X(kMissingKey, "missing-key") /* the key this type needs is not known yet */  \
  X(kBadMac, "bad-mac")                                                         \
  X(kBadDigest, "bad-digest")                                                   \
  X(kBadSignature, "bad-signature")                                             \
  X(kBadPadding, "bad-padding")                                                 \
  X(kBadContentLength, "bad-content-length") /* seal: < 2 or > 65519 octets */  \
  X(kBufferTooSmall, "buffer-too-small")

RCAS_DEFINE_VERDICTS(ProtectError, RCAS_PROTECT_ERRORS)

// MessageKeys points at the keys a message may need; not owned, must outlive
// the call. Unused ones may stay null.
struct MessageKeys {
  const Secret20* chk = nullptr;         // RCASAnnounce, RCASRenewal
  const SessionKeys* session = nullptr;  // IK, MEK, MEK-IV
};

// SealedLen is the size of the sealed message for `content_len` DER octets.
size_t SealedLen(const Protection& p, size_t content_len) noexcept;

// Seal builds the message of type p.type with `nonce` (§9.2, §9.4, §9.5)
// into `out` (at least SealedLen octets) and sets *written. `content` may
// already sit at out + 16 (sealing in place). On error nothing usable is in
// `out`. Signed protections return kWrongType.
ProtectError Seal(const Protection& p, uint64_t nonce, ByteView content, const MessageKeys& keys,
                  MutableByteView out, size_t* written) noexcept;

// SealIntoNewBuffer runs `seal(out, &written)` on a new buffer of `capacity`
// octets: the allocating form of a seal function, for control-path callers.
template <typename SealFn>
Result<Bytes> SealIntoNewBuffer(size_t capacity, SealFn seal) {
  Bytes out(capacity);
  size_t written = 0;
  const ProtectError e = seal(MutableByteView(out), &written);
  if (e != ProtectError::kOk) {
    return Error{ProtectErrorName(e)};
  }
  out.resize(written);
  return out;
}

// SealToBytes is Seal into a new buffer.
Result<Bytes> SealToBytes(const Protection& p, uint64_t nonce, ByteView content,
                          const MessageKeys& keys);

// CheckMessageFrame is CheckFramedMessage (protocol/framing.h) with its
// verdict as kOk, kBadHeader or kBadFraming; the first step of every open.
ProtectError CheckMessageFrame(ByteView message, Header* out, HeaderError* header_error) noexcept;

// OpenedMessage: the verified header and the DER plaintext. `content` views
// the caller's `plain` buffer for encrypted types, else the input message.
struct OpenedMessage {
  Header header{};
  ByteView content;
  HeaderError header_error = HeaderError::kOk;  // the reason when kBadHeader
};

// Open checks one framed message (a whole UDP datagram or TCP frame) against
// protection `p` (for a Status, the form fixed by what it answers). The MAC or
// digest is verified before anything is decrypted. `plain` receives the
// plaintext of encrypted types and needs length - 16 octets; it is not
// written unless the MAC verified.
ProtectError Open(const Protection& p, ByteView message, const MessageKeys& keys,
                  MutableByteView plain, OpenedMessage* out) noexcept;

}  // namespace rcas::protocol
