// DerReader / ComponentReader edge cases (PROFILE §7.2, §7.3, §23.8).

#include "protocol/der_reader.h"

#include <gtest/gtest.h>

#include <cctype>

#include "tests/common/vectors.h"

namespace rcas::protocol {
namespace {

Bytes Hex(const std::string& hex) { return rcas::testing::Hex(hex); }

// ReadOne reads one element from `hex`; returns the reason ("ok" on success).
std::string ReadOne(const std::string& hex, DerTag* tag = nullptr, Bytes* contents = nullptr) {
  const Bytes in = Hex(hex);
  DerReader r(in);
  DerTag t;
  ByteView c;
  if (!r.ReadElement(&t, &c)) {
    EXPECT_EQ(r.remaining(), in.size()) << "a failed read must not consume";
    return std::string(DecodeErrorName(r.error()));
  }
  if (tag != nullptr) {
    *tag = t;
  }
  if (contents != nullptr) {
    contents->assign(c.begin(), c.end());
  }
  return "ok";
}

TEST(DerReader, ShortAndMinimalLongLengths) {
  Bytes c;
  EXPECT_EQ(ReadOne("0403010203", nullptr, &c), "ok");
  EXPECT_EQ(ToHex(c), "010203");
  EXPECT_EQ(ReadOne("0400", nullptr, &c), "ok");
  EXPECT_TRUE(c.empty());
  const std::string body(0x80 * 2, 'a');
  EXPECT_EQ(ReadOne("048180" + body, nullptr, &c), "ok");
  EXPECT_EQ(c.size(), 0x80u);
}

TEST(DerReader, AcceptsNonMinimalDefiniteLengthsOfAnyOctetCount) {
  Bytes c;
  EXPECT_EQ(ReadOne("04810201ff", nullptr, &c), "ok");  // 0x81 for a length < 128
  EXPECT_EQ(ToHex(c), "01ff");
  EXPECT_EQ(ReadOne("0482000201ff", nullptr, &c), "ok");
  EXPECT_EQ(ReadOne("0485000000000201ff", nullptr, &c), "ok");
  // 126 length octets (0xfe), all but the last zero.
  EXPECT_EQ(ReadOne("04fe" + std::string(125 * 2, '0') + "0201ff", nullptr, &c), "ok");
  EXPECT_EQ(ToHex(c), "01ff");
}

TEST(DerReader, RejectsIndefiniteAndReservedLengths) {
  EXPECT_EQ(ReadOne("30800401000000"), "indefinite-length");
  EXPECT_EQ(ReadOne("04ff00"), "reserved-length");
}

TEST(DerReader, HighTagNumberFormOnlyAbove30AndMinimal) {
  EXPECT_EQ(ReadOne("9f0000"), "high-tag-number");    // [0] in long form
  EXPECT_EQ(ReadOne("9f1e00"), "high-tag-number");    // [30]
  EXPECT_EQ(ReadOne("9f801f00"), "high-tag-number");  // leading zero septet
  DerTag tag;
  EXPECT_EQ(ReadOne("9f1f00", &tag), "ok");
  EXPECT_EQ(tag, (DerTag{kClassContext, false, 31}));
  EXPECT_EQ(ReadOne("bf810000", &tag), "ok");
  EXPECT_EQ(tag, (DerTag{kClassContext, true, 128}));
  EXPECT_EQ(ReadOne("9f8fffffff7f00", &tag), "ok");  // 32 bits
  EXPECT_EQ(tag.number, 0xffffffffu);
  EXPECT_EQ(ReadOne("9f908080800000"), "high-tag-number");  // 33 bits
}

TEST(DerReader, TruncationAtEveryPoint) {
  EXPECT_EQ(ReadOne(""), "truncated");
  EXPECT_EQ(ReadOne("04"), "truncated");                      // no length
  EXPECT_EQ(ReadOne("9f"), "truncated");                      // tag number missing
  EXPECT_EQ(ReadOne("9f81"), "truncated");                    // tag number cut
  EXPECT_EQ(ReadOne("0482"), "truncated");                    // length octets missing
  EXPECT_EQ(ReadOne("048201"), "truncated");                  // length octets cut
  EXPECT_EQ(ReadOne("040301"), "truncated");                  // contents cut
  EXPECT_EQ(ReadOne("0488ffffffffffffffff"), "truncated");    // absurd length
  EXPECT_EQ(ReadOne("0489010000000000000000"), "truncated");  // > 64-bit length
}

TEST(DerReader, ReportsTagClassFormAndWholeElement) {
  const Bytes in = Hex("a203800100ff");
  DerReader r(in);
  DerTag tag;
  ByteView contents;
  ByteView element;
  ASSERT_TRUE(r.ReadElement(&tag, &contents, &element));
  EXPECT_EQ(tag, (DerTag{kClassContext, true, 2}));
  EXPECT_EQ(ToHex(contents), "800100");
  EXPECT_EQ(ToHex(element), "a203800100");
  EXPECT_EQ(r.remaining(), 1u);
}

TEST(DerReader, ReadSequenceWantsUniversalConstructed16) {
  for (const char* hex : {"3100", "1000", "a000", "0400"}) {
    const Bytes in = Hex(hex);
    DerReader r(in);
    DerReader inner;
    EXPECT_FALSE(r.ReadSequence(&inner)) << hex;
    EXPECT_EQ(r.error(), DecodeError::kWrongTag) << hex;
  }
  const Bytes in = Hex("3003800101");
  DerReader r(in);
  DerReader inner;
  ASSERT_TRUE(r.ReadSequence(&inner));
  EXPECT_EQ(ToHex(inner.data()), "800101");
  EXPECT_TRUE(r.empty());
}

TEST(DerReader, ReadHeaderLeavesDeclaredLengthUnchecked) {
  const Bytes in = Hex("3082ffff8001");
  DerReader r(in);
  DerTag tag;
  size_t len = 0;
  ASSERT_TRUE(r.ReadHeader(&tag, &len));
  EXPECT_EQ(len, 0xffffu);
  EXPECT_EQ(r.remaining(), 2u);
}

TEST(DerContents, BooleanNeedsOneOctetAndAnyNonZeroIsTrue) {
  bool v = false;
  EXPECT_EQ(ParseBoolean({}, &v), DecodeError::kBadBoolean);
  const Bytes two = Hex("ffff");
  EXPECT_EQ(ParseBoolean(two, &v), DecodeError::kBadBoolean);
  const Bytes one = Hex("01");
  ASSERT_EQ(ParseBoolean(one, &v), DecodeError::kNone);
  EXPECT_TRUE(v);
  const Bytes zero = Hex("00");
  ASSERT_EQ(ParseBoolean(zero, &v), DecodeError::kNone);
  EXPECT_FALSE(v);
}

TEST(DerContents, BitStringNeedsZeroUnusedBits) {
  ByteView bits;
  EXPECT_EQ(ParseBitString({}, &bits), DecodeError::kBitStringEmpty);
  const Bytes unused = Hex("01ab");
  EXPECT_EQ(ParseBitString(unused, &bits), DecodeError::kBitStringUnusedBits);
  const Bytes ok = Hex("00abcd");
  ASSERT_EQ(ParseBitString(ok, &bits), DecodeError::kNone);
  EXPECT_EQ(ToHex(bits), "abcd");
  const Bytes empty_bits = Hex("00");
  ASSERT_EQ(ParseBitString(empty_bits, &bits), DecodeError::kNone);
  EXPECT_TRUE(bits.empty());
}

TEST(DerContents, PrintableStringCharset) {
  EXPECT_TRUE(IsPrintableString(AsView("cacs/A-z 09'()+,.:=?")));
  for (const char* bad : {"a_b", "a~", "50%", "a&b", "a@b", "a*b", "tab\t", "\x80"}) {
    EXPECT_FALSE(IsPrintableString(AsView(bad))) << bad;
  }
}

// Walk reads components per `forms` ('s' string, 'p' BOOLEAN, 'c'
// constructed; upper case = OPTIONAL) and returns the reason or the present
// pattern ("1" present, "0" absent).
std::string Walk(const std::string& hex, const std::string& forms) {
  const Bytes in = Hex(hex);
  ComponentReader r(in);
  std::string pattern;
  for (uint32_t i = 0; i < forms.size(); ++i) {
    const char f = static_cast<char>(std::tolower(forms[i]));
    const ComponentForm form = f == 's'   ? ComponentForm::kString
                               : f == 'p' ? ComponentForm::kPrimitive
                                          : ComponentForm::kConstructed;
    bool present = true;
    ByteView contents;
    if (!r.Next(i, form, &contents, std::isupper(forms[i]) ? &present : nullptr)) {
      return std::string(DecodeErrorName(r.error()));
    }
    pattern += present ? '1' : '0';
  }
  return r.Finish() ? pattern : std::string(DecodeErrorName(r.error()));
}

TEST(ComponentReader, AutomaticTagsCountAbsentOptionals) {
  EXPECT_EQ(Walk("800101820101", "sSs"), "101");
  EXPECT_EQ(Walk("800101", "sSS"), "100");
  EXPECT_EQ(Walk("8001018101ff820101", "sPs"), "111");
  EXPECT_EQ(Walk("a0038001018101ff", "cp"), "11");
}

TEST(ComponentReader, ReasonsForMisplacedComponents) {
  EXPECT_EQ(Walk("810101800101", "ss"), "missing-component");     // swapped
  EXPECT_EQ(Walk("800101", "ss"), "missing-component");           // left out
  EXPECT_EQ(Walk("040101810101", "ss"), "wrong-tag");             // UNIVERSAL in place of [0]
  EXPECT_EQ(Walk("800101800101", "ss"), "wrong-tag");             // [0] again in place of [1]
  EXPECT_EQ(Walk("8001010c0141", "sS"), "unexpected-component");  // UTF8String where [1]? stands
  EXPECT_EQ(Walk("800101810101", "s"), "unexpected-component");   // extra after the last
  EXPECT_EQ(Walk("a003040101", "s"), "constructed-string");
  EXPECT_EQ(Walk("a1030101ff", "sp"), "missing-component");
  EXPECT_EQ(Walk("800101a1030101ff", "sp"), "wrong-tag");  // constructed BOOLEAN
  EXPECT_EQ(Walk("800101", "c"), "wrong-tag");             // primitive SEQUENCE
}

TEST(ComponentReader, ElementErrorsWinOverOptionalAbsence) {
  EXPECT_EQ(Walk("9f0001ff", "S"), "high-tag-number");
  EXPECT_EQ(Walk("8180", "sS"), "indefinite-length");
  EXPECT_EQ(Walk("800501", "S"), "truncated");
}

}  // namespace
}  // namespace rcas::protocol
