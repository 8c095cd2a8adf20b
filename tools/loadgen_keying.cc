// LoadGenerator's key establishment: the signed first request (presigned or signed now), the
// CAM's checks of KeyResponse / KeyRegResponse in the order of PROFILE §13.4 / §13.12 with the
// OAEP decryptions batched on the IFMA kernel, CAMReg -> CAMRegConfirm (§13.5, §13.6), and
// Status in both directions (§9.5, §14).

#include <algorithm>
#include <thread>

#include "crypto/random.h"
#include "crypto/rsa_verify_batch.h"
#include "protocol/content.h"
#include "protocol/key_schedule_fast.h"
#include "protocol/protect.h"
#include "protocol/protect_signed.h"
#include "tools/loadgen_cam.h"

namespace rcas::tools {
namespace {

using protocol::MessageType;

constexpr std::array<uint8_t, 4> kHw = {0, 0, 0, 1};  // the reference CAM's defaults
constexpr std::array<uint8_t, 4> kSw = {0, 0, 0, 2};
constexpr std::array<uint8_t, protocol::kSessionIdLen> kZeroSessionId{};

std::array<uint8_t, protocol::kCamIdFieldLen> CamIdField(const crypto::CamId& cam_id) {
  std::array<uint8_t, protocol::kCamIdFieldLen> field{};  // CAM_ID || 0x00*32 (§2.2)
  std::copy(cam_id.begin(), cam_id.end(), field.begin());
  return field;
}

// FirstAnswer is the decoded KeyResponse or KeyRegResponse (views into the message).
struct FirstAnswer {
  protocol::SignedMessage parsed;
  protocol::KeyResponseContent normal{};
  protocol::KeyRegResponseContent fast{};
  ByteView session_id, certificate, cipher;
};

bool ParseFirstAnswer(ByteView message, bool fast, FirstAnswer* a) {
  if (protocol::ParseSigned(message, &a->parsed) != protocol::ProtectError::kOk) {
    return false;
  }
  if (fast) {
    if (protocol::Decode(a->parsed.content, &a->fast) != protocol::DecodeError::kNone) {
      return false;
    }
    a->session_id = a->fast.session_id;
    a->certificate = a->fast.cass_certificate;
    a->cipher = a->fast.rsa_encrypted_content;
    return true;
  }
  if (protocol::Decode(a->parsed.content, &a->normal) != protocol::DecodeError::kNone) {
    return false;
  }
  a->session_id = a->normal.session_id;
  a->certificate = a->normal.cass_certificate;
  a->cipher = a->normal.rsa_encrypted_content;
  return true;
}

}  // namespace

Bytes LoadGenerator::SignFirstRequest(uint32_t cam, uint64_t nonce) {
  const Cam& c = cams_[cam];
  const LoadIdentity& id = ids_.cam(c.identity);
  const auto kpid = id.KeyPairingId();
  Bytes der;
  const bool encoded =
      o_.fast ? protocol::Encode(
                    protocol::KeyRegRequestContent{c.session_id, kpid, CamIdField(id.cam_id), kHw,
                                                   kSw, ids_.certificate(c.identity)},
                    &der)
              : protocol::Encode(
                    protocol::KeyRequestContent{c.session_id, kpid, ids_.certificate(c.identity)},
                    &der);
  auto sealed = encoded ? protocol::SealSignedToBytes(
                              o_.fast ? MessageType::kKeyRegRequest : MessageType::kKeyRequest,
                              nonce, der, ids_.key(c.identity).key())
                        : Result<Bytes>(Error{"encode"});
  return sealed ? std::move(*sealed) : Bytes();
}

// PreSign signs each genuine CAM's first request on `threads` threads, before the clock runs.
void LoadGenerator::PreSign(unsigned threads) {
  const int64_t start = LoadNowUs();
  threads = threads == 0 ? std::max(1u, std::thread::hardware_concurrency()) : threads;
  for (size_t i = 0; i < genuine_; ++i) {
    crypto::RandomBytes(cams_[i].session_id);
    cams_[i].first_nonce = crypto::RandomU64();
  }
  std::vector<std::vector<Bytes>> parts(threads);
  std::vector<std::thread> workers;
  const size_t per = (genuine_ + threads - 1) / threads;
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([this, t, per, &parts] {
      for (size_t i = t * per; i < std::min(genuine_, (t + 1) * per); ++i) {
        parts[t].push_back(SignFirstRequest(uint32_t(i), cams_[i].first_nonce));
      }
    });
  }
  for (std::thread& w : workers) {
    w.join();
  }
  presigned_at_.assign(1, 0);
  for (std::vector<Bytes>& part : parts) {
    for (Bytes& m : part) {
      presigned_.insert(presigned_.end(), m.begin(), m.end());
      presigned_at_.push_back(presigned_.size());
      Bytes().swap(m);
    }
  }
  report_.presign_s = double(LoadNowUs() - start) / 1e6;
}

