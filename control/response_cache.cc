#include "control/response_cache.h"

namespace rcas::control {

const ResponseCache::Entry* ResponseCache::FindEntry(protocol::MessageType type,
                                                     uint64_t nonce) const {
  for (const Entry& e : entries_) {
    if (e.type == type && e.nonce == nonce) {
      return &e;
    }
  }
  return nullptr;
}

ResponseCache::Lookup ResponseCache::Find(protocol::MessageType type, uint64_t nonce,
                                          ByteView request) const {
  const Entry* e = FindEntry(type, nonce);
  if (e == nullptr) {
    return {};
  }
  if (!crypto::ConstantTimeEqual(e->request, crypto::Sha256(request))) {
    return {Verdict::kConflict, nullptr};
  }
  if (!e->response) {
    return {Verdict::kPending, nullptr};
  }
  return {Verdict::kAnswered, &*e->response};
}

void ResponseCache::Begin(protocol::MessageType type, uint64_t nonce, ByteView request) {
  if (FindEntry(type, nonce) == nullptr) {
    entries_.push_back({type, nonce, crypto::Sha256(request), std::nullopt});
  }
}

bool ResponseCache::Answer(protocol::MessageType type, uint64_t nonce, Bytes response) {
  for (Entry& e : entries_) {
    if (e.type == type && e.nonce == nonce) {
      e.response = std::move(response);
      return true;
    }
  }
  return false;
}

}  // namespace rcas::control
