// Reassembler (dataplane/ip_reassembly.h): fragments in any order, repeated, overlapping,
// missing, too many and too big, against the datagram they were cut from.

#include "dataplane/ip_reassembly.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>

#include "fragment_builders.h"

namespace rcas::dataplane {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace)
using R = ReassemblyVerdict;

// Feed adds `frags` in order at `now_ms` and returns the last result; every earlier one must be
// pending.
ReassemblyResult Feed(Reassembler& r, const std::vector<Bytes>& frags, uint64_t now_ms = 0) {
  ReassemblyResult last;
  for (size_t i = 0; i < frags.size(); ++i) {
    FrameView v;
    ParseFrame(frags[i], &v);
    last = r.Add(frags[i], v, now_ms);
    if (i + 1 < frags.size()) {
      EXPECT_EQ(last.verdict, R::kPending) << "fragment " << i;
    }
  }
  return last;
}

enum class Order { kInOrder, kReversed, kShuffled, kDuplicated };

struct Case {
  Shape shape;
  size_t mtu;
  Order order;
};

class ReassemblyOrders : public ::testing::TestWithParam<Case> {};

TEST_P(ReassemblyOrders, GivesBackTheWholeDatagram) {
  const auto [s, mtu, order] = GetParam();
  const Bytes frame = Datagram(s);
  std::vector<Bytes> frags = Fragments(s, frame, mtu, 0x4242);
  ASSERT_GT(frags.size(), 1u);
  std::mt19937 rng(static_cast<unsigned>(s.udp_len + mtu));
  switch (order) {
    case Order::kInOrder:
      break;
    case Order::kReversed:
      std::reverse(frags.begin(), frags.end());
      break;
    case Order::kShuffled:
      std::shuffle(frags.begin(), frags.end(), rng);
      break;
    case Order::kDuplicated: {
      // Each fragment twice, the last one's repeat held back so it comes after completion.
      std::vector<Bytes> twice;
      for (const Bytes& f : frags) {
        twice.push_back(f);
        twice.push_back(f);
      }
      twice.pop_back();
      std::shuffle(twice.begin(), twice.end() - 1, rng);
      frags = twice;
      break;
    }
  }
  Reassembler r(ReassemblyConfig{});
  const ReassemblyResult got = Feed(r, frags);
  ASSERT_EQ(got.verdict, R::kComplete);
  EXPECT_EQ(Bytes(got.frame.begin(), got.frame.end()), Whole(s, frame, 0x4242));
  FrameView v;
  ASSERT_EQ(ParseFrame(got.frame, &v), FrameVerdict::kUdp);
  EXPECT_EQ(v.payload_len, s.udp_len - 8);
  EXPECT_EQ(v.vlan, s.vlan);
  EXPECT_EQ(r.InUse(), 0u);
  EXPECT_EQ(r.Count(R::kComplete), 1u);
}

