// The Status messages of PROFILE §14: those the CASS sends (unkeyed for the signed first
// request, keyed with IK otherwise, §9.5) and those it accepts from a CAM.

#include <algorithm>

#include "control/cass_engine.h"

namespace rcas::control {

using protocol::MessageType;
using protocol::StatusCode;

namespace {

Result<Bytes> SealStatus(const protocol::Protection& p, ByteView session_id, uint64_t nonce,
                         StatusCode code, const protocol::SessionKeys* keys) {
  Bytes der;
  const protocol::StatusContent content{session_id, static_cast<uint8_t>(code)};
  if (!protocol::Encode(content, &der)) {
    return Error{"status encode"};
  }
  return protocol::SealToBytes(p, nonce, der, {nullptr, keys});
}

}  // namespace

// RefuseFirst answers the first request with an unkeyed Status; the session (if one exists)
// caches it for duplicates and ends; TCP closes after it (§23 item 23).
void CassEngine::RefuseFirst(const PeerRef& peer, CassSession* s, ByteView session_id,
                             uint64_t nonce, MessageType type, StatusCode code) {
  auto sealed = SealStatus(protocol::kUnkeyedStatus, session_id, nonce, code, nullptr);
  if (sealed.ok()) {
    ++counters_.status_sent[static_cast<uint8_t>(code)];
    if (config_.on_status) {
      config_.on_status(s, code);
    }
    if (s != nullptr) {
      s->cache.Answer(type, nonce, *sealed);
    }
    Send(peer, std::move(*sealed), true);
  }
  if (s != nullptr) {
    EndSession(*s, true);
  }
}

// FailKeyed answers a keyed message with a keyed Status (IK) and ends the session (§14.2).
void CassEngine::FailKeyed(CassSession& s, MessageType answered, ByteView session_id,
                           uint64_t nonce, StatusCode code) {
  if (s.keys) {
    auto sealed =
        SealStatus(protocol::StatusProtection(answered), session_id, nonce, code, &*s.keys);
    if (sealed.ok()) {
      ++counters_.status_sent[static_cast<uint8_t>(code)];
      if (config_.on_status) {
        config_.on_status(&s, code);
      }
      s.cache.Answer(answered, nonce, *sealed);
      Send(s.peer, std::move(*sealed), true);
    }
  }
  if (s.outstanding && s.outstanding->type == MessageType::kRenewInfo) {
    counters_.Add(CassCounter::kRenewalsFailed);
    campaign_.OnRenewal(s.Facts(), RenewalOutcome::kAborted);
  }
  EndSession(s, true);
}

// OnCamStatus accepts a Status only where it answers a live exchange (§9.5, §14): unkeyed for
// KeyResponse / KeyRegResponse (fast mode: in any state, §23 item 15), keyed for RenewInfo
// (0x03: one new RenewInfo, §15.4), LogRequest, and the CAMReg nonce once established (§23 item
// 22). A Status is never answered.
void CassEngine::OnCamStatus(const PeerRef& peer, ByteView message, const protocol::Header& h) {
  CassSession* s = FindKeyedSession(peer, h);
  if (s == nullptr || s->closed()) {
    return;
  }
  const bool unkeyed = h.nonce == s->first_nonce;
  if (!unkeyed && !s->keys) {
    counters_.Add(CassCounter::kRxNoSession);
    return;
  }
  const protocol::Protection& p =
      unkeyed ? protocol::kUnkeyedStatus : protocol::ProtectionOf(MessageType::kStatus);
  protocol::OpenedMessage opened;
  const protocol::ProtectError e =
      protocol::Open(p, message, {nullptr, unkeyed ? nullptr : &*s->keys}, {}, &opened);
  protocol::StatusContent c;
  if (e != protocol::ProtectError::kOk) {
    counters_.Add(unkeyed                                ? CassCounter::kRxBadDigest
                  : e == protocol::ProtectError::kBadMac ? CassCounter::kRxBadMacDropped
                                                         : CassCounter::kRxBadFrame);
    return;
  }
  if (protocol::Decode(opened.content, &c) != protocol::DecodeError::kNone ||
      !std::equal(c.session_id.begin(), c.session_id.end(), s->session_id.begin())) {
    counters_.Add(CassCounter::kRxStaleResponse);
    return;
  }
  if (unkeyed) {
    const bool live = s->mode == protocol::KeyMode::kFast || s->state == SessionState::kWaitCamReg;
    if (!live) {
      counters_.Add(CassCounter::kRxStaleResponse);
      return;
    }
    counters_.Add(CassCounter::kRxCamStatus);
    EndSession(*s, true);
    return;
  }
  if (s->outstanding && s->outstanding->nonce == h.nonce) {
    counters_.Add(CassCounter::kRxCamStatus);
    const bool renew = s->outstanding->type == MessageType::kRenewInfo;
    if (renew && c.status_info == static_cast<uint8_t>(StatusCode::kCciHashFail) &&
        !s->renew_retry_used) {
      s->renew_retry_used = true;  // one new RenewInfo with a new nonce (§15.4)
      counters_.Add(CassCounter::kRenewInfoRetries);
      table_.UnbindNonce(h.nonce);
      wheel_.Cancel(s->retransmit_timer);
      s->retransmit_timer = 0;
      s->outstanding.reset();
      if (SendRenewInfo(*s)) {
        return;
      }
    }
    if (renew) {
      counters_.Add(CassCounter::kRenewalsFailed);
      campaign_.OnRenewal(s->Facts(), c.status_info == 0x03 ? RenewalOutcome::kHashFailed
                                                            : RenewalOutcome::kAborted);
      s->outstanding.reset();
    }
    EndSession(*s, true);
    return;
  }
  if (s->mode == protocol::KeyMode::kNormal && h.nonce == s->cam_reg_nonce &&
      s->state != SessionState::kWaitCamReg && s->state != SessionState::kAcWaitCamReg) {
    counters_.Add(CassCounter::kRxCamStatus);  // §23 item 22
    EndSession(*s, true);
    return;
  }
  counters_.Add(CassCounter::kRxStaleResponse);
}

}  // namespace rcas::control
