#include "protocol/header.h"

namespace rcas::protocol {

HeaderError ParseHeader(ByteView in, Header* out) noexcept {
  if (in.size() < kHeaderLen) {
    return HeaderError::kTooShort;
  }
  const uint8_t* p = in.data();
  const uint16_t type = LoadBe16(p);
  const uint32_t length = LoadBe32(p + 2);
  if (p[14] != kProtocolVersion) {
    return HeaderError::kBadVersion;
  }
  if (!IsKnownType(type)) {
    return HeaderError::kUnknownType;
  }
  if (length < kHeaderLen + kMinContentLen) {
    return HeaderError::kLengthTooSmall;
  }
  if (length > kMaxMessageLen) {
    return HeaderError::kLengthTooLarge;
  }
  const auto t = static_cast<MessageType>(type);
  // length >= 18 here, so a multiple of 16 is also positive.
  if (IsEncrypted(t) && (length - kHeaderLen) % 16 != 0) {
    return HeaderError::kBadCipherLength;
  }
  *out = Header{t, length, LoadBe64(p + 6), p[14], p[15]};
  return HeaderError::kOk;
}

Header MakeHeader(MessageType type, size_t content_len, uint64_t nonce) noexcept {
  return Header{type, static_cast<uint32_t>(kHeaderLen + content_len), nonce, kProtocolVersion, 0};
}

void WriteHeader(const Header& h, uint8_t* out) noexcept {
  StoreBe16(out, static_cast<uint16_t>(h.type));
  StoreBe32(out + 2, h.length);
  StoreBe64(out + 6, h.nonce);
  out[14] = h.version;
  out[15] = h.reserved;
}

}  // namespace rcas::protocol
