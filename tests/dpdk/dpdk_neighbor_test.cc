// ARP, ICMP echo and IPv6 ND + ping answered by the worker for the gateway's own addresses,
// others' requests dropped and counted, next hops learnt from them.

#include <gtest/gtest.h>

#include "crypto/bytes.h"
#include "tests/dpdk/dpdk_fixture.h"

namespace rcas::dataplane::testing {
namespace {

LocalAddrs Cam() {
  LocalAddrs me;
  me.mac = kCamMac;
  me.v4 = IpAddr::Parse(kCamV4);
  me.v6 = IpAddr::Parse(kCamV6);
  me.v6_link_local = LinkLocalFromMac(kCamMac);
  return me;
}

uint16_t Sum(ByteView b, uint32_t acc = 0) {  // RFC 1071, written out again for the test
  for (size_t i = 0; i + 1 < b.size(); i += 2) {
    acc += static_cast<uint32_t>(b[i] << 8 | b[i + 1]);
  }
  if (b.size() % 2 != 0) {
    acc += static_cast<uint32_t>(b.back() << 8);
  }
  while (acc >> 16 != 0) {
    acc = (acc & 0xffff) + (acc >> 16);
  }
  return static_cast<uint16_t>(~acc);
}

void Put16(Bytes& b, size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v);
}

// EchoRequest builds an ICMP (v4) or ICMPv6 echo request from the CAM to `dst`.
Bytes EchoRequest(const MacAddr& dst_mac, const IpAddr& dst, bool v6) {
  const Bytes data = {'r', 'c', 'a', 's', 1, 2, 3};
  const size_t l3 = 14;
  const size_t l4 = l3 + (v6 ? 40 : 20);
  Bytes f(l4 + 8 + data.size(), 0);
  std::copy(dst_mac.begin(), dst_mac.end(), f.begin());
  std::copy(kCamMac.begin(), kCamMac.end(), f.begin() + 6);
  Put16(f, 12, v6 ? 0x86dd : 0x0800);
  const IpAddr src = *IpAddr::Parse(v6 ? kCamV6 : kCamV4);
  const size_t icmp_len = 8 + data.size();
  if (v6) {
    f[l3] = 0x60;
    Put16(f, l3 + 4, static_cast<uint16_t>(icmp_len));
    f[l3 + 6] = 58;
    f[l3 + 7] = 64;
    std::copy(src.b.begin(), src.b.end(), f.begin() + l3 + 8);
    std::copy(dst.b.begin(), dst.b.end(), f.begin() + l3 + 24);
  } else {
    f[l3] = 0x45;
    Put16(f, l3 + 2, static_cast<uint16_t>(20 + icmp_len));
    f[l3 + 8] = 64;
    f[l3 + 9] = 1;
    std::copy(src.b.begin(), src.b.begin() + 4, f.begin() + l3 + 12);
    std::copy(dst.b.begin(), dst.b.begin() + 4, f.begin() + l3 + 16);
    Put16(f, l3 + 10, Sum(ByteView(f).subspan(l3, 20)));
  }
  f[l4] = v6 ? 128 : 8;
  Put16(f, l4 + 4, 0x1234);  // id
  Put16(f, l4 + 6, 7);       // seq
  std::copy(data.begin(), data.end(), f.begin() + l4 + 8);
  uint32_t pseudo = 0;
  if (v6) {  // source, destination, length, next header
    Bytes p(f.begin() + l3 + 8, f.begin() + l3 + 40);
    p.insert(p.end(), {0, 0, static_cast<uint8_t>(icmp_len >> 8), static_cast<uint8_t>(icmp_len), 0,
                       0, 0, 58});
    pseudo = static_cast<uint16_t>(~Sum(p));
  }
  Put16(f, l4 + 2, Sum(ByteView(f).subspan(l4), pseudo));
  return f;
}

TEST_F(DpdkPortTest, ArpRequestForTheGatewayIsAnsweredAndTheAskerLearnt) {
  Bytes req(64);
  req.resize(WriteArpRequest(MutableByteView(req), Cam(), *IpAddr::Parse(kGatewayV4), false, 0));
  ASSERT_GT(req.size(), 0u);
  Inject(req);
  Turn();
  const auto sent = Sent();
  ASSERT_EQ(sent.size(), 1u);
  FrameView v;
  ASSERT_EQ(ParseFrame(sent[0], &v), FrameVerdict::kArpReply);
  EXPECT_EQ(v.dst_mac, kCamMac);
  EXPECT_EQ(v.arp_sender_mac, gateway_mac());
  EXPECT_EQ(v.src_ip, *IpAddr::Parse(kGatewayV4));
  EXPECT_EQ(transport_->stats()[DpdkCounter::kArpAnswered], 1u);
  // Learnt: an answer to the CAM needs no resolution.
  ASSERT_TRUE(transport_->Send({CamPeer(), Bytes(40, 1)}));
  Turn();
  ASSERT_EQ(Sent().size(), 1u);
  EXPECT_EQ(transport_->stats()[DpdkCounter::kTxNoNeighbor], 0u);
}

TEST_F(DpdkPortTest, ArpRequestForAnotherAddressIsNotAnswered) {
  Bytes req(64);
  req.resize(WriteArpRequest(MutableByteView(req), Cam(), *IpAddr::Parse("10.77.0.99"), false, 0));
  Inject(req);
  Turn();
  EXPECT_TRUE(Sent().empty());
  EXPECT_EQ(transport_->stats()[DpdkCounter::kArpAnswered], 0u);
  EXPECT_EQ(transport_->stats()[FrameVerdict::kArpRequest], 1u);
}

TEST_F(DpdkPortTest, IcmpEchoToTheGatewayIsAnswered) {
  Inject(EchoRequest(gateway_mac(), *IpAddr::Parse(kGatewayV4), false));
  Turn();
  const auto sent = Sent();
  ASSERT_EQ(sent.size(), 1u);
  FrameView v;
  EXPECT_EQ(ParseFrame(sent[0], &v), FrameVerdict::kIcmpOther) << "an echo reply is not served";
  EXPECT_EQ(v.dst_ip, *IpAddr::Parse(kCamV4));
  EXPECT_EQ(sent[0][34], 0) << "ICMP type: echo reply";
  EXPECT_EQ(Sum(ByteView(sent[0]).subspan(34)), 0) << "ICMP checksum";
  EXPECT_EQ(transport_->stats()[DpdkCounter::kIcmpAnswered], 1u);
}

TEST_F(DpdkPortTest, Icmp6EchoToTheGatewayIsAnswered) {
  Inject(EchoRequest(gateway_mac(), *IpAddr::Parse(kGatewayV6), true));
  Turn();
  const auto sent = Sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0][54], 129) << "ICMPv6 type: echo reply";
  EXPECT_EQ(transport_->stats()[DpdkCounter::kIcmp6Answered], 1u);
}

