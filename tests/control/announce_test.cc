// The announce scheduler: what RCASAnnounce/RCASRenewal carry and when, counters that never go
// backwards (in memory and across a restart), deliver-campaign bumps, CHK rotation.
#include "control/announce.h"

#include <gtest/gtest.h>

#include "crypto/random.h"
#include "protocol/protect.h"
#include "storage/counters.h"
#include "tests/common/temp_dir.h"

namespace rcas::control {
namespace {

using protocol::MessageType;

constexpr uint64_t kNow = 1'764'000'000'000;  // 2025-11-24, ms

class AnnounceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Open();
    crypto::RandomBytes(chk_.mutable_view());
    zone_.cass_id = {0, 0, 0, 0x2A};
    zone_.ip_addr = "192.0.2.10";
    zone_.offers.push_back({{0, 0, 0, 1}, {0, 0, 0, 2}, {{0x01, 0x00, 0x0001, 0x0003}}});
  }
  void Open() {
    store_.reset();
    storage::StoreOptions o;
    o.path = dir_.File("ac");
    o.create_if_missing = true;
    store_ = std::move(storage::AcStore::Open(o).value());
  }
  std::unique_ptr<AnnounceScheduler> Make(uint64_t now = kNow, AnnounceOptions o = {}) {
    auto s = AnnounceScheduler::Create(*store_, chk_, zone_, o, now);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error());
    return s.ok() ? std::move(*s) : nullptr;
  }
  uint64_t Counter(std::string_view name) { return store_->GetCounter(name).value(); }

  // Verify opens `datagram` with `chk` and returns its header and content.
  protocol::OpenedMessage Verify(ByteView datagram, MessageType type,
                                 const protocol::Secret20& chk) {
    protocol::OpenedMessage m;
    EXPECT_EQ(protocol::Open(protocol::ProtectionOf(type), datagram, {&chk, nullptr}, {}, &m),
              protocol::ProtectError::kOk);
    return m;
  }

  rcas::testing::TempDir dir_;
  std::unique_ptr<storage::AcStore> store_;
  protocol::Secret20 chk_;
  AnnounceZone zone_;
};

TEST(DownloadSchedule, ParsesUtcDigitsAndRejectsImpossibleDates) {
  EXPECT_EQ(ParseDownloadSchedule("000000000000"), 0u);
  EXPECT_EQ(ParseDownloadSchedule("251124160000"), 1'764'000'000'000u);
  EXPECT_EQ(ParseDownloadSchedule("240229000000"), 1'709'164'800'000u) << "leap day";
  EXPECT_EQ(ParseDownloadSchedule("250229000000"), std::nullopt);
  EXPECT_EQ(ParseDownloadSchedule("251324000000"), std::nullopt);
  EXPECT_EQ(ParseDownloadSchedule("251131000000"), std::nullopt);
  EXPECT_EQ(ParseDownloadSchedule("251124240000"), std::nullopt);
  EXPECT_EQ(ParseDownloadSchedule("2511241600"), std::nullopt);
  EXPECT_EQ(ParseDownloadSchedule("25112416000a"), std::nullopt);
}

