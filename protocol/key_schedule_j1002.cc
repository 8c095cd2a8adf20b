#include "protocol/key_schedule_j1002.h"

#include "protocol/fips_prf.h"
#include "protocol/secret_hash.h"

namespace rcas::protocol {

crypto::AesKey DeriveCwek(const Secret20& kpk, FixedView<kCamIdLen> cam_id,
                          FixedView<kDscIdLen> dsc_id) {
  return Sha256Truncated<16>({kpk.view(), cam_id, dsc_id});
}

crypto::SecretArray<kRandHmacLen> DeriveRandHmac(const Secret20& kpk) {
  crypto::SecretArray<kRandHmacLen> out;
  FipsPrf(Fixed(kpk), out.mutable_view());
  return out;
}

Secret20 DeriveHmacKey(const crypto::SecretArray<kRandHmacLen>& rand_hmac,
                       FixedView<kCamIdLen> cam_id, FixedView<kDscIdLen> dsc_id) {
  return Sha256Truncated<20>({rand_hmac.view(), cam_id, dsc_id});
}

}  // namespace rcas::protocol
