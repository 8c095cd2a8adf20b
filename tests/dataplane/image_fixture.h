#pragma once
// A loopback image server on ephemeral ports with a registry, and helpers to
// check what a client fetched: decrypt (OpenSSL) and compare SHA-1 with the
// plaintext (PROFILE §17.2).

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "control/image_registry.h"
#include "crypto/aes.h"
#include "crypto/hash.h"
#include "dataplane/image_server.h"

namespace rcas::dataplane {

inline Bytes TestPattern(size_t n, uint8_t seed) {
  Bytes out(n);
  uint32_t x = 0x9e3779b9u * (seed + 1u);
  for (auto& b : out) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b = static_cast<uint8_t>(x);
  }
  return out;
}

inline Bytes TestKey(uint8_t seed) { return Bytes(16, seed); }

class ImageServerTest : public ::testing::Test {
 protected:
  void StartServer(ImageServerOptions o = {}) {
    o.http = {{"127.0.0.1", 0}, {"::1", 0}};
    o.tftp = {{"127.0.0.1", 0}, {"::1", 0}};
    server_ = std::make_unique<ImageServer>(registry_, o);
    ASSERT_TRUE(server_->Start().ok());
    http_port_ = server_->http_ports()[0];
    http6_port_ = server_->http_ports()[1];
    tftp_port_ = server_->tftp_ports()[0];
    tftp6_port_ = server_->tftp_ports()[1];
  }
  void TearDown() override {
    if (server_ != nullptr) {
      server_->Stop();
    }
  }

  // Publish an object of `n` octets; individual ones use key/IV seeded by `seed`.
  Bytes Publish(const std::string& fn, size_t n, bool individual, uint8_t seed = 1) {
    Bytes plain = TestPattern(n, seed);
    if (individual) {
      EXPECT_TRUE(registry_
                      .PublishIndividual(fn, std::make_shared<const Bytes>(plain), TestKey(seed),
                                         TestKey(seed + 100))
                      .ok());
    } else {
      EXPECT_TRUE(registry_.PublishCommon(fn, plain, TestKey(seed), TestKey(seed + 100)).ok());
    }
    return plain;
  }

  // Decrypts `got` with the seed's key and IV and compares SHA-1 with `plain`.
  static void ExpectImage(const Bytes& got, const Bytes& plain, uint8_t seed = 1) {
    const auto dec = crypto::AesCbcDecrypt(TestKey(seed), TestKey(seed + 100), got);
    ASSERT_TRUE(dec.has_value()) << "bad padding or length " << got.size();
    EXPECT_EQ(crypto::Sha1(*dec), crypto::Sha1(plain));
  }

  control::ImageRegistry registry_;
  std::unique_ptr<ImageServer> server_;
  uint16_t http_port_ = 0, http6_port_ = 0, tftp_port_ = 0, tftp6_port_ = 0;
};

}  // namespace rcas::dataplane
