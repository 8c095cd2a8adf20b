#include <gtest/gtest.h>

#include "protocol/fips_prf.h"
#include "tests/common/vectors.h"
#include "tests/protocol/keys_test_util.h"

namespace rcas::protocol {
namespace {

using rcas::testing::Hex;
using testing::FixedOf;

nlohmann::json PrfCase() {
  const nlohmann::json file = rcas::testing::LoadJson("vectors/kdf.json");  // outlives the loop
  for (const auto& c : file["cases"]) {
    if (c["inputs"].contains("seed")) {
      return c;
    }
  }
  throw std::runtime_error("no PRF case in kdf.json");
}

TEST(FipsPrf, Fips1862ChangeNotice1Vector) {
  const auto c = PrfCase();
  const Bytes seed = Hex(c["inputs"]["seed"]);
  Bytes out(c["inputs"]["n"].get<size_t>());
  FipsPrf(FixedOf<20>(seed), out);
  EXPECT_EQ(ToHex(out), c["expected"]["output"]);
}

// PRF(seed, n) is a prefix of PRF(seed, m) for n < m, including lengths that
// split a 20-octet block: callers may ask for any size.
TEST(FipsPrf, ShorterOutputIsPrefixOfLonger) {
  const auto c = PrfCase();
  const Bytes seed = Hex(c["inputs"]["seed"]);
  const std::string full = c["expected"]["output"];
  for (size_t n : {0u, 1u, 16u, 20u, 21u, 39u}) {
    Bytes out(n);
    FipsPrf(FixedOf<20>(seed), out);
    EXPECT_EQ(ToHex(out), full.substr(0, 2 * n)) << n;
  }
}

// The XKEY update carries across all 160 bits: an all-ones seed must wrap
// (a carry bug shows up in the second block only).
TEST(FipsPrf, CarryPropagatesThroughXkey) {
  Bytes ones(20, 0xff);
  Bytes zeros(20, 0x00);
  Bytes a(40);
  Bytes b(40);
  FipsPrf(FixedOf<20>(ones), a);
  FipsPrf(FixedOf<20>(zeros), b);
  EXPECT_NE(ToHex(a), ToHex(b));
  // Second block depends on the first: recompute it from XKEY' by hand.
  // XKEY' = 1 + XKEY + w0 mod 2^160; for XKEY = 2^160 - 1 this is w0.
  Bytes second(20);
  FipsPrf(FixedOf<20>(Bytes(a.begin(), a.begin() + 20)), second);
  EXPECT_EQ(ToHex(second), ToHex(Bytes(a.begin() + 20, a.end())));
}

}  // namespace
}  // namespace rcas::protocol
