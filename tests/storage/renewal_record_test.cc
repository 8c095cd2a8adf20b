// RenewalRecord: the body of a kRenewal report round-trips; anything else is refused.
#include "storage/renewal_record.h"

#include <gtest/gtest.h>

namespace rcas::storage {
namespace {

TEST(RenewalRecordTest, RoundTripsAndRefusesOtherBodies) {
  const RenewalRecord r{RenewalResult::kHashFailed, 0x0000000300000005ull, 1'760'000'000'123ull};
  const Bytes body = EncodeRenewalRecord(r);
  EXPECT_EQ(ToHex(body), "0103000000030000000500000199c82cc07b");
  auto back = DecodeRenewalRecord(body);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->result, r.result);
  EXPECT_EQ(back->deliver_version, r.deliver_version);
  EXPECT_EQ(back->unix_ms, r.unix_ms);
  EXPECT_STREQ(RenewalResultName(back->result), "hash-failed");
  for (size_t at : {size_t{0}, size_t{1}}) {
    for (uint8_t v : {uint8_t{0}, uint8_t{5}}) {
      Bytes bad = body;
      bad[at] = v;
      EXPECT_FALSE(DecodeRenewalRecord(bad)) << at << " " << int(v);
    }
  }
  EXPECT_FALSE(DecodeRenewalRecord(ByteView(body).first(body.size() - 1)));
  Bytes longer = body;
  longer.push_back(0);
  EXPECT_FALSE(DecodeRenewalRecord(longer));
}

}  // namespace
}  // namespace rcas::storage
