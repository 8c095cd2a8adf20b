#pragma once
// Burst engine: seal and open up to 64 RCAS messages per call with Intel
// IPsec-MB (AES-128-CBC + HMAC-SHA1, encrypt-then-MAC, PROFILE §9.2-§9.4).
// Hot path: noexcept, no allocation, no locks; the scratch lives in the
// caller's per-thread MbManager.

#include <cstdint>
#include <span>

#include "crypto/aes.h"
#include "crypto/key_context.h"
#include "crypto/mb_manager.h"

namespace rcas::crypto {

inline constexpr size_t kMsgHeaderLen = 16;  // PROFILE §3
inline constexpr size_t kMsgMacLen = 20;     // full HMAC-SHA1, PROFILE §4.2

// Every way a job can end, in one list so callers can generate counters.
#define RCAS_BURST_VERDICTS(X)                                              \
  X(kOk, "ok")                                                              \
  X(kBadLength, "bad-length") /* sizes inconsistent; nothing was touched */ \
  X(kBadKey, "bad-key")       /* KeyContext lacks the key the job needs */  \
  X(kBadMac, "bad-mac")       /* tag mismatch; content not decrypted */     \
  X(kBadPadding, "bad-padding")                                             \
  X(kEngineError, "engine-error") /* IPsec-MB refused the burst (a bug) */

enum class BurstVerdict : uint8_t {
#define RCAS_BURST_ENUM(name, text) name,
  RCAS_BURST_VERDICTS(RCAS_BURST_ENUM)
#undef RCAS_BURST_ENUM
};
#define RCAS_BURST_COUNT(name, text) +1
inline constexpr size_t kBurstVerdictCount = 0 RCAS_BURST_VERDICTS(RCAS_BURST_COUNT);
#undef RCAS_BURST_COUNT

// BurstVerdictName is the text of the X-macro list ("bad-mac", ...).
const char* BurstVerdictName(BurstVerdict v) noexcept;

// SealedSize is len(H ‖ E ‖ T) (or H ‖ C ‖ T for MAC-only) for `plain_len`
// content octets; the buffer of a SealJob needs at least this capacity.
constexpr size_t SealedSize(size_t plain_len, bool encrypt) {
  return kMsgHeaderLen + (encrypt ? PaddedSize(plain_len) : plain_len) + kMsgMacLen;
}

// SealJob: one outgoing message built in place. Before the call `msg` holds
// H (16 octets, its length field already = 16 + len(E) or 16 + len(C)) and
// then the DER content C. After a kOk seal `msg` holds H ‖ E ‖ T (or
// H ‖ C ‖ T when !encrypt) and `sealed_len` its size.
struct SealJob {
  const KeyContext* keys = nullptr;  // not owned; must outlive the call
  uint8_t* msg = nullptr;            // not owned
  uint32_t capacity = 0;             // octets writable at msg
  uint32_t plain_len = 0;            // len(C)
  bool encrypt = true;               // false: MAC-only (PROFILE §9.4)
  uintptr_t user = 0;                // caller's cookie; travels with the job
  // Outputs.
  uint32_t sealed_len = 0;
  BurstVerdict verdict = BurstVerdict::kOk;
};

// OpenJob: one received message H ‖ E ‖ T (or H ‖ C ‖ T when !encrypted),
// already framed (PROFILE §3, §5; header rules are protocol/'s job).
// After a kOk open the plaintext C is at msg + 16, `plain_len` octets long.
struct OpenJob {
  const KeyContext* keys = nullptr;  // not owned
  uint8_t* msg = nullptr;            // not owned; decrypted in place
  uint32_t len = 0;                  // len(H ‖ E ‖ T)
  bool encrypted = true;
  uintptr_t user = 0;
  // Outputs.
  uint32_t plain_len = 0;
  BurstVerdict verdict = BurstVerdict::kOk;
};

// SealBurst derives each IV (PROFILE §9.3), pads (PKCS#7), encrypts and MACs
// every job, or only MACs the MAC-only ones; jobs may use different keys.
// Returns the number sealed; those come first in their original order, the
// rejects (verdict != kOk, buffer not sealed) follow. Any size of span is
// accepted; IPsec-MB sees at most kBurstMax jobs at a time.
size_t SealBurst(MbManager& mb, std::span<SealJob> jobs) noexcept;

// OpenBurst verifies every tag in constant time first, moves the bad-mac jobs
// to the tail without decrypting them, then derives the IVs and decrypts the
// survivors in place and checks PKCS#7 in constant time. Returns the number
// that passed, first and in order; the rejects follow, each with its verdict
// (plain_len 0). A bad-padding job holds its decrypted (authentic) octets.
size_t OpenBurst(MbManager& mb, std::span<OpenJob> jobs) noexcept;

// Seal and Open are the single-message forms (the cheapest path for N = 1).
BurstVerdict Seal(MbManager& mb, SealJob& job) noexcept;
BurstVerdict Open(MbManager& mb, OpenJob& job) noexcept;

}  // namespace rcas::crypto
