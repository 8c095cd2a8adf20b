#include "crypto/sign_kpk.h"

#include <algorithm>
#include <array>

#include "crypto/x509.h"

namespace rcas::crypto {
namespace {

using KpkInput = std::array<uint8_t, kKeyPairingIdLen + kKpkLen>;

bool MakeInput(ByteView key_pairing_id, ByteView kpk, KpkInput& out) {
  if (key_pairing_id.size() != kKeyPairingIdLen || kpk.size() != kKpkLen) {
    return false;
  }
  std::copy(kpk.begin(), kpk.end(),
            std::copy(key_pairing_id.begin(), key_pairing_id.end(), out.begin()));
  return true;
}

}  // namespace

Bytes SignKpk(const RsaPrivateKey& root_key, ByteView key_pairing_id, ByteView kpk) {
  KpkInput input;
  return MakeInput(key_pairing_id, kpk, input) ? root_key.SignPkcs1Sha256(input) : Bytes{};
}

bool VerifyKpk(const RsaPublicKey& root_key, ByteView key_pairing_id, ByteView kpk,
               ByteView sign_kpk) {
  KpkInput input;
  return MakeInput(key_pairing_id, kpk, input) && root_key.VerifyPkcs1Sha256(input, sign_kpk);
}

}  // namespace rcas::crypto
