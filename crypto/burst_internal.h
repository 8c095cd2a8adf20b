#pragma once
// Helpers shared by burst_seal.cc and burst_open.cc. Internal to crypto/.

#include <intel-ipsec-mb.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>

#include "crypto/burst.h"
#include "crypto/burst_scratch.h"

namespace rcas::crypto::burst_internal {

// IvInput writes IVB ⊕ (type ‖ nonce ‖ 0x00×6) for header `h` (PROFILE §9.3).
// Built in registers from two loads: byte loops, or narrow stores read back
// as one 16-octet load (a store-forwarding stall), cost more than the AES.
inline void IvInput(const uint8_t* iv_base, const uint8_t* h, uint8_t* out) {
  static_assert(std::endian::native == std::endian::little);  // IPsec-MB is x86-only
  uint16_t type;
  uint64_t nonce;
  uint64_t base[2];
  std::memcpy(&type, h, 2);
  std::memcpy(&nonce, h + 6, 8);  // header octets 6..13
  std::memcpy(base, iv_base, 16);
  const uint64_t w[2] = {base[0] ^ type ^ (nonce << 16), base[1] ^ (nonce >> 48)};
  std::memcpy(out, w, 16);
}

// EncryptBlocksAesni sets out[k] = AES-128(enc_keys[k], in[k]) for k < n
// (burst_aesni.cc). MbManager guarantees AES-NI.
void EncryptBlocksAesni(const uint8_t* const* enc_keys, const uint8_t (*in)[16], uint8_t (*out)[16],
                        size_t n);

// TagsEqual compares two 20-octet tags in constant time (no early exit),
// inline: CRYPTO_memcmp's call and byte loop cost ~10 ns a message here.
inline bool TagsEqual(const uint8_t* a, const uint8_t* b) {
  static_assert(kMsgMacLen == 20);
  uint64_t a0, a1, b0, b1;
  uint32_t a2, b2;
  std::memcpy(&a0, a, 8);
  std::memcpy(&a1, a + 8, 8);
  std::memcpy(&a2, a + 16, 4);
  std::memcpy(&b0, b, 8);
  std::memcpy(&b1, b + 8, 8);
  std::memcpy(&b2, b + 16, 4);
  const uint64_t diff = (a0 ^ b0) | (a1 ^ b1) | (a2 ^ b2);
  return ((diff | (0 - diff)) >> 63) == 0;
}

// CbcJob fills `j` for AES-128-CBC over [src, src + len) into dst.
inline void CbcJob(IMB_JOB& j, const uint8_t* src, uint8_t* dst, uint64_t len, const uint8_t* iv,
                   const KeyContext& keys) {
  j.src = src;
  j.dst = dst;
  j.cipher_start_src_offset_in_bytes = 0;
  j.msg_len_to_cipher_in_bytes = len;
  j.iv = iv;
  j.iv_len_in_bytes = 16;
  j.enc_keys = keys.enc_keys();
  j.dec_keys = keys.dec_keys();
  j.key_len_in_bytes = IMB_KEY_128_BYTES;
  j.cipher_mode = IMB_CIPHER_CBC;
  j.hash_alg = IMB_AUTH_NULL;
}

// HmacJob fills `j` for HMAC-SHA1 over [src, src + len), full 20-octet tag.
inline void HmacJob(IMB_JOB& j, const uint8_t* src, uint64_t len, uint8_t* tag,
                    const KeyContext& keys) {
  j.src = src;
  j.hash_start_src_offset_in_bytes = 0;
  j.msg_len_to_hash_in_bytes = len;
  j.auth_tag_output = tag;
  j.auth_tag_output_len_in_bytes = kMsgMacLen;
  j.u.HMAC._hashed_auth_key_xor_ipad = keys.ipad_state();
  j.u.HMAC._hashed_auth_key_xor_opad = keys.opad_state();
  j.cipher_mode = IMB_CIPHER_NULL;
  j.hash_alg = IMB_AUTH_HMAC_SHA_1;
}

// Submit runs one synchronous CBC burst; false if IPsec-MB rejected any job.
// `bytes` (total octets) lets MbManager pick the arch for the burst's shape.
inline bool SubmitCbc(MbManager& mb, uint32_t n, size_t bytes, IMB_CIPHER_DIRECTION dir) {
  if (n == 0) {
    return true;
  }
  return IMB_SUBMIT_CIPHER_BURST(mb.ForCipher(n, bytes / n), mb.scratch().jobs.data(), n,
                                 IMB_CIPHER_CBC, dir, IMB_KEY_128_BYTES) == n;
}
inline bool SubmitHmac(MbManager& mb, uint32_t n, size_t bytes) {
  if (n == 0) {
    return true;
  }
  return IMB_SUBMIT_HASH_BURST(mb.ForHash(n, bytes / n), mb.scratch().jobs.data(), n,
                               IMB_AUTH_HMAC_SHA_1) == n;
}

// Pkcs7PadLen returns the PKCS#7 pad length (1..16) of the final block, or 0
// if it is malformed, in time independent of the block's contents.
inline uint32_t Pkcs7PadLen(const uint8_t* last_block) {
  const uint32_t pad = last_block[15];
  // lt(a, b) is all-ones when a < b (both < 2^31), else 0.
  auto lt = [](uint32_t a, uint32_t b) { return 0u - ((a - b) >> 31); };
  uint32_t bad = ~lt(0, pad) | ~lt(pad, 17);  // pad must be 1..16
  for (uint32_t i = 0; i < 16; ++i) {
    bad |= lt(i, pad) & (0u - static_cast<uint32_t>(last_block[15 - i] ^ pad));
  }
  // bad != 0 <=> malformed; fold it to a mask without branching.
  const uint32_t bad_mask = 0u - ((bad | (0u - bad)) >> 31);
  return pad & ~bad_mask;
}

// PartitionOk moves the kOk jobs to the front and the rest behind them, both
// in their original order, and returns the number of kOk jobs.
// jobs.size() <= kBurstMax.
template <typename Job>
size_t PartitionOk(std::span<Job> jobs) {
  size_t ok = 0;
  while (ok < jobs.size() && jobs[ok].verdict == BurstVerdict::kOk) {
    ++ok;  // the common case: nothing to move
  }
  if (ok == jobs.size()) {
    return ok;
  }
  static_assert(std::is_trivially_copyable_v<Job>);
  alignas(Job) unsigned char rejects[kBurstMax * sizeof(Job)];  // uninitialised on purpose
  size_t bad = 0;
  for (Job& j : jobs.subspan(ok)) {
    if (j.verdict == BurstVerdict::kOk) {
      jobs[ok++] = j;
    } else {
      std::memcpy(rejects + sizeof(Job) * bad++, &j, sizeof(Job));
    }
  }
  std::memcpy(&jobs[ok], rejects, sizeof(Job) * bad);
  return ok;
}

// ForEachChunk runs `chunk` (returns how many passed, first) on successive
// kBurstMax slices and keeps every survivor ahead of every reject.
template <typename Job, typename Fn>
size_t ForEachChunk(std::span<Job> jobs, Fn chunk) {
  size_t passed = 0;
  for (size_t base = 0; base < jobs.size(); base += kBurstMax) {
    const size_t n = std::min(kBurstMax, jobs.size() - base);
    const size_t k = chunk(jobs.subspan(base, n));
    // [passed | earlier rejects | k new survivors | new rejects]
    std::rotate(jobs.begin() + passed, jobs.begin() + base, jobs.begin() + base + k);
    passed += k;
  }
  return passed;
}

}  // namespace rcas::crypto::burst_internal
