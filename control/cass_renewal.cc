// The renewal phase of an established session (PROFILE §13.7-§13.10, §15.4): RenewInfo (nonce
// #3) with the campaign's images, RenewConfirm (forwarded to the AC in mode C2), PurchaseReport,
// LogRequest / LogResponse (nonce #4), UDP retransmission (§5.5) and the idle close.

#include <algorithm>
#include <numeric>

#include "control/cass_engine.h"
#include "crypto/random.h"

namespace rcas::control {

using protocol::MessageType;
using protocol::StatusCode;

namespace {

// SessionFn is the per-session object name of §17.1: the campaign's prefix, the sessionID in
// hex, ".bin".
std::string SessionFn(const std::string& prefix, const storage::SessionId& sid) {
  return prefix + ToHex(sid) + ".bin";
}

template <protocol::Content T>
bool DecodeInto(ByteView content, T* out) {
  return protocol::Decode(content, out) == protocol::DecodeError::kNone;
}

}  // namespace

void CassEngine::StartRenewal(CassSession& s) {
  s.plan = campaign_.PlanFor(s.Facts());
  if (s.plan && s.plan->has_images()) {
    if (SendRenewInfo(s)) {
      return;
    }
    counters_.Add(CassCounter::kRenewalPlanInvalid);
  }
  AfterRenewal(s);
}

// SendRenewInfo publishes the per-session objects and sends RenewInfo; false if the plan cannot
// be delivered (then nothing was sent).
bool CassEngine::SendRenewInfo(CassSession& s) {
  const RenewalPlan& plan = *s.plan;
  const CassTimeouts& t = config_.timeouts;
  const uint64_t udp_schedule_ms =
      std::accumulate(t.udp_retransmit_ms.begin(), t.udp_retransmit_ms.end(), uint64_t{0}) +
      t.udp_final_wait_ms;
  const uint64_t wait_ms = t.download_ms + (s.peer.tcp() ? 0 : udp_schedule_ms);
  const uint64_t expires_ms = now_ms_ + wait_ms + t.linger_ms;
  protocol::RenewInfoContent info;
  info.session_id = s.session_id;
  info.client_type = plan.client_type;
  info.image_flag = static_cast<uint8_t>((plan.common ? 0x01 : 0) | (plan.individual ? 0x02 : 0));
  const Bytes zero(protocol::kSha1FieldLen, 0);
  info.hashed_ccci = zero;
  info.hashed_icci = zero;
  std::string common_fn;
  std::string individual_fn;
  if (plan.common) {  // common first (§13.7)
    const CampaignImage& img = *plan.common;
    common_fn = img.fn;
    if (s.mode == protocol::KeyMode::kFast) {  // encrypted per CAM under its CCCIEK (§22 Q3)
      if (!img.plaintext) {
        return false;
      }
      common_fn = SessionFn(img.fn, s.session_id);
      images_.PublishIndividual(common_fn, img.plaintext, s.ccciek, s.ccciek_iv, expires_ms);
    }
    info.image_info[info.image_count++] = {
        img.ds_ip ? std::optional<ByteView>(*img.ds_ip) : std::nullopt, img.tm, common_fn};
    info.hashed_ccci = img.sha1;
  }
  if (plan.individual) {
    const CampaignImage& img = *plan.individual;
    if (!img.plaintext) {
      return false;
    }
    individual_fn = SessionFn(img.fn, s.session_id);
    images_.PublishIndividual(individual_fn, img.plaintext, s.icciek, s.icciek_iv, expires_ms);
    info.image_info[info.image_count++] = {
        img.ds_ip ? std::optional<ByteView>(*img.ds_ip) : std::nullopt, img.tm, individual_fn};
    info.hashed_icci = img.sha1;
  }
  info.purchase_report_req = plan.purchase_report_req;
  if (plan.directives) {
    info.directives = ByteView(*plan.directives);
  }
  Bytes der;
  if (!protocol::Encode(info, &der)) {
    return false;
  }
  SendRequest(s, MessageType::kRenewInfo, der);
  s.renew_nonce = s.outstanding->nonce;
  s.state = SessionState::kWaitRenewConfirm;
  Arm(s, wait_ms);
  return true;
}

void CassEngine::SendLogRequest(CassSession& s) {
  const CassTimeouts& t = config_.timeouts;
  Bytes der;
  if (!protocol::Encode(protocol::LogRequestContent{s.session_id}, &der)) {
    return;
  }
  SendRequest(s, MessageType::kLogRequest, der);
  s.log_done = true;
  s.state = SessionState::kWaitLogResponse;
  Arm(s, s.peer.tcp() ? t.request_ms
                      : std::accumulate(t.udp_retransmit_ms.begin(), t.udp_retransmit_ms.end(),
                                        uint64_t{0}) +
                            t.udp_final_wait_ms);
}

// SendRequest seals a CASS request under a fresh nonce (never reused, §6.1), remembers it for
// retransmission and for matching the answer (§9.2).
void CassEngine::SendRequest(CassSession& s, MessageType type, ByteView content) {
  uint64_t nonce;
  do {
    nonce = crypto::RandomU64();
  } while (nonce == 0 || table_.NonceInUse(nonce) || nonce == s.first_nonce ||
           nonce == s.cam_reg_nonce);
  auto sealed =
      protocol::SealToBytes(protocol::ProtectionOf(type), nonce, content, {nullptr, &*s.keys});
  if (!sealed.ok()) {
    counters_.Add(CassCounter::kRsaFailure);
    EndSession(s, true);
    return;
  }
  table_.BindNonce(s, nonce);
  s.outstanding = Exchange{type, nonce, *sealed, 0};
  Send(s.peer, std::move(*sealed));
  if (!s.peer.tcp()) {
    ArmRetransmit(s, config_.timeouts.udp_retransmit_ms[0]);
  }
}

void CassEngine::OnRetransmit(CassSession& s) {
  const auto& schedule = config_.timeouts.udp_retransmit_ms;
  if (!s.outstanding || s.closed() || s.outstanding->retransmits >= schedule.size()) {
    return;
  }
  counters_.Add(CassCounter::kRetransmits);
  Send(s.peer, s.outstanding->message);
  if (++s.outstanding->retransmits < schedule.size()) {
    ArmRetransmit(s, schedule[s.outstanding->retransmits]);
  }
}

// AfterRenewal: LogRequest if the plan asks for one, else idle until the 60 s close.
void CassEngine::AfterRenewal(CassSession& s) {
  wheel_.Cancel(s.retransmit_timer);
  s.retransmit_timer = 0;
  s.outstanding.reset();
  if (s.plan && s.plan->log_request && !s.log_done) {
    SendLogRequest(s);
    return;
  }
  s.state = SessionState::kEstablished;
  Arm(s, config_.timeouts.idle_ms);
}

// OnCamResponse takes RenewConfirm, PurchaseReport and LogResponse. Only an answer to the
// outstanding exchange counts (§6.2); a bad MAC or bad padding on one gets keyed 0x04 / 0x81
// (§23 items 2, 20), on anything else it is dropped.
void CassEngine::OnCamResponse(const PeerRef& peer, ByteView message, const protocol::Header& h) {
  CassSession* s = FindKeyedSession(peer, h);
  if (s == nullptr) {
    return;
  }
  if (!s->keys || s->keys->mek_iv() == nullptr) {
    counters_.Add(CassCounter::kRxNoSession);
    return;
  }
  const MessageType type = h.type;
  const bool answers_outstanding = s->outstanding && s->outstanding->nonce == h.nonce;
  bool live = false;
  if (type == MessageType::kRenewConfirm) {
    live = s->state == SessionState::kWaitRenewConfirm && answers_outstanding;
  } else if (type == MessageType::kPurchaseReport) {
    live = s->state == SessionState::kWaitPurchaseReport && h.nonce == s->renew_nonce;
  } else {
    live = s->state == SessionState::kWaitLogResponse && answers_outstanding;
  }
  Bytes plain;
  ByteView content;
  const protocol::ProtectError e = OpenKeyed(*s, peer, type, message, plain, &content);
  if (e != protocol::ProtectError::kOk) {
    if (live && e == protocol::ProtectError::kBadMac) {
      FailKeyed(*s, type, s->session_id, h.nonce, StatusCode::kHmacFail);
    } else if (live && e == protocol::ProtectError::kBadPadding) {
      FailKeyed(*s, type, Bytes(protocol::kSessionIdLen, 0), h.nonce, StatusCode::kMalformed);
    } else {
      counters_.Add(e == protocol::ProtectError::kBadMac ? CassCounter::kRxBadMacDropped
                                                         : CassCounter::kRxBadFrame);
    }
    return;
  }
  if (!live) {
    counters_.Add(CassCounter::kRxStaleResponse);  // a late copy, or no such exchange
    return;
  }
  protocol::RenewConfirmContent confirm;
  protocol::PurchaseReportContent report;
  protocol::LogResponseContent log;
  const bool decoded = type == MessageType::kRenewConfirm     ? DecodeInto(content, &confirm)
                       : type == MessageType::kPurchaseReport ? DecodeInto(content, &report)
                                                              : DecodeInto(content, &log);
  if (!decoded) {
    const auto peeked = protocol::PeekSessionId(content);  // §23 item 1
    FailKeyed(*s, type, peeked ? *peeked : Bytes(protocol::kSessionIdLen, 0), h.nonce,
              StatusCode::kMalformed);
    return;
  }
  const ByteView sid = type == MessageType::kRenewConfirm     ? confirm.session_id
                       : type == MessageType::kPurchaseReport ? report.session_id
                                                              : log.session_id;
  if (!std::equal(sid.begin(), sid.end(), s->session_id.begin())) {
    FailKeyed(*s, type, sid, h.nonce, StatusCode::kUnexpected);
    return;
  }
  if (type == MessageType::kRenewConfirm) {
    OnRenewConfirm(*s, confirm);
  } else if (type == MessageType::kPurchaseReport) {
    counters_.Add(CassCounter::kPurchaseReports);
    SubmitReport(*s, AcRequestKind::kPurchaseReport, report.purchase_info);
    AfterRenewal(*s);
  } else {
    counters_.Add(CassCounter::kLogResponses);
    SubmitReport(*s, AcRequestKind::kLogResponse, log.log_response_info.value_or(ByteView()));
    AfterRenewal(*s);
  }
}

void CassEngine::OnRenewConfirm(CassSession& s, const protocol::RenewConfirmContent& c) {
  wheel_.Cancel(s.retransmit_timer);
  s.retransmit_timer = 0;
  s.outstanding.reset();
  if (config_.annex_c_mode == AnnexCMode::kC2) {  // §16.4: reset or keep authCount
    AcRequest r = RequestFor(s, AcRequestKind::kRenewConfirm);
    r.download_ok = c.download_status;
    if (SubmitAc(s, std::move(r))) {
      counters_.Add(CassCounter::kRenewConfirmsForwarded);
    } else {
      counters_.Add(CassCounter::kAcReportErrors);
    }
  }
  if (c.download_status) {
    c1_cache_.Erase(s.cam_id);  // mode C1: the cached AC result lives until RenewConfirm(TRUE)
  }
  counters_.Add(c.download_status ? CassCounter::kRenewalsInstalled : CassCounter::kRenewalsFailed);
  campaign_.OnRenewal(
      s.Facts(), c.download_status ? RenewalOutcome::kInstalled : RenewalOutcome::kDownloadFailed);
  if (c.download_status && s.plan && s.plan->purchase_report_req) {  // §23 item 14
    s.state = SessionState::kWaitPurchaseReport;
    Arm(s, config_.timeouts.purchase_report_ms);
    return;
  }
  AfterRenewal(s);
}

void CassEngine::SubmitReport(CassSession& s, AcRequestKind kind, ByteView body) {
  AcRequest r = RequestFor(s, kind);
  r.report.assign(body.begin(), body.end());
  if (!SubmitAc(s, std::move(r))) {
    counters_.Add(CassCounter::kAcReportErrors);
  }
}

}  // namespace rcas::control
