#include "control/timing_wheel.h"

#include <algorithm>
#include <tuple>

namespace rcas::control {

TimingWheel::TimingWheel(uint64_t now_ms, uint32_t tick_ms, size_t slots)
    : tick_ms_(tick_ms == 0 ? 1 : tick_ms),
      current_tick_(now_ms / (tick_ms == 0 ? 1 : tick_ms)),
      heads_(slots == 0 ? 1 : slots, kNil) {}

void TimingWheel::Link(uint32_t index, uint32_t slot) {
  Node& n = nodes_[index];
  n.slot = slot;
  n.prev = kNil;
  n.next = heads_[slot];
  if (n.next != kNil) {
    nodes_[n.next].prev = index;
  }
  heads_[slot] = index;
}

void TimingWheel::Unlink(uint32_t index) {
  Node& n = nodes_[index];
  if (n.prev != kNil) {
    nodes_[n.prev].next = n.next;
  } else {
    heads_[n.slot] = n.next;
  }
  if (n.next != kNil) {
    nodes_[n.next].prev = n.prev;
  }
}

void TimingWheel::Release(uint32_t index) {
  Node& n = nodes_[index];
  n.slot = kNil;
  ++n.generation;  // stale ids of this entry no longer match
  free_.push_back(index);
  --armed_;
}

TimingWheel::TimerId TimingWheel::Add(uint64_t deadline_ms, uint64_t payload) {
  uint32_t index;
  if (!free_.empty()) {
    index = free_.back();
    free_.pop_back();
  } else {
    index = static_cast<uint32_t>(nodes_.size());
    nodes_.emplace_back();
  }
  Node& n = nodes_[index];
  n.deadline_ms = deadline_ms;
  n.seq = next_seq_++;
  n.payload = payload;
  // A deadline already passed goes to the current slot, which the next Advance scans first.
  const uint64_t tick = std::max(deadline_ms / tick_ms_, current_tick_);
  Link(index, static_cast<uint32_t>(tick % heads_.size()));
  ++armed_;
  return (static_cast<uint64_t>(n.generation) << 32) | (static_cast<uint64_t>(index) + 1);
}

bool TimingWheel::Cancel(TimerId id) {
  if (id == 0) {
    return false;
  }
  const uint64_t index = (id & 0xFFFFFFFFu) - 1;
  if (index >= nodes_.size()) {
    return false;
  }
  Node& n = nodes_[index];
  if (n.slot == kNil || n.generation != static_cast<uint32_t>(id >> 32)) {
    return false;
  }
  Unlink(static_cast<uint32_t>(index));
  Release(static_cast<uint32_t>(index));
  return true;
}

size_t TimingWheel::Advance(uint64_t now_ms, std::vector<uint64_t>& fired) {
  const uint64_t target = std::max(now_ms / tick_ms_, current_tick_);
  // The current tick's slot is scanned again: it may hold timers due later in this tick.
  const uint64_t ticks = std::min<uint64_t>(target - current_tick_ + 1, heads_.size());
  std::vector<std::tuple<uint64_t, uint64_t, uint32_t>> due;  // deadline, seq, node
  if (armed_ > 0) {
    for (uint64_t t = 0; t < ticks; ++t) {
      const auto slot = static_cast<uint32_t>((current_tick_ + t) % heads_.size());
      for (uint32_t i = heads_[slot]; i != kNil; i = nodes_[i].next) {
        if (nodes_[i].deadline_ms <= now_ms) {
          due.emplace_back(nodes_[i].deadline_ms, nodes_[i].seq, i);
        }
      }
    }
  }
  current_tick_ = target;
  std::sort(due.begin(), due.end());
  for (const auto& [deadline, seq, index] : due) {
    fired.push_back(nodes_[index].payload);
    Unlink(index);
    Release(index);
  }
  return due.size();
}

}  // namespace rcas::control
