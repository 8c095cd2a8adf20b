#pragma once
// KeyedStage: the DPDK-free part of a worker lcore's receive path (issue 5; ARCHITECTURE "A keyed
// message, end to end"). Given the UDP payloads of one RX burst it checks the RCAS framing
// (PROFILE §3, §5.4), finds each keyed message's flow (lookups prefetched for the whole burst),
// authenticates and decrypts every keyed message in ONE crypto::OpenBurst (MAC compared in
// constant time before anything is decrypted, §4.2), then decodes each survivor's DER (§7) so
// control receives only valid contents. Replies go out with crypto::SealBurst on mb().

#include <array>
#include <cstdint>
#include <span>

#include "crypto/burst.h"
#include "crypto/mb_manager.h"
#include "dataplane/flow_table.h"
#include "protocol/message_type.h"
#include "protocol/verdicts.h"

namespace rcas::dataplane {

// What the worker does with each input. kOpened, kContentInvalid, kBadMac, kBadPadding and kRaw
// go to the control thread; the rest are dropped here and counted.
#define RCAS_KEYED_VERDICTS(X)                                                               \
  X(kOpened, "opened")                  /* authentic, decrypted in place, DER valid */       \
  X(kContentInvalid, "content-invalid") /* authentic, DER decode failed: 0x81 (§14) */      \
  X(kBadMac, "bad-mac")                 /* untouched; control: 0x04 or drop (§23 item 2) */ \
  X(kBadPadding, "bad-padding")         /* authentic; control: 0x81 (§23 item 20) */        \
  X(kRaw, "raw")                        /* not opened here: signed, Status, no flow/keys */  \
  X(kBadFrame, "bad-frame")             /* CheckUdpDatagram failed: dropped (§14.2) */      \
  X(kUnexpectedType, "unexpected-type") /* a type a CAM never sends: dropped */              \
  X(kEngineError, "engine-error")       /* IPsec-MB refused the burst (a bug): dropped */

RCAS_DEFINE_VERDICTS(KeyedVerdict, RCAS_KEYED_VERDICTS)

// KeyedInput is one UDP payload and its source. The stage may decrypt `msg` in place.
struct KeyedInput {
  uint8_t* msg = nullptr;
  uint32_t len = 0;
  FlowKey source;
};

// KeyedOutput answers one input. `type` is valid unless kBadFrame. The octets for control are
// msg[plain_offset, plain_offset + plain_len): the DER content for kOpened and kContentInvalid,
// the whole untouched message for kRaw and kBadMac; for kBadPadding only the header (msg[0, 16))
// is meaningful, plain_len is 0. `session` is the flow's session when one was found, else 0.
struct KeyedOutput {
  KeyedVerdict verdict = KeyedVerdict::kBadFrame;
  uint64_t session = 0;
  uint32_t plain_offset = 0;
  uint32_t plain_len = 0;
  protocol::MessageType type = protocol::MessageType::kStatus;
};

class KeyedStage {
 public:
  static constexpr size_t kMaxBurst = crypto::kBurstMax;

  // KeyedStage reads flows from `flows` (not owned; the same lcore's table) and owns one
  // MbManager. Construction allocates; Process never does. One per lcore, not thread-safe.
  explicit KeyedStage(FlowTable& flows, crypto::MbArch arch = crypto::MbArch::kAuto);

  // Process classifies and opens up to kMaxBurst inputs (more are taken kMaxBurst at a time);
  // out[i] answers in[i], and `out` must be at least as long as `in`.
  void Process(std::span<KeyedInput> in, std::span<KeyedOutput> out) noexcept;

  // counters counts every verdict ever given, indexed by KeyedVerdict.
  const std::array<uint64_t, kKeyedVerdictCount>& counters() const { return counters_; }

  // mb is the stage's manager, for the worker's SealBurst of replies on the same lcore.
  crypto::MbManager& mb() { return mb_; }

 private:
  void ProcessChunk(std::span<KeyedInput> in, std::span<KeyedOutput> out) noexcept;

  FlowTable& flows_;
  crypto::MbManager mb_;
  std::array<crypto::OpenJob, kMaxBurst> jobs_{};
  std::array<uint64_t, kMaxBurst> hashes_{};
  std::array<uint64_t, kKeyedVerdictCount> counters_{};
};

}  // namespace rcas::dataplane
