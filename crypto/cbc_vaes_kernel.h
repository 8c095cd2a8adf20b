#pragma once
// The VAES inner loop behind VaesCbcEncrypt (crypto/cbc_vaes.h), split out so
// that only crypto/cbc_vaes_avx512.cc is compiled for AVX-512 + VAES.

#include <cstddef>
#include <cstdint>

namespace rcas::crypto::vaes {

// kChains zmm registers of kPerChain lanes each carry the 16 lanes.
inline constexpr size_t kChains = 4;
inline constexpr size_t kPerChain = 4;
inline constexpr size_t kRounds = 11;  // AES-128 round keys
// kScheduleLen: round r, chain c holds its 4 lanes' round keys side by side at
// (r * kChains + c) * 64 octets.
inline constexpr size_t kScheduleLen = kRounds * kChains * kPerChain * 16;

// Cbc16 encrypts `blocks` blocks of each of the 16 lanes: block b of lane i is
// read from in[i] + 16 b and written to out[i] + 16 b, all loads of a block
// before any store (so a lane repeated in two slots stays correct in place).
// `state` (16 x 16 octets, lane order) holds the IVs and receives the last
// ciphertext blocks. Caller checks VaesCbcAvailable() first.
void Cbc16(const uint8_t* const* in, uint8_t* const* out, size_t blocks, const uint8_t* schedule,
           uint8_t* state) noexcept;

}  // namespace rcas::crypto::vaes
