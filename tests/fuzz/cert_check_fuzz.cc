// Fuzzes the certificate checks of PROFILE §10.4 (the decoder of the
// cAMCertificate / cASSCertificate fields): arbitrary octets must be rejected
// with a reason, never crash, and anything accepted must really chain to the
// test root and carry a well-formed ID.

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "crypto/x509.h"

namespace {

const rcas::crypto::TrustAnchor& Root() {
  static const rcas::crypto::TrustAnchor* root = [] {
    std::ifstream in(RCAS_FUZZ_DATA_DIR "/vectors/pki/ac-root.cert.pem");
    std::stringstream ss;
    ss << in.rdbuf();
    auto anchor = rcas::crypto::TrustAnchor::FromPem(ss.str());
    if (!anchor.ok()) {
      std::abort();
    }
    return new rcas::crypto::TrustAnchor(std::move(anchor.value()));
  }();
  return *root;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rcas::crypto;
  const rcas::ByteView der(data, size);
  // KeyPairingID of the test CAM (0102030405060708 ‖ DSC_ID).
  uint8_t kpid[kKeyPairingIdLen] = {1, 2, 3, 4, 5, 6, 7, 8};
  const int64_t now = 1767225600;  // 2026-01-01, inside the test PKI's validity
  CamCertResult cam = CheckCamCertificate(Root(), der, kpid, now);
  if (cam.ok() && (!cam.subject_key.has_value() || CertCheckStatus(cam.reason) != 0)) {
    std::abort();
  }
  const uint8_t cass_id[kCassIdLen] = {0, 0, 0, 0x0a};
  CassCertResult cass = CheckCassCertificate(Root(), der, cass_id, std::nullopt);
  if (!cass.ok() && CertCheckStatus(cass.reason) != 0x05) {
    std::abort();
  }
  return 0;
}
