#pragma once
// Synthetic CAMs for the AC and ingest benchmarks: cheap pseudo-random octets (splitmix64; this
// is test data, and OpenSSL's DRBG would cost more than what it feeds), three Ki/OPc pairs and a
// certificate-sized blob of 880 octets (the size `rcasctl pki cams` issues) of which 368 are the
// same for every CAM (names, OIDs, extensions) and 512 its own (public key and signature), so
// that compression sees what it would see in real certificates.

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "crypto/bytes.h"

namespace rcas::perf {

inline void Fill(MutableByteView out, uint64_t& x) {
  for (size_t i = 0; i < out.size(); i += 8) {
    x += 0x9E3779B97F4A7C15ull;
    uint64_t z = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    std::memcpy(out.data() + i, &z, std::min<size_t>(8, out.size() - i));
  }
}

// FillCam fills the Ki/OPc pairs (anything with .ki and .opc SecretArrays) and the certificate
// of CAM number `i`.
template <typename KeyPairs>
void FillCam(uint64_t i, KeyPairs& keys, Bytes& certificate) {
  uint64_t x = i;
  for (auto& k : keys) {
    Fill(k.ki.mutable_view(), x);
    Fill(k.opc.mutable_view(), x);
  }
  certificate.assign(880, 0);
  uint64_t shared = 0;
  Fill(MutableByteView(certificate).first(368), shared);
  Fill(MutableByteView(certificate).subspan(368), x);
}

}  // namespace rcas::perf
