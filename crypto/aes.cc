#include "crypto/aes.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace rcas::crypto {
namespace {

// Runs one EVP cipher operation without OpenSSL's own padding, so PKCS#7 is
// checked here in one place for both directions.
bool RunCipher(const EVP_CIPHER* cipher, bool encrypt, ByteView key, const uint8_t* iv, ByteView in,
               uint8_t* out) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  int len = 0;
  bool ok = ctx != nullptr &&
            EVP_CipherInit_ex(ctx, cipher, nullptr, key.data(), iv, encrypt ? 1 : 0) == 1 &&
            EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
            EVP_CipherUpdate(ctx, out, &len, in.data(), static_cast<int>(in.size())) == 1 &&
            static_cast<size_t>(len) == in.size();
  EVP_CIPHER_CTX_free(ctx);
  return ok;
}

}  // namespace

AesBlock AesEncryptBlock(ByteView key, ByteView block) {
  AesBlock out{};
  if (key.size() != kAesKeyLen || block.size() != kAesBlock ||
      !RunCipher(EVP_aes_128_ecb(), true, key, nullptr, block, out.data())) {
    std::abort();  // caller bug: sizes are fixed by the protocol
  }
  return out;
}

Bytes AesCbcEncrypt(ByteView key, ByteView iv, ByteView plain) {
  Bytes buf(PaddedSize(plain.size()));
  std::copy(plain.begin(), plain.end(), buf.begin());
  auto pad = static_cast<uint8_t>(buf.size() - plain.size());
  std::fill(buf.begin() + static_cast<std::ptrdiff_t>(plain.size()), buf.end(), pad);
  if (key.size() != kAesKeyLen || iv.size() != kAesBlock ||
      !RunCipher(EVP_aes_128_cbc(), true, key, iv.data(), buf, buf.data())) {
    std::abort();
  }
  return buf;
}

std::optional<Bytes> AesCbcDecrypt(ByteView key, ByteView iv, ByteView cipher) {
  if (cipher.empty() || cipher.size() % kAesBlock != 0 || key.size() != kAesKeyLen ||
      iv.size() != kAesBlock) {
    return std::nullopt;
  }
  Bytes out(cipher.size());
  if (!RunCipher(EVP_aes_128_cbc(), false, key, iv.data(), cipher, out.data())) {
    return std::nullopt;
  }
  // Constant-time PKCS#7 check: the MAC was verified first, so this is not an
  // oracle, but there is no reason to branch on plaintext bytes.
  uint8_t pad = out.back();
  uint8_t bad = static_cast<uint8_t>((pad == 0) | (pad > kAesBlock));
  for (size_t i = 0; i < kAesBlock; ++i) {
    uint8_t in_pad = static_cast<uint8_t>(i < pad);
    bad |= static_cast<uint8_t>(in_pad & (out[out.size() - 1 - i] != pad));
  }
  if (bad != 0) {
    return std::nullopt;
  }
  out.resize(out.size() - pad);
  return out;
}

}  // namespace rcas::crypto
