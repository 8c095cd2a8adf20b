#pragma once
// Per-message CBC IV (PROFILE §9.3): IV = AES_EK(IVB xor (type(2) || nonce(8)
// || 0x00*6)). (type, nonce) is unique per message within a session (§6.1),
// so every message gets a fresh, secret IV without extra octets on the wire.

#include <cstdint>

#include "crypto/secret.h"
#include "protocol/message_type.h"

namespace rcas::protocol {

using MessageIv = crypto::SecretArray<16>;

// DeriveMessageIv computes the IV of message (type, nonce) under EK with IV
// base IVB (0x00*16 for CAMRegConfirm, MEK-IV afterwards). Thread-safe.
MessageIv DeriveMessageIv(const crypto::AesKey& ek, const crypto::SecretArray<16>& ivb,
                          MessageType type, uint64_t nonce);

}  // namespace rcas::protocol