// CassKey is the key of a CASS certificate that passed §10.4 before, found by its bytes (a
// CASS that renews its certificate mid-run has two), or null.
const crypto::RsaBatchPublicKey* LoadGenerator::CassKey(ByteView certificate) const {
  for (const auto& [der, key] : cass_keys_) {
    if (std::equal(certificate.begin(), certificate.end(), der.begin(), der.end())) {
      return key.get();
    }
  }
  return nullptr;
}

bool LoadGenerator::CheckFailed(const char* what) {
  ++report_.check_failures[what];
  return false;
}

// OnFirstResponse runs the checks of §13.4 up to the certificate (only with `check`; a CASS
// certificate that passed once is recognised by its bytes) and queues the signature check and
// the decryption for the next batch.
void LoadGenerator::OnFirstResponse(uint32_t cam, ByteView message, int64_t now_us) {
  Cam& c = cams_[cam];
  FirstAnswer a;
  uint8_t code = 0;
  if (!ParseFirstAnswer(message, o_.fast, &a)) {
    code = 0x81;
    CheckFailed("framing and content");
  } else if (!crypto::ConstantTimeEqual(a.session_id, c.session_id)) {
    code = 0x82;
    CheckFailed("sessionID");
  } else if (o_.check && CassKey(a.certificate) == nullptr) {
    const ByteView want = o_.cass_id ? ByteView(*o_.cass_id) : ByteView();
    const crypto::CassCertResult cert =
        crypto::CheckCassCertificate(ids_.root(), a.certificate, want, std::nullopt);
    if (!cert.ok()) {
      code = 0x05;
      CheckFailed("CASS certificate");
    } else if (cass_keys_.size() < kMaxCassCertificates) {
      cass_keys_.push_back({Bytes(a.certificate.begin(), a.certificate.end()),
                            std::make_unique<crypto::RsaBatchPublicKey>(*cert.subject_key)});
    }
  }
  const LatencyKind kind = o_.fast ? LatencyKind::kKeyRegResponse : LatencyKind::kKeyResponse;
  report_.latency[size_t(kind)].Record(uint64_t(now_us - c.sent_us));
  if (code != 0) {
    SendStatus(cam, code, c.first_nonce, false);
    return EndSession(cam, now_us, true);
  }
  decrypt_in_[c.flow].assign(message.begin(), message.end());
  c.step = CamStep::kDecrypting;
  ++c.timer_gen;  // the answer is here: no more retransmissions
  if (decrypt_queue_.empty()) {
    decrypt_since_us_ = now_us;
  }
  decrypt_queue_.push_back(cam);
}

