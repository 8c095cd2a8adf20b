#include "control/cass_zone.h"

#include <cstring>

#include "crypto/random.h"

namespace rcas::control {

Result<CassZone> CassZone::Make(const CassZoneConfig& config) {
  if (config.ip_addr.empty() || config.ip_addr.size() > protocol::kCassIpAddrLen) {
    return Error{"cASSIPAddr must be 1..50 characters"};
  }
  CassZone z;
  z.cass_id_ = config.cass_id;
  std::memcpy(z.ip_addr_.data(), config.ip_addr.data(), config.ip_addr.size());
  z.ip_addr_type_ = config.ip_addr_type;
  z.connection_type_ = config.connection_type;
  z.listening_port_ = config.listening_port;
  if (!protocol::Encode(z.Info(), &z.info_der_)) {
    return Error{"CASSInfo breaks a §13.1 rule (address type, connection type or port)"};
  }
  z.RotateChk();
  return z;
}

protocol::CassInfo CassZone::Info() const {
  return {cass_id_, ip_addr_type_, ip_addr_, connection_type_, listening_port_};
}

void CassZone::RotateChk() {
  crypto::SecretArray<protocol::kRandLen> rand_chk;
  crypto::RandomBytes(rand_chk.mutable_view());
  UseRandChk(rand_chk);
}

void CassZone::UseRandChk(const crypto::SecretArray<protocol::kRandLen>& rand_chk) {
  chk_ = protocol::DeriveChk(protocol::Fixed(rand_chk), info_der_);
}

}  // namespace rcas::control
