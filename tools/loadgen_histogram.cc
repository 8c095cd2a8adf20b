// LatencyHistogram (tools/loadgen_histogram.h): values below 32 have a bucket each; above,
// bucket (m, s) holds [2^m + s * 2^(m-5), 2^m + (s + 1) * 2^(m-5)) for m >= 5.

#include "tools/loadgen_histogram.h"

#include <algorithm>
#include <bit>

namespace rcas::tools {

size_t LatencyHistogram::Index(uint64_t us) {
  if (us < (1u << kSubBits)) {
    return static_cast<size_t>(us);
  }
  const int m = std::min(63 - std::countl_zero(us), kMagnitudes + kSubBits - 1);
  const uint64_t sub = (us >> (m - kSubBits)) & ((1u << kSubBits) - 1);
  const size_t index = (static_cast<size_t>(m - kSubBits + 1) << kSubBits) + sub;
  return std::min(index, kBuckets - 1);
}

uint64_t LatencyHistogram::UpperEdge(size_t index) {
  if (index < (1u << kSubBits)) {
    return index;
  }
  const int m = static_cast<int>(index >> kSubBits) + kSubBits - 1;
  const uint64_t sub = index & ((1u << kSubBits) - 1);
  return (uint64_t{1} << m) + ((sub + 1) << (m - kSubBits)) - 1;
}

void LatencyHistogram::Record(uint64_t us) {
  ++counts_[Index(us)];
  ++count_;
  min_ = std::min(min_, us);
  max_ = std::max(max_, us);
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < kBuckets; ++i) {
    counts_[i] += other.counts_[i];
  }
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

uint64_t LatencyHistogram::Quantile(double q) const {
  if (count_ == 0) {
    return 0;
  }
  const double clamped = std::clamp(q, 0.0, 1.0);
  const auto rank = std::max<uint64_t>(1, static_cast<uint64_t>(clamped * double(count_) + 0.5));
  uint64_t seen = 0;
  for (size_t i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      return i + 1 == kBuckets ? max_ : std::clamp(UpperEdge(i), min_, max_);  // open last bucket
    }
  }
  return max_;
}

}  // namespace rcas::tools
