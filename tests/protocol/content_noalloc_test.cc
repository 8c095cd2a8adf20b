// The decode path, the caller-buffer encoder and SEQUENCE OF iteration do not
// allocate (STYLE: hot path). Counted through the sanitizer allocator hooks,
// so the check runs in the ASan presets (asan-ubsan, fuzz) and is skipped
// elsewhere; replacing the global operator new instead would change the
// allocation behaviour of every other test in protocol_tests.

#include <gtest/gtest.h>

#include <map>

#include "tests/protocol/content_alloc_counter.h"
#include "tests/protocol/content_test_util.h"

namespace rcas::protocol {
namespace {

using testing::AllocationCounter;

template <Content T>
size_t DecodeEncodeIterate(const Bytes& der, Bytes& out) {
  return AllocationCounter::Count([&] {
    T value{};
    ASSERT_EQ(Decode(der, &value), DecodeError::kNone);
    ASSERT_EQ(Encode(value, MutableByteView(out)), der.size());
    if constexpr (std::is_same_v<T, RcasAnnounceContent>) {
      size_t clients = 0;
      for (const CamClientVersion& v : value.client_versions) {
        for (const CamClientInfo& c : v.clients) {
          clients += c.client_type;
        }
      }
      EXPECT_GT(clients, 0u);
    }
  });
}

TEST(ContentNoAlloc, CountingHookSeesAllocations) {
  if (!AllocationCounter::Available()) {
    GTEST_SKIP() << "allocation counting needs an ASan build";
  }
  // A direct call: unlike a new-expression it cannot be elided.
  EXPECT_EQ(AllocationCounter::Count([] { ::operator delete(::operator new(16)); }), 1u);
}

TEST(ContentNoAlloc, DecodeEncodeAndIterationDoNotAllocate) {
  if (!AllocationCounter::Available()) {
    GTEST_SKIP() << "allocation counting needs an ASan build";
  }
  const auto vectors = rcas::testing::LoadJson("vectors/malformed.json");
  std::vector<std::pair<std::string, Bytes>> inputs;
  for (const auto& c : vectors["should_accept"]) {
    inputs.emplace_back(c["inputs"]["content_type"].get<std::string>(),
                        rcas::testing::Hex(c["inputs"]["content"]));
  }
  Bytes out(8192);
  const std::map<std::string, size_t (*)(const Bytes&, Bytes&)> run = {
      {"RcasAncMsgContent", &DecodeEncodeIterate<RcasAnnounceContent>},
      {"RCASRnMsgContent", &DecodeEncodeIterate<RcasRenewalContent>},
      {"KeyReqMsgContent", &DecodeEncodeIterate<KeyRequestContent>},
      {"KeyRspMsgContent", &DecodeEncodeIterate<KeyResponseContent>},
      {"KeyRspConfidentialContent", &DecodeEncodeIterate<KeyResponseConfidential>},
      {"CamRegMsgContent", &DecodeEncodeIterate<CamRegContent>},
      {"CamRegCnfMsgContent", &DecodeEncodeIterate<CamRegConfirmContent>},
      {"RenewInfoMsgContent", &DecodeEncodeIterate<RenewInfoContent>},
      {"RenewCnfMsgContent", &DecodeEncodeIterate<RenewConfirmContent>},
      {"PrchsRptMsgContent", &DecodeEncodeIterate<PurchaseReportContent>},
      {"StcAMsgContent", &DecodeEncodeIterate<StatusContent>},
      {"LogRqtMsgContent", &DecodeEncodeIterate<LogRequestContent>},
      {"LogRcAMessageContent", &DecodeEncodeIterate<LogResponseContent>},
      {"KeyRegReqMsgContent", &DecodeEncodeIterate<KeyRegRequestContent>},
      {"KeyRegRspMsgContent", &DecodeEncodeIterate<KeyRegResponseContent>},
      {"KeyRegRspConfidentialContent", &DecodeEncodeIterate<KeyRegResponseConfidential>},
  };
  for (const auto& [type, der] : inputs) {
    SCOPED_TRACE(type);
    // Encode writes DER, which is shorter than these BER inputs: size the
    // comparison on the DER length.
    Bytes reencoded;
    ASSERT_EQ(testing::CodecByAsn1Name().at(type).decode_and_reencode(der, &reencoded),
              DecodeError::kNone);
    EXPECT_EQ(run.at(type)(reencoded, out), 0u);
  }
}

}  // namespace
}  // namespace rcas::protocol
