#pragma once
// A 16-lane AES-128-CBC encryption kernel on VAES (AVX-512): four zmm chains of
// four lanes each, every lane with its own key schedule, IV and length. It is
// the fast path of EncryptBurst (crypto/cbc_burst.h) on CPUs that have VAES;
// IPsec-MB's multi-buffer CBC reaches only ~3.5x a single OpenSSL stream on
// the AMD EPYC we run on (docs/image-service.md "Encryption batching").

#include <cstddef>
#include <cstdint>
#include <span>

namespace rcas::crypto {

// kVaesLanes is the most lanes one VaesCbcEncrypt call takes.
inline constexpr size_t kVaesLanes = 16;

// VaesLane is one CBC message (or the next part of one): `keys` the 11 round
// keys of the AES-128 encryption schedule (CbcStream::enc_keys()), `iv` the
// running IV, read before and overwritten after with the last ciphertext
// block. `len` is a multiple of 16 (0 allowed); `in` and `out` may be the same
// buffer, never partly overlap, and no two lanes share an output or an IV.
struct VaesLane {
  const uint8_t* keys = nullptr;
  uint8_t* iv = nullptr;
  const uint8_t* in = nullptr;
  uint8_t* out = nullptr;
  size_t len = 0;
};

// VaesCbcAvailable says whether this CPU runs VaesCbcEncrypt (AVX512F + VAES).
bool VaesCbcAvailable();

// VaesCbcEncrypt encrypts up to kVaesLanes lanes side by side and advances
// their IVs. Lanes of unequal length run their common prefix together, then the
// longer ones are regrouped and go on. Constant time in the data and keys (AES
// instructions only, no table lookups); the interleaved schedule it builds on
// the stack is wiped before it returns. Precondition: VaesCbcAvailable() and
// lanes.size() <= kVaesLanes (more is ignored). Thread-safe (no shared state).
void VaesCbcEncrypt(std::span<const VaesLane> lanes) noexcept;

}  // namespace rcas::crypto