// RunDecrypts runs the queued answers' checks in §13.4 order, each kind as one batch on the
// IFMA kernel: the response signatures (with `check`), the OAEP decryptions of those that
// verified, then (normal mode, with `check`) sIGN-kpk over the decrypted KPKs.
void LoadGenerator::RunDecrypts(int64_t now_us) {
  const std::vector<uint32_t> queue = std::move(decrypt_queue_);
  decrypt_queue_.clear();
  const size_t n = queue.size();
  std::vector<FirstAnswer> answers(n);
  auto signed_ok = std::make_unique<bool[]>(n);
  std::vector<crypto::RsaVerifyJob> verify;
  for (size_t j = 0; j < n; ++j) {
    ParseFirstAnswer(decrypt_in_[cams_[queue[j]].flow], o_.fast, &answers[j]);  // parsed once
    signed_ok[j] = !o_.check;
    const crypto::RsaBatchPublicKey* key = o_.check ? CassKey(answers[j].certificate) : nullptr;
    if (o_.check && key == nullptr) {  // more CASS certificates than kept: this one alone
      const ByteView want = o_.cass_id ? ByteView(*o_.cass_id) : ByteView();
      const crypto::CassCertResult cert =
          crypto::CheckCassCertificate(ids_.root(), answers[j].certificate, want, std::nullopt);
      signed_ok[j] = cert.ok() && protocol::VerifySigned(answers[j].parsed, *cert.subject_key) ==
                                      protocol::ProtectError::kOk;
    } else if (o_.check) {
      verify.push_back(
          {key, answers[j].parsed.signed_part, answers[j].parsed.signature, &signed_ok[j]});
    }
  }
  crypto::VerifyPkcs1Sha256Batch(verify);
  std::vector<std::optional<crypto::SecretBytes>> plain(n);
  std::vector<crypto::RsaDecryptJob> jobs;
  for (size_t j = 0; j < n; ++j) {
    if (signed_ok[j]) {
      jobs.push_back({&ids_.key(cams_[queue[j]].identity), answers[j].cipher, &plain[j]});
    }
  }
  crypto::DecryptOaepSha256Batch(jobs);
  // sIGN-kpk (normal mode): the AC root's signature over KeyPairingID || KPK (§13.4).
  std::vector<Bytes> kpk_inputs(n);
  auto kpk_ok = std::make_unique<bool[]>(n);
  std::vector<crypto::RsaVerifyJob> kpk;
  for (size_t j = 0; j < n; ++j) {
    kpk_ok[j] = true;
    protocol::KeyResponseConfidential secret;
    if (o_.fast || !o_.check || !plain[j] ||
        protocol::Decode(plain[j]->view(), &secret) != protocol::DecodeError::kNone) {
      continue;  // a bad secret fails in OnSecret
    }
    const auto kpid = ids_.cam(cams_[queue[j]].identity).KeyPairingId();
    kpk_inputs[j].assign(kpid.begin(), kpid.end());
    kpk_inputs[j].insert(kpk_inputs[j].end(), secret.kpk.begin(), secret.kpk.end());
    kpk.push_back({root_key_.get(), kpk_inputs[j], answers[j].normal.sign_kpk, &kpk_ok[j]});
  }
  crypto::VerifyPkcs1Sha256Batch(kpk);
  for (size_t j = 0; j < n; ++j) {
    const uint32_t cam = queue[j];
    if (cams_[cam].step != CamStep::kDecrypting) {
      continue;
    }
    uint8_t code = 0;
    if (!signed_ok[j]) {
      code = 0x05;
      CheckFailed("RSA signature");
    } else if (!plain[j]) {
      code = 0x84;
      CheckFailed("OAEP decryption");
    } else if (!kpk_ok[j]) {
      code = 0x05;
      CheckFailed("sIGN-kpk");
    }
    if (code != 0) {
      SendStatus(cam, code, cams_[cam].first_nonce, false);
      EndSession(cam, now_us, true);
      continue;
    }
    OnSecret(cam, plain[j]->view(), now_us);
  }
}

