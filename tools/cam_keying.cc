// CamMachine key establishment: KeyRequest -> KeyResponse -> CAMReg -> CAMRegConfirm in normal
// mode (PROFILE §13.3-§13.6, §15.2) and KeyRegRequest -> KeyRegResponse in fast mode (§13.11,
// §13.12, §15.3), with the CAM's checks in the order of §13.4 and the Status each failure gets.

#include <algorithm>

#include "crypto/random.h"
#include "crypto/sign_kpk.h"
#include "protocol/key_schedule_fast.h"
#include "protocol/protect.h"
#include "protocol/protect_signed.h"
#include "tools/cam_checks.h"
#include "tools/cam_session.h"

namespace rcas::tools {
namespace {

using protocol::MessageType;

template <size_t N>
protocol::FixedView<N> Fix(ByteView v) {
  return protocol::FixedView<N>(v.data(), N);  // sizes were checked by the DER decoder
}

std::array<uint8_t, protocol::kCamIdFieldLen> CamIdFieldOf(const crypto::CamId& cam_id) {
  std::array<uint8_t, protocol::kCamIdFieldLen> field{};  // CAM_ID || 0x00*32 (§2.2)
  std::copy(cam_id.begin(), cam_id.end(), field.begin());
  return field;
}

}  // namespace

template <protocol::Content T>
void CamMachine::SendFirstRequest(MessageType type, const T& content, CamPhase next,
                                  int64_t now_ms) {
  Bytes der;
  auto sealed = protocol::Encode(content, &der)
                    ? protocol::SealSignedToBytes(type, session_->first_nonce, der, id_.key)
                    : Result<Bytes>(Error{"encode"});
  if (!sealed) {
    return EndSession(now_ms, true,
                      std::string(protocol::MessageTypeName(type)) + ": " + sealed.error());
  }
  phase_ = next;
  SendRequest(std::move(*sealed), type, now_ms);
}

template <typename Checked>
uint8_t CamMachine::CheckResponse(ByteView message, Checked* out, int64_t now_ms) {
  const Session& s = *session_;
  const auto check = [this](std::string_view what, bool ok) {
    Trace("   check " + std::string(what) + ": " + (ok ? "ok" : "FAILED"));
    return ok;
  };
  const std::optional<int64_t> trusted =
      config_.trusted_time ? std::optional<int64_t>(now_ms / 1000) : std::nullopt;
  const ByteView want = s.target.cass_id ? ByteView(*s.target.cass_id) : ByteView();
  return CheckCassResponse(message, s.id, id_.key, id_.root, want, trusted, check, out);
}

void CamMachine::SendKeyRequest(int64_t now_ms) {
  Session& s = *session_;
  s.first_nonce = FreshNonce();  // nonce #1
  const auto kpid = id_.record.KeyPairingId();
  const protocol::KeyRequestContent content{s.id, kpid, id_.record.certificate_der};
  SendFirstRequest(MessageType::kKeyRequest, content, CamPhase::kWaitKeyResponse, now_ms);
}

void CamMachine::SendKeyRegRequest(int64_t now_ms) {
  Session& s = *session_;
  s.first_nonce = FreshNonce();  // nonce #5
  const auto kpid = id_.record.KeyPairingId();
  const auto cam_id_field = CamIdFieldOf(id_.record.cam_id);
  const protocol::KeyRegRequestContent content{
      s.id, kpid, cam_id_field, config_.hw_version, config_.sw_version, id_.record.certificate_der};
  SendFirstRequest(MessageType::kKeyRegRequest, content, CamPhase::kWaitKeyRegResponse, now_ms);
}

void CamMachine::OnKeyResponse(ByteView message, int64_t now_ms) {
  Session& s = *session_;
  Trace("<- KeyResponse " + std::to_string(message.size()) + " B");
  CheckedResponse<protocol::KeyResponseContent, protocol::KeyResponseConfidential> r;
  uint8_t code = CheckResponse(message, &r, now_ms);
  if (code == 0) {
    const auto kpid = id_.record.KeyPairingId();
    const bool ok = crypto::VerifyKpk(id_.root.public_key(), kpid, r.secret.kpk, r.value.sign_kpk);
    Trace(std::string("   check sIGN-kpk: ") + (ok ? "ok" : "FAILED"));
    code = ok ? 0 : 0x05;
  }
  if (code != 0) {
    SendUnkeyedStatus(code, s.first_nonce);
    return EndSession(now_ms, true, "KeyResponse rejected");
  }
  // §13.4: store CHK for this CASS_ID, current CASS_ID, virgin := FALSE, KPK + sIGN-kpk.
  CamZoneState& zone = state_.ZoneFor(r.cass_id);
  zone.chk.emplace(r.secret.chk);
  state_.current_cass_id = r.cass_id;
  state_.virgin = false;
  state_.kpk = crypto::SecretBytes(r.secret.kpk);
  state_.sign_kpk.assign(r.value.sign_kpk.begin(), r.value.sign_kpk.end());
  VerifyTriggerAnnounce();
  io_.StateChanged();
  // Kc_j, NONCE_CAM, MK, MEK, ICCIEK (§11.3, §11.4) and CAMReg (§13.5).
  s.keys = protocol::SessionKeys::Normal(protocol::Secret20(r.secret.ihk));
  const std::array<ByteView, 3> rand_ac = {r.secret.rand_ac_1, r.secret.rand_ac_2,
                                           r.secret.rand_ac_3};
  std::array<protocol::Kc, 3> kc;
  for (size_t j = 0; j < 3; ++j) {
    kc[j] = protocol::DeriveKc(id_.record.keys[j].ki, id_.record.keys[j].opc,
                               Fix<protocol::kRandAcLen>(rand_ac[j]));
  }
  const auto nonce_cam = crypto::RandomArray<protocol::kNonceCamLen>();
  const protocol::MekIccIek derived = protocol::DeriveMekIccIek(protocol::DeriveMk(
      id_.record.cam_id, s.id, kc, nonce_cam, config_.hw_version, config_.sw_version));
  s.keys->SetMek(derived.mek);
  s.images.icciek = derived.icciek;
  const crypto::Sha1Digest hash = protocol::HashMekIccIek(derived);
  const auto cam_id_field = CamIdFieldOf(id_.record.cam_id);
  const protocol::CamRegContent content{
      s.id, nonce_cam, cam_id_field, config_.hw_version, config_.sw_version, hash};
  Bytes der;
  s.reg_nonce = FreshNonce();  // nonce #2
  Bytes sealed =
      protocol::Encode(content, &der) ? SealKeyed(MessageType::kCamReg, s.reg_nonce, der) : Bytes();
  if (sealed.empty()) {
    return EndSession(now_ms, true, "CAMReg does not seal");
  }
  phase_ = CamPhase::kWaitRegConfirm;
  SendRequest(std::move(sealed), MessageType::kCamReg, now_ms);
}

void CamMachine::OnCamRegConfirm(ByteView message, int64_t now_ms) {
  Session& s = *session_;
  Trace("<- CAMRegConfirm " + std::to_string(message.size()) + " B");
  Bytes plain(message.size());
  protocol::OpenedMessage opened;
  const protocol::ProtectError e =
      protocol::Open(protocol::ProtectionOf(MessageType::kCamRegConfirm), message,
                     {nullptr, &*s.keys}, plain, &opened);
  const std::array<uint8_t, protocol::kSessionIdLen> zero{};
  if (e == protocol::ProtectError::kBadMac) {
    SendKeyedStatus(0x04, s.reg_nonce, s.id);  // §15.2 W_REGCNF row
    return EndSession(now_ms, true, "CAMRegConfirm HMAC");
  }
  if (e == protocol::ProtectError::kBadPadding) {
    SendKeyedStatus(0x81, s.reg_nonce, zero);  // §23.20
    return EndSession(now_ms, true, "CAMRegConfirm padding");
  }
  if (e != protocol::ProtectError::kOk) {
    return Drop(std::string("CAMRegConfirm: ") + protocol::ProtectErrorName(e));
  }
  protocol::CamRegConfirmContent v;
  if (protocol::Decode(opened.content, &v) != protocol::DecodeError::kNone) {
    SendKeyedStatus(0x81, s.reg_nonce, protocol::PeekSessionId(opened.content).value_or(zero));
    return EndSession(now_ms, true, "CAMRegConfirm malformed");
  }
  if (!std::equal(v.session_id.begin(), v.session_id.end(), s.id.begin(), s.id.end())) {
    SendKeyedStatus(0x82, s.reg_nonce, v.session_id);
    return EndSession(now_ms, true, "CAMRegConfirm of another session");
  }
  Trace("   check HMAC-SHA1(IHK), AES-CBC(MEK, IV base 0), content: ok");
  s.keys->SetMekIv(protocol::SecretBlock(v.mek_iv));
  s.images.icciek_iv = protocol::SecretBlock(v.icciek_iv);
  s.images.ccciek_iv = protocol::SecretBlock(v.ccciek_iv);
  s.images.ccciek = crypto::AesKey(v.ccciek);
  Established(now_ms);
}

void CamMachine::OnKeyRegResponse(ByteView message, int64_t now_ms) {
  Session& s = *session_;
  Trace("<- KeyRegResponse " + std::to_string(message.size()) + " B");
  CheckedResponse<protocol::KeyRegResponseContent, protocol::KeyRegResponseConfidential> r;
  const uint8_t code = CheckResponse(message, &r, now_ms);
  if (code != 0) {
    SendUnkeyedStatus(code, s.first_nonce);
    return EndSession(now_ms, true, "KeyRegResponse rejected");
  }
  // §15.3: derive the §12 keys from AK; store CHK (§20 D7); no sIGN-kpk (§23.18).
  const protocol::FastModeKeys k = protocol::DeriveFastModeKeys(crypto::AesKey(r.secret.ak));
  s.keys = protocol::SessionKeys::Fast(k.mak, k.mek, k.mek_iv);
  s.images = {k.icciek, k.icciek_iv, k.ccciek, k.ccciek_iv};
  CamZoneState& zone = state_.ZoneFor(r.cass_id);
  zone.chk.emplace(r.secret.chk);
  state_.current_cass_id = r.cass_id;
  state_.virgin = false;
  state_.kpk = crypto::SecretBytes(k.kpk.view());
  state_.sign_kpk.clear();
  VerifyTriggerAnnounce();
  io_.StateChanged();
  Established(now_ms);
}

}  // namespace rcas::tools
