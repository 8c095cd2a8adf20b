#pragma once
// HttpRequest: the image service's HTTP/1.1 request parser (PROFILE §13.7:
// `GET http://<dSIP>:80/<fn>`). A pure function of the octets received so far,
// so it can be fuzzed and the server can call it again as more arrive.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace rcas::dataplane {

// HttpLimits bound what one request may take before it is refused.
struct HttpLimits {
  size_t max_target = 1024;  // request-target octets; longer: 414
  size_t max_head = 8192;    // request line + header fields + CRLFs; longer: 431
};

enum class HttpParse : uint8_t {
  kIncomplete,  // need more octets (nothing is wrong yet)
  kOk,          // a whole request; see HttpRequest
  kError,       // answer `status` and close the connection
};

// HttpRange is a single `bytes=` range as sent (RFC 9110 §14.1.2).
struct HttpRange {
  enum class Form : uint8_t { kNone, kFromTo, kFrom, kSuffix };
  Form form = Form::kNone;
  uint64_t first = 0;   // kFromTo, kFrom
  uint64_t last = 0;    // kFromTo
  uint64_t suffix = 0;  // kSuffix: the last `suffix` octets
};

struct HttpRequest {
  bool head = false;       // HEAD, else GET
  bool keep_alive = true;  // HTTP/1.1 unless "Connection: close"; 1.0 only with keep-alive
  std::string fn;          // percent-decoded path without the leading '/'
  HttpRange range;         // kNone when absent, malformed or multi-range (all ignored)
  size_t consumed = 0;     // octets of this request (through the empty line)
  int status = 0;          // kError: 400, 405, 414, 431 or 505
};

// ParseHttpRequest parses the request at the start of `in`. On kOk and kError
// `out` is filled (`consumed` and `fn` only on kOk); a request with a body is
// refused (400): GET and HEAD carry none here.
HttpParse ParseHttpRequest(std::string_view in, const HttpLimits& limits, HttpRequest* out);

// ResolveRange turns `r` into [first, last] of an object of `size` octets;
// false if unsatisfiable (416). kNone gives the whole object (size > 0).
bool ResolveRange(const HttpRange& r, uint64_t size, uint64_t* first, uint64_t* last);

// PercentDecode decodes %XX escapes; false on a bad escape or a decoded NUL.
bool PercentDecode(std::string_view in, std::string* out);

}  // namespace rcas::dataplane
