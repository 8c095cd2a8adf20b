// CassEngine plumbing: dispatch by message type, the AC / RSA answer queues, timers, output and
// the end of a session (PROFILE §15.4 CLOSED row).

#include "control/cass_engine.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include "protocol/framing.h"

namespace rcas::control {

using protocol::MessageType;

CassEngine::RsaInbox::RsaInbox() : event_fd(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}

CassEngine::RsaInbox::~RsaInbox() {
  if (event_fd >= 0) {
    close(event_fd);
  }
}

CassEngine::CassEngine(CassEngineConfig config, CassZone zone, AcService& ac,
                       storage::AcStore& store, crypto::RsaBatcher& rsa, CampaignSource& campaign,
                       ImagePublisher& images, uint64_t now_ms)
    : config_(std::move(config)),
      zone_(std::move(zone)),
      ac_(ac),
      store_(store),
      rsa_(rsa),
      campaign_(campaign),
      images_(images),
      cq_(std::make_unique<CompletionQueue>()),
      rsa_inbox_(std::make_shared<RsaInbox>()),
      wheel_(now_ms),
      now_ms_(now_ms),
      c1_cache_(config_.annex_c_mode == AnnexCMode::kC1 ? config_.c1_cache_capacity : 0,
                config_.timeouts.c1_cache_ms, now_ms) {}

CassEngine::~CassEngine() {
  // The AC workers push into cq_; wait for what is in flight (they answer within a batch).
  for (int i = 0; i < 300 && ac_in_flight_ > 0; ++i) {
    if (cq_->Wait(100)) {
      ac_scratch_.clear();
      ac_in_flight_ -= std::min<uint64_t>(ac_in_flight_, cq_->Poll(ac_scratch_));
    }
  }
}

void CassEngine::Send(const PeerRef& peer, Bytes bytes, bool close_after) {
  out_.push_back({peer, std::move(bytes), close_after && peer.tcp()});
}

void CassEngine::TakeOutput(std::vector<OutMessage>& out) {
  FlushRsa();  // its refusals go out with this turn's answers
  for (OutMessage& m : out_) {
    out.push_back(std::move(m));
  }
  out_.clear();
}

void CassEngine::OnMessage(const PeerRef& peer, ByteView message, uint64_t now_ms) {
  now_ms_ = now_ms;
  counters_.Add(CassCounter::kRxMessages);
  protocol::Header h;
  if (protocol::CheckFramedMessage(message, &h) != protocol::FrameError::kOk) {
    counters_.Add(CassCounter::kRxBadFrame);
    if (peer.tcp()) {
      Send(peer, {}, true);  // §23 item 11
    }
    return;
  }
  Dispatch(peer, message, h);
}

void CassEngine::Dispatch(const PeerRef& peer, ByteView message, const protocol::Header& h) {
  switch (h.type) {
    case MessageType::kKeyRequest:
    case MessageType::kKeyRegRequest:
      OnFirstRequest(peer, message);
      break;
    case MessageType::kCamReg:
      OnCamReg(peer, message, h);
      break;
    case MessageType::kRenewConfirm:
    case MessageType::kPurchaseReport:
    case MessageType::kLogResponse:
      OnCamResponse(peer, message, h);
      break;
    case MessageType::kStatus:
      OnCamStatus(peer, message, h);
      break;
    default:  // announcements and the CASS's own types never come from a CAM
      counters_.Add(CassCounter::kRxUnexpectedType);
      break;
  }
}

void CassEngine::OnPeerClosed(uint64_t connection, uint64_t now_ms) {
  now_ms_ = now_ms;
  ForgetVerifying(connection);
  CassSession* s = table_.ByPeer(PeerRef::Tcp(connection));
  if (s != nullptr && !s->closed()) {
    EndSession(*s, false);
  }
}

void CassEngine::Tick(uint64_t now_ms) {
  now_ms_ = now_ms;
  ac_scratch_.clear();
  const size_t got = cq_->Poll(ac_scratch_);
  ac_in_flight_ -= std::min<uint64_t>(ac_in_flight_, got);
  for (AcResult& r : ac_scratch_) {
    OnAcResult(r);
  }
  rsa_scratch_.clear();
  {
    std::lock_guard lock(rsa_inbox_->mu);
    rsa_scratch_.swap(rsa_inbox_->done);
    verify_scratch_.clear();
    verify_scratch_.swap(rsa_inbox_->verified);
    uint64_t drained;
    [[maybe_unused]] ssize_t n = read(rsa_inbox_->event_fd, &drained, sizeof drained);
  }
  for (Signed& s : rsa_scratch_) {
    OnSigned(s);
  }
  for (Verified& v : verify_scratch_) {
    OnVerified(v);
  }
  timer_scratch_.clear();
  wheel_.Advance(now_ms, timer_scratch_);
  for (uint64_t payload : timer_scratch_) {
    OnTimer(payload);
  }
  c1_cache_.Expire(now_ms);
  FlushRsa();  // the signatures of the AC answers drained above, in one take (C2)
}

void CassEngine::Arm(CassSession& s, uint64_t after_ms) {
  wheel_.Cancel(s.deadline_timer);
  s.deadline_timer = wheel_.Add(now_ms_ + after_ms, (s.id << 1) | kDeadline);
}

void CassEngine::ArmRetransmit(CassSession& s, uint64_t after_ms) {
  wheel_.Cancel(s.retransmit_timer);
  s.retransmit_timer = wheel_.Add(now_ms_ + after_ms, (s.id << 1) | kRetransmit);
}

void CassEngine::OnTimer(uint64_t payload) {
  CassSession* s = table_.Get(payload >> 1);
  if (s == nullptr) {
    return;
  }
  if ((payload & 1) == kRetransmit) {
    s->retransmit_timer = 0;
    OnRetransmit(*s);
  } else {
    s->deadline_timer = 0;
    OnDeadline(*s);
  }
}

// OnDeadline is the timeout of the session's state (§5.5, §15.4).
void CassEngine::OnDeadline(CassSession& s) {
  switch (s.state) {
    case SessionState::kAcWait:
    case SessionState::kSigning:
      counters_.Add(CassCounter::kTimeoutAc);
      RefuseFirst(s.peer, &s, s.session_id, s.first_nonce, s.first_type,
                  protocol::StatusCode::kBusy);
      break;
    case SessionState::kAcWaitCamReg:
      counters_.Add(CassCounter::kTimeoutAc);
      FailKeyed(s, MessageType::kCamReg, s.session_id, s.cam_reg_nonce,
                protocol::StatusCode::kBusy);
      break;
    case SessionState::kWaitCamReg:
      counters_.Add(CassCounter::kTimeoutCamReg);
      EndSession(s, true);
      break;
    case SessionState::kWaitRenewConfirm:
      counters_.Add(CassCounter::kTimeoutRenewal);
      counters_.Add(CassCounter::kRenewalsFailed);
      campaign_.OnRenewal(s.Facts(), RenewalOutcome::kAborted);
      EndSession(s, true);
      break;
    case SessionState::kWaitPurchaseReport:
      counters_.Add(CassCounter::kTimeoutPurchaseReport);
      AfterRenewal(s);
      break;
    case SessionState::kWaitLogResponse:
      counters_.Add(CassCounter::kTimeoutLog);
      EndSession(s, true);
      break;
    case SessionState::kEstablished:
      counters_.Add(CassCounter::kIdleClosed);
      EndSession(s, false);
      break;
    case SessionState::kClosed:
      if (s.pending_async > 0) {  // an AC or RSA answer still refers to it
        Arm(s, config_.timeouts.linger_ms);
        break;
      }
      counters_.Add(CassCounter::kSessionsErased);
      table_.Erase(s.id);  // keys wiped by the destructors
      break;
  }
}

// EndSession moves to CLOSED: timers stop, the CASS's nonces stop matching, cached answers stay
// for the linger (§23 item 4), a TCP connection is closed (§5.3).
void CassEngine::EndSession(CassSession& s, bool failed) {
  if (s.closed()) {
    return;
  }
  if (failed) {
    counters_.Add(CassCounter::kSessionsFailed);
  }
  if (config_.on_session_end) {
    config_.on_session_end(s, failed);
  }
  s.state = SessionState::kClosed;
  UntrackLive(s);
  wheel_.Cancel(s.retransmit_timer);
  s.retransmit_timer = 0;
  for (uint64_t nonce : s.bound_nonces) {
    table_.UnbindNonce(nonce);
  }
  s.outstanding.reset();
  if (s.peer.tcp() && (out_.empty() || !(out_.back().peer == s.peer) || !out_.back().close_after)) {
    Send(s.peer, {}, true);
  }
  Arm(s, config_.timeouts.linger_ms);
}

// FindKeyedSession finds the session of a keyed message (§9.2): the TCP connection; on UDP the
// CASS nonce it answers, else the session bound to its source. Another source is dropped
// (§23 item 2; PeerRef::route is not part of the source); so is a message a worker opened with
// another session's keys (OnOpened), unless those keys failed on it.
CassSession* CassEngine::FindKeyedSession(const PeerRef& peer, const protocol::Header& h) {
  CassSession* s = peer.tcp() ? table_.ByPeer(peer) : table_.ByNonce(h.nonce);
  if (s == nullptr && !peer.tcp()) {
    s = table_.ByPeer(peer);
  }
  if (s == nullptr) {
    counters_.Add(CassCounter::kRxNoSession);
    return nullptr;
  }
  if (!(s->peer == peer)) {
    counters_.Add(CassCounter::kRxWrongSource);
    return nullptr;
  }
  if (pre_opened_ != nullptr && pre_opened_->session != s->id) {
    if (pre_opened_->verdict != protocol::ProtectError::kBadMac) {
      counters_.Add(CassCounter::kRxStaleFlow);  // opened under another session's keys
      return nullptr;
    }
    // Another session's keys failed on it (a worker still holds the flow of the source's
    // previous session): the message came whole, so OpenKeyed opens it under s's keys.
    counters_.Add(CassCounter::kRxStaleFlowReopened);
    pre_opened_ = nullptr;
  }
  return s;
}

AcRequest CassEngine::RequestFor(const CassSession& s, AcRequestKind kind) const {
  AcRequest r;
  r.tag = s.id;
  r.kind = kind;
  r.cam_id = s.cam_id;
  r.dsc_id = s.dsc_id;
  r.session_id = s.session_id;
  r.cass_id = zone_.cass_id();
  r.hw = s.hw;
  r.sw = s.sw;
  return r;
}

bool CassEngine::SubmitAc(CassSession& s, AcRequest&& request) {
  if (!ac_.Submit(std::move(request), *cq_)) {
    counters_.Add(CassCounter::kAcQueueFull);
    return false;
  }
  ++ac_in_flight_;
  ++s.pending_async;
  return true;
}

}  // namespace rcas::control
