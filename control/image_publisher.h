#pragma once
// RegistryPublisher: the engine's ImagePublisher (control/campaign.h) on the ImageRegistry the
// image servers read (control/image_registry.h). Per-session objects (§17.1 ICCI, fast-mode
// CCCI of §22 Q3) become individual registry objects, encrypted on the fly per download.
//
// The engine states expiries in Unix milliseconds, the registry on its steady clock; the
// adapter converts with the time left, so a wall-clock step does not shorten an object's life.
// Called on the engine thread; the registry takes its own lock. A refused object (bad fn) is
// counted, never thrown: the CAM's download fails and it answers RenewConfirm(FALSE).

#include <atomic>
#include <cstdint>
#include <functional>

#include "control/campaign.h"
#include "control/image_registry.h"

namespace rcas::control {

class RegistryPublisher : public ImagePublisher {
 public:
  // `unix_now_ms` is the engine's clock (default: the system clock). `registry` must outlive it.
  explicit RegistryPublisher(ImageRegistry& registry,
                             std::function<uint64_t()> unix_now_ms = nullptr);

  void PublishIndividual(const std::string& fn, std::shared_ptr<const Bytes> plaintext,
                         const crypto::AesKey& key, const protocol::SecretBlock& iv,
                         uint64_t expires_ms) override;

  uint64_t published() const { return published_.load(std::memory_order_relaxed); }
  uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }

 private:
  ImageRegistry& registry_;
  std::function<uint64_t()> unix_now_ms_;
  std::atomic<uint64_t> published_{0};
  std::atomic<uint64_t> refused_{0};
};

}  // namespace rcas::control
