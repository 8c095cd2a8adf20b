#include "crypto/hash.h"

#include <gtest/gtest.h>

#include "crypto/aes.h"
#include "tests/common/vectors.h"

namespace rcas::crypto {
namespace {

using rcas::testing::Hex;

TEST(Hash, Sha1KnownAnswer) {
  EXPECT_EQ(ToHex(Sha1(AsView("abc"))), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(ToHex(Sha1({AsView("a"), AsView("bc")})), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST(Hash, Sha256KnownAnswer) {
  EXPECT_EQ(ToHex(Sha256(AsView("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Hash, HmacSha1Rfc2202Case2) {
  EXPECT_EQ(ToHex(HmacSha1(AsView("Jefe"), AsView("what do ya want for nothing?"))),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
}

TEST(Hash, ConstantTimeEqualComparesSizeAndContent) {
  Bytes a = Hex(std::string("0102"));
  Bytes b = a;
  Bytes c = Hex(std::string("0103"));
  Bytes d = Hex(std::string("01"));
  EXPECT_TRUE(ConstantTimeEqual(a, b));
  EXPECT_FALSE(ConstantTimeEqual(a, c));
  EXPECT_FALSE(ConstantTimeEqual(a, d));
}

TEST(Aes, ImageVectorsRoundTrip) {
  auto j = rcas::testing::LoadJson("vectors/images.json");
  for (const auto& c : j["cases"]) {
    SCOPED_TRACE(c["description"].get<std::string>());
    const auto& in = c["inputs"];
    Bytes key = in.contains("ICCIEK") ? Hex(in["ICCIEK"]) : Hex(in["CCCIEK"]);
    Bytes iv = in.contains("ICCIEK-IV") ? Hex(in["ICCIEK-IV"]) : Hex(in["CCCIEK-IV"]);
    Bytes plain = Hex(in["plaintext"]);
    Bytes object = AesCbcEncrypt(key, iv, plain);
    EXPECT_EQ(ToHex(object), c["expected"]["object"].get<std::string>());
    EXPECT_EQ(ToHex(Sha1(plain)), c["expected"]["sha1_plaintext"].get<std::string>());
    auto back = AesCbcDecrypt(key, iv, object);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, plain);
  }
}

TEST(Aes, DecryptRejectsBadPaddingAndLengths) {
  Bytes key(16, 1);
  Bytes iv(16, 2);
  Bytes object = AesCbcEncrypt(key, iv, AsView("hello"));
  object.back() ^= 0x01;  // corrupts the padding block
  EXPECT_FALSE(AesCbcDecrypt(key, iv, object).has_value());
  EXPECT_FALSE(AesCbcDecrypt(key, iv, Bytes(15)).has_value());
  EXPECT_FALSE(AesCbcDecrypt(key, iv, Bytes()).has_value());
}

}  // namespace
}  // namespace rcas::crypto
