#pragma once
// ResponseCache: one session's answers to the CAM's requests, per (request type, request nonce)
// (PROFILE §5.5, §23 item 16). A byte-identical duplicate gets the cached bytes again, without
// reprocessing (answers carry fresh randomness); a duplicate while the answer is still being
// computed is discarded; a different request under a known (type, nonce) is a conflict (discarded,
// or 0x82 for a signed first request, §23 item 19). Requests are remembered by their SHA-256, so
// an entry costs ~100 octets plus the answer. Single-threaded (control thread).

#include <cstdint>
#include <optional>
#include <vector>

#include "crypto/bytes.h"
#include "crypto/hash.h"
#include "protocol/message_type.h"

namespace rcas::control {

class ResponseCache {
 public:
  enum class Verdict : uint8_t {
    kNew,       // (type, nonce) never seen: process it
    kAnswered,  // byte-identical duplicate: resend *response
    kPending,   // byte-identical duplicate, answer not ready: discard
    kConflict,  // known (type, nonce), other bytes
  };
  struct Lookup {
    Verdict verdict = Verdict::kNew;
    const Bytes* response = nullptr;  // kAnswered only; valid until the cache changes
  };

  // Find classifies `request` (the whole message as received) of `type` with `nonce`.
  Lookup Find(protocol::MessageType type, uint64_t nonce, ByteView request) const;
  // Begin records `request` as being answered (pending); a second Begin for the same key is
  // ignored.
  void Begin(protocol::MessageType type, uint64_t nonce, ByteView request);
  // Answer stores the answer of a begun request; false if it was not begun.
  bool Answer(protocol::MessageType type, uint64_t nonce, Bytes response);
  // Clear forgets everything (session erased).
  void Clear() { entries_.clear(); }
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    protocol::MessageType type;
    uint64_t nonce;
    crypto::Sha256Digest request;
    std::optional<Bytes> response;
  };
  const Entry* FindEntry(protocol::MessageType type, uint64_t nonce) const;

  std::vector<Entry> entries_;  // a handful per session: linear search is fastest
};

}  // namespace rcas::control
