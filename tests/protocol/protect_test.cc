// Properties of seal/open beyond the vectors: the §9.1 key table, MAC before
// decryption, missing keys, wrong types, tampering, in-place sealing.

#include "protocol/protect.h"

#include <gtest/gtest.h>

#include <string>

#include "crypto/aes.h"
#include "protocol/framing.h"
#include "tests/common/vectors.h"
#include "tests/protocol/protect_vectors.h"

namespace rcas::protocol {
namespace {

using rcas::testing::Hex;

// The normal-mode session of the vectors (PROFILE §19).
struct Fixture {
  Secret20 chk{Hex(std::string("978bcd6b05f7ce15b80d7c537128fd2e6eb799a5"))};
  SessionKeys session = [] {
    SessionKeys s =
        SessionKeys::Normal(Secret20(Hex(std::string("5d15b3d4b5fe383424cad236dd13c99a898db3b8"))));
    s.SetMek(crypto::AesKey(Hex(std::string("f823f46214be9e938940028c7d55538c"))));
    s.SetMekIv(SecretBlock(Hex(std::string("000102030405060708090a0b0c0d0e0f"))));
    return s;
  }();
  MessageKeys keys() const { return {&chk, &session}; }
};

const Bytes kContent = Hex(std::string("300f800aa0a1a2a3a4a5a6a7a8a98101ff"));

Bytes SealOrDie(const Protection& p, uint64_t nonce, ByteView content, const MessageKeys& keys) {
  auto r = SealToBytes(p, nonce, content, keys);
  if (!r.ok()) {
    throw std::runtime_error(r.error());
  }
  return *r;
}

TEST(ProtectTable, MatchesProfileSection91) {
  EXPECT_EQ(ProtectionOf(MessageType::kRcasAnnounce).mac_key, MacKey::kChk);
  EXPECT_EQ(ProtectionOf(MessageType::kRcasRenewal).mac_key, MacKey::kChk);
  EXPECT_EQ(ProtectionOf(MessageType::kCamReg).mac_key, MacKey::kIk);
  EXPECT_FALSE(ProtectionOf(MessageType::kCamReg).encrypted);
  EXPECT_EQ(ProtectionOf(MessageType::kCamRegConfirm).iv_base, IvBase::kZero);
  for (MessageType t :
       {MessageType::kRenewInfo, MessageType::kRenewConfirm, MessageType::kPurchaseReport,
        MessageType::kLogRequest, MessageType::kLogResponse}) {
    EXPECT_TRUE(ProtectionOf(t).encrypted);
    EXPECT_EQ(ProtectionOf(t).iv_base, IvBase::kMekIv);
    EXPECT_EQ(ProtectionOf(t).mac_key, MacKey::kIk);
  }
  EXPECT_EQ(ProtectionOf(MessageType::kKeyRequest).signer, Signer::kCam);
  EXPECT_EQ(ProtectionOf(MessageType::kKeyRegRequest).signer, Signer::kCam);
  EXPECT_EQ(ProtectionOf(MessageType::kKeyResponse).signer, Signer::kCass);
  EXPECT_EQ(ProtectionOf(MessageType::kKeyRegResponse).signer, Signer::kCass);
}

TEST(ProtectTable, StatusFormFollowsTheAnsweredMessage) {
  for (MessageType t : {MessageType::kKeyRequest, MessageType::kKeyResponse,
                        MessageType::kKeyRegRequest, MessageType::kKeyRegResponse}) {
    EXPECT_FALSE(StatusIsKeyed(t));
    EXPECT_EQ(StatusProtection(t).trailer, TrailerKind::kDigest);
  }
  for (MessageType t : {MessageType::kCamReg, MessageType::kCamRegConfirm, MessageType::kRenewInfo,
                        MessageType::kRenewConfirm, MessageType::kLogRequest}) {
    EXPECT_TRUE(StatusIsKeyed(t));
    EXPECT_EQ(StatusProtection(t).trailer, TrailerKind::kHmac);
    EXPECT_EQ(StatusProtection(t).mac_key, MacKey::kIk);
  }
}

TEST(Protect, EncryptedRoundTripForEveryContentSize) {
  Fixture f;
  for (size_t n = 2; n <= 70; ++n) {
    Bytes content(n);
    for (size_t i = 0; i < n; ++i) {
      content[i] = static_cast<uint8_t>(i * 7);
    }
    const Protection& p = ProtectionOf(MessageType::kLogResponse);
    const Bytes m = SealOrDie(p, 0x4444, content, f.keys());
    EXPECT_EQ(m.size(), kHeaderLen + crypto::PaddedSize(n) + kMacLen);
    Header h;
    EXPECT_EQ(CheckUdpDatagram(m, &h), FrameError::kOk);
    Bytes plain(m.size());
    OpenedMessage o;
    ASSERT_EQ(Open(p, m, f.keys(), plain, &o), ProtectError::kOk) << n;
    EXPECT_EQ(Bytes(o.content.begin(), o.content.end()), content);
  }
}

TEST(Protect, EveryFlippedBitIsRejectedByTheTrailer) {
  Fixture f;
  const Protection& p = ProtectionOf(MessageType::kRenewConfirm);
  const Bytes m = SealOrDie(p, 0x3333, kContent, f.keys());
  Bytes plain(m.size());
  // Header octets 0..5 and 14 change the frame; the rest (nonce, reserved,
  // ciphertext, tag) must fail the MAC.
  for (size_t i = 0; i < m.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      Bytes bad = m;
      bad[i] ^= static_cast<uint8_t>(1 << bit);
      OpenedMessage o;
      const ProtectError e = Open(p, bad, f.keys(), plain, &o);
      if (i < 6 || i == 14) {
        EXPECT_NE(e, ProtectError::kOk) << i;
      } else {
        EXPECT_EQ(e, ProtectError::kBadMac) << i << "/" << bit;
      }
    }
  }
}

// A message with a bad MAC AND bad padding reports the MAC, and nothing is
// decrypted into the caller's buffer.
TEST(Protect, MacIsCheckedBeforeDecryption) {
  const auto j = rcas::testing::LoadJson("vectors/malformed.json");
  for (const auto& c : j["message_must_fail"]) {
    if (c["expected"]["action"] != "Status 0x81 (keyed)") {
      continue;
    }
    const auto keys = testing::KeysOf(c["inputs"]["keys"]);
    Bytes m = Hex(c["inputs"]["message"]);
    const Protection& p = ProtectionOf(MessageType::kRenewConfirm);
    Bytes plain(m.size(), 0xEE);
    OpenedMessage o;
    ASSERT_EQ(Open(p, m, keys.view(), plain, &o), ProtectError::kBadPadding);
    m.back() ^= 1;
    std::fill(plain.begin(), plain.end(), 0xEE);
    EXPECT_EQ(Open(p, m, keys.view(), plain, &o), ProtectError::kBadMac);
    EXPECT_EQ(plain, Bytes(m.size(), 0xEE));
    return;
  }
  FAIL() << "no bad-padding case in malformed.json";
}

TEST(Protect, CamRegConfirmUsesZeroIvBaseEvenWhenMekIvIsKnown) {
  Fixture f;
  SessionKeys no_iv =
      SessionKeys::Normal(Secret20(Hex(std::string("5d15b3d4b5fe383424cad236dd13c99a898db3b8"))));
  no_iv.SetMek(*f.session.mek());
  const Protection& p = ProtectionOf(MessageType::kCamRegConfirm);
  EXPECT_EQ(SealOrDie(p, 0x2222, kContent, f.keys()),
            SealOrDie(p, 0x2222, kContent, MessageKeys{nullptr, &no_iv}));
}

TEST(Protect, MissingKeysAreReportedNotGuessed) {
  Fixture f;
  Bytes out(256);
  size_t written = 0;
  // Announcement without CHK; keyed message without a session.
  EXPECT_EQ(
      Seal(ProtectionOf(MessageType::kRcasAnnounce), 1, kContent, MessageKeys{}, out, &written),
      ProtectError::kMissingKey);
  EXPECT_EQ(Seal(ProtectionOf(MessageType::kCamReg), 1, kContent, MessageKeys{&f.chk, nullptr}, out,
                 &written),
            ProtectError::kMissingKey);
  // A normal-mode CASS before CAMReg: IHK only; RenewInfo needs MEK and MEK-IV.
  SessionKeys ihk_only = SessionKeys::Normal(Secret20(f.session.ik()));
  EXPECT_EQ(
      Seal(ProtectionOf(MessageType::kCamReg), 1, kContent, {nullptr, &ihk_only}, out, &written),
      ProtectError::kOk);
  EXPECT_EQ(
      Seal(ProtectionOf(MessageType::kRenewInfo), 1, kContent, {nullptr, &ihk_only}, out, &written),
      ProtectError::kMissingKey);
  ihk_only.SetMek(*f.session.mek());
  EXPECT_EQ(Seal(ProtectionOf(MessageType::kCamRegConfirm), 1, kContent, {nullptr, &ihk_only}, out,
                 &written),
            ProtectError::kOk);
  EXPECT_EQ(
      Seal(ProtectionOf(MessageType::kRenewInfo), 1, kContent, {nullptr, &ihk_only}, out, &written),
      ProtectError::kMissingKey);
}

// On open the MAC verdict comes first; MEK is needed only to decrypt.
TEST(Protect, OpenChecksTheMacBeforeAskingForMek) {
  Fixture f;
  const Protection& p = ProtectionOf(MessageType::kRenewInfo);
  const Bytes m = SealOrDie(p, 1, kContent, f.keys());
  const SessionKeys ik_only = SessionKeys::Normal(Secret20(f.session.ik()));
  Bytes plain(m.size());
  OpenedMessage o;
  EXPECT_EQ(Open(p, m, {nullptr, &ik_only}, plain, &o), ProtectError::kMissingKey);
  Bytes bad = m;
  bad.back() ^= 1;
  EXPECT_EQ(Open(p, bad, {nullptr, &ik_only}, plain, &o), ProtectError::kBadMac);
  EXPECT_EQ(Open(p, m, MessageKeys{}, plain, &o), ProtectError::kMissingKey);
}

TEST(Protect, OpenRejectsATypeOtherThanExpected) {
  Fixture f;
  const Bytes m = SealOrDie(ProtectionOf(MessageType::kRenewConfirm), 3, kContent, f.keys());
  Bytes plain(m.size());
  OpenedMessage o;
  EXPECT_EQ(Open(ProtectionOf(MessageType::kLogResponse), m, f.keys(), plain, &o),
            ProtectError::kWrongType);
}

TEST(Protect, KeyedStatusDoesNotOpenAsUnkeyedAndViceVersa) {
  Fixture f;
  const Bytes keyed = SealOrDie(StatusProtection(MessageType::kCamReg), 2, kContent, f.keys());
  const Bytes unkeyed = SealOrDie(kUnkeyedStatus, 2, kContent, MessageKeys{});
  OpenedMessage o;
  EXPECT_EQ(Open(kUnkeyedStatus, keyed, MessageKeys{}, {}, &o), ProtectError::kBadDigest);
  EXPECT_EQ(Open(StatusProtection(MessageType::kCamReg), unkeyed, f.keys(), {}, &o),
            ProtectError::kBadMac);
}

TEST(Protect, SignedTypesAreRefusedOnTheKeyedPath) {
  Fixture f;
  Bytes out(2048);
  size_t written = 0;
  EXPECT_EQ(Seal(ProtectionOf(MessageType::kKeyRequest), 1, kContent, f.keys(), out, &written),
            ProtectError::kWrongType);
}

TEST(Protect, SealInPlaceMatchesSealFromElsewhere) {
  Fixture f;
  for (MessageType t : {MessageType::kRenewInfo, MessageType::kCamReg}) {
    const Protection& p = ProtectionOf(t);
    const Bytes expected = SealOrDie(p, 9, kContent, f.keys());
    Bytes buf(SealedLen(p, kContent.size()));
    std::copy(kContent.begin(), kContent.end(), buf.begin() + kHeaderLen);
    size_t written = 0;
    ASSERT_EQ(
        Seal(p, 9, ByteView(buf.data() + kHeaderLen, kContent.size()), f.keys(), buf, &written),
        ProtectError::kOk);
    EXPECT_EQ(buf, expected) << MessageTypeName(t);
  }
}

TEST(Protect, SizeLimits) {
  Fixture f;
  Bytes out(70000);
  size_t written = 0;
  const Protection& enc = ProtectionOf(MessageType::kRenewInfo);
  EXPECT_EQ(Seal(enc, 1, Bytes(1, 0x30), f.keys(), out, &written), ProtectError::kBadContentLength);
  // Largest encrypted content: 16 + PaddedSize(n) <= 65535 -> n <= 65503.
  EXPECT_EQ(Seal(enc, 1, Bytes(65503, 0), f.keys(), out, &written), ProtectError::kOk);
  EXPECT_EQ(Seal(enc, 1, Bytes(65504, 0), f.keys(), out, &written),
            ProtectError::kBadContentLength);
  EXPECT_EQ(Seal(enc, 1, kContent, f.keys(), MutableByteView(out).first(50), &written),
            ProtectError::kBufferTooSmall);
  const Bytes m = SealOrDie(enc, 1, kContent, f.keys());
  Bytes small(m.size() - kHeaderLen - kMacLen - 1);
  OpenedMessage o;
  EXPECT_EQ(Open(enc, m, f.keys(), small, &o), ProtectError::kBufferTooSmall);
}

}  // namespace
}  // namespace rcas::protocol
