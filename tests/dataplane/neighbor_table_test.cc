// NeighborTable (dataplane/neighbor_table.h): learn, find, overwrite, bounded eviction.

#include "dataplane/neighbor_table.h"

#include <gtest/gtest.h>

namespace rcas::dataplane {
namespace {

MacAddr Mac(uint32_t i) {
  return {0x02,
          0,
          static_cast<uint8_t>(i >> 24),
          static_cast<uint8_t>(i >> 16),
          static_cast<uint8_t>(i >> 8),
          static_cast<uint8_t>(i)};
}

TEST(NeighborTable, LearnFindOverwrite) {
  NeighborTable t(16);
  const IpAddr a = IpAddr::V4(0xc0000201);
  const IpAddr a6 = *IpAddr::Parse("::c000:201");  // same octets, other family
  EXPECT_EQ(t.Find(a), nullptr);
  t.Learn(a, Mac(1), 10);
  ASSERT_NE(t.Find(a), nullptr);
  EXPECT_EQ(*t.Find(a), Mac(1));
  EXPECT_EQ(t.Find(a6), nullptr);
  t.Learn(a, Mac(2), 11);
  EXPECT_EQ(*t.Find(a), Mac(2));
  EXPECT_EQ(t.size(), 1u);
  t.Learn(a6, Mac(3), 12);
  EXPECT_EQ(*t.Find(a6), Mac(3));
  EXPECT_EQ(*t.Find(a), Mac(2));
  EXPECT_EQ(t.size(), 2u);
}

TEST(NeighborTable, CapacityRoundsUpToAPowerOfTwo) {
  EXPECT_EQ(NeighborTable(0).capacity(), 1u);
  EXPECT_EQ(NeighborTable(100).capacity(), 128u);
  EXPECT_EQ(NeighborTable(64).capacity(), 64u);
}

TEST(NeighborTable, FullTableEvictsTheOldestAndNeverGrows) {
  NeighborTable t(64);
  // A /24 of IPv4 hosts plus IPv6 ones, far more than fit.
  for (uint32_t i = 0; i < 1000; ++i) {
    IpAddr ip = IpAddr::V4(0x0a000000 + i);
    if (i % 2 == 1) {
      ip = *IpAddr::Parse("2001:db8::");
      ip.b[14] = static_cast<uint8_t>(i >> 8);
      ip.b[15] = static_cast<uint8_t>(i);
    }
    t.Learn(ip, Mac(i), i);
    ASSERT_NE(t.Find(ip), nullptr) << i;  // the newest is always found
    EXPECT_EQ(*t.Find(ip), Mac(i));
    EXPECT_LE(t.size(), t.capacity());
  }
  EXPECT_EQ(t.capacity(), 64u);
  EXPECT_GE(t.size(), 56u);  // the hash spreads a /24 over the table
}

TEST(NeighborTable, EvictsTheLeastRecentlySeenOfTheWindow) {
  NeighborTable t(1);  // a window of one slot: every new address evicts
  t.Learn(IpAddr::V4(1), Mac(1), 5);
  t.Learn(IpAddr::V4(2), Mac(2), 6);
  EXPECT_EQ(t.Find(IpAddr::V4(1)), nullptr);
  EXPECT_EQ(*t.Find(IpAddr::V4(2)), Mac(2));
  EXPECT_EQ(t.size(), 1u);

  NeighborTable w(NeighborTable::kProbeWindow);  // one window over the whole table
  for (uint32_t i = 0; i < NeighborTable::kProbeWindow; ++i) {
    w.Learn(IpAddr::V4(100 + i), Mac(i), 1000 + i);
  }
  w.Learn(IpAddr::V4(100), Mac(0), 2000);  // refreshed: no longer the oldest
  w.Learn(IpAddr::V4(999), Mac(9), 3000);
  EXPECT_EQ(w.Find(IpAddr::V4(101)), nullptr);  // seen at 1001: the oldest
  EXPECT_NE(w.Find(IpAddr::V4(100)), nullptr);
  EXPECT_EQ(*w.Find(IpAddr::V4(999)), Mac(9));
  EXPECT_EQ(w.size(), NeighborTable::kProbeWindow);
}

}  // namespace
}  // namespace rcas::dataplane
