// VerifyPkcs1Sha256Batch (crypto/rsa_verify_batch.h): group the jobs by modulus size, run eight
// public operations per kernel call, and compare each result with the expected EMSA-PKCS1-v1_5
// encoding 00 01 FF..FF 00 || DigestInfo(SHA-256) || H (RFC 8017 §9.2).

#include "crypto/rsa_verify_batch.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "crypto/hash.h"

namespace rcas::crypto {
namespace {

constexpr std::array<uint8_t, 19> kSha256DigestInfo = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60,
                                                       0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                                       0x01, 0x05, 0x00, 0x04, 0x20};
constexpr size_t kMaxModulus = 384;  // 3072 bits, the kernel's largest

// ExpectedEncoding writes EM for `msg` into em (k octets).
void ExpectedEncoding(ByteView msg, MutableByteView em) {
  const size_t k = em.size();
  const Sha256Digest h = Sha256(msg);
  em[0] = 0x00;
  em[1] = 0x01;
  const size_t ps = k - 3 - kSha256DigestInfo.size() - h.size();
  std::memset(em.data() + 2, 0xff, ps);
  em[2 + ps] = 0x00;
  std::memcpy(em.data() + 3 + ps, kSha256DigestInfo.data(), kSha256DigestInfo.size());
  std::memcpy(em.data() + 3 + ps + kSha256DigestInfo.size(), h.data(), h.size());
}

// RunLanes verifies up to eight jobs of one modulus size on the kernel.
void RunLanes(std::span<const RsaVerifyJob* const> lanes) {
  const size_t k = lanes[0]->key->ifma()->size();
  std::array<const IfmaRsaPublicKey*, kIfmaLanes> keys{};
  std::array<ByteView, kIfmaLanes> in{};
  std::array<std::array<uint8_t, kMaxModulus>, kIfmaLanes> out{};
  std::array<MutableByteView, kIfmaLanes> out_views{};
  for (size_t i = 0; i < lanes.size(); ++i) {
    keys[i] = lanes[i]->key->ifma();
    in[i] = lanes[i]->signature;
    out_views[i] = MutableByteView(out[i].data(), k);
  }
  const uint32_t computed =
      IfmaRsaPublic(std::span(keys.data(), lanes.size()), std::span(in.data(), lanes.size()),
                    std::span(out_views.data(), lanes.size()));
  std::array<uint8_t, kMaxModulus> em{};
  for (size_t i = 0; i < lanes.size(); ++i) {
    ExpectedEncoding(lanes[i]->msg, MutableByteView(em.data(), k));
    *lanes[i]->ok = ((computed >> i) & 1) != 0 && std::memcmp(em.data(), out[i].data(), k) == 0;
  }
}

}  // namespace

RsaBatchPublicKey::RsaBatchPublicKey(RsaPublicKey key) : key_(std::move(key)), bits_(0) {
  if (IfmaAvailable()) {
    auto ifma = IfmaRsaPublicKey::Create(key_.get());
    if (ifma.ok()) {
      ifma_ = std::move(ifma.value());
      bits_ = ifma_->bits();
    }
  }
}

void VerifyPkcs1Sha256Batch(std::span<const RsaVerifyJob> jobs) {
  // Jobs the kernel takes, by modulus size; the rest (no kernel key, wrong signature length)
  // go to OpenSSL, which also refuses a signature of the wrong length.
  std::vector<const RsaVerifyJob*> kernel;
  kernel.reserve(jobs.size());
  for (const RsaVerifyJob& j : jobs) {
    const IfmaRsaPublicKey* ifma = j.key->ifma();
    if (ifma != nullptr && j.signature.size() == ifma->size()) {
      kernel.push_back(&j);
    } else {
      *j.ok = j.key->key().VerifyPkcs1Sha256(j.msg, j.signature);
    }
  }
  std::stable_sort(kernel.begin(), kernel.end(), [](const RsaVerifyJob* a, const RsaVerifyJob* b) {
    return a->key->bits() < b->key->bits();
  });
  for (size_t at = 0; at < kernel.size();) {
    size_t end = at;
    while (end < kernel.size() && end - at < size_t(kIfmaLanes) &&
           kernel[end]->key->bits() == kernel[at]->key->bits()) {
      ++end;
    }
    if (end - at < kVerifyBatchMinimum) {
      for (size_t i = at; i < end; ++i) {
        *kernel[i]->ok =
            kernel[i]->key->key().VerifyPkcs1Sha256(kernel[i]->msg, kernel[i]->signature);
      }
    } else {
      RunLanes(std::span(kernel.data() + at, end - at));
    }
    at = end;
  }
}

}  // namespace rcas::crypto