TEST_F(AnnounceTest, AnnounceCarriesTheZoneMacedWithChkAndRepeatsByteIdentically) {
  auto s = Make();
  std::vector<Bytes> out;
  s->Tick(kNow, out);
  ASSERT_EQ(out.size(), 1u);
  auto m = Verify(out[0], MessageType::kRcasAnnounce, chk_);
  EXPECT_EQ(m.header.nonce, kNow / 1000) << "counter_A starts at Unix seconds (§6.1)";
  protocol::RcasAnnounceContent c;
  ASSERT_EQ(protocol::Decode(m.content, &c), protocol::DecodeError::kNone);
  EXPECT_EQ(c.protocol_type_flag, 0x01);
  EXPECT_EQ(Bytes(c.cass_info.cass_id.begin(), c.cass_info.cass_id.end()),
            Bytes(zone_.cass_id.begin(), zone_.cass_id.end()));
  EXPECT_EQ(c.cass_info.listening_port, 49104u);
  EXPECT_EQ(c.client_versions.size(), 1u);

  s->Tick(kNow + 9'999, out);
  EXPECT_EQ(out.size(), 1u) << "not before the interval";
  s->Tick(kNow + 10'000, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1], out[0]) << "an unchanged announcement repeats byte for byte";
  EXPECT_EQ(s->NextDueMs(), kNow + 20'000);
}

TEST_F(AnnounceTest, CountersNeverGoBackwardsAcrossRestarts) {
  uint64_t first = Make()->counter_a();
  EXPECT_EQ(Counter(storage::kAnnounceCounter), first) << "stored before it is sent";
  Open();
  // A clock that went back: the stored counter still wins.
  auto again = Make(kNow - 3'600'000);
  EXPECT_EQ(again->counter_a(), first + 1);
  ASSERT_TRUE(again->SetZone(zone_).ok());
  EXPECT_EQ(again->counter_a(), first + 2) << "a content change takes the next counter";
  EXPECT_EQ(Counter(storage::kAnnounceCounter), first + 2);
}

TEST_F(AnnounceTest, ANowRenewalRepeatsEveryTenSecondsForItsDurationAndBumpsTheCampaign) {
  auto s = Make();
  Renewal r;
  r.key_request_req = true;
  ASSERT_TRUE(s->StartRenewal(r, kNow).ok());
  EXPECT_EQ(Counter(storage::kDeliverCampaignCounter), 1u) << "§23 item 21, §16.5";
  EXPECT_EQ(s->counter_r(), kNow / 1000);
  std::vector<Bytes> renewals;
  for (uint64_t t = kNow; t <= kNow + 60'000; t += 1'000) {
    std::vector<Bytes> out;
    s->Tick(t, out);
    for (Bytes& d : out) {
      if (LoadBe16(d.data()) == uint16_t(MessageType::kRcasRenewal)) {
        renewals.push_back(std::move(d));
      }
    }
  }
  ASSERT_EQ(renewals.size(), 4u) << "at 0, 10, 20 and 30 s (§23 items 12, 24)";
  auto m = Verify(renewals[0], MessageType::kRcasRenewal, chk_);
  protocol::RcasRenewalContent c;
  ASSERT_EQ(protocol::Decode(m.content, &c), protocol::DecodeError::kNone);
  EXPECT_TRUE(c.key_request_req);
  EXPECT_FALSE(c.purchase_report_req);
  EXPECT_EQ(renewals[3], renewals[0]);
  EXPECT_FALSE(s->renewal_running());
}

TEST_F(AnnounceTest, AScheduledRenewalRepeatsUntilItsTimeAndAPlainOneBumpsNothing) {
  auto s = Make();
  Renewal r;
  r.download_schedule = "251124160100";  // kNow + 60 s
  ASSERT_TRUE(s->StartRenewal(r, kNow).ok());
  EXPECT_EQ(Counter(storage::kDeliverCampaignCounter), 0u);
  size_t sent = 0;
  for (uint64_t t = kNow; t <= kNow + 120'000; t += 5'000) {
    std::vector<Bytes> out;
    s->Tick(t, out);
    for (const Bytes& d : out) {
      sent += LoadBe16(d.data()) == uint16_t(MessageType::kRcasRenewal);
    }
  }
  EXPECT_EQ(sent, 7u) << "0, 10, ..., 60 s";
  uint64_t counter = s->counter_r();
  Renewal again;
  again.purchase_report_req = true;
  ASSERT_TRUE(s->StartRenewal(again, kNow + 1).ok());
  EXPECT_EQ(s->counter_r(), counter + 1);
  EXPECT_EQ(Counter(storage::kDeliverCampaignCounter), 1u);
  EXPECT_EQ(Counter(storage::kRenewalCounter), counter + 1);
}

TEST_F(AnnounceTest, BadRenewalsAndZonesAreRefusedAndChangeNothing) {
  auto s = Make();
  uint64_t a = s->counter_a();
  Renewal past;
  past.download_schedule = "200101000000";
  EXPECT_FALSE(s->StartRenewal(past, kNow).ok());
  Renewal junk;
  junk.download_schedule = "tomorrow 8am";
  EXPECT_FALSE(s->StartRenewal(junk, kNow).ok());
  EXPECT_FALSE(s->renewal_running());
  AnnounceZone long_ip = zone_;
  long_ip.ip_addr = std::string(51, '1');
  EXPECT_FALSE(s->SetZone(long_ip).ok());
  AnnounceZone no_port = zone_;
  no_port.listening_port = 70000;
  EXPECT_FALSE(s->SetZone(no_port).ok());
  EXPECT_EQ(s->counter_a(), a);
  std::vector<Bytes> out;
  s->Tick(kNow, out);
  ASSERT_EQ(out.size(), 1u);
  protocol::RcasAnnounceContent c;
  ASSERT_EQ(protocol::Decode(Verify(out[0], MessageType::kRcasAnnounce, chk_).content, &c),
            protocol::DecodeError::kNone);
  EXPECT_EQ(c.cass_info.listening_port, 49104u) << "the old zone is still announced";
  AnnounceOptions too_fast;
  too_fast.announce_interval_ms = 500;
  EXPECT_FALSE(AnnounceScheduler::Create(*store_, chk_, zone_, too_fast, kNow).ok());
}

TEST_F(AnnounceTest, ChkRotationMacsWithTheNewKeyMovesCountersAndBumpsTheCampaign) {
  auto s = Make();
  Renewal r;
  ASSERT_TRUE(s->StartRenewal(r, kNow).ok());
  uint64_t a = s->counter_a(), rc = s->counter_r();
  protocol::Secret20 next;
  crypto::RandomBytes(next.mutable_view());
  ASSERT_TRUE(s->RotateChk(next, kNow + 1).ok());
  EXPECT_GT(s->counter_a(), a);
  EXPECT_GT(s->counter_r(), rc);
  EXPECT_EQ(Counter(storage::kDeliverCampaignCounter), 1u) << "§22 Q6";
  std::vector<Bytes> out;
  s->Tick(kNow + 1, out);
  ASSERT_EQ(out.size(), 2u);
  for (const Bytes& d : out) {
    protocol::OpenedMessage m;
    auto type = MessageType(LoadBe16(d.data()));
    EXPECT_NE(protocol::Open(protocol::ProtectionOf(type), d, {&chk_, nullptr}, {}, &m),
              protocol::ProtectError::kOk)
        << "the old CHK no longer verifies";
    Verify(d, type, next);
  }
}

}  // namespace
}  // namespace rcas::control
