#pragma once
// Reads the keys of a messages.json / malformed.json case into the
// protection layer's types (key names like "mac_key (IHK)", "ek (MEK)").

#include <cctype>
#include <optional>
#include <string>

#include "crypto/secret.h"
#include "protocol/protect.h"
#include "tests/common/vectors.h"

namespace rcas::protocol::testing {

struct VectorKeys {
  std::optional<Secret20> chk;
  std::optional<SessionKeys> session;

  MessageKeys view() const {
    return MessageKeys{chk ? &*chk : nullptr, session ? &*session : nullptr};
  }
};

// KeysOf maps a case's "keys" object: CHK, or a session with IK (20 octets:
// normal-mode IHK, 16: fast-mode MAK), MEK and a non-zero IV base.
inline VectorKeys KeysOf(const nlohmann::json& keys) {
  VectorKeys out;
  std::optional<Bytes> ik, ek, ivb;
  for (const auto& [name, value] : keys.items()) {
    const Bytes b = rcas::testing::Hex(value);
    if (name.find("CHK") != std::string::npos) {
      out.chk = Secret20(b);
    } else if (name.rfind("mac_key", 0) == 0) {
      ik = b;
    } else if (name.rfind("ek", 0) == 0) {
      ek = b;
    } else if (name.rfind("iv_base", 0) == 0) {
      ivb = b;
    }
  }
  if (!ik) {
    return out;
  }
  const crypto::AesKey mek(ek ? ByteView(*ek) : ByteView());
  const SecretBlock mek_iv(ivb ? ByteView(*ivb) : ByteView());
  if (ik->size() == kMakLen) {
    out.session = SessionKeys::Fast(crypto::AesKey(*ik), mek, mek_iv);
    return out;
  }
  out.session = SessionKeys::Normal(Secret20(*ik));
  if (ek) {
    out.session->SetMek(mek);
  }
  // An all-zero IV base is CAMRegConfirm's; the table supplies it, not the session.
  if (ivb && *ivb != Bytes(16, 0)) {
    out.session->SetMekIv(mek_iv);
  }
  return out;
}

// TypeNamed maps "CAMReg", "KeyRequest", ... back to the type.
inline std::optional<MessageType> TypeNamed(const std::string& name) {
  for (uint16_t t = 1; t <= 14; ++t) {
    if (MessageTypeName(static_cast<MessageType>(t)) == name) {
      return static_cast<MessageType>(t);
    }
  }
  return std::nullopt;
}

// AnsweredType reads "... answering <Type>..." from a Status case description.
inline std::optional<MessageType> AnsweredType(const std::string& description) {
  const std::string key = "answering ";
  const size_t at = description.find(key);
  if (at == std::string::npos) {
    return std::nullopt;
  }
  const size_t start = at + key.size();
  size_t end = start;
  while (end < description.size() && std::isalnum(static_cast<unsigned char>(description[end]))) {
    ++end;
  }
  return TypeNamed(description.substr(start, end - start));
}

}  // namespace rcas::protocol::testing
