// Profile rules beyond the ASN.1 (PROFILE §11.2, §13.1, §13.2, §13.7).
// They run inside Decode, once a value is structurally complete, and before
// Encode, so no invalid value is accepted or produced.

#include <arpa/inet.h>

#include <cstring>
#include <type_traits>

#include "crypto/hash.h"
#include "protocol/content.h"

namespace rcas::protocol {
namespace {

bool InRange(uint32_t v, uint32_t lo, uint32_t hi) { return v >= lo && v <= hi; }

// §13.1: type 0x01/0x02; address an ASCII literal of that family (as
// inet_pton reads it), left-aligned, padded with NULs to 50 octets;
// connection 0x01/0x02; port 1..65535.
DecodeError ValidateCassInfo(const CassInfo& v) noexcept {
  if (v.ip_addr_type != 0x01 && v.ip_addr_type != 0x02) {
    return DecodeError::kCassIpType;
  }
  if (v.ip_addr.size() != kCassIpAddrLen) {
    return DecodeError::kSize;
  }
  char text[kCassIpAddrLen + 1] = {};
  size_t len = 0;
  while (len < kCassIpAddrLen && v.ip_addr[len] != 0) {
    text[len] = static_cast<char>(v.ip_addr[len]);
    ++len;
  }
  for (size_t i = len; i < kCassIpAddrLen; ++i) {
    if (v.ip_addr[i] != 0) {
      return DecodeError::kCassIp;
    }
  }
  const int family = v.ip_addr_type == 0x01 ? AF_INET : AF_INET6;
  const int other = v.ip_addr_type == 0x01 ? AF_INET6 : AF_INET;
  unsigned char addr[sizeof(struct in6_addr)];
  if (len == 0 || inet_pton(family, text, addr) != 1) {
    return len != 0 && inet_pton(other, text, addr) == 1 ? DecodeError::kCassIpType
                                                         : DecodeError::kCassIp;
  }
  if (v.connection_type != 0x01 && v.connection_type != 0x02) {
    return DecodeError::kCassConnectionType;
  }
  if (!InRange(v.listening_port, 1, 65535)) {
    return DecodeError::kCassPort;
  }
  return DecodeError::kNone;
}

bool IsLeapYear(unsigned year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

unsigned DaysInMonth(unsigned year, unsigned month) {
  static constexpr unsigned kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

// §13.2: "YYMMDDhhmmss" UTC, year 2000 + YY, a real date and time; all
// zeros means "now".
DecodeError ValidateDownloadSchedule(ByteView s) noexcept {
  if (s.size() != kDownloadScheduleLen) {
    return DecodeError::kSize;
  }
  unsigned d[6];
  bool all_zero = true;
  for (size_t i = 0; i < 6; ++i) {
    const uint8_t hi = s[2 * i];
    const uint8_t lo = s[2 * i + 1];
    if (hi < '0' || hi > '9' || lo < '0' || lo > '9') {
      return DecodeError::kDownloadSchedule;
    }
    d[i] = (hi - '0') * 10u + (lo - '0');
    all_zero = all_zero && d[i] == 0;
  }
  if (all_zero) {
    return DecodeError::kNone;
  }
  const unsigned year = 2000 + d[0];
  const bool ok = InRange(d[1], 1, 12) && InRange(d[2], 1, DaysInMonth(year, d[1])) && d[3] < 24 &&
                  d[4] < 60 && d[5] < 60;
  return ok ? DecodeError::kNone : DecodeError::kDownloadSchedule;
}

// §11.2: RAND_AC_1..3 pairwise distinct (compared in constant time: they
// travel only inside the OAEP ciphertext).
DecodeError ValidateRandAc(const KeyResponseConfidential& v) noexcept {
  // All three compares run whatever the outcome ('|', not '||').
  const int dup = static_cast<int>(crypto::ConstantTimeEqual(v.rand_ac_1, v.rand_ac_2)) |
                  static_cast<int>(crypto::ConstantTimeEqual(v.rand_ac_1, v.rand_ac_3)) |
                  static_cast<int>(crypto::ConstantTimeEqual(v.rand_ac_2, v.rand_ac_3));
  return dup != 0 ? DecodeError::kRandAcDuplicate : DecodeError::kNone;
}

DecodeError ValidateImageInfo(const ImageInfo& v) noexcept {
  return InRange(v.tm, 1, 3) ? DecodeError::kNone : DecodeError::kTransportMechanism;
}

// §13.7: clientType 1..3; imageFlag 1..3 with 1/1/2 ImageInfo, common
// first; an individual image, and a common one sent by TFTP/HTTP, names its
// dSIP and a non-empty fn; a common carousel image names neither.
DecodeError ValidateRenewInfo(const RenewInfoContent& v) noexcept {
  if (!InRange(v.client_type, 1, 3)) {
    return DecodeError::kClientType;
  }
  if (!InRange(v.image_flag, 1, 3)) {
    return DecodeError::kImageFlag;
  }
  if (v.image_count != (v.image_flag == 0x03 ? 2u : 1u)) {
    return DecodeError::kImageCount;
  }
  for (size_t k = 0; k < v.image_count; ++k) {
    const ImageInfo& image = v.image_info[k];
    if (const DecodeError e = ValidateImageInfo(image); e != DecodeError::kNone) {
      return e;
    }
    const bool common = v.image_flag == 0x01 || (v.image_flag == 0x03 && k == 0);
    const bool located = image.ds_ip.has_value() && image.fn.has_value() && !image.fn->empty();
    const bool unlocated = !image.ds_ip.has_value() && !image.fn.has_value();
    if (common && image.tm == 0x01 ? !unlocated : !located) {
      return DecodeError::kImageLocation;
    }
  }
  return DecodeError::kNone;
}

}  // namespace

template <Content T>
DecodeError Validate(const T& value) noexcept {
  if constexpr (std::is_same_v<T, CassInfo>) {
    return ValidateCassInfo(value);
  } else if constexpr (std::is_same_v<T, RcasRenewalContent>) {
    return ValidateDownloadSchedule(value.download_schedule);
  } else if constexpr (std::is_same_v<T, KeyResponseConfidential>) {
    return ValidateRandAc(value);
  } else if constexpr (std::is_same_v<T, ImageInfo>) {
    return ValidateImageInfo(value);
  } else if constexpr (std::is_same_v<T, RenewInfoContent>) {
    return ValidateRenewInfo(value);
  } else {
    return DecodeError::kNone;  // SIZE rules only, checked by the schema
  }
}

#define RCAS_INSTANTIATE_VALIDATE(T) template DecodeError Validate<T>(const T&) noexcept;
RCAS_CONTENT_TYPES(RCAS_INSTANTIATE_VALIDATE)
#undef RCAS_INSTANTIATE_VALIDATE

}  // namespace rcas::protocol
