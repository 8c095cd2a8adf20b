#pragma once
// One-shot SHA-1, SHA-256 and HMAC-SHA1 (OpenSSL), and constant-time compare.
// Thread-safe; no shared state. The batched hot path is crypto/burst.h.

#include <array>
#include <cstdint>
#include <initializer_list>

#include "crypto/bytes.h"

namespace rcas::crypto {

inline constexpr size_t kSha1Len = 20;
inline constexpr size_t kSha256Len = 32;
using Sha1Digest = std::array<uint8_t, kSha1Len>;
using Sha256Digest = std::array<uint8_t, kSha256Len>;

// Sha1 hashes the concatenation of `parts`.
Sha1Digest Sha1(std::initializer_list<ByteView> parts);
inline Sha1Digest Sha1(ByteView data) { return Sha1({data}); }

// Sha256 hashes the concatenation of `parts`.
Sha256Digest Sha256(std::initializer_list<ByteView> parts);
inline Sha256Digest Sha256(ByteView data) { return Sha256({data}); }

// HmacSha1 is HMAC-SHA1(key, concatenation of `parts`), the full 20 octets
// (PROFILE §1.2).
Sha1Digest HmacSha1(ByteView key, std::initializer_list<ByteView> parts);
inline Sha1Digest HmacSha1(ByteView key, ByteView data) { return HmacSha1(key, {data}); }

// ConstantTimeEqual compares in time independent of the contents; sizes are
// public. Use it for every MAC, hash and key-hash comparison (PROFILE §8).
bool ConstantTimeEqual(ByteView a, ByteView b);

}  // namespace rcas::crypto
