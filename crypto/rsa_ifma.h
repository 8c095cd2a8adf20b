#pragma once
// Eight RSA private-key (CRT) or public-key operations at once on AVX-512 IFMA: radix 2^52,
// one operation per 64-bit lane, almost-Montgomery multiplication, fixed 4-bit windows with
// masked table scans, base blinding and a public-key check of every result (docs/rsa-batch.md).
// This is the raw RSA primitive (RFC 8017 RSADP/RSAVP1); padding lives in crypto/rsa_batch.h.

#include <openssl/types.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>

#include "crypto/bytes.h"
#include "crypto/result.h"

namespace rcas::crypto {

inline constexpr int kIfmaLanes = 8;

// IfmaAvailable is true when the CPU (and OS) support AVX-512F, VL, BW and IFMA.
bool IfmaAvailable();

// IfmaEngine picks the implementation: the AVX-512 kernel, or its portable scalar model (same
// algorithm, used by tests and the valgrind constant-time check; slow).
enum class IfmaEngine { kAvx512, kScalar };

// IfmaRsaKey holds one private key's per-key constants for the kernel: primes, CRT exponents
// and Montgomery constants in radix 2^52, computed once. Immutable apart from the blinding pair,
// which is guarded by a mutex, so one key may be used from several threads. Wipes itself.
class IfmaRsaKey {
 public:
  // Create precomputes from an OpenSSL RSA private key. Fails for shapes the kernel does not
  // cover (callers then use OpenSSL): modulus not 1024, 2048 or 3072 bits, primes of unequal
  // bit length, more than two primes, e >= 2^64, missing CRT parameters.
  static Result<std::unique_ptr<IfmaRsaKey>> Create(const EVP_PKEY* key);
  ~IfmaRsaKey();
  IfmaRsaKey(const IfmaRsaKey&) = delete;
  IfmaRsaKey& operator=(const IfmaRsaKey&) = delete;

  int bits() const { return bits_; }
  size_t size() const { return static_cast<size_t>(bits_ / 8); }
  int prime_limbs() const { return prime_limbs_; }

 private:
  friend class IfmaLaneFiller;
  friend class IfmaRsaKeyPeer;  // tests: fault injection
  IfmaRsaKey() = default;
  // NextBlinding writes the next (A = r^e, Ai = r^-1) mod n as little-endian limbs and advances
  // the pair by squaring; a fresh r every kBlindingUses uses (as OpenSSL's BN_BLINDING).
  void NextBlinding(uint64_t* a, uint64_t* ai) const;

  int bits_ = 0;
  int prime_limbs_ = 0;
  uint64_t e_ = 0;
  // Limb vectors (prime_limbs_ or 2 * prime_limbs_ limbs each), one allocation, wiped.
  std::unique_ptr<uint64_t[]> limbs_;
  size_t limb_count_ = 0;
  uint64_t *p_ = nullptr, *q_ = nullptr, *p_one_ = nullptr, *q_one_ = nullptr;
  uint64_t *p_rr_ = nullptr, *q_rr_ = nullptr, *p_to_mont_ = nullptr, *q_to_mont_ = nullptr;
  uint64_t *qinv_r_ = nullptr, *dp_ = nullptr, *dq_ = nullptr;  // dp_/dq_: 64-bit words
  uint64_t *n_ = nullptr, *n_one_ = nullptr, *n_rr_ = nullptr;
  uint64_t k0p_ = 0, k0q_ = 0, k0n_ = 0;

  struct Blinding;
  std::unique_ptr<Blinding> blinding_;
};

// IfmaRsaPublicKey holds a public key's constants for the 8-lane public operation.
class IfmaRsaPublicKey {
 public:
  // Create accepts 1024, 2048 and 3072-bit moduli with e < 2^64.
  static Result<std::unique_ptr<IfmaRsaPublicKey>> Create(const EVP_PKEY* key);
  int bits() const { return bits_; }
  size_t size() const { return static_cast<size_t>(bits_ / 8); }

 private:
  friend class IfmaLaneFiller;
  IfmaRsaPublicKey() = default;
  int bits_ = 0;
  int limbs_ = 0;
  uint64_t e_ = 0;
  uint64_t k0_ = 0;
  std::unique_ptr<uint64_t[]> n_, one_, rr_;
};

// IfmaRsaPrivate computes out[i] = in[i]^d mod n for up to 8 lanes (RSADP with CRT). All keys
// must have the same size and in/out spans are size() octets, big-endian. Returns a bitmask:
// bit i set when lane i's result passed the public-key check (s^e = in mod n) and may be
// released; a lane with in >= n fails. No allocation besides the stack. Thread-safe.
uint32_t IfmaRsaPrivate(std::span<const IfmaRsaKey* const> keys, std::span<const ByteView> in,
                        std::span<const MutableByteView> out,
                        IfmaEngine engine = IfmaEngine::kAvx512);

// IfmaRsaPublic computes out[i] = in[i]^e mod n for up to 8 lanes (RSAEP/RSAVP1). Returns the
// bitmask of lanes computed (in < n).
uint32_t IfmaRsaPublic(std::span<const IfmaRsaPublicKey* const> keys, std::span<const ByteView> in,
                       std::span<const MutableByteView> out,
                       IfmaEngine engine = IfmaEngine::kAvx512);

}  // namespace rcas::crypto
