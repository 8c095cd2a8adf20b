// ParseFrame (dataplane/frame.h) above the IP header: UDP length and checksum, ARP, ICMP and
// the RFC 4861 §7.1 checks of NS/NA, one test per drop reason (the rest is in frame_test.cc).

#include <gtest/gtest.h>

#include "dataplane/frame.h"
#include "frame_builders.h"

namespace rcas::dataplane {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace)
using V = FrameVerdict;

const Bytes kData = {'h', 'e', 'l', 'l', 'o', '!', '!'};

TEST(FrameParse, UdpChecksumOfACaptureLikeFrame) {
  // Written by an independent encoder (Python struct); Ethernet padding would follow.
  Bytes f = *FromHex(
      "02005e1000010c42a1b2c3d40800450000291c4640003f113342c6336407c0000201c000138800154d5341"
      "42434445464748494a4b4c4d");
  EXPECT_EQ(NaiveChecksum(Bytes(f.begin() + 14, f.begin() + 34)), 0);
  Bytes sum = Pseudo(Ip("198.51.100.7"), kOur4, 17, 21);
  sum.insert(sum.end(), f.begin() + 34, f.end());
  EXPECT_EQ(NaiveChecksum(sum), 0);  // the UDP checksum 0x4d53 is right
  f.insert(f.end(), 5, 0);
  FrameView v;
  ASSERT_EQ(Classify(f, &v), V::kUdp);
  EXPECT_EQ(v.payload_len, 13);
  EXPECT_EQ(v.src_port, 49152);
  for (const size_t at : {size_t{40}, size_t{41}, f.size() - 6}) {  // checksum, last octet
    Bytes bad = f;
    bad[at] ^= 0x01;
    EXPECT_EQ(Classify(bad), V::kUdpChecksum) << at;
  }
  f[f.size() - 1] ^= 1;  // padding is not covered
  EXPECT_EQ(Classify(f), V::kUdp);
}

TEST(FrameParse, UdpChecksum) {
  Bytes f = UdpFrame(kPeer6, kOur6, kData);
  f[f.size() - 1] ^= 0x80;
  EXPECT_EQ(Classify(f), V::kUdpChecksum);
  Bytes zero6 = UdpFrame(kPeer6, kOur6, kData);
  Put16(zero6, 14 + 40 + 6, 0);  // mandatory in IPv6
  EXPECT_EQ(Classify(zero6), V::kUdpChecksum);
  Bytes zero4 = UdpFrame(kPeer4, kOur4, kData);
  Put16(zero4, 14 + 20 + 6, 0);  // "not computed" in IPv4
  EXPECT_EQ(Classify(zero4), V::kUdp);
}

TEST(FrameParse, ChecksumsTheNicFoundGoodAreNotCheckedAgainAndOnlyThose) {
  FrameView v;
  const NicChecksums both{.ipv4_header = true, .udp = true};
  for (const bool v6 : {false, true}) {
    Bytes f = UdpFrame(v6 ? kPeer6 : kPeer4, v6 ? kOur6 : kOur4, kData);
    f[f.size() - 1] ^= 0x80;  // the NIC said good: its word is taken (PROFILE §5.4 needs none)
    EXPECT_EQ(ParseFrame(f, &v, {.udp = true}), V::kUdp) << v6;
    EXPECT_EQ(ParseFrame(f, &v, {.ipv4_header = true}), V::kUdpChecksum) << v6;
    EXPECT_EQ(ParseFrame(f, &v), V::kUdpChecksum) << v6;
  }
  Bytes ip = UdpFrame(kPeer4, kOur4, kData);
  ip[14 + 8] -= 1;  // TTL changed without the header checksum
  EXPECT_EQ(ParseFrame(ip, &v, {.ipv4_header = true}), V::kUdp);
  EXPECT_EQ(ParseFrame(ip, &v, {.udp = true}), V::kIpv4Checksum);
  // ICMP is always checked here: NICs verify TCP/UDP only.
  Bytes echo = EchoFrame(kPeer4, kOur4, kData);
  echo[echo.size() - 1] ^= 1;
  EXPECT_EQ(ParseFrame(echo, &v, both), V::kIcmpChecksum);
}

