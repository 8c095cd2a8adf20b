// `rcasctl decode`: pretty-print RCAS messages given as hex or found in a capture file, and
// check every trailer the given keys allow (PROFILE §3-§5, §7, §9, §10.4, §11.7). Exit status 1
// if any message fails framing, decoding or a check; a check without its key is reported as
// "not checked", which is not a failure. Output format: docs/rcasctl.md.

#include <algorithm>
#include <cctype>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>

#include "crypto/rsa.h"
#include "crypto/sign_kpk.h"
#include "crypto/x509.h"
#include "protocol/content.h"
#include "protocol/framing.h"
#include "protocol/protect.h"
#include "protocol/protect_signed.h"
#include "tools/rcasctl/command.h"
#include "tools/rcasctl/pcap_reader.h"
#include "tools/rcasctl/pki_store.h"
#include "tools/rcasctl/print_content.h"

namespace rcas::tools {
namespace {

using protocol::DecodeError;
using protocol::MessageType;
using protocol::ProtectError;
using protocol::Protection;

struct DecodeOptions {
  std::string hex;
  std::string hex_file;
  std::string pcap;
  std::string chk;
  std::string ik;
  std::string mek;
  std::string mek_iv;
  std::string answers;
  std::string root;
  std::string cam_key;
  std::string cass_id;
  std::string key_pairing_id;
};

// DecodeKeys: what the command line gave, parsed once.
struct DecodeKeys {
  std::optional<protocol::Secret20> chk;
  Bytes ik;  // 20 octets IHK or 16 octets MAK; empty if not given
  std::optional<crypto::AesKey> mek;
  std::optional<protocol::SecretBlock> mek_iv;
  std::optional<MessageType> answers;
  std::optional<crypto::TrustAnchor> root;
  std::optional<crypto::RsaPrivateKey> cam_key;
  Bytes cass_id;
  Bytes key_pairing_id;
};

// StreamContext is what earlier messages of the same input taught: the announced CASS_ID and
// the KeyPairingID of each sessionID, so a KeyResponse's sIGN-kpk can be checked (§11.7).
struct StreamContext {
  Bytes announced_cass_id;
  std::map<std::string, Bytes> key_pairing_ids;  // sessionID hex -> KeyPairingID
};

// Checks collects one message's outcome.
struct Checks {
  std::vector<std::string> failed;
  void Fail(std::string what) { failed.push_back(std::move(what)); }
};

Result<MessageType> ParseTypeName(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (uint16_t t = 1; t <= 14; ++t) {
    std::string name(protocol::MessageTypeName(static_cast<MessageType>(t)));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (name == text) {
      return static_cast<MessageType>(t);
    }
  }
  if (text.rfind("0x", 0) == 0) {
    text = text.substr(2);
  }
  auto octets = FromHex(text.size() % 2 == 1 ? "0" + text : text);
  if (octets && !octets->empty() && octets->size() <= 2) {
    const uint16_t t = octets->size() == 1 ? (*octets)[0] : LoadBe16(octets->data());
    if (protocol::IsKnownType(t)) {
      return static_cast<MessageType>(t);
    }
  }
  return Error{"--answers: '" + text +
               "' is not a message type (a name like KeyRequest, or 0x0003)"};
}

Result<DecodeKeys> LoadKeys(const DecodeOptions& o) {
  DecodeKeys k;
  if (!o.chk.empty()) {
    k.chk.emplace(*FromHex(o.chk));
  }
  k.ik = FromHex(o.ik).value_or(Bytes());
  if (!o.mek.empty()) {
    k.mek.emplace(*FromHex(o.mek));
  }
  if (!o.mek_iv.empty()) {
    k.mek_iv.emplace(*FromHex(o.mek_iv));
  }
  k.cass_id = FromHex(o.cass_id).value_or(Bytes());
  k.key_pairing_id = FromHex(o.key_pairing_id).value_or(Bytes());
  if (!o.answers.empty()) {
    auto t = ParseTypeName(o.answers);
    if (!t) {
      return Error{t.error()};
    }
    k.answers = *t;
  }
  if (!o.root.empty()) {
    auto pem = ReadTextFile(o.root);
    auto root =
        pem ? crypto::TrustAnchor::FromPem(*pem) : Result<crypto::TrustAnchor>(Error{pem.error()});
    if (!root) {
      return Error{"--root: " + root.error()};
    }
    k.root.emplace(std::move(*root));
  }
  if (!o.cam_key.empty()) {
    auto pem = ReadTextFile(o.cam_key);
    auto key = pem ? crypto::RsaPrivateKey::FromPem(*pem)
                   : Result<crypto::RsaPrivateKey>(Error{pem.error()});
    if (!key) {
      return Error{"--cam-key: " + key.error()};
    }
    k.cam_key.emplace(std::move(*key));
  }
  return k;
}

// SessionOf builds the session keys --ik/--mek/--mek-iv describe; `cipher` says whether MEK
// (and MEK-IV where `p` needs it) are there, so decryption may be tried.
std::optional<protocol::SessionKeys> SessionOf(const DecodeKeys& k, const Protection& p,
                                               bool* cipher) {
  *cipher = k.mek && (p.iv_base == protocol::IvBase::kZero || k.mek_iv);
  if (k.ik.empty()) {
    return std::nullopt;
  }
  if (k.ik.size() == protocol::kMakLen) {
    return protocol::SessionKeys::Fast(crypto::AesKey(k.ik), k.mek ? *k.mek : crypto::AesKey(),
                                       k.mek_iv ? *k.mek_iv : protocol::SecretBlock());
  }
  auto s = protocol::SessionKeys::Normal(protocol::Secret20(k.ik));
  if (k.mek) {
    s.SetMek(*k.mek);
  }
  if (k.mek_iv) {
    s.SetMekIv(*k.mek_iv);
  }
  return s;
}

std::string MacKeyName(const Protection& p, const DecodeKeys& k) {
  if (p.mac_key == protocol::MacKey::kChk) {
    return "CHK";
  }
  return k.ik.size() == protocol::kMakLen ? "MAK" : k.ik.empty() ? "IK" : "IHK";
}

// TrailerOutcome is the verdict of one Open attempt, and the plaintext on success.
struct Opened {
  ProtectError error = ProtectError::kOk;
  protocol::OpenedMessage message;
};

Opened OpenWith(const Protection& p, ByteView msg, const protocol::MessageKeys& keys,
                Bytes& plain) {
  Opened o;
  o.error = protocol::Open(p, msg, keys, plain, &o.message);
  return o;
}

using TrailerLines = std::vector<std::pair<std::string, std::string>>;

// StatusTrailer checks a Status: its form is fixed by what it answers (§9.5); without --answers
// the unkeyed digest is tried first, then HMAC-SHA1(IK) if --ik was given.
void StatusTrailer(ByteView msg, const DecodeKeys& k, const protocol::MessageKeys& keys,
                   Bytes& plain, TrailerLines& lines, Checks& checks) {
  const std::string hmac =
      "HMAC-SHA1(" + MacKeyName(protocol::ProtectionOf(MessageType::kStatus), k) + ")";
  const bool try_unkeyed = !k.answers || !protocol::StatusIsKeyed(*k.answers);
  const bool try_keyed = !k.answers || protocol::StatusIsKeyed(*k.answers);
  if (try_unkeyed) {
    if (OpenWith(protocol::kUnkeyedStatus, msg, keys, plain).error == ProtectError::kOk) {
      lines.emplace_back("trailer", "SHA-1 digest (unkeyed Status) ok");
      return;
    }
    if (!try_keyed) {
      lines.emplace_back("trailer", "SHA-1 digest (unkeyed Status) FAILED");
      checks.Fail("unkeyed Status digest");
      return;
    }
  }
  if (k.ik.empty()) {
    lines.emplace_back("trailer", std::string(k.answers ? "" : "not the unkeyed SHA-1 digest; ") +
                                      hmac + " (keyed Status) not checked (give --ik)");
    return;
  }
  const Opened o = OpenWith(protocol::ProtectionOf(MessageType::kStatus), msg, keys, plain);
  if (o.error == ProtectError::kOk) {
    lines.emplace_back("trailer", hmac + " (keyed Status) ok");
  } else {
    lines.emplace_back("trailer", hmac + " (keyed Status) FAILED" +
                                      (k.answers ? std::string() : ", nor the unkeyed digest"));
    checks.Fail(hmac + " of the Status");
  }
}

// DecodeKeyed handles every non-signed type: the trailer (§9.2, §9.4, §9.5) is checked first,
// as a receiver would, then the content is printed and the trailer verdict after it.
void DecodeKeyed(const protocol::Header& h, ByteView msg, const DecodeKeys& k,
                 const FieldPrinter& out, Checks& checks) {
  const Protection& p = protocol::ProtectionOf(h.type);
  bool cipher = false;
  const std::optional<protocol::SessionKeys> session = SessionOf(k, p, &cipher);
  const protocol::MessageKeys keys{k.chk ? &*k.chk : nullptr, session ? &*session : nullptr};
  const ByteView wire = msg.subspan(protocol::kHeaderLen, h.content_len());
  const bool have_mac_key = p.mac_key == protocol::MacKey::kChk ? k.chk.has_value() : !k.ik.empty();
  const std::string hmac = "HMAC-SHA1(" + MacKeyName(p, k) + ")";
  Bytes plain(h.content_len());
  TrailerLines lines;
  std::optional<ByteView> content = p.encrypted ? std::nullopt : std::optional<ByteView>(wire);

  if (h.type == MessageType::kStatus) {
    StatusTrailer(msg, k, keys, plain, lines, checks);
  } else if (!have_mac_key) {
    lines.emplace_back("trailer", hmac + " not checked (give " +
                                      (p.mac_key == protocol::MacKey::kChk ? "--chk" : "--ik") +
                                      ")");
  } else {
    // Without MEK an encrypted message still has its MAC checked: it covers H || E (§9.2).
    Protection opened_as = p;
    if (p.encrypted && !cipher) {
      opened_as.encrypted = false;
      opened_as.iv_base = protocol::IvBase::kNone;
    }
    const Opened o = OpenWith(opened_as, msg, keys, plain);
    if (o.error == ProtectError::kOk) {
      lines.emplace_back("trailer", hmac + " ok");
      if (p.encrypted && cipher) {
        content = o.message.content;
      }
    } else if (o.error == ProtectError::kBadPadding) {
      lines.emplace_back("trailer", hmac + " ok");
      lines.emplace_back("decryption", "FAILED: bad PKCS#7 padding (wrong --mek or --mek-iv?)");
      checks.Fail("PKCS#7 padding after decryption");
    } else {
      lines.emplace_back("trailer", hmac + " FAILED (" + protocol::ProtectErrorName(o.error) + ")");
      checks.Fail(hmac);  // a plaintext content is still shown, to see what was tampered
    }
  }
  if (content) {
    const FieldPrinter fields = out.Nested("content " + std::string(ContentName(h.type)) + " (" +
                                           std::to_string(content->size()) + " octets" +
                                           (p.encrypted ? ", decrypted" : "") + ")");
    if (const DecodeError e = PrintContent(h.type, *content, fields); e != DecodeError::kNone) {
      fields.Line("FAILED", "does not decode: " + std::string(protocol::DecodeErrorName(e)));
      checks.Fail("content decoding (" + std::string(protocol::DecodeErrorName(e)) + ")");
    }
  } else if (p.encrypted && checks.failed.empty()) {
    out.Line("content", "encrypted (" + std::to_string(h.content_len()) + " octets), give " +
                            (have_mac_key ? "" : "--ik and ") +
                            (p.iv_base == protocol::IvBase::kZero ? "--mek" : "--mek/--mek-iv") +
                            " to decrypt");
  }
  for (const auto& [name, text] : lines) {
    out.Line(name, text);
  }
}

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

// Carrier says how a message arrived, which fixes its framing rule (§5.3, §5.4).
enum class Carrier { kHex, kUdp, kTcp };

// DecodeMessage prints one message (header, framing, content, trailer and checks) and returns
// whether every check passed.
bool DecodeMessage(size_t index, ByteView msg, const std::string& origin, Carrier carrier,
                   const DecodeKeys& k, StreamContext& ctx, std::ostream& os) {
  Checks checks;
  protocol::Header h;
  const protocol::HeaderError he = protocol::ParseHeader(msg, &h);
  os << "message " << index << ": "
     << (he == protocol::HeaderError::kOk ? protocol::MessageTypeName(h.type) : "?") << ", "
     << msg.size() << " octets" << (origin.empty() ? "" : ", " + origin) << "\n";
  const FieldPrinter out(os, 2);
  if (he != protocol::HeaderError::kOk) {
    out.Line("header", "FAILED (" + std::string(protocol::HeaderErrorName(he)) + ")");
    checks.Fail("header (" + std::string(protocol::HeaderErrorName(he)) + ")");
  } else {
    const FieldPrinter header = out.Nested("header");
    header.Hex("type", msg.first(2), protocol::MessageTypeName(h.type));
    header.Line("length", std::to_string(h.length) + " (16 + " + std::to_string(h.content_len()) +
                              " content octets" + (IsEncrypted(h.type) ? " encrypted" : "") + ")");
    header.Hex("nonce", msg.subspan(6, 8));
    header.Hex("version", msg.subspan(14, 1));
    header.Hex("reserved", msg.subspan(15, 1));
    const protocol::FrameError fe = carrier == Carrier::kUdp
                                        ? protocol::CheckUdpDatagram(msg, &h)
                                        : protocol::CheckFramedMessage(msg, &h);
    if (fe == protocol::FrameError::kOk) {
      const char* how = carrier == Carrier::kUdp   ? "one UDP datagram: "
                        : carrier == Carrier::kTcp ? "TCP frame: "
                                                   : "";
      out.Line("framing", "ok (" + std::string(how) + "length " + std::to_string(h.length) +
                              " + trailer " + std::to_string(protocol::TrailerLen(h.type)) + " = " +
                              std::to_string(h.message_len()) + " octets)");
    } else {
      out.Line("framing", "FAILED (" + std::string(protocol::FrameErrorName(fe)) + ": " +
                              std::to_string(msg.size()) + " octets, header says " +
                              std::to_string(h.message_len()) + ")");
      checks.Fail("framing (" + std::string(protocol::FrameErrorName(fe)) + ")");
    }
  }
  if (checks.failed.empty()) {
    if (IsSigned(h.type)) {
      DecodeSigned(h, msg, k, ctx, out, checks);
    } else {
      DecodeKeyed(h, msg, k, out, checks);
    }
    protocol::RcasAnnounceContent a;
    if (h.type == MessageType::kRcasAnnounce &&
        protocol::Decode(msg.subspan(protocol::kHeaderLen, h.content_len()), &a) ==
            DecodeError::kNone) {
      ctx.announced_cass_id.assign(a.cass_info.cass_id.begin(), a.cass_info.cass_id.end());
    }
  }
  std::string verdict = "ok";
  if (!checks.failed.empty()) {
    verdict = "FAILED:";
    for (const std::string& f : checks.failed) {
      verdict += " " + f + (&f == &checks.failed.back() ? "" : ";");
    }
  }
  out.Line("verdict", verdict);
  return checks.failed.empty();
}

// HexInput decodes the argument or --hex-file: hex digits, whitespace ignored.
Result<Bytes> HexInput(const DecodeOptions& o) {
  std::string text = o.hex;
  if (!o.hex_file.empty()) {
    auto file = ReadTextFile(o.hex_file);
    if (!file) {
      return Error{file.error()};
    }
    text = std::move(*file);
  }
  text.erase(std::remove_if(text.begin(), text.end(),
                            [](unsigned char c) { return std::isspace(c) != 0; }),
             text.end());
  auto octets = FromHex(text);
  if (!octets) {
    return Error{"input is not hex (" + std::to_string(text.size()) +
                 " characters; expected pairs of 0-9a-f, whitespace ignored)"};
  }
  if (octets->empty()) {
    return Error{"input is empty"};
  }
  return std::move(*octets);
}

// RunHex decodes back-to-back messages (cut as on TCP, §5.3). Input that is not a message at
// all is an error line; a tail after good messages is a failed check.
int RunHex(const DecodeOptions& o, const DecodeKeys& k) {
  auto input = HexInput(o);
  if (!input) {
    return Fail(input.error());
  }
  StreamContext ctx;
  ByteView rest = *input;
  size_t count = 0;
  size_t failed = 0;
  while (!rest.empty()) {
    const protocol::TcpFrame f = protocol::NextTcpFrame(rest);
    std::string problem;
    if (f.kind == protocol::TcpFrame::Kind::kClose) {
      problem = "not an RCAS message header (" +
                std::string(protocol::HeaderErrorName(f.header_error)) + ")";
    } else if (f.kind == protocol::TcpFrame::Kind::kNeedMore) {
      problem = "incomplete message: " + std::to_string(rest.size()) + " octets, " +
                (rest.size() < protocol::kHeaderLen ? "a header alone is 16"
                                                    : "the header says " + std::to_string(f.size));
    }
    if (!problem.empty()) {
      if (count == 0) {
        return Fail(problem);
      }
      std::cout << "after message " << count << ": " << rest.size() << " more octets: FAILED ("
                << problem << ")\n";
      ++failed;
      break;
    }
    failed +=
        DecodeMessage(++count, rest.first(f.size), "", Carrier::kHex, k, ctx, std::cout) ? 0 : 1;
    rest = rest.subspan(f.size);
  }
  std::cout << "decode: " << count << (count == 1 ? " message" : " messages") << ", " << failed
            << " failed\n";
  return failed == 0 ? kExitOk : kExitFailure;
}

int RunPcap(const DecodeOptions& o, const DecodeKeys& k) {
  auto scan = ReadCapture(o.pcap);
  if (!scan) {
    return Fail(scan.error());
  }
  StreamContext ctx;
  size_t index = 0;
  size_t failed = 0;
  for (const CapturedMessage& m : scan->messages) {
    const std::string origin = "packet " + std::to_string(m.packet) + ", " + m.flow;
    failed += DecodeMessage(++index, m.message, origin, m.tcp ? Carrier::kTcp : Carrier::kUdp, k,
                            ctx, std::cout)
                  ? 0
                  : 1;
  }
  for (const TcpFramingFailure& f : scan->tcp_failures) {
    std::cout << "flow " << f.flow << ": framing FAILED (" << f.reason << ")\n";
    ++failed;
  }
  std::cout << "decode: " << index << (index == 1 ? " message" : " messages") << ", " << failed
            << " failed; " << scan->packets << " packets, skipped " << scan->skipped_link
            << " not Ethernet/IP/UDP/TCP, " << scan->skipped_fragment << " IP fragments, "
            << scan->skipped_l4 << " other protocols, " << scan->skipped_not_rcas << " not RCAS, "
            << scan->empty << " TCP without payload\n";
  return failed == 0 ? kExitOk : kExitFailure;
}

int RunDecode(const DecodeOptions& o) {
  const int inputs = int{!o.hex.empty()} + int{!o.hex_file.empty()} + int{!o.pcap.empty()};
  if (inputs != 1) {
    return Fail("give exactly one input: HEX, --hex-file FILE or --pcap FILE");
  }
  auto keys = LoadKeys(o);
  if (!keys) {
    return Fail(keys.error());
  }
  return o.pcap.empty() ? RunHex(o, *keys) : RunPcap(o, *keys);
}

// IkOctets accepts an IHK (20 octets, normal mode) or a MAK (16, fast mode).
CLI::Validator IkOctets() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        auto octets = FromHex(value);
        if (!octets ||
            (octets->size() != protocol::kIhkLen && octets->size() != protocol::kMakLen)) {
          return "expected 40 hex digits (IHK) or 32 (MAK), got '" + value + "'";
        }
        return std::string();
      },
      "HEX40|HEX32");
}

}  // namespace

