// CamMachine: Status in both directions (PROFILE §9.5, §14.1) and the end of a session with the
// backoff a failure earns (§14.2).

#include <algorithm>

#include "protocol/protect.h"
#include "tools/cam_session.h"

namespace rcas::tools {
namespace {

using protocol::MessageType;

constexpr int64_t kBackoffMinMs = 60'000;  // §14.2
constexpr int64_t kBackoffMaxMs = 3'600'000;

}  // namespace

// OnStatus: a Status answers one of the CAM's messages and copies its nonce (§9.5). Unkeyed
// answers to the signed request are advisory; keyed ones must carry a valid MAC.
void CamMachine::OnStatus(ByteView message, const protocol::Header& h, int64_t now_ms) {
  const Session& s = *session_;
  const bool first =
      (phase_ == CamPhase::kWaitKeyResponse || phase_ == CamPhase::kWaitKeyRegResponse) &&
      h.nonce == s.first_nonce;
  const bool keyed =
      s.keys.has_value() && (h.nonce == s.reg_nonce ||
                             std::any_of(s.answered.begin(), s.answered.end(),
                                         [&](const CamAnswered& a) { return a.nonce == h.nonce; }));
  if (!first && !keyed) {
    return Drop("Status for no exchange");
  }
  const protocol::Protection& p =
      first ? protocol::kUnkeyedStatus : protocol::ProtectionOf(MessageType::kStatus);
  protocol::OpenedMessage opened;
  const protocol::MessageKeys keys{nullptr, first ? nullptr : &*s.keys};
  protocol::StatusContent status;
  if (protocol::Open(p, message, keys, {}, &opened) != protocol::ProtectError::kOk ||
      protocol::Decode(opened.content, &status) != protocol::DecodeError::kNone) {
    return Drop("Status that does not verify");
  }
  const uint8_t code = status.status_info;
  ++stats_.status_received[code];
  Trace("<- Status " + ToHex(ByteView(&code, 1)) + " " +
        std::string(protocol::StatusCodeName(code)) + (first ? " (unkeyed)" : " (keyed)"));
  BackoffRule rule = BackoffRule::kExponential;
  if (code == 0x01 || code == 0x80) {
    rule = BackoffRule::kAtLeastHour;
  } else if (code == 0x83) {
    rule = BackoffRule::kBusy;
  }
  EndSession(now_ms, true, "Status from the CASS", rule);
}

void CamMachine::SendUnkeyedStatus(uint8_t code, uint64_t nonce) {
  const protocol::StatusContent content{session_->id, code};
  Bytes der;
  if (!protocol::Encode(content, &der)) {
    return;
  }
  auto sealed = protocol::SealToBytes(protocol::kUnkeyedStatus, nonce, der, {});
  if (sealed) {
    ++stats_.status_sent[code];
    Trace("status " + ToHex(ByteView(&code, 1)) + " " +
          std::string(protocol::StatusCodeName(code)) + " (unkeyed)");
    SendOnce(*sealed, MessageType::kStatus, nonce);
  }
}

Bytes CamMachine::SendKeyedStatus(uint8_t code, uint64_t nonce, ByteView session_id) {
  const protocol::StatusContent content{session_id, code};
  Bytes der;
  if (!protocol::Encode(content, &der)) {
    return {};
  }
  Bytes sealed = SealKeyed(MessageType::kStatus, nonce, der);
  if (!sealed.empty()) {
    ++stats_.status_sent[code];
    Trace("status " + ToHex(ByteView(&code, 1)) + " " +
          std::string(protocol::StatusCodeName(code)) + " (keyed)");
    SendOnce(sealed, MessageType::kStatus, nonce);
  }
  return sealed;
}

void CamMachine::EndSession(int64_t now_ms, bool failed, std::string_view why, BackoffRule rule) {
  Trace("session ended (" + std::string(why) + (failed ? ", failed)" : ")"));
  stats_.last_failed = failed;
  if (failed) {
    ++failures_;
    int64_t wait = kBackoffMinMs << std::min<uint32_t>(failures_ - 1, 6);
    wait = std::min(wait, kBackoffMaxMs);
    wait += static_cast<int64_t>(static_cast<double>(wait) * 0.2 * config_.jitter *
                                 std::uniform_real_distribution<double>(-1.0, 1.0)(rng_));
    if (rule == BackoffRule::kAtLeastHour) {
      wait = std::max(wait, kBackoffMaxMs);
    }
    wait = config_.Scaled(wait);
    if (rule == BackoffRule::kBusy) {
      wait = config_.Scaled(kBackoffMinMs) + Jitter(240'000);  // Jitter is scaled already
    }
    backoff_until_ = now_ms + wait;
    Trace(config_.time_scale == 1.0 ? "backoff " + std::to_string(wait / 1000) + " s"
                                    : "backoff " + std::to_string(wait) + " ms (time scale)");
  } else {
    ++stats_.completed;
    failures_ = 0;
  }
  session_.reset();  // wipes MEK, IHK, ICCIEK and the IVs
  phase_ = CamPhase::kIdle;
  io_.CloseSession();
  if (fixed_ && failed && (config_.max_sessions == 0 || stats_.sessions < config_.max_sessions)) {
    Trigger(*fixed_, now_ms, 0, "retry");
  }
}

}  // namespace rcas::tools
