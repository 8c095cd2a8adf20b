#include "protocol/protect_signed.h"

#include <algorithm>
#include <cstring>

namespace rcas::protocol {

ProtectError SealSigned(MessageType type, uint64_t nonce, ByteView content,
                        const crypto::RsaPrivateKey& key, MutableByteView out, size_t* written) {
  if (!IsSigned(type)) {
    return ProtectError::kWrongType;
  }
  if (content.size() < kMinContentLen || content.size() > kMaxMessageLen - kHeaderLen) {
    return ProtectError::kBadContentLength;
  }
  const size_t covered = kHeaderLen + content.size();
  if (out.size() < covered + kSignatureLen) {
    return ProtectError::kBufferTooSmall;
  }
  if (key.get() == nullptr || key.bits() != 2048) {
    return ProtectError::kMissingKey;
  }
  if (content.data() != out.data() + kHeaderLen) {
    std::memmove(out.data() + kHeaderLen, content.data(), content.size());
  }
  WriteHeader(MakeHeader(type, content.size(), nonce), out.data());
  const Bytes signature = key.SignPkcs1Sha256(ByteView(out.data(), covered));
  if (signature.size() != kSignatureLen) {
    return ProtectError::kMissingKey;  // OpenSSL refused the key
  }
  std::copy(signature.begin(), signature.end(), out.data() + covered);
  *written = covered + kSignatureLen;
  return ProtectError::kOk;
}

Result<Bytes> SealSignedToBytes(MessageType type, uint64_t nonce, ByteView content,
                                const crypto::RsaPrivateKey& key) {
  return SealIntoNewBuffer(kHeaderLen + content.size() + kSignatureLen,
                           [&](MutableByteView out, size_t* n) {
                             return SealSigned(type, nonce, content, key, out, n);
                           });
}

ProtectError ParseSigned(ByteView message, SignedMessage* out) noexcept {
  Header h;
  if (const ProtectError e = CheckMessageFrame(message, &h, &out->header_error);
      e != ProtectError::kOk) {
    return e;
  }
  if (!IsSigned(h.type)) {
    return ProtectError::kWrongType;
  }
  out->header = h;
  out->signed_part = message.first(h.length);
  out->content = out->signed_part.subspan(kHeaderLen);
  out->signature = message.subspan(h.length);
  return ProtectError::kOk;
}

ProtectError VerifySigned(const SignedMessage& message, const crypto::RsaPublicKey& key) noexcept {
  if (key.get() == nullptr) {
    return ProtectError::kMissingKey;
  }
  if (message.signature.size() != kSignatureLen ||
      !key.VerifyPkcs1Sha256(message.signed_part, message.signature)) {
    return ProtectError::kBadSignature;
  }
  return ProtectError::kOk;
}

}  // namespace rcas::protocol
