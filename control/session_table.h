#pragma once
// SessionTable: the CASS sessions and the ways a message finds its session (PROFILE §9.2): the
// sessionID of a signed first request, the TCP connection, the nonce of the CASS's outstanding
// request (UDP), and the UDP source a session is bound to (the CAM's single live session, §23
// item 2). Control thread only.

#include <map>
#include <memory>
#include <unordered_map>

#include "control/cass_session.h"

namespace rcas::control {

class SessionTable {
 public:
  // Create adds a session for `session_id` at `peer` and indexes both (the peer binding moves
  // from any older session of that source).
  CassSession& Create(const storage::SessionId& session_id, const PeerRef& peer);
  CassSession* Get(uint64_t id);
  CassSession* BySessionId(const storage::SessionId& session_id);
  // ByPeer is the session of a TCP connection or the session bound to a UDP source.
  CassSession* ByPeer(const PeerRef& peer);
  // ByNonce finds a CASS-drawn nonce (#3, #4) of a session.
  CassSession* ByNonce(uint64_t nonce);
  bool NonceInUse(uint64_t nonce) const { return by_nonce_.contains(nonce); }
  void BindNonce(CassSession& s, uint64_t nonce);
  void UnbindNonce(uint64_t nonce);
  // Erase removes the session and every index that points at it (its keys are wiped).
  void Erase(uint64_t id);
  size_t size() const { return sessions_.size(); }

 private:
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, std::unique_ptr<CassSession>> sessions_;
  std::map<storage::SessionId, uint64_t> by_session_id_;
  std::unordered_map<PeerRef, uint64_t, PeerRefHash> by_peer_;
  std::unordered_map<uint64_t, uint64_t> by_nonce_;
};

}  // namespace rcas::control
