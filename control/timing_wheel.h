#pragma once
// TimingWheel: a hashed timing wheel for the CASS session timers (PROFILE §5.5, §15.4): O(1) Add
// and Cancel, no thread and no heap per timer. Timers live in one slab with intrusive per-slot
// lists; a timer sits in the slot of its deadline tick and Advance scans only the slots of the
// ticks that passed (every slot once when more than a whole turn passed). Single-threaded: owned
// by the control thread.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace rcas::control {

class TimingWheel {
 public:
  // TimerId names one armed timer; 0 is never a valid id. Ids of fired or cancelled timers are
  // not reused (a generation guards each slab entry), so a stale id cancels nothing.
  using TimerId = uint64_t;

  // `tick_ms` is the resolution: a timer fires on the first Advance at or after its deadline,
  // never before. `slots` is the wheel size (one turn = slots * tick_ms).
  explicit TimingWheel(uint64_t now_ms, uint32_t tick_ms = 100, size_t slots = 512);

  // Add arms a timer that fires at `deadline_ms` (in the past: at the next Advance) and carries
  // `payload` back to the caller.
  TimerId Add(uint64_t deadline_ms, uint64_t payload);
  // Cancel disarms a timer; false if it already fired, was cancelled or is 0.
  bool Cancel(TimerId id);

  // Advance fires every timer whose deadline is <= now_ms: appends their payloads to `fired`
  // in deadline order (ties in arming order) and returns how many. Fired timers are disarmed
  // before it returns, so the caller may arm new ones while handling them.
  size_t Advance(uint64_t now_ms, std::vector<uint64_t>& fired);

  size_t size() const { return armed_; }

 private:
  static constexpr uint32_t kNil = UINT32_MAX;
  struct Node {
    uint64_t deadline_ms = 0;
    uint64_t seq = 0;  // arming order, for ties
    uint64_t payload = 0;
    uint32_t prev = kNil;
    uint32_t next = kNil;
    uint32_t slot = kNil;  // kNil: free
    uint32_t generation = 0;
  };

  void Link(uint32_t index, uint32_t slot);
  void Unlink(uint32_t index);
  void Release(uint32_t index);

  uint32_t tick_ms_;
  uint64_t current_tick_;
  uint64_t next_seq_ = 0;
  size_t armed_ = 0;
  std::vector<uint32_t> heads_;  // per slot, kNil when empty
  std::vector<Node> nodes_;
  std::vector<uint32_t> free_;
};

}  // namespace rcas::control
