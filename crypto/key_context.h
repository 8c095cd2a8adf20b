#pragma once
// KeyContext: one session's keys in the form the IPsec-MB bursts consume
// (expanded AES-128 schedules, HMAC-SHA1 inner/outer states, IV base).

#include <cstdint>

#include "crypto/bytes.h"
#include "crypto/result.h"

namespace rcas::crypto {

inline constexpr size_t kAesScheduleLen = 11 * 16;  // AES-128: 11 round keys
inline constexpr size_t kHmacStateLen = 20;         // SHA-1 chaining value
inline constexpr size_t kIvBaseLen = 16;

// KeyContext holds EK (encryption key), IK (integrity key) and IVB of one
// session (PROFILE §9.1, §9.3). No heap; wiped on destruction and on re-Init.
// Not thread-safe for Init; concurrent read-only use by bursts is fine.
class alignas(64) KeyContext {
 public:
  KeyContext() = default;
  KeyContext(const KeyContext&) = default;
  KeyContext& operator=(const KeyContext&) = default;
  ~KeyContext() { Wipe(); }

  // Init expands `aes_key` (16 octets, EK), precomputes HMAC-SHA1 for
  // `hmac_key` (IK, 16 or 20 octets in this profile; 1..64 accepted, longer
  // keys are hashed per RFC 2104) and stores `iv_base` (16 octets, IVB).
  // For MAC-only use pass an empty `aes_key` and `iv_base`. On error the
  // context is left wiped and uninitialised.
  Status Init(ByteView aes_key, ByteView hmac_key, ByteView iv_base);

  // Wipe erases every key byte; the context must be Init'ed again.
  void Wipe();

  bool has_mac_key() const { return has_mac_key_; }
  bool has_cipher_key() const { return has_cipher_key_; }

  // Raw material for the burst engine (crypto/burst.cc).
  const uint8_t* enc_keys() const { return enc_keys_; }
  const uint8_t* dec_keys() const { return dec_keys_; }
  const uint8_t* ipad_state() const { return ipad_state_; }
  const uint8_t* opad_state() const { return opad_state_; }
  const uint8_t* iv_base() const { return iv_base_; }

 private:
  alignas(16) uint8_t enc_keys_[kAesScheduleLen] = {};
  alignas(16) uint8_t dec_keys_[kAesScheduleLen] = {};
  alignas(16) uint8_t ipad_state_[32] = {};  // 20 used; IPsec-MB reads 16-octet lanes
  alignas(16) uint8_t opad_state_[32] = {};
  alignas(16) uint8_t iv_base_[kIvBaseLen] = {};
  bool has_mac_key_ = false;
  bool has_cipher_key_ = false;
};

}  // namespace rcas::crypto
