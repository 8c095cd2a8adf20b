#include "protocol/key_schedule_fast.h"

#include <array>

#include "protocol/fips_prf.h"
#include "protocol/secret_hash.h"

namespace rcas::protocol {
namespace {

std::array<uint8_t, kFastPadLen> Pad(uint8_t value) {
  std::array<uint8_t, kFastPadLen> pad;
  pad.fill(value);
  return pad;
}

}  // namespace

Secret20 DeriveAkSeed(FixedView<kCamIdLen> cam_id, FixedView<kSessionIdLen> session_id,
                      FixedView<kNonceCamLen> nonce_cam, FixedView<kVersionLen> hw_version,
                      FixedView<kVersionLen> sw_version) {
  const auto pad = Pad(kAkPad);
  return Sha1Truncated<20>({pad, cam_id, session_id, nonce_cam, hw_version, sw_version});
}

crypto::AesKey DeriveAk(const Secret20& ak_seed) {
  crypto::AesKey ak;
  FipsPrf(Fixed(ak_seed), ak.mutable_view());
  return ak;
}

SecretBlock DerivePadKey(uint8_t pad, const crypto::AesKey& ak) {
  const auto p = Pad(pad);
  return Sha1Truncated<16>({p, ak.view()});
}

FastModeKeys DeriveFastModeKeys(const crypto::AesKey& ak) {
  return FastModeKeys{
      .icciek = DerivePadKey(kIccIekPad, ak),
      .ccciek = DerivePadKey(kCccIekPad, ak),
      .mek = DerivePadKey(kMekPad, ak),
      .mak = DerivePadKey(kMakPad, ak),
      .kpk = DerivePadKey(kKpkPad, ak),
      .icciek_iv = DerivePadKey(kIccIekIvPad, ak),
      .ccciek_iv = DerivePadKey(kCccIekIvPad, ak),
      .mek_iv = DerivePadKey(kMekIvPad, ak),
      .mak_iv = DerivePadKey(kMakIvPad, ak),
  };
}

}  // namespace rcas::protocol
