#pragma once
// LatencyHistogram: an HDR-style log-linear histogram of latencies in microseconds. Values from
// 0 to ~2^40 us land in buckets of 1/32 of their power of two, so every reported quantile is
// within ~3% of the true value while the histogram stays a fixed 1.4k counters (Record is a
// shift and an add; no allocation after construction). Not thread-safe.

#include <array>
#include <cstddef>
#include <cstdint>

namespace rcas::tools {

class LatencyHistogram {
 public:
  void Record(uint64_t us);
  void Merge(const LatencyHistogram& other);
  void Reset() { *this = LatencyHistogram(); }
  uint64_t count() const { return count_; }
  uint64_t min() const { return count_ == 0 ? 0 : min_; }
  uint64_t max() const { return max_; }
  // Quantile is the smallest bucket value v with at least q (0..1) of the samples <= v (the
  // bucket's upper edge, capped by max()); 0 when empty.
  uint64_t Quantile(double q) const;

 private:
  static constexpr int kSubBits = 5;  // 32 sub-buckets per power of two
  static constexpr int kMagnitudes = 41;
  static constexpr size_t kBuckets = (kMagnitudes + 1) << kSubBits;
  static size_t Index(uint64_t us);
  static uint64_t UpperEdge(size_t index);

  std::array<uint64_t, kBuckets> counts_{};
  uint64_t count_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
};

}  // namespace rcas::tools
