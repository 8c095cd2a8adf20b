// DerWriter: minimal definite lengths, nesting, counting mode and overflow
// (PROFILE §7.2).

#include "protocol/der_writer.h"

#include <gtest/gtest.h>

#include "protocol/der_reader.h"

namespace rcas::protocol {
namespace {

std::string HeaderOf(size_t len) {
  Bytes contents(len, 0xab);
  Bytes buf(len + 8);
  DerWriter w{MutableByteView(buf)};
  EXPECT_TRUE(w.AddPrimitive(0x04, contents));
  EXPECT_EQ(w.size(), len + 1 + DerLengthOctets(len));
  return ToHex(ByteView(buf).first(1 + DerLengthOctets(len)));
}

TEST(DerWriter, WritesMinimalLengths) {
  EXPECT_EQ(HeaderOf(0), "0400");
  EXPECT_EQ(HeaderOf(127), "047f");
  EXPECT_EQ(HeaderOf(128), "048180");
  EXPECT_EQ(HeaderOf(255), "0481ff");
  EXPECT_EQ(HeaderOf(256), "04820100");
  EXPECT_EQ(HeaderOf(65535), "0482ffff");
  EXPECT_EQ(HeaderOf(65536), "0483010000");
}

TEST(DerWriter, NestedLengthsAreMinimalAndContentsMoveIntact) {
  for (size_t inner_len : {5u, 124u, 125u, 200u, 300u, 70000u}) {
    Bytes inner(inner_len);
    for (size_t i = 0; i < inner_len; ++i) {
      inner[i] = static_cast<uint8_t>(i * 7);
    }
    auto write = [&](DerWriter& w) {
      size_t outer = 0;
      size_t mid = 0;
      return w.Begin(0x30, &outer) && w.Begin(0xa1, &mid) && w.AddPrimitive(0x80, inner) &&
             w.End(mid) && w.AddBoolean(0x82, true) && w.End(outer);
    };
    DerWriter counter;
    ASSERT_TRUE(write(counter));
    Bytes buf(counter.size());
    DerWriter w{MutableByteView(buf)};
    ASSERT_TRUE(write(w));
    ASSERT_EQ(w.size(), buf.size());

    DerReader r(buf);
    DerReader seq;
    ASSERT_TRUE(r.ReadSequence(&seq));
    EXPECT_TRUE(r.empty());
    // Every length minimal: the total is what the minimal forms add up to.
    const size_t mid_len = 1 + DerLengthOctets(inner_len) + inner_len;
    const size_t outer_len = 1 + DerLengthOctets(mid_len) + mid_len + 3;
    EXPECT_EQ(buf.size(), 1 + DerLengthOctets(outer_len) + outer_len);
    DerTag tag;
    ByteView mid;
    ASSERT_TRUE(seq.ReadElement(&tag, &mid));
    DerReader mid_reader(mid);
    ByteView got;
    ASSERT_TRUE(mid_reader.ReadElement(&tag, &got));
    EXPECT_TRUE(std::equal(got.begin(), got.end(), inner.begin(), inner.end()));
    ByteView flag;
    ASSERT_TRUE(seq.ReadElement(&tag, &flag));
    EXPECT_EQ(ToHex(flag), "ff");
  }
}

TEST(DerWriter, FailsWithoutOverrunWhenTheBufferIsShort) {
  const Bytes contents(200, 0x11);
  for (size_t cap = 0; cap < 210; ++cap) {
    Bytes buf(cap + 1, 0xee);  // one guard octet past the capacity
    DerWriter w{MutableByteView(buf).first(cap)};
    size_t mark = 0;
    const bool ok = w.Begin(0x30, &mark) && w.AddPrimitive(0x80, contents) && w.End(mark);
    EXPECT_EQ(ok, cap >= 206) << cap;  // 30 81 cb 80 81 c8 <200>
    EXPECT_EQ(w.ok(), ok);
    EXPECT_EQ(buf[cap], 0xee) << cap;
  }
}

TEST(DerWriter, BooleanTrueIsFfAndBitStringHasZeroUnusedBits) {
  Bytes buf(16);
  DerWriter w{MutableByteView(buf)};
  ASSERT_TRUE(w.AddBoolean(0x81, true));
  ASSERT_TRUE(w.AddBoolean(0x82, false));
  const uint8_t bits[] = {0xab};
  ASSERT_TRUE(w.AddBitString(0x83, bits));
  ASSERT_TRUE(w.AddUnsigned(0x84, 0xbfd0, 4));
  EXPECT_EQ(ToHex(ByteView(buf).first(w.size())), "8101ff820100830200ab84040000bfd0");
}

}  // namespace
}  // namespace rcas::protocol
