#include "crypto/random.h"

#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>

namespace rcas::crypto {

void RandomBytes(MutableByteView out) {
  if (out.empty()) {
    return;
  }
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    std::fputs("rcas: CSPRNG failure, aborting\n", stderr);
    std::abort();
  }
}

uint64_t RandomU64() {
  auto b = RandomArray<8>();
  return LoadBe64(b.data());
}

}  // namespace rcas::crypto
