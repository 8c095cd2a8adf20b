#include "crypto/key_context.h"

#include <openssl/crypto.h>

#include <cstring>

#include "crypto/hash.h"
#include "crypto/mb_manager.h"
#include "crypto/secret.h"

namespace rcas::crypto {
namespace {

constexpr size_t kSha1Block = 64;

// PadState is SHA-1's chaining value after one block of key ⊕ pad (RFC 2104).
void PadState(ByteView key, uint8_t pad, uint8_t* state) {
  SecretArray<kSha1Block> block;
  for (size_t i = 0; i < kSha1Block; ++i) {
    block[i] = static_cast<uint8_t>((i < key.size() ? key[i] : 0) ^ pad);
  }
  KeySetup().sha1_one_block(block.data(), state);
}

}  // namespace

void KeyContext::Wipe() {
  OPENSSL_cleanse(enc_keys_, sizeof(enc_keys_));
  OPENSSL_cleanse(dec_keys_, sizeof(dec_keys_));
  OPENSSL_cleanse(ipad_state_, sizeof(ipad_state_));
  OPENSSL_cleanse(opad_state_, sizeof(opad_state_));
  OPENSSL_cleanse(iv_base_, sizeof(iv_base_));
  has_mac_key_ = false;
  has_cipher_key_ = false;
}

Status KeyContext::Init(ByteView aes_key, ByteView hmac_key, ByteView iv_base) {
  Wipe();
  if (hmac_key.empty()) {
    return Error{"KeyContext: empty HMAC key"};
  }
  const bool cipher = !aes_key.empty() || !iv_base.empty();
  if (cipher && (aes_key.size() != 16 || iv_base.size() != kIvBaseLen)) {
    return Error{"KeyContext: AES key and IV base must be 16 octets"};
  }
  if (cipher) {
    KeySetup().aes128_keyexp(aes_key.data(), enc_keys_, dec_keys_);
    std::memcpy(iv_base_, iv_base.data(), kIvBaseLen);
  }
  if (hmac_key.size() > kSha1Block) {
    SecretArray<kSha1Len> hashed(Sha1(hmac_key));
    PadState(hashed.view(), 0x36, ipad_state_);
    PadState(hashed.view(), 0x5c, opad_state_);
  } else {
    PadState(hmac_key, 0x36, ipad_state_);
    PadState(hmac_key, 0x5c, opad_state_);
  }
  has_cipher_key_ = cipher;
  has_mac_key_ = true;
  return OkStatus();
}

}  // namespace rcas::crypto
