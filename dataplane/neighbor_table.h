#pragma once
// NeighborTable: a worker's IP -> MAC cache, learnt from the source of every accepted frame, so
// that replies and announcements find their next hop's MAC without a lookup per packet.

#include <cstddef>
#include <cstdint>
#include <memory>

#include "dataplane/frame.h"

namespace rcas::dataplane {

// NeighborTable is a fixed-capacity open-addressing table; the constructor is its only
// allocation. A lookup probes a window of at most kProbeWindow slots from the address's hash;
// when the window is full, Learn evicts its least recently seen entry, so a flood of forged
// sources costs entries, never memory or time. One per worker lcore: not thread-safe.
class NeighborTable {
 public:
  static constexpr size_t kProbeWindow = 8;

  // NeighborTable holds up to `capacity` entries, rounded up to a power of two (at least 1).
  explicit NeighborTable(size_t capacity);

  // Learn records that `ip` is at `mac` as of `now` (any monotonic clock), overwriting what
  // was known of `ip`.
  void Learn(const IpAddr& ip, const MacAddr& mac, uint64_t now) noexcept;
  // Find is the MAC last learnt for `ip`, or null; valid until the next Learn.
  const MacAddr* Find(const IpAddr& ip) const noexcept;
  size_t size() const noexcept { return size_; }
  size_t capacity() const noexcept { return mask_ + 1; }

 private:
  struct Slot {
    IpAddr ip;
    MacAddr mac{};
    bool used = false;
    uint64_t last_seen = 0;
  };

  size_t Home(const IpAddr& ip) const noexcept;
  size_t Window() const noexcept { return capacity() < kProbeWindow ? capacity() : kProbeWindow; }

  std::unique_ptr<Slot[]> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace rcas::dataplane
