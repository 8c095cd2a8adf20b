// Every keyed / digest message of messages.json rebuilt byte-exact from its
// DER content, nonce and keys, and opened back; every message_must_fail case
// of malformed.json rejected at this layer with the stated outcome.

#include <gtest/gtest.h>

#include "protocol/framing.h"
#include "protocol/iv.h"
#include "protocol/protect.h"
#include "tests/common/vectors.h"
#include "tests/protocol/protect_vectors.h"

namespace rcas::protocol {
namespace {

using rcas::testing::Hex;
using rcas::testing::LoadJson;
using testing::AnsweredType;
using testing::KeysOf;
using testing::VectorKeys;

// ProtectionFor picks the §9.1 row, or for a Status the §9.5 form of what it answers.
Protection ProtectionFor(MessageType type, const std::string& description) {
  if (type != MessageType::kStatus) {
    return ProtectionOf(type);
  }
  const auto answered = AnsweredType(description);
  if (!answered) {
    throw std::runtime_error("Status case without 'answering': " + description);
  }
  return StatusProtection(*answered);
}

struct Case {
  std::string description;
  MessageType type;
  uint64_t nonce;
  Bytes content;
  Bytes message;
  nlohmann::json keys;
  std::optional<Bytes> iv;
};

std::vector<Case> KeyedCases() {
  std::vector<Case> out;
  const nlohmann::json file = LoadJson("vectors/messages.json");  // outlives the loop
  for (const auto& c : file["cases"]) {
    if (!c.contains("type")) {
      continue;  // RSA-OAEP plaintexts, not messages
    }
    const auto type = static_cast<MessageType>(LoadBe16(Hex(c["type"]).data()));
    if (IsSigned(type)) {
      continue;  // protect_signed_test.cc
    }
    Case k{c["description"],
           type,
           LoadBe64(Hex(c["inputs"]["nonce"]).data()),
           Hex(c["expected"]["content_der"]),
           Hex(c["expected"]["message"]),
           c["inputs"]["keys"],
           std::nullopt};
    if (c["expected"].contains("iv")) {
      k.iv = Hex(c["expected"]["iv"]);
    }
    out.push_back(std::move(k));
  }
  return out;
}

TEST(MessageVectors, EveryKeyedAndDigestMessageSealsByteExact) {
  const auto cases = KeyedCases();
  ASSERT_EQ(cases.size(), 17u);  // 23 cases - 4 signed - 2 OAEP plaintexts
  for (const Case& c : cases) {
    SCOPED_TRACE(c.description);
    const VectorKeys keys = KeysOf(c.keys);
    const Protection p = ProtectionFor(c.type, c.description);
    Bytes out(SealedLen(p, c.content.size()));
    size_t written = 0;
    ASSERT_EQ(Seal(p, c.nonce, c.content, keys.view(), out, &written), ProtectError::kOk);
    out.resize(written);
    EXPECT_EQ(ToHex(out), ToHex(c.message));
  }
}

TEST(MessageVectors, EveryKeyedAndDigestMessageOpensToItsContent) {
  for (const Case& c : KeyedCases()) {
    SCOPED_TRACE(c.description);
    const VectorKeys keys = KeysOf(c.keys);
    const Protection p = ProtectionFor(c.type, c.description);
    Bytes plain(c.message.size());
    OpenedMessage opened;
    ASSERT_EQ(Open(p, c.message, keys.view(), plain, &opened), ProtectError::kOk);
    EXPECT_EQ(opened.header.type, c.type);
    EXPECT_EQ(opened.header.nonce, c.nonce);
    EXPECT_EQ(ToHex(opened.content), ToHex(c.content));
  }
}

TEST(MessageVectors, PerMessageIvMatchesEveryEncryptedCase) {
  size_t checked = 0;
  for (const Case& c : KeyedCases()) {
    if (!c.iv) {
      continue;
    }
    SCOPED_TRACE(c.description);
    const VectorKeys keys = KeysOf(c.keys);
    ASSERT_TRUE(keys.session && keys.session->mek());
    const Protection& p = ProtectionOf(c.type);
    const SecretBlock ivb = p.iv_base == IvBase::kMekIv ? *keys.session->mek_iv() : SecretBlock();
    EXPECT_EQ(ToHex(DeriveMessageIv(*keys.session->mek(), ivb, c.type, c.nonce).view()),
              ToHex(*c.iv));
    ++checked;
  }
  EXPECT_EQ(checked, 10u);
}

// Opens `message` the way a receiver would: UDP framing, then protection.
ProtectError Receive(const nlohmann::json& c, Bytes* plain_out = nullptr) {
  const Bytes message = Hex(c["inputs"]["message"]);
  Header h;
  if (CheckUdpDatagram(message, &h) != FrameError::kOk) {
    return ProtectError::kBadFraming;
  }
  if (IsSigned(h.type)) {
    return ProtectError::kWrongType;  // signed: protect_signed_test.cc
  }
  const std::string desc = c["description"];
  const Protection p = h.type == MessageType::kStatus ? kUnkeyedStatus : ProtectionOf(h.type);
  const VectorKeys keys = KeysOf(c["inputs"]["keys"]);
  Bytes plain(message.size(), 0xEE);
  OpenedMessage opened;
  const ProtectError e = Open(p, message, keys.view(), plain, &opened);
  if (plain_out != nullptr) {
    *plain_out = plain;
  }
  return e;
}

TEST(MessageVectors, MalformedMessagesGetTheStatedOutcome) {
  size_t checked = 0;
  const nlohmann::json file = LoadJson("vectors/malformed.json");  // outlives the loop
  for (const auto& c : file["message_must_fail"]) {
    const std::string desc = c["description"];
    const std::string action = c["expected"]["action"];
    SCOPED_TRACE(desc);
    ASSERT_EQ(c["expected"]["result"], "reject");
    const Bytes message = Hex(c["inputs"]["message"]);
    Header h;
    const bool frame_ok = CheckUdpDatagram(message, &h) == FrameError::kOk;
    if (action == "drop silently") {
      EXPECT_FALSE(frame_ok);
      EXPECT_EQ(Receive(c), ProtectError::kBadFraming);
      ++checked;
      continue;
    }
    ASSERT_TRUE(frame_ok);
    if (IsSigned(h.type)) {
      continue;  // bad signature: protect_signed_test.cc
    }
    Bytes plain;
    const ProtectError e = Receive(c, &plain);
    if (action.find("MAC fails before decryption") != std::string::npos ||
        action.find("Status 0x04") != std::string::npos) {
      EXPECT_EQ(e, ProtectError::kBadMac);
      EXPECT_EQ(plain, Bytes(message.size(), 0xEE)) << "decrypted despite a bad MAC";
    } else if (action.find("Status 0x81") != std::string::npos) {
      EXPECT_EQ(e, ProtectError::kBadPadding);
    } else if (action == "ignore") {
      EXPECT_EQ(e, ProtectError::kBadDigest);
    } else {
      ADD_FAILURE() << "unhandled action " << action;
    }
    ++checked;
  }
  EXPECT_EQ(checked, 13u);  // 14 cases, one needs RSA
}

}  // namespace
}  // namespace rcas::protocol
