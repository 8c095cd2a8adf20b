#pragma once
// Truncate(SHA-x(parts), 8N) straight into a self-wiping container, for the
// key schedule (PROFILE §1.2 Truncate = leftmost bits). Internal helper.

#include <openssl/crypto.h>

#include <array>
#include <initializer_list>

#include "crypto/hash.h"
#include "crypto/secret.h"

namespace rcas::protocol {

// TakeSecret moves the leftmost N octets of `digest` into a SecretArray and
// wipes the digest.
template <size_t N, size_t M>
crypto::SecretArray<N> TakeSecret(std::array<uint8_t, M>& digest) {
  static_assert(N <= M);
  crypto::SecretArray<N> out(ByteView(digest.data(), N));
  OPENSSL_cleanse(digest.data(), M);
  return out;
}

template <size_t N>
crypto::SecretArray<N> Sha1Truncated(std::initializer_list<ByteView> parts) {
  crypto::Sha1Digest d = crypto::Sha1(parts);
  return TakeSecret<N>(d);
}

template <size_t N>
crypto::SecretArray<N> Sha256Truncated(std::initializer_list<ByteView> parts) {
  crypto::Sha256Digest d = crypto::Sha256(parts);
  return TakeSecret<N>(d);
}

}  // namespace rcas::protocol
