// The image server's HTTP request parser (dataplane/http_request.h) on any
// octets: it must not crash, and what it accepts must hold what it promises.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "control/image_registry.h"
#include "dataplane/http_request.h"

namespace {

void Check(bool ok) {
  if (!ok) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rcas::dataplane;  // NOLINT(google-build-using-namespace)
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const HttpLimits limits{.max_target = 256, .max_head = 1024};
  HttpRequest req;
  switch (ParseHttpRequest(in, limits, &req)) {
    case HttpParse::kOk: {
      Check(req.consumed >= 4 && req.consumed <= size && req.consumed <= limits.max_head);
      Check(in.substr(req.consumed - 4, 4) == "\r\n\r\n");
      Check(rcas::control::ValidImageFn(req.fn));
      // A prefix of a whole request is never an error.
      HttpRequest part;
      Check(ParseHttpRequest(in.substr(0, req.consumed - 1), limits, &part) != HttpParse::kOk);
      uint64_t first = 0, last = 0;
      if (ResolveRange(req.range, 1000, &first, &last)) {
        Check(first <= last && last < 1000);
      }
      break;
    }
    case HttpParse::kError:
      Check(req.status == 400 || req.status == 405 || req.status == 414 || req.status == 431 ||
            req.status == 505);
      break;
    case HttpParse::kIncomplete:
      Check(size <= limits.max_head + limits.max_target);
      break;
  }
  return 0;
}
