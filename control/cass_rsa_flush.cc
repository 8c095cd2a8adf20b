// The RSA jobs of one loop turn: SignAndSend and VerifyOnWorkers stage them, FlushRsa queues them
// on the batcher together. Queued one by one, each woke the worker, which then took it alone and
// signed with OpenSSL; together, one take fills the 8-lane kernel (docs/cass-engine.md).

#include "control/cass_engine.h"

namespace rcas::control {

void CassEngine::FlushRsa() {
  if (rsa_staged_.empty()) {
    return;
  }
  const size_t queued = rsa_.TrySubmit(rsa_staged_);
  // The refusals stage nothing, so staged_owners_ stays put while they run.
  for (size_t i = queued; i < staged_owners_.size(); ++i) {
    counters_.Add(CassCounter::kRsaQueueFull);
    if (staged_owners_[i].ticket != 0) {
      RefuseVerifying(staged_owners_[i].ticket);
    } else {
      RefuseUnsigned(staged_owners_[i].session);
    }
  }
  staged_owners_.clear();
}

// RefuseUnsigned answers unkeyed 0x83 for a KeyResponse / KeyRegResponse the batcher could not
// take (§14), unless the session ended since it was staged.
void CassEngine::RefuseUnsigned(uint64_t session) {
  CassSession* s = table_.Get(session);
  if (s == nullptr) {
    return;
  }
  if (s->pending_async > 0) {
    --s->pending_async;
  }
  if (s->state == SessionState::kSigning) {
    RefuseFirst(s->peer, s, s->session_id, s->first_nonce, s->first_type,
                protocol::StatusCode::kBusy);
  }
}

}  // namespace rcas::control
