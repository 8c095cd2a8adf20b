#pragma once
// Normal-mode key schedule (PROFILE §11): Kc_j, MK, MEK / ICCIEK,
// hashed-MEK-ICCIEK, IHK, CHK and the sIGN-kpk input. Pure functions,
// thread-safe; every key comes back in a self-wiping SecretArray. Input sizes
// are fixed by the types: the DER codec has checked SIZE constraints before
// any of these run.

#include <array>
#include <cstdint>
#include <span>

#include "crypto/hash.h"
#include "crypto/secret.h"
#include "protocol/message_type.h"
#include "protocol/milenage.h"

namespace rcas::protocol {

template <size_t N>
using FixedView = std::span<const uint8_t, N>;

inline constexpr size_t kVersionLen = 4;  // hWVersion / sWVersion
inline constexpr size_t kRandLen = 40;    // RAND_IHK, RAND_CHK (PROFILE §2.2)
inline constexpr size_t kKpkLen = 20;     // normal mode (fast mode: 16, §12.1)
inline constexpr size_t kSignKpkInputLen = kKeyPairingIdLen + kKpkLen;

using SecretBlock = crypto::SecretArray<16>;  // 128-bit keys and IVs
using Secret20 = crypto::SecretArray<20>;     // MK, IHK, CHK, KPK

// Fixed views a SecretArray as a fixed-extent span.
template <size_t N>
FixedView<N> Fixed(const crypto::SecretArray<N>& s) {
  return FixedView<N>(s.data(), N);
}

// DeriveKc is Kc_j = GSM-MILENAGE-Kc(Ki_j, OPc_j, RAND_AC_j) (PROFILE §11.3).
Kc DeriveKc(const SecretBlock& ki, const SecretBlock& opc, FixedView<kRandAcLen> rand_ac);

// DeriveMk is MK = SHA-1(CAM_ID || sessionID || Kc_1 || Kc_2 || Kc_3 ||
// NONCE_CAM || HW || SW) (PROFILE §11.4; 66 octets in).
Secret20 DeriveMk(FixedView<kCamIdLen> cam_id, FixedView<kSessionIdLen> session_id,
                  const std::array<Kc, 3>& kc, FixedView<kNonceCamLen> nonce_cam,
                  FixedView<kVersionLen> hw_version, FixedView<kVersionLen> sw_version);

// MekIccIek: X = PRF(MK, 40); MEK = X[0..15], ICCIEK = X[16..31] (§11.4).
struct MekIccIek {
  crypto::AesKey mek;
  crypto::AesKey icciek;
};
MekIccIek DeriveMekIccIek(const Secret20& mk);

// HashMekIccIek is hashed-MEK-ICCIEK = SHA-1(MEK || ICCIEK), the CAMReg
// field the CASS compares in constant time (§11.4, §13.5).
crypto::Sha1Digest HashMekIccIek(const MekIccIek& keys);

// DeriveIhk is IHK = SHA-1(RAND_IHK(40) || cASSIPAddr(50) || KeyPairingID(48))
// (§11.5); RAND_IHK is fresh per KeyResponse.
Secret20 DeriveIhk(FixedView<kRandLen> rand_ihk, FixedView<kCassIpAddrLen> cass_ip_addr,
                   FixedView<kKeyPairingIdLen> key_pairing_id);

// DeriveChk is CHK = SHA-1(RAND_CHK(40) || DER(CASSInfo)), the CASSInfo
// encoded as a standalone SEQUENCE (tag 0x30) by the codec (§11.5).
Secret20 DeriveChk(FixedView<kRandLen> rand_chk, ByteView cass_info_der);

// SignKpkInput is the message the AC root key signs for sIGN-kpk:
// KeyPairingID(48) || KPK(20) (§11.7). Secret because it contains KPK.
crypto::SecretArray<kSignKpkInputLen> SignKpkInput(FixedView<kKeyPairingIdLen> key_pairing_id,
                                                   const Secret20& kpk);

}  // namespace rcas::protocol
