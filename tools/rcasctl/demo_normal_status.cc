// The two Status forms (PROFILE §9.5, §14): a keyed Status answering a CAMReg whose HMAC failed,
// and an unkeyed one answering a KeyRequest whose signature failed. Each bad message is made by
// flipping one octet after sealing; the receiver must reject it and answer.

#include "crypto/random.h"
#include "protocol/protect_signed.h"
#include "tools/rcasctl/demo_normal_mode.h"

namespace rcas::tools {
namespace {

using protocol::MessageType;

// AnswerWithStatus: the CASS answers the message (`answered`, `nonce`) with `code`, in the form
// §9.5 fixes; the CAM opens it with what it has (IHK or nothing) and reads the code.
bool AnswerWithStatus(DemoContext& ctx, MessageType answered, uint64_t nonce, ByteView session_id,
                      uint8_t code, const protocol::SessionKeys* cass_keys,
                      const protocol::SessionKeys* cam_keys) {
  const protocol::Protection& p = protocol::StatusProtection(answered);
  const protocol::StatusContent content{session_id, code};
  auto got = SendKeyed<protocol::StatusContent>(
      ctx, Party::kCass, p, nonce, content, {nullptr, cass_keys}, {nullptr, cam_keys}, session_id,
      "IHK", [](const protocol::StatusContent& v) {
        return "statusInfo " + ToHex(ByteView(&v.status_info, 1)) + " " +
               std::string(protocol::StatusCodeName(v.status_info));
      });
  return got && ctx.report.Check(got->value.status_info == code, "Status code");
}

}  // namespace

bool NormalModeDemo::StatusForTamperedCamReg() {
  ctx_.report.Section("normal mode: Status examples");
  const uint64_t nonce = crypto::RandomU64();
  // CAM: a CAMReg of this session, one content octet flipped on the way.
  const CamRecord& me = ctx_.pki.cam_record;
  const auto cam_id_field = CamIdField(me.cam_id);
  const auto nonce_cam = crypto::RandomArray<protocol::kNonceCamLen>();
  const auto hash = crypto::RandomArray<protocol::kSha1FieldLen>();
  const protocol::CamRegContent content{cam_.session_id, nonce_cam,      cam_id_field,
                                        kDemoHwVersion,  kDemoSwVersion, hash};
  Bytes der;
  if (!ctx_.report.Check(protocol::Encode(content, &der), "CAMReg encodes")) {
    return false;
  }
  auto sealed = protocol::SealToBytes(protocol::ProtectionOf(MessageType::kCamReg), nonce, der,
                                      {nullptr, &*cam_.keys});
  if (!ctx_.report.Check(sealed.ok(), "CAMReg seal")) {
    return false;
  }
  (*sealed)[protocol::kHeaderLen + 20] ^= 0x01;
  // CASS: the MAC fails; the message matches its live exchange, so it answers 0x04 (§14).
  Bytes plain(sealed->size());
  protocol::OpenedMessage opened;
  const protocol::ProtectError e = protocol::Open(protocol::ProtectionOf(MessageType::kCamReg),
                                                  *sealed, {nullptr, &*cass_.keys}, plain, &opened);
  if (!ctx_.report.Check(e == protocol::ProtectError::kBadMac, "tampered CAMReg is rejected")) {
    return false;
  }
  ctx_.report.Message(Party::kCam, MessageType::kCamReg, sealed->size(),
                      "HMAC-SHA1(IHK) bad-mac: rejected, as intended", "one octet flipped");
  return AnswerWithStatus(ctx_, MessageType::kCamReg, nonce, cass_.session_id,
                          static_cast<uint8_t>(protocol::StatusCode::kHmacFail), &*cass_.keys,
                          &*cam_.keys);
}

bool NormalModeDemo::StatusForBadSignature() {
  SessionId session_id;
  crypto::RandomBytes(session_id);
  const uint64_t nonce = crypto::RandomU64();
  const Bytes kpid = CamKeyPairingId(ctx_.pki.cam_record);
  const protocol::KeyRequestContent content{session_id, kpid, ctx_.pki.cam_record.certificate_der};
  auto sealed = EncodeAndSign(ctx_, MessageType::kKeyRequest, nonce, content, ctx_.pki.cam_key);
  if (!sealed) {
    return false;
  }
  sealed->back() ^= 0x01;  // in the signature
  const size_t size = sealed->size();
  // CASS: the certificate passes, the signature does not: unkeyed Status 0x05 (§14).
  auto got = ParseSignedAs<protocol::KeyRequestContent>(ctx_, std::move(*sealed));
  if (!got) {
    return false;
  }
  auto cert = crypto::CheckCamCertificate(ctx_.pki.issuer.root(), got->value.cam_certificate,
                                          got->value.key_pairing_id, ctx_.now);
  if (!ctx_.report.Check(cert.ok(), "CAM certificate") ||
      !ctx_.report.Check(protocol::VerifySigned(got->parsed, *cert.subject_key) ==
                             protocol::ProtectError::kBadSignature,
                         "KeyRequest with a bad signature is rejected")) {
    return false;
  }
  ctx_.report.Message(Party::kCam, MessageType::kKeyRequest, size,
                      "RSA sig bad-signature: rejected, as intended", "one octet flipped");
  return AnswerWithStatus(ctx_, MessageType::kKeyRequest, nonce, got->value.session_id,
                          static_cast<uint8_t>(protocol::StatusCode::kSignatureFail), nullptr,
                          nullptr);
}

}  // namespace rcas::tools
