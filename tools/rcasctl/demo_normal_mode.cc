// Normal mode, key establishment: RCASAnnounce -> KeyRequest -> KeyResponse -> CAMReg ->
// CAMRegConfirm (PROFILE §13.1-§13.6), then the renewal exchange and RCASRenewal.

#include "tools/rcasctl/demo_normal_mode.h"

#include <ctime>

#include "crypto/hash.h"
#include "crypto/random.h"
#include "crypto/sign_kpk.h"
#include "protocol/protect_signed.h"

namespace rcas::tools {
namespace {

using protocol::MessageType;

template <size_t N>
protocol::FixedView<N> Fix(ByteView v) {
  return protocol::FixedView<N>(v.data(), N);  // sizes were checked by the DER decoder
}

// DrawRandAc draws three pairwise distinct RAND_AC (Table 1, §11.2).
std::array<std::array<uint8_t, protocol::kRandAcLen>, 3> DrawRandAc() {
  std::array<std::array<uint8_t, protocol::kRandAcLen>, 3> r;
  do {
    for (auto& x : r) {
      crypto::RandomBytes(x);
    }
  } while (r[0] == r[1] || r[0] == r[2] || r[1] == r[2]);
  return r;
}

}  // namespace

bool RunNormalMode(DemoContext& ctx) {
  ctx.report.Section("normal mode");
  return NormalModeDemo(ctx).Run();
}

Bytes CamKeyPairingId(const CamRecord& record) {
  const auto id = record.KeyPairingId();
  return Bytes(id.begin(), id.end());
}

bool NormalModeDemo::Run() {
  cam_.announce = AnnounceToVirginCam(ctx_, 0x01);
  if (cam_.announce.empty()) {
    return false;
  }
  cam_.announced_cass_id = Bytes(ctx_.zone.info.cass_id.begin(), ctx_.zone.info.cass_id.end());
  return KeyRequest() && KeyResponse() && CamReg() && CamRegConfirm() &&
         RunRenewal(ctx_, cam_.session_id, {&*cass_.keys, &cass_.images},
                    {&*cam_.keys, &cam_.images},
                    {.ik_name = "IHK", .purchase_report = true, .log = true}) &&
         Renewal() && StatusForTamperedCamReg() && StatusForBadSignature();
}

// CAM -> CASS: KeyRequest, signed with the CAM key (§13.3). The CASS checks the certificate and
// the signature, then asks its AC (§16.1), which draws RAND_AC, KPK and computes Kc and sIGN-kpk.
bool NormalModeDemo::KeyRequest() {
  crypto::RandomBytes(cam_.session_id);
  cam_.key_request_nonce = crypto::RandomU64();
  const Bytes kpid = CamKeyPairingId(ctx_.pki.cam_record);
  const protocol::KeyRequestContent content{cam_.session_id, kpid,
                                            ctx_.pki.cam_record.certificate_der};
  auto sealed = EncodeAndSign(ctx_, MessageType::kKeyRequest, cam_.key_request_nonce, content,
                              ctx_.pki.cam_key);
  if (!sealed) {
    return false;
  }
  const size_t size = sealed->size();
  // CASS.
  auto got = ParseSignedAs<protocol::KeyRequestContent>(ctx_, std::move(*sealed));
  if (!got) {
    return false;
  }
  auto signer = CassChecksCamRequest(ctx_, got->parsed, got->value.cam_certificate,
                                     got->value.key_pairing_id, {});
  if (!signer) {
    return false;
  }
  CopyTo(cass_.session_id, got->value.session_id);
  cass_.key_request_nonce = got->parsed.header.nonce;
  cass_.key_pairing_id.assign(got->value.key_pairing_id.begin(), got->value.key_pairing_id.end());
  cass_.cam_key = signer->key;
  ctx_.report.Message(Party::kCam, MessageType::kKeyRequest, size, "RSA sig ok, cert ok",
                      "sessionID " + ToHex(cass_.session_id) + ", " + signer->facts);
  // AC (§11.3, §11.7, §16): Kc_j from its copy of Ki_j/OPc_j; KPK and its sIGN-kpk.
  AcResult& ac = cass_.ac;
  ac.rand_ac = DrawRandAc();
  for (size_t j = 0; j < 3; ++j) {
    ac.kc[j] = protocol::DeriveKc(ctx_.pki.ac_record.keys[j].ki, ctx_.pki.ac_record.keys[j].opc,
                                  ac.rand_ac[j]);
  }
  crypto::RandomBytes(ac.kpk.mutable_view());
  ac.sign_kpk = crypto::SignKpk(ctx_.pki.issuer.key(), cass_.key_pairing_id, ac.kpk.view());
  return ctx_.report.Check(!ac.sign_kpk.empty(), "AC: sIGN-kpk");
}

// CASS -> CAM: KeyResponse (§13.4): IHK for this session, CHK of the zone, the AC's RAND_AC and
// KPK under OAEP to the CAM key, sIGN-kpk; signed with the CASS key.
bool NormalModeDemo::KeyResponse() {
  const auto rand_ihk = crypto::RandomArray<protocol::kRandLen>();
  const protocol::Secret20 ihk = protocol::DeriveIhk(
      rand_ihk, ctx_.zone.ip_addr, Fix<protocol::kKeyPairingIdLen>(cass_.key_pairing_id));
  const protocol::KeyResponseConfidential secret{ctx_.zone.chk.view(), ihk.view(),
                                                 cass_.ac.rand_ac[0],  cass_.ac.rand_ac[1],
                                                 cass_.ac.rand_ac[2],  cass_.ac.kpk.view()};
  auto cipher = EncryptToCam(ctx_, secret, *cass_.cam_key);
  if (!cipher) {
    return false;
  }
  const protocol::KeyResponseContent content{cass_.session_id, ctx_.pki.cass_cert, *cipher,
                                             cass_.ac.sign_kpk};
  auto sealed = EncodeAndSign(ctx_, MessageType::kKeyResponse, cass_.key_request_nonce, content,
                              ctx_.pki.cass_key);
  if (!sealed) {
    return false;
  }
  cass_.keys = protocol::SessionKeys::Normal(ihk);
  const size_t size = sealed->size();
  // CAM (§13.4), then sIGN-kpk with the AC root it holds.
  auto got = CamOpensResponse<protocol::KeyResponseContent, protocol::KeyResponseConfidential>(
      ctx_, std::move(*sealed), cam_.key_request_nonce, cam_.session_id, cam_.announced_cass_id);
  if (!got) {
    return false;
  }
  const protocol::KeyResponseConfidential& got_secret = got->secret;
  const Bytes kpid = CamKeyPairingId(ctx_.pki.cam_record);
  if (!ctx_.report.Check(crypto::VerifyKpk(ctx_.pki.issuer.root().public_key(), kpid,
                                           got_secret.kpk, got->message.value.sign_kpk),
                         "sIGN-kpk")) {
    return false;
  }
  cam_.chk.emplace(got_secret.chk);
  cam_.keys = protocol::SessionKeys::Normal(protocol::Secret20(got_secret.ihk));
  CopyTo(cam_.rand_ac[0], got_secret.rand_ac_1);
  CopyTo(cam_.rand_ac[1], got_secret.rand_ac_2);
  CopyTo(cam_.rand_ac[2], got_secret.rand_ac_3);
  ctx_.report.Message(Party::kCass, MessageType::kKeyResponse, size,
                      "RSA sig ok, cert ok, OAEP ok, sIGN-kpk ok",
                      got->signer_facts + ", RAND_AC x3 distinct, CHK " + Short(got_secret.chk) +
                          ", IHK " + Short(got_secret.ihk));
  return CamVerifiesAnnounce(ctx_, cam_.announce, *cam_.chk, "KeyResponse");
}

// CAM -> CASS: CAMReg (§11.3, §11.4, §13.5). The CAM derives Kc, MK, MEK, ICCIEK; the CASS
// derives the same from the AC's Kc and compares hashed-MEK-ICCIEK.
bool NormalModeDemo::CamReg() {
  const CamRecord& me = ctx_.pki.cam_record;
  std::array<protocol::Kc, 3> kc;
  for (size_t j = 0; j < 3; ++j) {
    kc[j] = protocol::DeriveKc(me.keys[j].ki, me.keys[j].opc, cam_.rand_ac[j]);
  }
  const auto nonce_cam = crypto::RandomArray<protocol::kNonceCamLen>();
  const protocol::MekIccIek derived = protocol::DeriveMekIccIek(protocol::DeriveMk(
      me.cam_id, cam_.session_id, kc, nonce_cam, kDemoHwVersion, kDemoSwVersion));
  const crypto::Sha1Digest hash = protocol::HashMekIccIek(derived);
  const auto cam_id_field = CamIdField(me.cam_id);
  const protocol::CamRegContent content{cam_.session_id, nonce_cam,      cam_id_field,
                                        kDemoHwVersion,  kDemoSwVersion, hash};
  cam_.cam_reg_nonce = crypto::RandomU64();
  const protocol::Protection& p = protocol::ProtectionOf(MessageType::kCamReg);
  auto got = SendKeyed<protocol::CamRegContent>(
      ctx_, Party::kCam, p, cam_.cam_reg_nonce, content, {nullptr, &*cam_.keys},
      {nullptr, &*cass_.keys}, cass_.session_id, "IHK", [](const protocol::CamRegContent& v) {
        return "nONCE-CAM " + Short(v.nonce_cam) + ", hashed-MEK-ICCIEK " +
               Short(v.hashed_mek_icciek);
      });
  if (!got) {
    return false;
  }
  cam_.keys->SetMek(derived.mek);
  cam_.images.icciek = derived.icciek;
  // CASS (§13.5): cAMID = the session's CAM_ID || 0x00*32, then the AC's Kc (stage-2 check
  // passes in this demo), MK/MEK/ICCIEK and the hash, compared in constant time.
  const protocol::CamRegContent& v = got->value;
  const auto expected_field = CamIdField(ctx_.pki.ac_record.cam_id);
  if (!ctx_.report.Check(crypto::ConstantTimeEqual(v.cam_id, expected_field),
                         "CAMReg cAMID is the session's CAM_ID || 0x00*32")) {
    return false;
  }
  const protocol::MekIccIek cass_derived = protocol::DeriveMekIccIek(protocol::DeriveMk(
      Fix<protocol::kCamIdLen>(v.cam_id), cass_.session_id, cass_.ac.kc,
      Fix<protocol::kNonceCamLen>(v.nonce_cam), Fix<protocol::kVersionLen>(v.hw_version),
      Fix<protocol::kVersionLen>(v.sw_version)));
  if (!ctx_.report.Check(
          crypto::ConstantTimeEqual(protocol::HashMekIccIek(cass_derived), v.hashed_mek_icciek),
          "CASS: hashed-MEK-ICCIEK matches (else Status 0x02)")) {
    return false;
  }
  cass_.keys->SetMek(cass_derived.mek);
  cass_.images.icciek = cass_derived.icciek;
  ctx_.report.Note("CASS: Kc x3 from the AC, MK, MEK, ICCIEK derived; hashed-MEK-ICCIEK matches");
  return true;
}

// CASS -> CAM: CAMRegConfirm (§13.6), AES-CBC under MEK with IV base 0 (§9.3): the IV bases of
// the session and the common-image key (§11.8).
bool NormalModeDemo::CamRegConfirm() {
  const auto mek_iv = crypto::RandomArray<16>();
  cass_.images.icciek_iv = protocol::SecretBlock(crypto::RandomArray<16>());
  // The common image's CCCIEK / CCCIEK-IV: one pair per common object (§11.8).
  cass_.images.ccciek = crypto::AesKey(crypto::RandomArray<16>());
  cass_.images.ccciek_iv = protocol::SecretBlock(crypto::RandomArray<16>());
  const protocol::CamRegConfirmContent content{
      cass_.session_id, mek_iv, cass_.images.icciek_iv.view(), cass_.images.ccciek_iv.view(),
      cass_.images.ccciek.view()};
  auto got = SendKeyed<protocol::CamRegConfirmContent>(
      ctx_, Party::kCass, protocol::ProtectionOf(MessageType::kCamRegConfirm), cam_.cam_reg_nonce,
      content, {nullptr, &*cass_.keys}, {nullptr, &*cam_.keys}, cam_.session_id, "IHK",
      [](const protocol::CamRegConfirmContent& v) {
        return "IV base 0; MEK-IV " + Short(v.mek_iv) + ", ICCIEK-IV " + Short(v.icciek_iv) +
               ", CCCIEK " + Short(v.ccciek);
      });
  if (!got) {
    return false;
  }
  cass_.keys->SetMekIv(protocol::SecretBlock(mek_iv));
  cam_.keys->SetMekIv(protocol::SecretBlock(got->value.mek_iv));
  cam_.images.icciek_iv = protocol::SecretBlock(got->value.icciek_iv);
  cam_.images.ccciek_iv = protocol::SecretBlock(got->value.ccciek_iv);
  cam_.images.ccciek = crypto::AesKey(got->value.ccciek);
  return true;
}

// CASS -> CAMs: RCASRenewal (§13.2), MAC'd with CHK, which the CAM now holds.
bool NormalModeDemo::Renewal() {
  const std::time_t at = std::time(nullptr) + 86400;
  std::tm tm{};
  gmtime_r(&at, &tm);
  char schedule[16];
  std::strftime(schedule, sizeof(schedule), "%y%m%d%H%M%S", &tm);
  const protocol::RcasRenewalContent content{AsView(std::string_view(schedule, 12)), true, false};
  auto got = SendKeyed<protocol::RcasRenewalContent>(
      ctx_, Party::kCass, protocol::ProtectionOf(MessageType::kRcasRenewal), ctx_.zone.counter_r++,
      content, {&ctx_.zone.chk, nullptr}, {&*cam_.chk, nullptr}, {}, "",
      [](const protocol::RcasRenewalContent& v) {
        const std::string s(v.download_schedule.begin(), v.download_schedule.end());
        return "downloadSchedule " + s + " (UTC)" + (v.key_request_req ? ", keyRequest-Req" : "");
      });
  return got.has_value();
}

}  // namespace rcas::tools
