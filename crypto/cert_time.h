#pragma once
// Certificate validity times for the fast path (cert_fast.cc): the strict forms RFC 5280
// §4.1.2.5 prescribes, UTCTime YYMMDDHHMMSSZ and GeneralizedTime YYYYMMDDHHMMSSZ, with a real
// calendar date. Every other spelling is left to OpenSSL's more lenient parser.

#include <cstdint>

#include "crypto/cert_der.h"

namespace rcas::crypto {

// ReadCertTime reads one Time and gives it in Unix seconds.
bool ReadCertTime(DerCursor& in, int64_t* unix_seconds);

// IsCertTimeInRange: `t` lies in 1970..9999, where OpenSSL compares certificate times against a
// time_t the same way this file does.
bool IsCertTimeInRange(int64_t t);

}  // namespace rcas::crypto
