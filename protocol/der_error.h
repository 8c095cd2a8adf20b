#pragma once
// DecodeError: why a content was rejected (PROFILE §7, §13, §23.8). The
// tokens are those of tests/data/vectors/malformed.json, so every rejection
// can be counted and compared with the reference by name.

#include <cstdint>
#include <string_view>

namespace rcas::protocol {

// X(enumerator, token). kNone must stay first; dataplane counters are
// generated from this list.
#define RCAS_DECODE_ERRORS(X)                      \
  X(kNone, "ok")                                   \
  X(kTruncated, "truncated")                       \
  X(kIndefiniteLength, "indefinite-length")        \
  X(kReservedLength, "reserved-length")            \
  X(kHighTagNumber, "high-tag-number")             \
  X(kWrongTag, "wrong-tag")                        \
  X(kConstructedString, "constructed-string")      \
  X(kMissingComponent, "missing-component")        \
  X(kUnexpectedComponent, "unexpected-component")  \
  X(kTrailingOctets, "trailing-octets")            \
  X(kSize, "size")                                 \
  X(kBadBoolean, "bad-boolean")                    \
  X(kBooleanFalse, "boolean-false")                \
  X(kBitStringEmpty, "bitstring-empty")            \
  X(kBitStringUnusedBits, "bitstring-unused-bits") \
  X(kPrintableCharset, "printable-charset")        \
  X(kDownloadSchedule, "download-schedule")        \
  X(kCassIpType, "cass-ip-type")                   \
  X(kCassIp, "cass-ip")                            \
  X(kCassConnectionType, "cass-connection-type")   \
  X(kCassPort, "cass-port")                        \
  X(kRandAcDuplicate, "rand-ac-duplicate")         \
  X(kClientType, "client-type")                    \
  X(kImageFlag, "image-flag")                      \
  X(kImageCount, "image-count")                    \
  X(kTransportMechanism, "transport-mechanism")    \
  X(kImageLocation, "image-location")

enum class DecodeError : uint8_t {
#define RCAS_DECODE_ERROR_ENUM(name, token) name,
  RCAS_DECODE_ERRORS(RCAS_DECODE_ERROR_ENUM)
#undef RCAS_DECODE_ERROR_ENUM
};

#define RCAS_DECODE_ERROR_COUNT(name, token) +1
inline constexpr size_t kDecodeErrorCount = 0 RCAS_DECODE_ERRORS(RCAS_DECODE_ERROR_COUNT);
#undef RCAS_DECODE_ERROR_COUNT

// DecodeErrorName returns the malformed.json token ("ok" for kNone).
std::string_view DecodeErrorName(DecodeError e) noexcept;

}  // namespace rcas::protocol
