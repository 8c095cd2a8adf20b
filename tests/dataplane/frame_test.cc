// ParseFrame (dataplane/frame.h): every verdict from a hand-built frame, checksums against an
// independent sum, and truncation at every length.

#include "dataplane/frame.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "frame_builders.h"

namespace rcas::dataplane {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace)
using V = FrameVerdict;

const Bytes kData = {'h', 'e', 'l', 'l', 'o', '!', '!'};

// Refix recomputes the IPv4 header checksum after a test changed the header at `l3`.
void Refix(Bytes& f, size_t l3 = 14) {
  Put16(f, l3 + 10, 0);
  Put16(f, l3 + 10, NaiveChecksum(Bytes(f.begin() + l3, f.begin() + l3 + 20)));
}

TEST(FrameParse, VerdictNamesAreDistinct) {
  std::set<std::string> names;
  for (size_t i = 0; i < kFrameVerdictCount; ++i) {
    names.insert(FrameVerdictName(static_cast<V>(i)));
  }
  EXPECT_EQ(names.size(), kFrameVerdictCount);
  EXPECT_EQ(names.count("unknown"), 0u);
}

TEST(FrameParse, Udp) {
  FrameView v;
  const Bytes f = UdpFrame(kPeer4, kOur4, kData);
  ASSERT_EQ(Classify(f, &v), V::kUdp);
  EXPECT_EQ(v.verdict, V::kUdp);
  EXPECT_EQ(v.dst_mac, kOurMac);
  EXPECT_EQ(v.src_mac, kPeerMac);
  EXPECT_FALSE(v.vlan);
  EXPECT_EQ(v.src_ip, kPeer4);
  EXPECT_EQ(v.dst_ip, kOur4);
  EXPECT_EQ(v.src_port, 40000);
  EXPECT_EQ(v.dst_port, 5000);
  EXPECT_EQ(v.ttl, 64);
  EXPECT_EQ(v.l3_offset, 14);
  EXPECT_EQ(v.l4_offset, 34);
  EXPECT_EQ(v.payload_offset, 42);
  EXPECT_EQ(Bytes(f.begin() + v.payload_offset, f.begin() + v.payload_offset + v.payload_len),
            kData);
}

TEST(FrameParse, UdpVlanIpv6) {
  FrameView v;
  const Bytes f = UdpFrame(kPeer6, kOur6, kData, 0x2064);
  ASSERT_EQ(Classify(f, &v), V::kUdp);
  EXPECT_TRUE(v.vlan);
  EXPECT_EQ(v.vlan_tci, 0x2064);
  EXPECT_EQ(v.ether_type, kEtherTypeIpv6);
  EXPECT_EQ(v.src_ip, kPeer6);
  EXPECT_EQ(v.l3_offset, 18);
  EXPECT_EQ(v.l4_offset, 58);
  EXPECT_EQ(v.payload_offset, 66);
  EXPECT_EQ(v.payload_len, kData.size());
}

TEST(FrameParse, ArpRequest) {
  FrameView v;
  ASSERT_EQ(Classify(ArpFrame(1, kPeer4, kOur4), &v), V::kArpRequest);
  EXPECT_EQ(v.arp_sender_mac, kPeerMac);
  EXPECT_EQ(v.src_ip, kPeer4);
  EXPECT_EQ(v.dst_ip, kOur4);
  EXPECT_EQ(v.l3_offset, 14);
}

TEST(FrameParse, ArpReply) { EXPECT_EQ(Classify(ArpFrame(2, kPeer4, kOur4)), V::kArpReply); }

TEST(FrameParse, IcmpEchoRequest) {
  FrameView v;
  ASSERT_EQ(Classify(EchoFrame(kPeer4, kOur4, kData), &v), V::kIcmpEchoRequest);
  EXPECT_EQ(v.l4_offset, 34);
  EXPECT_EQ(v.payload_len, kData.size());
}

TEST(FrameParse, Icmp6EchoRequest) {
  FrameView v;
  ASSERT_EQ(Classify(EchoFrame(kPeer6, kOur6, kData, 7), &v), V::kIcmp6EchoRequest);
  EXPECT_EQ(v.payload_len, kData.size());
}

TEST(FrameParse, NeighborSolicit) {
  FrameView v;
  ASSERT_EQ(Classify(NdFrame(135, kPeer6, SolicitedNodeGroup(kOur6), kOur6, 1), &v),
            V::kNeighborSolicit);
  EXPECT_EQ(v.nd_target, kOur6);
  EXPECT_TRUE(v.has_lladdr);
  EXPECT_EQ(v.arp_sender_mac, kPeerMac);
  // Duplicate address detection: from ::, to the solicited-node group, no option.
  ASSERT_EQ(Classify(NdFrame(135, IpAddr{true, {}}, SolicitedNodeGroup(kOur6), kOur6, 0), &v),
            V::kNeighborSolicit);
  EXPECT_FALSE(v.has_lladdr);
}

TEST(FrameParse, NeighborAdvert) {
  FrameView v;
  ASSERT_EQ(Classify(NdFrame(136, kPeer6, kOur6, kPeer6, 2, 0x60), &v), V::kNeighborAdvert);
  EXPECT_EQ(v.nd_flags, 0x60);
  EXPECT_EQ(v.nd_target, kPeer6);
  EXPECT_TRUE(v.has_lladdr);
  EXPECT_EQ(v.arp_sender_mac, kPeerMac);
}

