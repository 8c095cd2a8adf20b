#include "crypto/aes_buffer.h"

#include <openssl/evp.h>

#include <algorithm>

namespace rcas::crypto {
namespace {

// One CBC context per thread, created on first use and re-keyed per call
// (EVP_CipherInit_ex with a null cipher keeps the fetched implementation).
class ThreadCbc {
 public:
  ThreadCbc() : ctx_(EVP_CIPHER_CTX_new()) {
    ok_ = ctx_ != nullptr &&
          EVP_CipherInit_ex(ctx_, EVP_aes_128_cbc(), nullptr, nullptr, nullptr, 1) == 1 &&
          EVP_CIPHER_CTX_set_padding(ctx_, 0) == 1;
  }
  ~ThreadCbc() { EVP_CIPHER_CTX_free(ctx_); }
  ThreadCbc(const ThreadCbc&) = delete;
  ThreadCbc& operator=(const ThreadCbc&) = delete;

  // Run processes whole blocks only; the caller pads and unpads.
  bool Run(bool encrypt, ByteView key, ByteView iv, const uint8_t* in, size_t len, uint8_t* out) {
    int out_len = 0;
    return ok_ && EVP_CipherInit_ex(ctx_, nullptr, nullptr, key.data(), iv.data(), encrypt) == 1 &&
           EVP_CipherUpdate(ctx_, out, &out_len, in, static_cast<int>(len)) == 1 &&
           static_cast<size_t>(out_len) == len;
  }

 private:
  EVP_CIPHER_CTX* ctx_;
  bool ok_ = false;
};

ThreadCbc& Cbc() {
  thread_local ThreadCbc cbc;
  return cbc;
}

bool KeyIvOk(ByteView key, ByteView iv) {
  return key.size() == kAesKeyLen && iv.size() == kAesBlock;
}

}  // namespace

size_t AesCbcEncryptInto(ByteView key, ByteView iv, ByteView plain, MutableByteView out) noexcept {
  const size_t padded = PaddedSize(plain.size());
  if (!KeyIvOk(key, iv) || out.size() < padded) {
    return 0;
  }
  // Encrypt the whole blocks straight from `plain`, then the padded tail.
  const size_t head = plain.size() - plain.size() % kAesBlock;
  uint8_t tail[kAesBlock];
  const auto pad = static_cast<uint8_t>(padded - plain.size());
  std::copy(plain.begin() + static_cast<std::ptrdiff_t>(head), plain.end(), tail);
  std::fill(tail + (plain.size() - head), tail + kAesBlock, pad);
  ThreadCbc& cbc = Cbc();
  if (head > 0 && !cbc.Run(true, key, iv, plain.data(), head, out.data())) {
    return 0;
  }
  // CBC chaining across the two calls: the next IV is the last cipher block.
  ByteView next_iv = head > 0 ? ByteView(out.data() + head - kAesBlock, kAesBlock) : iv;
  uint8_t chain[kAesBlock];
  std::copy(next_iv.begin(), next_iv.end(), chain);
  if (!cbc.Run(true, key, chain, tail, kAesBlock, out.data() + head)) {
    return 0;
  }
  return padded;
}

std::optional<size_t> AesCbcDecryptInto(ByteView key, ByteView iv, ByteView cipher,
                                        MutableByteView out) noexcept {
  if (!KeyIvOk(key, iv) || cipher.empty() || cipher.size() % kAesBlock != 0 ||
      out.size() < cipher.size()) {
    return std::nullopt;
  }
  if (!Cbc().Run(false, key, iv, cipher.data(), cipher.size(), out.data())) {
    return std::nullopt;
  }
  // Constant-time PKCS#7 check (the MAC was verified first; still no branch
  // on plaintext octets).
  const uint8_t* last = out.data() + cipher.size() - 1;
  const uint8_t pad = *last;
  auto bad = static_cast<uint8_t>((pad == 0) | (pad > kAesBlock));
  for (size_t i = 0; i < kAesBlock; ++i) {
    auto in_pad = static_cast<uint8_t>(i < pad);
    bad |= static_cast<uint8_t>(in_pad & (*(last - i) != pad));
  }
  if (bad != 0) {
    return std::nullopt;
  }
  return cipher.size() - pad;
}

}  // namespace rcas::crypto
