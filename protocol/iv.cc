#include "protocol/iv.h"

#include "crypto/aes.h"

namespace rcas::protocol {

MessageIv DeriveMessageIv(const crypto::AesKey& ek, const crypto::SecretArray<16>& ivb,
                          MessageType type, uint64_t nonce) {
  crypto::SecretArray<16> block;  // type || nonce || 0x00*6
  StoreBe16(block.data(), static_cast<uint16_t>(type));
  StoreBe64(block.data() + 2, nonce);
  for (size_t i = 0; i < 16; ++i) {
    block[i] ^= ivb[i];
  }
  crypto::AesBlock iv = crypto::AesEncryptBlock(ek.view(), block.view());
  MessageIv out(iv);
  OPENSSL_cleanse(iv.data(), iv.size());
  return out;
}

}  // namespace rcas::protocol
