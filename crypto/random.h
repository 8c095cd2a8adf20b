#pragma once
// CSPRNG (OpenSSL's DRBG, SP 800-90A) for nonces, sessionIDs, RANDs and keys.

#include <array>
#include <cstdint>

#include "crypto/bytes.h"

namespace rcas::crypto {

// RandomBytes fills `out`. Aborts if the DRBG fails: continuing without
// randomness would leak keys.
void RandomBytes(MutableByteView out);

template <size_t N>
std::array<uint8_t, N> RandomArray() {
  std::array<uint8_t, N> out;
  RandomBytes(out);
  return out;
}

// RandomU64 is a uniformly random 64-bit value (nonces are 8 octets, §6.1).
uint64_t RandomU64();

}  // namespace rcas::crypto
