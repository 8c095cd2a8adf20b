#pragma once
// Round-trip property shared by the content fuzz targets (one target per
// content type, BoringSSL der_roundtrip style): whatever decodes is valid,
// so it encodes; the encoding decodes to an equal value, re-encodes to the
// same octets and is never longer than the BER input; and neither Decode
// nor the caller-buffer Encode allocates (counted through the sanitizer
// hooks). Violations abort.

#include <cstdio>
#include <cstdlib>

#include "protocol/content.h"
#include "tests/protocol/content_alloc_counter.h"

namespace rcas::protocol::fuzz {

// Require aborts, naming the broken property, when `ok` is false.
inline void RequireAt(bool ok, const char* what, int line) {
  if (!ok) {
    std::fprintf(stderr, "content fuzz: property failed at line %d: %s\n", line, what);
    std::abort();
  }
}
#define Require(cond) RequireAt((cond), #cond, __LINE__)

template <Content T>
int FuzzContent(const uint8_t* data, size_t size) {
  using testing::AllocationCounter;
  const bool counting = AllocationCounter::Available();
  const ByteView in(data, size);
  T value{};
  DecodeError decoded = DecodeError::kNone;
  const size_t decode_allocs = AllocationCounter::Count([&] {
    (void)PeekSessionId(in);
    decoded = Decode(in, &value);
  });
  Require(!counting || decode_allocs == 0);
  if (decoded != DecodeError::kNone) {
    return 0;
  }
  const size_t len = EncodedLength(value);
  Require(len != 0 && len <= size);  // DER is the shortest accepted form
  Bytes der(len);
  size_t written = 0;
  const size_t encode_allocs =
      AllocationCounter::Count([&] { written = Encode(value, MutableByteView(der)); });
  Require(written == len && (!counting || encode_allocs == 0));
  Bytes short_buffer(len - 1);
  Require(Encode(value, MutableByteView(short_buffer)) == 0);
  T again{};
  Require(Decode(der, &again) == DecodeError::kNone);
  Require(again == value);
  Bytes der2;
  Require(Encode(again, &der2) && der2 == der);
  Require(PeekSessionId(der).has_value() == PeekSessionId(in).has_value());
  return 0;
}

}  // namespace rcas::protocol::fuzz
