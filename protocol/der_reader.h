#pragma once
// DerReader: a BER/DER cursor over borrowed octets in the style of
// BoringSSL's CBS, with the receiver rules of PROFILE §7.2 and §23.8.
// Methods are noexcept, never allocate, return false on failure and then
// leave the reason in error(); a reader that failed is not used again.

#include <cstddef>
#include <cstdint>

#include "crypto/bytes.h"
#include "protocol/der_error.h"

namespace rcas::protocol {

// Identifier-octet classes (X.690 §8.1.2.2), as their top two bits.
inline constexpr uint8_t kClassUniversal = 0x00;
inline constexpr uint8_t kClassContext = 0x80;
inline constexpr uint8_t kConstructedBit = 0x20;
inline constexpr uint32_t kTagSequence = 16;

// DerTag is a parsed identifier: class bits (0x00/0x40/0x80/0xC0), the
// constructed flag and the tag number.
struct DerTag {
  uint8_t cls = 0;
  bool constructed = false;
  uint32_t number = 0;

  friend constexpr bool operator==(const DerTag&, const DerTag&) = default;
};

class DerReader {
 public:
  constexpr DerReader() noexcept = default;
  explicit constexpr DerReader(ByteView data) noexcept : data_(data) {}

  constexpr ByteView data() const noexcept { return data_; }
  constexpr size_t remaining() const noexcept { return data_.size(); }
  constexpr bool empty() const noexcept { return data_.empty(); }
  constexpr DecodeError error() const noexcept { return error_; }

  // ReadElement consumes one element: its identifier in *tag, its contents in
  // *contents and, if `element` is set, the whole encoding (identifier,
  // length and contents) in *element. Accepts non-minimal definite lengths of
  // any octet count; rejects indefinite lengths, the length octet 0xFF, the
  // high-tag-number form for numbers <= 30 (or non-minimal) and contents that
  // run past the data. On failure nothing is consumed.
  bool ReadElement(DerTag* tag, ByteView* contents, ByteView* element = nullptr) noexcept;

  // ReadHeader consumes only the identifier and length octets, with the same
  // rules, and sets *length to the declared contents length, which may run
  // past the data (for callers that salvage a prefix, e.g. PeekSessionId).
  bool ReadHeader(DerTag* tag, size_t* length) noexcept;

  // ReadSequence consumes a universal SEQUENCE (0x30) and sets *contents to a
  // reader over its contents; any other identifier is kWrongTag.
  bool ReadSequence(DerReader* contents) noexcept;

  // Fail records `e` and returns false (for parsers built on the reader).
  bool Fail(DecodeError e) noexcept {
    error_ = e;
    return false;
  }

 private:
  // ReadHeaderSlow handles the rare forms: long tags, long lengths, errors.
  bool ReadHeaderSlow(DerTag* tag, size_t* length) noexcept;

  ByteView data_;
  DecodeError error_ = DecodeError::kNone;
};

// ParseBoolean reads BOOLEAN contents: exactly one octet (else
// kBadBoolean); any non-zero octet is TRUE (X.690 §8.2.2).
DecodeError ParseBoolean(ByteView contents, bool* value) noexcept;

// ParseBitString reads BIT STRING contents whose unused-bits octet must be 0
// (PROFILE §7.3) and sets *bits to the octets after it.
DecodeError ParseBitString(ByteView contents, ByteView* bits) noexcept;

// IsPrintableString: only A-Z a-z 0-9 space ' ( ) + , - . / : = ? (§7.3).
bool IsPrintableString(ByteView text) noexcept;

// ComponentForm is how a component's type is encoded under its [i] tag.
enum class ComponentForm : uint8_t {
  kString,       // OCTET STRING, BIT STRING, PrintableString: primitive only
  kPrimitive,    // BOOLEAN
  kConstructed,  // SEQUENCE, SEQUENCE OF
};

// ComponentReader walks the components of one SEQUENCE under AUTOMATIC TAGS:
// component i carries [i] IMPLICIT, counting absent OPTIONAL ones (§7.3).
// The rule that gives the malformed.json reasons:
//  * [i] in the wrong form: kConstructedString for string types, else
//    kWrongTag;
//  * an element that is not [i] where an OPTIONAL component may stand: the
//    component is absent and the element is left for the next one;
//  * not [i] where a mandatory component stands: kMissingComponent if it is
//    a later context tag [j > i] (the component was left out), else
//    kWrongTag (something else stands in its place);
//  * elements left after the last component: kUnexpectedComponent.
class ComponentReader {
 public:
  explicit constexpr ComponentReader(ByteView contents) noexcept : reader_(contents) {}

