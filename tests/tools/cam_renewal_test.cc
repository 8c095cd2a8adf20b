// The reference CAM in an established session against the scripted CASS: RenewInfo with image
// download, decryption and hash check (PROFILE §15.2 DOWNLOADING rows, §17), PurchaseReport
// (§23.14), LogRequest, duplicates answered from the cache (§5.5), bad MACs (§23.2).

#include <gtest/gtest.h>

#include "protocol/content.h"
#include "tests/tools/cam_testing.h"

namespace rcas::testing {
namespace {

using protocol::MessageType;
using tools::CamPhase;

const std::string kCommon = "common CAS client image v3";
const std::string kIndividual = "individual image for this CAM";

class CamRenewalTest : public CamFixture {
 protected:
  // Serve answers every fetch so far from the CASS's objects (or `replace` for one file).
  void Serve(const std::string& replace_fn = "", const Bytes& replacement = {}) {
    const auto fetches = io.fetches;
    io.fetches.clear();
    for (const tools::ImageRequest& r : fetches) {
      if (r.fn == replace_fn) {
        machine->OnImageFetched(r.download, r.index, replacement, now);
      } else {
        machine->OnImageFetched(r.download, r.index, cass.objects.at(r.fn), now);
      }
    }
  }
  template <protocol::Content T>
  T Decoded(ByteView message, Bytes* plain) {
    auto opened = cass.OpenFromCam(message, plain);
    EXPECT_TRUE(opened.has_value());
    T v;
    EXPECT_EQ(protocol::Decode(opened->content, &v), protocol::DecodeError::kNone);
    return v;
  }
};

TEST_F(CamRenewalTest, BothImagesInstalledThenRenewConfirmTrueAndPurchaseReport) {
  Establish();
  const size_t sent = io.sent.size();
  EXPECT_EQ(Deliver(cass.RenewInfo(77, 0x03, true, AsView(kCommon), AsView(kIndividual))), 0u);
  EXPECT_EQ(machine->phase(), CamPhase::kDownloading);
  ASSERT_EQ(io.fetches.size(), 2u);
  EXPECT_EQ(io.fetches[0].fn, "cacs/common.bin");  // common first (§13.7)
  EXPECT_EQ(io.fetches[0].tm, 0x03);
  Serve();
  ASSERT_EQ(io.sent.size(), sent + 2);
  Bytes plain;
  EXPECT_EQ(io.TypeOf(sent), MessageType::kRenewConfirm);
  EXPECT_EQ(HeaderOf(io.sent[sent]).nonce, 77u);
  EXPECT_TRUE(Decoded<protocol::RenewConfirmContent>(io.sent[sent], &plain).download_status);
  EXPECT_EQ(io.TypeOf(sent + 1), MessageType::kPurchaseReport);
  EXPECT_EQ(HeaderOf(io.sent[sent + 1]).nonce, 77u);  // nonce #3 again
  const auto report = Decoded<protocol::PurchaseReportContent>(io.sent[sent + 1], &plain);
  EXPECT_EQ(ToHex(report.purchase_info), ToHex(config.purchase_info));
  EXPECT_EQ(machine->phase(), CamPhase::kEstablished);
  EXPECT_EQ(machine->stats().images_installed, 2u);
  EXPECT_EQ(machine->state().InstalledVersion(0x01, 0x0001), std::nullopt);  // no offer seen
}

TEST_F(CamRenewalTest, DuplicateRenewInfoGetsTheCachedAnswersByteIdentical) {
  Establish();
  const Bytes info = cass.RenewInfo(5, 0x01, true, AsView(kCommon), {});
  EXPECT_EQ(Deliver(info), 0u);
  EXPECT_EQ(Deliver(info), 0u);  // while downloading: ignored
  Serve();
  const std::vector<Bytes> answers(io.sent.end() - 2, io.sent.end());
  EXPECT_EQ(Deliver(info), 2u);
  EXPECT_EQ(io.sent[io.sent.size() - 2], answers[0]);
  EXPECT_EQ(io.sent[io.sent.size() - 1], answers[1]);
  // Same nonce, other bytes: discarded (§5.5).
  EXPECT_EQ(Deliver(cass.RenewInfo(5, 0x01, false, AsView(kCommon), {})), 0u);
  EXPECT_EQ(io.fetches.size(), 0u);
}

TEST_F(CamRenewalTest, HashMismatchIsStatus0x03AndTheSessionStays) {
  Establish();
  EXPECT_EQ(Deliver(cass.RenewInfo(9, 0x03, true, AsView(kCommon), AsView(kIndividual))), 0u);
  const std::string individual_fn = io.fetches[1].fn;
  Bytes other = cass.objects.at(individual_fn);
  other[0] ^= 0x01;  // CBC: the first block decrypts to garbage, the padding stays valid
  Serve(individual_fn, other);
  EXPECT_EQ(StatusCodeOf(io.Last()), 0x03);
  EXPECT_EQ(HeaderOf(io.Last()).nonce, 9u);
  Bytes plain;
  EXPECT_TRUE(cass.OpenFromCam(io.Last(), &plain).has_value());  // keyed (§9.5)
  EXPECT_EQ(machine->phase(), CamPhase::kEstablished);
  EXPECT_EQ(machine->stats().images_failed, 2u);
  EXPECT_EQ(machine->stats().images_installed, 0u);
}

TEST_F(CamRenewalTest, TransportFailureIsRenewConfirmFalseWithoutPurchaseReport) {
  Establish();
  const size_t sent = io.sent.size();
  EXPECT_EQ(Deliver(cass.RenewInfo(9, 0x02, true, {}, AsView(kIndividual))), 0u);
  ASSERT_EQ(io.fetches.size(), 1u);
  machine->OnImageFetched(io.fetches[0].download + 1, 0, Error{"HTTP 404"}, now);  // stale
  EXPECT_EQ(machine->phase(), CamPhase::kDownloading);
  machine->OnImageFetched(io.fetches[0].download, 0, Error{"HTTP 404"}, now);
  ASSERT_EQ(io.sent.size(), sent + 1);
  Bytes plain;
  EXPECT_FALSE(Decoded<protocol::RenewConfirmContent>(io.Last(), &plain).download_status);
}

TEST_F(CamRenewalTest, RenewInfoWithBadMacIsDroppedSilently) {
  Establish();
  Bytes info = cass.RenewInfo(9, 0x01, false, AsView(kCommon), {});
  info.back() ^= 0x01;
  const size_t sent = io.sent.size();
  EXPECT_EQ(Deliver(info), 0u);
  EXPECT_EQ(io.sent.size(), sent);
  EXPECT_TRUE(io.fetches.empty());
  EXPECT_EQ(machine->phase(), CamPhase::kEstablished);
}

TEST_F(CamRenewalTest, LogRequestGetsLogResponseAndItsDuplicateTheSameBytes) {
  config.log_info = Bytes{'o', 'k'};
  Make({});
  Establish();
  const Bytes request = cass.LogRequest(41);
  ASSERT_EQ(Deliver(request), 1u);
  EXPECT_EQ(io.TypeOf(io.sent.size() - 1), MessageType::kLogResponse);
  Bytes plain;
  const auto v = Decoded<protocol::LogResponseContent>(io.Last(), &plain);
  ASSERT_TRUE(v.log_response_info.has_value());
  EXPECT_EQ(ToHex(*v.log_response_info), ToHex(*config.log_info));
  const Bytes answer = io.Last();
  ASSERT_EQ(Deliver(request), 1u);
  EXPECT_EQ(io.Last(), answer);
}

TEST_F(CamRenewalTest, FastModeRenewalUsesMakAndTheDerivedImageKeys) {
  Establish(tools::CamMode::kFast);
  EXPECT_EQ(Deliver(cass.RenewInfo(3, 0x03, false, AsView(kCommon), AsView(kIndividual))), 0u);
  Serve();
  Bytes plain;
  EXPECT_TRUE(Decoded<protocol::RenewConfirmContent>(io.Last(), &plain).download_status);
  EXPECT_EQ(machine->stats().images_installed, 2u);
}

TEST_F(CamRenewalTest, KeyedStatusFromTheCassAnsweringRenewConfirmEndsTheSession) {
  Establish();
  EXPECT_EQ(Deliver(cass.RenewInfo(12, 0x01, false, AsView(kCommon), {})), 0u);
  Serve();
  EXPECT_EQ(Deliver(cass.KeyedStatus(0x04, 12)), 0u);
  EXPECT_EQ(machine->phase(), CamPhase::kIdle);
  EXPECT_TRUE(machine->stats().last_failed);
}

}  // namespace
}  // namespace rcas::testing

