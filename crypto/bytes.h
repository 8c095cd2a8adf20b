#pragma once
// Byte containers and hex helpers shared by every layer.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rcas {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;
using MutableByteView = std::span<uint8_t>;

// ToHex returns the lower-case hex of `data`.
std::string ToHex(ByteView data);

// FromHex parses an even-length hex string (either case, no separators);
// nullopt on any other input.
std::optional<Bytes> FromHex(std::string_view hex);

// AsView views a string's characters as octets (no copy).
inline ByteView AsView(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Append adds `data` to the end of `out`.
inline void Append(Bytes& out, ByteView data) { out.insert(out.end(), data.begin(), data.end()); }

template <size_t N>
inline bool CopyTo(std::array<uint8_t, N>& out, ByteView in) {
  if (in.size() != N) {
    return false;
  }
  std::copy(in.begin(), in.end(), out.begin());
  return true;
}

// Big-endian loads and stores (PROFILE §1.1).
inline uint16_t LoadBe16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
inline uint32_t LoadBe32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
inline uint64_t LoadBe64(const uint8_t* p) {
  return (uint64_t{LoadBe32(p)} << 32) | LoadBe32(p + 4);
}
inline void StoreBe16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
inline void StoreBe32(uint8_t* p, uint32_t v) {
  StoreBe16(p, static_cast<uint16_t>(v >> 16));
  StoreBe16(p + 2, static_cast<uint16_t>(v));
}
inline void StoreBe64(uint8_t* p, uint64_t v) {
  StoreBe32(p, static_cast<uint32_t>(v >> 32));
  StoreBe32(p + 4, static_cast<uint32_t>(v));
}

}  // namespace rcas
