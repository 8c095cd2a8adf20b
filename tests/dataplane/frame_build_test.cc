// The frame writers (dataplane/frame.h): WriteUdpHeaders round-trips through ParseFrame with
// checksums checked by the independent sum; group MACs; ARP requests and Neighbor
// Solicitations parse as what they are.

#include <gtest/gtest.h>

#include "dataplane/frame.h"
#include "frame_builders.h"

namespace rcas::dataplane {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace)
using V = FrameVerdict;

UdpRoute Route(bool v6, bool vlan) {
  UdpRoute r;
  r.src_mac = kOurMac;
  r.dst_mac = kPeerMac;
  r.vlan = vlan;
  r.vlan_tci = 0x0123;
  r.src_ip = v6 ? kOur6 : kOur4;
  r.dst_ip = Ip(v6 ? "2001:db8::2" : "198.51.100.7");
  r.src_port = 5000;
  r.dst_port = 49152;
  r.ttl = 17;
  return r;
}

// CompleteLikeANic fills in the checksums WriteUdpHeaders left to the NIC, the way a NIC does:
// the IPv4 header's over the header, the UDP field's sum (the pseudo-header's) plus the datagram.
void CompleteLikeANic(Bytes& f, bool v6, bool vlan) {
  const size_t l3 = vlan ? 18 : 14;
  const size_t l4 = l3 + (v6 ? 40 : 20);
  if (!v6) {
    EXPECT_EQ(LoadBe16(&f[l3 + 10]), 0) << "left to the NIC";
    Put16(f, l3 + 10, NaiveChecksum(Bytes(f.begin() + l3, f.begin() + l4)));
  }
  const uint16_t sum = NaiveChecksum(Bytes(f.begin() + l4, f.end()));
  Put16(f, l4 + 6, sum == 0 ? 0xffff : sum);
}

TEST(FrameBuild, ChecksumsLeftToTheNicCompleteToTheSameFrame) {
  for (const bool v6 : {false, true}) {
    for (const bool vlan : {false, true}) {
      for (const size_t len : {size_t{0}, size_t{7}, size_t{1001}}) {
        SCOPED_TRACE(testing::Message() << "v6 " << v6 << " vlan " << vlan << " len " << len);
        const UdpRoute r = Route(v6, vlan);
        const size_t headers = UdpHeadersLen(v6, vlan);
        Bytes soft(headers + len);
        for (size_t i = 0; i < len; ++i) {
          soft[headers + i] = static_cast<uint8_t>(i * 13 + 5);
        }
        Bytes nic = soft;
        ASSERT_EQ(WriteUdpHeaders(soft, r, len), soft.size());
        ASSERT_EQ(WriteUdpHeaders(nic, r, len, {.ipv4_header = true, .udp = true}), nic.size());
        FrameView v;
        EXPECT_EQ(ParseFrame(nic, &v), v6 ? V::kUdpChecksum : V::kIpv4Checksum)
            << "not complete before the NIC";
        CompleteLikeANic(nic, v6, vlan);
        EXPECT_EQ(nic, soft);
        EXPECT_EQ(ParseFrame(nic, &v), V::kUdp);
      }
    }
  }
}

TEST(FrameBuild, UdpHeadersRoundTrip) {
  for (const bool v6 : {false, true}) {
    for (const bool vlan : {false, true}) {
      for (const size_t len : {size_t{0}, size_t{1}, size_t{7}, size_t{64}, size_t{1001}}) {
        SCOPED_TRACE(testing::Message() << "v6 " << v6 << " vlan " << vlan << " len " << len);
        const UdpRoute r = Route(v6, vlan);
        const size_t headers = UdpHeadersLen(v6, vlan);
        Bytes f(headers + len + 5, 0xee);  // room to spare
        for (size_t i = 0; i < len; ++i) {
          f[headers + i] = static_cast<uint8_t>(i * 7 + 1);
        }
        const size_t n = WriteUdpHeaders(f, r, len);
        ASSERT_EQ(n, headers + len);
        f.resize(n);
        FrameView v;
        ASSERT_EQ(ParseFrame(f, &v), V::kUdp);
        EXPECT_EQ(v.dst_mac, kPeerMac);
        EXPECT_EQ(v.src_mac, kOurMac);
        EXPECT_EQ(v.vlan, vlan);
        EXPECT_EQ(v.vlan_tci, vlan ? 0x0123 : 0);
        EXPECT_EQ(v.src_ip, r.src_ip);
        EXPECT_EQ(v.dst_ip, r.dst_ip);
        EXPECT_EQ(v.src_port, 5000);
        EXPECT_EQ(v.dst_port, 49152);
        EXPECT_EQ(v.ttl, 17);
        EXPECT_EQ(v.payload_offset, headers);
        EXPECT_EQ(v.payload_len, len);
        EXPECT_NE(LoadBe16(&f[headers - 2]), 0);  // computed for IPv4 as well
        Bytes sum = Pseudo(r.src_ip, r.dst_ip, 17, len + 8);
        sum.insert(sum.end(), f.begin() + v.l4_offset, f.end());
        EXPECT_EQ(NaiveChecksum(sum), 0);
        if (!v6) {
          EXPECT_EQ(NaiveChecksum(Bytes(f.begin() + v.l3_offset, f.begin() + v.l4_offset)), 0);
          EXPECT_EQ(LoadBe16(&f[v.l3_offset + 6]), 0x4000);  // DF, id 0 after it
          EXPECT_EQ(LoadBe16(&f[v.l3_offset + 4]), 0);
        }
      }
    }
  }
}

