#pragma once
// Ethernet/VLAN/IPv4/IPv6/UDP frames for the DPDK workers (issue 5), as pure functions over
// byte spans: ParseFrame classifies a received frame; the Answer* functions turn an ARP,
// ICMP echo, ICMPv6 echo or Neighbor Solicitation for one of the gateway's own addresses into
// its reply in place; the Write* functions lay down the headers of outgoing frames. No DPDK
// header, no allocation, no exception: they run per packet on an mbuf's data and are
// unit-tested and fuzzed without DPDK.

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#include "crypto/bytes.h"
#include "protocol/verdicts.h"

namespace rcas::dataplane {

using MacAddr = std::array<uint8_t, 6>;

// IpAddr is an IPv4 or IPv6 address in network order; IPv4 uses the first 4 octets, the rest
// stay zero so that == compares whole values.
struct IpAddr {
  bool v6 = false;
  std::array<uint8_t, 16> b{};

  // V4 makes an IPv4 address from its host-order value (0x7f000001 is 127.0.0.1).
  static IpAddr V4(uint32_t host_order) noexcept;
  // Parse reads a numeric IPv4 or IPv6 address; nullopt on anything else.
  static std::optional<IpAddr> Parse(std::string_view text);
  bool IsMulticast() const noexcept { return v6 ? b[0] == 0xff : (b[0] & 0xf0) == 0xe0; }
  bool IsUnspecified() const noexcept { return b == std::array<uint8_t, 16>{}; }
  // Two 64-bit compares, not a memcmp call: the worker compares addresses per packet.
  bool operator==(const IpAddr& o) const noexcept {
    uint64_t a[2], c[2];
    std::memcpy(a, b.data(), 16);
    std::memcpy(c, o.b.data(), 16);
    return v6 == o.v6 && ((a[0] ^ c[0]) | (a[1] ^ c[1])) == 0;
  }
};

// The verdicts of ParseFrame: the answerable/deliverable kinds and the fragments first, then one
// drop reason each, so that the worker keeps one named counter per reason (STYLE: VPP's
// foreach_*_error).
#define RCAS_FRAME_VERDICTS(X)                                                     \
  X(kUdp, "udp")                                                                   \
  X(kArpRequest, "arp_request")                                                    \
  X(kArpReply, "arp_reply")                                                        \
  X(kIcmpEchoRequest, "icmp_echo_request")                                         \
  X(kIcmp6EchoRequest, "icmp6_echo_request")                                       \
  X(kNeighborSolicit, "nd_neighbor_solicit")                                       \
  X(kNeighborAdvert, "nd_neighbor_advert")                                         \
  X(kIpv4Fragment, "ipv4_fragment") /* to the Reassembler (ip_reassembly.h) */     \
  X(kIpv6Fragment, "ipv6_fragment") /* RFC 8200 §4.5, to the Reassembler */       \
  X(kTooShort, "drop_too_short")    /* shorter than a header says */               \
  X(kOtherEtherType, "drop_other_ethertype")                                       \
  X(kVlanStacked, "drop_vlan_stacked")            /* QinQ / 802.1ad: not served */ \
  X(kBadSourceAddress, "drop_bad_source_address") /* group MAC, multicast IP */    \
  X(kBadIpv4Header, "drop_bad_ipv4_header")       /* version, IHL, total length */ \
  X(kIpv4Checksum, "drop_ipv4_checksum")                                           \
  X(kIpv4Options, "drop_ipv4_options")                                             \
  X(kBadIpv6Header, "drop_bad_ipv6_header")                                        \
  X(kIpv6ExtensionHeader, "drop_ipv6_extension_header")                            \
  X(kOtherIpProtocol, "drop_other_ip_protocol")                                    \
  X(kBadUdpLength, "drop_bad_udp_length")                                          \
  X(kUdpChecksum, "drop_udp_checksum")                                             \
  X(kBadArp, "drop_bad_arp")                                                       \
  X(kBadIcmp, "drop_bad_icmp")                                                     \
  X(kIcmpChecksum, "drop_icmp_checksum")                                           \
  X(kIcmpOther, "drop_icmp_other") /* types not answered (v4 and v6) */            \
  X(kBadNd, "drop_bad_nd")         /* RFC 4861 §7.1 validity checks */
RCAS_DEFINE_VERDICTS(FrameVerdict, RCAS_FRAME_VERDICTS)

inline constexpr uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr uint16_t kEtherTypeArp = 0x0806;
inline constexpr uint16_t kEtherTypeVlan = 0x8100;
inline constexpr uint16_t kEtherTypeQinQ = 0x88a8;
inline constexpr uint16_t kEtherTypeIpv6 = 0x86dd;

// FrameView is what ParseFrame read; offsets index the parsed frame.
struct FrameView {
  FrameVerdict verdict = FrameVerdict::kTooShort;
  MacAddr dst_mac{}, src_mac{};
  bool vlan = false;  // one 802.1Q tag (0x8100) is accepted
  uint16_t vlan_tci = 0;
  uint16_t ether_type = 0;              // after the tag
  IpAddr src_ip, dst_ip;                // ARP: sender / target protocol address
  uint8_t ttl = 0;                      // IPv4 TTL / IPv6 hop limit
  uint16_t src_port = 0, dst_port = 0;  // UDP
  // l3: IP or ARP header; l4: UDP/ICMP header; payload: UDP data, ICMP echo data (after id/seq)
  // or ND options. payload_offset + payload_len is the end of the IP packet (Ethernet padding
  // left out).
  uint16_t l3_offset = 0, l4_offset = 0, payload_offset = 0, payload_len = 0;
  MacAddr arp_sender_mac{};  // ARP sender HW address; ND source/target link-layer address
  bool has_lladdr = false;   // ND: the link-layer address option was present
  uint8_t nd_flags = 0;      // NA: R (0x80), S (0x40), O (0x20)
  IpAddr nd_target;          // NS/NA target address
  // kIpv4Fragment / kIpv6Fragment (only UDP is reassembled): the IPv4 id or the IPv6 Fragment
  // header's identification, this fragment's offset in the datagram in octets and its M flag;
  // l4_offset and payload_offset then both index the fragment's data, payload_len octets.
  uint32_t frag_id = 0;
  uint16_t frag_offset = 0;
  bool more_fragments = false;
};

// NicChecksums: the checksums a port's NIC takes over (DPDK checksum offloads). On receive, the
// ones it verified and found good (RTE_MBUF_F_RX_*_CKSUM_GOOD): ParseFrame skips them; a bad or
// unknown verdict leaves the check to ParseFrame, which drops and counts as usual. On send, the
// ones it fills in: WriteUdpHeaders leaves the IPv4 header checksum 0 and puts the pseudo-header
// sum in the UDP checksum field, as the offload expects.
struct NicChecksums {
  bool ipv4_header = false;
  bool udp = false;
};

// ParseFrame classifies `frame` and fills `out` (reset first; on a drop, the fields read so far
// are kept for a capture, never for delivery). It checks the IPv4 header checksum, the UDP
// checksum (always for IPv6, for IPv4 when non-zero), the ICMP/ICMPv6 checksums and the
// RFC 4861 §7.1 validity rules of NS/NA. A fragment of a UDP datagram (PROFILE §5.4 allows
// them) is kIpv4Fragment or kIpv6Fragment with its frag_* fields for the Reassembler; a
// fragment of anything else is kOtherIpProtocol. Reads only within `frame`. `nic`: the checks
// the NIC already made (ICMP checksums are always checked here).
FrameVerdict ParseFrame(ByteView frame, FrameView* out, NicChecksums nic = {}) noexcept;

// LocalAddrs is the gateway's own identity on one port.
struct LocalAddrs {
  MacAddr mac{};
  std::optional<IpAddr> v4;  // its IPv4 address
  std::optional<IpAddr> v6;  // its global IPv6 address
  IpAddr v6_link_local;      // LinkLocalFromMac(mac) unless configured otherwise

