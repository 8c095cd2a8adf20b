#pragma once
// J.1002 keys named in J.1003 §3.2.2, in this profile's informative reading
// (PROFILE §11.9): not used on the J.1003 wire, provided so the pairing side
// can be checked against the vectors. Defined for the 20-octet normal-mode
// KPK only (the PRF seed is 20 octets). Pure functions, thread-safe.

#include "protocol/key_schedule.h"

namespace rcas::protocol {

inline constexpr size_t kRandHmacLen = 40;

// DeriveCwek is Truncate(SHA-256(KPK || CAM_ID || DSC_ID), 128).
crypto::AesKey DeriveCwek(const Secret20& kpk, FixedView<kCamIdLen> cam_id,
                          FixedView<kDscIdLen> dsc_id);

// DeriveRandHmac is RAND_HMAC = PRF(KPK, 40).
crypto::SecretArray<kRandHmacLen> DeriveRandHmac(const Secret20& kpk);

// DeriveHmacKey is HMAC_KEY = Truncate(SHA-256(RAND_HMAC || CAM_ID || DSC_ID), 160).
Secret20 DeriveHmacKey(const crypto::SecretArray<kRandHmacLen>& rand_hmac,
                       FixedView<kCamIdLen> cam_id, FixedView<kDscIdLen> dsc_id);

}  // namespace rcas::protocol
