#pragma once
// FlowTable: one worker lcore's map from a CAM's UDP source to its session and keys (issue 5),
// so a keyed message is authenticated and decrypted on the lcore that received it. Sessions are
// bound to the UDP source of their first verified message (PROFILE §23 item 2); the control
// thread installs and removes flows, the worker applies those updates between bursts.
//
// Open addressing with linear probing over small slots (key, session, entry index: two per cache
// line) that point into a fixed pool of entries, so the probe walks cache-dense slots and the
// keys (about 900 octets a flow) never move. Deletion shifts later slots back instead of leaving
// tombstones: absent sources (every packet of a CAM the worker has no flow for) stop at the first
// empty slot, and churn never lengthens probes; only 32-octet slots move.
//
// Not thread-safe: one table per lcore, used by that lcore only. Everything is allocated in the
// constructor; no call allocates, locks or throws.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "protocol/flow_keys.h"

namespace rcas::dataplane {

// FlowKey is the CAM's UDP source: an IPv4 address in the first 4 octets of `addr` (the rest
// zero) or an IPv6 address, and the port in host order.
struct FlowKey {
  std::array<uint8_t, 16> addr{};
  uint16_t port = 0;
  bool v6 = false;

  bool operator==(const FlowKey&) const = default;
};

// FlowEntry is one installed flow. `session` is the control thread's handle for the session.
struct FlowEntry {
  uint64_t session = 0;
  protocol::FlowKeys keys;
};

class FlowTable {
 public:
  // FlowTable holds up to `capacity` flows (rounded up to a power of two, at least 2); the slot
  // array has twice as many slots, so probes stay short. `seed` keys the hash (a random one by
  // default, so sources cannot be chosen to collide).
  explicit FlowTable(size_t capacity, uint64_t seed = DefaultSeed());
  FlowTable(const FlowTable&) = delete;
  FlowTable& operator=(const FlowTable&) = delete;

  // Hash is the seeded hash of `key`; pass it to Prefetch and Find.
  uint64_t Hash(const FlowKey& key) const noexcept;

  // Prefetch starts loading the slot `hash` probes first (call it for a whole burst, then Find).
  void Prefetch(uint64_t hash) const noexcept;

  // Find is the flow of `key`, or null. The pointer stays valid until the next Install or
  // Remove of that key.
  const FlowEntry* Find(const FlowKey& key, uint64_t hash) const noexcept;

  // Install adds the flow or, when `key` is present, replaces its session and keys. False when
  // the table is full (nothing changes).
  bool Install(const FlowKey& key, uint64_t session, const protocol::FlowKeys& keys) noexcept;

  // Remove deletes the flow of `key` if it still belongs to `session` (a newer session from the
  // same source survives the old one's removal) and wipes its keys.
  void Remove(const FlowKey& key, uint64_t session) noexcept;

  size_t size() const { return size_; }
  size_t capacity() const { return entry_count_; }

 private:
  // Slot: 32 octets. entry == 0 means empty; otherwise the pool index + 1.
  struct Slot {
    std::array<uint8_t, 16> addr;
    uint16_t port;
    uint8_t v6;
    uint8_t pad;
    uint32_t entry;
    uint64_t spare;
  };
  static_assert(sizeof(Slot) == 32);

  static uint64_t DefaultSeed();
  static bool Matches(const Slot& s, const FlowKey& key) noexcept;
  // FindSlot is the index of the slot holding `key`, or of the empty slot that ends its probe.
  size_t FindSlot(const FlowKey& key, uint64_t hash) const noexcept;

  size_t entry_count_;
  size_t slot_mask_;
  uint64_t seed_;
  size_t size_ = 0;
  size_t free_top_ = 0;
  std::unique_ptr<Slot[]> slots_;
  std::unique_ptr<FlowEntry[]> entries_;
  std::unique_ptr<uint32_t[]> free_;  // stack of unused pool indexes
};

}  // namespace rcas::dataplane
