#pragma once
// Test-only access to IfmaRsaKey internals (fault injection).

#include "crypto/rsa_ifma.h"

namespace rcas::crypto {

class IfmaRsaKeyPeer {
 public:
  // FlipDpBit corrupts the CRT exponent dP, as a glitch in key storage would.
  static void FlipDpBit(IfmaRsaKey& key, int bit) {
    key.dp_[bit / 64] ^= uint64_t{1} << (bit % 64);
  }
};

}  // namespace rcas::crypto
