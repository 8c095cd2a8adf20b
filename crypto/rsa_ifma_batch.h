#pragma once
// Lane-interleaved operands of the 8-lane RSA kernel (crypto/rsa_ifma_kernel.h).
// Numbers are little-endian radix-2^52 limbs; limb i of lane l sits at [i * kLanes + l], so one
// 64-byte row is one zmm register. Filled by crypto/rsa_ifma.cc, consumed by the AVX-512 kernel
// and by its portable scalar model, which run the same algorithm on the same structs.

#include <cstdint>

namespace rcas::crypto::ifma {

inline constexpr int kLanes = 8;
inline constexpr int kLimbBits = 52;
inline constexpr uint64_t kLimbMask = (uint64_t{1} << kLimbBits) - 1;
// Fixed window: 16-entry table, 4 squarings per multiply. A 32-entry table of 20-limb rows
// (40 KiB) does not fit a 32 KiB L1D; the scans then cost more than the multiplies saved.
inline constexpr int kWindowBits = 4;

// ModulusRows: an odd modulus m with L limbs and its Montgomery constants (R = 2^(52 L)).
template <int L>
struct ModulusRows {
  alignas(64) uint64_t m[L * kLanes];
  alignas(64) uint64_t one[L * kLanes];  // R mod m (Montgomery form of 1)
  alignas(64) uint64_t rr[L * kLanes];   // R^2 mod m
  alignas(64) uint64_t k0[kLanes];       // -m^-1 mod 2^52
};

// PrimeRows: one CRT half. The exponent is stored as 64-bit words for window extraction.
template <int L>
struct PrimeRows {
  static constexpr int kExpWords = (L * kLimbBits + 63) / 64 + 1;  // +1: windows may straddle
  ModulusRows<L> mod;
  alignas(64) uint64_t to_mont[L * kLanes];      // R^5 mod p: REDC(AMM_n(c, A)) -> c A R mod p
  alignas(64) uint64_t qinv_r[L * kLanes];       // qInv R mod p (used on the p half only)
  alignas(64) uint64_t exp[kExpWords * kLanes];  // dP or dQ
};

// PublicBatch: out = in^e mod n on eight lanes (any key per lane, same size).
template <int Ln>
struct PublicBatch {
  ModulusRows<Ln> n;
  alignas(64) uint64_t e[kLanes];
  alignas(64) uint64_t in[Ln * kLanes];
  alignas(64) uint64_t out[Ln * kLanes];
};

// PrivateBatch: CRT private operation with base blinding and a public-key check of the result.
// in is c < n; a = r^e mod n and ai = r^-1 mod n are the lane's blinding pair.
template <int Lp>
struct PrivateBatch {
  static constexpr int kLn = 2 * Lp;
  PrimeRows<Lp> p;
  PrimeRows<Lp> q;
  ModulusRows<kLn> n;
  alignas(64) uint64_t e[kLanes];
  alignas(64) uint64_t a[kLn * kLanes];
  alignas(64) uint64_t ai[kLn * kLanes];
  alignas(64) uint64_t in[kLn * kLanes];
  alignas(64) uint64_t out[kLn * kLanes];
  int exp_bits;  // bit length of p and q (public): the number of windows scanned
};

// Each engine returns a bitmask of lanes whose signature s satisfies s^e = c mod n.
template <int Lp>
uint32_t PrivateAvx512(PrivateBatch<Lp>& b);
template <int Lp>
uint32_t PrivateScalar(PrivateBatch<Lp>& b);
template <int Ln>
void PublicAvx512(PublicBatch<Ln>& b);
template <int Ln>
void PublicScalar(PublicBatch<Ln>& b);

}  // namespace rcas::crypto::ifma
