#pragma once
// Internet checksums and header writers shared by frame_parse.cc, frame_answer.cc and
// frame_build.cc (not part of frame.h's contract).

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "crypto/bytes.h"
#include "dataplane/frame.h"

namespace rcas::dataplane::frame_internal {

inline constexpr uint8_t kProtoIcmp = 1;
inline constexpr uint8_t kProtoUdp = 17;
inline constexpr uint8_t kProtoIcmp6 = 58;
inline constexpr size_t kEthLen = 14;
inline constexpr size_t kVlanLen = 4;
inline constexpr size_t kIpv4Len = 20;
inline constexpr size_t kIpv6Len = 40;
inline constexpr uint8_t kIpv6FragmentHeader = 44;  // RFC 8200 §4.5
inline constexpr size_t kIpv6FragLen = 8;
inline constexpr size_t kUdpLen = 8;
inline constexpr size_t kArpLen = 28;
inline constexpr size_t kNdLen = 24;    // ICMPv6 header, flags, target (RFC 4861 §4.3/§4.4)
inline constexpr size_t kNdOptLen = 8;  // one Ethernet link-layer address option
inline constexpr uint8_t kNdHopLimit = 255;
inline constexpr uint8_t kIcmp6EchoRequest = 128;
inline constexpr uint8_t kIcmp6EchoReply = 129;
inline constexpr uint8_t kIcmp6Ns = 135;
inline constexpr uint8_t kIcmp6Na = 136;
inline constexpr uint8_t kNdOptSourceLl = 1;
inline constexpr uint8_t kNdOptTargetLl = 2;

// SumWords adds `p[0..n)` as big-endian 16-bit words to `sum` (RFC 1071; an odd last octet
// is padded with zero). 32-bit words fold to the same one's-complement sum.
inline uint64_t SumWords(const uint8_t* p, size_t n, uint64_t sum) noexcept {
  for (; n >= 4; p += 4, n -= 4) {
    sum += LoadBe32(p);
  }
  if (n >= 2) {
    sum += LoadBe16(p);
    p += 2;
    n -= 2;
  }
  if (n == 1) {
    sum += uint32_t{p[0]} << 8;
  }
  return sum;
}

// FoldComplement folds a sum to 16 bits and complements it: the checksum field value, and 0
// when a sum over data that includes a correct checksum is checked.
inline uint16_t FoldComplement(uint64_t sum) noexcept {
  while (sum >> 16) {
    sum = (sum & 0xffff) + (sum >> 16);
  }
  return static_cast<uint16_t>(~sum);
}

// PseudoHeaderSum is the sum of the UDP/ICMPv6 pseudo-header (RFC 768, RFC 8200 §8.1).
inline uint64_t PseudoHeaderSum(const IpAddr& src, const IpAddr& dst, uint8_t proto,
                                size_t len) noexcept {
  const size_t n = src.v6 ? 16 : 4;
  return SumWords(dst.b.data(), n, SumWords(src.b.data(), n, 0)) + proto + len;
}

// L4Checksum is the checksum of an upper-layer message whose checksum field is zero (or, when
// verifying, 0 if the message's checksum is correct).
inline uint16_t L4Checksum(const IpAddr& src, const IpAddr& dst, uint8_t proto, const uint8_t* p,
                           size_t len) noexcept {
  return FoldComplement(SumWords(p, len, PseudoHeaderSum(src, dst, proto, len)));
}

// AllNodesGroup is ff02::1 (RFC 4291 §2.7.1).
inline IpAddr AllNodesGroup() noexcept {
  IpAddr a;
  a.v6 = true;
  a.b[0] = 0xff;
  a.b[1] = 0x02;
  a.b[15] = 0x01;
  return a;
}

inline IpAddr LoadIp(const uint8_t* p, bool v6) noexcept {
  IpAddr a;
  a.v6 = v6;
  std::memcpy(a.b.data(), p, v6 ? 16 : 4);
  return a;
}

inline MacAddr LoadMac(const uint8_t* p) noexcept {
  MacAddr m;
  std::memcpy(m.data(), p, m.size());
  return m;
}

// ParseUdp, ParseIcmp4 and ParseIcmp6 read the message at f[l4, l4 + len) of a frame whose IP
// header already filled v's addresses and TTL (frame_parse_l4.cc).
// ParseUdp skips the checksum the NIC verified (`nic_checked`).
FrameVerdict ParseUdp(const uint8_t* f, size_t l4, size_t len, FrameView* v,
                      bool nic_checked = false) noexcept;
FrameVerdict ParseIcmp4(const uint8_t* f, size_t l4, size_t len, FrameView* v) noexcept;
FrameVerdict ParseIcmp6(const uint8_t* f, size_t l4, size_t len, FrameView* v) noexcept;

// WriteEthernet writes the MACs, an optional 802.1Q tag and the EtherType; returns the l3
// offset.
inline size_t WriteEthernet(uint8_t* p, const MacAddr& dst, const MacAddr& src, bool vlan,
                            uint16_t tci, uint16_t ether_type) noexcept {
  std::memcpy(p, dst.data(), 6);
  std::memcpy(p + 6, src.data(), 6);
  size_t off = 12;
  if (vlan) {
    StoreBe16(p + off, kEtherTypeVlan);
    StoreBe16(p + off + 2, tci);
    off += kVlanLen;
  }
  StoreBe16(p + off, ether_type);
  return off + 2;
}

// WriteIpv4Header writes a 20-octet header (DF, id 0) with its checksum (0 when the NIC fills
// it in).
inline void WriteIpv4Header(uint8_t* p, const IpAddr& src, const IpAddr& dst, size_t total_len,
                            uint8_t proto, uint8_t ttl, bool nic_checksum = false) noexcept {
  p[0] = 0x45;
  p[1] = 0;
  StoreBe16(p + 2, static_cast<uint16_t>(total_len));
  StoreBe32(p + 4, 0x00004000);  // id 0, DF, offset 0
  p[8] = ttl;
  p[9] = proto;
  StoreBe16(p + 10, 0);
  std::memcpy(p + 12, src.b.data(), 4);
  std::memcpy(p + 16, dst.b.data(), 4);
  if (!nic_checksum) {
    StoreBe16(p + 10, FoldComplement(SumWords(p, kIpv4Len, 0)));
  }
}

// WriteIpv6Header writes a 40-octet header (traffic class and flow label 0).
inline void WriteIpv6Header(uint8_t* p, const IpAddr& src, const IpAddr& dst, size_t payload_len,
                            uint8_t next, uint8_t hop_limit) noexcept {
  StoreBe32(p, 0x60000000);
  StoreBe16(p + 4, static_cast<uint16_t>(payload_len));
  p[6] = next;
  p[7] = hop_limit;
  std::memcpy(p + 8, src.b.data(), 16);
  std::memcpy(p + 24, dst.b.data(), 16);
}

// WriteLladdrOption writes an ND link-layer address option of `type` for `mac`.
inline void WriteLladdrOption(uint8_t* p, uint8_t type, const MacAddr& mac) noexcept {
  p[0] = type;
  p[1] = 1;  // in units of 8 octets
  std::memcpy(p + 2, mac.data(), mac.size());
}

}  // namespace rcas::dataplane::frame_internal
