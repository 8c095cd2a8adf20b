// `rcasctl decode` checks of the four RSA-signed types (PROFILE §9.4): the signature with the
// key of the content's own certificate, the certificate against --root (§10.4), the OAEP
// rSAEncryptedContent with --cam-key (§8) and a KeyResponse's sIGN-kpk (§11.7).

#include <ctime>
#include <optional>
#include <string>

#include "crypto/sign_kpk.h"
#include "crypto/x509_issue.h"
#include "protocol/content.h"
#include "protocol/protect_signed.h"
#include "tools/rcasctl/decode_checks.h"

namespace rcas::tools {

using protocol::DecodeError;
using protocol::MessageType;
using protocol::ProtectError;

namespace {

// SignedParts: the fields of a signed content that the checks need (views into the DER).
struct SignedParts {
  bool from_cam = false;  // KeyRequest / KeyRegRequest: signed by the CAM key
  ByteView session_id;
  ByteView certificate;
  ByteView key_pairing_id;  // CAM requests only
  ByteView cam_id_field;    // KeyRegRequest only
  ByteView rsa_encrypted;   // responses only
  ByteView sign_kpk;        // KeyResponse only
};

DecodeError SignedPartsOf(MessageType type, ByteView der, SignedParts* out) {
  switch (type) {
    case MessageType::kKeyRequest: {
      protocol::KeyRequestContent c;
      const DecodeError e = protocol::Decode(der, &c);
      *out = {true, c.session_id, c.cam_certificate, c.key_pairing_id, {}, {}, {}};
      return e;
    }
    case MessageType::kKeyRegRequest: {
      protocol::KeyRegRequestContent c;
      const DecodeError e = protocol::Decode(der, &c);
      *out = {true, c.session_id, c.cam_certificate, c.key_pairing_id, c.cam_id, {}, {}};
      return e;
    }
    case MessageType::kKeyResponse: {
      protocol::KeyResponseContent c;
      const DecodeError e = protocol::Decode(der, &c);
      *out = {false, c.session_id, c.cass_certificate, {}, {}, c.rsa_encrypted_content, c.sign_kpk};
      return e;
    }
    default: {
      protocol::KeyRegResponseContent c;
      const DecodeError e = protocol::Decode(der, &c);
      *out = {false, c.session_id, c.cass_certificate, {}, {}, c.rsa_encrypted_content, {}};
      return e;
    }
  }
}

// CertificateCheck runs §10.4 against --root: the CAM's binding to KeyPairingID (and cAMID),
// or the CASS's to the announced CASS_ID (--cass-id, else an earlier RCASAnnounce of the same
// input, else the certificate's own serialNumber, which checks everything but the binding).
void CertificateCheck(const SignedParts& s, const DecodeKeys& k, const StreamContext& ctx,
                      const FieldPrinter& out, Checks& checks) {
  if (!k.root) {
    out.Line("certificate", "chain not checked (give --root)");
    return;
  }
  const auto now = static_cast<int64_t>(std::time(nullptr));
  if (s.from_cam) {
    const auto r =
        crypto::CheckCamCertificate(*k.root, s.certificate, s.key_pairing_id, now, s.cam_id_field);
    if (r.ok()) {
      out.Line("certificate", "CAM certificate ok (§10.4), CAM_ID " + crypto::UpperHex(r.id));
    } else {
      out.Line("certificate",
               "CAM certificate FAILED (" + std::string(crypto::CertCheckName(r.reason)) + ")");
      checks.Fail("CAM certificate (" + std::string(crypto::CertCheckName(r.reason)) + ")");
    }
    return;
  }
  Bytes announced = !k.cass_id.empty() ? k.cass_id : ctx.announced_cass_id;
  std::string bound_to = !k.cass_id.empty() ? "--cass-id" : "the RCASAnnounce before it";
  if (announced.empty()) {
    const auto serial = CertificateSerialNumber(s.certificate);
    announced = FromHex(serial.value_or("")).value_or(Bytes());
    bound_to = "its own serialNumber; give --cass-id to check the binding";
  }
  const auto r = crypto::CheckCassCertificate(*k.root, s.certificate, announced, now);
  if (r.ok()) {
    out.Line("certificate", "CASS certificate ok (§10.4), CASS_ID " + crypto::UpperHex(r.id) +
                                " (bound to " + bound_to + ")");
  } else {
    out.Line("certificate",
             "CASS certificate FAILED (" + std::string(crypto::CertCheckName(r.reason)) + ")");
    checks.Fail("CASS certificate (" + std::string(crypto::CertCheckName(r.reason)) + ")");
  }
}

// Confidential decrypts rSAEncryptedContent with --cam-key (OAEP, §8), prints it, and for a
// KeyResponse checks sIGN-kpk with the AC root (§11.7).
void Confidential(MessageType type, const SignedParts& s, const DecodeKeys& k,
                  const StreamContext& ctx, const FieldPrinter& out, Checks& checks) {
  const bool normal = type == MessageType::kKeyResponse;
  std::optional<crypto::SecretBytes> plain;
  if (!k.cam_key) {
    out.Line("rSAEncryptedContent", "encrypted to the CAM key, give --cam-key to decrypt");
  } else if (plain = k.cam_key->DecryptOaepSha256(s.rsa_encrypted); !plain) {
    out.Line("rSAEncryptedContent", "OAEP decryption FAILED (not for this --cam-key?)");
    checks.Fail("OAEP decryption");
  } else {
    const FieldPrinter fields = out.Nested(
        "rSAEncryptedContent decrypted (OAEP, --cam-key): " +
        std::string(normal ? "KeyRspConfidentialContent" : "KeyRegRspConfidentialContent") + " (" +
        std::to_string(plain->size()) + " octets)");
    const DecodeError e = normal ? PrintKeyResponseConfidential(plain->view(), fields)
                                 : PrintKeyRegResponseConfidential(plain->view(), fields);
    if (e != DecodeError::kNone) {
      fields.Line("FAILED", "does not decode: " + std::string(protocol::DecodeErrorName(e)));
      checks.Fail("confidential content decoding (" + std::string(protocol::DecodeErrorName(e)) +
                  ")");
      plain.reset();
    }
  }
  if (!normal) {
    return;  // fast mode has no sIGN-kpk (§23.18)
  }
  const auto learned = ctx.key_pairing_ids.find(ToHex(s.session_id));
  const Bytes kpid = !k.key_pairing_id.empty()              ? k.key_pairing_id
                     : learned != ctx.key_pairing_ids.end() ? learned->second
                                                            : Bytes();
  if (!k.root || !plain || kpid.empty()) {
    out.Line("sIGN-kpk", std::string("not checked (needs ") + (k.root ? "" : "--root, ") +
                             (plain ? "" : "--cam-key, ") +
                             (kpid.empty() ? "--key-pairing-id or the KeyRequest" : "") + ")");
    return;
  }
  protocol::KeyResponseConfidential c;
  (void)protocol::Decode(plain->view(), &c);  // decoded above
  if (crypto::VerifyKpk(k.root->public_key(), kpid, c.kpk, s.sign_kpk)) {
    out.Line("sIGN-kpk", "AC root signature over KeyPairingID || KPK ok");
  } else {
    out.Line("sIGN-kpk", "AC root signature over KeyPairingID || KPK FAILED");
    checks.Fail("sIGN-kpk");
  }
}

}  // namespace

// DecodeSigned handles the four signed types (§9.4): the content names the signer's
// certificate, whose key verifies the trailer.
void DecodeSigned(const protocol::Header& h, ByteView msg, const DecodeKeys& k, StreamContext& ctx,
                  const FieldPrinter& out, Checks& checks) {
  protocol::SignedMessage m;
  if (const ProtectError e = protocol::ParseSigned(msg, &m); e != ProtectError::kOk) {
    out.Line("trailer", "FAILED (" + std::string(protocol::ProtectErrorName(e)) + ")");
    checks.Fail("signed framing");
    return;
  }
  const FieldPrinter fields = out.Nested("content " + std::string(ContentName(h.type)) + " (" +
                                         std::to_string(m.content.size()) + " octets)");
  SignedParts s;
  if (const DecodeError e = PrintContent(h.type, m.content, fields); e != DecodeError::kNone) {
    fields.Line("FAILED", "does not decode: " + std::string(protocol::DecodeErrorName(e)));
    checks.Fail("content decoding (" + std::string(protocol::DecodeErrorName(e)) + ")");
    out.Line("trailer", "RSA signature not checked (the signer's certificate is in the content)");
    return;
  }
  (void)SignedPartsOf(h.type, m.content, &s);  // decoded above
  if (s.from_cam) {
    ctx.key_pairing_ids[ToHex(s.session_id)] =
        Bytes(s.key_pairing_id.begin(), s.key_pairing_id.end());
  }
  const std::string who = s.from_cam ? "CAM key of cAMCertificate" : "CASS key of cASSCertificate";
  auto key = CertificateKey(s.certificate);
  if (!key) {
    out.Line("trailer", "RSA signature not checked: " + key.error());
    checks.Fail("signer certificate");
  } else if (protocol::VerifySigned(m, *key) == ProtectError::kOk) {
    out.Line("trailer", "RSASSA-PKCS1-v1_5/SHA-256 signature (" + who + ") ok");
  } else {
    out.Line("trailer", "RSASSA-PKCS1-v1_5/SHA-256 signature (" + who + ") FAILED");
    checks.Fail("RSA signature");
  }
  CertificateCheck(s, k, ctx, out, checks);
  if (!s.from_cam) {
    Confidential(h.type, s, k, ctx, out, checks);
  }
}

}  // namespace rcas::tools
