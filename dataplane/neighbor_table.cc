// NeighborTable: entries are never removed, only overwritten in place, so a probe may stop at
// the first free slot of the window (every entry was placed at the first free slot it saw).

#include "dataplane/neighbor_table.h"

#include <bit>
#include <cstring>

namespace rcas::dataplane {

NeighborTable::NeighborTable(size_t capacity)
    : slots_(std::make_unique<Slot[]>(std::bit_ceil(capacity == 0 ? size_t{1} : capacity))),
      mask_(std::bit_ceil(capacity == 0 ? size_t{1} : capacity) - 1) {}

size_t NeighborTable::Home(const IpAddr& ip) const noexcept {
  uint64_t hi = 0, lo = 0;
  std::memcpy(&hi, ip.b.data(), 8);
  std::memcpy(&lo, ip.b.data() + 8, 8);
  // The splitmix64 finaliser: every input bit reaches the low bits the mask keeps.
  uint64_t h = hi ^ std::rotl(lo, 32) ^ (ip.v6 ? 1 : 0);
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return static_cast<size_t>(h) & mask_;
}

void NeighborTable::Learn(const IpAddr& ip, const MacAddr& mac, uint64_t now) noexcept {
  const size_t home = Home(ip);
  Slot* oldest = nullptr;
  for (size_t i = 0; i < Window(); ++i) {
    Slot& s = slots_[(home + i) & mask_];
    if (!s.used) {
      s = Slot{ip, mac, true, now};
      ++size_;
      return;
    }
    if (s.ip == ip) {
      s.mac = mac;
      s.last_seen = now;
      return;
    }
    if (oldest == nullptr || s.last_seen < oldest->last_seen) {
      oldest = &s;
    }
  }
  *oldest = Slot{ip, mac, true, now};
}

const MacAddr* NeighborTable::Find(const IpAddr& ip) const noexcept {
  const size_t home = Home(ip);
  for (size_t i = 0; i < Window(); ++i) {
    const Slot& s = slots_[(home + i) & mask_];
    if (!s.used) {
      return nullptr;
    }
    if (s.ip == ip) {
      return &s.mac;
    }
  }
  return nullptr;
}

}  // namespace rcas::dataplane
