// Outgoing frames: UDP datagrams (unicast replies and the multicast announcements), and the
// ARP requests / Neighbor Solicitations that resolve a next hop.

#include <cstring>

#include "dataplane/frame.h"
#include "dataplane/frame_internal.h"

namespace rcas::dataplane {

using namespace frame_internal;  // NOLINT(google-build-using-namespace)

IpAddr LinkLocalFromMac(const MacAddr& mac) noexcept {
  IpAddr a;
  a.v6 = true;
  a.b[0] = 0xfe;
  a.b[1] = 0x80;
  a.b[8] = mac[0] ^ 0x02;  // the universal/local bit inverted
  a.b[9] = mac[1];
  a.b[10] = mac[2];
  a.b[11] = 0xff;
  a.b[12] = 0xfe;
  a.b[13] = mac[3];
  a.b[14] = mac[4];
  a.b[15] = mac[5];
  return a;
}

IpAddr SolicitedNodeGroup(const IpAddr& ip) noexcept {
  IpAddr g;
  g.v6 = true;
  g.b[0] = 0xff;
  g.b[1] = 0x02;
  g.b[11] = 0x01;
  g.b[12] = 0xff;
  g.b[13] = ip.b[13];
  g.b[14] = ip.b[14];
  g.b[15] = ip.b[15];
  return g;
}

MacAddr MulticastMac(const IpAddr& group) noexcept {
  if (group.v6) {
    return {0x33, 0x33, group.b[12], group.b[13], group.b[14], group.b[15]};
  }
  return {0x01, 0x00, 0x5e, static_cast<uint8_t>(group.b[1] & 0x7f), group.b[2], group.b[3]};
}

size_t WriteUdpHeaders(MutableByteView frame, const UdpRoute& r, size_t payload_len,
                       NicChecksums nic) noexcept {
  const bool v6 = r.src_ip.v6;
  const size_t headers = UdpHeadersLen(v6, r.vlan);
  const size_t udp_len = kUdpLen + payload_len;
  // IPv4's total length and UDP's length field are 16 bits.
  const size_t limit = v6 ? 0xffff : 0xffff - kIpv4Len;
  if (r.dst_ip.v6 != v6 || udp_len > limit || frame.size() < headers + payload_len) {
    return 0;
  }
  uint8_t* f = frame.data();
  const size_t l3 = WriteEthernet(f, r.dst_mac, r.src_mac, r.vlan, r.vlan_tci,
                                  v6 ? kEtherTypeIpv6 : kEtherTypeIpv4);
  if (v6) {
    WriteIpv6Header(f + l3, r.src_ip, r.dst_ip, udp_len, kProtoUdp, r.ttl);
  } else {
    WriteIpv4Header(f + l3, r.src_ip, r.dst_ip, kIpv4Len + udp_len, kProtoUdp, r.ttl,
                    nic.ipv4_header);
  }
  uint8_t* udp = f + headers - kUdpLen;
  StoreBe16(udp, r.src_port);
  StoreBe16(udp + 2, r.dst_port);
  StoreBe16(udp + 4, static_cast<uint16_t>(udp_len));
  StoreBe16(udp + 6, 0);
  if (nic.udp) {  // the NIC adds the datagram's sum to the pseudo-header's and complements
    StoreBe16(udp + 6, static_cast<uint16_t>(~FoldComplement(
                           PseudoHeaderSum(r.src_ip, r.dst_ip, kProtoUdp, udp_len))));
  } else {
    const uint16_t sum = L4Checksum(r.src_ip, r.dst_ip, kProtoUdp, udp, udp_len);
    StoreBe16(udp + 6, sum == 0 ? 0xffff : sum);  // RFC 768: 0 would mean "none"
  }
  return headers + payload_len;
}

size_t WriteArpRequest(MutableByteView frame, const LocalAddrs& me, const IpAddr& target, bool vlan,
                       uint16_t vlan_tci) noexcept {
  const size_t len = kEthLen + (vlan ? kVlanLen : 0) + kArpLen;
  if (!me.v4 || me.v4->v6 || target.v6 || frame.size() < len) {
    return 0;
  }
  uint8_t* f = frame.data();
  const MacAddr broadcast = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  uint8_t* a = f + WriteEthernet(f, broadcast, me.mac, vlan, vlan_tci, kEtherTypeArp);
  StoreBe16(a, 1);  // Ethernet
  StoreBe16(a + 2, kEtherTypeIpv4);
  a[4] = 6;
  a[5] = 4;
  StoreBe16(a + 6, 1);  // request
  std::memcpy(a + 8, me.mac.data(), 6);
  std::memcpy(a + 14, me.v4->b.data(), 4);
  std::memset(a + 18, 0, 6);
  std::memcpy(a + 24, target.b.data(), 4);
  return len;
}

size_t WriteNeighborSolicit(MutableByteView frame, const LocalAddrs& me, const IpAddr& target,
                            bool vlan, uint16_t vlan_tci) noexcept {
  const size_t icmp_len = kNdLen + kNdOptLen;
  const size_t len = kEthLen + (vlan ? kVlanLen : 0) + kIpv6Len + icmp_len;
  if (!target.v6 || target.IsMulticast() || target.IsUnspecified() || frame.size() < len) {
    return 0;
  }
  const bool link_local = target.b[0] == 0xfe && (target.b[1] & 0xc0) == 0x80;
  const IpAddr& src = link_local || !me.v6 ? me.v6_link_local : *me.v6;
  const IpAddr dst = SolicitedNodeGroup(target);
  uint8_t* f = frame.data();
  const size_t l3 = WriteEthernet(f, MulticastMac(dst), me.mac, vlan, vlan_tci, kEtherTypeIpv6);
  WriteIpv6Header(f + l3, src, dst, icmp_len, kProtoIcmp6, kNdHopLimit);
  uint8_t* icmp = f + l3 + kIpv6Len;
  std::memset(icmp, 0, kNdLen);
  icmp[0] = kIcmp6Ns;
  std::memcpy(icmp + 8, target.b.data(), 16);
  WriteLladdrOption(icmp + kNdLen, kNdOptSourceLl, me.mac);
  StoreBe16(icmp + 2, L4Checksum(src, dst, kProtoIcmp6, icmp, icmp_len));
  return len;
}

}  // namespace rcas::dataplane
