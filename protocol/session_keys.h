#pragma once
// SessionKeys: the keys message protection consumes for one session
// (PROFILE §9.1): IK (IHK in normal mode, MAK in fast mode), EK = MEK and the
// IV base MEK-IV. Filled as the session advances: a normal-mode CASS knows IHK
// before MEK (it needs CAMReg's NONCE_CAM) and MEK before MEK-IV (it draws
// MEK-IV for CAMRegConfirm). Self-wiping; not thread-safe to modify, safe to
// read concurrently.

#include <cstdint>

#include "crypto/secret.h"
#include "protocol/key_schedule.h"

namespace rcas::protocol {

enum class KeyMode : uint8_t { kNormal, kFast };

inline constexpr size_t kIhkLen = 20;
inline constexpr size_t kMakLen = 16;

class SessionKeys {
 public:
  // Normal: IK = IHK (20 octets, from KeyResponse); MEK and MEK-IV later.
  static SessionKeys Normal(const Secret20& ihk);
  // Fast: IK = MAK, EK = MEK, IVB = MEK-IV, all known at once (§12.1).
  static SessionKeys Fast(const crypto::AesKey& mak, const crypto::AesKey& mek,
                          const SecretBlock& mek_iv);

  void SetMek(const crypto::AesKey& mek);
  void SetMekIv(const SecretBlock& mek_iv);

  KeyMode mode() const { return mode_; }
  // ik is the HMAC-SHA1 key of every keyed message of the session.
  ByteView ik() const { return ByteView(ik_.data(), ik_len_); }
  // mek / mek_iv are null until known.
  const crypto::AesKey* mek() const { return has_mek_ ? &mek_ : nullptr; }
  const SecretBlock* mek_iv() const { return has_mek_iv_ ? &mek_iv_ : nullptr; }

 private:
  KeyMode mode_ = KeyMode::kNormal;
  crypto::SecretArray<kIhkLen> ik_;
  uint8_t ik_len_ = 0;
  crypto::AesKey mek_;
  SecretBlock mek_iv_;
  bool has_mek_ = false;
  bool has_mek_iv_ = false;
};

}  // namespace rcas::protocol
