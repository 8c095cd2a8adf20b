#pragma once
// The CAM's checks that the reference CAM (tools/cam_*.cc) and `rcasctl demo` share: a
// KeyResponse / KeyRegResponse in the order of PROFILE §13.4 with the Status each failure gets,
// and a downloaded CACS image (§17.2). Thread-compatible; allocates.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/bytes.h"
#include "crypto/hash.h"
#include "crypto/rsa.h"
#include "crypto/secret.h"
#include "crypto/x509.h"
#include "protocol/content.h"
#include "protocol/protect_signed.h"

namespace rcas::tools {

// ImageVerdict is the outcome of §17.2 on one downloaded object.
enum class ImageVerdict : uint8_t { kOk, kBadPadding, kHashMismatch };

// CheckImage decrypts `object` with AES-128-CBC(key, iv) (§17.1), strips PKCS#7 and compares
// SHA-1 of the plaintext with `expected_sha1` in constant time. Both failures answer Status
// 0x03 (§13.8). On kOk `plain` (if not null) receives the image.
ImageVerdict CheckImage(ByteView object, ByteView key, ByteView iv, ByteView expected_sha1,
                        Bytes* plain = nullptr);

// CheckedResponse is a KeyResponse / KeyRegResponse that passed CheckCassResponse: `value`
// views the message given to it, `secret` views `plain`.
template <protocol::Content Msg, protocol::Content Secret>
struct CheckedResponse {
  protocol::SignedMessage parsed;
  Msg value{};
  crypto::SecretBytes plain;
  Secret secret{};
  crypto::CassId cass_id{};  // from the checked CASS certificate
};

// CheckVerdict reports one named check and returns `ok` (a trace line, a report line).
using CheckVerdict = std::function<bool(std::string_view what, bool ok)>;

// CheckCassResponse runs the CAM's checks of §13.4 / §13.12 in order: framing and content,
// sessionID, CASS certificate bound to `expected_cass_id` (validity only with `trusted_now`,
// §10.4), signature, OAEP with `cam_key`, inner DER (RAND_AC distinct). sIGN-kpk is the
// caller's (normal mode only, §23.18). Returns 0, or the code of the unkeyed Status the CAM
// answers (§14, §23.10). The nonce was matched by the caller.
template <protocol::Content Msg, protocol::Content Secret>
uint8_t CheckCassResponse(ByteView message, ByteView session_id,
                          const crypto::RsaPrivateKey& cam_key, const crypto::TrustAnchor& root,
                          ByteView expected_cass_id, std::optional<int64_t> trusted_now,
                          const CheckVerdict& check, CheckedResponse<Msg, Secret>* out) {
  if (!check(
          "framing and content",
          protocol::ParseSigned(message, &out->parsed) == protocol::ProtectError::kOk &&
              protocol::Decode(out->parsed.content, &out->value) == protocol::DecodeError::kNone)) {
    return 0x81;
  }
  const Msg& v = out->value;
  if (!check("sessionID", crypto::ConstantTimeEqual(v.session_id, session_id))) {
    return 0x82;
  }
  const crypto::CassCertResult cert =
      crypto::CheckCassCertificate(root, v.cass_certificate, expected_cass_id, trusted_now);
  if (!check("CASS certificate (" + std::string(crypto::CertCheckName(cert.reason)) + ")",
             cert.ok())) {
    return 0x05;
  }
  out->cass_id = cert.id;
  if (!check("RSA signature", protocol::VerifySigned(out->parsed, *cert.subject_key) ==
                                  protocol::ProtectError::kOk)) {
    return 0x05;
  }
  auto plain = cam_key.DecryptOaepSha256(v.rsa_encrypted_content);
  if (!check("OAEP decryption", plain.has_value())) {
    return 0x84;
  }
  out->plain = std::move(*plain);
  if (!check("confidential content (DER, RAND_AC distinct)",
             protocol::Decode(out->plain.view(), &out->secret) == protocol::DecodeError::kNone)) {
    return 0x81;
  }
  return 0;
}

}  // namespace rcas::tools
