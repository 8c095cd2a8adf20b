#pragma once
// RandomBytesFrom: reproducible test data from a seeded generator, so a failing differential
// case can be replayed from its seed (the crypto tests' random keys, IVs and plaintexts).

#include <cstdint>
#include <random>

#include "crypto/bytes.h"

namespace rcas::crypto::testing {

inline Bytes RandomBytesFrom(std::mt19937_64& rng, size_t n) {
  Bytes out(n);
  for (auto& b : out) {
    b = static_cast<uint8_t>(rng());
  }
  return out;
}

}  // namespace rcas::crypto::testing
