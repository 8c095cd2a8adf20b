// The image registry: object format (PROFILE §17.1), lookups, expiry, and
// concurrent publishers and readers.

#include "control/image_registry.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "crypto/aes.h"

namespace rcas::control {
namespace {

const Bytes kKey(16, 0x4b), kIv(16, 0x17);

Bytes Pattern(size_t n) {
  Bytes out(n);
  for (size_t i = 0; i < n; ++i) {
    out[i] = static_cast<uint8_t>(i * 7 + 3);
  }
  return out;
}

TEST(ImageRegistry, CommonIsEncryptedOnceAndKeepsNoPlaintext) {
  ImageRegistry reg;
  const Bytes plain = Pattern(1000);
  ASSERT_TRUE(reg.PublishCommon("cas/common-1.bin", plain, kKey, kIv).ok());
  auto obj = reg.Find("cas/common-1.bin");
  ASSERT_NE(obj, nullptr);
  EXPECT_EQ(obj->kind, ImageKind::kCommon);
  EXPECT_EQ(obj->encrypted_size, 1008u);
  EXPECT_EQ(obj->ciphertext, crypto::AesCbcEncrypt(kKey, kIv, plain));
  EXPECT_EQ(obj->plaintext, nullptr);
  EXPECT_EQ(obj->plain_sha1, crypto::Sha1(plain));
  EXPECT_EQ(reg.ciphertext_bytes(), 1008u);
}

TEST(ImageRegistry, IndividualSharesThePlaintextAndKeepsKeyAndIv) {
  ImageRegistry reg;
  auto plain = std::make_shared<const Bytes>(Pattern(4096));
  ASSERT_TRUE(reg.PublishIndividual("icci-00aa", plain, kKey, kIv).ok());
  ASSERT_TRUE(reg.PublishIndividual("icci-00bb", plain, Bytes(16, 1), kIv).ok());
  auto a = reg.Find("icci-00aa");
  auto b = reg.Find("icci-00bb");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(a->plaintext.get(), plain.get());
  EXPECT_EQ(b->plaintext.get(), plain.get());
  EXPECT_EQ(a->encrypted_size, 4112u);  // a full padding block
  EXPECT_EQ(Bytes(a->key.view().begin(), a->key.view().end()), kKey);
  EXPECT_EQ(Bytes(b->iv.view().begin(), b->iv.view().end()), kIv);
  EXPECT_EQ(a->plain_sha1, crypto::Sha1(*plain));
  EXPECT_EQ(reg.ciphertext_bytes(), 0u);
}

TEST(ImageRegistry, RejectsBadKeysAndNames) {
  ImageRegistry reg;
  const Bytes plain = Pattern(10);
  EXPECT_FALSE(reg.PublishCommon("a", plain, Bytes(15, 0), kIv).ok());
  EXPECT_FALSE(reg.PublishCommon("a", plain, kKey, Bytes(17, 0)).ok());
  EXPECT_FALSE(reg.PublishIndividual("a", nullptr, kKey, kIv).ok());
  for (const char* bad : {"", "/abs", "a/../b", "..", "a/./b", "sp ace", "back\\slash", "a/.."}) {
    EXPECT_FALSE(ValidImageFn(bad)) << bad;
    EXPECT_FALSE(reg.PublishCommon(bad, plain, kKey, kIv).ok()) << bad;
  }
  EXPECT_FALSE(ValidImageFn(std::string(kMaxImageFnLen + 1, 'a')));
  EXPECT_TRUE(ValidImageFn(std::string(kMaxImageFnLen, 'a')));
  EXPECT_TRUE(ValidImageFn("dir/sub/file-1.2_x%41"));
  EXPECT_TRUE(ValidImageFn("a..b/...c"));
  EXPECT_EQ(reg.size(), 0u);
}

TEST(ImageRegistry, ReplaceRemoveAndExpire) {
  ImageRegistry reg;
  const Bytes plain = Pattern(33);
  ASSERT_TRUE(reg.PublishCommon("x", plain, kKey, kIv).ok());
  auto old = reg.Find("x");
  ASSERT_TRUE(reg.PublishCommon("x", Pattern(5), kKey, kIv).ok());
  EXPECT_EQ(reg.size(), 1u);
  EXPECT_EQ(reg.ciphertext_bytes(), 16u);
  EXPECT_EQ(old->encrypted_size, 48u) << "a holder keeps the replaced object";
  EXPECT_TRUE(reg.Remove("x"));
  EXPECT_FALSE(reg.Remove("x"));
  EXPECT_EQ(reg.Find("x"), nullptr);
  EXPECT_EQ(reg.ciphertext_bytes(), 0u);

  const int64_t now = ImageRegistry::NowMs();
  auto p = std::make_shared<const Bytes>(plain);
  ASSERT_TRUE(reg.PublishIndividual("past", p, kKey, kIv, now - 1).ok());
  ASSERT_TRUE(reg.PublishIndividual("soon", p, kKey, kIv, now + 60'000).ok());
  ASSERT_TRUE(reg.PublishCommon("never", plain, kKey, kIv).ok());
  EXPECT_EQ(reg.Find("past"), nullptr) << "expired objects are not served";
  EXPECT_NE(reg.Find("soon"), nullptr);
  EXPECT_EQ(reg.Expire(now), 1u);
  EXPECT_EQ(reg.Expire(now + 60'000), 1u);
  EXPECT_EQ(reg.size(), 1u);
  EXPECT_NE(reg.Find("never"), nullptr);
}

TEST(ImageRegistry, ConcurrentPublishersAndReaders) {
  ImageRegistry reg;
  auto plain = std::make_shared<const Bytes>(Pattern(100));
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> found{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        for (int i = 0; i < 50; ++i) {
          auto obj = reg.Find("s" + std::to_string(i));
          if (obj != nullptr) {
            EXPECT_EQ(obj->encrypted_size, 112u);
            found.fetch_add(1);
          }
        }
      }
    });
  }
  for (int round = 0; round < 200; ++round) {
    for (int i = 0; i < 50; ++i) {
      ASSERT_TRUE(reg.PublishIndividual("s" + std::to_string(i), plain, kKey, kIv).ok());
    }
    for (int i = 0; i < 50; i += 2) {
      EXPECT_TRUE(reg.Remove("s" + std::to_string(i)));
    }
  }
  stop = true;
  for (auto& t : readers) {
    t.join();
  }
  EXPECT_EQ(reg.size(), 25u);
  EXPECT_GT(found.load(), 0u);
}

}  // namespace
}  // namespace rcas::control
