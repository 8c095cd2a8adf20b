#pragma once
// CassZone: what every CAM of one CASS zone shares: CASSInfo (PROFILE §13.1) and the zone key
// CHK = SHA-1(RAND_CHK || DER(CASSInfo)) (§11.5), rotated by drawing a new RAND_CHK (§23 item
// 13). The CASS engine puts CHK in every KeyResponse / KeyRegResponse; the announce scheduler
// MACs RCASAnnounce / RCASRenewal with it. Not thread-safe: owned by the control thread.

#include <array>
#include <cstdint>
#include <string_view>

#include "crypto/bytes.h"
#include "crypto/result.h"
#include "crypto/x509.h"
#include "protocol/content.h"
#include "protocol/key_schedule.h"

namespace rcas::control {

struct CassZoneConfig {
  crypto::CassId cass_id{};
  uint8_t ip_addr_type = 0x01;      // 0x01 IPv4, 0x02 IPv6
  std::string_view ip_addr;         // ASCII literal, at most 50 characters
  uint8_t connection_type = 0x01;   // 0x01 UDP, 0x02 TCP
  uint32_t listening_port = 49104;  // §5.2 default
};

class CassZone {
 public:
  // Make checks the fields (§13.1 rules, via the codec), encodes CASSInfo and draws the first
  // RAND_CHK.
  static Result<CassZone> Make(const CassZoneConfig& config);

  // Info views this object's fields: valid while it lives and is not moved.
  protocol::CassInfo Info() const;
  const crypto::CassId& cass_id() const { return cass_id_; }
  // ip_addr is the 50-octet cASSIPAddr, an IHK input (§11.5).
  const std::array<uint8_t, protocol::kCassIpAddrLen>& ip_addr() const { return ip_addr_; }
  ByteView info_der() const { return info_der_; }
  const protocol::Secret20& chk() const { return chk_; }
  // RotateChk draws a new RAND_CHK (every CAM re-keys: bump deliverVersion, §16.5).
  void RotateChk();
  // UseRandChk derives CHK from a RAND_CHK kept across restarts (§11.5): CAMs keyed before a
  // restart keep verifying the announcements and need not re-key.
  void UseRandChk(const crypto::SecretArray<protocol::kRandLen>& rand_chk);

 private:
  CassZone() = default;

  crypto::CassId cass_id_{};
  std::array<uint8_t, protocol::kCassIpAddrLen> ip_addr_{};
  uint8_t ip_addr_type_ = 0;
  uint8_t connection_type_ = 0;
  uint32_t listening_port_ = 0;
  Bytes info_der_;
  protocol::Secret20 chk_;
};

}  // namespace rcas::control
