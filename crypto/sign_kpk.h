#pragma once
// sIGN-kpk (PROFILE §11.7, §22 Q7): the AC root's RSASSA-PKCS1-v1_5/SHA-256 signature over
// KeyPairingID(48) ‖ KPK(20), made once per pairing and checked by the CAM with the AC root
// certificate it holds. Fast mode has none (§23 item 18).

#include "crypto/bytes.h"
#include "crypto/rsa.h"

namespace rcas::crypto {

inline constexpr size_t kKpkLen = 20;

// SignKpk returns the 256-octet sIGN-kpk, or empty if an input has the wrong size.
Bytes SignKpk(const RsaPrivateKey& root_key, ByteView key_pairing_id, ByteView kpk);

// VerifyKpk is true iff `sign_kpk` is the AC root's signature over KeyPairingID ‖ KPK; false for
// wrong-size inputs. A false answers Status 0x05 (PROFILE §14).
bool VerifyKpk(const RsaPublicKey& root_key, ByteView key_pairing_id, ByteView kpk,
               ByteView sign_kpk);

}  // namespace rcas::crypto
