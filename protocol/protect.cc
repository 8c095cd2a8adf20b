#include "protocol/protect.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cstring>

#include "crypto/aes_buffer.h"
#include "crypto/hash.h"
#include "protocol/framing.h"
#include "protocol/iv.h"

namespace rcas::protocol {
namespace {

constexpr size_t kMaxContentLen = kMaxMessageLen - kHeaderLen;

// CipherKeys resolves EK and IVB of an encrypted type (§9.1, §9.3).
struct CipherKeys {
  const crypto::AesKey* ek = nullptr;
  SecretBlock ivb;  // zero for IvBase::kZero
};

bool ResolveCipher(const Protection& p, const MessageKeys& keys, CipherKeys* out) {
  if (keys.session == nullptr || keys.session->mek() == nullptr) {
    return false;
  }
  out->ek = keys.session->mek();
  if (p.iv_base == IvBase::kMekIv) {
    if (keys.session->mek_iv() == nullptr) {
      return false;
    }
    out->ivb = *keys.session->mek_iv();
  }
  return true;
}

// MacKeyOf is the HMAC key of `p`, or an empty view if it is not known.
ByteView MacKeyOf(const Protection& p, const MessageKeys& keys) {
  switch (p.mac_key) {
    case MacKey::kChk:
      return keys.chk != nullptr ? keys.chk->view() : ByteView();
    case MacKey::kIk:
      return keys.session != nullptr ? keys.session->ik() : ByteView();
    case MacKey::kNone:
      break;
  }
  return {};
}

// KeysAvailable: every key `p` needs is present.
bool KeysAvailable(const Protection& p, const MessageKeys& keys, CipherKeys* cipher) {
  if (p.trailer == TrailerKind::kHmac && MacKeyOf(p, keys).empty()) {
    return false;
  }
  return !p.encrypted || ResolveCipher(p, keys, cipher);
}

// Trailer computes T over `covered` = H || content on the wire (§9.2, §9.4, §9.5).
crypto::Sha1Digest Trailer(const Protection& p, const MessageKeys& keys, ByteView covered) {
  if (p.trailer == TrailerKind::kDigest) {
    return crypto::Sha1(covered);
  }
  return crypto::HmacSha1(MacKeyOf(p, keys), covered);
}

}  // namespace

size_t SealedLen(const Protection& p, size_t content_len) noexcept {
  const size_t wire = p.encrypted ? crypto::PaddedSize(content_len) : content_len;
  return kHeaderLen + wire + TrailerLen(p.type);
}

ProtectError Seal(const Protection& p, uint64_t nonce, ByteView content, const MessageKeys& keys,
                  MutableByteView out, size_t* written) noexcept {
  if (p.trailer == TrailerKind::kSignature) {
    return ProtectError::kWrongType;
  }
  const size_t wire_len = p.encrypted ? crypto::PaddedSize(content.size()) : content.size();
  if (content.size() < kMinContentLen || wire_len > kMaxContentLen) {
    return ProtectError::kBadContentLength;
  }
  const size_t total = kHeaderLen + wire_len + kMacLen;
  if (out.size() < total) {
    return ProtectError::kBufferTooSmall;
  }
  CipherKeys cipher;
  if (!KeysAvailable(p, keys, &cipher)) {
    return ProtectError::kMissingKey;
  }
  uint8_t* body = out.data() + kHeaderLen;
  if (p.encrypted) {
    // §9.2: IV from (type, nonce), then AES-CBC-PKCS7; in place when content
    // already sits at `body`.
    const MessageIv iv = DeriveMessageIv(*cipher.ek, cipher.ivb, p.type, nonce);
    if (crypto::AesCbcEncryptInto(cipher.ek->view(), iv.view(), content,
                                  MutableByteView(body, wire_len)) != wire_len) {
      return ProtectError::kBufferTooSmall;  // unreachable: sizes checked above
    }
  } else if (content.data() != body) {
    std::memmove(body, content.data(), content.size());
  }
  WriteHeader(MakeHeader(p.type, wire_len, nonce), out.data());
  const crypto::Sha1Digest t = Trailer(p, keys, ByteView(out.data(), kHeaderLen + wire_len));
  std::copy(t.begin(), t.end(), body + wire_len);
  *written = total;
  return ProtectError::kOk;
}

ProtectError CheckMessageFrame(ByteView message, Header* out, HeaderError* header_error) noexcept {
  switch (CheckFramedMessage(message, out, header_error)) {
    case FrameError::kOk:
      return ProtectError::kOk;
    case FrameError::kBadHeader:
      return ProtectError::kBadHeader;
    default:
      return ProtectError::kBadFraming;
  }
}

Result<Bytes> SealToBytes(const Protection& p, uint64_t nonce, ByteView content,
                          const MessageKeys& keys) {
  return SealIntoNewBuffer(SealedLen(p, content.size()), [&](MutableByteView out, size_t* n) {
    return Seal(p, nonce, content, keys, out, n);
  });
}

ProtectError Open(const Protection& p, ByteView message, const MessageKeys& keys,
                  MutableByteView plain, OpenedMessage* out) noexcept {
  Header h;
  if (const ProtectError e = CheckMessageFrame(message, &h, &out->header_error);
      e != ProtectError::kOk) {
    return e;
  }
  if (h.type != p.type || p.trailer == TrailerKind::kSignature) {
    return ProtectError::kWrongType;
  }
  if (p.trailer == TrailerKind::kHmac && MacKeyOf(p, keys).empty()) {
    return ProtectError::kMissingKey;
  }
  if (p.encrypted && plain.size() < h.content_len()) {
    return ProtectError::kBufferTooSmall;
  }
  // The trailer first, in constant time; nothing is decrypted before (§9.2),
  // and its verdict does not depend on whether MEK is known yet.
  const ByteView covered = message.first(h.length);
  const ByteView received = message.subspan(h.length);
  const crypto::Sha1Digest expected = Trailer(p, keys, covered);
  if (!crypto::ConstantTimeEqual(expected, received)) {
    return p.trailer == TrailerKind::kDigest ? ProtectError::kBadDigest : ProtectError::kBadMac;
  }
  const ByteView wire = covered.subspan(kHeaderLen);
  if (!p.encrypted) {
    out->header = h;
    out->content = wire;
    return ProtectError::kOk;
  }
  CipherKeys cipher;
  if (!ResolveCipher(p, keys, &cipher)) {
    return ProtectError::kMissingKey;
  }
  const MessageIv iv = DeriveMessageIv(*cipher.ek, cipher.ivb, p.type, h.nonce);
  const auto plain_len = crypto::AesCbcDecryptInto(cipher.ek->view(), iv.view(), wire, plain);
  if (!plain_len) {
    OPENSSL_cleanse(plain.data(), wire.size());
    return ProtectError::kBadPadding;
  }
  out->header = h;
  out->content = ByteView(plain.data(), *plain_len);
  return ProtectError::kOk;
}

}  // namespace rcas::protocol