void AddDecodeCommand(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<DecodeOptions>();
  CLI::App* cmd = app.add_subcommand(
      "decode", "pretty-print RCAS messages (hex or a capture file) and check their trailers");
  cmd->add_option("hex", o->hex, "one message (or several back to back) as hex");
  cmd->add_option("--hex-file", o->hex_file, "file with the message(s) as hex, whitespace ignored")
      ->check(CLI::ExistingFile);
  cmd->add_option("--pcap", o->pcap, "pcap or pcapng file: every RCAS message in it")
      ->check(CLI::ExistingFile);
  cmd->add_option("--chk", o->chk, "CHK for RCASAnnounce / RCASRenewal (PROFILE §11.5)")
      ->check(HexOctets(protocol::kIhkLen));
  cmd->add_option("--ik", o->ik, "integrity key: IHK (normal mode) or MAK (fast mode)")
      ->check(IkOctets());
  cmd->add_option("--mek", o->mek, "MEK, to decrypt (PROFILE §9.1)")->check(HexOctets(16));
  cmd->add_option("--mek-iv", o->mek_iv, "MEK-IV, the IV base after CAMRegConfirm (§9.3)")
      ->check(HexOctets(16));
  cmd->add_option("--answers", o->answers,
                  "for a Status: the type it answers, which fixes keyed or unkeyed (§9.5)");
  cmd->add_option("--root", o->root, "AC root certificate PEM: run the certificate checks")
      ->check(CLI::ExistingFile);
  cmd->add_option("--cam-key", o->cam_key, "CAM private key PEM: decrypt rSAEncryptedContent")
      ->check(CLI::ExistingFile);
  cmd->add_option("--cass-id", o->cass_id, "announced CASS_ID for the CASS certificate binding")
      ->check(HexOctets(crypto::kCassIdLen));
  cmd->add_option("--key-pairing-id", o->key_pairing_id,
                  "KeyPairingID, to check a KeyResponse's sIGN-kpk without its KeyRequest")
      ->check(HexOctets(crypto::kKeyPairingIdLen));
  cmd->callback([o, &exit_code] { exit_code = RunDecode(*o); });
}

}  // namespace rcas::tools
