// CamMachine's announcement handling (PROFILE §15.1): RCASAnnounce verification with the CHK of
// its CASS_ID and the §6.2 window, the trigger table with its jitters and the CHK_STALE rate
// limit; RCASRenewal (§13.2) at downloadSchedule + jitter.

#include "tools/cam_announce.h"

#include <algorithm>
#include <ctime>

#include "protocol/framing.h"
#include "protocol/protect.h"
#include "tools/cam_session.h"

namespace rcas::tools {
namespace {

using protocol::MessageType;

constexpr int64_t kZoneJitterMs = 30'000;     // virgin or zone move: 0..30 s (§15.1)
constexpr int64_t kStaleJitterMs = 900'000;   // CHK_STALE: 0..900 s
constexpr int64_t kStaleEveryMs = 600'000;    // at most once per 600 s
constexpr int64_t kUpdateJitterMs = 300'000;  // update or renewal: 0..300 s (§13.2)

bool Equal(ByteView a, ByteView b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

}  // namespace

bool AnnouncementFresh(uint64_t last_counter, ByteView last_message, uint64_t counter,
                       ByteView message) {
  if (last_message.empty()) {
    return counter >= last_counter;
  }
  return counter > last_counter || (counter == last_counter && Equal(last_message, message));
}

std::optional<int64_t> ParseDownloadSchedule(ByteView s) {
  if (s.size() != protocol::kDownloadScheduleLen ||
      !std::all_of(s.begin(), s.end(), [](uint8_t c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  const auto two = [&s](size_t i) { return (s[i] - '0') * 10 + (s[i + 1] - '0'); };
  if (std::all_of(s.begin(), s.end(), [](uint8_t c) { return c == '0'; })) {
    return 0;
  }
  std::tm tm{};
  tm.tm_year = 100 + two(0);
  tm.tm_mon = two(2) - 1;
  tm.tm_mday = two(4);
  tm.tm_hour = two(6);
  tm.tm_min = two(8);
  tm.tm_sec = two(10);
  const std::tm asked = tm;
  const time_t t = timegm(&tm);
  if (tm.tm_mon != asked.tm_mon || tm.tm_mday != asked.tm_mday || tm.tm_hour != asked.tm_hour ||
      tm.tm_min != asked.tm_min || tm.tm_sec != asked.tm_sec) {
    return std::nullopt;  // timegm normalised an impossible date
  }
  return static_cast<int64_t>(t);
}

std::optional<CamTarget> TargetOf(const protocol::CassInfo& info) {
  CamTarget t;
  crypto::CassId id{};
  if (!CopyTo(id, info.cass_id) || info.listening_port == 0 || info.listening_port > 65535 ||
      (info.connection_type != 0x01 && info.connection_type != 0x02)) {
    return std::nullopt;
  }
  t.cass_id = id;
  t.address.assign(info.ip_addr.begin(), std::find(info.ip_addr.begin(), info.ip_addr.end(), 0));
  t.port = static_cast<uint16_t>(info.listening_port);
  t.transport = info.connection_type == 0x02 ? CamTransport::kTcp : CamTransport::kUdp;
  return t;
}

void CamMachine::OnAnnouncement(ByteView datagram, int64_t now_ms) {
  protocol::Header h;
  if (protocol::CheckUdpDatagram(datagram, &h) != protocol::FrameError::kOk) {
    return Drop("announcement framing");
  }
  if (h.type == MessageType::kRcasAnnounce) {
    return OnRcasAnnounce(datagram, h, now_ms);
  }
  if (h.type == MessageType::kRcasRenewal) {
    return OnRcasRenewal(datagram, h, now_ms);
  }
  Drop("not an announcement: " + std::string(protocol::MessageTypeName(h.type)));
}

bool CamMachine::UpdateAvailable(const protocol::RcasAnnounceContent& a) const {
  for (const protocol::CamClientVersion& cv : a.client_versions) {
    if (!Equal(cv.hw_version, config_.hw_version) || !Equal(cv.sw_version, config_.sw_version)) {
      continue;  // entries for other hardware / boot loaders (§13.1)
    }
    for (const protocol::CamClientInfo& c : cv.clients) {
      if (state_.InstalledVersion(c.client_type, c.client_vendor) != c.client_version) {
        return true;  // "differs", not "greater": the operator may roll back (§13.1)
      }
    }
  }
  return false;
}

void CamMachine::OnRcasAnnounce(ByteView message, const protocol::Header& h, int64_t now_ms) {
  protocol::RcasAnnounceContent a;
  if (protocol::Decode(message.subspan(protocol::kHeaderLen, h.content_len()), &a) !=
      protocol::DecodeError::kNone) {
    return Drop("RCASAnnounce content");
  }
  const std::optional<CamTarget> target = TargetOf(a.cass_info);
  if (!target) {
    return Drop("RCASAnnounce cASSInfo");
  }
  const crypto::CassId id = *target->cass_id;
  bool verified = false;
  if (CamZoneState* zone = state_.Zone(id); zone != nullptr && zone->chk) {
    protocol::OpenedMessage opened;
    verified = protocol::Open(protocol::ProtectionOf(MessageType::kRcasAnnounce), message,
                              {&*zone->chk, nullptr}, {}, &opened) == protocol::ProtectError::kOk &&
               AnnouncementFresh(zone->announce_counter, zone->announce, h.nonce, message);
    if (verified && !Equal(zone->announce, message)) {
      zone->announce_counter = h.nonce;
      zone->announce.assign(message.begin(), message.end());
      io_.StateChanged();
    }
  }
  if (a.protocol_type_flag != 0x01 && a.protocol_type_flag != 0x02) {
    return;  // §13.1: other values are ignored
  }
  const bool current = state_.current_cass_id == id;
  if (verified && current) {
    offer_bytes_.assign(message.begin(), message.end());
    offer_.emplace();
    (void)protocol::Decode(ByteView(offer_bytes_).subspan(protocol::kHeaderLen, h.content_len()),
                           &*offer_);
  }
  PendingStart start{*target, static_cast<CamMode>(a.protocol_type_flag), 0,
                     Bytes(message.begin(), message.end())};
  if (state_.virgin) {
    return Trigger(std::move(start), now_ms, Jitter(kZoneJitterMs), "virgin CAM");
  }
  if (!current) {
    return Trigger(std::move(start), now_ms, Jitter(kZoneJitterMs), "zone move");
  }
  if (!verified) {
    if (last_stale_trigger_ && now_ms - *last_stale_trigger_ < config_.Scaled(kStaleEveryMs)) {
      return;
    }
    last_stale_trigger_ = now_ms;
    return Trigger(std::move(start), now_ms, Jitter(kStaleJitterMs), "CHK_STALE");
  }
  // An update triggers once per announcement counter, so that a CASS with nothing to deliver
  // does not make the CAM re-key on every repetition (our choice).
  if (UpdateAvailable(a) && h.nonce != last_update_trigger_) {
    last_update_trigger_ = h.nonce;
    Trigger(std::move(start), now_ms, Jitter(kUpdateJitterMs), "update available");
  }
}

void CamMachine::OnRcasRenewal(ByteView message, const protocol::Header& h, int64_t now_ms) {
  CamZoneState* zone = state_.current_cass_id ? state_.Zone(*state_.current_cass_id) : nullptr;
  protocol::OpenedMessage opened;
  if (zone == nullptr || !zone->chk ||
      protocol::Open(protocol::ProtectionOf(MessageType::kRcasRenewal), message,
                     {&*zone->chk, nullptr}, {}, &opened) != protocol::ProtectError::kOk) {
    return Drop("RCASRenewal that does not verify with the current CHK");  // §13.2
  }
  if (!AnnouncementFresh(zone->renewal_counter, zone->renewal, h.nonce, message)) {
    return Drop("stale RCASRenewal");
  }
  if (Equal(zone->renewal, message)) {
    return;  // a periodic repetition of the one already acted on
  }
  zone->renewal_counter = h.nonce;
  zone->renewal.assign(message.begin(), message.end());
  io_.StateChanged();
  protocol::RcasRenewalContent r;
  std::optional<int64_t> at;
  if (protocol::Decode(opened.content, &r) != protocol::DecodeError::kNone ||
      !(at = ParseDownloadSchedule(r.download_schedule))) {
    return Drop("RCASRenewal content");
  }
  const bool update = offer_ && UpdateAvailable(*offer_);
  if (!r.key_request_req && !r.purchase_report_req && !update) {
    return Trace("RCASRenewal: nothing for this CAM");
  }
  std::optional<CamTarget> target = offer_ ? TargetOf(offer_->cass_info) : std::nullopt;
  if (!target) {
    return Drop("RCASRenewal before a verified RCASAnnounce (no cASSInfo)");
  }
  const int64_t delay = std::max<int64_t>(0, *at * 1000 - now_ms) + Jitter(kUpdateJitterMs);
  Trigger({*target, static_cast<CamMode>(offer_->protocol_type_flag), 0, {}}, now_ms, delay,
          "RCASRenewal");
}

void CamMachine::VerifyTriggerAnnounce() {
  const Session& s = *session_;
  CamZoneState* zone = state_.Zone(*state_.current_cass_id);
  protocol::Header h;
  protocol::OpenedMessage opened;
  if (s.announce.empty() || zone == nullptr ||
      protocol::ParseHeader(s.announce, &h) != protocol::HeaderError::kOk ||
      protocol::Open(protocol::ProtectionOf(MessageType::kRcasAnnounce), s.announce,
                     {&*zone->chk, nullptr}, {}, &opened) != protocol::ProtectError::kOk ||
      !AnnouncementFresh(zone->announce_counter, zone->announce, h.nonce, s.announce)) {
    return;
  }
  zone->announce_counter = h.nonce;
  zone->announce = s.announce;
  offer_bytes_ = s.announce;
  offer_.emplace();
  (void)protocol::Decode(ByteView(offer_bytes_).subspan(protocol::kHeaderLen, h.content_len()),
                         &*offer_);
  Trace("   check RCASAnnounce of the session with the new CHK: ok");
}

}  // namespace rcas::tools
