// Every verdict list (RCAS_DEFINE_VERDICTS) gives each reason its own
// counter name, in enum order.

#include "protocol/verdicts.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "protocol/framing.h"
#include "protocol/header.h"
#include "protocol/protect.h"

namespace rcas::protocol {
namespace {

template <typename Enum>
void ExpectDistinctNames(size_t count, const char* (*name)(Enum)) {
  std::set<std::string> names;
  for (size_t i = 0; i < count; ++i) {
    names.insert(name(static_cast<Enum>(i)));
  }
  EXPECT_EQ(names.size(), count);
  EXPECT_EQ(names.count("unknown"), 0u);
  EXPECT_STREQ(name(static_cast<Enum>(0)), "ok");
  EXPECT_STREQ(name(static_cast<Enum>(count)), "unknown");
}

TEST(Verdicts, EveryListHasDistinctCounterNames) {
  ExpectDistinctNames<HeaderError>(kHeaderErrorCount, HeaderErrorName);
  ExpectDistinctNames<FrameError>(kFrameErrorCount, FrameErrorName);
  ExpectDistinctNames<ProtectError>(kProtectErrorCount, ProtectErrorName);
}

TEST(Verdicts, NamesFollowTheList) {
  static_assert(kHeaderErrorCount == 7);
  EXPECT_STREQ(HeaderErrorName(HeaderError::kBadVersion), "bad-version");
  EXPECT_STREQ(FrameErrorName(FrameError::kLengthMismatch), "frame-length-mismatch");
  EXPECT_STREQ(ProtectErrorName(ProtectError::kBadPadding), "bad-padding");
}

}  // namespace
}  // namespace rcas::protocol