namespace rcas::testing {
namespace {

constexpr std::array<uint8_t, 10> kZeroSid{};

uint8_t StatusAndSession(ByteView message, Bytes* session_id) {
  const protocol::Header h = HeaderOf(message);
  protocol::StatusContent s;
  EXPECT_EQ(protocol::Decode(message.subspan(protocol::kHeaderLen, h.content_len()), &s),
            protocol::DecodeError::kNone);
  session_id->assign(s.session_id.begin(), s.session_id.end());
  return s.status_info;
}

TEST_F(CamFixture, CamRegConfirmWithBadPaddingGetsKeyed0x81WithZeroSessionId) {
  machine->StartSession(cass.Target(), tools::CamMode::kNormal, now);
  machine->OnTimer(now);
  ASSERT_EQ(Deliver(cass.KeyResponse(io.Last())), 1u);
  const uint64_t nonce2 = HeaderOf(io.Last()).nonce;
  (void)cass.CamRegConfirm(io.Last());  // the CASS derives MEK
  ASSERT_EQ(Deliver(cass.BadPadding(protocol::MessageType::kCamRegConfirm, nonce2)), 1u);
  Bytes sid;
  EXPECT_EQ(StatusAndSession(io.Last(), &sid), 0x81);  // §23.20
  EXPECT_EQ(ToHex(sid), ToHex(kZeroSid));
  EXPECT_EQ(machine->phase(), tools::CamPhase::kIdle);
}

TEST_F(CamFixture, RenewInfoWithBadPaddingGetsKeyed0x81AndEndsTheSession) {
  Establish();
  ASSERT_EQ(Deliver(cass.BadPadding(protocol::MessageType::kRenewInfo, 21)), 1u);
  Bytes sid;
  EXPECT_EQ(StatusAndSession(io.Last(), &sid), 0x81);
  EXPECT_EQ(ToHex(sid), ToHex(kZeroSid));
  EXPECT_EQ(HeaderOf(io.Last()).nonce, 21u);
  EXPECT_EQ(machine->phase(), tools::CamPhase::kIdle);
}

TEST_F(CamFixture, RenewInfoBreakingSection13_7GetsKeyed0x81WithItsSessionId) {
  Establish();
  // A valid RenewInfo with one image, then imageFlag patched to 0x03 (two images announced).
  const Bytes good = cass.RenewInfo(22, 0x01, false, AsView(std::string("x")), {});
  Bytes plain;
  auto opened = cass.OpenFromCam(good, &plain);  // the CASS can open its own message too
  ASSERT_TRUE(opened.has_value());
  Bytes der(opened->content.begin(), opened->content.end());
  size_t i = (der[1] & 0x80) != 0 ? 2 + (der[1] & 0x7f) : 2;
  i += 2 + 10 + 3;  // sessionID [0], clientType [1]
  ASSERT_EQ(der[i], 0x82);
  der[i + 2] = 0x03;
  ASSERT_EQ(Deliver(cass.SealRaw(protocol::MessageType::kRenewInfo, 23, der)), 1u);
  Bytes sid;
  EXPECT_EQ(StatusAndSession(io.Last(), &sid), 0x81);  // §23.9
  EXPECT_EQ(ToHex(sid), ToHex(cass.session_id()));
  EXPECT_EQ(machine->phase(), tools::CamPhase::kIdle);
}

TEST_F(CamFixture, ImageWithBadPkcs7IsStatus0x03) {
  Establish();
  EXPECT_EQ(Deliver(cass.RenewInfo(30, 0x01, false, AsView(std::string("img")), {})), 0u);
  ASSERT_EQ(io.fetches.size(), 1u);
  machine->OnImageFetched(io.fetches[0].download, 0, Bytes(32, 0x77), now);
  EXPECT_EQ(StatusCodeOf(io.Last()), 0x03);
  EXPECT_EQ(machine->phase(), tools::CamPhase::kEstablished);
}

TEST_F(CamFixture, CassRequestReusingANonceOfTheSessionIsDropped) {
  Establish();
  ASSERT_EQ(Deliver(cass.LogRequest(50)), 1u);
  const size_t sent = io.sent.size();
  EXPECT_EQ(Deliver(cass.RenewInfo(50, 0x01, false, AsView(std::string("img")), {})), 0u);
  EXPECT_EQ(io.sent.size(), sent);
  EXPECT_TRUE(io.fetches.empty());
}

}  // namespace
}  // namespace rcas::testing
