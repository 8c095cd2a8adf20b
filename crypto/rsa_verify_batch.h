#pragma once
// Batched RSASSA-PKCS1-v1_5/SHA-256 verification (RFC 8017 §8.2.2, PROFILE §4.2) on the 8-lane
// IFMA kernel's public operation (crypto/rsa_ifma.h), OpenSSL for lone jobs, other CPUs and
// other key shapes. Same verdicts as RsaPublicKey::VerifyPkcs1Sha256: the signature is exactly
// the modulus size, below the modulus, and s^e mod n equals the one valid encoding of
// SHA-256(msg). Public data only: nothing here needs constant time.

#include <memory>
#include <span>

#include "crypto/bytes.h"
#include "crypto/rsa.h"
#include "crypto/rsa_ifma.h"

namespace rcas::crypto {

// RsaBatchPublicKey is a public key plus its kernel constants, computed once. Immutable.
class RsaBatchPublicKey {
 public:
  explicit RsaBatchPublicKey(RsaPublicKey key);
  const RsaPublicKey& key() const { return key_; }
  // ifma is the kernel key, or nullptr where only OpenSSL applies.
  const IfmaRsaPublicKey* ifma() const { return ifma_.get(); }
  int bits() const { return bits_; }

 private:
  RsaPublicKey key_;
  std::unique_ptr<IfmaRsaPublicKey> ifma_;
  int bits_;
};

struct RsaVerifyJob {
  const RsaBatchPublicKey* key;
  ByteView msg;
  ByteView signature;
  bool* ok;  // out
};

// kVerifyBatchMinimum: a smaller group goes to OpenSSL one at a time. Measured break-even
// (perf/crypto/rsa_verify_bench.cc): one 8-lane run costs ~2.4 OpenSSL verifications.
inline constexpr size_t kVerifyBatchMinimum = 3;

// VerifyPkcs1Sha256Batch verifies every job; keys and sizes may be mixed (they are grouped).
// Thread-safe for distinct job arrays.
void VerifyPkcs1Sha256Batch(std::span<const RsaVerifyJob> jobs);

}  // namespace rcas::crypto
