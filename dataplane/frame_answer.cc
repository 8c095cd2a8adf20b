// In-app answers for the gateway's own addresses (issue 5): ARP, ICMP echo, ICMPv6 echo and
// Neighbor Solicitation, each rewriting the request in place. Every check comes before the
// first write, so a refused request leaves the buffer as it was.

#include <cstring>

#include "dataplane/frame.h"
#include "dataplane/frame_internal.h"

namespace rcas::dataplane {

using namespace frame_internal;  // NOLINT(google-build-using-namespace)

bool LocalAddrs::IsLocal(const IpAddr& ip) const noexcept {
  if (!ip.v6) {
    return v4 && ip == *v4;
  }
  return ip == v6_link_local || ip == AllNodesGroup() || ip == SolicitedNodeGroup(v6_link_local) ||
         (v6 && (ip == *v6 || ip == SolicitedNodeGroup(*v6)));
}

namespace {

// OwnV6 says whether `ip` is our global or link-local IPv6 address (unicast only).
bool OwnV6(const LocalAddrs& me, const IpAddr& ip) {
  return ip.v6 && (ip == me.v6_link_local || (me.v6 && ip == *me.v6));
}

// TurnEthernet addresses the reply to the requester, from us; the tag stays as it came.
void TurnEthernet(uint8_t* f, const FrameView& v, const LocalAddrs& me) {
  std::memcpy(f, v.src_mac.data(), 6);
  std::memcpy(f + 6, me.mac.data(), 6);
}

size_t IpEnd(const FrameView& v) { return size_t{v.payload_offset} + v.payload_len; }

}  // namespace

size_t AnswerArp(MutableByteView frame, const FrameView& v, const LocalAddrs& me) noexcept {
  const size_t len = size_t{v.l3_offset} + kArpLen;
  if (v.verdict != FrameVerdict::kArpRequest || !me.v4 || v.dst_ip != *me.v4 ||
      frame.size() < len) {
    return 0;
  }
  uint8_t* f = frame.data();
  TurnEthernet(f, v, me);
  uint8_t* a = f + v.l3_offset;
  StoreBe16(a + 6, 2);  // reply
  std::memcpy(a + 8, me.mac.data(), 6);
  std::memcpy(a + 14, me.v4->b.data(), 4);
  std::memcpy(a + 18, v.arp_sender_mac.data(), 6);
  std::memcpy(a + 24, v.src_ip.b.data(), 4);
  return len;
}

size_t AnswerIcmpEcho(MutableByteView frame, const FrameView& v, const LocalAddrs& me) noexcept {
  const size_t len = IpEnd(v);
  if (v.verdict != FrameVerdict::kIcmpEchoRequest || !me.v4 || v.dst_ip != *me.v4 ||
      frame.size() < len) {
    return 0;
  }
  uint8_t* f = frame.data();
  TurnEthernet(f, v, me);
  uint8_t* ip = f + v.l3_offset;
  // Rewritten whole: the request's id/flags are its own, and DF suits a reply as well.
  WriteIpv4Header(ip, *me.v4, v.src_ip, len - v.l3_offset, kProtoIcmp, 64);
  uint8_t* icmp = f + v.l4_offset;
  icmp[0] = 0;  // echo reply
  StoreBe16(icmp + 2, 0);
  StoreBe16(icmp + 2, FoldComplement(SumWords(icmp, len - v.l4_offset, 0)));
  return len;
}

size_t AnswerIcmp6Echo(MutableByteView frame, const FrameView& v, const LocalAddrs& me) noexcept {
  const size_t len = IpEnd(v);
  if (v.verdict != FrameVerdict::kIcmp6EchoRequest || !OwnV6(me, v.dst_ip) || frame.size() < len) {
    return 0;
  }
  const IpAddr src = v.dst_ip;
  const IpAddr dst = v.src_ip;
  const size_t icmp_len = len - v.l4_offset;
  uint8_t* f = frame.data();
  TurnEthernet(f, v, me);
  WriteIpv6Header(f + v.l3_offset, src, dst, icmp_len, kProtoIcmp6, 64);
  uint8_t* icmp = f + v.l4_offset;
  icmp[0] = kIcmp6EchoReply;
  StoreBe16(icmp + 2, 0);
  StoreBe16(icmp + 2, L4Checksum(src, dst, kProtoIcmp6, icmp, icmp_len));
  return len;
}

size_t AnswerNeighborSolicit(MutableByteView frame, const FrameView& v,
                             const LocalAddrs& me) noexcept {
  const size_t icmp_len = kNdLen + kNdOptLen;
  const size_t len = size_t{v.l4_offset} + icmp_len;
  if (v.verdict != FrameVerdict::kNeighborSolicit || !OwnV6(me, v.nd_target) ||
      !me.IsLocal(v.dst_ip) || frame.size() < len) {
    return 0;
  }
  // RFC 4861 §7.2.4: to the soliciting node, or to all-nodes when it is doing DAD.
  const bool dad = v.src_ip.IsUnspecified();
  const IpAddr dst = dad ? AllNodesGroup() : v.src_ip;
  const IpAddr src = v.nd_target;
  uint8_t* f = frame.data();
  if (dad) {
    const MacAddr all_nodes_mac = MulticastMac(dst);
    std::memcpy(f, all_nodes_mac.data(), 6);
    std::memcpy(f + 6, me.mac.data(), 6);
  } else {
    TurnEthernet(f, v, me);
  }
  WriteIpv6Header(f + v.l3_offset, src, dst, icmp_len, kProtoIcmp6, kNdHopLimit);
  uint8_t* icmp = f + v.l4_offset;
  std::memset(icmp, 0, kNdLen);
  icmp[0] = kIcmp6Na;
  icmp[4] = dad ? 0x20 : 0x60;  // O, plus S when solicited
  std::memcpy(icmp + 8, src.b.data(), 16);
  WriteLladdrOption(icmp + kNdLen, kNdOptTargetLl, me.mac);
  StoreBe16(icmp + 2, L4Checksum(src, dst, kProtoIcmp6, icmp, icmp_len));
  return len;
}

}  // namespace rcas::dataplane
