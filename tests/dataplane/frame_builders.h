#pragma once
// Hand-built frames for the frame tests, written field by field without dataplane/frame.h's
// writers, with a naive RFC 1071 checksum, so the code under test is checked against an
// independent encoding.

#include <cstdint>
#include <optional>

#include "crypto/bytes.h"
#include "dataplane/frame.h"

namespace rcas::dataplane::test {

inline const MacAddr kOurMac = {0x02, 0x00, 0x5e, 0x10, 0x00, 0x01};
inline const MacAddr kPeerMac = {0x02, 0x00, 0x5e, 0x10, 0x00, 0x02};

inline IpAddr Ip(const char* text) { return *IpAddr::Parse(text); }

inline const IpAddr kOur4 = Ip("192.0.2.1");
inline const IpAddr kPeer4 = Ip("192.0.2.2");
inline const IpAddr kOur6 = Ip("2001:db8::1");
inline const IpAddr kPeer6 = Ip("2001:db8::2");

// Ours is the gateway's identity in the tests: kOurMac, kOur4, kOur6.
inline LocalAddrs Ours() {
  LocalAddrs me;
  me.mac = kOurMac;
  me.v4 = kOur4;
  me.v6 = kOur6;
  me.v6_link_local = LinkLocalFromMac(kOurMac);
  return me;
}

// Classify is ParseFrame's verdict on `f` (and its view into `v` when given).
inline FrameVerdict Classify(const Bytes& f, FrameView* v = nullptr) {
  FrameView local;
  return ParseFrame(f, v != nullptr ? v : &local);
}

// NaiveChecksum: 16-bit words, carries folded one by one (RFC 1071 §4.1).
inline uint16_t NaiveChecksum(const Bytes& data) {
  uint32_t sum = 0;
  for (size_t i = 0; i < data.size(); i += 2) {
    sum += (uint32_t{data[i]} << 8) | (i + 1 < data.size() ? data[i + 1] : 0);
    sum = (sum & 0xffff) + (sum >> 16);
  }
  return static_cast<uint16_t>(~sum & 0xffff);
}

inline void Put16(Bytes& b, size_t off, uint16_t v) {
  b[off] = static_cast<uint8_t>(v >> 8);
  b[off + 1] = static_cast<uint8_t>(v);
}
inline void Add16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
inline void AddIp(Bytes& b, const IpAddr& a) {
  b.insert(b.end(), a.b.begin(), a.b.begin() + (a.v6 ? 16 : 4));
}
inline void AddMac(Bytes& b, const MacAddr& m) { b.insert(b.end(), m.begin(), m.end()); }

// Pseudo returns the pseudo-header (RFC 768 / RFC 8200 §8.1) octets.
inline Bytes Pseudo(const IpAddr& src, const IpAddr& dst, uint8_t proto, size_t len) {
  Bytes p;
  AddIp(p, src);
  AddIp(p, dst);
  if (src.v6) {
    Add16(p, 0);
    Add16(p, static_cast<uint16_t>(len));
    p.insert(p.end(), {0, 0, 0, proto});
  } else {
    p.push_back(0);
    p.push_back(proto);
    Add16(p, static_cast<uint16_t>(len));
  }
  return p;
}

// L4 fills the checksum at `sum_off` of `seg` over the pseudo-header (ICMPv4: none).
inline Bytes L4(const IpAddr& src, const IpAddr& dst, uint8_t proto, Bytes seg, size_t sum_off) {
  Bytes all = proto == 1 ? Bytes{} : Pseudo(src, dst, proto, seg.size());
  Append(all, seg);
  Put16(seg, sum_off, NaiveChecksum(all));
  return seg;
}

inline Bytes Udp(const IpAddr& src, const IpAddr& dst, uint16_t sport, uint16_t dport,
                 const Bytes& data) {
  Bytes u;
  Add16(u, sport);
  Add16(u, dport);
  Add16(u, static_cast<uint16_t>(8 + data.size()));
  Add16(u, 0);
  Append(u, data);
  return L4(src, dst, 17, u, 6);
}

// Icmp: type, code, checksum, then `rest` (id/seq or the ND fields and options).
inline Bytes Icmp(const IpAddr& src, const IpAddr& dst, uint8_t type, uint8_t code,
                  const Bytes& rest) {
  Bytes m = {type, code, 0, 0};
  Append(m, rest);
  return L4(src, dst, src.v6 ? 58 : 1, m, 2);
}

inline Bytes Eth(const MacAddr& dst, const MacAddr& src, uint16_t type,
                 std::optional<uint16_t> tci = std::nullopt) {
  Bytes e;
  AddMac(e, dst);
  AddMac(e, src);
  if (tci) {
    Add16(e, 0x8100);
    Add16(e, *tci);
  }
  Add16(e, type);
  return e;
}

// IpPacket: a 20-octet IPv4 header (DF) or a 40-octet IPv6 header, then `l4`.
inline Bytes IpPacket(const IpAddr& src, const IpAddr& dst, uint8_t proto, const Bytes& l4,
                      uint8_t ttl = 64) {
  Bytes h;
  if (src.v6) {
    h = {0x60, 0, 0, 0};
    Add16(h, static_cast<uint16_t>(l4.size()));
    h.push_back(proto);
    h.push_back(ttl);
  } else {
    h = {0x45, 0};
    Add16(h, static_cast<uint16_t>(20 + l4.size()));
    h.insert(h.end(), {0x12, 0x34, 0x40, 0, ttl, proto, 0, 0});
  }
  AddIp(h, src);
  AddIp(h, dst);
  if (!src.v6) {
    Put16(h, 10, NaiveChecksum(h));
  }
  Append(h, l4);
  return h;
}

inline Bytes Frame(const Bytes& eth, const Bytes& l3) {
  Bytes f = eth;
  Append(f, l3);
  return f;
}

inline Bytes UdpFrame(const IpAddr& src, const IpAddr& dst, const Bytes& data,
                      std::optional<uint16_t> tci = std::nullopt) {
  return Frame(Eth(kOurMac, kPeerMac, src.v6 ? 0x86dd : 0x0800, tci),
               IpPacket(src, dst, 17, Udp(src, dst, 40000, 5000, data)));
}

inline Bytes ArpFrame(uint16_t op, const IpAddr& sender, const IpAddr& target) {
  Bytes a = {0, 1, 8, 0, 6, 4};
  Add16(a, op);
  AddMac(a, kPeerMac);
  AddIp(a, sender);
  a.insert(a.end(), 6, 0);
  AddIp(a, target);
  Bytes f = Frame(Eth({0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, kPeerMac, 0x0806), a);
  f.resize(60, 0);  // Ethernet padding
  return f;
}

inline Bytes EchoFrame(const IpAddr& src, const IpAddr& dst, const Bytes& data,
                       std::optional<uint16_t> tci = std::nullopt) {
  Bytes rest = {0xbe, 0xef, 0x00, 0x07};  // id, seq
  Append(rest, data);
  return Frame(Eth(kOurMac, kPeerMac, src.v6 ? 0x86dd : 0x0800, tci),
               IpPacket(src, dst, src.v6 ? 58 : 1, Icmp(src, dst, src.v6 ? 128 : 8, 0, rest)));
}

// NdFrame: an NS (135) or NA (136) for `target`, with a link-layer address option of `opt_type`
// (0: none) carrying kPeerMac.
inline Bytes NdFrame(uint8_t type, const IpAddr& src, const IpAddr& dst, const IpAddr& target,
                     uint8_t opt_type, uint8_t flags = 0, uint8_t hop = 255) {
  Bytes rest = {flags, 0, 0, 0};
  AddIp(rest, target);
  if (opt_type != 0) {
    rest.push_back(opt_type);
    rest.push_back(1);
    AddMac(rest, kPeerMac);
  }
  const MacAddr dst_mac = dst.IsMulticast() ? MulticastMac(dst) : kOurMac;
  return Frame(Eth(dst_mac, kPeerMac, 0x86dd),
               IpPacket(src, dst, 58, Icmp(src, dst, type, 0, rest), hop));
}

}  // namespace rcas::dataplane::test