std::vector<Case> AllCases() {
  std::vector<Case> cases;
  for (const bool v6 : {false, true}) {
    for (const bool vlan : {false, true}) {
      for (const size_t len : {size_t{1600}, size_t{9000}}) {
        for (const size_t mtu : {size_t{1500}, size_t{576}}) {
          for (const Order o :
               {Order::kInOrder, Order::kReversed, Order::kShuffled, Order::kDuplicated}) {
            cases.push_back({{v6, vlan, len}, mtu, o});
          }
        }
      }
    }
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Reassembly, ReassemblyOrders, ::testing::ValuesIn(AllCases()));

ReassemblyResult AddOne(Reassembler& r, const Bytes& f, uint64_t now_ms = 0) {
  FrameView v;
  ParseFrame(f, &v);
  return r.Add(f, v, now_ms);
}

TEST(ReassemblyDrops, VerdictNamesAreDistinct) {
  std::set<std::string> names;
  for (size_t i = 0; i < kReassemblyVerdictCount; ++i) {
    names.insert(ReassemblyVerdictName(static_cast<R>(i)));
  }
  EXPECT_EQ(names.size(), kReassemblyVerdictCount);
}

TEST(ReassemblyDrops, OverlapWithDifferentDataDropsTheDatagram) {
  for (const bool v6 : {false, true}) {
    const Shape s{v6, false, 200};
    const Bytes d = Datagram(s);
    Bytes other = d;
    other[L3(s) + IpLen(s) + 60] ^= 1;  // one octet of the second piece differs
    Reassembler r(ReassemblyConfig{});
    EXPECT_EQ(AddOne(r, Piece(s, d, 0, 64, true, 5)).verdict, R::kPending);
    EXPECT_EQ(AddOne(r, Piece(s, other, 56, 144, false, 5)).verdict, R::kOverlap);
    EXPECT_EQ(r.InUse(), 0u);
    // The rest of the datagram starts over and cannot complete alone.
    EXPECT_EQ(AddOne(r, Piece(s, d, 64, 136, false, 5)).verdict, R::kPending);
    EXPECT_EQ(r.Count(R::kOverlap), 1u);
  }
}

TEST(ReassemblyDrops, SameDataOverlapIsToleratedOnlyForIpv4) {
  for (const bool v6 : {false, true}) {
    const Shape s{v6, false, 200};
    const Bytes d = Datagram(s);
    Reassembler r(ReassemblyConfig{});
    EXPECT_EQ(AddOne(r, Piece(s, d, 0, 64, true, 5)).verdict, R::kPending);
    const R second = AddOne(r, Piece(s, d, 56, 144, false, 5)).verdict;
    EXPECT_EQ(second, v6 ? R::kOverlap : R::kComplete) << v6;  // RFC 5722 for IPv6
  }
}

TEST(ReassemblyDrops, DifferentEndsAreInconsistent) {
  const Shape s{false, false, 200};
  const Bytes d = Datagram(s);
  Reassembler r(ReassemblyConfig{});
  EXPECT_EQ(AddOne(r, Piece(s, d, 64, 136, false, 5)).verdict, R::kPending);
  EXPECT_EQ(AddOne(r, Piece(s, d, 64, 72, false, 5)).verdict, R::kOverlap);  // a second end
  EXPECT_EQ(AddOne(r, Piece(s, d, 64, 72, false, 6)).verdict, R::kPending);
  EXPECT_EQ(AddOne(r, Piece(s, d, 136, 64, true, 6)).verdict, R::kOverlap);  // past the end
}

TEST(ReassemblyDrops, MissingPieceTimesOut) {
  const Shape s{true, true, 1600};
  const std::vector<Bytes> frags = Fragments(s, Datagram(s), 576, 77);
  Reassembler r(ReassemblyConfig{.slots = 4, .max_datagram = 9216, .timeout_ms = 5000});
  EXPECT_EQ(AddOne(r, frags[0], 1000).verdict, R::kPending);
  EXPECT_EQ(AddOne(r, frags[2], 1001).verdict, R::kPending);
  r.Expire(5999);
  EXPECT_EQ(r.InUse(), 1u);
  r.Expire(6000);
  EXPECT_EQ(r.InUse(), 0u);
  EXPECT_EQ(r.Count(R::kTimeout), 1u);
  // A late piece after the timeout starts a new datagram rather than completing the old one.
  EXPECT_EQ(AddOne(r, frags[0], 7000).verdict, R::kPending);
  EXPECT_EQ(AddOne(r, frags[1], 12500).verdict, R::kPending);  // the slot timed out in Add
  EXPECT_EQ(r.Count(R::kTimeout), 2u);
}

TEST(ReassemblyDrops, TooBigAndBadLength) {
  const Shape s{false, false, 9000};
  const Bytes d = Datagram(s);
  Reassembler r(ReassemblyConfig{.slots = 4, .max_datagram = 2000, .timeout_ms = 5000});
  EXPECT_EQ(AddOne(r, Piece(s, d, 0, 1480, true, 3)).verdict, R::kPending);
  EXPECT_EQ(AddOne(r, Piece(s, d, 1480, 1480, true, 3)).verdict, R::kTooBig);
  EXPECT_EQ(r.InUse(), 0u);  // the datagram could never complete
  EXPECT_EQ(AddOne(r, Piece(s, d, 0, 12, true, 4)).verdict, R::kBadLength);
  EXPECT_EQ(AddOne(r, Piece(s, d, 8, 0, false, 4)).verdict, R::kBadLength);
  EXPECT_EQ(r.InUse(), 0u);
  FrameView v;
  const Bytes whole = Datagram({false, false, 100});
  ParseFrame(whole, &v);
  EXPECT_EQ(r.Add(whole, v, 0).verdict, R::kNotFragment);
}

TEST(ReassemblyDrops, AtomicFragmentStandsAlone) {
  const Shape s{true, false, 200};
  const Bytes d = Datagram(s);
  Reassembler r(ReassemblyConfig{});
  EXPECT_EQ(AddOne(r, Piece(s, d, 0, 64, true, 8)).verdict, R::kPending);
  Bytes other = d;
  other[L3(s) + IpLen(s) + 100] ^= 1;
  const ReassemblyResult got = AddOne(r, Piece(s, other, 0, 200, false, 8));
  ASSERT_EQ(got.verdict, R::kComplete);  // RFC 6946: not mixed with the pending datagram
  EXPECT_EQ(Bytes(got.frame.begin(), got.frame.end()), other);
  EXPECT_EQ(r.InUse(), 1u);
}

TEST(ReassemblyDrops, AllSlotsBusyEvictsTheOldest) {
  const Shape s{false, false, 1600};
  const Bytes d = Datagram(s);
  const auto a = Fragments(s, d, 1500, 1), b = Fragments(s, d, 1500, 2),
             c = Fragments(s, d, 1500, 3);
  Reassembler r(ReassemblyConfig{.slots = 2, .max_datagram = 9216, .timeout_ms = 5000});
  EXPECT_EQ(AddOne(r, a[0], 10).verdict, R::kPending);
  EXPECT_EQ(AddOne(r, b[0], 11).verdict, R::kPending);
  EXPECT_EQ(AddOne(r, c[0], 12).verdict, R::kPending);  // a, the oldest, goes
  EXPECT_EQ(r.Count(R::kEvicted), 1u);
  EXPECT_EQ(AddOne(r, b[1], 13).verdict, R::kComplete);
  EXPECT_EQ(AddOne(r, c[1], 13).verdict, R::kComplete);
  EXPECT_EQ(AddOne(r, a[1], 14).verdict, R::kPending);  // its first piece is gone
}

TEST(ReassemblyDrops, InterleavedDatagramsFromTwoSources) {
  for (const bool v6 : {false, true}) {
    const Shape s{v6, false, 9000};
    const IpAddr other = v6 ? Ip("2001:db8::3") : Ip("192.0.2.3");
    const Bytes d1 = Datagram(s, 1), d2 = Datagram(s, 2, other);
    const auto f1 = Fragments(s, d1, 1500, 9), f2 = Fragments(s, d2, 1500, 9);  // same id
    ASSERT_EQ(f1.size(), f2.size());
    Reassembler r(ReassemblyConfig{});
    for (size_t i = 0; i + 1 < f1.size(); ++i) {
      EXPECT_EQ(AddOne(r, f1[i]).verdict, R::kPending);
      EXPECT_EQ(AddOne(r, f2[f2.size() - 1 - i]).verdict, R::kPending);
    }
    ReassemblyResult got = AddOne(r, f1.back());
    ASSERT_EQ(got.verdict, R::kComplete);
    EXPECT_EQ(Bytes(got.frame.begin(), got.frame.end()), Whole(s, d1, 9));
    got = AddOne(r, f2.front());
    ASSERT_EQ(got.verdict, R::kComplete);
    EXPECT_EQ(Bytes(got.frame.begin(), got.frame.end()), Whole(s, d2, 9));
  }
}

}  // namespace
}  // namespace rcas::dataplane
