// RegistryPublisher: the engine's per-session objects land in the ImageRegistry with the time
// left converted to the registry's steady clock; bad names are counted, not thrown.
#include "control/image_publisher.h"

#include <gtest/gtest.h>

#include <thread>

#include "crypto/aes.h"
#include "crypto/random.h"

namespace rcas::control {
namespace {

constexpr uint64_t kUnixNow = 1'760'000'000'000;

TEST(RegistryPublisherTest, PublishesAnIndividualObjectExpiringAfterTheTimeLeft) {
  ImageRegistry registry;
  RegistryPublisher publisher(registry, [] { return kUnixNow; });
  const auto plaintext = std::make_shared<const Bytes>(700, 0x5A);
  const crypto::AesKey key(crypto::RandomArray<16>());
  const protocol::SecretBlock iv(crypto::RandomArray<16>());
  const int64_t before = ImageRegistry::NowMs();
  publisher.PublishIndividual("cacs/ind-00.bin", plaintext, key, iv, kUnixNow + 600'000);
  const int64_t after = ImageRegistry::NowMs();
  auto obj = registry.Find("cacs/ind-00.bin");
  ASSERT_TRUE(obj);
  EXPECT_EQ(obj->kind, ImageKind::kIndividual);
  EXPECT_EQ(obj->plaintext, plaintext);  // shared, not copied
  EXPECT_EQ(ToHex(obj->key.view()), ToHex(key.view()));
  EXPECT_EQ(ToHex(obj->iv.view()), ToHex(iv.view()));
  EXPECT_GE(obj->expires_ms, before + 600'000);
  EXPECT_LE(obj->expires_ms, after + 600'000);
  EXPECT_EQ(publisher.published(), 1u);
}

TEST(RegistryPublisherTest, AnObjectAlreadyPastItsExpiryIsGoneAtOnceAndBadNamesAreCounted) {
  ImageRegistry registry;
  RegistryPublisher publisher(registry, [] { return kUnixNow; });
  const auto plaintext = std::make_shared<const Bytes>(16, 1);
  const crypto::AesKey key;
  const protocol::SecretBlock iv;
  publisher.PublishIndividual("late.bin", plaintext, key, iv, kUnixNow - 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(3));
  EXPECT_EQ(registry.Find("late.bin"), nullptr);  // not "never expires"
  publisher.PublishIndividual("../escape.bin", plaintext, key, iv, kUnixNow + 1'000);
  EXPECT_EQ(publisher.refused(), 1u);
  EXPECT_EQ(registry.size(), 1u);  // only the expired one, until Expire
}

}  // namespace
}  // namespace rcas::control
