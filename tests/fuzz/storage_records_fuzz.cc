// Fuzzes the AC store's value decoders (storage/cam_record.h, the report value of
// storage/store_schema.h). The first octet picks the decoder, the rest is the value: any
// octets either decode strictly or are rejected, and a decoded value re-encodes to the same
// octets (one encoding per record).

#include <cstdint>
#include <cstdlib>
#include <string>

#include "storage/cam_record.h"
#include "storage/store_schema.h"

namespace {

using namespace rcas;
using namespace rcas::storage;

void RequireSame(ByteView again, ByteView in) {
  if (!std::equal(again.begin(), again.end(), in.begin(), in.end())) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  const ByteView in(data + 1, size - 1);
  Bytes again;
  switch (data[0] % 4) {
    case 0: {
      CamState s;
      if (DecodeCamState(in, s)) {
        EncodeCamState(s, again);
        RequireSame(again, in);
      }
      break;
    }
    case 1: {
      CamIdentity id;
      if (DecodeCamIdentity(in, id)) {
        EncodeCamIdentity(id, again);
        RequireSame(again, in);
      }
      break;
    }
    case 2: {
      Pairing p;
      if (DecodePairing(in, p)) {
        EncodePairing(p, again);
        RequireSame(again, in);
      }
      break;
    }
    default: {
      const std::string key = ReportKey(crypto::CamId{}, 1, 1);
      const rocksdb::Slice value(reinterpret_cast<const char*>(in.data()), in.size());
      Report r;
      if (DecodeReport(key, value, r)) {
        RequireSame(AsView(EncodeReport(r)), in);
      }
      break;
    }
  }
  return 0;
}
