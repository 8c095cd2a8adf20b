#pragma once
// TestCam: the CAM side of PROFILE §15.2/§15.3 built from the protocol library, for driving the
// CASS engine in-process (as tools/rcasctl/demo_*.cc does): it builds each request with its own
// keys and opens each answer with its own checks, failing the test on any mismatch.

#include <gtest/gtest.h>

#include <optional>

#include "crypto/aes.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "crypto/rsa.h"
#include "crypto/sign_kpk.h"
#include "crypto/x509.h"
#include "protocol/content.h"
#include "protocol/iv.h"
#include "protocol/key_schedule.h"
#include "protocol/key_schedule_fast.h"
#include "protocol/protect.h"
#include "protocol/protect_signed.h"
#include "protocol/session_keys.h"
#include "storage/cam_record.h"

namespace rcas::control::testing {

struct CamIdentityForTest {
  crypto::CamId cam_id{};
  storage::DscId dsc_id{};
  std::array<storage::KiOpc, 3> keys;
  Bytes certificate_der;
  std::shared_ptr<const crypto::RsaPrivateKey> key;
};

inline constexpr std::array<uint8_t, 4> kHw = {0, 0, 0, 1};
inline constexpr std::array<uint8_t, 4> kSw = {0, 0, 0, 2};

class TestCam {
 public:
  TestCam(const CamIdentityForTest& id, const crypto::TrustAnchor& root, const crypto::CassId& cass)
      : id_(id), root_(root), cass_(cass) {
    crypto::RandomBytes(session_id_);
  }

  std::array<uint8_t, 48> KeyPairingId() const {
    std::array<uint8_t, 48> k{};
    std::copy(id_.cam_id.begin(), id_.cam_id.end(), k.begin());
    std::copy(id_.dsc_id.begin(), id_.dsc_id.end(), k.begin() + 8);
    return k;
  }
  std::array<uint8_t, 40> CamIdField() const {
    std::array<uint8_t, 40> f{};
    std::copy(id_.cam_id.begin(), id_.cam_id.end(), f.begin());
    return f;
  }

  // KeyRequest (§13.3), signed with the CAM key; nonce #1 kept.
  Bytes KeyRequest() {
    first_nonce_ = crypto::RandomU64();
    const auto kpid = KeyPairingId();
    return SignedMessage(protocol::MessageType::kKeyRequest,
                         protocol::KeyRequestContent{session_id_, kpid, id_.certificate_der});
  }
  Bytes KeyRegRequest() {
    first_nonce_ = crypto::RandomU64();
    const auto kpid = KeyPairingId();
    const auto field = CamIdField();
    return SignedMessage(
        protocol::MessageType::kKeyRegRequest,
        protocol::KeyRegRequestContent{session_id_, kpid, field, kHw, kSw, id_.certificate_der});
  }
  template <protocol::Content T>
  Bytes SignedMessage(protocol::MessageType type, const T& content) {
    Bytes der;
    EXPECT_TRUE(protocol::Encode(content, &der));
    auto sealed = protocol::SealSignedToBytes(type, first_nonce_, der, *id_.key);
    EXPECT_TRUE(sealed.ok());
    return sealed.ok() ? *sealed : Bytes{};
  }

  // AcceptKeyResponse runs the §13.4 checks and derives the CAMReg keys; false on any failure.
  bool AcceptKeyResponse(ByteView message) {
    protocol::SignedMessage m;
    protocol::KeyResponseContent c;
    if (!OpenSigned(message, &m, &c)) {
      return false;
    }
    auto plain = id_.key->DecryptOaepSha256(c.rsa_encrypted_content);
    protocol::KeyResponseConfidential secret;
    if (!plain || protocol::Decode(plain->view(), &secret) != protocol::DecodeError::kNone) {
      return false;
    }
    if (!crypto::VerifyKpk(root_.public_key(), KeyPairingId(), secret.kpk, c.sign_kpk)) {
      return false;
    }
    chk_ = protocol::Secret20(secret.chk);
    keys_ = protocol::SessionKeys::Normal(protocol::Secret20(secret.ihk));
    const ByteView rand[3] = {secret.rand_ac_1, secret.rand_ac_2, secret.rand_ac_3};
    for (size_t j = 0; j < 3; ++j) {
      kc_[j] = protocol::DeriveKc(id_.keys[j].ki, id_.keys[j].opc,
                                  protocol::FixedView<16>(rand[j].data(), 16));
    }
    return true;
  }
  bool AcceptKeyRegResponse(ByteView message) {
    protocol::SignedMessage m;
    protocol::KeyRegResponseContent c;
    if (!OpenSigned(message, &m, &c)) {
      return false;
    }
    auto plain = id_.key->DecryptOaepSha256(c.rsa_encrypted_content);
    protocol::KeyRegResponseConfidential secret;
    if (!plain || protocol::Decode(plain->view(), &secret) != protocol::DecodeError::kNone) {
      return false;
    }
    chk_ = protocol::Secret20(secret.chk);
    const protocol::FastModeKeys k = protocol::DeriveFastModeKeys(crypto::AesKey(secret.ak));
    keys_ = protocol::SessionKeys::Fast(k.mak, k.mek, k.mek_iv);
    icciek_ = k.icciek;
    icciek_iv_ = k.icciek_iv;
    ccciek_ = k.ccciek;
    ccciek_iv_ = k.ccciek_iv;
    return true;
  }

