#include "protocol/der_error.h"

#include <array>

namespace rcas::protocol {

std::string_view DecodeErrorName(DecodeError e) noexcept {
  static constexpr std::array<std::string_view, kDecodeErrorCount> kNames = {
#define RCAS_DECODE_ERROR_NAME(name, token) token,
      RCAS_DECODE_ERRORS(RCAS_DECODE_ERROR_NAME)
#undef RCAS_DECODE_ERROR_NAME
  };
  const auto i = static_cast<size_t>(e);
  return i < kNames.size() ? kNames[i] : std::string_view("unknown");
}

}  // namespace rcas::protocol
