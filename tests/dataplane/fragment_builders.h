#pragma once
// Datagrams and hand-cut fragments for the fragmentation and reassembly tests, built with
// frame_builders.h and field by field, independent of dataplane/ip_fragment.h.

#include <cstdint>
#include <optional>
#include <vector>

#include "crypto/bytes.h"
#include "dataplane/frame.h"
#include "dataplane/ip_fragment.h"
#include "frame_builders.h"

namespace rcas::dataplane::test {

// Shape is one datagram under test: family, tag, UDP datagram length (header included).
struct Shape {
  bool v6 = false;
  bool vlan = false;
  size_t udp_len = 1600;
};

inline size_t L3(const Shape& s) { return s.vlan ? 18 : 14; }
inline size_t IpLen(const Shape& s) { return s.v6 ? 40 : 20; }

// Datagram is a whole UDP frame of `s` from `src` whose data differs at every offset (mod 251)
// and with `seed`.
inline Bytes Datagram(const Shape& s, uint8_t seed = 0, std::optional<IpAddr> src = std::nullopt) {
  Bytes data(s.udp_len - 8);
  for (size_t i = 0; i < data.size(); ++i) {
    data[i] = static_cast<uint8_t>(i % 251 + seed);
  }
  const IpAddr from = src.value_or(s.v6 ? kPeer6 : kPeer4);
  return UdpFrame(from, s.v6 ? kOur6 : kOur4, data,
                  s.vlan ? std::optional<uint16_t>(0x0064) : std::nullopt);
}

// Whole is `datagram` as reassembly gives it back: for IPv4 with DF cleared (fragments never
// carry it) and the id the fragments carried; IPv6 is unchanged.
inline Bytes Whole(const Shape& s, Bytes datagram, uint16_t id) {
  if (!s.v6) {
    const size_t l3 = L3(s);
    Put16(datagram, l3 + 4, id);
    Put16(datagram, l3 + 6, 0);
    Put16(datagram, l3 + 10, 0);
    Put16(datagram, l3 + 10,
          NaiveChecksum(Bytes(datagram.begin() + l3, datagram.begin() + l3 + 20)));
  }
  return datagram;
}

// Piece cuts octets [off, off + len) of the datagram's IP payload into a fragment by hand.
inline Bytes Piece(const Shape& s, const Bytes& datagram, size_t off, size_t len, bool more,
                   uint32_t id) {
  const size_t l3 = L3(s), l4 = l3 + IpLen(s);
  Bytes f(datagram.begin(), datagram.begin() + l4);
  if (s.v6) {
    Put16(f, l3 + 4, static_cast<uint16_t>(8 + len));
    f.push_back(f[l3 + 6]);
    f[l3 + 6] = 44;
    f.push_back(0);
    Add16(f, static_cast<uint16_t>(off | (more ? 1 : 0)));
    Add16(f, static_cast<uint16_t>(id >> 16));
    Add16(f, static_cast<uint16_t>(id));
  } else {
    Put16(f, l3 + 2, static_cast<uint16_t>(20 + len));
    Put16(f, l3 + 4, static_cast<uint16_t>(id));
    Put16(f, l3 + 6, static_cast<uint16_t>(off / 8 | (more ? 0x2000 : 0)));
    Put16(f, l3 + 10, 0);
    Put16(f, l3 + 10, NaiveChecksum(Bytes(f.begin() + l3, f.begin() + l3 + 20)));
  }
  f.insert(f.end(), datagram.begin() + l4 + off, datagram.begin() + l4 + off + len);
  return f;
}

// Fragments is what WriteFragment makes of `frame` at `mtu`, each in an exact-size buffer.
inline std::vector<Bytes> Fragments(const Shape& s, const Bytes& frame, size_t mtu, uint32_t id) {
  std::vector<Bytes> out;
  const size_t n = FragmentCount(frame.size(), s.v6, s.vlan, mtu);
  for (size_t i = 0; i < n; ++i) {
    Bytes f(L3(s) + mtu);
    f.resize(WriteFragment(f, frame, s.v6, s.vlan, mtu, i, id));
    out.push_back(f);
  }
  return out;
}

}  // namespace rcas::dataplane::test
