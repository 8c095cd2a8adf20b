// libFuzzer target: CamRegContent decode/encode round trip (PROFILE §7).

#include "tests/fuzz/content_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return rcas::protocol::fuzz::FuzzContent<rcas::protocol::CamRegContent>(data, size);
}
