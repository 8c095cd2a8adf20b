#include "protocol/der_reader.h"

#include <array>
#include <limits>
#include <string_view>

namespace rcas::protocol {

bool DerReader::ReadHeaderSlow(DerTag* tag, size_t* length) noexcept {
  const uint8_t* p = data_.data();
  const size_t n = data_.size();
  if (n == 0) {
    return Fail(DecodeError::kTruncated);
  }
  size_t pos = 1;
  uint32_t number = p[0] & 0x1f;
  if (number == 0x1f) {
    // High-tag-number form: only for numbers >= 31, in minimal base-128.
    number = 0;
    for (bool first = true;; first = false) {
      if (pos >= n) {
        return Fail(DecodeError::kTruncated);
      }
      const uint8_t b = p[pos++];
      if ((first && b == 0x80) || number > (std::numeric_limits<uint32_t>::max() >> 7)) {
        return Fail(DecodeError::kHighTagNumber);
      }
      number = (number << 7) | (b & 0x7f);
      if ((b & 0x80) == 0) {
        break;
      }
    }
    if (number < 0x1f) {
      return Fail(DecodeError::kHighTagNumber);
    }
  }
  if (pos >= n) {
    return Fail(DecodeError::kTruncated);
  }
  const uint8_t first_len = p[pos++];
  size_t len = first_len;
  if (first_len == 0x80) {
    return Fail(DecodeError::kIndefiniteLength);
  }
  if (first_len == 0xff) {
    return Fail(DecodeError::kReservedLength);
  }
  if (first_len > 0x80) {
    // Long form; leading zero octets are tolerated (BER, PROFILE §23.8).
    const size_t count = first_len & 0x7f;
    if (count > n - pos) {
      return Fail(DecodeError::kTruncated);
    }
    len = 0;
    for (size_t i = 0; i < count; ++i) {
      if (len > (std::numeric_limits<size_t>::max() >> 8)) {
        return Fail(DecodeError::kTruncated);  // longer than any input can be
      }
      len = (len << 8) | p[pos + i];
    }
    pos += count;
  }
  tag->cls = p[0] & 0xc0;
  tag->constructed = (p[0] & kConstructedBit) != 0;
  tag->number = number;
  *length = len;
  data_ = data_.subspan(pos);
  return true;
}

bool DerReader::ReadSequence(DerReader* contents) noexcept {
  DerReader peek = *this;
  DerTag tag;
  ByteView body;
  if (!peek.ReadElement(&tag, &body)) {
    return Fail(peek.error());
  }
  if (tag != DerTag{kClassUniversal, true, kTagSequence}) {
    return Fail(DecodeError::kWrongTag);
  }
  data_ = peek.data_;
  *contents = DerReader(body);
  return true;
}

DecodeError ParseBoolean(ByteView contents, bool* value) noexcept {
  if (contents.size() != 1) {
    return DecodeError::kBadBoolean;
  }
  *value = contents[0] != 0;
  return DecodeError::kNone;
}

DecodeError ParseBitString(ByteView contents, ByteView* bits) noexcept {
  if (contents.empty()) {
    return DecodeError::kBitStringEmpty;
  }
  if (contents[0] != 0) {
    return DecodeError::kBitStringUnusedBits;
  }
  *bits = contents.subspan(1);
  return DecodeError::kNone;
}

bool IsPrintableString(ByteView text) noexcept {
  static constexpr auto kPrintable = [] {
    std::array<bool, 256> t{};
    for (int c = 0; c < 256; ++c) {
      t[c] = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    }
    for (const char c : std::string_view(" '()+,-./:=?")) {
      t[static_cast<uint8_t>(c)] = true;
    }
    return t;
  }();
  for (const uint8_t c : text) {
    if (!kPrintable[c]) {
      return false;
    }
  }
  return true;
}

bool ComponentReader::NextSlow(uint32_t index, ComponentForm form, ByteView* contents,
                               bool* present) noexcept {
  const bool optional = present != nullptr;
  if (reader_.empty()) {
    if (!optional) {
      return reader_.Fail(DecodeError::kMissingComponent);
    }
    *present = false;
    return true;
  }
  DerReader peek = reader_;
  DerTag tag;
  ByteView body;
  if (!peek.ReadElement(&tag, &body)) {
    return reader_.Fail(peek.error());
  }
  if (tag.cls == kClassContext && tag.number == index) {
    if (tag.constructed != (form == ComponentForm::kConstructed)) {
      return reader_.Fail(form == ComponentForm::kString ? DecodeError::kConstructedString
                                                         : DecodeError::kWrongTag);
    }
    reader_ = peek;
    *contents = body;
    if (optional) {
      *present = true;
    }
    return true;
  }
  if (optional) {
    *present = false;
    return true;
  }
  return reader_.Fail(tag.cls == kClassContext && tag.number > index
                          ? DecodeError::kMissingComponent
                          : DecodeError::kWrongTag);
}

}  // namespace rcas::protocol
