// Fuzzes the provisioning record decoder (tools/provisioning.h): any octets
// either decode strictly or are rejected; a decoded record re-encodes to the
// same octets (the format has one encoding per record).

#include <cstdint>
#include <cstdlib>

#include "tools/provisioning.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rcas::tools;
  const rcas::ByteView in(data, size);
  for (ProvisioningKind kind : {ProvisioningKind::kAc, ProvisioningKind::kCam}) {
    CamRecord record;
    if (!DecodeRecord(in, kind, record)) {
      continue;
    }
    rcas::Bytes again;
    if (!EncodeRecord(record, kind, again).ok() || again.size() != size ||
        !std::equal(again.begin(), again.end(), data)) {
      std::abort();
    }
  }
  return 0;
}
