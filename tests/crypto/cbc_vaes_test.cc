// The VAES CBC kernel (crypto/cbc_vaes.h) against OpenSSL EVP one-shot
// AES-128-CBC, and EncryptBurst's VAES path against its IPsec-MB path byte for
// byte. Skipped on CPUs without AVX512F + VAES.

#include "crypto/cbc_vaes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <random>
#include <vector>

#include "crypto/aes.h"
#include "crypto/cbc_burst.h"
#include "crypto/mb_manager.h"
#include "tests/crypto/seeded_bytes.h"

namespace rcas::crypto {
namespace {

using testing::RandomBytesFrom;

// OpenSslCbc is unpadded CBC: the padded one-shot, padding block dropped.
Bytes OpenSslCbc(const Bytes& key, const Bytes& iv, const Bytes& plain) {
  Bytes c = AesCbcEncrypt(key, iv, plain);
  c.resize(plain.size());
  return c;
}

// One lane under test: key, IV, plaintext, output buffer, its stream.
struct Lane {
  Bytes key, iv, plain, out;
  CbcStream stream;
  uint8_t running_iv[16] = {};
};

void MakeLane(std::mt19937_64& rng, Lane& l, size_t len) {
  l.key = RandomBytesFrom(rng, 16);
  l.iv = RandomBytesFrom(rng, 16);
  l.plain = RandomBytesFrom(rng, len);
  l.out.assign(len, 0);
  ASSERT_TRUE(l.stream.Init(l.key, l.iv).ok());
  std::copy_n(l.iv.begin(), 16, l.running_iv);
}

// RandomLen is 16 .. 64 KiB in blocks; `equal` lanes share one length.
size_t RandomLen(std::mt19937_64& rng) { return 16 * (1 + rng() % 4096); }

class VaesCbcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!VaesCbcAvailable()) {
      GTEST_SKIP() << "CPU lacks AVX512F + VAES";
    }
  }
};

TEST_F(VaesCbcTest, KernelMatchesOpenSslForEqualAndUnequalLanesInTwoCalls) {
  std::mt19937_64 rng(77);
  for (size_t n = 1; n <= kVaesLanes; ++n) {
    for (int shape = 0; shape < 3; ++shape) {  // equal, unequal, one short last lane
      auto lanes = std::make_unique<Lane[]>(n);
      const size_t common = RandomLen(rng);
      for (size_t i = 0; i < n; ++i) {
        const size_t len = shape == 0   ? common
                           : shape == 1 ? RandomLen(rng)
                           : i + 1 < n  ? 16384
                                        : 16 * (1 + rng() % 1023);
        MakeLane(rng, lanes[i], len);
      }
      // Two calls per lane, split at a random block, half of the lanes in place.
      const bool in_place = (n + static_cast<size_t>(shape)) % 2 == 0;
      std::vector<size_t> split(n);
      for (size_t i = 0; i < n; ++i) {
        split[i] = 16 * (rng() % (lanes[i].plain.size() / 16 + 1));
        if (in_place) {
          lanes[i].out = lanes[i].plain;
        }
      }
      for (int part = 0; part < 2; ++part) {
        std::vector<VaesLane> v(n);
        for (size_t i = 0; i < n; ++i) {
          Lane& l = lanes[i];
          const size_t from = part == 0 ? 0 : split[i];
          const size_t to = part == 0 ? split[i] : l.plain.size();
          v[i] = {l.stream.enc_keys(), l.running_iv,
                  (in_place ? l.out.data() : l.plain.data()) + from, l.out.data() + from,
                  to - from};
        }
        VaesCbcEncrypt(v);
      }
      for (size_t i = 0; i < n; ++i) {
        const Lane& l = lanes[i];
        const Bytes expect = OpenSslCbc(l.key, l.iv, l.plain);
        ASSERT_EQ(l.out, expect) << n << " lanes, shape " << shape << ", lane " << i;
        ASSERT_EQ(Bytes(l.running_iv, l.running_iv + 16), Bytes(expect.end() - 16, expect.end()));
      }
    }
  }
}

// EncryptBurst on `engine` over `n` streams for `calls` chunks each.
void BurstAll(MbManager& mb, CbcEngine engine, Lane* lanes, size_t n,
              const std::vector<size_t>& chunk, bool in_place) {
  std::vector<size_t> done(n, 0);
  std::vector<CbcChunk> chunks;
  for (bool left = true; left;) {
    chunks.clear();
    left = false;
    for (size_t i = 0; i < n; ++i) {
      Lane& l = lanes[i];
      const size_t len = std::min(chunk[i], l.plain.size() - done[i]);
      if (len == 0) {
        continue;
      }
      left = true;
      if (in_place) {
        std::copy_n(l.plain.begin() + done[i], len, l.out.begin() + done[i]);
      }
      chunks.push_back({&l.stream, in_place ? &l.out[done[i]] : &l.plain[done[i]], &l.out[done[i]],
                        static_cast<uint32_t>(len)});
      done[i] += len;
    }
    ASSERT_EQ(EncryptBurst(mb, chunks, engine), chunks.size());
  }
}

TEST_F(VaesCbcTest, BurstVaesEqualsIpsecMbAndOpenSslForOneToSixtyFourStreams) {
  MbManager mb;
  std::mt19937_64 rng(4242);
  for (size_t n = 1; n <= 64; n += n < 20 ? 1 : n < 62 ? 7 : 2) {  // ..19, 20, 27, .., 62, 64
    const bool equal = n % 2 == 0;
    const bool in_place = n % 3 == 0;
    auto vaes = std::make_unique<Lane[]>(n);
    auto mbuf = std::make_unique<Lane[]>(n);
    std::vector<size_t> chunk(n);
    const size_t common = RandomLen(rng);
    for (size_t i = 0; i < n; ++i) {
      // Equal: object sizes near one chunk multiple, one short last chunk each.
      const size_t len = equal ? common * 3 + 16 * (i % 5) : RandomLen(rng);
      MakeLane(rng, vaes[i], len);
      mbuf[i].key = vaes[i].key;
      mbuf[i].iv = vaes[i].iv;
      mbuf[i].plain = vaes[i].plain;
      mbuf[i].out.assign(len, 0);
      ASSERT_TRUE(mbuf[i].stream.Init(mbuf[i].key, mbuf[i].iv).ok());
      chunk[i] = equal ? common : 16 * (1 + rng() % 1024);
    }
    BurstAll(mb, CbcEngine::kAuto, vaes.get(), n, chunk, in_place);
    BurstAll(mb, CbcEngine::kMultiBuffer, mbuf.get(), n, chunk, !in_place);
    for (size_t i = 0; i < n; ++i) {
      ASSERT_EQ(vaes[i].out, mbuf[i].out) << n << " streams, stream " << i;
      ASSERT_EQ(vaes[i].out, OpenSslCbc(vaes[i].key, vaes[i].iv, vaes[i].plain)) << n << " streams";
      ASSERT_EQ(Bytes(vaes[i].stream.iv(), vaes[i].stream.iv() + 16),
                Bytes(mbuf[i].stream.iv(), mbuf[i].stream.iv() + 16));
    }
  }
}

}  // namespace
}  // namespace rcas::crypto