  // IsLocal: `ip` is one of our unicast addresses, or a group we listen to: all-nodes ff02::1
  // and the solicited-node groups of v6 and of the link-local address.
  bool IsLocal(const IpAddr& ip) const noexcept;
};

// LinkLocalFromMac is fe80::/64 with the modified EUI-64 interface id of `mac` (RFC 4291 App. A).
IpAddr LinkLocalFromMac(const MacAddr& mac) noexcept;
// SolicitedNodeGroup is ff02::1:ffXX:XXXX of an IPv6 address (RFC 4291 §2.7.1).
IpAddr SolicitedNodeGroup(const IpAddr& ip) noexcept;
// MulticastMac is the Ethernet group address of an IP group: 01:00:5e + the low 23 bits (v4,
// RFC 1112 §6.4), 33:33 + the low 32 bits (v6, RFC 2464 §7).
MacAddr MulticastMac(const IpAddr& group) noexcept;

// The Answer* functions rewrite the request in `frame` (the parsed frame at its start; the
// span's size is the buffer's capacity) into the reply and return the reply's length, or 0
// when `v` is not that kind of request (v.verdict), not for one of our addresses, or the reply
// does not fit; then nothing was written. MACs and IPs are swapped with ours as the source,
// checksums recomputed; a VLAN tag is kept as it came.
//
// AnswerArp answers a request for our IPv4 address (RFC 826: op 2, sender = ours).
size_t AnswerArp(MutableByteView frame, const FrameView& v, const LocalAddrs& me) noexcept;
// AnswerIcmpEcho answers an IPv4 echo request to our address (TTL 64, id/seq/data kept).
size_t AnswerIcmpEcho(MutableByteView frame, const FrameView& v, const LocalAddrs& me) noexcept;
// AnswerIcmp6Echo answers an ICMPv6 echo request to our global or link-local address.
size_t AnswerIcmp6Echo(MutableByteView frame, const FrameView& v, const LocalAddrs& me) noexcept;
// AnswerNeighborSolicit answers an NS for our global or link-local address with a solicited NA
// (S and O set, target link-layer address option, RFC 4861 §7.2.4); a DAD NS (source ::) gets
// an NA to all-nodes with S clear. The NA may be longer than the NS (up to l4 + 32 octets).
size_t AnswerNeighborSolicit(MutableByteView frame, const FrameView& v,
                             const LocalAddrs& me) noexcept;

// UdpRoute is everything the headers of an outgoing datagram need.
struct UdpRoute {
  MacAddr src_mac{}, dst_mac{};
  bool vlan = false;
  uint16_t vlan_tci = 0;
  IpAddr src_ip, dst_ip;  // same family
  uint16_t src_port = 0, dst_port = 0;
  uint8_t ttl = 64;  // IPv4 TTL / IPv6 hop limit
};

// UdpHeadersLen is the octets before the payload: Ethernet (+ tag), IP, UDP.
constexpr size_t UdpHeadersLen(bool v6, bool vlan) {
  return 14 + (vlan ? 4 : 0) + (v6 ? 40 : 20) + 8;
}

// WriteUdpHeaders writes the headers in front of the `payload_len` octets already at
// frame + UdpHeadersLen(v6, vlan) and returns the frame length, or 0 if the frame does not
// fit `frame`, the datagram is too long for IP or the addresses' families differ. IPv4: DF
// set, id 0, header checksum; the UDP checksum is always computed (IPv4 and IPv6), except those
// `nic` fills in.
size_t WriteUdpHeaders(MutableByteView frame, const UdpRoute& r, size_t payload_len,
                       NicChecksums nic = {}) noexcept;

// WriteArpRequest writes a broadcast who-has `target` from our IPv4 address; 0 if we have no
// IPv4 address, `target` is not IPv4 or the frame does not fit.
size_t WriteArpRequest(MutableByteView frame, const LocalAddrs& me, const IpAddr& target, bool vlan,
                       uint16_t vlan_tci) noexcept;
// WriteNeighborSolicit writes an NS for `target` to its solicited-node group, with our source
// link-layer address option; from our link-local address when `target` is link-local or we
// have no global one. 0 if `target` is not IPv6 unicast or the frame does not fit.
size_t WriteNeighborSolicit(MutableByteView frame, const LocalAddrs& me, const IpAddr& target,
                            bool vlan, uint16_t vlan_tci) noexcept;

}  // namespace rcas::dataplane
