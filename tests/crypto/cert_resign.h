#pragma once
// Re-signing edited certificates with an AC root key, for the certificate differential tests
// and the cert_check fuzz target: an edited TBS gets a valid signature, so the edit reaches the
// checks after the signature (PROFILE §10.4).

#include "crypto/bytes.h"
#include "crypto/cert_der.h"
#include "crypto/rsa.h"

namespace rcas::crypto::testing {

// Tlv is one DER element with a shortest-form length.
inline Bytes Tlv(uint8_t tag, ByteView contents) {
  Bytes out{tag};
  const size_t len = contents.size();
  if (len < 0x80) {
    out.push_back(static_cast<uint8_t>(len));
  } else {
    int octets = len > 0xffff ? 3 : (len > 0xff ? 2 : 1);
    out.push_back(static_cast<uint8_t>(0x80 | octets));
    for (int i = octets - 1; i >= 0; --i) {
      out.push_back(static_cast<uint8_t>(len >> (8 * i)));
    }
  }
  Append(out, contents);
  return out;
}

// TbsOf is the TBSCertificate element of a well-formed certificate (empty if it is not).
inline Bytes TbsOf(ByteView cert) {
  DerCursor in(cert);
  ByteView body;
  ByteView contents;
  ByteView tbs;
  if (!in.Read(kDerSequence, &body)) {
    return {};
  }
  DerCursor c(body);
  return c.Read(kDerSequence, &contents, &tbs) ? Bytes(tbs.begin(), tbs.end()) : Bytes{};
}

// Resign wraps `tbs` (any octets) into a certificate signed sha256WithRSAEncryption by `key`.
inline Bytes Resign(ByteView tbs, const RsaPrivateKey& key) {
  static constexpr uint8_t kSha256WithRsa[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                               0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00};
  Bytes bits{0};
  Append(bits, key.SignPkcs1Sha256(tbs));
  Bytes body(tbs.begin(), tbs.end());
  Append(body, kSha256WithRsa);
  Append(body, Tlv(kDerBitString, bits));
  return Tlv(kDerSequence, body);
}

}  // namespace rcas::crypto::testing