// OnSecret: fast mode derives the §12 keys from AK and is established; normal mode derives Kc,
// MK, MEK, ICCIEK (§11.3, §11.4) and sends CAMReg.
void LoadGenerator::OnSecret(uint32_t cam, ByteView secret, int64_t now_us) {
  Cam& c = cams_[cam];
  if (o_.fast) {
    protocol::KeyRegResponseConfidential s;
    if (protocol::Decode(secret, &s) != protocol::DecodeError::kNone) {
      CheckFailed("confidential content");
      SendStatus(cam, 0x81, c.first_nonce, false);
      return EndSession(cam, now_us, true);
    }
    KeepChk(s.chk);
    const protocol::FastModeKeys k = protocol::DeriveFastModeKeys(crypto::AesKey(s.ak));
    c.keys = protocol::SessionKeys::Fast(k.mak, k.mek, k.mek_iv);
    c.icciek = k.icciek;
    c.icciek_iv = k.icciek_iv;
    c.ccciek = k.ccciek;
    c.ccciek_iv = k.ccciek_iv;
    return Established(cam, now_us);
  }
  protocol::KeyResponseConfidential s;
  if (protocol::Decode(secret, &s) != protocol::DecodeError::kNone) {
    CheckFailed("confidential content");
    SendStatus(cam, 0x81, c.first_nonce, false);
    return EndSession(cam, now_us, true);
  }
  const LoadIdentity& id = ids_.cam(c.identity);  // sIGN-kpk was checked with the batch
  KeepChk(s.chk);
  c.keys = protocol::SessionKeys::Normal(protocol::Secret20(s.ihk));
  const ByteView rand[3] = {s.rand_ac_1, s.rand_ac_2, s.rand_ac_3};
  std::array<protocol::Kc, 3> kc;
  for (size_t j = 0; j < 3; ++j) {
    kc[j] = protocol::DeriveKc(
        id.keys[j].ki, id.keys[j].opc,
        protocol::FixedView<protocol::kRandAcLen>(rand[j].data(), protocol::kRandAcLen));
  }
  const auto nonce_cam = crypto::RandomArray<protocol::kNonceCamLen>();
  const protocol::MekIccIek d = protocol::DeriveMekIccIek(
      protocol::DeriveMk(id.cam_id, c.session_id, kc, nonce_cam, kHw, kSw));
  c.keys.SetMek(d.mek);
  c.icciek = d.icciek;
  Bytes der;
  c.reg_nonce = crypto::RandomU64();
  const Bytes sealed =
      protocol::Encode(protocol::CamRegContent{c.session_id, nonce_cam, CamIdField(id.cam_id), kHw,
                                               kSw, protocol::HashMekIccIek(d)},
                       &der)
          ? SealKeyed(cam, MessageType::kCamReg, c.reg_nonce, der)
          : Bytes();
  if (sealed.empty()) {
    return EndSession(cam, now_us, true);
  }
  c.step = CamStep::kWaitRegConfirm;
  SendRequest(cam, sealed, MessageType::kCamReg, now_us);
}

void LoadGenerator::OnCamRegConfirm(uint32_t cam, ByteView message, int64_t now_us) {
  Cam& c = cams_[cam];
  scratch_.resize(message.size());
  protocol::OpenedMessage opened;
  const protocol::ProtectError e =
      protocol::Open(protocol::ProtectionOf(MessageType::kCamRegConfirm), message,
                     {nullptr, &c.keys}, scratch_, &opened);
  report_.latency[size_t(LatencyKind::kCamRegConfirm)].Record(uint64_t(now_us - c.sent_us));
  protocol::CamRegConfirmContent v;
  uint8_t code = 0;
  ByteView sid = c.session_id;
  if (e == protocol::ProtectError::kBadMac) {
    code = 0x04;  // §15.2 W_REGCNF
    CheckFailed("CAMRegConfirm HMAC");
  } else if (e == protocol::ProtectError::kBadPadding) {
    code = 0x81;  // §23.20
    sid = kZeroSessionId;
    CheckFailed("CAMRegConfirm padding");
  } else if (e != protocol::ProtectError::kOk) {
    ++report_.stray;
    return;
  } else if (protocol::Decode(opened.content, &v) != protocol::DecodeError::kNone) {
    code = 0x81;
    CheckFailed("CAMRegConfirm content");
  } else if (!crypto::ConstantTimeEqual(v.session_id, c.session_id)) {
    code = 0x82;
    CheckFailed("CAMRegConfirm sessionID");
  }
  if (code != 0) {
    SendStatus(cam, code, c.reg_nonce, true, sid);
    return EndSession(cam, now_us, true);
  }
  c.keys.SetMekIv(protocol::SecretBlock(v.mek_iv));
  c.icciek_iv = protocol::SecretBlock(v.icciek_iv);
  c.ccciek_iv = protocol::SecretBlock(v.ccciek_iv);
  c.ccciek = crypto::AesKey(v.ccciek);
  Established(cam, now_us);
}

