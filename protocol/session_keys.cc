#include "protocol/session_keys.h"

#include <algorithm>

namespace rcas::protocol {

SessionKeys SessionKeys::Normal(const Secret20& ihk) {
  SessionKeys k;
  k.mode_ = KeyMode::kNormal;
  k.ik_ = ihk;
  k.ik_len_ = kIhkLen;
  return k;
}

SessionKeys SessionKeys::Fast(const crypto::AesKey& mak, const crypto::AesKey& mek,
                              const SecretBlock& mek_iv) {
  SessionKeys k;
  k.mode_ = KeyMode::kFast;
  std::copy(mak.view().begin(), mak.view().end(), k.ik_.data());
  k.ik_len_ = kMakLen;
  k.SetMek(mek);
  k.SetMekIv(mek_iv);
  return k;
}

void SessionKeys::SetMek(const crypto::AesKey& mek) {
  mek_ = mek;
  has_mek_ = true;
}

void SessionKeys::SetMekIv(const SecretBlock& mek_iv) {
  mek_iv_ = mek_iv;
  has_mek_iv_ = true;
}

}  // namespace rcas::protocol
