// Differential tests: multi-buffer CBC streams (crypto/cbc_burst.h) against
// OpenSSL EVP AES-128-CBC one-shots, on every arch this CPU runs.

#include "crypto/cbc_burst.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <tuple>
#include <vector>

#include "crypto/aes.h"
#include "crypto/mb_manager.h"
#include "tests/crypto/seeded_bytes.h"

namespace rcas::crypto {
namespace {

using testing::RandomBytesFrom;

// One stream under test: padded plaintext, where it has got to, its output.
struct StreamCase {
  Bytes key, iv, plain, padded, out;
  size_t done = 0;
  CbcStream stream;
};

// Every IPsec-MB arch, each with the VAES path (kAuto, where the CPU has it)
// and the forced IPsec-MB one.
class CbcBurstTest : public ::testing::TestWithParam<std::tuple<MbArch, CbcEngine>> {
 protected:
  static MbArch Arch() { return std::get<0>(GetParam()); }
  static CbcEngine Engine() { return std::get<1>(GetParam()); }
};

TEST_P(CbcBurstTest, MatchesOpenSslForRandomStreamsAndChunkings) {
  if (!MbManager::Supported(Arch())) {
    GTEST_SKIP() << "arch not on this CPU";
  }
  MbManager mb(Arch());
  std::mt19937_64 rng(1234 + static_cast<int>(Arch()));
  for (int round = 0; round < 12; ++round) {
    const size_t n = 1 + rng() % 64;
    auto cases = std::make_unique<StreamCase[]>(n);
    for (size_t i = 0; i < n; ++i) {
      StreamCase& c = cases[i];
      c.key = RandomBytesFrom(rng, 16);
      c.iv = RandomBytesFrom(rng, 16);
      c.plain = RandomBytesFrom(rng, rng() % (i % 4 == 0 ? 70000 : 3000));
      c.padded = c.plain;
      c.padded.resize(PaddedSize(c.plain.size()));
      Pkcs7Pad(c.padded.data(), c.plain.size());
      c.out.assign(c.padded.size(), 0);
      ASSERT_TRUE(c.stream.Init(c.key, c.iv).ok());
    }
    // Each call takes the next chunk of a random subset of the unfinished
    // streams, sometimes two chunks of one stream in a row.
    std::vector<CbcChunk> chunks;
    for (bool left = true; left;) {
      chunks.clear();
      left = false;
      for (size_t i = 0; i < n; ++i) {
        StreamCase& c = cases[i];
        for (int twice = 0; twice < 2 && c.done < c.padded.size(); ++twice) {
          left = true;
          if (rng() % 3 == 0 || (twice == 1 && rng() % 4 != 0)) {
            break;
          }
          const size_t blocks = 1 + rng() % 1100;
          const size_t len = std::min(blocks * 16, c.padded.size() - c.done);
          const bool in_place = rng() % 2 == 0;
          if (in_place) {
            std::copy_n(c.padded.begin() + c.done, len, c.out.begin() + c.done);
          }
          chunks.push_back({&c.stream, in_place ? &c.out[c.done] : &c.padded[c.done],
                            &c.out[c.done], static_cast<uint32_t>(len)});
          c.done += len;
        }
      }
      ASSERT_EQ(EncryptBurst(mb, chunks, Engine()), chunks.size());
    }
    for (size_t i = 0; i < n; ++i) {
      ASSERT_EQ(cases[i].out, AesCbcEncrypt(cases[i].key, cases[i].iv, cases[i].plain))
          << "round " << round << " stream " << i << " of " << n << " on " << mb.name();
    }
  }
}

TEST_P(CbcBurstTest, RejectsGoToTheTailAndLeaveTheirStreamAlone) {
  if (!MbManager::Supported(Arch())) {
    GTEST_SKIP() << "arch not on this CPU";
  }
  MbManager mb(Arch());
  const Bytes key(16, 0x11), iv(16, 0x22), plain(64, 0x33);
  CbcStream good, unready;
  ASSERT_TRUE(good.Init(key, iv).ok());
  EXPECT_FALSE(unready.Init(Bytes(15, 0), iv).ok());
  Bytes out_good(64), out_bad(64);
  std::vector<CbcChunk> chunks = {
      {&good, plain.data(), out_bad.data(), 40, 1},     // not a multiple of 16
      {&unready, plain.data(), out_bad.data(), 16, 2},  // stream not ready
      {&good, plain.data(), out_good.data(), 64, 3},    // the only good one
      {&good, plain.data(), out_bad.data(), 0, 4},      // empty
      {nullptr, plain.data(), out_bad.data(), 16, 5},   // no stream
  };
  ASSERT_EQ(EncryptBurst(mb, chunks, Engine()), 1u);
  EXPECT_EQ(chunks[0].user, 3u);
  EXPECT_TRUE(chunks[0].ok);
  for (size_t i = 1; i < chunks.size(); ++i) {
    EXPECT_FALSE(chunks[i].ok);
    EXPECT_EQ(chunks[i].user, i < 3 ? i : i + 1) << "rejects keep their order";
  }
  Bytes expect = AesCbcEncrypt(key, iv, plain);
  expect.resize(64);  // drop the padding block
  EXPECT_EQ(out_good, expect);
  EXPECT_EQ(Bytes(good.iv(), good.iv() + 16), Bytes(expect.end() - 16, expect.end()));
}

TEST(CbcStream, Pkcs7PadAddsOneToSixteenOctets) {
  uint8_t buf[48] = {};
  EXPECT_EQ(Pkcs7Pad(buf, 0), 16u);
  EXPECT_EQ(buf[15], 16);
  EXPECT_EQ(Pkcs7Pad(buf, 17), 32u);
  EXPECT_EQ(buf[17], 15);
  EXPECT_EQ(buf[31], 15);
  EXPECT_EQ(Pkcs7Pad(buf, 32), 48u);
  EXPECT_EQ(buf[47], 16);
}

INSTANTIATE_TEST_SUITE_P(
    Arches, CbcBurstTest,
    ::testing::Combine(::testing::Values(MbArch::kAuto, MbArch::kSse, MbArch::kAvx, MbArch::kAvx2,
                                         MbArch::kAvx512),
                       ::testing::Values(CbcEngine::kAuto, CbcEngine::kMultiBuffer)));

}  // namespace
}  // namespace rcas::crypto
