// The reference CAM's announcement handling (PROFILE §15.1): triggers, the §6.2 freshness window
// (counter, byte-identical repeat, unverified never updates), the CHK_STALE rate limit,
// RCASRenewal (§13.2); and the state file (§2.4).

#include "tools/cam_announce.h"

#include <gtest/gtest.h>

#include "tests/common/temp_dir.h"
#include "tests/tools/cam_testing.h"

namespace rcas::testing {
namespace {

using protocol::MessageType;
using tools::CamPhase;

// Registered: a fixture whose CAM completed one session from an announcement (counter 100,
// client version 3 offered) and now holds CHK; the session is ended by the idle timer.
class CamAnnounceTest : public CamFixture {
 protected:
  void Register() {
    machine->OnAnnouncement(cass.Announce(0x01, 100), now);
    machine->OnTimer(now);
    ASSERT_EQ(io.TypeOf(0), MessageType::kKeyRequest);
    ASSERT_EQ(Deliver(cass.KeyResponse(io.Last())), 1u);
    ASSERT_EQ(Deliver(cass.CamRegConfirm(io.Last())), 0u);
    EXPECT_EQ(Deliver(cass.RenewInfo(7, 0x01, false, AsView(std::string("img")), {})), 0u);
    machine->OnImageFetched(io.fetches.at(0).download, 0, cass.objects.at(io.fetches.at(0).fn),
                            now);
    Advance(60'000);
    ASSERT_EQ(machine->phase(), CamPhase::kIdle);
    ASSERT_EQ(machine->stats().completed, 1u);
  }
  const tools::CamZoneState& Zone() { return *machine->state().Zone(cass.cass_id()); }
  bool Pending() { return machine->NextDeadline().has_value(); }
};

TEST_F(CamAnnounceTest, VirginCamStartsASessionFromAnUnverifiedAnnouncement) {
  machine->OnAnnouncement(cass.Announce(0x02, 100), now);
  ASSERT_EQ(*machine->NextDeadline(), now);  // jitter 0
  machine->OnTimer(now);
  ASSERT_EQ(io.opened.size(), 1u);
  EXPECT_EQ(io.opened[0].address, "127.0.0.1");
  EXPECT_EQ(io.opened[0].port, 49104);
  EXPECT_EQ(io.TypeOf(0), MessageType::kKeyRegRequest);  // protocolTypeFlag 0x02
}

TEST_F(CamAnnounceTest, KeyResponseVerifiesTheTriggeringAnnouncementAndRecordsTheInstall) {
  Register();
  EXPECT_EQ(Zone().announce_counter, 100u);
  EXPECT_EQ(machine->state().InstalledVersion(0x01, 0x0001), 3);
  // The same announcement again: verified, fresh (byte-identical), nothing to do.
  machine->OnAnnouncement(cass.Announce(0x01, 100), now);
  EXPECT_FALSE(Pending());
}

TEST_F(CamAnnounceTest, NewerCounterIsAcceptedAndAnUpdateTriggersOncePerCounter) {
  Register();
  machine->OnAnnouncement(cass.Announce(0x01, 101, /*version=*/4), now);
  EXPECT_EQ(Zone().announce_counter, 101u);
  ASSERT_TRUE(Pending());
  machine->OnTimer(now);
  EXPECT_EQ(machine->phase(), CamPhase::kWaitKeyResponse);
}

TEST_F(CamAnnounceTest, OldCounterOrChangedBytesAreNotVerifiedAndTriggerChkStaleOncePer600s) {
  Register();
  machine->OnAnnouncement(cass.Announce(0x01, 99), now);  // older counter
  EXPECT_EQ(Zone().announce_counter, 100u);
  ASSERT_TRUE(Pending());  // CHK_STALE (jitter 0: now)
  machine->OnTimer(now);
  ASSERT_EQ(machine->phase(), CamPhase::kWaitKeyResponse);
  const uint64_t nonce1 = HeaderOf(io.Last()).nonce;
  (void)cass.KeyResponse(io.Last());
  ASSERT_EQ(Deliver(cass.UnkeyedStatus(0x80, nonce1)), 0u);  // refused: backoff 1 h
  const int64_t refused_at = now;
  // Same counter, other bytes (another client version): not fresh; rate-limited now.
  Advance(1'000);
  machine->OnAnnouncement(cass.Announce(0x01, 100, 9), now);
  EXPECT_EQ(Zone().announce_counter, 100u);
  EXPECT_FALSE(Pending());  // no retry without a trigger in announce mode
  // After 600 s a stale announcement triggers again, for after the backoff.
  Advance(600'000);
  machine->OnAnnouncement(cass.Announce(0x01, 98), now);
  ASSERT_TRUE(Pending());
  EXPECT_EQ(*machine->NextDeadline(), refused_at + 3'600'000);
}

TEST_F(CamAnnounceTest, AnnouncementUnderAnotherChkNeverUpdatesTheCounter) {
  Register();
  protocol::Secret20 other;
  other[0] = 1;
  machine->OnAnnouncement(cass.Announce(0x01, 500, 3, &other), now);
  EXPECT_EQ(Zone().announce_counter, 100u);
  EXPECT_TRUE(Pending());  // CHK_STALE
  // Within 600 s a second stale announcement does not trigger again.
  machine->OnTimer(now);
  machine->OnAnnouncement(cass.Announce(0x01, 501, 3, &other), now);
  EXPECT_EQ(Zone().announce_counter, 100u);
}

TEST_F(CamAnnounceTest, UnknownProtocolTypeFlagIsIgnored) {
  machine->OnAnnouncement(cass.Announce(0x03, 100), now);
  EXPECT_FALSE(Pending());
  EXPECT_TRUE(io.opened.empty());
}

TEST_F(CamAnnounceTest, RenewalWithKeyRequestReqStartsASessionAtItsSchedule) {
  Register();
  // 2025-10-09 08:55:00 UTC = kT0 / 1000 + 1800 s (kT0 = 1760000000 s = 08:53:20).
  const int64_t at = 1'760'000'100;
  machine->OnAnnouncement(cass.Renewal(7, "251009085500", true, false), now);
  ASSERT_TRUE(Pending());
  EXPECT_EQ(*machine->NextDeadline(), at * 1000);
  EXPECT_EQ(Zone().renewal_counter, 7u);
  // A repetition changes nothing; an older one is stale.
  machine->OnAnnouncement(cass.Renewal(7, "251009085500", true, false), now);
  machine->OnAnnouncement(cass.Renewal(6, "000000000000", true, false), now);
  EXPECT_EQ(*machine->NextDeadline(), at * 1000);
}

TEST_F(CamAnnounceTest, RenewalAskingNothingOfAnUpToDateCamIsIgnored) {
  Register();
  machine->OnAnnouncement(cass.Renewal(8, "000000000000", false, false), now);
  EXPECT_FALSE(Pending());
}

TEST(CamAnnounceHelpers, FreshnessWindowOfSection6_2) {
  const Bytes a = {1, 2, 3};
  const Bytes b = {1, 2, 4};
  EXPECT_TRUE(tools::AnnouncementFresh(0, {}, 5, a));
  EXPECT_TRUE(tools::AnnouncementFresh(5, a, 6, b));
  EXPECT_TRUE(tools::AnnouncementFresh(5, a, 5, a));
  EXPECT_FALSE(tools::AnnouncementFresh(5, a, 5, b));
  EXPECT_FALSE(tools::AnnouncementFresh(5, a, 4, a));
}

TEST(CamAnnounceHelpers, DownloadScheduleIsUtcAndRejectsImpossibleDates) {
  EXPECT_EQ(tools::ParseDownloadSchedule(AsView(std::string("000000000000"))), 0);
  EXPECT_EQ(tools::ParseDownloadSchedule(AsView(std::string("010101000000"))), 978'307'200);
  EXPECT_EQ(tools::ParseDownloadSchedule(AsView(std::string("240229120000"))), 1'709'208'000);
  EXPECT_FALSE(tools::ParseDownloadSchedule(AsView(std::string("230229120000"))));
  EXPECT_FALSE(tools::ParseDownloadSchedule(AsView(std::string("2402291200a0"))));
  EXPECT_FALSE(tools::ParseDownloadSchedule(AsView(std::string("24022912000"))));
}

TEST_F(CamAnnounceTest, StateFileRoundTripsAndARestartedCamKeepsItsWindow) {
  Register();
  TempDir dir;
  const std::string path = dir.File("cam.state");
  ASSERT_TRUE(tools::SaveCamState(path, machine->state()).ok());
  auto loaded = tools::LoadCamState(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  EXPECT_EQ(tools::FormatCamState(*loaded), tools::FormatCamState(machine->state()));
  Make(std::move(*loaded));
  machine->OnAnnouncement(cass.Announce(0x01, 100), now);  // verified repeat
  EXPECT_FALSE(Pending());
  machine->OnAnnouncement(cass.Announce(0x01, 99), now);  // stale after the restart too
  EXPECT_TRUE(Pending());
}

TEST(CamStateFile, MissingFileIsAVirginCamAndBadLinesAreRejected) {
  TempDir dir;
  auto fresh = tools::LoadCamState(dir.File("none.state"));
  ASSERT_TRUE(fresh.ok());
  EXPECT_TRUE(fresh->virgin);
  EXPECT_FALSE(tools::ParseCamState("rcas-cam-state 2\n").ok());
  EXPECT_FALSE(tools::ParseCamState("rcas-cam-state 1\nvirgin 2\n").ok());
  EXPECT_FALSE(tools::ParseCamState("rcas-cam-state 1\nzone 0000000a chk 00 announce 1 - "
                                    "renewal 0 -\n")
                   .ok());
  EXPECT_FALSE(tools::ParseCamState("rcas-cam-state 1\nvirgin 0 extra\n").ok());
  auto ok = tools::ParseCamState(
      "rcas-cam-state 1\nvirgin 0\ncurrent-cass 0000000a\n"
      "client 01 0001 0003\nzone 0000000a chk - announce 5 - renewal "
      "0 -\n");
  ASSERT_TRUE(ok.ok()) << ok.error();
  EXPECT_EQ(ok->InstalledVersion(1, 1), 3);
  EXPECT_EQ(ok->zones.at(0).announce_counter, 5u);
}

}  // namespace
}  // namespace rcas::testing
