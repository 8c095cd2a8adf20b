// The engine's side of the dataplane workers (issue 5): keyed CAM -> CASS messages they already
// authenticated and decrypted (OnOpened), and the session keys they need for it (on_keys).

#include "control/cass_engine.h"
#include "protocol/flow_keys.h"

namespace rcas::control {

void CassEngine::OnOpened(const PeerRef& peer, ByteView message, const PreOpened& pre,
                          uint64_t now_ms) {
  protocol::Header h;
  if (protocol::ParseHeader(message, &h) != protocol::HeaderError::kOk ||
      !protocol::OpenedByDataplane(h.type)) {
    OnMessage(peer, message, now_ms);  // Status and first requests come whole, unopened
    return;
  }
  now_ms_ = now_ms;
  counters_.Add(CassCounter::kRxMessages);
  // CAMReg's bytes are kept for duplicates (ResponseCache); the encrypted types need the header.
  if (!protocol::IsEncrypted(h.type) && message.size() != h.message_len()) {
    counters_.Add(CassCounter::kRxBadFrame);
    return;
  }
  pre_opened_ = &pre;
  Dispatch(peer, message, h);
  pre_opened_ = nullptr;
}

// OpenKeyed is the one open of OnCamReg and OnCamResponse: the worker's verdict while OnOpened
// dispatches (FindKeyedSession checked that it used s's keys), else protocol::Open under s's
// keys. `content` views `plain` (encrypted types), the message, or the worker's buffer. A message
// opened here that verifies and came by another route than s.peer's moves the session there
// (only after the MAC: a forged copy must not move a CAM's flow).
protocol::ProtectError CassEngine::OpenKeyed(CassSession& s, const PeerRef& peer,
                                             protocol::MessageType type, ByteView message,
                                             Bytes& plain, ByteView* content) {
  if (pre_opened_ != nullptr) {
    *content = pre_opened_->content;
    return pre_opened_->verdict;
  }
  const protocol::Protection& p = protocol::ProtectionOf(type);
  plain.resize(p.encrypted ? message.size() : 0);
  protocol::OpenedMessage opened;
  const protocol::ProtectError e = protocol::Open(p, message, {nullptr, &*s.keys}, plain, &opened);
  *content = opened.content;
  if (e == protocol::ProtectError::kOk && !peer.tcp() && peer.route != s.peer.route) {
    const PeerRef old = s.peer;
    s.peer.route = peer.route;
    counters_.Add(CassCounter::kRouteChanged);
    if (config_.on_route_change) {
      config_.on_route_change(s, old);
    }
  }
  return e;
}

void CassEngine::NotifyKeys(const CassSession& s) {
  if (config_.on_keys) {
    config_.on_keys(s);
  }
}

}  // namespace rcas::control