TEST_F(DpdkPortTest, EchoToAnotherAddressIsDroppedUnanswered) {
  Inject(EchoRequest(gateway_mac(), *IpAddr::Parse("10.77.0.50"), false));
  Turn();
  EXPECT_TRUE(Sent().empty());
  EXPECT_EQ(transport_->stats()[DpdkCounter::kIcmpAnswered], 0u);
}

TEST_F(DpdkPortTest, NeighborSolicitationIsAnsweredWithOurMac) {
  Bytes ns(128);
  ns.resize(WriteNeighborSolicit(MutableByteView(ns), Cam(), *IpAddr::Parse(kGatewayV6), false, 0));
  ASSERT_GT(ns.size(), 0u);
  Inject(ns);
  Turn();
  const auto sent = Sent();
  ASSERT_EQ(sent.size(), 1u);
  FrameView v;
  ASSERT_EQ(ParseFrame(sent[0], &v), FrameVerdict::kNeighborAdvert);
  EXPECT_EQ(v.nd_target, *IpAddr::Parse(kGatewayV6));
  EXPECT_TRUE(v.has_lladdr);
  EXPECT_EQ(v.arp_sender_mac, gateway_mac());
  EXPECT_EQ(v.dst_mac, kCamMac);
  EXPECT_EQ(transport_->stats()[DpdkCounter::kNdAnswered], 1u);
}

TEST_F(DpdkPortTest, OtherTrafficIsDroppedAndCountedByReason) {
  Bytes lldp(60, 0);
  lldp[12] = 0x88;
  lldp[13] = 0xcc;
  Inject(lldp);
  Bytes tiny(10, 0);
  Inject(tiny);
  Turn();
  EXPECT_TRUE(Sent().empty());
  EXPECT_TRUE(Messages().empty());
  const DpdkStats s = transport_->stats();
  EXPECT_EQ(s[FrameVerdict::kOtherEtherType], 1u);
  EXPECT_EQ(s[FrameVerdict::kTooShort], 1u);
}

}  // namespace
}  // namespace rcas::dataplane::testing
