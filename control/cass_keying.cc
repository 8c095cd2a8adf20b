// Key establishment: the AC's answers, KeyResponse (normal, PROFILE §13.4) and KeyRegResponse
// (fast, §13.12) signed on the RSA batcher, CAMReg (§13.5) and CAMRegConfirm (§13.6).

#include <openssl/crypto.h>
#include <unistd.h>

#include <algorithm>

#include "control/cass_engine.h"
#include "crypto/random.h"
#include "protocol/key_schedule_fast.h"
#include "protocol/protect_signed.h"

namespace rcas::control {

using protocol::MessageType;
using protocol::StatusCode;

namespace {

template <size_t N>
protocol::FixedView<N> Fix(ByteView v) {
  return protocol::FixedView<N>(v.data(), N);  // sizes were checked by the DER decoder
}

// EncryptToCam is RSAEncryptedContent: OAEP of the DER secret to the CAM key (§7.3, §8); the
// plaintext copy is wiped.
template <protocol::Content T>
std::optional<Bytes> EncryptToCam(const T& secret, const crypto::RsaPublicKey& key) {
  Bytes der;
  if (!protocol::Encode(secret, &der)) {
    return std::nullopt;
  }
  const crypto::SecretBytes plain(der);
  OPENSSL_cleanse(der.data(), der.size());
  auto cipher = key.EncryptOaepSha256(plain.view());
  if (!cipher.ok()) {
    return std::nullopt;
  }
  return std::move(*cipher);
}

}  // namespace

void CassEngine::OnAcResult(AcResult& r) {
  CassSession* s = table_.Get(r.tag);
  if (s != nullptr && s->pending_async > 0) {
    --s->pending_async;
  }
  if (!r.ok && !r.error.empty()) {
    counters_.Add(CassCounter::kAcStoreError);
  }
  switch (r.kind) {
    case AcRequestKind::kNormalKeyRequest:
    case AcRequestKind::kFast:
      if (s != nullptr && s->state == SessionState::kAcWait) {
        if (r.ok) {
          RememberStage1(*s, r);
          OnKeyMaterial(*s, r);
        } else {
          RefuseFirst(s->peer, s, s->session_id, s->first_nonce, s->first_type, r.status);
        }
      }
      break;
    case AcRequestKind::kNormalCamReg:
      if (s != nullptr && s->state == SessionState::kAcWaitCamReg) {
        RememberStage2(*s, r);
        OnCamRegAc(*s, r);
      }
      break;
    default:  // reports and forwarded RenewConfirms: stored or not, nothing to answer
      if (!r.ok) {
        counters_.Add(CassCounter::kAcReportErrors);
      }
      break;
  }
}

// OnKeyMaterial builds the response to the first request from the AC's answer: IHK (normal) or
// the §12 keys from AK (fast), the confidential content under OAEP, then the signature.
void CassEngine::OnKeyMaterial(CassSession& s, AcResult& r) {
  const protocol::Secret20& chk = zone_.chk();
  std::optional<Bytes> cipher;
  if (s.mode == protocol::KeyMode::kNormal) {
    crypto::SecretArray<protocol::kRandLen> rand_ihk;
    crypto::RandomBytes(rand_ihk.mutable_view());
    const protocol::Secret20 ihk =
        protocol::DeriveIhk(protocol::Fixed(rand_ihk), zone_.ip_addr(), s.key_pairing_id);  // §11.5
    s.kc = r.kc;
    s.keys = protocol::SessionKeys::Normal(ihk);
    const protocol::KeyResponseConfidential secret{chk.view(),   ihk.view(),   r.rand_ac[0],
                                                   r.rand_ac[1], r.rand_ac[2], r.kpk.view()};
    cipher = EncryptToCam(secret, *s.cam_key);
    if (cipher) {
      Bytes der;
      const protocol::KeyResponseContent content{s.session_id, config_.cass_certificate_der,
                                                 *cipher, r.sign_kpk};
      if (protocol::Encode(content, &der)) {
        NotifyKeys(s);  // IHK, before the KeyResponse is signed and sent
        SignAndSend(s, MessageType::kKeyResponse, der);
        return;
      }
    }
  } else {
    const crypto::AesKey& ak = r.ak;
    const protocol::FastModeKeys k = protocol::DeriveFastModeKeys(ak);  // §12.1
    s.keys = protocol::SessionKeys::Fast(k.mak, k.mek, k.mek_iv);
    s.icciek = k.icciek;
    s.icciek_iv = k.icciek_iv;
    s.ccciek = k.ccciek;
    s.ccciek_iv = k.ccciek_iv;
    const protocol::KeyRegResponseConfidential secret{ak.view(), chk.view()};  // §20 D7
    cipher = EncryptToCam(secret, *s.cam_key);
    if (cipher) {
      Bytes der;
      const protocol::KeyRegResponseContent content{s.session_id, *cipher,
                                                    config_.cass_certificate_der};
      if (protocol::Encode(content, &der)) {
        NotifyKeys(s);  // MAK, MEK, MEK-IV at once
        SignAndSend(s, MessageType::kKeyRegResponse, der);
        return;
      }
    }
  }
  counters_.Add(CassCounter::kRsaFailure);
  RefuseFirst(s.peer, &s, s.session_id, s.first_nonce, s.first_type, StatusCode::kBusy);
}

// SignAndSend stages H || C for the RSA batcher (the engine never runs a private-key operation);
// FlushRsa queues it with the turn's other jobs, OnSigned sends the result.
void CassEngine::SignAndSend(CassSession& s, MessageType type, ByteView content) {
  Bytes part(protocol::kHeaderLen);
  protocol::WriteHeader(protocol::MakeHeader(type, content.size(), s.first_nonce), part.data());
  Append(part, content);
  std::shared_ptr<RsaInbox> inbox = rsa_inbox_;
  const uint64_t id = s.id;
  auto done = [inbox, id, message = part](Bytes signature) mutable {
    if (signature.size() == protocol::kSignatureLen) {
      Append(message, signature);
    } else {
      message.clear();
    }
    std::lock_guard lock(inbox->mu);
    inbox->done.push_back({id, std::move(message)});
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(inbox->event_fd, &one, sizeof one);
  };
  rsa_staged_.Sign(config_.cass_key, std::move(part), std::move(done));  // queued by FlushRsa
  staged_owners_.push_back({s.id, 0});
  ++s.pending_async;
  s.state = SessionState::kSigning;
  Arm(s, config_.timeouts.ac_ms);
}

void CassEngine::OnSigned(Signed& done) {
  CassSession* s = table_.Get(done.session);
  if (s == nullptr) {
    return;
  }
  if (s->pending_async > 0) {
    --s->pending_async;
  }
  if (s->state != SessionState::kSigning) {
    return;
  }
  if (done.message.empty()) {
    counters_.Add(CassCounter::kRsaFailure);
    RefuseFirst(s->peer, s, s->session_id, s->first_nonce, s->first_type, StatusCode::kBusy);
    return;
  }
  s->cache.Answer(s->first_type, s->first_nonce, done.message);
  Send(s->peer, std::move(done.message));
  if (s->mode == protocol::KeyMode::kNormal) {
    s->state = SessionState::kWaitCamReg;
    Arm(*s, config_.timeouts.cam_reg_ms);
    return;
  }
  s->state = SessionState::kEstablished;  // fast mode: no CAMReg (§15.5)
  counters_.Add(CassCounter::kSessionsEstablished);
  StartRenewal(*s);
}

// OnCamReg is the W_CAMREG row of §15.4: MAC (IHK) first, then content, cAMID, the hash of the
// keys derived from the AC's Kc, and only then the AC's stage 2 (checks and commit, §16.2).
void CassEngine::OnCamReg(const PeerRef& peer, ByteView message, const protocol::Header& h) {
  CassSession* s = FindKeyedSession(peer, h);
  if (s == nullptr) {
    return;
  }
  if (s->mode != protocol::KeyMode::kNormal || !s->keys) {
    counters_.Add(CassCounter::kRxNoSession);  // no IHK yet: it cannot match an exchange
    return;
  }
  const ResponseCache::Lookup dup = s->cache.Find(MessageType::kCamReg, h.nonce, message);
  if (dup.verdict == ResponseCache::Verdict::kAnswered) {
    counters_.Add(CassCounter::kRxDuplicateAnswered);
    Send(s->peer, *dup.response, s->closed());
    return;
  }
  if (dup.verdict != ResponseCache::Verdict::kNew) {
    counters_.Add(dup.verdict == ResponseCache::Verdict::kPending ? CassCounter::kRxDuplicatePending
                                                                  : CassCounter::kRxNonceConflict);
    return;
  }
  if (s->closed()) {  // kept for duplicates only (§15.4 CLOSED); no live exchange, no Status (§9.5)
    counters_.Add(CassCounter::kRxNoSession);
    return;
  }
  Bytes unused;
  ByteView content;
  const protocol::ProtectError e =
      OpenKeyed(*s, peer, MessageType::kCamReg, message, unused, &content);
  if (e != protocol::ProtectError::kOk) {
    if (e == protocol::ProtectError::kBadMac && s->state == SessionState::kWaitCamReg) {
      FailKeyed(*s, MessageType::kCamReg, s->session_id, h.nonce, StatusCode::kHmacFail);
    } else {
      counters_.Add(e == protocol::ProtectError::kBadMac ? CassCounter::kRxBadMacDropped
                                                         : CassCounter::kRxBadFrame);
    }
    return;
  }
  if (s->state != SessionState::kWaitCamReg) {  // a new CAMReg in another state
    FailKeyed(*s, MessageType::kCamReg, s->session_id, h.nonce, StatusCode::kUnexpected);
    return;
  }
  protocol::CamRegContent c;
  if (protocol::Decode(content, &c) != protocol::DecodeError::kNone) {
    const auto peeked = protocol::PeekSessionId(content);  // §23 item 1
    FailKeyed(*s, MessageType::kCamReg, peeked ? *peeked : Bytes(protocol::kSessionIdLen, 0),
              h.nonce, StatusCode::kMalformed);
    return;
  }
  if (!std::equal(c.session_id.begin(), c.session_id.end(), s->session_id.begin())) {
    FailKeyed(*s, MessageType::kCamReg, c.session_id, h.nonce, StatusCode::kUnexpected);
    return;
  }
  const bool cam_id_ok = std::equal(s->cam_id.begin(), s->cam_id.end(), c.cam_id.begin()) &&
                         std::all_of(c.cam_id.begin() + protocol::kCamIdLen, c.cam_id.end(),
                                     [](uint8_t b) { return b == 0; });
  s->cache.Begin(MessageType::kCamReg, h.nonce, message);
  s->cam_reg_nonce = h.nonce;
  if (!cam_id_ok) {
    FailKeyed(*s, MessageType::kCamReg, s->session_id, h.nonce, StatusCode::kMalformed);  // §23.5
    return;
  }
  const protocol::MekIccIek derived = protocol::DeriveMekIccIek(protocol::DeriveMk(
      s->cam_id, s->session_id, s->kc, Fix<protocol::kNonceCamLen>(c.nonce_cam),
      Fix<protocol::kVersionLen>(c.hw_version), Fix<protocol::kVersionLen>(c.sw_version)));
  if (!crypto::ConstantTimeEqual(protocol::HashMekIccIek(derived), c.hashed_mek_icciek)) {
    FailKeyed(*s, MessageType::kCamReg, s->session_id, h.nonce, StatusCode::kMekHashFail);
    return;
  }
  CopyTo(s->hw, c.hw_version);
  CopyTo(s->sw, c.sw_version);
  s->keys->SetMek(derived.mek);
  NotifyKeys(*s);
  s->icciek = derived.icciek;
  s->deliver_version = campaign_.DeliverVersion(s->cam_id);
  if (CamRegFromCache(*s)) {
    return;
  }
  AcRequest r = RequestFor(*s, AcRequestKind::kNormalCamReg);
  r.deliver_version = s->deliver_version;
  r.sole_session = !RivalLive(*s);  // a pending C1 retry, not a clone beside it (ac_types.h)
  s->state = SessionState::kAcWaitCamReg;
  if (!SubmitAc(*s, std::move(r))) {
    FailKeyed(*s, MessageType::kCamReg, s->session_id, h.nonce, StatusCode::kBusy);
    return;
  }
  Arm(*s, config_.timeouts.ac_ms);
}

// OnCamRegAc: the AC's stage 2 decided (and committed on success); CAMRegConfirm carries the
// fresh MEK-IV / ICCIEK-IV and the current common-image pair (§11.8), under MEK with IV base 0.
void CassEngine::OnCamRegAc(CassSession& s, const AcResult& r) {
  if (!r.ok) {
    FailKeyed(s, MessageType::kCamReg, s.session_id, s.cam_reg_nonce, r.status);
    return;
  }
  protocol::SecretBlock mek_iv;
  crypto::RandomBytes(mek_iv.mutable_view());
  crypto::RandomBytes(s.icciek_iv.mutable_view());
  CommonImageKeys common = campaign_.CommonKeys(s.Facts());
  s.ccciek = common.ccciek;
  s.ccciek_iv = common.ccciek_iv;
  const protocol::CamRegConfirmContent content{s.session_id, mek_iv.view(), s.icciek_iv.view(),
                                               s.ccciek_iv.view(), s.ccciek.view()};
  Bytes der;
  auto sealed = protocol::Encode(content, &der)
                    ? protocol::SealToBytes(protocol::ProtectionOf(MessageType::kCamRegConfirm),
                                            s.cam_reg_nonce, der, {nullptr, &*s.keys})
                    : Result<Bytes>(Error{"encode"});
  OPENSSL_cleanse(der.data(), der.size());
  if (!sealed.ok()) {
    counters_.Add(CassCounter::kRsaFailure);
    FailKeyed(s, MessageType::kCamReg, s.session_id, s.cam_reg_nonce, StatusCode::kBusy);
    return;
  }
  s.keys->SetMekIv(mek_iv);
  NotifyKeys(s);  // before the CAMRegConfirm that lets the CAM use MEK-IV
  s.cache.Answer(MessageType::kCamReg, s.cam_reg_nonce, *sealed);
  Send(s.peer, std::move(*sealed));
  s.state = SessionState::kEstablished;
  counters_.Add(CassCounter::kSessionsEstablished);
  StartRenewal(s);
}

}  // namespace rcas::control
