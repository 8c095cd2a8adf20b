#pragma once
// AES-128-CBC with PKCS#7 into caller-provided buffers (PROFILE §8, §9.2), for
// the one-shot message protection path (protocol/protect.h). Same results as
// crypto/aes.h, but nothing is allocated by this code: each thread keeps one
// OpenSSL cipher context and only re-keys it. Thread-safe (per-thread state).

#include <cstddef>
#include <optional>

#include "crypto/aes.h"
#include "crypto/bytes.h"

namespace rcas::crypto {

// AesCbcEncryptInto writes AES-128-CBC(key, iv, PKCS7(plain)) to the start of
// `out` and returns its length, PaddedSize(plain.size()). Returns 0 (out
// untouched) if key/iv are not 16 octets or `out` is too small. `out` must not
// overlap `plain` unless it starts at the same address.
size_t AesCbcEncryptInto(ByteView key, ByteView iv, ByteView plain, MutableByteView out) noexcept;

// AesCbcDecryptInto decrypts `cipher` into the start of `out` (at least
// cipher.size() octets) and returns the plaintext length with the PKCS#7
// padding removed (checked in constant time). nullopt if sizes are wrong or
// the padding is invalid; `out` then holds garbage the caller must not use.
std::optional<size_t> AesCbcDecryptInto(ByteView key, ByteView iv, ByteView cipher,
                                        MutableByteView out) noexcept;

}  // namespace rcas::crypto
