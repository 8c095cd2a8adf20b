#include "crypto/burst.h"

namespace rcas::crypto {

const char* BurstVerdictName(BurstVerdict v) noexcept {
  switch (v) {
#define RCAS_BURST_NAME(name, text) \
  case BurstVerdict::name:          \
    return text;
    RCAS_BURST_VERDICTS(RCAS_BURST_NAME)
#undef RCAS_BURST_NAME
  }
  return "unknown";
}

}  // namespace rcas::crypto
