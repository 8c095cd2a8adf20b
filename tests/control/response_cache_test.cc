// The per-session response cache of PROFILE §5.5 / §23 item 16: duplicates get the cached bytes,
// duplicates while pending are discarded, other bytes under a known key conflict, and the key
// is (type, nonce), never the nonce alone.
#include "control/response_cache.h"

#include <gtest/gtest.h>

namespace rcas::control {
namespace {

using protocol::MessageType;
using V = ResponseCache::Verdict;

const Bytes kRequest = {1, 2, 3, 4};
const Bytes kOther = {1, 2, 3, 5};

TEST(ResponseCacheTest, UnknownRequestIsNew) {
  ResponseCache c;
  EXPECT_EQ(c.Find(MessageType::kCamReg, 7, kRequest).verdict, V::kNew);
}

TEST(ResponseCacheTest, DuplicateWhilePendingIsDiscardedThenAnsweredFromCache) {
  ResponseCache c;
  c.Begin(MessageType::kKeyRequest, 7, kRequest);
  EXPECT_EQ(c.Find(MessageType::kKeyRequest, 7, kRequest).verdict, V::kPending);
  ASSERT_TRUE(c.Answer(MessageType::kKeyRequest, 7, Bytes{9, 9}));
  auto got = c.Find(MessageType::kKeyRequest, 7, kRequest);
  ASSERT_EQ(got.verdict, V::kAnswered);
  EXPECT_EQ(*got.response, (Bytes{9, 9}));
}

TEST(ResponseCacheTest, OtherBytesUnderAKnownKeyConflictAndKeepTheAnswer) {
  ResponseCache c;
  c.Begin(MessageType::kCamReg, 7, kRequest);
  ASSERT_TRUE(c.Answer(MessageType::kCamReg, 7, Bytes{9}));
  EXPECT_EQ(c.Find(MessageType::kCamReg, 7, kOther).verdict, V::kConflict);
  c.Begin(MessageType::kCamReg, 7, kOther);  // ignored: the original stays
  EXPECT_EQ(c.Find(MessageType::kCamReg, 7, kRequest).verdict, V::kAnswered);
}

TEST(ResponseCacheTest, SameNonceOfAnotherTypeIsAnotherKey) {
  ResponseCache c;
  c.Begin(MessageType::kRenewConfirm, 7, kRequest);
  EXPECT_EQ(c.Find(MessageType::kPurchaseReport, 7, kRequest).verdict, V::kNew);
  EXPECT_FALSE(c.Answer(MessageType::kPurchaseReport, 7, Bytes{1}));
}

TEST(ResponseCacheTest, ClearForgetsEverything) {
  ResponseCache c;
  c.Begin(MessageType::kCamReg, 7, kRequest);
  c.Clear();
  EXPECT_EQ(c.size(), 0u);
  EXPECT_EQ(c.Find(MessageType::kCamReg, 7, kRequest).verdict, V::kNew);
}

}  // namespace
}  // namespace rcas::control
