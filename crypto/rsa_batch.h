#pragma once
// Batched RSASSA-PKCS1-v1_5/SHA-256 signing and RSAES-OAEP/SHA-256 decryption (PROFILE §8) on
// the 8-lane IFMA kernel (crypto/rsa_ifma.h), with OpenSSL (crypto/rsa.h) for small batches,
// other CPUs, other key shapes and any lane whose result fails the public-key check. Output is
// byte for byte what RsaPrivateKey produces. The queueing front end is crypto/rsa_batcher.h.

#include <memory>
#include <optional>
#include <span>

#include "crypto/bytes.h"
#include "crypto/rsa.h"
#include "crypto/rsa_ifma.h"
#include "crypto/secret.h"

namespace rcas::crypto {

// RsaBatchKey is a private key plus its kernel constants, computed once. Immutable (the kernel
// key's blinding pair is internally locked); share it between threads by const reference.
class RsaBatchKey {
 public:
  // The kernel path is used only when the CPU has AVX-512 IFMA and the key shape is supported.
  explicit RsaBatchKey(RsaPrivateKey key);

  const RsaPrivateKey& key() const { return key_; }
  // ifma is the kernel key, or nullptr where only OpenSSL applies.
  const IfmaRsaKey* ifma() const { return ifma_.get(); }
  int bits() const { return bits_; }

 private:
  RsaPrivateKey key_;
  std::unique_ptr<IfmaRsaKey> ifma_;
  int bits_;
};

// IfmaBatchMinimum is the smallest group of same-size requests worth one kernel run: below it
// OpenSSL's one-at-a-time path (itself 2-way IFMA for RSA-2048) finishes sooner. Measured
// break-even (perf/crypto/rsa_batch_bench.cc, docs/rsa-batch.md): one 8-lane run costs ~4.6
// OpenSSL RSA-2048 signatures, ~2.0 RSA-1024 ones (2 lanes tie, so 3 is the first gain) and
// ~2.5 RSA-3072 ones (OpenSSL 3.0 has no IFMA path there).
inline size_t IfmaBatchMinimum(int bits) { return bits == 2048 ? 5 : 3; }

struct RsaSignJob {
  const RsaBatchKey* key;
  ByteView msg;
  Bytes* signature;  // out: modulus-sized signature, empty only if OpenSSL itself failed
};

struct RsaDecryptJob {
  const RsaBatchKey* key;
  ByteView cipher;
  std::optional<SecretBytes>* plain;  // out: nullopt on any failure, no reason (PROFILE §14)
};

// SignPkcs1Sha256Batch signs every job; keys and sizes may be mixed (they are grouped).
// Thread-safe for distinct job arrays.
void SignPkcs1Sha256Batch(std::span<const RsaSignJob> jobs);

// DecryptOaepSha256Batch decrypts every job (OAEP check in constant time, RFC 8017 §7.1.2).
void DecryptOaepSha256Batch(std::span<const RsaDecryptJob> jobs);

}  // namespace rcas::crypto
