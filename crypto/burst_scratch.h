#pragma once
// BurstScratch: the per-manager arrays the burst engine fills on every call, so
// a burst allocates nothing. Internal to crypto/ (pulls in intel-ipsec-mb.h).

#include <intel-ipsec-mb.h>

#include <array>
#include <cstdint>

#include "crypto/mb_manager.h"

namespace rcas::crypto {

struct BurstScratch {
  std::array<IMB_JOB, kBurstMax> jobs;
  std::array<uint16_t, kBurstMax> owner;           // jobs[k] belongs to caller job owner[k]
  std::array<const uint8_t*, kBurstMax> enc_keys;  // IV batch keys
  alignas(16) uint8_t blocks[kBurstMax][16];       // IV inputs IVB ⊕ (type ‖ nonce ‖ 0⁶)
  alignas(16) uint8_t ivs[kBurstMax][16];
  alignas(16) uint8_t tags[kBurstMax][20];
};

}  // namespace rcas::crypto
