#pragma once
// Reassembly of fragmented UDP datagrams for one DPDK worker (PROFILE §5.4: a normal-mode
// KeyResponse with the CASS certificate outgrows a 1500-octet MTU). Fixed memory, no DPDK.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "crypto/bytes.h"
#include "dataplane/frame.h"
#include "protocol/verdicts.h"

namespace rcas::dataplane {

// The outcomes of Reassembler::Add (and kTimeout, kEvicted from Expire and slot reuse), one
// counter each. Every drop abandons the whole datagram except kNotFragment, kBadLength and
// kTooBig, which drop the one fragment (and, for kTooBig, its datagram if one was started).
#define RCAS_REASSEMBLY_VERDICTS(X)                                                \
  X(kComplete, "complete")                                                         \
  X(kPending, "pending")                                                           \
  X(kNotFragment, "drop_not_fragment") /* the view is no fragment of this frame */ \
  X(kBadLength, "drop_bad_length")     /* empty, or non-final not 8-octet units */ \
  X(kTooBig, "drop_too_big")           /* past max_datagram */                     \
  X(kOverlap, "drop_overlap")          /* different data, or past the final end */ \
  X(kEvicted, "drop_evicted")          /* oldest datagram, all slots were busy */  \
  X(kTimeout, "drop_timeout")          /* incomplete after timeout_ms */
RCAS_DEFINE_VERDICTS(ReassemblyVerdict, RCAS_REASSEMBLY_VERDICTS)

struct ReassemblyConfig {
  size_t slots = 16;           // datagrams in reassembly at once
  size_t max_datagram = 9216;  // octets of UDP datagram; capped so the frame stays < 64 KiB
  uint64_t timeout_ms = 5000;  // a lost fragment frees its slot after this
};

// ReassemblyResult: on kComplete, `frame` is a whole unfragmented frame (the offset-0
// fragment's Ethernet header and tag, its IP header with the fragment fields cleared and the
// lengths and IPv4 checksum fixed, then the UDP datagram) that ParseFrame takes like any other;
// it lives in the Reassembler and stays valid until the next Add or Expire.
struct ReassemblyResult {
  ReassemblyVerdict verdict = ReassemblyVerdict::kNotFragment;
  ByteView frame;
};

// Reassembler collects the fragments of datagrams keyed by (family, source, destination, id),
// the protocol being UDP for all (ParseFrame passes no other). All memory is allocated in the
// constructor. Not thread-safe: one per lcore. When every slot is busy the oldest datagram is
// evicted, not the new one refused: a few never-completed datagrams (loss, or an attacker's
// first fragments) would otherwise block reassembly for a whole timeout, while the fragments
// of a live datagram arrive microseconds apart and are rarely the oldest.
class Reassembler {
 public:
  explicit Reassembler(const ReassemblyConfig& config);

  // Add takes one fragment: `frame` with its view `v` from ParseFrame (kIpv4Fragment or
  // kIpv6Fragment). The fragment is copied; `frame` may be freed on return. Exact or
  // consistent repeats are tolerated; an overlap with different data drops the datagram, as
  // does any overlap that adds new octets for IPv6 (RFC 5722).
  ReassemblyResult Add(ByteView frame, const FrameView& v, uint64_t now_ms) noexcept;

  // Expire drops the datagrams whose first fragment came timeout_ms or more before now_ms.
  void Expire(uint64_t now_ms) noexcept;

  // Count is how often `verdict` happened (kTimeout and kEvicted per datagram).
  uint64_t Count(ReassemblyVerdict verdict) const noexcept {
    return counts_[static_cast<size_t>(verdict)];
  }
  // InUse is the number of datagrams being reassembled.
  size_t InUse() const noexcept;

 private:
  struct Key {
    IpAddr src, dst;  // their v6 flag is the family
    uint32_t id = 0;
    bool operator==(const Key&) const = default;
  };
  struct Slot {
    bool used = false;
    Key key;
    uint64_t first_ms = 0;
    size_t total = 0;     // datagram length, known once the final fragment came (0 before)
    size_t max_end = 0;   // the furthest octet any fragment reached
    size_t received = 0;  // distinct octets received
    size_t l2_len = 0;    // headers of the offset-0 fragment, 0 until it came
  };

  size_t Find(const Key& key) const noexcept;
  size_t FindOrClaim(const Key& key, bool isolated, uint64_t now_ms) noexcept;
  ReassemblyVerdict Place(size_t slot, ByteView frame, const FrameView& v) noexcept;
  ByteView Finish(size_t slot) noexcept;
  void Drop(size_t slot, ReassemblyVerdict why) noexcept;
  uint8_t* Data(size_t slot) noexcept { return buffer_.data() + slot * stride_ + kRoom; }
  uint64_t* Bits(size_t slot) noexcept { return bits_.data() + slot * words_; }

  // Room for the largest L2 + IP header in front of each datagram: Ethernet, tag, IPv6.
  static constexpr size_t kRoom = 14 + 4 + 40;

  ReassemblyConfig config_;
  size_t stride_ = 0;  // kRoom + max_datagram
  size_t words_ = 0;   // bitmap words per slot, one bit per 8-octet unit
  std::vector<Slot> slots_;
  std::vector<uint8_t> buffer_;
  std::vector<uint64_t> bits_;
  uint64_t counts_[kReassemblyVerdictCount] = {};
};

}  // namespace rcas::dataplane