  // CamReg (§13.5) with `nonce_cam` fresh; `tamper_hash` breaks hashed-MEK-ICCIEK.
  Bytes CamReg(bool tamper_hash = false, std::optional<std::array<uint8_t, 40>> cam_id = {}) {
    const auto nonce_cam = crypto::RandomArray<16>();
    const protocol::MekIccIek d = protocol::DeriveMekIccIek(
        protocol::DeriveMk(id_.cam_id, session_id_, kc_, nonce_cam, kHw, kSw));
    crypto::Sha1Digest hash = protocol::HashMekIccIek(d);
    hash[0] ^= tamper_hash ? 1 : 0;
    mek_ = d.mek;
    icciek_ = d.icciek;
    const auto field = cam_id.value_or(CamIdField());
    cam_reg_nonce_ = crypto::RandomU64();
    return Keyed(protocol::MessageType::kCamReg, cam_reg_nonce_,
                 protocol::CamRegContent{session_id_, nonce_cam, field, kHw, kSw, hash});
  }

  bool AcceptCamRegConfirm(ByteView message) {
    keys_->SetMek(mek_);
    protocol::CamRegConfirmContent c;
    Bytes plain;
    if (!Open(protocol::MessageType::kCamRegConfirm, message, cam_reg_nonce_, &plain, &c)) {
      return false;
    }
    keys_->SetMekIv(protocol::SecretBlock(c.mek_iv));
    icciek_iv_ = protocol::SecretBlock(c.icciek_iv);
    ccciek_iv_ = protocol::SecretBlock(c.ccciek_iv);
    ccciek_ = crypto::AesKey(c.ccciek);
    return true;
  }

  // Open checks a keyed message for the session (MAC, decryption, DER, sessionID, nonce).
  template <protocol::Content T>
  bool Open(protocol::MessageType type, ByteView message, uint64_t nonce, Bytes* plain, T* out) {
    plain->assign(message.size(), 0);
    protocol::OpenedMessage opened;
    if (protocol::Open(protocol::ProtectionOf(type), message, {&*chk_, &*keys_}, *plain, &opened) !=
            protocol::ProtectError::kOk ||
        opened.header.type != type || (nonce != 0 && opened.header.nonce != nonce) ||
        protocol::Decode(opened.content, out) != protocol::DecodeError::kNone) {
      return false;
    }
    return std::equal(out->session_id.begin(), out->session_id.end(), session_id_.begin());
  }

  template <protocol::Content T>
  Bytes Keyed(protocol::MessageType type, uint64_t nonce, const T& content) {
    Bytes der;
    EXPECT_TRUE(protocol::Encode(content, &der));
    auto sealed =
        protocol::SealToBytes(protocol::ProtectionOf(type), nonce, der, {nullptr, &*keys_});
    EXPECT_TRUE(sealed.ok());
    return sealed.ok() ? *sealed : Bytes{};
  }

  Bytes RenewConfirm(uint64_t nonce, bool ok) {
    return Keyed(protocol::MessageType::kRenewConfirm, nonce,
                 protocol::RenewConfirmContent{session_id_, ok});
  }
  Bytes PurchaseReport(uint64_t nonce, ByteView info) {
    return Keyed(protocol::MessageType::kPurchaseReport, nonce,
                 protocol::PurchaseReportContent{session_id_, info});
  }
  Bytes LogResponse(uint64_t nonce, ByteView info) {
    return Keyed(protocol::MessageType::kLogResponse, nonce,
                 protocol::LogResponseContent{session_id_, info});
  }
  Bytes KeyedStatus(uint64_t nonce, uint8_t code) {
    return Keyed(protocol::MessageType::kStatus, nonce, protocol::StatusContent{session_id_, code});
  }
  Bytes UnkeyedStatus(uint64_t nonce, uint8_t code) {
    Bytes der;
    EXPECT_TRUE(protocol::Encode(protocol::StatusContent{session_id_, code}, &der));
    return *protocol::SealToBytes(protocol::kUnkeyedStatus, nonce, der, {});
  }

