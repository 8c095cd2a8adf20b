// The four signed messages of messages.json reproduced byte-exact with the
// test PKI (RSASSA-PKCS1-v1_5 is deterministic) and verified; tampering and
// the wrong key are rejected.

#include "protocol/protect_signed.h"

#include <gtest/gtest.h>

#include "tests/common/vectors.h"

namespace rcas::protocol {
namespace {

using rcas::testing::Hex;

crypto::RsaPrivateKey KeyFrom(const std::string& pki_path) {
  auto key = crypto::RsaPrivateKey::FromPem(rcas::testing::ReadFile("vectors/" + pki_path));
  if (!key.ok()) {
    throw std::runtime_error(pki_path + ": " + key.error());
  }
  return *key;
}

struct SignedCase {
  std::string description;
  MessageType type;
  uint64_t nonce;
  Bytes content;
  Bytes message;
  std::string signer;
};

std::vector<SignedCase> SignedCases() {
  std::vector<SignedCase> out;
  const nlohmann::json file =
      rcas::testing::LoadJson("vectors/messages.json");  // outlives the loop
  for (const auto& c : file["cases"]) {
    if (!c.contains("type")) {
      continue;
    }
    const auto type = static_cast<MessageType>(LoadBe16(Hex(c["type"]).data()));
    if (!IsSigned(type)) {
      continue;
    }
    out.push_back({c["description"], type, LoadBe64(Hex(c["inputs"]["nonce"]).data()),
                   Hex(c["expected"]["content_der"]), Hex(c["expected"]["message"]),
                   c["inputs"]["keys"]["signer"]});
  }
  return out;
}

TEST(ProtectSigned, EverySignedMessageSealsByteExact) {
  const auto cases = SignedCases();
  ASSERT_EQ(cases.size(), 4u);
  for (const SignedCase& c : cases) {
    SCOPED_TRACE(c.description);
    // The table names the party whose key signs.
    const Signer want = c.signer == "pki/cam.key.pem" ? Signer::kCam : Signer::kCass;
    EXPECT_EQ(ProtectionOf(c.type).signer, want);
    auto sealed = SealSignedToBytes(c.type, c.nonce, c.content, KeyFrom(c.signer));
    ASSERT_TRUE(sealed.ok()) << sealed.error();
    EXPECT_EQ(ToHex(*sealed), ToHex(c.message));
  }
}

TEST(ProtectSigned, EverySignedMessageVerifiesWithTheSignerKey) {
  for (const SignedCase& c : SignedCases()) {
    SCOPED_TRACE(c.description);
    SignedMessage m;
    ASSERT_EQ(ParseSigned(c.message, &m), ProtectError::kOk);
    EXPECT_EQ(m.header.type, c.type);
    EXPECT_EQ(m.header.nonce, c.nonce);
    EXPECT_EQ(ToHex(m.content), ToHex(c.content));
    EXPECT_EQ(m.signature.size(), kSignatureLen);
    EXPECT_EQ(VerifySigned(m, KeyFrom(c.signer).Public()), ProtectError::kOk);
    // The other party's key does not verify it.
    const std::string other =
        c.signer == "pki/cam.key.pem" ? "pki/cass.key.pem" : "pki/cam.key.pem";
    EXPECT_EQ(VerifySigned(m, KeyFrom(other).Public()), ProtectError::kBadSignature);
  }
}

TEST(ProtectSigned, TamperedHeaderContentOrSignatureFails) {
  const SignedCase c = SignedCases()[0];
  const auto pub = KeyFrom(c.signer).Public();
  for (size_t i : {size_t{6}, size_t{15}, size_t{40}, c.message.size() - 1}) {
    Bytes bad = c.message;
    bad[i] ^= 0x01;
    SignedMessage m;
    ASSERT_EQ(ParseSigned(bad, &m), ProtectError::kOk);
    EXPECT_EQ(VerifySigned(m, pub), ProtectError::kBadSignature) << i;
  }
}

TEST(ProtectSigned, MalformedSignedMessagesGetTheStatedOutcome) {
  size_t checked = 0;
  const nlohmann::json file =
      rcas::testing::LoadJson("vectors/malformed.json");  // outlives the loop
  for (const auto& c : file["message_must_fail"]) {
    const Bytes message = Hex(c["inputs"]["message"]);
    if (message.size() < 2 || !IsKnownType(LoadBe16(message.data())) ||
        !IsSigned(static_cast<MessageType>(LoadBe16(message.data())))) {
      continue;
    }
    SCOPED_TRACE(c["description"].get<std::string>());
    const std::string action = c["expected"]["action"];
    SignedMessage m;
    const ProtectError e = ParseSigned(message, &m);
    if (action == "drop silently") {
      EXPECT_EQ(e, ProtectError::kBadFraming);
    } else {
      ASSERT_EQ(e, ProtectError::kOk);
      EXPECT_EQ(action, "Status 0x05 (unkeyed)");
      EXPECT_EQ(VerifySigned(m, KeyFrom("pki/cam.key.pem").Public()), ProtectError::kBadSignature);
    }
    ++checked;
  }
  EXPECT_EQ(checked, 2u);
}

TEST(ProtectSigned, KeyedTypesAreRefused) {
  Bytes out(600);
  size_t written = 0;
  const Bytes content = Hex(std::string("3000"));
  EXPECT_EQ(SealSigned(MessageType::kCamReg, 1, content, KeyFrom("pki/cam.key.pem"), out, &written),
            ProtectError::kWrongType);
}

}  // namespace
}  // namespace rcas::protocol
