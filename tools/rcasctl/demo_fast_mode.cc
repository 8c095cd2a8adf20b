// Fast mode of `rcasctl demo` (J.1003 Annex B, PROFILE §12, §13.11, §13.12, §15.3, §15.5):
// RCASAnnounce(fast) -> KeyRegRequest -> KeyRegResponse (AK and CHK under OAEP, the CASS
// certificate, §20 D7) -> both sides derive the §12 keys -> RenewInfo (IK = MAK) ->
// RenewConfirm.

#include <algorithm>

#include "crypto/hash.h"
#include "crypto/random.h"
#include "protocol/key_schedule_fast.h"
#include "protocol/protect_signed.h"
#include "tools/rcasctl/demo_normal_mode.h"

namespace rcas::tools {
namespace {

using protocol::MessageType;

// Side is one party's fast-mode session: keys from AK (§12.1).
struct FastSide {
  protocol::FastModeKeys derived;
  std::optional<protocol::SessionKeys> keys;
  ImageKeys images;

  void From(const crypto::AesKey& ak) {
    derived = protocol::DeriveFastModeKeys(ak);
    keys = protocol::SessionKeys::Fast(derived.mak, derived.mek, derived.mek_iv);
    images = {derived.icciek, derived.icciek_iv, derived.ccciek, derived.ccciek_iv};
  }
  // Digest summarises every derived key, so both sides can be compared without printing keys.
  crypto::Sha1Digest Digest() const {
    const protocol::FastModeKeys& k = derived;
    return crypto::Sha1({k.icciek.view(), k.ccciek.view(), k.mek.view(), k.mak.view(), k.kpk.view(),
                         k.icciek_iv.view(), k.ccciek_iv.view(), k.mek_iv.view(), k.mak_iv.view()});
  }
};

class FastModeDemo {
 public:
  explicit FastModeDemo(DemoContext& ctx) : ctx_(ctx) {}

  bool Run() {
    announce_ = AnnounceToVirginCam(ctx_, 0x02);
    return !announce_.empty() && KeyRegRequest() && KeyRegResponse() &&
           RunRenewal(ctx_, session_id_, {&*cass_.keys, &cass_.images}, {&*cam_.keys, &cam_.images},
                      {.ik_name = "MAK", .common_per_session = true});
  }

 private:
  // CAM -> CASS: KeyRegRequest (§13.11). The CASS checks the certificate with its binding to
  // KeyPairingID and cAMID, the signature, then gets AK from the AC (§16.1).
  bool KeyRegRequest() {
    crypto::RandomBytes(session_id_);
    nonce_ = crypto::RandomU64();
    const CamRecord& me = ctx_.pki.cam_record;
    const Bytes kpid = CamKeyPairingId(me);
    const auto cam_id_field = CamIdField(me.cam_id);
    const protocol::KeyRegRequestContent content{
        session_id_, kpid, cam_id_field, kDemoHwVersion, kDemoSwVersion, me.certificate_der};
    auto sealed =
        EncodeAndSign(ctx_, MessageType::kKeyRegRequest, nonce_, content, ctx_.pki.cam_key);
    if (!sealed) {
      return false;
    }
    const size_t size = sealed->size();
    auto got = ParseSignedAs<protocol::KeyRegRequestContent>(ctx_, std::move(*sealed));
    if (!got) {
      return false;
    }
    const protocol::KeyRegRequestContent& v = got->value;
    auto signer =
        CassChecksCamRequest(ctx_, got->parsed, v.cam_certificate, v.key_pairing_id, v.cam_id);
    if (!signer || !ctx_.report.Check(std::all_of(v.cam_id.begin() + protocol::kCamIdLen,
                                                  v.cam_id.end(), [](uint8_t c) { return c == 0; }),
                                      "KeyRegRequest cAMID padding is zero (§23.5)")) {
      return false;
    }
    cam_key_ = signer->key;
    ctx_.report.Message(Party::kCam, MessageType::kKeyRegRequest, size,
                        "RSA sig ok, cert ok (cAMID bound)",
                        "sessionID " + ToHex(v.session_id) + ", " + signer->facts);
    // AC (§12.2): it draws NONCE_CAM itself and derives AK.
    const auto nonce_cam = crypto::RandomArray<protocol::kNonceCamLen>();
    ak_ = protocol::DeriveAk(
        protocol::DeriveAkSeed(me.cam_id, session_id_, nonce_cam, kDemoHwVersion, kDemoSwVersion));
    return true;
  }

  // CASS -> CAM: KeyRegResponse (§13.12): {AK, CHK} under OAEP to the CAM key, the CASS
  // certificate, signed by the CASS. Each side then derives the §12 keys from AK.
  bool KeyRegResponse() {
    const protocol::KeyRegResponseConfidential secret{ak_.view(), ctx_.zone.chk.view()};
    auto cipher = EncryptToCam(ctx_, secret, *cam_key_);
    if (!cipher) {
      return false;
    }
    const protocol::KeyRegResponseContent content{session_id_, *cipher, ctx_.pki.cass_cert};
    auto sealed =
        EncodeAndSign(ctx_, MessageType::kKeyRegResponse, nonce_, content, ctx_.pki.cass_key);
    if (!sealed) {
      return false;
    }
    cass_.From(ak_);
    const size_t size = sealed->size();
    // CAM: as KeyResponse (§13.4) without sIGN-kpk (§23.18).
    auto got =
        CamOpensResponse<protocol::KeyRegResponseContent, protocol::KeyRegResponseConfidential>(
            ctx_, std::move(*sealed), nonce_, session_id_, ctx_.zone.info.cass_id);
    if (!got) {
      return false;
    }
    const protocol::KeyRegResponseConfidential& got_secret = got->secret;
    const crypto::AesKey ak(got_secret.ak);
    const protocol::Secret20 chk(got_secret.chk);
    cam_.From(ak);
    ctx_.report.Message(Party::kCass, MessageType::kKeyRegResponse, size,
                        "RSA sig ok, cert ok, OAEP ok",
                        got->signer_facts + ", AK " + Short(got_secret.ak) + ", CHK " +
                            Short(got_secret.chk) + " (§20 D7)");
    if (!ctx_.report.Check(crypto::ConstantTimeEqual(cam_.Digest(), cass_.Digest()),
                           "CAM and CASS derive the same §12 keys")) {
      return false;
    }
    ctx_.report.Note(
        "CAM, CASS: ICCIEK, CCCIEK, MEK, MAK, KPK and the four IVs derived from AK, equal "
        "on both sides");
    return CamVerifiesAnnounce(ctx_, announce_, chk, "KeyRegResponse");
  }

  DemoContext& ctx_;
  Bytes announce_;
  SessionId session_id_{};
  uint64_t nonce_ = 0;
  std::optional<crypto::RsaPublicKey> cam_key_;  // CASS: from the checked CAM certificate
  crypto::AesKey ak_;                            // the AC's answer, handed to the CASS
  FastSide cass_;
  FastSide cam_;
};

}  // namespace

bool RunFastMode(DemoContext& ctx) {
  ctx.report.Section("fast mode (Annex B)");
  return FastModeDemo(ctx).Run();
}

}  // namespace rcas::tools
