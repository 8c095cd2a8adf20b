// The in-app answers (dataplane/frame.h): each reply is parsed back and its fields and
// checksums checked with the independent sum of frame_builders.h; requests not for us leave
// the buffer untouched.

#include <gtest/gtest.h>

#include <algorithm>

#include "dataplane/frame.h"
#include "frame_builders.h"

namespace rcas::dataplane {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace)
using V = FrameVerdict;

const Bytes kData = {1, 2, 3, 4, 5, 6, 7, 8, 9};

using Answer = size_t (*)(MutableByteView, const FrameView&, const LocalAddrs&) noexcept;

// AnswerIn parses `request` (which must be `expect`), answers it in a buffer with `room` spare
// octets and returns the reply (empty when the answer was 0, after checking that nothing was
// written).
Bytes AnswerIn(Answer answer, const Bytes& request, V expect, const LocalAddrs& me = Ours(),
               size_t room = 16) {
  FrameView v;
  EXPECT_EQ(ParseFrame(request, &v), expect);
  Bytes buf = request;
  buf.resize(request.size() + room, 0xa5);
  const Bytes before = buf;
  const size_t n = answer(buf, v, me);
  if (n == 0) {
    EXPECT_EQ(buf, before);
    return {};
  }
  EXPECT_LE(n, buf.size());
  // Nothing written past the reply (nor past the request when the reply is shorter).
  const size_t end = std::max(n, request.size());
  EXPECT_TRUE(std::all_of(buf.begin() + end, buf.end(), [](uint8_t b) { return b == 0xa5; }));
  buf.resize(n);
  return buf;
}

// L4Sum is the naive checksum over the pseudo-header and the message from `l4` (0: correct).
uint16_t L4Sum(const Bytes& f, const FrameView& v, uint8_t proto) {
  const size_t end = size_t{v.payload_offset} + v.payload_len;
  Bytes all = proto == 1 ? Bytes{} : Pseudo(v.src_ip, v.dst_ip, proto, end - v.l4_offset);
  all.insert(all.end(), f.begin() + v.l4_offset, f.begin() + end);
  return NaiveChecksum(all);
}

// ExpectTurned checks that a reply goes from us (`ours`) back to the requester (`peer`).
void ExpectTurned(const FrameView& v, const IpAddr& ours, const IpAddr& peer) {
  EXPECT_EQ(v.dst_mac, kPeerMac);
  EXPECT_EQ(v.src_mac, kOurMac);
  EXPECT_EQ(v.src_ip, ours);
  EXPECT_EQ(v.dst_ip, peer);
}

TEST(FrameAnswer, ArpReplyFields) {
  const Bytes reply = AnswerIn(AnswerArp, ArpFrame(1, kPeer4, kOur4), V::kArpRequest);
  ASSERT_EQ(reply.size(), 42u);
  FrameView v;
  ASSERT_EQ(ParseFrame(reply, &v), V::kArpReply);
  ExpectTurned(v, kOur4, kPeer4);
  EXPECT_EQ(v.arp_sender_mac, kOurMac);
  EXPECT_EQ(MacAddr({reply[32], reply[33], reply[34], reply[35], reply[36], reply[37]}),
            kPeerMac);  // target hardware address
}

TEST(FrameAnswer, ArpNotForUs) {
  EXPECT_TRUE(AnswerIn(AnswerArp, ArpFrame(1, kPeer4, Ip("192.0.2.9")), V::kArpRequest).empty());
  EXPECT_TRUE(AnswerIn(AnswerArp, ArpFrame(2, kPeer4, kOur4), V::kArpReply).empty());
  LocalAddrs v6_only = Ours();
  v6_only.v4.reset();
  EXPECT_TRUE(AnswerIn(AnswerArp, ArpFrame(1, kPeer4, kOur4), V::kArpRequest, v6_only).empty());
}

TEST(FrameAnswer, IcmpEchoReply) {
  const Bytes request = EchoFrame(kPeer4, kOur4, kData, 42);
  const Bytes reply = AnswerIn(AnswerIcmpEcho, request, V::kIcmpEchoRequest);
  ASSERT_EQ(reply.size(), request.size());
  FrameView v;
  ASSERT_EQ(ParseFrame(reply, &v), V::kIcmpOther);  // an echo reply is not answered again
  EXPECT_TRUE(v.vlan);
  EXPECT_EQ(v.vlan_tci, 42);
  ExpectTurned(v, kOur4, kPeer4);
  EXPECT_EQ(NaiveChecksum(Bytes(reply.begin() + v.l3_offset, reply.begin() + v.l4_offset)), 0);
  EXPECT_EQ(L4Sum(reply, v, 1), 0);
  EXPECT_EQ(reply[v.l4_offset], 0);  // echo reply
  // Identifier, sequence number and data as they came.
  EXPECT_EQ(Bytes(reply.begin() + v.l4_offset + 4, reply.end()),
            Bytes(request.begin() + v.l4_offset + 4, request.end()));
}

TEST(FrameAnswer, IcmpEchoDropsEthernetPadding) {
  Bytes request = EchoFrame(kPeer4, kOur4, {});
  const size_t ip_end = request.size();
  request.resize(60, 0);
  EXPECT_EQ(AnswerIn(AnswerIcmpEcho, request, V::kIcmpEchoRequest).size(), ip_end);
}