  constexpr DecodeError error() const noexcept { return reader_.error(); }

  // Next reads component [index]. For an OPTIONAL component *present tells
  // whether it was there; `present` is null for a mandatory one.
  bool Next(uint32_t index, ComponentForm form, ByteView* contents, bool* present) noexcept;

  // Finish fails with kUnexpectedComponent if elements remain.
  bool Finish() noexcept;

 private:
  bool NextSlow(uint32_t index, ComponentForm form, ByteView* contents, bool* present) noexcept;

  DerReader reader_;
};

// The per-element path is inline so that a schema walk keeps the cursor in
// registers; only the rare forms leave it.

inline bool DerReader::ReadHeader(DerTag* tag, size_t* length) noexcept {
  if (data_.size() >= 2 && (data_[0] & 0x1f) != 0x1f && data_[1] < 0x80) {
    tag->cls = data_[0] & 0xc0;
    tag->constructed = (data_[0] & kConstructedBit) != 0;
    tag->number = data_[0] & 0x1f;
    *length = data_[1];
    data_ = data_.subspan(2);
    return true;
  }
  return ReadHeaderSlow(tag, length);
}

inline bool DerReader::ReadElement(DerTag* tag, ByteView* contents, ByteView* element) noexcept {
  DerReader peek(data_);
  size_t len = 0;
  if (!peek.ReadHeader(tag, &len)) {
    return Fail(peek.error());
  }
  if (len > peek.remaining()) {
    return Fail(DecodeError::kTruncated);
  }
  const size_t header_len = data_.size() - peek.remaining();
  *contents = peek.data_.first(len);
  if (element != nullptr) {
    *element = data_.first(header_len + len);
  }
  data_ = peek.data_.subspan(len);
  return true;
}

[[gnu::always_inline]] inline bool ComponentReader::Next(uint32_t index, ComponentForm form,
                                                         ByteView* contents,
                                                         bool* present) noexcept {
  // Fast path: the expected one-octet tag and a length of at most two
  // octets that fits; everything else (absence, errors, other BER forms)
  // takes NextSlow, which gives the same answer for these cases.
  const ByteView d = reader_.data();
  const auto expected = static_cast<uint8_t>(
      kClassContext | (form == ComponentForm::kConstructed ? kConstructedBit : 0) | index);
  if (index < 0x1f && d.size() >= 2 && d[0] == expected) {
    size_t header = 2;
    size_t len = d[1];
    if (len == 0x81 && d.size() >= 3) {
      header = 3;
      len = d[2];
    } else if (len == 0x82 && d.size() >= 4) {
      header = 4;
      len = (size_t{d[2]} << 8) | d[3];
    }
    if ((header > 2 || len < 0x80) && len <= d.size() - header) {
      *contents = d.subspan(header, len);
      reader_ = DerReader(d.subspan(header + len));
      if (present != nullptr) {
        *present = true;
      }
      return true;
    }
  }
  return NextSlow(index, form, contents, present);
}

inline bool ComponentReader::Finish() noexcept {
  return reader_.empty() || reader_.Fail(DecodeError::kUnexpectedComponent);
}

}  // namespace rcas::protocol
