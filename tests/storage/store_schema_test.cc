// The store's key encodings, report value, expiry filter and max-merge (storage/store_schema.h).
#include "storage/store_schema.h"

#include <gtest/gtest.h>

#include "tests/storage/store_test_util.h"

namespace rcas::storage {
namespace {

using testing::Cam;
using testing::Cass;

std::string Hex(const std::string& s) { return ToHex(AsView(s)); }

TEST(StoreSchema, KeysAreDocumentedConcatenations) {
  EXPECT_EQ(Hex(ReportKey(Cam(0x0102030405060708), 0x1122334455667788, 0xa1b2c3d4)),
            "0102030405060708"
            "1122334455667788"
            "a1b2c3d4");
  SessionId s{};
  s[0] = 0xee;
  s[9] = 0xff;
  EXPECT_EQ(Hex(ReplayKey(Cam(1), s)),
            "0000000000000001"
            "ee0000000000000000ff");
  EXPECT_EQ(Hex(Be64String(0x0102)), "0000000000000102");
}

TEST(StoreSchema, ReportValueRoundTripsAndRejectsBadInput) {
  const Report r{ReportKind::kLog, 77, Cass(0x0a0b0c0d), Bytes{1, 2, 3}};
  const std::string key = ReportKey(Cam(1), 77, 5);
  const std::string value = EncodeReport(r);
  EXPECT_EQ(Hex(value),
            "01"
            "02"
            "0a0b0c0d"
            "010203");
  Report back;
  ASSERT_TRUE(DecodeReport(key, value, back));
  EXPECT_EQ(back.kind, r.kind);
  EXPECT_EQ(back.unix_ms, 77u);
  EXPECT_EQ(back.cass_id, r.cass_id);
  EXPECT_EQ(back.body, r.body);

  EXPECT_FALSE(DecodeReport(key.substr(1), value, back));
  EXPECT_FALSE(DecodeReport(key, value.substr(0, 5), back));
  for (auto [offset, octet] : std::vector<std::pair<size_t, char>>{{0, 2}, {1, 0}, {1, 4}}) {
    std::string v = value;
    v[offset] = octet;
    EXPECT_FALSE(DecodeReport(key, v, back)) << offset;
  }
}

TEST(StoreSchema, ExpiryFilterDropsOnlyWhatTheClockHasPassed) {
  std::atomic<uint64_t> clock{1000};
  ReplayExpiryFilter f(&clock);
  std::string unused;
  bool changed = false;
  EXPECT_TRUE(f.Filter(0, "k", Be64String(999), &unused, &changed));
  EXPECT_TRUE(f.Filter(0, "k", Be64String(1000), &unused, &changed));
  EXPECT_FALSE(f.Filter(0, "k", Be64String(1001), &unused, &changed));
  EXPECT_FALSE(f.Filter(0, "k", "short", &unused, &changed));  // unreadable: kept
  clock = 2000;
  EXPECT_TRUE(f.Filter(0, "k", Be64String(1001), &unused, &changed));
  clock = 0;  // a fresh store drops nothing
  EXPECT_FALSE(f.Filter(0, "k", Be64String(0), &unused, &changed));
}

TEST(StoreSchema, Max64MergeKeepsTheLargest) {
  auto op = NewMax64MergeOperator();
  auto* assoc = static_cast<rocksdb::AssociativeMergeOperator*>(op.get());
  std::string out;
  const std::string five_value = Be64String(5);
  const rocksdb::Slice five(five_value);
  ASSERT_TRUE(assoc->Merge("k", nullptr, Be64String(3), &out, nullptr));
  EXPECT_EQ(out, Be64String(3));
  ASSERT_TRUE(assoc->Merge("k", &five, Be64String(3), &out, nullptr));
  EXPECT_EQ(out, five_value);
  ASSERT_TRUE(assoc->Merge("k", &five, Be64String(9), &out, nullptr));
  EXPECT_EQ(out, Be64String(9));
  EXPECT_FALSE(assoc->Merge("k", &five, "bad", &out, nullptr));
}

}  // namespace
}  // namespace rcas::storage
