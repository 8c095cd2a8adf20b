// Lane bookkeeping of the VAES CBC kernel (crypto/cbc_vaes.h): the interleaved
// schedule, unequal lengths, IV write-back. The loop itself is in
// crypto/cbc_vaes_avx512.cc.

#include "crypto/cbc_vaes.h"

#include <cpuid.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <cstring>

#include "crypto/cbc_vaes_kernel.h"

namespace rcas::crypto {

namespace {

// HasVaes reads CPUID leaf 7 directly: clang's __builtin_cpu_supports does not
// know "vaes". The OS's zmm state is checked by the avx512f builtin.
bool HasVaes() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  return __get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) != 0 && (ecx & bit_VAES) != 0;
}

}  // namespace

bool VaesCbcAvailable() {
  static const bool ok = __builtin_cpu_supports("avx512f") && HasVaes();
  return ok;
}

void VaesCbcEncrypt(std::span<const VaesLane> lanes) noexcept {
  const size_t n = std::min(lanes.size(), kVaesLanes);
  alignas(64) uint8_t schedule[vaes::kScheduleLen];
  alignas(64) uint8_t state[kVaesLanes * 16];
  uint8_t iv[kVaesLanes][16];
  size_t done[kVaesLanes] = {};
  for (size_t i = 0; i < n; ++i) {
    std::memcpy(iv[i], lanes[i].iv, 16);
  }
  // Each pass runs the lanes with data left for as many blocks as the shortest
  // of them has. Free slots repeat the first such lane: the same key, IV and
  // buffers give the same bytes, and the four chains cost the same time busy
  // or not (CBC here waits on AES latency, not throughput).
  size_t active[kVaesLanes];
  size_t placed[kVaesLanes];  // lane in each slot for the schedule built last
  bool built = false;
  for (;;) {
    size_t m = 0;
    size_t blocks = SIZE_MAX;
    for (size_t i = 0; i < n; ++i) {
      if (lanes[i].len > done[i]) {
        active[m++] = i;
        blocks = std::min(blocks, (lanes[i].len - done[i]) / 16);
      }
    }
    if (m == 0 || blocks == 0) {
      break;
    }
    const uint8_t* in[kVaesLanes];
    uint8_t* out[kVaesLanes];
    for (size_t slot = 0; slot < kVaesLanes; ++slot) {
      const size_t lane = active[slot < m ? slot : 0];
      in[slot] = lanes[lane].in + done[lane];
      out[slot] = lanes[lane].out + done[lane];
      std::memcpy(state + slot * 16, iv[lane], 16);
      if (built && placed[slot] == lane) {
        continue;
      }
      placed[slot] = lane;
      const size_t chain = slot / vaes::kPerChain;
      const size_t at = slot % vaes::kPerChain;
      for (size_t r = 0; r < vaes::kRounds; ++r) {
        std::memcpy(schedule + ((r * vaes::kChains + chain) * vaes::kPerChain + at) * 16,
                    lanes[lane].keys + r * 16, 16);
      }
    }
    built = true;
    vaes::Cbc16(in, out, blocks, schedule, state);
    for (size_t slot = 0; slot < m; ++slot) {
      std::memcpy(iv[active[slot]], state + slot * 16, 16);
      done[active[slot]] += blocks * 16;
    }
  }
  for (size_t i = 0; i < n; ++i) {
    std::memcpy(lanes[i].iv, iv[i], 16);
  }
  OPENSSL_cleanse(schedule, sizeof(schedule));
}

}  // namespace rcas::crypto
