#pragma once
// Test helpers for the content codec: decode-by-ASN.1-name dispatch and a
// byte arena so test structs can view hex from the vector files.

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <map>
#include <string>

#include "protocol/content.h"
#include "tests/common/vectors.h"

namespace rcas::protocol::testing {

// Arena keeps decoded hex alive for the views of the structs under test.
class Arena {
 public:
  ByteView Hex(const nlohmann::json& j) { return Keep(rcas::testing::Hex(j)); }
  ByteView Keep(Bytes b) {
    store_.push_back(std::move(b));
    return store_.back();
  }
  std::string_view Text(const nlohmann::json& j) {
    texts_.push_back(j.get<std::string>());
    return texts_.back();
  }

 private:
  std::deque<Bytes> store_;
  std::deque<std::string> texts_;
};

// Codec runs Decode for one type and, on success, re-encodes; or checks
// that single-octet changes of a valid DER value are seen by Decode and ==.
struct Codec {
  DecodeError (*decode_and_reencode)(ByteView in, Bytes* reencoded);
  void (*check_mutations)(ByteView der);
};

template <Content T>
DecodeError DecodeAndReencode(ByteView in, Bytes* reencoded) {
  T value{};
  const DecodeError e = Decode(in, &value);
  if (e == DecodeError::kNone && !Encode(value, reencoded)) {
    reencoded->clear();
  }
  return e;
}

// CheckMutations flips the low bit of each octet of `der` in turn. A change
// that still decodes must give an equal value exactly when it re-encodes to
// `der` (only a BER BOOLEAN octet may change and still be equal), so ==
// sees every field and Encode is the inverse of Decode.
template <Content T>
void CheckMutations(ByteView der) {
  T original{};
  ASSERT_EQ(Decode(der, &original), DecodeError::kNone);
  Bytes mutated(der.begin(), der.end());
  for (size_t i = 0; i < mutated.size(); ++i) {
    mutated[i] ^= 0x01;
    T value{};
    if (Decode(mutated, &value) == DecodeError::kNone) {
      Bytes again;
      ASSERT_TRUE(Encode(value, &again)) << "octet " << i;
      const bool same_der = std::equal(again.begin(), again.end(), der.begin(), der.end());
      EXPECT_EQ(value == original, same_der) << "octet " << i;
    }
    mutated[i] ^= 0x01;
  }
}

// CodecByAsn1Name maps rcas.asn1 type names to their codec.
inline const std::map<std::string, Codec>& CodecByAsn1Name() {
  static const std::map<std::string, Codec> kCodecs = {
      {"CASSInfo", {&DecodeAndReencode<CassInfo>, &CheckMutations<CassInfo>}},
      {"RcasAncMsgContent",
       {&DecodeAndReencode<RcasAnnounceContent>, &CheckMutations<RcasAnnounceContent>}},
      {"RCASRnMsgContent",
       {&DecodeAndReencode<RcasRenewalContent>, &CheckMutations<RcasRenewalContent>}},
      {"KeyReqMsgContent",
       {&DecodeAndReencode<KeyRequestContent>, &CheckMutations<KeyRequestContent>}},
      {"KeyRspMsgContent",
       {&DecodeAndReencode<KeyResponseContent>, &CheckMutations<KeyResponseContent>}},
      {"KeyRspConfidentialContent",
       {&DecodeAndReencode<KeyResponseConfidential>, &CheckMutations<KeyResponseConfidential>}},
      {"CamRegMsgContent", {&DecodeAndReencode<CamRegContent>, &CheckMutations<CamRegContent>}},
      {"CamRegCnfMsgContent",
       {&DecodeAndReencode<CamRegConfirmContent>, &CheckMutations<CamRegConfirmContent>}},
      {"RenewInfoMsgContent",
       {&DecodeAndReencode<RenewInfoContent>, &CheckMutations<RenewInfoContent>}},
      {"RenewCnfMsgContent",
       {&DecodeAndReencode<RenewConfirmContent>, &CheckMutations<RenewConfirmContent>}},
      {"PrchsRptMsgContent",
       {&DecodeAndReencode<PurchaseReportContent>, &CheckMutations<PurchaseReportContent>}},
      {"StcAMsgContent", {&DecodeAndReencode<StatusContent>, &CheckMutations<StatusContent>}},
      {"LogRqtMsgContent",
       {&DecodeAndReencode<LogRequestContent>, &CheckMutations<LogRequestContent>}},
      {"LogRcAMessageContent",
       {&DecodeAndReencode<LogResponseContent>, &CheckMutations<LogResponseContent>}},
      {"KeyRegReqMsgContent",
       {&DecodeAndReencode<KeyRegRequestContent>, &CheckMutations<KeyRegRequestContent>}},
      {"KeyRegRspMsgContent",
       {&DecodeAndReencode<KeyRegResponseContent>, &CheckMutations<KeyRegResponseContent>}},
      {"KeyRegRspConfidentialContent",
       {&DecodeAndReencode<KeyRegResponseConfidential>,
        &CheckMutations<KeyRegResponseConfidential>}},
  };
  return kCodecs;
}

}  // namespace rcas::protocol::testing
