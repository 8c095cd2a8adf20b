#include "control/session_table.h"

namespace rcas::control {

CassSession& SessionTable::Create(const storage::SessionId& session_id, const PeerRef& peer) {
  auto s = std::make_unique<CassSession>();
  s->id = next_id_++;
  s->session_id = session_id;
  s->peer = peer;
  CassSession& ref = *s;
  by_session_id_[session_id] = ref.id;
  by_peer_[peer] = ref.id;
  sessions_.emplace(ref.id, std::move(s));
  return ref;
}

CassSession* SessionTable::Get(uint64_t id) {
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : it->second.get();
}

CassSession* SessionTable::BySessionId(const storage::SessionId& session_id) {
  auto it = by_session_id_.find(session_id);
  return it == by_session_id_.end() ? nullptr : Get(it->second);
}

CassSession* SessionTable::ByPeer(const PeerRef& peer) {
  auto it = by_peer_.find(peer);
  return it == by_peer_.end() ? nullptr : Get(it->second);
}

CassSession* SessionTable::ByNonce(uint64_t nonce) {
  auto it = by_nonce_.find(nonce);
  return it == by_nonce_.end() ? nullptr : Get(it->second);
}

void SessionTable::BindNonce(CassSession& s, uint64_t nonce) {
  by_nonce_[nonce] = s.id;
  s.bound_nonces.push_back(nonce);
}

void SessionTable::UnbindNonce(uint64_t nonce) { by_nonce_.erase(nonce); }

void SessionTable::Erase(uint64_t id) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) {
    return;
  }
  CassSession& s = *it->second;
  if (auto i = by_session_id_.find(s.session_id); i != by_session_id_.end() && i->second == id) {
    by_session_id_.erase(i);
  }
  if (auto i = by_peer_.find(s.peer); i != by_peer_.end() && i->second == id) {
    by_peer_.erase(i);
  }
  for (uint64_t nonce : s.bound_nonces) {
    if (auto i = by_nonce_.find(nonce); i != by_nonce_.end() && i->second == id) {
      by_nonce_.erase(i);
    }
  }
  sessions_.erase(it);
}

}  // namespace rcas::control
