// Every case of vectors/malformed.json (PROFILE §7.2, §13, §23.8): each
// must_fail content is rejected with exactly its reason; each should_accept
// content decodes and re-encodes to its DER.

#include <gtest/gtest.h>

#include <set>

#include "tests/protocol/content_test_util.h"

namespace rcas::protocol {
namespace {

using testing::CodecByAsn1Name;

std::string Label(const nlohmann::json& c) {
  return c["inputs"]["content_type"].get<std::string>() + ": " +
         c["description"].get<std::string>();
}

// DecodeCase decodes one case's content with the codec its content_type
// names and re-encodes it on success.
DecodeError DecodeCase(const nlohmann::json& c, Bytes* reencoded) {
  const auto it = CodecByAsn1Name().find(c["inputs"]["content_type"].get<std::string>());
  if (it == CodecByAsn1Name().end()) {
    ADD_FAILURE() << "no codec for " << Label(c);
    return DecodeError::kWrongTag;
  }
  const Bytes in = rcas::testing::Hex(c["inputs"]["content"]);
  return it->second.decode_and_reencode(in, reencoded);
}

TEST(ContentMalformed, EveryMustFailCaseIsRejectedWithItsExactReason) {
  const auto vectors = rcas::testing::LoadJson("vectors/malformed.json");
  const auto& cases = vectors["must_fail"];
  ASSERT_GT(cases.size(), 300u);
  for (const auto& c : cases) {
    SCOPED_TRACE(Label(c));
    Bytes reencoded;
    EXPECT_EQ(DecodeErrorName(DecodeCase(c, &reencoded)),
              c["expected"]["reason"].get<std::string>());
  }
}

TEST(ContentMalformed, EveryShouldAcceptCaseReencodesToItsDer) {
  const auto vectors = rcas::testing::LoadJson("vectors/malformed.json");
  const auto& cases = vectors["should_accept"];
  ASSERT_GT(cases.size(), 40u);
  for (const auto& c : cases) {
    SCOPED_TRACE(Label(c));
    Bytes reencoded;
    ASSERT_EQ(DecodeErrorName(DecodeCase(c, &reencoded)), "ok");
    EXPECT_EQ(ToHex(reencoded), c["expected"]["der_reencoding"].get<std::string>());
  }
}

TEST(ContentMalformed, ReasonNamesAreTheVectorTokensAndDistinct) {
  const auto vectors = rcas::testing::LoadJson("vectors/malformed.json");
  std::set<std::string> used;
  for (const auto& c : vectors["must_fail"]) {
    used.insert(c["expected"]["reason"].get<std::string>());
  }
  std::set<std::string> names;
  for (size_t i = 0; i < kDecodeErrorCount; ++i) {
    names.insert(std::string(DecodeErrorName(static_cast<DecodeError>(i))));
  }
  EXPECT_EQ(names.size(), kDecodeErrorCount);
  for (const auto& token : used) {
    EXPECT_TRUE(names.count(token)) << token;
  }
  EXPECT_EQ(DecodeErrorName(DecodeError::kNone), "ok");
}

}  // namespace
}  // namespace rcas::protocol
