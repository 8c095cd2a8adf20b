#pragma once
// FIPS 186-2 (change notice 1) general-purpose PRF with the SHA-1 G function,
// b = 160, no XSEED: the "PRNG with MK as input" of PROFILE §8, used for
// MEK/ICCIEK (§11.4), fast-mode AK (§12.1) and RAND_HMAC (§11.9). Same
// construction as RFC 4186 §7. Pure function; thread-safe.

#include <cstddef>
#include <cstdint>
#include <span>

#include "crypto/bytes.h"

namespace rcas::protocol {

inline constexpr size_t kPrfSeedLen = 20;

// FipsPrf fills `out` (any length) with the first out.size() octets of
// x_0 || x_1 || ... for XKEY = `seed`. Intermediate state is wiped.
void FipsPrf(std::span<const uint8_t, kPrfSeedLen> seed, MutableByteView out);

}  // namespace rcas::protocol