TEST(FrameParse, TooShort) {
  EXPECT_EQ(Classify(Bytes(13, 0)), V::kTooShort);
  Bytes f = UdpFrame(kPeer4, kOur4, kData);
  Put16(f, 16, static_cast<uint16_t>(f.size() - 14 + 1));  // total length past the end
  Refix(f);
  EXPECT_EQ(Classify(f), V::kTooShort);
}

TEST(FrameParse, OtherEtherType) {
  EXPECT_EQ(Classify(Frame(Eth(kOurMac, kPeerMac, 0x88cc), Bytes(46, 0))), V::kOtherEtherType);
}

TEST(FrameParse, VlanStacked) {
  EXPECT_EQ(Classify(Frame(Eth(kOurMac, kPeerMac, 0x8100, 5), UdpFrame(kPeer4, kOur4, kData))),
            V::kVlanStacked);
  EXPECT_EQ(Classify(Frame(Eth(kOurMac, kPeerMac, 0x88a8), Bytes(50, 0))), V::kVlanStacked);
}

TEST(FrameParse, BadSourceAddress) {
  Bytes group_mac = UdpFrame(kPeer4, kOur4, kData);
  group_mac[6] |= 1;
  EXPECT_EQ(Classify(group_mac), V::kBadSourceAddress);
  EXPECT_EQ(Classify(UdpFrame(Ip("224.0.0.9"), kOur4, kData)), V::kBadSourceAddress);
  EXPECT_EQ(Classify(UdpFrame(Ip("255.255.255.255"), kOur4, kData)), V::kBadSourceAddress);
  EXPECT_EQ(Classify(UdpFrame(Ip("ff02::1"), kOur6, kData)), V::kBadSourceAddress);
}

TEST(FrameParse, BadIpv4Header) {
  const Bytes good = UdpFrame(kPeer4, kOur4, kData);
  Bytes version = good;
  version[14] = 0x55;
  Refix(version);
  EXPECT_EQ(Classify(version), V::kBadIpv4Header);
  Bytes ihl = good;
  ihl[14] = 0x44;
  EXPECT_EQ(Classify(ihl), V::kBadIpv4Header);
  Bytes total = good;
  Put16(total, 16, 19);
  Refix(total);
  EXPECT_EQ(Classify(total), V::kBadIpv4Header);
  Bytes reserved = good;
  reserved[20] |= 0x80;
  Refix(reserved);
  EXPECT_EQ(Classify(reserved), V::kBadIpv4Header);
}

TEST(FrameParse, Ipv4Checksum) {
  Bytes f = UdpFrame(kPeer4, kOur4, kData);
  f[14 + 8] -= 1;  // TTL changed without the checksum
  EXPECT_EQ(Classify(f), V::kIpv4Checksum);
}

TEST(FrameParse, Ipv4Fragment) {
  Bytes more = UdpFrame(kPeer4, kOur4, kData);
  more[20] = 0x20;  // MF
  Refix(more);
  EXPECT_EQ(Classify(more), V::kIpv4Fragment);
  Bytes offset = UdpFrame(kPeer4, kOur4, kData);
  Put16(offset, 20, 0x0001);
  Refix(offset);
  EXPECT_EQ(Classify(offset), V::kIpv4Fragment);
}

TEST(FrameParse, Ipv4Options) {
  Bytes f = UdpFrame(kPeer4, kOur4, kData);
  f[14] = 0x46;
  EXPECT_EQ(Classify(f), V::kIpv4Options);
}

TEST(FrameParse, BadIpv6Header) {
  Bytes f = UdpFrame(kPeer6, kOur6, kData);
  f[14] = 0x40;
  EXPECT_EQ(Classify(f), V::kBadIpv6Header);
}

TEST(FrameParse, Ipv6ExtensionHeader) {
  for (const uint8_t next : {0, 43, 60}) {
    EXPECT_EQ(Classify(Frame(Eth(kOurMac, kPeerMac, 0x86dd), IpPacket(kPeer6, kOur6, next, kData))),
              V::kIpv6ExtensionHeader)
        << int{next};
  }
}

TEST(FrameParse, OtherIpProtocol) {
  EXPECT_EQ(Classify(Frame(Eth(kOurMac, kPeerMac, 0x0800), IpPacket(kPeer4, kOur4, 6, kData))),
            V::kOtherIpProtocol);
  EXPECT_EQ(Classify(Frame(Eth(kOurMac, kPeerMac, 0x86dd), IpPacket(kPeer6, kOur6, 6, kData))),
            V::kOtherIpProtocol);
}

TEST(FrameParse, TruncationsNeverReadPastTheEndNorDeliver) {
  const Bytes frames[] = {
      UdpFrame(kPeer4, kOur4, kData),        UdpFrame(kPeer6, kOur6, kData, 3),
      EchoFrame(kPeer4, kOur4, kData),       EchoFrame(kPeer6, kOur6, kData),
      NdFrame(135, kPeer6, kOur6, kOur6, 1), ArpFrame(1, kPeer4, kOur4),
  };
  for (const Bytes& full : frames) {
    const V whole = Classify(full);
    ASSERT_NE(whole, V::kTooShort);
    for (size_t n = 0; n < full.size(); ++n) {
      const Bytes cut(full.begin(), full.begin() + n);  // exact size: ASan sees an over-read
      const V got = Classify(cut);
      EXPECT_NE(got, V::kUdp) << n;
      if (whole != V::kArpRequest || n < 42) {
        EXPECT_EQ(got, V::kTooShort) << FrameVerdictName(whole) << " cut at " << n;
      }
    }
  }
}

}  // namespace
}  // namespace rcas::dataplane
