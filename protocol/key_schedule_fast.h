#pragma once
// Fast-mode key schedule (J.1003 Annex B, PROFILE §12): AK from the PRF, then
// every session key and IV as Truncate(SHA-1(pad(63) || AK), 128). Pure
// functions, thread-safe; results in self-wiping containers.

#include <cstdint>

#include "protocol/key_schedule.h"

namespace rcas::protocol {

// The 63-octet pads of PROFILE §12.1. The four IV pads are this profile's
// choice (complements of the key pads, §20 D8).
inline constexpr size_t kFastPadLen = 63;
inline constexpr uint8_t kAkPad = 0xA3;
inline constexpr uint8_t kIccIekPad = 0xA6;
inline constexpr uint8_t kCccIekPad = 0xAC;
inline constexpr uint8_t kMekPad = 0x3A;
inline constexpr uint8_t kMakPad = 0x6A;
inline constexpr uint8_t kKpkPad = 0xCA;
inline constexpr uint8_t kIccIekIvPad = 0x59;
inline constexpr uint8_t kCccIekIvPad = 0x53;
inline constexpr uint8_t kMekIvPad = 0xC5;
inline constexpr uint8_t kMakIvPad = 0x95;

// DeriveAkSeed is SHA-1(0xA3*63 || CAM_ID || sessionID || NONCE_CAM || HW || SW),
// the PRF seed of AK (§12.1). NONCE_CAM is drawn by the AC (§12.2).
Secret20 DeriveAkSeed(FixedView<kCamIdLen> cam_id, FixedView<kSessionIdLen> session_id,
                      FixedView<kNonceCamLen> nonce_cam, FixedView<kVersionLen> hw_version,
                      FixedView<kVersionLen> sw_version);

// DeriveAk is AK = Truncate(PRF(seed, 16), 128) (§12.1). AC-internal.
crypto::AesKey DeriveAk(const Secret20& ak_seed);

// DerivePadKey is Truncate(SHA-1(pad*63 || AK), 128).
SecretBlock DerivePadKey(uint8_t pad, const crypto::AesKey& ak);

// FastModeKeys: what the CAM and CASS derive from AK (§12.1). MAK is the
// session's integrity key; MAK-IV is derived but unused (§12.2); KPK is the
// 16-octet fast-mode KPK (§23.18).
struct FastModeKeys {
  crypto::AesKey icciek;
  crypto::AesKey ccciek;
  crypto::AesKey mek;
  crypto::AesKey mak;
  SecretBlock kpk;
  SecretBlock icciek_iv;
  SecretBlock ccciek_iv;
  SecretBlock mek_iv;
  SecretBlock mak_iv;
};
FastModeKeys DeriveFastModeKeys(const crypto::AesKey& ak);

}  // namespace rcas::protocol
