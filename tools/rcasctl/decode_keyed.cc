// `rcasctl decode` checks of the non-signed types: HMAC-SHA1 with CHK or IK, the Status digest,
// and decryption with MEK (PROFILE §9.2-§9.5). The trailer is checked before anything is
// decrypted, as a receiver would.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "protocol/content.h"
#include "protocol/protect.h"
#include "protocol/session_keys.h"
#include "tools/rcasctl/decode_checks.h"

namespace rcas::tools {

using protocol::DecodeError;
using protocol::MessageType;
using protocol::ProtectError;
using protocol::Protection;

namespace {

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

// Opened is the verdict of one Open attempt, and the plaintext on success.
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

}  // namespace

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

}  // namespace rcas::tools