TEST(FrameParse, BadUdpLength) {
  Bytes shorter = UdpFrame(kPeer4, kOur4, kData);
  Put16(shorter, 38, 8 + kData.size() - 1);
  EXPECT_EQ(Classify(shorter), V::kBadUdpLength);
  Bytes tiny = UdpFrame(kPeer6, kOur6, kData);
  Put16(tiny, 58, 7);
  EXPECT_EQ(Classify(tiny), V::kBadUdpLength);
  EXPECT_EQ(Classify(Frame(Eth(kOurMac, kPeerMac, 0x0800), IpPacket(kPeer4, kOur4, 17, {1, 2, 3}))),
            V::kBadUdpLength);
}

TEST(FrameParse, BadArp) {
  Bytes htype = ArpFrame(1, kPeer4, kOur4);
  htype[15] = 6;
  EXPECT_EQ(Classify(htype), V::kBadArp);
  EXPECT_EQ(Classify(ArpFrame(3, kPeer4, kOur4)), V::kBadArp);
}

TEST(FrameParse, BadIcmp) {
  const Bytes rest = {0, 1, 0, 1};
  EXPECT_EQ(Classify(Frame(Eth(kOurMac, kPeerMac, 0x0800),
                           IpPacket(kPeer4, kOur4, 1, Icmp(kPeer4, kOur4, 8, 1, rest)))),
            V::kBadIcmp);
  EXPECT_EQ(Classify(Frame(Eth(kOurMac, kPeerMac, 0x86dd),
                           IpPacket(kPeer6, kOur6, 58, Icmp(kPeer6, kOur6, 128, 0, {})))),
            V::kBadIcmp);
}

TEST(FrameParse, IcmpChecksum) {
  Bytes f = EchoFrame(kPeer4, kOur4, kData);
  f.back() ^= 1;
  EXPECT_EQ(Classify(f), V::kIcmpChecksum);
  Bytes f6 = EchoFrame(kPeer6, kOur6, kData);
  f6[14 + 8] ^= 1;  // the source address is in the pseudo-header
  EXPECT_EQ(Classify(f6), V::kIcmpChecksum);
}

TEST(FrameParse, IcmpOther) {
  const Bytes rest = {0, 1, 0, 1};
  EXPECT_EQ(Classify(Frame(Eth(kOurMac, kPeerMac, 0x0800),
                           IpPacket(kPeer4, kOur4, 1, Icmp(kPeer4, kOur4, 0, 0, rest)))),
            V::kIcmpOther);
  for (const uint8_t type : {129, 134, 1}) {
    EXPECT_EQ(Classify(Frame(Eth(kOurMac, kPeerMac, 0x86dd),
                             IpPacket(kPeer6, kOur6, 58, Icmp(kPeer6, kOur6, type, 0, rest)))),
              V::kIcmpOther)
        << int{type};
  }
}

TEST(FrameParse, BadNd) {
  const IpAddr group = SolicitedNodeGroup(kOur6);
  EXPECT_EQ(Classify(NdFrame(135, kPeer6, group, kOur6, 1, 0, 64)), V::kBadNd);  // hop limit
  EXPECT_EQ(Classify(NdFrame(135, kPeer6, group, group, 1)), V::kBadNd);         // multicast target
  EXPECT_EQ(Classify(NdFrame(135, IpAddr{true, {}}, group, kOur6, 1)), V::kBadNd);  // DAD + SLLA
  EXPECT_EQ(Classify(NdFrame(135, IpAddr{true, {}}, kOur6, kOur6, 0)), V::kBadNd);  // DAD unicast
  EXPECT_EQ(Classify(NdFrame(136, kPeer6, Ip("ff02::1"), kPeer6, 2, 0x40)), V::kBadNd);  // S, mcast
  // Option lengths: 0, past the end, and an Ethernet address option of two units.
  for (const uint8_t units : {0, 2, 3}) {
    Bytes rest = {0, 0, 0, 0};
    rest.insert(rest.end(), kOur6.b.begin(), kOur6.b.end());
    Bytes opt = {1, units, 2, 0, 0x5e, 0, 0, 2};
    Append(rest, opt);
    if (units == 2) {
      rest.insert(rest.end(), 8, 0);
    }
    EXPECT_EQ(Classify(Frame(Eth(MulticastMac(group), kPeerMac, 0x86dd),
                             IpPacket(kPeer6, group, 58, Icmp(kPeer6, group, 135, 0, rest), 255))),
              V::kBadNd)
        << int{units};
  }
}

}  // namespace
}  // namespace rcas::dataplane
