#pragma once
// DerCursor is the strict DER reader of the certificate fast path (cert_fast.cc), a cursor in
// the style of BoringSSL's CBS: one-octet tags, definite lengths in their shortest form, no
// octet past the view. Anything else fails, and the caller falls back to OpenSSL's parser.
// (protocol/der_reader.h reads BER with the receiver rules of PROFILE §7.2 and sits above
// crypto/; certificates need DER only.)

#include <cstdint>

#include "crypto/bytes.h"

namespace rcas::crypto {

inline constexpr uint8_t kDerBoolean = 0x01;
inline constexpr uint8_t kDerInteger = 0x02;
inline constexpr uint8_t kDerBitString = 0x03;
inline constexpr uint8_t kDerOctetString = 0x04;
inline constexpr uint8_t kDerOid = 0x06;
inline constexpr uint8_t kDerUtf8String = 0x0c;
inline constexpr uint8_t kDerPrintableString = 0x13;
inline constexpr uint8_t kDerUtcTime = 0x17;
inline constexpr uint8_t kDerGeneralizedTime = 0x18;
inline constexpr uint8_t kDerSequence = 0x30;
inline constexpr uint8_t kDerSet = 0x31;
inline constexpr uint8_t kDerExplicit0 = 0xa0;  // [0] constructed
inline constexpr uint8_t kDerExplicit3 = 0xa3;  // [3] constructed

class DerCursor {
 public:
  explicit DerCursor(ByteView in) : in_(in) {}

  bool empty() const { return in_.empty(); }
  // PeekTag is the next element's tag, or 0 when the cursor is empty.
  uint8_t PeekTag() const { return in_.empty() ? 0 : in_[0]; }

  // Read takes the next element if its tag is `tag`: `contents` gets the value octets and
  // `element`, when given, the whole encoding. On failure the cursor is not to be reused.
  bool Read(uint8_t tag, ByteView* contents, ByteView* element = nullptr);

 private:
  ByteView in_;
};

// ReadSole reads `in` as exactly one element of `tag` and gives its value octets.
bool ReadSole(ByteView in, uint8_t tag, ByteView* contents);

// ReadMinimalInteger reads an INTEGER in its shortest two's-complement form (any sign).
bool ReadMinimalInteger(DerCursor& in, ByteView* contents);

// ReadPositiveInteger reads a minimal INTEGER > 0 and returns its magnitude without the
// leading zero octet.
bool ReadPositiveInteger(DerCursor& in, ByteView* magnitude);

// ReadNamedBits reads a DER BIT STRING of a named-bit list (RFC 5280 keyUsage): no trailing
// zero bits, at most `max_octets` value octets, at least one bit set. `bits` gets the value
// octets little-endian, as OpenSSL's X509_get_key_usage numbers them.
bool ReadNamedBits(DerCursor& in, size_t max_octets, uint32_t* bits);

}  // namespace rcas::crypto
