// Differential tests: the IPsec-MB burst engine against the OpenSSL one-shot
// reference (crypto/aes.h, crypto/hash.h), on every arch this CPU runs.

#include "crypto/burst.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "crypto/aes.h"
#include "crypto/burst_internal.h"
#include "crypto/hash.h"
#include "crypto/key_context.h"
#include "crypto/mb_manager.h"
#include "tests/crypto/seeded_bytes.h"

namespace rcas::crypto {
namespace {

// Keys of one session, kept in clear for the reference path.
struct SessionKeys {
  Bytes ek;
  Bytes ik;
  Bytes ivb;
  KeyContext ctx;
};

using testing::RandomBytesFrom;

std::vector<SessionKeys> MakeSessions(std::mt19937_64& rng, size_t n) {
  std::vector<SessionKeys> sessions(n);
  for (size_t i = 0; i < n; ++i) {
    SessionKeys& s = sessions[i];
    s.ek = RandomBytesFrom(rng, 16);
    s.ik = RandomBytesFrom(rng, i % 2 == 0 ? 16 : 20);  // MAK is 16, IHK 20 (PROFILE §11, §12)
    s.ivb = RandomBytesFrom(rng, 16);
    EXPECT_TRUE(s.ctx.Init(s.ek, s.ik, s.ivb).ok());
  }
  return sessions;
}

Bytes Header(uint16_t type, uint32_t length, ByteView nonce) {
  Bytes h(kMsgHeaderLen, 0);
  StoreBe16(h.data(), type);
  StoreBe32(h.data() + 2, length);
  std::memcpy(h.data() + 6, nonce.data(), 8);
  h[14] = 0x01;
  return h;
}

// ReferenceIv is AES_EK(IVB xor (type || nonce || 0^6)) (PROFILE §9.3).
AesBlock ReferenceIv(const SessionKeys& s, ByteView header) {
  AesBlock x{};
  for (size_t i = 0; i < 16; ++i) {
    const uint8_t v = i < 2 ? header[i] : (i < 10 ? header[i + 4] : 0);
    x[i] = static_cast<uint8_t>(s.ivb[i] ^ v);
  }
  return AesEncryptBlock(s.ek, x);
}

// ReferenceSeal builds H || E || T (or H || C || T) with OpenSSL one-shots.
// Laid out in a presized buffer: GCC 12 at -O3 reports a false array-bounds
// error for growing a 16-octet vector by insert.
Bytes ReferenceSeal(const SessionKeys& s, uint16_t type, ByteView nonce, ByteView plain,
                    bool encrypt) {
  const size_t body_len = encrypt ? PaddedSize(plain.size()) : plain.size();
  const Bytes header = Header(type, static_cast<uint32_t>(kMsgHeaderLen + body_len), nonce);
  const Bytes body = encrypt ? AesCbcEncrypt(s.ek, ReferenceIv(s, header), plain)
                             : Bytes(plain.begin(), plain.end());
  Bytes msg(kMsgHeaderLen + body_len + kMsgMacLen);
  std::copy(header.begin(), header.end(), msg.begin());
  std::copy(body.begin(), body.end(), msg.begin() + kMsgHeaderLen);
  const Sha1Digest tag = HmacSha1(s.ik, {msg.data(), kMsgHeaderLen + body_len});
  std::copy(tag.begin(), tag.end(), msg.begin() + kMsgHeaderLen + body_len);
  return msg;
}

// A random message of the burst: plaintext, its session, its sealed buffer.
struct Case {
  size_t session = 0;
  uint16_t type = 0;
  Bytes nonce;
  Bytes plain;
  bool encrypt = true;
  Bytes buffer;  // what the burst works on
};

Case RandomCase(std::mt19937_64& rng, size_t sessions, size_t max_plain) {
  Case c;
  c.session = rng() % sessions;
  c.type = static_cast<uint16_t>(1 + rng() % 14);
  c.nonce = RandomBytesFrom(rng, 8);
  c.plain = RandomBytesFrom(rng, rng() % (max_plain + 1));
  c.encrypt = rng() % 4 != 0;  // mostly encrypted, some MAC-only
  return c;
}

// PrepareSeal lays out H || C with room for padding and tag, as a sender does.
SealJob PrepareSeal(Case& c, const SessionKeys& s, uintptr_t user) {
  const size_t sealed = SealedSize(c.plain.size(), c.encrypt);
  const size_t body = sealed - kMsgHeaderLen - kMsgMacLen;
  c.buffer = Header(c.type, static_cast<uint32_t>(kMsgHeaderLen + body), c.nonce);
  Append(c.buffer, c.plain);
  c.buffer.resize(sealed, 0xEE);
  SealJob job;
  job.keys = &s.ctx;
  job.msg = c.buffer.data();
  job.capacity = static_cast<uint32_t>(c.buffer.size());
  job.plain_len = static_cast<uint32_t>(c.plain.size());
  job.encrypt = c.encrypt;
  job.user = user;
  return job;
}

OpenJob PrepareOpen(Case& c, const SessionKeys& s, uintptr_t user) {
  c.buffer = ReferenceSeal(s, c.type, c.nonce, c.plain, c.encrypt);
  OpenJob job;
  job.keys = &s.ctx;
  job.msg = c.buffer.data();
  job.len = static_cast<uint32_t>(c.buffer.size());
  job.encrypted = c.encrypt;
  job.user = user;
  return job;
}

class BurstTest : public ::testing::TestWithParam<MbArch> {
 protected:
  void SetUp() override {
    if (!MbManager::Supported(GetParam())) {
      GTEST_SKIP() << "CPU lacks this arch";
    }
    mb_ = std::make_unique<MbManager>(GetParam());
  }
  std::unique_ptr<MbManager> mb_;
};

std::string ArchName(const ::testing::TestParamInfo<MbArch>& info) {
  switch (info.param) {
    case MbArch::kSse:
      return "Sse";
    case MbArch::kAvx:
      return "Avx";
    case MbArch::kAvx2:
      return "Avx2";
    case MbArch::kAvx512:
      return "Avx512";
    case MbArch::kAuto:
      break;
  }
  return "Auto";
}

INSTANTIATE_TEST_SUITE_P(Arch, BurstTest,
                         ::testing::Values(MbArch::kAuto, MbArch::kSse, MbArch::kAvx, MbArch::kAvx2,
                                           MbArch::kAvx512),
                         ArchName);

TEST_P(BurstTest, ManagerReportsTheRequestedArch) {
  std::string expected = ArchName({GetParam(), 0});
  std::transform(expected.begin(), expected.end(), expected.begin(), ::tolower);
  if (GetParam() == MbArch::kAuto) {
    EXPECT_NE(std::string(mb_->name()), "unknown");
  } else {
    EXPECT_EQ(std::string(mb_->name()), expected);
  }
}

TEST_P(BurstTest, SealMatchesOpenSslOnRandomBursts) {
  std::mt19937_64 rng(0x5EA1 + static_cast<int>(GetParam()));
  auto sessions = MakeSessions(rng, 8);
  for (int round = 0; round < 40; ++round) {
    const size_t n = 1 + rng() % kBurstMax;
    std::vector<Case> cases(n);
    std::vector<SealJob> jobs(n);
    for (size_t i = 0; i < n; ++i) {
      cases[i] = RandomCase(rng, sessions.size(), 2000);
      jobs[i] = PrepareSeal(cases[i], sessions[cases[i].session], i);
    }
    ASSERT_EQ(SealBurst(*mb_, jobs), n);
    for (size_t i = 0; i < n; ++i) {
      SCOPED_TRACE("round " + std::to_string(round) + " job " + std::to_string(i));
      const Case& c = cases[jobs[i].user];
      EXPECT_EQ(jobs[i].user, i);  // all passed: order kept
      EXPECT_EQ(jobs[i].verdict, BurstVerdict::kOk);
      Bytes expected = ReferenceSeal(sessions[c.session], c.type, c.nonce, c.plain, c.encrypt);
      ASSERT_EQ(jobs[i].sealed_len, expected.size());
      EXPECT_EQ(ToHex({c.buffer.data(), jobs[i].sealed_len}), ToHex(expected));
    }
  }
}

TEST_P(BurstTest, OpenRecoversOpenSslSealedMessages) {
  std::mt19937_64 rng(0x0BE7 + static_cast<int>(GetParam()));
  auto sessions = MakeSessions(rng, 8);
  for (int round = 0; round < 40; ++round) {
    const size_t n = 1 + rng() % kBurstMax;
    std::vector<Case> cases(n);
    std::vector<OpenJob> jobs(n);
    for (size_t i = 0; i < n; ++i) {
      cases[i] = RandomCase(rng, sessions.size(), 2000);
      jobs[i] = PrepareOpen(cases[i], sessions[cases[i].session], i);
    }
    ASSERT_EQ(OpenBurst(*mb_, jobs), n);
    for (size_t i = 0; i < n; ++i) {
      SCOPED_TRACE("round " + std::to_string(round) + " job " + std::to_string(i));
      const Case& c = cases[jobs[i].user];
      EXPECT_EQ(jobs[i].verdict, BurstVerdict::kOk);
      ASSERT_EQ(jobs[i].plain_len, c.plain.size());
      EXPECT_EQ(ToHex({c.buffer.data() + kMsgHeaderLen, jobs[i].plain_len}), ToHex(c.plain));
    }
  }
}

TEST_P(BurstTest, SingleMessageSealAndOpenRoundTrip) {
  std::mt19937_64 rng(7);
  auto sessions = MakeSessions(rng, 2);
  for (size_t len : {0, 1, 15, 16, 17, 64, 1000}) {
    Case c = RandomCase(rng, 2, 0);
    c.plain = RandomBytesFrom(rng, len);
    c.encrypt = true;
    SealJob seal = PrepareSeal(c, sessions[c.session], 0);
    ASSERT_EQ(Seal(*mb_, seal), BurstVerdict::kOk);
    EXPECT_EQ(ToHex({c.buffer.data(), seal.sealed_len}),
              ToHex(ReferenceSeal(sessions[c.session], c.type, c.nonce, c.plain, true)));
    OpenJob open{&sessions[c.session].ctx, c.buffer.data(), seal.sealed_len, true};
    ASSERT_EQ(Open(*mb_, open), BurstVerdict::kOk);
    EXPECT_EQ(ToHex({c.buffer.data() + kMsgHeaderLen, open.plain_len}), ToHex(c.plain));
  }
}

// Flip one bit in H, E or T of some jobs: exactly those get kBadMac, are not
// decrypted, and move to the tail; the others open in their original order.
TEST_P(BurstTest, TamperedMessagesFailMacAndStayEncrypted) {
  std::mt19937_64 rng(0x7A3 + static_cast<int>(GetParam()));
  auto sessions = MakeSessions(rng, 4);
  for (int round = 0; round < 30; ++round) {
    const size_t n = 1 + rng() % kBurstMax;
    std::vector<Case> cases(n);
    std::vector<OpenJob> jobs(n);
    std::vector<bool> tampered(n);
    std::vector<Bytes> as_sent(n);
    for (size_t i = 0; i < n; ++i) {
      cases[i] = RandomCase(rng, sessions.size(), 300);
      jobs[i] = PrepareOpen(cases[i], sessions[cases[i].session], i);
      tampered[i] = rng() % 3 == 0;
      if (tampered[i]) {
        Bytes& b = cases[i].buffer;
        const size_t region = rng() % 3;  // 0: H, 1: E/C (if any), 2: T
        const size_t body = b.size() - kMsgHeaderLen - kMsgMacLen;
        size_t at = region == 0                ? rng() % kMsgHeaderLen
                    : region == 2 || body == 0 ? b.size() - kMsgMacLen + rng() % kMsgMacLen
                                               : kMsgHeaderLen + rng() % body;
        b[at] ^= static_cast<uint8_t>(1u << (rng() % 8));
      }
      as_sent[i] = cases[i].buffer;
    }
    const size_t expected_ok = std::count(tampered.begin(), tampered.end(), false);
    ASSERT_EQ(OpenBurst(*mb_, jobs), expected_ok);
    uintptr_t last_user = 0;
    for (size_t i = 0; i < n; ++i) {
      SCOPED_TRACE("round " + std::to_string(round) + " job " + std::to_string(i));
      const size_t id = jobs[i].user;
      if (i < expected_ok) {
        EXPECT_FALSE(tampered[id]);
        EXPECT_EQ(jobs[i].verdict, BurstVerdict::kOk);
        EXPECT_EQ(ToHex({cases[id].buffer.data() + kMsgHeaderLen, jobs[i].plain_len}),
                  ToHex(cases[id].plain));
        if (i > 0) {
          EXPECT_GT(id, last_user);  // survivors keep their order
        }
        last_user = id;
      } else {
        EXPECT_TRUE(tampered[id]);
        EXPECT_EQ(jobs[i].verdict, BurstVerdict::kBadMac);
        EXPECT_EQ(jobs[i].plain_len, 0u);
        EXPECT_EQ(cases[id].buffer, as_sent[id]);  // never decrypted
      }
    }
  }
}

// A correctly MACed message whose plaintext padding is malformed: the sender
// encrypted raw blocks (no PKCS#7) ending in a bad pad.
TEST_P(BurstTest, ValidMacWithBadPaddingIsBadPadding) {
  std::mt19937_64 rng(11);
  auto sessions = MakeSessions(rng, 1);
  const SessionKeys& s = sessions[0];
  const Bytes nonce = RandomBytesFrom(rng, 8);
  struct BadTail {
    uint8_t last;
    int poison;  // index from the end to corrupt, or -1
  };
  std::vector<BadTail> tails = {{0x00, -1}, {0x11, -1}, {0xFF, -1},
                                {0x02, 1},  {0x10, 15}, {0x05, 4}};
  std::vector<Bytes> buffers;
  std::vector<OpenJob> jobs;
  for (size_t i = 0; i < tails.size(); ++i) {
    Bytes plain = RandomBytesFrom(rng, 32);
    for (size_t k = 0; k < 16; ++k) {
      plain[31 - k] = tails[i].last;  // consistent bytes unless poisoned
    }
    if (tails[i].poison >= 0) {
      plain[31 - tails[i].poison] ^= 0x40;
    }
    Bytes msg = Header(0x0007, kMsgHeaderLen + 32, nonce);
    const AesBlock iv = ReferenceIv(s, msg);
    Bytes e = AesCbcEncrypt(s.ek, iv, plain);
    e.resize(32);  // drop the PKCS#7 block the reference added
    Append(msg, e);
    Append(msg, HmacSha1(s.ik, msg));
    buffers.push_back(msg);
  }
  // One good message in the middle proves the rejects go behind it.
  Case good = RandomCase(rng, 1, 100);
  good.encrypt = true;
  jobs.resize(tails.size() + 1);
  for (size_t i = 0; i < tails.size(); ++i) {
    jobs[i] = OpenJob{&s.ctx, buffers[i].data(), static_cast<uint32_t>(buffers[i].size()), true, i};
  }
  jobs.back() = PrepareOpen(good, s, 99);
  ASSERT_EQ(OpenBurst(*mb_, jobs), 1u);
  EXPECT_EQ(jobs[0].user, 99u);
  for (size_t i = 1; i < jobs.size(); ++i) {
    EXPECT_EQ(jobs[i].verdict, BurstVerdict::kBadPadding) << "tail " << jobs[i].user;
    EXPECT_EQ(jobs[i].plain_len, 0u);
  }
}

TEST_P(BurstTest, BurstsLongerThanTheMaximumKeepSurvivorsFirst) {
  std::mt19937_64 rng(99);
  auto sessions = MakeSessions(rng, 3);
  const size_t n = 2 * kBurstMax + 22;
  std::vector<Case> cases(n);
  std::vector<OpenJob> jobs(n);
  size_t good = 0;
  for (size_t i = 0; i < n; ++i) {
    cases[i] = RandomCase(rng, sessions.size(), 100);
    jobs[i] = PrepareOpen(cases[i], sessions[cases[i].session], i);
    if (i % 5 == 0) {
      cases[i].buffer.back() ^= 1;
    } else {
      ++good;
    }
  }
  ASSERT_EQ(OpenBurst(*mb_, jobs), good);
  for (size_t i = 0; i < n; ++i) {
    EXPECT_EQ(jobs[i].user % 5 == 0, i >= good) << i;
    if (i > 0 && i < good) {
      EXPECT_LT(jobs[i - 1].user, jobs[i].user);
    }
  }
  // Seal a long burst too.
  std::vector<SealJob> seal(n);
  for (size_t i = 0; i < n; ++i) {
    seal[i] = PrepareSeal(cases[i], sessions[cases[i].session], i);
  }
  EXPECT_EQ(SealBurst(*mb_, seal), n);
}

TEST_P(BurstTest, InconsistentSizesAreBadLengthAndUntouched) {
  std::mt19937_64 rng(5);
  auto sessions = MakeSessions(rng, 1);
  Case c = RandomCase(rng, 1, 0);
  c.plain = RandomBytesFrom(rng, 40);
  c.encrypt = true;

  SealJob wrong_length_field = PrepareSeal(c, sessions[0], 0);
  StoreBe32(c.buffer.data() + 2, 16 + 40);  // the plaintext length, not len(E)
  const Bytes before = c.buffer;
  EXPECT_EQ(Seal(*mb_, wrong_length_field), BurstVerdict::kBadLength);
  EXPECT_EQ(c.buffer, before);

  SealJob too_small = PrepareSeal(c, sessions[0], 0);
  too_small.capacity -= 1;
  EXPECT_EQ(Seal(*mb_, too_small), BurstVerdict::kBadLength);

  PrepareOpen(c, sessions[0], 0);
  for (uint32_t len : {0u, 35u, 36u, static_cast<uint32_t>(c.buffer.size() - 1)}) {
    OpenJob j{&sessions[0].ctx, c.buffer.data(), len, true};
    EXPECT_EQ(Open(*mb_, j), BurstVerdict::kBadLength) << len;
  }
}

TEST_P(BurstTest, MissingKeysAreBadKey) {
  KeyContext mac_only;
  ASSERT_TRUE(mac_only.Init({}, Bytes(20, 0x0B), {}).ok());
  Bytes buf = Header(0x0007, 16 + 16, Bytes(8, 0));
  buf.resize(SealedSize(3, true));
  SealJob seal{&mac_only, buf.data(), static_cast<uint32_t>(buf.size()), 3, true};
  EXPECT_EQ(Seal(*mb_, seal), BurstVerdict::kBadKey);
  seal.keys = nullptr;
  EXPECT_EQ(Seal(*mb_, seal), BurstVerdict::kBadKey);
  OpenJob open{nullptr, buf.data(), static_cast<uint32_t>(buf.size()), true};
  EXPECT_EQ(Open(*mb_, open), BurstVerdict::kBadKey);
}

// HMAC key handling against OpenSSL for the sizes RFC 2104 treats
// differently: shorter than, equal to and longer than the 64-octet block.
TEST_P(BurstTest, MacOnlyMatchesHmacForEveryKeySize) {
  std::mt19937_64 rng(3);
  for (size_t key_len : {1, 16, 20, 63, 64, 65, 100}) {
    SessionKeys s;
    s.ik = RandomBytesFrom(rng, key_len);
    ASSERT_TRUE(s.ctx.Init({}, s.ik, {}).ok());
    Case c = RandomCase(rng, 1, 200);
    c.encrypt = false;
    SealJob job = PrepareSeal(c, s, 0);
    ASSERT_EQ(Seal(*mb_, job), BurstVerdict::kOk);
    EXPECT_EQ(ToHex({c.buffer.data(), job.sealed_len}),
              ToHex(ReferenceSeal(s, c.type, c.nonce, c.plain, false)))
        << key_len;
  }
}

TEST(KeyContext, RejectsWrongSizes) {
  KeyContext ctx;
  EXPECT_FALSE(ctx.Init(Bytes(16), {}, Bytes(16)).ok());
  EXPECT_FALSE(ctx.Init(Bytes(15), Bytes(20), Bytes(16)).ok());
  EXPECT_FALSE(ctx.Init(Bytes(16), Bytes(20), Bytes(17)).ok());
  EXPECT_FALSE(ctx.Init(Bytes(16), Bytes(20), {}).ok());
  EXPECT_FALSE(ctx.has_mac_key());
  EXPECT_TRUE(ctx.Init(Bytes(16), Bytes(20), Bytes(16)).ok());
  EXPECT_TRUE(ctx.has_mac_key() && ctx.has_cipher_key());
}

TEST(KeyContext, WipeErasesEveryKeyByte) {
  KeyContext ctx;
  ASSERT_TRUE(ctx.Init(Bytes(16, 0xA5), Bytes(20, 0x5A), Bytes(16, 0x33)).ok());
  auto all_zero = [](const uint8_t* p, size_t n) {
    return std::all_of(p, p + n, [](uint8_t b) { return b == 0; });
  };
  EXPECT_FALSE(all_zero(ctx.enc_keys(), kAesScheduleLen));
  EXPECT_FALSE(all_zero(ctx.ipad_state(), kHmacStateLen));
  ctx.Wipe();
  EXPECT_TRUE(all_zero(ctx.enc_keys(), kAesScheduleLen));
  EXPECT_TRUE(all_zero(ctx.dec_keys(), kAesScheduleLen));
  EXPECT_TRUE(all_zero(ctx.ipad_state(), kHmacStateLen));
  EXPECT_TRUE(all_zero(ctx.opad_state(), kHmacStateLen));
  EXPECT_TRUE(all_zero(ctx.iv_base(), kIvBaseLen));
  EXPECT_FALSE(ctx.has_mac_key() || ctx.has_cipher_key());
}

TEST(Pkcs7PadLen, AcceptsExactlyWellFormedPads) {
  for (uint32_t last = 0; last < 256; ++last) {
    uint8_t block[16];
    std::memset(block, static_cast<int>(last), 16);
    const uint32_t expect = (last >= 1 && last <= 16) ? last : 0;
    EXPECT_EQ(burst_internal::Pkcs7PadLen(block), expect) << last;
    if (expect >= 2) {
      block[16 - expect] ^= 1;  // first pad octet wrong
      EXPECT_EQ(burst_internal::Pkcs7PadLen(block), 0u) << last;
      block[16 - expect] ^= 1;
      if (expect < 16) {
        block[15 - expect] ^= 1;  // the octet before the pad does not matter
        EXPECT_EQ(burst_internal::Pkcs7PadLen(block), expect) << last;
      }
    }
  }
}

TEST(TagsEqual, EverySingleBitDifferenceIsCaught) {
  uint8_t a[20];
  uint8_t b[20];
  for (size_t i = 0; i < 20; ++i) {
    a[i] = b[i] = static_cast<uint8_t>(i * 37 + 1);
  }
  EXPECT_TRUE(burst_internal::TagsEqual(a, b));
  for (size_t bit = 0; bit < 160; ++bit) {
    b[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    EXPECT_FALSE(burst_internal::TagsEqual(a, b)) << bit;
    b[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
  }
}

// The receive-side IV batch (AES-NI, groups of four plus a tail) against
// OpenSSL for every tail length.
TEST(EncryptBlocksAesni, MatchesOpenSslForEveryCount) {
  std::mt19937_64 rng(17);
  auto sessions = MakeSessions(rng, 9);
  uint8_t in[9][16];
  uint8_t out[9][16];
  const uint8_t* keys[9];
  for (size_t k = 0; k < 9; ++k) {
    Bytes block = RandomBytesFrom(rng, 16);
    std::memcpy(in[k], block.data(), 16);
    keys[k] = sessions[k].ctx.enc_keys();
  }
  for (size_t n = 0; n <= 9; ++n) {
    std::memset(out, 0xCC, sizeof(out));
    burst_internal::EncryptBlocksAesni(keys, in, out, n);
    for (size_t k = 0; k < 9; ++k) {
      const AesBlock e = AesEncryptBlock(sessions[k].ek, {in[k], 16});
      const Bytes expected =
          k < n ? Bytes(e.begin(), e.end()) : Bytes(16, 0xCC);  // untouched past n
      EXPECT_EQ(ToHex({out[k], 16}), ToHex(expected)) << n << " " << k;
    }
  }
}

TEST(BurstVerdict, NamesComeFromTheList) {
  EXPECT_STREQ(BurstVerdictName(BurstVerdict::kOk), "ok");
  EXPECT_STREQ(BurstVerdictName(BurstVerdict::kBadMac), "bad-mac");
  EXPECT_STREQ(BurstVerdictName(BurstVerdict::kBadPadding), "bad-padding");
  EXPECT_EQ(kBurstVerdictCount, 6u);
}

}  // namespace
}  // namespace rcas::crypto