TEST(FrameBuild, UdpHeadersRefuseWhatDoesNotFit) {
  UdpRoute r = Route(false, true);
  Bytes f(UdpHeadersLen(false, true) + 10, 0);
  const Bytes before = f;
  EXPECT_EQ(WriteUdpHeaders(f, r, 11), 0u);
  EXPECT_EQ(f, before);
  r.dst_ip = kPeer6;  // families differ
  EXPECT_EQ(WriteUdpHeaders(f, r, 10), 0u);
  Bytes big(70000, 0);
  EXPECT_EQ(WriteUdpHeaders(big, Route(false, false), 0xffff - 28 + 1), 0u);
  EXPECT_EQ(WriteUdpHeaders(big, Route(false, false), 0xffff - 28),
            UdpHeadersLen(false, false) + 0xffff - 28);
  EXPECT_EQ(WriteUdpHeaders(big, Route(true, false), 0xffff - 7), 0u);
}

TEST(FrameBuild, MulticastMac) {
  EXPECT_EQ(MulticastMac(Ip("239.255.103.1")), MacAddr({0x01, 0x00, 0x5e, 0x7f, 0x67, 0x01}));
  EXPECT_EQ(MulticastMac(Ip("224.128.0.1")), MacAddr({0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}));
  EXPECT_EQ(MulticastMac(Ip("ff15::103")), MacAddr({0x33, 0x33, 0x00, 0x00, 0x01, 0x03}));
}

TEST(FrameBuild, ArpRequestParsesAsOne) {
  Bytes f(64, 0);
  const LocalAddrs me = Ours();
  const size_t n = WriteArpRequest(f, me, Ip("192.0.2.77"), true, 9);
  ASSERT_EQ(n, 46u);
  f.resize(n);
  FrameView v;
  ASSERT_EQ(ParseFrame(f, &v), V::kArpRequest);
  EXPECT_EQ(v.dst_mac, MacAddr({0xff, 0xff, 0xff, 0xff, 0xff, 0xff}));
  EXPECT_EQ(v.vlan_tci, 9);
  EXPECT_EQ(v.arp_sender_mac, kOurMac);
  EXPECT_EQ(v.src_ip, *me.v4);
  EXPECT_EQ(v.dst_ip, Ip("192.0.2.77"));
  Bytes small(45, 0);
  EXPECT_EQ(WriteArpRequest(small, me, Ip("192.0.2.77"), true, 9), 0u);
  EXPECT_EQ(WriteArpRequest(f, me, Ip("2001:db8::7"), false, 0), 0u);
}

TEST(FrameBuild, NeighborSolicitParsesAsOne) {
  const LocalAddrs me = Ours();
  for (const char* target : {"2001:db8::77", "fe80::77"}) {
    SCOPED_TRACE(target);
    Bytes f(100, 0);
    const size_t n = WriteNeighborSolicit(f, me, Ip(target), false, 0);
    ASSERT_EQ(n, 14u + 40 + 32);
    f.resize(n);
    FrameView v;
    ASSERT_EQ(ParseFrame(f, &v), V::kNeighborSolicit);  // hop limit, checksum, option checked
    EXPECT_EQ(v.dst_ip, Ip("ff02::1:ff00:77"));         // both targets end in ::77
    EXPECT_EQ(v.dst_mac, MacAddr({0x33, 0x33, 0xff, 0x00, 0x00, 0x77}));
    EXPECT_EQ(v.src_ip, target[0] == '2' ? *me.v6 : me.v6_link_local);
    EXPECT_EQ(v.nd_target, Ip(target));
    EXPECT_TRUE(v.has_lladdr);
    EXPECT_EQ(v.arp_sender_mac, kOurMac);
  }
  Bytes f(100, 0);
  EXPECT_EQ(WriteNeighborSolicit(f, me, Ip("ff02::1"), false, 0), 0u);
  EXPECT_EQ(WriteNeighborSolicit(f, me, Ip("192.0.2.7"), false, 0), 0u);
}

}  // namespace
}  // namespace rcas::dataplane
