// The signed first request of a session: KeyRequest (normal, PROFILE §13.3) and KeyRegRequest
// (fast, §13.11). Order: framing, DER (0x81), duplicates of a known sessionID (cache, §5.5),
// certificate and signature (0x05), reuse of a sessionID (0x82, §23 items 3, 19), the replay set
// (0x82), then the AC (0x83 when its queue is full).

#include <unistd.h>

#include <algorithm>

#include "control/cass_engine.h"
#include "protocol/protect_signed.h"

namespace rcas::control {

using protocol::MessageType;
using protocol::StatusCode;

// FirstRequest is the part of KeyRequest / KeyRegRequest the checks need (views into the
// message).
struct CassEngine::FirstRequest {
  ByteView session_id;
  ByteView key_pairing_id;
  ByteView certificate;
  ByteView cam_id_field;  // fast mode only
  ByteView hw;
  ByteView sw;
};

protocol::DecodeError CassEngine::DecodeFirst(MessageType type, ByteView content,
                                              FirstRequest* out) {
  if (type == MessageType::kKeyRequest) {
    protocol::KeyRequestContent c;
    const protocol::DecodeError e = protocol::Decode(content, &c);
    *out = {c.session_id, c.key_pairing_id, c.cam_certificate, {}, {}, {}};
    return e;
  }
  protocol::KeyRegRequestContent c;
  const protocol::DecodeError e = protocol::Decode(content, &c);
  *out = {c.session_id, c.key_pairing_id, c.cam_certificate, c.cam_id, c.hw_version, c.sw_version};
  return e;
}

// CheckFirst is the §10.4 certificate check and the request signature: public-key work, ~200 µs.
CassEngine::Verified CassEngine::CheckFirst(const crypto::TrustAnchor& root,
                                            const protocol::SignedMessage& m,
                                            const FirstRequest& req, int64_t now_s) {
  Verified v;
  v.cert = crypto::CheckCamCertificate(root, req.certificate, req.key_pairing_id, now_s,
                                       req.cam_id_field);
  v.signature_ok =
      v.cert.ok() && protocol::VerifySigned(m, *v.cert.subject_key) == protocol::ProtectError::kOk;
  return v;
}

namespace {

Bytes ZeroSessionId() { return Bytes(protocol::kSessionIdLen, 0); }

}  // namespace

void CassEngine::OnFirstRequest(const PeerRef& peer, ByteView message) {
  protocol::SignedMessage m;
  if (protocol::ParseSigned(message, &m) != protocol::ProtectError::kOk) {
    counters_.Add(CassCounter::kRxBadFrame);
    return;
  }
  const MessageType type = m.header.type;
  const uint64_t nonce = m.header.nonce;
  FirstRequest req;
  if (DecodeFirst(type, m.content, &req) != protocol::DecodeError::kNone) {
    const auto peeked = protocol::PeekSessionId(m.content);  // §23 item 1
    RefuseFirst(peer, nullptr, peeked ? *peeked : ZeroSessionId(), nonce, type,
                StatusCode::kMalformed);
    return;
  }
  storage::SessionId sid;
  CopyTo(sid, req.session_id);
  CassSession* known = table_.BySessionId(sid);
  if (known != nullptr && known->first_type == type && known->first_nonce == nonce) {
    const ResponseCache::Lookup got = known->cache.Find(type, nonce, message);
    if (got.verdict == ResponseCache::Verdict::kAnswered) {
      counters_.Add(CassCounter::kRxDuplicateAnswered);
      Send(peer, *got.response, known->closed());
      return;
    }
    if (got.verdict == ResponseCache::Verdict::kPending) {
      counters_.Add(CassCounter::kRxDuplicatePending);
      return;
    }
  }
  if (config_.verify_on_rsa_workers) {
    VerifyOnWorkers(peer, message);
    return;
  }
  FinishFirstRequest(peer, message, m, req,
                     CheckFirst(*config_.ac_root, m, req, static_cast<int64_t>(now_ms_ / 1000)));
}

// FinishFirstRequest goes on once the certificate and signature are checked (inline or on the
// RSA threads).
void CassEngine::FinishFirstRequest(const PeerRef& peer, ByteView message,
                                    const protocol::SignedMessage& m, const FirstRequest& req,
                                    const Verified& checked) {
  const MessageType type = m.header.type;
  const uint64_t nonce = m.header.nonce;
  const crypto::CamCertResult& cert = checked.cert;
  storage::SessionId sid;
  CopyTo(sid, req.session_id);
  CassSession* known = table_.BySessionId(sid);
  // Only a request whose certificate and signature verify is answered with more than 0x81.
  const bool fast = type == MessageType::kKeyRegRequest;
  if (!checked.signature_ok) {
    counters_.Add(CassCounter::kRxBadSignature);
    RefuseFirst(peer, nullptr, req.session_id, nonce, type, StatusCode::kSignatureFail);
    return;
  }
  if (fast && !std::all_of(req.cam_id_field.begin() + protocol::kCamIdLen, req.cam_id_field.end(),
                           [](uint8_t b) { return b == 0; })) {
    RefuseFirst(peer, nullptr, req.session_id, nonce, type, StatusCode::kMalformed);  // §23.5
    return;
  }
  // A reused sessionID that is not a byte-identical retransmission: 0x82, and the cached answer
  // of the original stays (§23 items 3, 19). One session per TCP connection (§5.3).
  if (known != nullptr || (peer.tcp() && table_.ByPeer(peer) != nullptr)) {
    counters_.Add(CassCounter::kRxNonceConflict);
    RefuseFirst(peer, nullptr, req.session_id, nonce, type, StatusCode::kUnexpected);
    return;
  }
  auto fresh = store_.EnterReplay(cert.id, sid, now_ms_, config_.timeouts.replay_ms);
  if (!fresh.ok() || !*fresh) {
    counters_.Add(fresh.ok() ? CassCounter::kReplayRefused : CassCounter::kReplaySetError);
    RefuseFirst(peer, nullptr, req.session_id, nonce, type,
                fresh.ok() ? StatusCode::kUnexpected : StatusCode::kBusy);
    return;
  }
  CassSession& s = table_.Create(sid, peer);
  counters_.Add(CassCounter::kSessionsCreated);
  s.mode = fast ? protocol::KeyMode::kFast : protocol::KeyMode::kNormal;
  s.first_type = type;
  s.first_nonce = nonce;
  s.cam_id = cert.id;
  s.cam_key = *cert.subject_key;
  TrackLive(s);
  CopyTo(s.key_pairing_id, req.key_pairing_id);
  std::copy(req.key_pairing_id.begin() + protocol::kCamIdLen, req.key_pairing_id.end(),
            s.dsc_id.begin());
  if (fast) {
    CopyTo(s.hw, req.hw);
    CopyTo(s.sw, req.sw);
  }
  s.cache.Begin(type, nonce, message);
  s.state = SessionState::kAcWait;
  s.deliver_version = campaign_.DeliverVersion(s.cam_id);
  if (!fast && KeyRequestFromCache(s, req.certificate)) {
    return;  // mode C1: answered from the cached AC result (§16.5)
  }
  AcRequest r = RequestFor(s, fast ? AcRequestKind::kFast : AcRequestKind::kNormalKeyRequest);
  r.certificate_der.assign(req.certificate.begin(), req.certificate.end());
  r.deliver_version = s.deliver_version;
  r.sole_session = !RivalLive(s);  // a pending C1 retry, not a clone beside it (ac_types.h)
  if (!SubmitAc(s, std::move(r))) {
    RefuseFirst(s.peer, &s, s.session_id, nonce, type, StatusCode::kBusy);
    return;
  }
  Arm(s, config_.timeouts.ac_ms);
}

// VerifyOnWorkers runs the checks of the first request on the RSA threads (config
// verify_on_rsa_workers); OnVerified resumes with their answer. A byte-identical copy that
// arrives meanwhile is discarded like any pending duplicate (§5.5).
void CassEngine::VerifyOnWorkers(const PeerRef& peer, ByteView message) {
  const crypto::Sha256Digest digest = crypto::Sha256(message);
  if (verifying_digests_.contains(digest)) {
    counters_.Add(CassCounter::kRxDuplicatePending);
    return;
  }
  const uint64_t ticket = next_ticket_++;
  auto work = [inbox = rsa_inbox_, root = config_.ac_root, ticket,
               now_s = static_cast<int64_t>(now_ms_ / 1000),
               bytes = Bytes(message.begin(), message.end())] {
    Verified v;
    protocol::SignedMessage m;
    FirstRequest req;
    if (protocol::ParseSigned(bytes, &m) == protocol::ProtectError::kOk &&
        DecodeFirst(m.header.type, m.content, &req) == protocol::DecodeError::kNone) {
      v = CheckFirst(*root, m, req, now_s);
    }
    v.ticket = ticket;
    std::lock_guard lock(inbox->mu);
    inbox->verified.push_back(std::move(v));
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(inbox->event_fd, &one, sizeof one);
  };
  rsa_staged_.Run(std::move(work));  // queued by FlushRsa with the turn's signatures
  staged_owners_.push_back({0, ticket});
  verifying_.emplace(ticket, PendingFirst{peer, Bytes(message.begin(), message.end()), digest});
  verifying_digests_.emplace(digest, ticket);
}

// TakeVerifying removes the first request of `ticket` from the ones being checked and parses it
// again into `m` and `req` (views into `pending`); false when it is gone (TCP closed meanwhile).
bool CassEngine::TakeVerifying(uint64_t ticket, PendingFirst& pending, protocol::SignedMessage& m,
                               FirstRequest& req) {
  auto it = verifying_.find(ticket);
  if (it == verifying_.end()) {
    return false;
  }
  pending = std::move(it->second);
  verifying_.erase(it);
  verifying_digests_.erase(pending.digest);
  // It parsed before it was queued, so this cannot fail.
  return protocol::ParseSigned(pending.message, &m) == protocol::ProtectError::kOk &&
         DecodeFirst(m.header.type, m.content, &req) == protocol::DecodeError::kNone;
}

void CassEngine::OnVerified(Verified& v) {
  PendingFirst pending;
  protocol::SignedMessage m;
  FirstRequest req;
  if (TakeVerifying(v.ticket, pending, m, req)) {
    FinishFirstRequest(pending.peer, pending.message, m, req, v);
  }
}

// RefuseVerifying answers 0x83 to a first request whose checks the full batcher refused.
void CassEngine::RefuseVerifying(uint64_t ticket) {
  PendingFirst pending;
  protocol::SignedMessage m;
  FirstRequest req;
  if (TakeVerifying(ticket, pending, m, req)) {
    RefuseFirst(pending.peer, nullptr, req.session_id, m.header.nonce, m.header.type,
                StatusCode::kBusy);
  }
}

// ForgetVerifying drops the first requests of a closed TCP connection still being checked.
void CassEngine::ForgetVerifying(uint64_t connection) {
  const PeerRef peer = PeerRef::Tcp(connection);
  for (auto it = verifying_.begin(); it != verifying_.end();) {
    if (it->second.peer == peer) {
      verifying_digests_.erase(it->second.digest);
      it = verifying_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace rcas::control
