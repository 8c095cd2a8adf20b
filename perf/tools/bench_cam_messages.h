#pragma once
// The load generator's CAM messages for perf/tools/bench_registrations.h: the signed first
// request of either mode, and what the CAM does with the OAEP-decrypted secret of the answer
// (normal mode: derive the session keys and build CAMReg; fast mode: derive the keys), built
// with the protocol library as the reference CAM builds them (tools/cam_keying.cc).

#include <algorithm>
#include <array>
#include <optional>

#include "perf/tools/bench_daemon.h"
#include "protocol/content.h"
#include "protocol/key_schedule.h"
#include "protocol/key_schedule_fast.h"
#include "protocol/milenage.h"
#include "protocol/protect.h"
#include "protocol/protect_signed.h"
#include "protocol/session_keys.h"
#include "tools/cam_machine.h"

namespace rcas::perf {

inline constexpr std::array<uint8_t, 4> kBenchHw = {0, 0, 0, 1};
inline constexpr std::array<uint8_t, 4> kBenchSw = {0, 0, 0, 2};

// CamIdField is cAMID: CAM_ID || 0x00*32 (PROFILE §2.2).
inline std::array<uint8_t, protocol::kCamIdFieldLen> CamIdField(const crypto::CamId& cam_id) {
  std::array<uint8_t, protocol::kCamIdFieldLen> field{};
  std::copy(cam_id.begin(), cam_id.end(), field.begin());
  return field;
}

// SignFirstRequest is a KeyRequest (§13.3) or, with `fast`, a KeyRegRequest (§13.11) under
// nonce #1 / #5, signed with the CAM key (§9.4).
inline Bytes SignFirstRequest(const tools::CamIdentity& cam, bool fast, ByteView session_id,
                              uint64_t nonce) {
  const auto kpid = cam.record.KeyPairingId();
  const auto field = CamIdField(cam.record.cam_id);
  Bytes der;
  const bool encoded =
      fast ? protocol::Encode(protocol::KeyRegRequestContent{session_id, kpid, field, kBenchHw,
                                                             kBenchSw, cam.record.certificate_der},
                              &der)
           : protocol::Encode(
                 protocol::KeyRequestContent{session_id, kpid, cam.record.certificate_der}, &der);
  Check(encoded, "encode first request");
  auto sealed = protocol::SealSignedToBytes(
      fast ? protocol::MessageType::kKeyRegRequest : protocol::MessageType::kKeyRequest, nonce, der,
      cam.key);
  Check(sealed.ok(), "sign first request");
  return std::move(*sealed);
}

// CamRegSent: the normal-mode session keys and the CAMReg that proves them.
struct CamRegSent {
  std::optional<protocol::SessionKeys> keys;  // IHK; MEK is set once CAMRegConfirm arrives
  crypto::AesKey mek;
  Bytes message;
};

// BuildCamReg derives Kc from RAND_AC and the CAM's Ki/OPc (§11.3), then MK, MEK, ICCIEK
// (§11.4), and seals CAMReg (§13.5) under `nonce`. nullopt if `secret` (the KeyResponse's OAEP
// plaintext) does not decode.
inline std::optional<CamRegSent> BuildCamReg(const tools::CamIdentity& cam, ByteView session_id,
                                             ByteView secret, uint64_t nonce) {
  protocol::KeyResponseConfidential s;
  if (protocol::Decode(secret, &s) != protocol::DecodeError::kNone) {
    return std::nullopt;
  }
  CamRegSent out;
  out.keys = protocol::SessionKeys::Normal(protocol::Secret20(s.ihk));
  const ByteView rand[3] = {s.rand_ac_1, s.rand_ac_2, s.rand_ac_3};
  std::array<protocol::Kc, 3> kc;
  for (size_t j = 0; j < 3; ++j) {
    kc[j] = protocol::DeriveKc(cam.record.keys[j].ki, cam.record.keys[j].opc,
                               protocol::FixedView<16>(rand[j].data(), 16));
  }
  const auto nonce_cam = crypto::RandomArray<16>();
  const protocol::MekIccIek d = protocol::DeriveMekIccIek(protocol::DeriveMk(
      cam.record.cam_id,
      protocol::FixedView<protocol::kSessionIdLen>(session_id.data(), protocol::kSessionIdLen), kc,
      nonce_cam, kBenchHw, kBenchSw));
  out.mek = d.mek;
  Bytes der;
  Check(
      protocol::Encode(protocol::CamRegContent{session_id, nonce_cam, CamIdField(cam.record.cam_id),
                                               kBenchHw, kBenchSw, protocol::HashMekIccIek(d)},
                       &der),
      "encode CAMReg");
  auto sealed = protocol::SealToBytes(protocol::ProtectionOf(protocol::MessageType::kCamReg), nonce,
                                      der, {nullptr, &*out.keys});
  Check(sealed.ok(), "seal CAMReg");
  out.message = std::move(*sealed);
  return out;
}

// AcceptFastSecret: the KeyRegResponse's OAEP plaintext decodes and gives the fast-mode keys
// (Annex B, §12); the fast-mode registration is then complete.
inline bool AcceptFastSecret(ByteView secret) {
  protocol::KeyRegResponseConfidential s;
  if (protocol::Decode(secret, &s) != protocol::DecodeError::kNone) {
    return false;
  }
  // The CAM's keys for the rest of the session (MAK, MEK, the image keys); nothing follows here.
  [[maybe_unused]] const protocol::FastModeKeys keys =
      protocol::DeriveFastModeKeys(crypto::AesKey(s.ak));
  return true;
}

}  // namespace rcas::perf
