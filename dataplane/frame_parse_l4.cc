// The IP payloads ParseFrame serves: UDP, ICMP echo, ICMPv6 echo and Neighbor Discovery, each
// read within the length its IP header gave it.

#include <cstring>

#include "dataplane/frame.h"
#include "dataplane/frame_internal.h"

namespace rcas::dataplane::frame_internal {
namespace {

using V = FrameVerdict;

// ParseNd applies RFC 4861 §7.1.1 (NS) and §7.1.2 (NA) to the message at f[l4, l4 + len).
V ParseNd(const uint8_t* f, size_t l4, size_t len, FrameView* v) {
  const bool ns = f[l4] == kIcmp6Ns;
  if (v->ttl != kNdHopLimit || f[l4 + 1] != 0 || len < kNdLen) {
    return V::kBadNd;
  }
  v->nd_flags = ns ? 0 : f[l4 + 4] & 0xe0;  // R, S, O; the rest is reserved
  v->nd_target = LoadIp(f + l4 + 8, true);
  v->payload_offset = static_cast<uint16_t>(l4 + kNdLen);
  v->payload_len = static_cast<uint16_t>(len - kNdLen);
  if (v->nd_target.IsMulticast()) {
    return V::kBadNd;
  }
  const uint8_t ll_type = ns ? kNdOptSourceLl : kNdOptTargetLl;
  for (size_t off = l4 + kNdLen, end = l4 + len; off < end;) {
    const size_t opt_len = end - off >= 2 ? size_t{f[off + 1]} * 8 : 0;
    if (opt_len == 0 || opt_len > end - off) {
      return V::kBadNd;
    }
    if (f[off] == ll_type) {
      if (opt_len != kNdOptLen) {
        return V::kBadNd;  // an Ethernet address option is one unit (RFC 4861 §4.6.1)
      }
      v->has_lladdr = true;
      v->arp_sender_mac = LoadMac(f + off + 2);
    }
    off += opt_len;
  }
  if (ns && v->src_ip.IsUnspecified() &&
      (v->has_lladdr || v->dst_ip != SolicitedNodeGroup(v->nd_target))) {
    return V::kBadNd;  // DAD: to the solicited-node group, no source address option
  }
  if (!ns && v->dst_ip.IsMulticast() && (v->nd_flags & 0x40) != 0) {
    return V::kBadNd;  // a solicited NA is never multicast
  }
  return ns ? V::kNeighborSolicit : V::kNeighborAdvert;
}

}  // namespace

// ParseUdp reads the UDP header at f[l4, l4 + len): its length must be the IP payload's.
FrameVerdict ParseUdp(const uint8_t* f, size_t l4, size_t len, FrameView* v,
                      bool nic_checked) noexcept {
  if (len < kUdpLen || LoadBe16(f + l4 + 4) != len) {
    return V::kBadUdpLength;
  }
  v->src_port = LoadBe16(f + l4);
  v->dst_port = LoadBe16(f + l4 + 2);
  v->payload_offset = static_cast<uint16_t>(l4 + kUdpLen);
  v->payload_len = static_cast<uint16_t>(len - kUdpLen);
  // RFC 8200 §8.1: mandatory for IPv6; RFC 768: zero means "not computed" for IPv4.
  const bool present = LoadBe16(f + l4 + 6) != 0;
  if (!nic_checked && (v->src_ip.v6 || present) &&
      L4Checksum(v->src_ip, v->dst_ip, kProtoUdp, f + l4, len) != 0) {
    return V::kUdpChecksum;
  }
  return V::kUdp;
}

FrameVerdict ParseIcmp4(const uint8_t* f, size_t l4, size_t len, FrameView* v) noexcept {
  if (len < 8) {
    return V::kBadIcmp;
  }
  v->payload_offset = static_cast<uint16_t>(l4 + 8);
  v->payload_len = static_cast<uint16_t>(len - 8);
  if (FoldComplement(SumWords(f + l4, len, 0)) != 0) {
    return V::kIcmpChecksum;
  }
  if (f[l4] != 8) {
    return V::kIcmpOther;
  }
  return f[l4 + 1] == 0 ? V::kIcmpEchoRequest : V::kBadIcmp;
}

FrameVerdict ParseIcmp6(const uint8_t* f, size_t l4, size_t len, FrameView* v) noexcept {
  if (len < 4) {
    return V::kBadIcmp;
  }
  v->payload_offset = static_cast<uint16_t>(l4 + 4);
  v->payload_len = static_cast<uint16_t>(len - 4);
  if (L4Checksum(v->src_ip, v->dst_ip, kProtoIcmp6, f + l4, len) != 0) {
    return V::kIcmpChecksum;
  }
  switch (f[l4]) {
    case kIcmp6EchoRequest:
      if (len < 8 || f[l4 + 1] != 0) {
        return V::kBadIcmp;
      }
      v->payload_offset = static_cast<uint16_t>(l4 + 8);
      v->payload_len = static_cast<uint16_t>(len - 8);
      return V::kIcmp6EchoRequest;
    case kIcmp6Ns:
    case kIcmp6Na:
      return ParseNd(f, l4, len, v);
    default:
      return V::kIcmpOther;
  }
}

}  // namespace rcas::dataplane::frame_internal
