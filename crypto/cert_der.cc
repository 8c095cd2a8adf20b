#include "crypto/cert_der.h"

namespace rcas::crypto {
namespace {

constexpr uint8_t kHighTagNumber = 0x1f;
constexpr size_t kMaxLengthOctets = 4;

}  // namespace

bool DerCursor::Read(uint8_t tag, ByteView* contents, ByteView* element) {
  if (in_.size() < 2 || in_[0] != tag || (tag & kHighTagNumber) == kHighTagNumber) {
    return false;
  }
  size_t header = 2;
  size_t len = in_[1];
  if (len >= 0x80) {
    // Long form: 1..4 length octets, no leading zero, and only for lengths short form can't say.
    const size_t n = len & 0x7f;
    if (n == 0 || n > kMaxLengthOctets || in_.size() < 2 + n || in_[2] == 0) {
      return false;
    }
    len = 0;
    for (size_t i = 0; i < n; ++i) {
      len = (len << 8) | in_[2 + i];
    }
    if (len < 0x80) {
      return false;
    }
    header += n;
  }
  if (in_.size() - header < len) {
    return false;
  }
  *contents = in_.subspan(header, len);
  if (element != nullptr) {
    *element = in_.first(header + len);
  }
  in_ = in_.subspan(header + len);
  return true;
}

bool ReadSole(ByteView in, uint8_t tag, ByteView* contents) {
  DerCursor c(in);
  return c.Read(tag, contents) && c.empty();
}

bool ReadMinimalInteger(DerCursor& in, ByteView* contents) {
  if (!in.Read(kDerInteger, contents) || contents->empty()) {
    return false;
  }
  const ByteView c = *contents;
  // A leading 0x00 or 0xff octet is redundant when the next octet carries the same sign.
  return c.size() == 1 ||
         !((c[0] == 0x00 && (c[1] & 0x80) == 0) || (c[0] == 0xff && (c[1] & 0x80) != 0));
}

bool ReadPositiveInteger(DerCursor& in, ByteView* magnitude) {
  ByteView c;
  if (!ReadMinimalInteger(in, &c) || (c[0] & 0x80) != 0) {
    return false;
  }
  *magnitude = c[0] == 0 ? c.subspan(1) : c;
  return !magnitude->empty();  // zero is not positive
}

bool ReadNamedBits(DerCursor& in, size_t max_octets, uint32_t* bits) {
  ByteView c;
  if (!in.Read(kDerBitString, &c) || c.size() < 2 || c.size() - 1 > max_octets || c[0] > 7) {
    return false;
  }
  const uint8_t last = c.back();
  const unsigned unused = c[0];
  // DER: the unused bits are zero and the last used bit is one (X.690 §11.2.2).
  if ((last & ((1u << unused) - 1)) != 0 || (last & (1u << unused)) == 0) {
    return false;
  }
  *bits = 0;
  for (size_t i = 1; i < c.size(); ++i) {
    *bits |= uint32_t{c[i]} << (8 * (i - 1));
  }
  return true;
}

}  // namespace rcas::crypto
