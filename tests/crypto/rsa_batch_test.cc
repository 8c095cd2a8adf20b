#include "crypto/rsa_batch.h"

#include <gtest/gtest.h>

#include <future>
#include <vector>

#include "crypto/hash.h"
#include "crypto/random.h"
#include "crypto/rsa_batcher.h"
#include "tests/common/vectors.h"
#include "tests/crypto/rsa_ifma_testing.h"

namespace rcas::crypto {
namespace {

std::shared_ptr<const RsaBatchKey> NewKey(int bits) {
  auto key = RsaPrivateKey::Generate(bits);
  EXPECT_TRUE(key.ok());
  return std::make_shared<const RsaBatchKey>(std::move(key.value()));
}

Bytes RandomMessage(size_t max_len) {
  Bytes m(RandomU64() % (max_len + 1));
  RandomBytes(m);
  return m;
}

// ExpectSignaturesMatch signs `count` random messages (keys round-robin) in one batch call and
// compares each with RsaPrivateKey::SignPkcs1Sha256 (deterministic, so byte for byte).
void ExpectSignaturesMatch(const std::vector<std::shared_ptr<const RsaBatchKey>>& keys,
                           size_t count) {
  std::vector<Bytes> msgs, sigs(count);
  std::vector<RsaSignJob> jobs;
  for (size_t i = 0; i < count; ++i) {
    msgs.push_back(RandomMessage(300));
  }
  for (size_t i = 0; i < count; ++i) {
    jobs.push_back({keys[i % keys.size()].get(), msgs[i], &sigs[i]});
  }
  SignPkcs1Sha256Batch(jobs);
  for (size_t i = 0; i < count; ++i) {
    const RsaPrivateKey& key = keys[i % keys.size()]->key();
    EXPECT_EQ(ToHex(sigs[i]), ToHex(key.SignPkcs1Sha256(msgs[i]))) << "job " << i;
    EXPECT_TRUE(key.Public().VerifyPkcs1Sha256(msgs[i], sigs[i]));
  }
}

TEST(RsaBatch, KernelIsUsedWhereTheCpuHasIfma) {
  auto key = NewKey(2048);
  EXPECT_EQ(key->ifma() != nullptr, IfmaAvailable());
}

TEST(RsaBatch, Pkcs1Sha256SignaturesMatchOpenSslForBatchesOfOneToNine) {
  std::vector<std::shared_ptr<const RsaBatchKey>> keys = {NewKey(2048), NewKey(2048), NewKey(2048)};
  const int rounds = testing::Soak() ? 200 : 3;
  for (int r = 0; r < rounds; ++r) {
    for (size_t count = 1; count <= kIfmaLanes + 1; ++count) {
      ExpectSignaturesMatch(keys, count);
    }
  }
}

TEST(RsaBatch, Rsa1024AndMixedSizesInOneCallAreGroupedCorrectly) {
  std::vector<std::shared_ptr<const RsaBatchKey>> keys = {NewKey(1024), NewKey(2048), NewKey(1024)};
  ExpectSignaturesMatch(keys, 2);
  ExpectSignaturesMatch(keys, 8);
  ExpectSignaturesMatch(keys, 17);
}

TEST(RsaBatch, SignaturesWithTheProfileKeyMatchOpenSsl) {
  auto key = RsaPrivateKey::FromPem(rcas::testing::ReadFile("vectors/pki/cass.key.pem"));
  ASSERT_TRUE(key.ok());
  ExpectSignaturesMatch({std::make_shared<const RsaBatchKey>(std::move(key.value()))}, 8);
}

TEST(RsaBatch, OaepDecryptionMatchesOpenSslForEveryPlaintextLength) {
  std::vector<std::shared_ptr<const RsaBatchKey>> keys = {NewKey(2048), NewKey(2048)};
  const size_t max_len = 256 - 2 * kSha256Len - 2;  // 190
  std::vector<Bytes> plains, ciphers;
  for (size_t len = 0; len <= max_len; ++len) {
    Bytes p(len);
    RandomBytes(p);
    auto c = keys[len % 2]->key().Public().EncryptOaepSha256(p);
    ASSERT_TRUE(c.ok());
    plains.push_back(p);
    ciphers.push_back(c.value());
  }
  for (size_t start = 0; start < plains.size(); start += kIfmaLanes) {
    const size_t n = std::min<size_t>(kIfmaLanes, plains.size() - start);
    std::vector<std::optional<SecretBytes>> out(n);
    std::vector<RsaDecryptJob> jobs;
    for (size_t i = 0; i < n; ++i) {
      jobs.push_back({keys[(start + i) % 2].get(), ciphers[start + i], &out[i]});
    }
    DecryptOaepSha256Batch(jobs);
    for (size_t i = 0; i < n; ++i) {
      ASSERT_TRUE(out[i].has_value()) << "length " << start + i;
      EXPECT_EQ(ToHex(out[i]->view()), ToHex(plains[start + i]));
    }
  }
}

TEST(RsaBatch, MalformedOaepCiphertextsFailLikeOpenSsl) {
  auto key = NewKey(2048);
  Bytes good_plain(122, 0x5a);
  Bytes good = key->key().Public().EncryptOaepSha256(good_plain).value();
  Bytes flipped = good;
  flipped[100] ^= 1;
  Bytes random_c = testing::RandomBelowModulus(key->key().get());
  Bytes too_big = testing::Modulus(key->key().get());  // c = n
  Bytes short_c(255, 1);
  std::vector<Bytes> inputs = {good, flipped, random_c, too_big, short_c, good, flipped, good};
  std::vector<std::optional<SecretBytes>> out(inputs.size());
  std::vector<RsaDecryptJob> jobs;
  for (size_t i = 0; i < inputs.size(); ++i) {
    jobs.push_back({key.get(), inputs[i], &out[i]});
  }
  DecryptOaepSha256Batch(jobs);
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::optional<SecretBytes> ref = key->key().DecryptOaepSha256(inputs[i]);
    ASSERT_EQ(out[i].has_value(), ref.has_value()) << "input " << i;
    if (ref) {
      EXPECT_EQ(ToHex(out[i]->view()), ToHex(ref->view()));
    }
  }
  EXPECT_TRUE(out[0].has_value());
  EXPECT_FALSE(out[1].has_value());
  EXPECT_FALSE(out[3].has_value());
}

TEST(RsaBatcher, LoneRequestIsServedAtOnceWithoutWaitingForABatch) {
  auto key = NewKey(2048);
  RsaBatcher batcher(1, 64);
  Bytes msg = RandomMessage(50);
  std::promise<Bytes> sig;
  ASSERT_TRUE(batcher.TrySign(key, msg, [&](Bytes s) { sig.set_value(std::move(s)); }));
  auto fut = sig.get_future();
  // No timer: the worker takes the single job immediately (generous bound for a loaded host).
  ASSERT_EQ(fut.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(fut.get(), key->key().SignPkcs1Sha256(msg));
  EXPECT_EQ(batcher.stats().largest_take, 1u);
}

TEST(RsaBatcher, QueuedJobsAreTakenTogetherUpToEight) {
  auto key = NewKey(2048);
  RsaBatcher batcher(1, 64, /*start=*/false);
  std::vector<Bytes> msgs, sigs(10);
  std::vector<std::promise<void>> done(10);
  for (size_t i = 0; i < 10; ++i) {
    msgs.push_back(RandomMessage(80));
    ASSERT_TRUE(batcher.TrySign(key, msgs[i], [&, i](Bytes s) {
      sigs[i] = std::move(s);
      done[i].set_value();
    }));
  }
  batcher.Start();
  for (auto& d : done) {
    d.get_future().wait();
  }
  EXPECT_EQ(batcher.stats().batches, 2u);  // 8, then the remaining 2
  EXPECT_EQ(batcher.stats().largest_take, kIfmaLanes);
  for (size_t i = 0; i < 10; ++i) {
    EXPECT_EQ(sigs[i], key->key().SignPkcs1Sha256(msgs[i]));
  }
}

TEST(RsaBatcher, RunJobsShareTheQueueAndABatchWithSignatures) {
  auto key = NewKey(2048);
  RsaBatcher batcher(1, 4, /*start=*/false);
  const Bytes msg = RandomMessage(40);
  std::promise<Bytes> sig;
  std::promise<std::thread::id> ran;
  ASSERT_TRUE(batcher.TryRun([&] { ran.set_value(std::this_thread::get_id()); }));
  ASSERT_TRUE(batcher.TrySign(key, msg, [&](Bytes s) { sig.set_value(std::move(s)); }));
  batcher.Start();
  EXPECT_NE(ran.get_future().get(), std::this_thread::get_id());  // on a worker
  EXPECT_EQ(sig.get_future().get(), key->key().SignPkcs1Sha256(msg));
  while (batcher.stats().jobs < 2) {  // counted after the completions ran
    std::this_thread::yield();
  }
  EXPECT_EQ(batcher.stats().batches, 1u);
}

TEST(RsaBatcher, FullQueueRefusesSoTheCallerCanAnswerBusy) {
  auto key = NewKey(1024);
  RsaBatcher batcher(1, 3, /*start=*/false);
  int completed = 0;
  std::mutex mu;
  auto done = [&](Bytes) {
    std::lock_guard<std::mutex> lock(mu);
    ++completed;
  };
  EXPECT_TRUE(batcher.TrySign(key, Bytes{1}, done));
  EXPECT_TRUE(batcher.TrySign(key, Bytes{2}, done));
  EXPECT_TRUE(batcher.TryDecrypt(key, Bytes(128, 3), [&](std::optional<SecretBytes> p) {
    EXPECT_FALSE(p.has_value());
    done({});
  }));
  EXPECT_FALSE(batcher.TrySign(key, Bytes{4}, done));
  batcher.Start();
  while (batcher.stats().jobs < 3) {
    std::this_thread::yield();
  }
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(completed, 3);
}

}  // namespace
}  // namespace rcas::crypto
