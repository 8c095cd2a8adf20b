#pragma once
// MILENAGE (3GPP TS 35.206, default r1..r5 / c1..c5) and GSM-MILENAGE
// (3GPP TS 55.205), the Kc algorithm of PROFILE §8 and §11.3. Pure functions
// on AES-128 (crypto::AesEncryptBlock); thread-safe; secrets are returned in
// self-wiping containers.

#include <array>
#include <cstdint>
#include <span>

#include "crypto/secret.h"

namespace rcas::protocol {

inline constexpr size_t kMilenageKeyLen = 16;  // K (Ki), OP, OPc, RAND
inline constexpr size_t kKcLen = 8;
inline constexpr size_t kSresLen = 4;

using Block16View = std::span<const uint8_t, kMilenageKeyLen>;
using Kc = crypto::SecretArray<kKcLen>;

// MilenageOpc is OPc = AES_K(OP) xor OP (TS 35.206 §4.1). The CAM stores
// OPc, never OP (PROFILE §2.3).
crypto::SecretArray<16> MilenageOpc(Block16View k, Block16View op);

// MilenageF1 is f1 / f1* (network and resynchronisation authentication
// codes) for SQN (6 octets) and AMF (2 octets).
struct MilenageMacs {
  std::array<uint8_t, 8> mac_a;  // f1
  std::array<uint8_t, 8> mac_s;  // f1*
};
MilenageMacs MilenageF1(Block16View k, Block16View opc, Block16View rand,
                        std::span<const uint8_t, 6> sqn, std::span<const uint8_t, 2> amf);

// MilenageF2345 is f2 (RES), f3 (CK), f4 (IK), f5 (AK) and f5* (AK*).
struct MilenageVectors {
  crypto::SecretArray<8> res;
  crypto::SecretArray<16> ck;
  crypto::SecretArray<16> ik;
  crypto::SecretArray<6> ak;
  crypto::SecretArray<6> ak_star;
};
MilenageVectors MilenageF2345(Block16View k, Block16View opc, Block16View rand);

// GsmMilenage is the GSM-MILENAGE triplet part of TS 55.205:
// Kc = CK[0..7]^CK[8..15]^IK[0..7]^IK[8..15], SRES = RES[0..3]^RES[4..7].
// SRES is unused by RCAS (PROFILE §8) but pins the vectors.
struct GsmAuth {
  Kc kc;
  std::array<uint8_t, kSresLen> sres;
};
GsmAuth GsmMilenage(Block16View k, Block16View opc, Block16View rand);

}  // namespace rcas::protocol
