#include "control/image_publisher.h"

#include <chrono>

namespace rcas::control {

RegistryPublisher::RegistryPublisher(ImageRegistry& registry, std::function<uint64_t()> unix_now_ms)
    : registry_(registry), unix_now_ms_(std::move(unix_now_ms)) {
  if (!unix_now_ms_) {
    unix_now_ms_ = [] {
      return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count());
    };
  }
}

void RegistryPublisher::PublishIndividual(const std::string& fn,
                                          std::shared_ptr<const Bytes> plaintext,
                                          const crypto::AesKey& key,
                                          const protocol::SecretBlock& iv, uint64_t expires_ms) {
  const uint64_t now = unix_now_ms_();
  // At least 1 ms left: 0 would mean "never expires" to the registry.
  const int64_t left = expires_ms > now ? static_cast<int64_t>(expires_ms - now) : 1;
  Status st = registry_.PublishIndividual(fn, std::move(plaintext), key.view(), iv.view(),
                                          ImageRegistry::NowMs() + left);
  (st.ok() ? published_ : refused_).fetch_add(1, std::memory_order_relaxed);
}

}  // namespace rcas::control
