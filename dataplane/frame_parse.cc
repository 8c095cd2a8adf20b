// ParseFrame: Ethernet, one 802.1Q tag, ARP, IPv4/IPv6, UDP, ICMP echo and ND, each layer
// checked against the length the one below gave it, so nothing is read past the frame.

#include <arpa/inet.h>

#include <cstring>

#include "dataplane/frame.h"
#include "dataplane/frame_internal.h"

namespace rcas::dataplane {

using namespace frame_internal;  // NOLINT(google-build-using-namespace)
using V = FrameVerdict;

IpAddr IpAddr::V4(uint32_t host_order) noexcept {
  IpAddr a;
  StoreBe32(a.b.data(), host_order);
  return a;
}

std::optional<IpAddr> IpAddr::Parse(std::string_view text) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (text.empty() || text.size() >= sizeof(buf)) {
    return std::nullopt;
  }
  std::memcpy(buf, text.data(), text.size());
  IpAddr a;
  if (inet_pton(AF_INET, buf, a.b.data()) == 1) {
    return a;
  }
  a.v6 = true;
  if (inet_pton(AF_INET6, buf, a.b.data()) == 1) {
    return a;
  }
  return std::nullopt;
}

namespace {

bool IsGroupMac(const MacAddr& m) { return (m[0] & 1) != 0; }

// FillFragment records a fragment's id, offset (`field`: 13 bits of 8-octet units above 3 flag
// bits, IPv4's and the IPv6 Fragment header's layout alike, M the lowest) and data.
void FillFragment(uint32_t id, uint16_t field, size_t data, size_t len, FrameView* v) {
  v->frag_id = id;
  v->frag_offset = static_cast<uint16_t>((field & 0x1fff) * 8);
  v->more_fragments = (field & 0x2000) != 0;
  v->l4_offset = v->payload_offset = static_cast<uint16_t>(data);
  v->payload_len = static_cast<uint16_t>(len);
}

V ParseIpv4(const uint8_t* f, size_t l3, size_t avail, FrameView* v, NicChecksums nic) {
  if (avail < kIpv4Len) {
    return V::kTooShort;
  }
  const uint8_t* ip = f + l3;
  const size_t ihl = size_t{ip[0] & 0x0fu} * 4;
  const size_t total = LoadBe16(ip + 2);
  if ((ip[0] >> 4) != 4 || ihl < kIpv4Len || total < ihl) {
    return V::kBadIpv4Header;
  }
  if (total > avail) {
    return V::kTooShort;
  }
  if (ihl != kIpv4Len) {
    return V::kIpv4Options;  // none are needed, and they would shift every offset
  }
  if (!nic.ipv4_header && FoldComplement(SumWords(ip, kIpv4Len, 0)) != 0) {
    return V::kIpv4Checksum;
  }
  const uint16_t frag = LoadBe16(ip + 6);
  if ((frag & 0x8000) != 0) {
    return V::kBadIpv4Header;  // the reserved flag
  }
  v->ttl = ip[8];
  v->src_ip = LoadIp(ip + 12, false);
  v->dst_ip = LoadIp(ip + 16, false);
  v->l4_offset = static_cast<uint16_t>(l3 + kIpv4Len);
  if (v->src_ip.IsMulticast() || v->src_ip == IpAddr::V4(0xffffffff)) {
    return V::kBadSourceAddress;
  }
  if ((frag & 0x3fff) != 0) {
    if (ip[9] != kProtoUdp) {
      return V::kOtherIpProtocol;  // only UDP datagrams (PROFILE §5.4) outgrow one MTU
    }
    FillFragment(LoadBe16(ip + 4), frag, v->l4_offset, total - kIpv4Len, v);
    return V::kIpv4Fragment;
  }
  switch (ip[9]) {
    case kProtoUdp:
      return ParseUdp(f, v->l4_offset, total - kIpv4Len, v, nic.udp);
    case kProtoIcmp:
      return ParseIcmp4(f, v->l4_offset, total - kIpv4Len, v);
    default:
      return V::kOtherIpProtocol;
  }
}

bool IsIpv6ExtensionHeader(uint8_t next) {
  switch (next) {
    case 0:
    case 43:
    case 44:
    case 50:
    case 51:
    case 60:
    case 135:
    case 139:
    case 140:
    case 253:
    case 254:
      return true;
    default:
      return false;
  }
}

V ParseIpv6(const uint8_t* f, size_t l3, size_t avail, FrameView* v, NicChecksums nic) {
  if (avail < kIpv6Len) {
    return V::kTooShort;
  }
  const uint8_t* ip = f + l3;
  if ((ip[0] >> 4) != 6) {
    return V::kBadIpv6Header;
  }
  const size_t len = LoadBe16(ip + 4);
  if (len > avail - kIpv6Len) {
    return V::kTooShort;
  }
  v->ttl = ip[7];
  v->src_ip = LoadIp(ip + 8, true);
  v->dst_ip = LoadIp(ip + 24, true);
  v->l4_offset = static_cast<uint16_t>(l3 + kIpv6Len);
  if (v->src_ip.IsMulticast()) {
    return V::kBadSourceAddress;
  }
  if (ip[6] == kProtoUdp) {
    return ParseUdp(f, v->l4_offset, len, v, nic.udp);
  }
  if (ip[6] == kProtoIcmp6) {
    return ParseIcmp6(f, v->l4_offset, len, v);
  }
  if (ip[6] == kIpv6FragmentHeader) {
    // RFC 8200 §4.5: next header, reserved, offset/M, identification; only directly after
    // the fixed header, and only of a UDP datagram.
    if (len < kIpv6FragLen) {
      return V::kBadIpv6Header;
    }
    const uint8_t* fh = ip + kIpv6Len;
    if (fh[0] != kProtoUdp) {
      return IsIpv6ExtensionHeader(fh[0]) ? V::kIpv6ExtensionHeader : V::kOtherIpProtocol;
    }
    // The IPv6 field has the offset in the high 13 bits; shift it to IPv4's layout.
    const uint16_t field = LoadBe16(fh + 2);
    FillFragment(LoadBe32(fh + 4), static_cast<uint16_t>((field >> 3) | ((field & 1) << 13)),
                 v->l4_offset + kIpv6FragLen, len - kIpv6FragLen, v);
    return V::kIpv6Fragment;
  }
  return IsIpv6ExtensionHeader(ip[6]) ? V::kIpv6ExtensionHeader : V::kOtherIpProtocol;
}

// ParseArp accepts Ethernet/IPv4 requests and replies (RFC 826).
V ParseArp(const uint8_t* f, size_t l3, size_t avail, FrameView* v) {
  if (avail < kArpLen) {
    return V::kTooShort;
  }
  const uint8_t* a = f + l3;
  const uint16_t op = LoadBe16(a + 6);
  if (LoadBe16(a) != 1 || LoadBe16(a + 2) != kEtherTypeIpv4 || a[4] != 6 || a[5] != 4 ||
      (op != 1 && op != 2)) {
    return V::kBadArp;
  }
  v->arp_sender_mac = LoadMac(a + 8);
  v->src_ip = LoadIp(a + 14, false);
  v->dst_ip = LoadIp(a + 24, false);
  v->l4_offset = v->payload_offset = static_cast<uint16_t>(l3 + kArpLen);
  if (IsGroupMac(v->arp_sender_mac) || v->src_ip.IsMulticast()) {
    return V::kBadSourceAddress;
  }
  return op == 1 ? V::kArpRequest : V::kArpReply;
}

V Parse(ByteView frame, FrameView* v, NicChecksums nic) {
  // Offsets are 16-bit: longer frames (no Ethernet frame is) are cut to what the IP header
  // may describe, which is all that is read.
  const size_t size = frame.size() < 0xffff ? frame.size() : 0xffff;
  const uint8_t* f = frame.data();
  if (size < kEthLen) {
    return V::kTooShort;
  }
  v->dst_mac = LoadMac(f);
  v->src_mac = LoadMac(f + 6);
  size_t l3 = kEthLen;
  uint16_t type = LoadBe16(f + 12);
  if (type == kEtherTypeVlan) {
    if (size < kEthLen + kVlanLen) {
      return V::kTooShort;
    }
    v->vlan = true;
    v->vlan_tci = LoadBe16(f + 14);
    type = LoadBe16(f + 16);
    l3 += kVlanLen;
    if (type == kEtherTypeVlan || type == kEtherTypeQinQ) {
      return V::kVlanStacked;
    }
  } else if (type == kEtherTypeQinQ) {
    return V::kVlanStacked;
  }
  v->ether_type = type;
  v->l3_offset = static_cast<uint16_t>(l3);
  if (IsGroupMac(v->src_mac)) {
    return V::kBadSourceAddress;
  }
  switch (type) {
    case kEtherTypeIpv4:
      return ParseIpv4(f, l3, size - l3, v, nic);
    case kEtherTypeIpv6:
      return ParseIpv6(f, l3, size - l3, v, nic);
    case kEtherTypeArp:
      return ParseArp(f, l3, size - l3, v);
    default:
      return V::kOtherEtherType;
  }
}

}  // namespace

FrameVerdict ParseFrame(ByteView frame, FrameView* out, NicChecksums nic) noexcept {
  static constexpr FrameView kFresh{};  // copied, not built: `FrameView{}` was a rep stos per frame
  *out = kFresh;
  out->verdict = Parse(frame, out, nic);
  return out->verdict;
}

}  // namespace rcas::dataplane
