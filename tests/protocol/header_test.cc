#include "protocol/header.h"

#include <gtest/gtest.h>

#include <string>

namespace rcas::protocol {
namespace {

std::array<uint8_t, kHeaderLen> Encode(uint16_t type, uint32_t length, uint64_t nonce,
                                       uint8_t version = kProtocolVersion, uint8_t reserved = 0) {
  std::array<uint8_t, kHeaderLen> h{};
  StoreBe16(h.data(), type);
  StoreBe32(h.data() + 2, length);
  StoreBe64(h.data() + 6, nonce);
  h[14] = version;
  h[15] = reserved;
  return h;
}

HeaderError ParseOf(const std::array<uint8_t, kHeaderLen>& raw) {
  Header h;
  return ParseHeader(raw, &h);
}

TEST(Header, WriteThenParseRoundTripsBigEndian) {
  const Header h = MakeHeader(MessageType::kRenewInfo, 0x90, 0x0102030405060708);
  std::array<uint8_t, kHeaderLen> raw{};
  WriteHeader(h, raw.data());
  EXPECT_EQ(ToHex(raw), "0007000000a001020304050607080100");
  Header parsed;
  ASSERT_EQ(ParseHeader(raw, &parsed), HeaderError::kOk);
  EXPECT_EQ(parsed.type, MessageType::kRenewInfo);
  EXPECT_EQ(parsed.length, 0xa0u);
  EXPECT_EQ(parsed.nonce, 0x0102030405060708u);
  EXPECT_EQ(parsed.content_len(), 0x90u);
  EXPECT_EQ(parsed.message_len(), 0xa0u + kMacLen);
}

TEST(Header, ReservedOctetIsIgnoredButKept) {
  Header h;
  ASSERT_EQ(ParseHeader(Encode(0x000A, 0x21, 1, 1, 0xff), &h), HeaderError::kOk);
  EXPECT_EQ(h.reserved, 0xff);
}

TEST(Header, SignedTypesHave256OctetTrailer) {
  Header h;
  ASSERT_EQ(ParseHeader(Encode(0x0003, 100, 1), &h), HeaderError::kOk);
  EXPECT_EQ(h.message_len(), 100u + kSignatureLen);
}

TEST(Header, TooShortInput) {
  const auto raw = Encode(0x0001, 100, 1);
  Header h;
  EXPECT_EQ(ParseHeader(ByteView(raw.data(), 15), &h), HeaderError::kTooShort);
  EXPECT_EQ(ParseHeader(ByteView(), &h), HeaderError::kTooShort);
}

TEST(Header, VersionMustBeOne) {
  EXPECT_EQ(ParseOf(Encode(0x0001, 100, 1, 0x00)), HeaderError::kBadVersion);
  EXPECT_EQ(ParseOf(Encode(0x0001, 100, 1, 0x02)), HeaderError::kBadVersion);
}

TEST(Header, OnlyTypesOneToFourteen) {
  EXPECT_EQ(ParseOf(Encode(0x0000, 100, 1)), HeaderError::kUnknownType);
  EXPECT_EQ(ParseOf(Encode(0x000F, 100, 1)), HeaderError::kUnknownType);
  EXPECT_EQ(ParseOf(Encode(0x0100, 100, 1)), HeaderError::kUnknownType);
  for (uint16_t t = 1; t <= 14; ++t) {
    const bool enc = IsEncrypted(static_cast<MessageType>(t));
    EXPECT_EQ(ParseOf(Encode(t, enc ? 32 : 18, 1)), HeaderError::kOk) << t;
  }
}

TEST(Header, LengthBounds) {
  EXPECT_EQ(ParseOf(Encode(0x0001, 17, 1)), HeaderError::kLengthTooSmall);
  EXPECT_EQ(ParseOf(Encode(0x0001, 0, 1)), HeaderError::kLengthTooSmall);
  EXPECT_EQ(ParseOf(Encode(0x0001, 18, 1)), HeaderError::kOk);
  EXPECT_EQ(ParseOf(Encode(0x0001, 65535, 1)), HeaderError::kOk);
  EXPECT_EQ(ParseOf(Encode(0x0001, 65536, 1)), HeaderError::kLengthTooLarge);
  EXPECT_EQ(ParseOf(Encode(0x0001, 0xffffffff, 1)), HeaderError::kLengthTooLarge);
}

TEST(Header, EncryptedContentIsPositiveMultipleOfSixteen) {
  EXPECT_EQ(ParseOf(Encode(0x0007, 16 + 16, 1)), HeaderError::kOk);
  EXPECT_EQ(ParseOf(Encode(0x0007, 16 + 161, 1)), HeaderError::kBadCipherLength);
  EXPECT_EQ(ParseOf(Encode(0x0006, 16 + 17, 1)), HeaderError::kBadCipherLength);
  // 65535 - 16 is not a multiple of 16; the largest valid is 16 + 65504.
  EXPECT_EQ(ParseOf(Encode(0x000C, 65535, 1)), HeaderError::kBadCipherLength);
  EXPECT_EQ(ParseOf(Encode(0x000C, 16 + 65504, 1)), HeaderError::kOk);
  // CAMReg and Status are plaintext: any length.
  EXPECT_EQ(ParseOf(Encode(0x0005, 16 + 17, 1)), HeaderError::kOk);
  EXPECT_EQ(ParseOf(Encode(0x000A, 16 + 17, 1)), HeaderError::kOk);
}

TEST(Header, ErrorOnlyWhenOkLeavesOutputUntouched) {
  Header h;
  h.nonce = 42;
  EXPECT_NE(ParseHeader(Encode(0x000F, 100, 7), &h), HeaderError::kOk);
  EXPECT_EQ(h.nonce, 42u);
}

}  // namespace
}  // namespace rcas::protocol
