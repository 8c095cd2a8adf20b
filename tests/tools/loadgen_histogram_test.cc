// LatencyHistogram (tools/loadgen_histogram.h): quantiles within the promised ~3%, exact for
// small values, min/max exact, merging equals recording everything in one.

#include "tools/loadgen_histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace rcas::tools {
namespace {

TEST(LatencyHistogramTest, EmptyReportsZeros) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.Quantile(0.99), 0u);
}

TEST(LatencyHistogramTest, SmallValuesAreExact) {
  LatencyHistogram h;
  for (uint64_t v = 0; v < 32; ++v) {
    h.Record(v);
  }
  EXPECT_EQ(h.Quantile(0.5), 15u);
  EXPECT_EQ(h.Quantile(1.0), 31u);
  EXPECT_EQ(h.min(), 0u);
}

TEST(LatencyHistogramTest, QuantilesAreWithinThreePercentOfTheSortedSample) {
  std::mt19937_64 rng(3);
  std::lognormal_distribution<double> dist(8.0, 2.0);  // ~3 ms median, long tail
  std::vector<uint64_t> values;
  LatencyHistogram h;
  for (int i = 0; i < 200'000; ++i) {
    const auto v = static_cast<uint64_t>(dist(rng));
    values.push_back(v);
    h.Record(v);
  }
  std::sort(values.begin(), values.end());
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    const uint64_t truth = values[size_t(q * double(values.size())) - 1];
    const uint64_t got = h.Quantile(q);
    EXPECT_GE(got, truth) << q;  // the bucket's upper edge
    EXPECT_LE(double(got), double(truth) * 1.032 + 1) << q;
  }
  EXPECT_EQ(h.min(), values.front());
  EXPECT_EQ(h.max(), values.back());
  EXPECT_EQ(h.Quantile(1.0), values.back());
}

TEST(LatencyHistogramTest, HugeValuesLandInTheLastBucketAndMaxIsExact) {
  LatencyHistogram h;
  h.Record(UINT64_MAX);
  h.Record(5);
  EXPECT_EQ(h.max(), UINT64_MAX);
  EXPECT_EQ(h.Quantile(1.0), UINT64_MAX);
  EXPECT_EQ(h.Quantile(0.5), 5u);
}

TEST(LatencyHistogramTest, MergeEqualsRecordingBoth) {
  LatencyHistogram a, b, both;
  for (uint64_t v = 1; v < 100'000; v += 7) {
    (v % 2 ? a : b).Record(v);
    both.Record(v);
  }
  a.Merge(b);
  EXPECT_EQ(a.count(), both.count());
  for (double q : {0.1, 0.5, 0.99}) {
    EXPECT_EQ(a.Quantile(q), both.Quantile(q));
  }
  EXPECT_EQ(a.min(), both.min());
  EXPECT_EQ(a.max(), both.max());
}

}  // namespace
}  // namespace rcas::tools