  // KeyedWithBadPadding is a message of `type` under the session's MEK whose MAC verifies but
  // whose one cipher block decrypts to a last octet of 0x00: a PKCS#7 failure (§23 item 20).
  Bytes KeyedWithBadPadding(protocol::MessageType type, uint64_t nonce) const {
    const protocol::SessionKeys& k = *keys_;
    const auto iv = protocol::DeriveMessageIv(*k.mek(), *k.mek_iv(), type, nonce);
    Bytes cipher = crypto::AesCbcEncrypt(k.mek()->view(), iv.view(), Bytes(16, 0));
    cipher.resize(16);  // drop the padding block
    Bytes message(16);
    protocol::WriteHeader(protocol::MakeHeader(type, 16, nonce), message.data());
    Append(message, cipher);
    Append(message, crypto::HmacSha1(k.ik(), message));
    return message;
  }

  // Status reads a Status the CASS sent: its code, or -1 if it does not open in `form`.
  int StatusCode(ByteView message, bool keyed) const {
    protocol::OpenedMessage opened;
    const auto& p =
        keyed ? protocol::ProtectionOf(protocol::MessageType::kStatus) : protocol::kUnkeyedStatus;
    protocol::StatusContent c;
    if (protocol::Open(p, message, {nullptr, keys_ ? &*keys_ : nullptr}, {}, &opened) !=
            protocol::ProtectError::kOk ||
        protocol::Decode(opened.content, &c) != protocol::DecodeError::kNone) {
      return -1;
    }
    return c.status_info;
  }

  // Image decrypts an object with the session's image key (§17.1) and checks its SHA-1.
  bool ImageOk(ByteView cipher, bool common, ByteView sha1) const {
    const auto plain =
        crypto::AesCbcDecrypt(common ? ccciek_.view() : icciek_.view(),
                              common ? ccciek_iv_.view() : icciek_iv_.view(), cipher);
    return plain && crypto::ConstantTimeEqual(crypto::Sha1(*plain), sha1);
  }

  storage::SessionId& session_id() { return session_id_; }
  uint64_t first_nonce() const { return first_nonce_; }
  uint64_t cam_reg_nonce() const { return cam_reg_nonce_; }
  const crypto::AesKey& icciek() const { return icciek_; }
  const protocol::SecretBlock& icciek_iv() const { return icciek_iv_; }
  const crypto::AesKey& ccciek() const { return ccciek_; }
  const protocol::SecretBlock& ccciek_iv() const { return ccciek_iv_; }
  const std::optional<protocol::Secret20>& chk() const { return chk_; }
  std::optional<protocol::SessionKeys>& keys() { return keys_; }

 private:
  template <protocol::Content T>
  bool OpenSigned(ByteView message, protocol::SignedMessage* m, T* c) {
    if (protocol::ParseSigned(message, m) != protocol::ProtectError::kOk ||
        m->header.nonce != first_nonce_ ||
        protocol::Decode(m->content, c) != protocol::DecodeError::kNone ||
        !std::equal(c->session_id.begin(), c->session_id.end(), session_id_.begin())) {
      return false;
    }
    auto cert = crypto::CheckCassCertificate(root_, c->cass_certificate, cass_, std::nullopt);
    return cert.ok() &&
           protocol::VerifySigned(*m, *cert.subject_key) == protocol::ProtectError::kOk;
  }

  const CamIdentityForTest& id_;
  const crypto::TrustAnchor& root_;
  crypto::CassId cass_;
  storage::SessionId session_id_{};
  uint64_t first_nonce_ = 0;
  uint64_t cam_reg_nonce_ = 0;
  std::optional<protocol::Secret20> chk_;
  std::array<protocol::Kc, 3> kc_;
  std::optional<protocol::SessionKeys> keys_;
  crypto::AesKey mek_;
  crypto::AesKey icciek_;
  protocol::SecretBlock icciek_iv_;
  crypto::AesKey ccciek_;
  protocol::SecretBlock ccciek_iv_;
};

}  // namespace rcas::control::testing
