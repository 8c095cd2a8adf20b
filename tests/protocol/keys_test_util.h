#pragma once
// Test helpers for the key schedule and protection tests: fixed-size views
// and secrets from vector hex, with the size checked.

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "crypto/secret.h"
#include "protocol/key_schedule.h"
#include "tests/common/vectors.h"

namespace rcas::protocol::testing {

// Fixed views `b` as exactly N octets; throws (fails the test) otherwise.
template <size_t N>
FixedView<N> FixedOf(const Bytes& b) {
  if (b.size() != N) {
    throw std::runtime_error("vector has " + std::to_string(b.size()) + " octets, want " +
                             std::to_string(N));
  }
  return FixedView<N>(b.data(), N);
}

// SecretOf copies vector hex into a SecretArray<N>, size checked.
template <size_t N>
crypto::SecretArray<N> SecretOf(const nlohmann::json& hex) {
  const Bytes b = rcas::testing::Hex(hex);
  return crypto::SecretArray<N>(FixedOf<N>(b));
}

}  // namespace rcas::protocol::testing
