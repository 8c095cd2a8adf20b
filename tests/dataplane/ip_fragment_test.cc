// FragmentCount / WriteFragment (dataplane/ip_fragment.h) and ParseFrame's fragment verdicts:
// every fragment parses with the fields reassembly needs, and their data rebuild the payload.

#include "dataplane/ip_fragment.h"

#include <gtest/gtest.h>

#include "fragment_builders.h"

namespace rcas::dataplane {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace)
using V = FrameVerdict;

struct Case {
  Shape shape;
  size_t mtu;
};

class FragmentWrite : public ::testing::TestWithParam<Case> {};

TEST_P(FragmentWrite, FragmentsParseAndRebuildThePayload) {
  const auto [s, mtu] = GetParam();
  const Bytes frame = Datagram(s);
  const uint32_t id = s.v6 ? 0x89abcdef : 0xbeef;
  const std::vector<Bytes> frags = Fragments(s, frame, mtu, id);
  ASSERT_GT(frags.size(), 1u);
  const size_t l3 = L3(s), l4 = l3 + IpLen(s);
  Bytes payload;
  for (size_t i = 0; i < frags.size(); ++i) {
    const Bytes& f = frags[i];
    SCOPED_TRACE(i);
    ASSERT_GT(f.size(), l4);
    EXPECT_LE(f.size() - l3, mtu);
    EXPECT_EQ(Bytes(f.begin(), f.begin() + l3), Bytes(frame.begin(), frame.begin() + l3));
    FrameView v;
    ASSERT_EQ(Classify(f, &v), s.v6 ? V::kIpv6Fragment : V::kIpv4Fragment);
    EXPECT_EQ(v.frag_id, id);
    EXPECT_EQ(v.frag_offset, payload.size());
    EXPECT_EQ(v.more_fragments, i + 1 < frags.size());
    EXPECT_EQ(v.src_ip, s.v6 ? kPeer6 : kPeer4);
    EXPECT_EQ(v.payload_offset + v.payload_len, f.size());
    if (v.more_fragments) {
      EXPECT_EQ(v.payload_len % 8, 0u);
    }
    if (!s.v6) {
      EXPECT_EQ(NaiveChecksum(Bytes(f.begin() + l3, f.begin() + l4)), 0);
      EXPECT_EQ(f[l3 + 6] & 0x40, 0);  // DF cleared
    }
    payload.insert(payload.end(), f.begin() + v.payload_offset, f.end());
  }
  EXPECT_EQ(payload, Bytes(frame.begin() + l4, frame.end()));
}

INSTANTIATE_TEST_SUITE_P(
    Fragment, FragmentWrite,
    ::testing::Values(Case{{false, false, 1600}, 1500}, Case{{false, true, 1600}, 576},
                      Case{{true, false, 1600}, 1500}, Case{{true, true, 1600}, 576},
                      Case{{false, false, 9000}, 1500}, Case{{false, true, 9000}, 576},
                      Case{{true, false, 9000}, 576}, Case{{true, true, 9000}, 1500}));

TEST(Fragment, CountsAndLimits) {
  const Shape s4{false, false, 1600}, s6{true, false, 1600};
  const Bytes f4 = Datagram(s4), f6 = Datagram(s6);
  // IPv4 at 1500: 1480 data octets a fragment, 1600 -> 2; IPv6: 1448, 1600 -> 2.
  EXPECT_EQ(FragmentCount(f4.size(), false, false, 1500), 2u);
  EXPECT_EQ(FragmentCount(f6.size(), true, false, 1500), 2u);
  // 576: (576 - 20) / 8 * 8 = 552 -> 3; (576 - 48) / 8 * 8 = 528 -> 4.
  EXPECT_EQ(FragmentCount(f4.size(), false, false, 576), 3u);
  EXPECT_EQ(FragmentCount(f6.size(), true, false, 576), 4u);
  EXPECT_EQ(FragmentCount(f4.size(), false, false, 1620), 1u);
  EXPECT_EQ(FragmentCount(f4.size(), false, false, 1619), 2u);
  EXPECT_EQ(FragmentCount(f4.size(), false, false, 27), 0u);
  EXPECT_EQ(FragmentCount(f6.size(), true, false, 55), 0u);
  EXPECT_EQ(FragmentCount(10, false, false, 1500), 0u);
  Bytes out(2000);
  EXPECT_EQ(WriteFragment(out, f4, false, false, 1500, 2, 1), 0u);  // past the last
  Bytes small(1513);
  EXPECT_EQ(WriteFragment(small, f4, false, false, 1500, 0, 1), 0u);  // needs 1514
  Bytes exact(1514);
  EXPECT_EQ(WriteFragment(exact, f4, false, false, 1500, 0, 1), 1514u);
}

TEST(Fragment, FrameThatFitsIsCopiedUnchanged) {
  const Shape s{true, true, 1000};
  const Bytes f = Datagram(s);
  Bytes out(f.size());
  ASSERT_EQ(FragmentCount(f.size(), true, true, 1500), 1u);
  ASSERT_EQ(WriteFragment(out, f, true, true, 1500, 0, 7), f.size());
  EXPECT_EQ(out, f);
  EXPECT_EQ(Classify(out), V::kUdp);
}

TEST(FragmentParse, HandCutFragments) {
  for (const bool v6 : {false, true}) {
    const Shape s{v6, true, 100};
    const Bytes d = Datagram(s);
    FrameView v;
    ASSERT_EQ(Classify(Piece(s, d, 48, 40, true, 0x1234), &v),
              v6 ? V::kIpv6Fragment : V::kIpv4Fragment);
    EXPECT_EQ(v.frag_id, 0x1234u);
    EXPECT_EQ(v.frag_offset, 48);
    EXPECT_TRUE(v.more_fragments);
    EXPECT_EQ(v.l3_offset, 18);
    EXPECT_EQ(v.payload_offset, v6 ? 66 : 38);
    EXPECT_EQ(v.l4_offset, v.payload_offset);
    EXPECT_EQ(v.payload_len, 40);
    // Offset 0 without MF: a whole IPv4 datagram, an IPv6 atomic fragment (RFC 6946).
    ASSERT_EQ(Classify(Piece(s, d, 0, 100, false, 9), &v), v6 ? V::kIpv6Fragment : V::kUdp);
    EXPECT_FALSE(v.more_fragments);
  }
}

TEST(FragmentParse, OnlyUdpIsReassembled) {
  const Shape s4{false, false, 100}, s6{true, false, 100};
  Bytes f4 = Piece(s4, Datagram(s4), 0, 48, true, 1);
  f4[14 + 9] = 1;  // ICMP
  Put16(f4, 24, 0);
  Put16(f4, 24, NaiveChecksum(Bytes(f4.begin() + 14, f4.begin() + 34)));
  EXPECT_EQ(Classify(f4), V::kOtherIpProtocol);
  Bytes f6 = Piece(s6, Datagram(s6), 0, 48, true, 1);
  f6[54] = 60;  // a Destination Options header inside the fragment
  EXPECT_EQ(Classify(f6), V::kIpv6ExtensionHeader);
  f6[54] = 6;  // TCP
  EXPECT_EQ(Classify(f6), V::kOtherIpProtocol);
  // A Fragment header cut short by the payload length.
  EXPECT_EQ(Classify(Frame(Eth(kOurMac, kPeerMac, 0x86dd), IpPacket(kPeer6, kOur6, 44, {17, 0}))),
            V::kBadIpv6Header);
}

}  // namespace
}  // namespace rcas::dataplane
