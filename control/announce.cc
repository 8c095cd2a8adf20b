#include "control/announce.h"

#include <algorithm>

#include "protocol/protect.h"
#include "storage/counters.h"

namespace rcas::control {

namespace {

// DaysFromCivil is the number of days from 1970-01-01 to y-m-d (proleptic Gregorian).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

unsigned DaysInMonth(unsigned year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

protocol::SequenceOf<protocol::CamClientInfo> Clients(const ClientOffer& o) {
  return protocol::SequenceOf<protocol::CamClientInfo>::Values(o.clients);
}

}  // namespace

std::optional<uint64_t> ParseDownloadSchedule(std::string_view s) {
  if (s.size() != protocol::kDownloadScheduleLen ||
      !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  if (s == "000000000000") {
    return 0;
  }
  auto two = [&](size_t i) { return unsigned(s[i] - '0') * 10 + unsigned(s[i + 1] - '0'); };
  const unsigned year = 2000 + two(0), month = two(2), day = two(4);
  const unsigned hour = two(6), minute = two(8), second = two(10);
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month) || hour > 23 ||
      minute > 59 || second > 59) {
    return std::nullopt;
  }
  const int64_t days = DaysFromCivil(year, month, day);
  return static_cast<uint64_t>(((days * 24 + hour) * 60 + minute) * 60 + second) * 1000;
}

Result<std::unique_ptr<AnnounceScheduler>> AnnounceScheduler::Create(storage::AcStore& store,
                                                                     const protocol::Secret20& chk,
                                                                     AnnounceZone zone,
                                                                     AnnounceOptions options,
                                                                     uint64_t now_ms) {
  if (options.announce_interval_ms < 1000 || options.announce_interval_ms > 60'000) {
    return Error{"announce interval must be 1..60 s (PROFILE §5.1)"};
  }
  if (options.renewal_interval_ms == 0) {
    return Error{"renewal interval must not be 0"};
  }
  auto a = store.GetCounter(storage::kAnnounceCounter);
  auto r = store.GetCounter(storage::kRenewalCounter);
  if (!a.ok() || !r.ok()) {
    return Error{"announce counters: " + (a.ok() ? r.error() : a.error())};
  }
  std::unique_ptr<AnnounceScheduler> s(new AnnounceScheduler(store, chk, options));
  s->zone_ = std::move(zone);
  s->counter_r_ = *r;
  auto built = s->BuildAnnounceWith(std::max(*a + 1, now_ms / 1000));
  if (!built.ok()) {
    return Error{built.error()};
  }
  s->next_announce_ms_ = now_ms;
  return s;
}

Status AnnounceScheduler::Persist(uint64_t counter_a, uint64_t counter_r, bool bump_campaign) {
  storage::WriteSet set;
  set.PutCounter(storage::kAnnounceCounter, counter_a);
  set.PutCounter(storage::kRenewalCounter, counter_r);
  if (bump_campaign) {
    auto campaign = store_.GetCounter(storage::kDeliverCampaignCounter);
    if (!campaign.ok()) {
      return Error{campaign.error()};
    }
    if (*campaign >= storage::kMaxDeliverCampaign) {
      return Error{"deliver campaign counter exhausted"};
    }
    set.PutCounter(storage::kDeliverCampaignCounter, *campaign + 1);
  }
  return store_.Commit(set, /*durable=*/true);
}

Result<Bytes> AnnounceScheduler::BuildAnnounceWith(uint64_t counter_a) {
  if (zone_.ip_addr.empty() || zone_.ip_addr.size() > protocol::kCassIpAddrLen) {
    return Error{"cASSIPAddr must be 1..50 characters (PROFILE §13.1)"};
  }
  if (zone_.listening_port == 0 || zone_.listening_port > 65535) {
    return Error{"cASSListeningPort must be 1..65535"};
  }
  std::array<uint8_t, protocol::kCassIpAddrLen> ip{};
  std::copy(zone_.ip_addr.begin(), zone_.ip_addr.end(), ip.begin());
  std::vector<protocol::CamClientVersion> versions;
  for (const ClientOffer& o : zone_.offers) {
    versions.push_back({o.hw, o.sw, Clients(o)});
  }
  const protocol::RcasAnnounceContent content{
      zone_.protocol_type_flag,
      protocol::SequenceOf<protocol::CamClientVersion>::Values(versions),
      {zone_.cass_id, zone_.ip_addr_type, ip, zone_.connection_type, zone_.listening_port}};
  Bytes der;
  if (!protocol::Encode(content, &der)) {
    return Error{"RCASAnnounce does not encode (check the zone's values)"};
  }
  auto sealed = protocol::SealToBytes(protocol::ProtectionOf(protocol::MessageType::kRcasAnnounce),
                                      counter_a, der, {&chk_, nullptr});
  if (!sealed.ok()) {
    return sealed;
  }
  if (Status st = Persist(counter_a, counter_r_, false); !st.ok()) {
    return Error{st.error()};
  }
  counter_a_ = counter_a;
  announce_ = *sealed;
  return sealed;
}

Result<Bytes> AnnounceScheduler::BuildRenewalWith(uint64_t counter_r, const Renewal& renewal,
                                                  bool bump_campaign) {
  const protocol::RcasRenewalContent content{
      ByteView(reinterpret_cast<const uint8_t*>(renewal.download_schedule.data()),
               renewal.download_schedule.size()),
      renewal.key_request_req, renewal.purchase_report_req};
  Bytes der;
  if (!protocol::Encode(content, &der)) {
    return Error{"RCASRenewal does not encode"};
  }
  auto sealed = protocol::SealToBytes(protocol::ProtectionOf(protocol::MessageType::kRcasRenewal),
                                      counter_r, der, {&chk_, nullptr});
  if (!sealed.ok()) {
    return sealed;
  }
  if (Status st = Persist(counter_a_, counter_r, bump_campaign); !st.ok()) {
    return Error{st.error()};
  }
  counter_r_ = counter_r;
  renewal_ = renewal;
  renewal_datagram_ = *sealed;
  return sealed;
}

Status AnnounceScheduler::SetZone(AnnounceZone zone) {
  AnnounceZone old = std::move(zone_);
  zone_ = std::move(zone);
  auto built = BuildAnnounceWith(counter_a_ + 1);
  if (!built.ok()) {
    zone_ = std::move(old);
    return Error{built.error()};
  }
  return OkStatus();
}

Status AnnounceScheduler::RotateChk(const protocol::Secret20& chk, uint64_t now_ms) {
  const protocol::Secret20 old = chk_;
  chk_ = chk;
  // The campaign bump goes with the first write; both counters move on (§23 item 13).
  if (Status st = Persist(counter_a_, counter_r_ + 1, /*bump_campaign=*/true); !st.ok()) {
    chk_ = old;
    return st;
  }
  counter_r_ += 1;
  auto built = BuildAnnounceWith(counter_a_ + 1);
  if (!built.ok()) {
    return Error{built.error()};
  }
  next_announce_ms_ = now_ms;
  if (renewal_running()) {
    auto renewal = BuildRenewalWith(counter_r_ + 1, renewal_, false);
    if (!renewal.ok()) {
      return Error{renewal.error()};
    }
    next_renewal_ms_ = now_ms;
  }
  return OkStatus();
}

Status AnnounceScheduler::StartRenewal(const Renewal& renewal, uint64_t now_ms) {
  auto at = ParseDownloadSchedule(renewal.download_schedule);
  if (!at) {
    return Error{"downloadSchedule must be 12 digits YYMMDDhhmmss (UTC) or 000000000000"};
  }
  if (*at != 0 && *at < now_ms) {
    return Error{"downloadSchedule " + renewal.download_schedule + " has passed"};
  }
  const bool bump = renewal.key_request_req || renewal.purchase_report_req;
  auto built = BuildRenewalWith(std::max(counter_r_ + 1, now_ms / 1000), renewal, bump);
  if (!built.ok()) {
    return Error{built.error()};
  }
  renewal_until_ms_ = *at == 0 ? now_ms + options_.now_renewal_duration_ms : *at;
  next_renewal_ms_ = now_ms;
  return OkStatus();
}

void AnnounceScheduler::StopRenewal() { renewal_until_ms_ = 0; }

void AnnounceScheduler::Tick(uint64_t now_ms, std::vector<Bytes>& out) {
  if (now_ms >= next_announce_ms_) {
    out.push_back(announce_);
    next_announce_ms_ = std::max(next_announce_ms_ + options_.announce_interval_ms, now_ms + 1);
  }
  if (renewal_running() && now_ms >= next_renewal_ms_) {
    if (now_ms > renewal_until_ms_) {
      StopRenewal();
      return;
    }
    out.push_back(renewal_datagram_);
    next_renewal_ms_ = std::max(next_renewal_ms_ + options_.renewal_interval_ms, now_ms + 1);
  }
}

uint64_t AnnounceScheduler::NextDueMs() const {
  return renewal_running() ? std::min(next_announce_ms_, next_renewal_ms_) : next_announce_ms_;
}

}  // namespace rcas::control
