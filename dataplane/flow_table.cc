#include "dataplane/flow_table.h"

#include <bit>
#include <cstring>

#include "crypto/random.h"

namespace rcas::dataplane {
namespace {

// Mix folds a 64x64 -> 128-bit product (the wyhash step): two multiplies hash a whole key.
uint64_t Mix(uint64_t a, uint64_t b) {
  const unsigned __int128 p = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(p) ^ static_cast<uint64_t>(p >> 64);
}

uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace

uint64_t FlowTable::DefaultSeed() { return crypto::RandomU64(); }

FlowTable::FlowTable(size_t capacity, uint64_t seed)
    : entry_count_(std::bit_ceil(capacity < 2 ? size_t{2} : capacity)),
      slot_mask_(2 * entry_count_ - 1),
      seed_(seed),
      slots_(new Slot[2 * entry_count_]()),
      entries_(new FlowEntry[entry_count_]),
      free_(new uint32_t[entry_count_]) {
  // Lowest index on top, so a small table fills its pool from the front.
  for (size_t i = 0; i < entry_count_; ++i) {
    free_[i] = static_cast<uint32_t>(entry_count_ - 1 - i);
  }
  free_top_ = entry_count_;
}

uint64_t FlowTable::Hash(const FlowKey& key) const noexcept {
  const uint64_t tail = key.port | (static_cast<uint64_t>(key.v6) << 16);
  const uint64_t h = Mix(Load64(key.addr.data()) ^ seed_ ^ 0xa0761d6478bd642full,
                         Load64(key.addr.data() + 8) ^ 0xe7037ed1a0b428dbull);
  return Mix(h ^ tail ^ 0x8ebc6af09c88c6e3ull, seed_ ^ 0x589965cc75374cc3ull);
}

void FlowTable::Prefetch(uint64_t hash) const noexcept {
  __builtin_prefetch(&slots_[hash & slot_mask_]);
}

bool FlowTable::Matches(const Slot& s, const FlowKey& key) noexcept {
  return s.port == key.port && s.v6 == static_cast<uint8_t>(key.v6) && s.addr == key.addr;
}

size_t FlowTable::FindSlot(const FlowKey& key, uint64_t hash) const noexcept {
  // At most half the slots are used, so an empty slot always ends the probe.
  size_t i = hash & slot_mask_;
  while (slots_[i].entry != 0 && !Matches(slots_[i], key)) {
    i = (i + 1) & slot_mask_;
  }
  return i;
}

const FlowEntry* FlowTable::Find(const FlowKey& key, uint64_t hash) const noexcept {
  const Slot& s = slots_[FindSlot(key, hash)];
  return s.entry != 0 ? &entries_[s.entry - 1] : nullptr;
}

bool FlowTable::Install(const FlowKey& key, uint64_t session,
                        const protocol::FlowKeys& keys) noexcept {
  Slot& s = slots_[FindSlot(key, Hash(key))];
  if (s.entry == 0) {
    if (free_top_ == 0) {
      return false;
    }
    s = Slot{key.addr, key.port, static_cast<uint8_t>(key.v6), 0, free_[--free_top_] + 1, 0};
    ++size_;
  }
  FlowEntry& e = entries_[s.entry - 1];
  e.session = session;
  e.keys = keys;
  return true;
}

void FlowTable::Remove(const FlowKey& key, uint64_t session) noexcept {
  size_t hole = FindSlot(key, Hash(key));
  if (slots_[hole].entry == 0 || entries_[slots_[hole].entry - 1].session != session) {
    return;
  }
  const uint32_t index = slots_[hole].entry - 1;
  FlowEntry& e = entries_[index];
  e.keys.mac_only.Wipe();
  e.keys.full.Wipe();
  e.keys.has_full = false;
  e.session = 0;
  free_[free_top_++] = index;
  --size_;
  // Backward shift: move each later slot of the run into the hole unless its home lies
  // cyclically in (hole, i], where it would no longer be reachable from its home.
  for (size_t i = (hole + 1) & slot_mask_; slots_[i].entry != 0; i = (i + 1) & slot_mask_) {
    const Slot& s = slots_[i];
    const FlowKey k{s.addr, s.port, s.v6 != 0};
    const size_t home = Hash(k) & slot_mask_;
    if (((i - home) & slot_mask_) >= ((i - hole) & slot_mask_)) {
      slots_[hole] = s;
      hole = i;
    }
  }
  slots_[hole] = Slot{};
}

}  // namespace rcas::dataplane
