#include "protocol/der_writer.h"

#include <cstring>

namespace rcas::protocol {

bool DerWriter::AddBitString(uint8_t identifier, ByteView bits) noexcept {
  uint8_t* p;
  if (!Header(identifier, bits.size() + 1) || !Grow(bits.size() + 1, &p)) {
    return false;
  }
  if (p != nullptr) {
    p[0] = 0x00;
    if (!bits.empty()) {
      std::memcpy(p + 1, bits.data(), bits.size());
    }
  }
  return true;
}

bool DerWriter::AddBoolean(uint8_t identifier, bool value) noexcept {
  const uint8_t octet = value ? 0xff : 0x00;
  return AddPrimitive(identifier, ByteView(&octet, 1));
}

bool DerWriter::AddUnsigned(uint8_t identifier, uint32_t value, size_t width) noexcept {
  uint8_t octets[4];
  if (width == 0 || width > sizeof(octets)) {
    return false;
  }
  for (size_t i = width; i > 0; --i, value >>= 8) {
    octets[i - 1] = static_cast<uint8_t>(value);
  }
  return AddPrimitive(identifier, ByteView(octets, width));
}

bool DerWriter::Begin(uint8_t identifier, size_t* mark) noexcept {
  uint8_t* p;
  if (!Grow(2, &p)) {
    return false;
  }
  if (p != nullptr) {
    p[0] = identifier;
    p[1] = 0;
  }
  *mark = len_ - 1;  // the one length octet reserved so far
  return true;
}

bool DerWriter::End(size_t mark) noexcept {
  if (!ok_ || mark >= len_) {
    return false;
  }
  const size_t len = len_ - mark - 1;
  const size_t octets = DerLengthOctets(len);
  uint8_t* p;
  if (octets > 1 && !Grow(octets - 1, &p)) {
    return false;
  }
  if (!counting_) {
    if (octets > 1) {
      std::memmove(buf_ + mark + octets, buf_ + mark + 1, len);
    }
    StoreDerLength(buf_ + mark, len, octets);
  }
  return true;
}

}  // namespace rcas::protocol
