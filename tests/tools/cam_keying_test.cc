// The reference CAM's key establishment against the scripted CASS: every row of PROFILE §15.2 up
// to ESTABLISHED, fast mode (§15.3), tampered responses and the Status the CAM sends (§13.4,
// §14), Status from the CASS in both forms (§9.5).

#include <gtest/gtest.h>

#include "crypto/hash.h"
#include "tests/tools/cam_testing.h"

namespace rcas::testing {
namespace {

using protocol::MessageType;
using tools::CamPhase;

TEST_F(CamFixture, NormalModeReachesEstablishedAndStoresWhatSection24Lists) {
  machine->StartSession(cass.Target(), tools::CamMode::kNormal, now);
  machine->OnTimer(now);
  ASSERT_EQ(io.sent.size(), 1u);
  EXPECT_EQ(io.TypeOf(0), MessageType::kKeyRequest);
  EXPECT_EQ(machine->phase(), CamPhase::kWaitKeyResponse);
  ASSERT_EQ(Deliver(cass.KeyResponse(io.Last())), 1u);
  EXPECT_EQ(io.TypeOf(1), MessageType::kCamReg);
  EXPECT_EQ(machine->phase(), CamPhase::kWaitRegConfirm);
  EXPECT_FALSE(machine->state().virgin);
  ASSERT_TRUE(machine->state().current_cass_id.has_value());
  EXPECT_EQ(*machine->state().current_cass_id, cass.cass_id());
  const tools::CamZoneState* zone = machine->state().Zone(cass.cass_id());
  ASSERT_NE(zone, nullptr);
  ASSERT_TRUE(zone->chk.has_value());
  EXPECT_EQ(ToHex(zone->chk->view()), ToHex(cass.chk().view()));
  EXPECT_EQ(machine->state().kpk.size(), 20u);
  EXPECT_EQ(machine->state().sign_kpk.size(), 256u);
  EXPECT_GE(io.state_saves, 1);
  ASSERT_EQ(Deliver(cass.CamRegConfirm(io.Last())), 0u);  // CamRegConfirm checks the hash
  EXPECT_EQ(machine->phase(), CamPhase::kEstablished);
  EXPECT_EQ(machine->stats().registered, 1u);
}

TEST_F(CamFixture, DuplicateKeyResponseInWaitRegConfirmIsIgnored) {
  machine->StartSession(cass.Target(), tools::CamMode::kNormal, now);
  machine->OnTimer(now);
  const Bytes response = cass.KeyResponse(io.Last());
  ASSERT_EQ(Deliver(response), 1u);
  EXPECT_EQ(Deliver(response), 0u);
  EXPECT_EQ(machine->phase(), CamPhase::kWaitRegConfirm);
  EXPECT_EQ(machine->stats().dropped, 1u);
}

TEST_F(CamFixture, FastModeReachesEstablishedWithoutCamReg) {
  Establish(tools::CamMode::kFast);
  EXPECT_EQ(io.TypeOf(0), MessageType::kKeyRegRequest);
  EXPECT_EQ(io.sent.size(), 1u);
  EXPECT_FALSE(machine->state().virgin);
  EXPECT_EQ(machine->state().kpk.size(), 16u);  // §23.18
  EXPECT_TRUE(machine->state().sign_kpk.empty());
}

struct TamperCase {
  const char* name;
  Tamper tamper;
  uint8_t status;
};

class CamTamperTest : public CamFixture, public ::testing::WithParamInterface<TamperCase> {};

TEST_P(CamTamperTest, TamperedKeyResponseGetsItsUnkeyedStatusAndChangesNoState) {
  machine->StartSession(cass.Target(), tools::CamMode::kNormal, now);
  machine->OnTimer(now);
  const uint64_t nonce1 = HeaderOf(io.Last()).nonce;
  ASSERT_EQ(Deliver(cass.KeyResponse(io.Last(), GetParam().tamper)), 1u);
  EXPECT_EQ(StatusCodeOf(io.Last()), GetParam().status);
  EXPECT_EQ(HeaderOf(io.Last()).nonce, nonce1);
  EXPECT_EQ(HeaderOf(io.Last()).message_len(), io.Last().size());
  EXPECT_EQ(io.Last().size() - HeaderOf(io.Last()).length, 20u);  // SHA-1 digest trailer
  EXPECT_EQ(machine->phase(), CamPhase::kIdle);
  EXPECT_TRUE(machine->state().virgin);
  EXPECT_EQ(machine->state().Zone(cass.cass_id()), nullptr);
  EXPECT_TRUE(machine->stats().last_failed);
  EXPECT_EQ(io.closes, 1);
}

INSTANTIATE_TEST_SUITE_P(
    Section13_4, CamTamperTest,
    ::testing::Values(TamperCase{"signature", {.signature = true}, 0x05},
                      TamperCase{"oaep", {.oaep = true}, 0x84},
                      TamperCase{"sign_kpk", {.sign_kpk = true}, 0x05},
                      TamperCase{"equal_rand_ac", {.equal_rand_ac = true}, 0x81},
                      TamperCase{"other_session", {.other_session = true}, 0x82}),
    [](const auto& p) { return std::string(p.param.name); });

TEST_F(CamFixture, CassCertificateForAnotherCassIdGets0x05) {
  tools::CamTarget target = cass.Target();
  target.cass_id = crypto::CassId{0, 0, 0, 0x0b};
  machine->StartSession(target, tools::CamMode::kNormal, now);
  machine->OnTimer(now);
  ASSERT_EQ(Deliver(cass.KeyResponse(io.Last())), 1u);
  EXPECT_EQ(StatusCodeOf(io.Last()), 0x05);
}

TEST_F(CamFixture, TamperedKeyRegResponseGetsItsStatus) {
  machine->StartSession(cass.Target(), tools::CamMode::kFast, now);
  machine->OnTimer(now);
  ASSERT_EQ(Deliver(cass.KeyRegResponse(io.Last(), {.signature = true})), 1u);
  EXPECT_EQ(StatusCodeOf(io.Last()), 0x05);
  machine->StartSession(cass.Target(), tools::CamMode::kFast, now + 3'600'000);
  Advance(3'600'000);
  ASSERT_EQ(io.TypeOf(io.sent.size() - 1), MessageType::kKeyRegRequest);
  ASSERT_EQ(Deliver(cass.KeyRegResponse(io.Last(), {.oaep = true})), 1u);
  EXPECT_EQ(StatusCodeOf(io.Last()), 0x84);
}

TEST_F(CamFixture, CamRegConfirmWithBadMacGetsKeyedStatus0x04) {
  machine->StartSession(cass.Target(), tools::CamMode::kNormal, now);
  machine->OnTimer(now);
  ASSERT_EQ(Deliver(cass.KeyResponse(io.Last())), 1u);
  const uint64_t nonce2 = HeaderOf(io.Last()).nonce;
  ASSERT_EQ(Deliver(cass.CamRegConfirm(io.Last(), /*bad_mac=*/true)), 1u);
  EXPECT_EQ(StatusCodeOf(io.Last()), 0x04);
  EXPECT_EQ(HeaderOf(io.Last()).nonce, nonce2);
  Bytes plain;
  EXPECT_TRUE(cass.OpenFromCam(io.Last(), &plain).has_value());  // keyed with IHK (§9.5)
  EXPECT_EQ(machine->phase(), CamPhase::kIdle);
}

TEST_F(CamFixture, UnkeyedStatusFromTheCassEndsTheExchangeWithItsBackoff) {
  machine->StartSession(cass.Target(), tools::CamMode::kNormal, now);
  machine->OnTimer(now);
  const uint64_t nonce1 = HeaderOf(io.Last()).nonce;
  (void)cass.KeyResponse(io.Last());  // the CASS learns the sessionID
  Bytes forged = cass.UnkeyedStatus(0x83, nonce1);
  forged.back() ^= 1;
  EXPECT_EQ(Deliver(forged), 0u);                                // bad digest: dropped
  EXPECT_EQ(Deliver(cass.UnkeyedStatus(0x83, nonce1 + 1)), 0u);  // no such exchange
  EXPECT_EQ(machine->phase(), CamPhase::kWaitKeyResponse);
  EXPECT_EQ(Deliver(cass.UnkeyedStatus(0x83, nonce1)), 0u);
  EXPECT_EQ(machine->phase(), CamPhase::kIdle);
  EXPECT_EQ(machine->stats().status_received.at(0x83), 1u);
  // Busy: retry after 60..300 s (jitter 0: 60 s), §14.1; the fixed target is retried.
  ASSERT_TRUE(machine->NextDeadline().has_value());
  EXPECT_EQ(*machine->NextDeadline(), now + 60'000);
}

TEST_F(CamFixture, RefusalByTheAcBacksOffAtLeastAnHour) {
  machine->StartSession(cass.Target(), tools::CamMode::kNormal, now);
  machine->OnTimer(now);
  const uint64_t nonce1 = HeaderOf(io.Last()).nonce;
  (void)cass.KeyResponse(io.Last());
  EXPECT_EQ(Deliver(cass.UnkeyedStatus(0x80, nonce1)), 0u);
  EXPECT_EQ(*machine->NextDeadline(), now + 3'600'000);
}

TEST_F(CamFixture, KeyedStatusInWaitRegConfirmEndsTheSession) {
  machine->StartSession(cass.Target(), tools::CamMode::kNormal, now);
  machine->OnTimer(now);
  ASSERT_EQ(Deliver(cass.KeyResponse(io.Last())), 1u);
  const uint64_t nonce2 = HeaderOf(io.Last()).nonce;
  EXPECT_EQ(Deliver(cass.KeyedStatus(0x02, nonce2)), 0u);
  EXPECT_EQ(machine->phase(), CamPhase::kIdle);
  EXPECT_EQ(machine->stats().status_received.at(0x02), 1u);
}

TEST_F(CamFixture, GarbageAndUnexpectedMessagesAreDroppedSilently) {
  Establish();
  const size_t sent = io.sent.size();
  EXPECT_EQ(Deliver(Bytes{1, 2, 3}), 0u);
  EXPECT_EQ(Deliver(cass.Announce(1, 5)), 0u);  // not on the session transport
  EXPECT_EQ(io.sent.size(), sent);
  EXPECT_EQ(machine->phase(), CamPhase::kEstablished);
  EXPECT_EQ(machine->stats().dropped, 2u);
}

}  // namespace
}  // namespace rcas::testing