// OnStatus: a Status answers the outstanding request (unkeyed for the first request, keyed
// after) or one of the CAM's answers; it must verify before the CAM acts on it.
void LoadGenerator::OnStatus(uint32_t cam, ByteView message, const protocol::Header& h,
                             int64_t now_us) {
  Cam& c = cams_[cam];
  const bool first = c.step == CamStep::kWaitFirst && h.nonce == c.first_nonce;
  const bool keyed = (c.step == CamStep::kWaitRegConfirm && h.nonce == c.reg_nonce) ||
                     ((c.step == CamStep::kEstablished || c.step == CamStep::kDownloading) &&
                      h.nonce != 0 && (h.nonce == c.renew_nonce || h.nonce == c.log_nonce));
  if (!first && !keyed) {
    ++report_.stray;
    return;
  }
  protocol::OpenedMessage opened;
  protocol::StatusContent status;
  if (protocol::Open(
          first ? protocol::kUnkeyedStatus : protocol::ProtectionOf(MessageType::kStatus), message,
          {nullptr, first ? nullptr : &c.keys}, {}, &opened) != protocol::ProtectError::kOk ||
      protocol::Decode(opened.content, &status) != protocol::DecodeError::kNone) {
    CheckFailed("Status digest or MAC");
    return;
  }
  const uint8_t code = status.status_info;
  const MessageType answered = first                      ? c.out_type
                               : h.nonce == c.reg_nonce   ? MessageType::kCamReg
                               : h.nonce == c.renew_nonce ? MessageType::kRenewConfirm
                                                          : MessageType::kLogResponse;
  if (!c.clone) {
    ++report_.status_received[std::string(protocol::MessageTypeName(answered)) + " 0x" +
                              ToHex(ByteView(&code, 1))];
  }
  report_.latency[size_t(LatencyKind::kStatus)].Record(uint64_t(now_us - c.sent_us));
  EndSession(cam, now_us, true, code);
}

void LoadGenerator::SendStatus(uint32_t cam, uint8_t code, uint64_t nonce, bool keyed,
                               ByteView session_id) {
  Cam& c = cams_[cam];
  const protocol::StatusContent content{session_id.empty() ? ByteView(c.session_id) : session_id,
                                        code};
  Bytes der;
  if (!protocol::Encode(content, &der)) {
    return;
  }
  Bytes sealed;
  if (keyed) {
    sealed = SealKeyed(cam, MessageType::kStatus, nonce, der);
  } else if (auto s = protocol::SealToBytes(protocol::kUnkeyedStatus, nonce, der, {}); s.ok()) {
    sealed = std::move(*s);
  }
  if (!sealed.empty()) {
    SendRaw(c.flow, sealed, MessageType::kStatus);
    ++report_.status_sent["0x" + ToHex(ByteView(&code, 1))];
  }
}

Bytes LoadGenerator::SealKeyed(uint32_t cam, MessageType type, uint64_t nonce, ByteView der) {
  auto sealed =
      protocol::SealToBytes(protocol::ProtectionOf(type), nonce, der, {nullptr, &cams_[cam].keys});
  return sealed ? std::move(*sealed) : Bytes();
}

}  // namespace rcas::tools
