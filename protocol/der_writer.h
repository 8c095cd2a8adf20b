#pragma once
// DerWriter: appends DER to a caller buffer in the style of BoringSSL's CBB
// (PROFILE §7.2: definite minimal lengths, primitive strings, TRUE = 0xFF).
// Never allocates; a writer without a buffer only counts, so one encoder
// serves both "how long?" and "write it". After the first failure (buffer
// too small) every call fails and ok() is false.

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "crypto/bytes.h"

namespace rcas::protocol {

class DerWriter {
 public:
  // DerWriter() counts octets without writing them.
  constexpr DerWriter() noexcept = default;
  explicit constexpr DerWriter(MutableByteView out) noexcept
      : buf_(out.data()), cap_(out.size()), counting_(false) {}

  constexpr size_t size() const noexcept { return len_; }
  constexpr bool ok() const noexcept { return ok_; }

  // AddPrimitive writes identifier, minimal length and `contents`.
  bool AddPrimitive(uint8_t identifier, ByteView contents) noexcept;
  // AddBitString writes a BIT STRING whose unused-bits octet is 0.
  bool AddBitString(uint8_t identifier, ByteView bits) noexcept;
  // AddBoolean writes 0xFF for TRUE, 0x00 for FALSE.
  bool AddBoolean(uint8_t identifier, bool value) noexcept;
  // AddUnsigned writes `value` as an `width`-octet big-endian string.
  bool AddUnsigned(uint8_t identifier, uint32_t value, size_t width) noexcept;

  // Begin opens a constructed element; *mark must be passed to End, which
  // closes it with its minimal length (moving the contents when the length
  // needs more than one octet). Pairs nest like brackets.
  bool Begin(uint8_t identifier, size_t* mark) noexcept;
  bool End(size_t mark) noexcept;

 private:
  // Header writes identifier and minimal length for `len` contents octets.
  bool Header(uint8_t identifier, size_t len) noexcept;
  // Grow reserves n octets at the end; *p is null when counting.
  bool Grow(size_t n, uint8_t** p) noexcept;

  uint8_t* buf_ = nullptr;
  size_t cap_ = 0;
  size_t len_ = 0;
  bool counting_ = true;
  bool ok_ = true;
};

// DerLengthOctets is the size of the minimal length field for `len`.
constexpr size_t DerLengthOctets(size_t len) noexcept {
  size_t n = 1;
  if (len >= 0x80) {
    for (size_t v = len; v != 0; v >>= 8) {
      ++n;
    }
  }
  return n;
}

// The per-component path is inline so that a schema encoder keeps the
// writer in registers.

// StoreDerLength writes the `octets`-octet length field for `len`.
inline void StoreDerLength(uint8_t* p, size_t len, size_t octets) {
  if (octets == 1) {
    p[0] = static_cast<uint8_t>(len);
    return;
  }
  p[0] = static_cast<uint8_t>(0x80 | (octets - 1));
  for (size_t i = octets - 1; i > 0; --i, len >>= 8) {
    p[i] = static_cast<uint8_t>(len);
  }
}

inline bool DerWriter::Grow(size_t n, uint8_t** p) noexcept {
  if (!ok_) {
    return false;
  }
  if (counting_) {
    len_ += n;
    *p = nullptr;
    return true;
  }
  if (n > cap_ - len_) {
    ok_ = false;
    return false;
  }
  *p = buf_ + len_;
  len_ += n;
  return true;
}

inline bool DerWriter::Header(uint8_t identifier, size_t len) noexcept {
  const size_t octets = DerLengthOctets(len);
  uint8_t* p;
  if (!Grow(1 + octets, &p)) {
    return false;
  }
  if (p != nullptr) {
    p[0] = identifier;
    StoreDerLength(p + 1, len, octets);
  }
  return true;
}

inline bool DerWriter::AddPrimitive(uint8_t identifier, ByteView contents) noexcept {
  uint8_t* p;
  if (!Header(identifier, contents.size()) || !Grow(contents.size(), &p)) {
    return false;
  }
  if (p != nullptr && !contents.empty()) {
    std::memcpy(p, contents.data(), contents.size());
  }
  return true;
}

}  // namespace rcas::protocol
