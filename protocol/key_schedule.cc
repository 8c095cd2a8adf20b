#include "protocol/key_schedule.h"

#include <algorithm>

#include "protocol/fips_prf.h"
#include "protocol/secret_hash.h"

namespace rcas::protocol {

Kc DeriveKc(const SecretBlock& ki, const SecretBlock& opc, FixedView<kRandAcLen> rand_ac) {
  return GsmMilenage(Fixed(ki), Fixed(opc), rand_ac).kc;
}

Secret20 DeriveMk(FixedView<kCamIdLen> cam_id, FixedView<kSessionIdLen> session_id,
                  const std::array<Kc, 3>& kc, FixedView<kNonceCamLen> nonce_cam,
                  FixedView<kVersionLen> hw_version, FixedView<kVersionLen> sw_version) {
  return Sha1Truncated<20>({cam_id, session_id, kc[0].view(), kc[1].view(), kc[2].view(), nonce_cam,
                            hw_version, sw_version});
}

MekIccIek DeriveMekIccIek(const Secret20& mk) {
  crypto::SecretArray<40> x;
  FipsPrf(Fixed(mk), x.mutable_view());
  return MekIccIek{crypto::AesKey(x.view().subspan(0, 16)),
                   crypto::AesKey(x.view().subspan(16, 16))};
}

crypto::Sha1Digest HashMekIccIek(const MekIccIek& keys) {
  return crypto::Sha1({keys.mek.view(), keys.icciek.view()});
}

Secret20 DeriveIhk(FixedView<kRandLen> rand_ihk, FixedView<kCassIpAddrLen> cass_ip_addr,
                   FixedView<kKeyPairingIdLen> key_pairing_id) {
  return Sha1Truncated<20>({rand_ihk, cass_ip_addr, key_pairing_id});
}

Secret20 DeriveChk(FixedView<kRandLen> rand_chk, ByteView cass_info_der) {
  return Sha1Truncated<20>({rand_chk, cass_info_der});
}

crypto::SecretArray<kSignKpkInputLen> SignKpkInput(FixedView<kKeyPairingIdLen> key_pairing_id,
                                                   const Secret20& kpk) {
  crypto::SecretArray<kSignKpkInputLen> out;
  std::copy(key_pairing_id.begin(), key_pairing_id.end(), out.data());
  std::copy(kpk.view().begin(), kpk.view().end(), out.data() + kKeyPairingIdLen);
  return out;
}

}  // namespace rcas::protocol
