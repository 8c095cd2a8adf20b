#pragma once
// RenewalRecord: how one RenewInfo of the CASS ended, stored as the body of a kRenewal report so
// that the operator can see it (`rcasctl ac reports`) and the campaign catalog can tell which
// deliverVersion a CAM has installed (docs/campaign-catalog.md). Body: format (1) = 1,
// outcome (1), deliverVersion (8, big-endian), Unix ms (8, big-endian) of the outcome at the CASS.

#include <cstdint>
#include <optional>

#include "crypto/bytes.h"

namespace rcas::storage {

// RenewalResult numbers the outcomes on disk (control::RenewalOutcome maps onto it).
enum class RenewalResult : uint8_t {
  kInstalled = 1,       // RenewConfirm(TRUE)
  kDownloadFailed = 2,  // RenewConfirm(FALSE)
  kHashFailed = 3,      // Status 0x03 twice (PROFILE §15.4)
  kAborted = 4,         // another Status, a bad MAC or a timeout
};
const char* RenewalResultName(RenewalResult r);

struct RenewalRecord {
  RenewalResult result = RenewalResult::kInstalled;
  uint64_t deliver_version = 0;
  uint64_t unix_ms = 0;
};

inline constexpr size_t kRenewalRecordLen = 1 + 1 + 8 + 8;

Bytes EncodeRenewalRecord(const RenewalRecord& r);
// DecodeRenewalRecord: nullopt for another length, format or an unknown result.
std::optional<RenewalRecord> DecodeRenewalRecord(ByteView body);

}  // namespace rcas::storage
