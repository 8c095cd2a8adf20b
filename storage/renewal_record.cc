#include "storage/renewal_record.h"

namespace rcas::storage {
namespace {

constexpr uint8_t kRenewalFormat = 1;

}  // namespace

const char* RenewalResultName(RenewalResult r) {
  switch (r) {
    case RenewalResult::kInstalled:
      return "installed";
    case RenewalResult::kDownloadFailed:
      return "download-failed";
    case RenewalResult::kHashFailed:
      return "hash-failed";
    case RenewalResult::kAborted:
      return "aborted";
  }
  return "unknown";
}

Bytes EncodeRenewalRecord(const RenewalRecord& r) {
  Bytes out(kRenewalRecordLen);
  out[0] = kRenewalFormat;
  out[1] = static_cast<uint8_t>(r.result);
  StoreBe64(&out[2], r.deliver_version);
  StoreBe64(&out[10], r.unix_ms);
  return out;
}

std::optional<RenewalRecord> DecodeRenewalRecord(ByteView body) {
  if (body.size() != kRenewalRecordLen || body[0] != kRenewalFormat || body[1] == 0 ||
      body[1] > static_cast<uint8_t>(RenewalResult::kAborted)) {
    return std::nullopt;
  }
  return RenewalRecord{static_cast<RenewalResult>(body[1]), LoadBe64(&body[2]),
                       LoadBe64(&body[10])};
}

}  // namespace rcas::storage