TEST(FrameAnswer, IcmpEchoNotForUs) {
  EXPECT_TRUE(
      AnswerIn(AnswerIcmpEcho, EchoFrame(kPeer4, Ip("192.0.2.255"), kData), V::kIcmpEchoRequest)
          .empty());
  EXPECT_TRUE(AnswerIn(AnswerIcmpEcho, UdpFrame(kPeer4, kOur4, kData), V::kUdp).empty());
}

TEST(FrameAnswer, Icmp6EchoReply) {
  for (const IpAddr& to : {kOur6, LinkLocalFromMac(kOurMac)}) {
    const IpAddr from = to == kOur6 ? kPeer6 : Ip("fe80::2");
    const Bytes request = EchoFrame(from, to, kData);
    const Bytes reply = AnswerIn(AnswerIcmp6Echo, request, V::kIcmp6EchoRequest);
    ASSERT_EQ(reply.size(), request.size());
    FrameView v;
    ASSERT_EQ(ParseFrame(reply, &v), V::kIcmpOther);  // checksum verified by the parser too
    ExpectTurned(v, to, from);
    EXPECT_EQ(reply[v.l4_offset], 129);
    EXPECT_EQ(L4Sum(reply, v, 58), 0);
    EXPECT_EQ(Bytes(reply.begin() + v.l4_offset + 4, reply.end()),
              Bytes(request.begin() + v.l4_offset + 4, request.end()));
  }
}

TEST(FrameAnswer, Icmp6EchoNotForUs) {
  EXPECT_TRUE(
      AnswerIn(AnswerIcmp6Echo, EchoFrame(kPeer6, Ip("2001:db8::9"), kData), V::kIcmp6EchoRequest)
          .empty());
  EXPECT_TRUE(
      AnswerIn(AnswerIcmp6Echo, EchoFrame(kPeer4, kOur4, kData), V::kIcmpEchoRequest).empty());
}

TEST(FrameAnswer, NeighborSolicitGetsSolicitedAdvert) {
  const Bytes request = NdFrame(135, kPeer6, SolicitedNodeGroup(kOur6), kOur6, 1);
  const Bytes reply = AnswerIn(AnswerNeighborSolicit, request, V::kNeighborSolicit);
  FrameView v;
  ASSERT_EQ(ParseFrame(reply, &v), V::kNeighborAdvert);
  ExpectTurned(v, kOur6, kPeer6);
  EXPECT_EQ(v.ttl, 255);
  EXPECT_EQ(v.nd_flags, 0x60);  // S and O, not R
  EXPECT_EQ(v.nd_target, kOur6);
  EXPECT_TRUE(v.has_lladdr);
  EXPECT_EQ(v.arp_sender_mac, kOurMac);
  EXPECT_EQ(L4Sum(reply, v, 58), 0);
}

TEST(FrameAnswer, DadSolicitGrowsIntoAllNodesAdvert) {
  const IpAddr ll = LinkLocalFromMac(kOurMac);
  const Bytes request = NdFrame(135, IpAddr{true, {}}, SolicitedNodeGroup(ll), ll, 0);
  EXPECT_TRUE(AnswerIn(AnswerNeighborSolicit, request, V::kNeighborSolicit, Ours(), 7).empty());
  const Bytes reply = AnswerIn(AnswerNeighborSolicit, request, V::kNeighborSolicit, Ours(), 8);
  ASSERT_EQ(reply.size(), request.size() + 8);  // the target link-layer address option
  FrameView v;
  ASSERT_EQ(ParseFrame(reply, &v), V::kNeighborAdvert);
  EXPECT_EQ(v.dst_ip, Ip("ff02::1"));
  EXPECT_EQ(v.dst_mac, MacAddr({0x33, 0x33, 0, 0, 0, 1}));
  EXPECT_EQ(v.src_ip, ll);
  EXPECT_EQ(v.nd_flags, 0x20);  // O only: not solicited by a unicast address
  EXPECT_EQ(v.arp_sender_mac, kOurMac);
}

TEST(FrameAnswer, NeighborSolicitNotForUs) {
  const IpAddr other = Ip("2001:db8::9");
  EXPECT_TRUE(AnswerIn(AnswerNeighborSolicit,
                       NdFrame(135, kPeer6, SolicitedNodeGroup(other), other, 1),
                       V::kNeighborSolicit)
                  .empty());
  // Our target, but sent to a group we do not listen to.
  EXPECT_TRUE(AnswerIn(AnswerNeighborSolicit, NdFrame(135, kPeer6, Ip("ff02::2"), kOur6, 1),
                       V::kNeighborSolicit)
                  .empty());
  EXPECT_TRUE(
      AnswerIn(AnswerNeighborSolicit, NdFrame(136, kPeer6, kOur6, kOur6, 2), V::kNeighborAdvert)
          .empty());
}

TEST(FrameAnswer, IsLocal) {
  const LocalAddrs me = Ours();
  EXPECT_EQ(me.v6_link_local, Ip("fe80::5eff:fe10:1"));
  for (const char* ours : {"192.0.2.1", "2001:db8::1", "fe80::5eff:fe10:1", "ff02::1",
                           "ff02::1:ff00:1", "ff02::1:ff10:1"}) {
    EXPECT_TRUE(me.IsLocal(Ip(ours))) << ours;
  }
  for (const char* other : {"192.0.2.2", "2001:db8::2", "ff02::2", "255.255.255.255", "::"}) {
    EXPECT_FALSE(me.IsLocal(Ip(other))) << other;
  }
}

}  // namespace
}  // namespace rcas::dataplane
