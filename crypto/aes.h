#pragma once
// One-shot AES-128 (OpenSSL EVP): single-block ECB for IV derivation
// (PROFILE §9.3) and CBC with PKCS#7 padding (PROFILE §8). Thread-safe.
// This is the reference path; bursts go through crypto/burst.h.

#include <array>
#include <optional>

#include "crypto/bytes.h"

namespace rcas::crypto {

inline constexpr size_t kAesBlock = 16;
inline constexpr size_t kAesKeyLen = 16;
using AesBlock = std::array<uint8_t, kAesBlock>;

// AesEncryptBlock encrypts one 16-octet block with a 16-octet key.
AesBlock AesEncryptBlock(ByteView key, ByteView block);

// PaddedSize is the PKCS#7-padded length of n octets (always adds 1..16).
constexpr size_t PaddedSize(size_t n) { return (n / kAesBlock + 1) * kAesBlock; }

// AesCbcEncrypt returns AES-128-CBC(key, iv, PKCS7(plain)).
Bytes AesCbcEncrypt(ByteView key, ByteView iv, ByteView plain);

// AesCbcDecrypt returns the plaintext with PKCS#7 removed, or nullopt if the
// length is not a positive multiple of 16 or the padding is invalid.
std::optional<Bytes> AesCbcDecrypt(ByteView key, ByteView iv, ByteView cipher);

}  // namespace rcas::crypto
