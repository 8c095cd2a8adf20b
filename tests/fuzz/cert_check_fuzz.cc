// Fuzzes the certificate checks of PROFILE §10.4 (the decoder of the cAMCertificate /
// cASSCertificate fields): arbitrary octets must be rejected with a reason, never crash, and
// the fast check must give exactly the reason, ID and subject key of the OpenSSL-only reference
// (crypto/cert_leaf.h); anything accepted must carry a key. An input starting with 'R' is a
// TBSCertificate that is re-signed with the test root key first, so mutations reach the checks
// after the signature.

#include <openssl/evp.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>

#include "crypto/x509.h"
#include "tests/crypto/cert_resign.h"

namespace {

using namespace rcas::crypto;

std::string ReadData(const char* name) {
  std::ifstream in(std::string(RCAS_FUZZ_DATA_DIR "/vectors/pki/") + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Load parses a file of the test PKI once; the target cannot run without it.
template <typename T, typename Parse>
const T& Load(const char* name, Parse parse) {
  auto parsed = parse(ReadData(name));
  if (!parsed.ok()) {
    std::abort();
  }
  return *new T(std::move(parsed.value()));
}

const TrustAnchor& Root() {
  static const TrustAnchor& root = Load<TrustAnchor>("ac-root.cert.pem", TrustAnchor::FromPem);
  return root;
}

const RsaPrivateKey& RootKey() {
  static const RsaPrivateKey& key = Load<RsaPrivateKey>("ac-root.key.pem", RsaPrivateKey::FromPem);
  return key;
}

template <typename R>
void AbortUnlessSame(const R& fast, const R& reference) {
  const bool same_key = fast.subject_key.has_value() == reference.subject_key.has_value() &&
                        (!fast.subject_key ||
                         EVP_PKEY_eq(fast.subject_key->get(), reference.subject_key->get()) == 1);
  if (fast.reason != reference.reason || fast.id != reference.id || !same_key ||
      (fast.ok() && !fast.subject_key.has_value()) || (!fast.ok() && fast.subject_key)) {
    std::abort();
  }
}

void CheckBoth(rcas::ByteView der) {
  // KeyPairingID of the test CAM (0102030405060708 ‖ DSC_ID).
  const uint8_t kpid[kKeyPairingIdLen] = {1, 2, 3, 4, 5, 6, 7, 8};
  const int64_t now = 1767225600;  // 2026-01-01, inside the test PKI's validity
  AbortUnlessSame(CheckCamCertificate(Root(), der, kpid, now),
                  CheckCamCertificateReference(Root(), der, kpid, now));
  const uint8_t cass_id[kCassIdLen] = {0, 0, 0, 0x0a};
  AbortUnlessSame(CheckCassCertificate(Root(), der, cass_id, std::nullopt),
                  CheckCassCertificateReference(Root(), der, cass_id, std::nullopt));
  AbortUnlessSame(CheckCassCertificate(Root(), der, cass_id, now),
                  CheckCassCertificateReference(Root(), der, cass_id, now));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const rcas::ByteView input(data, size);
  if (size > 0 && data[0] == 'R') {
    CheckBoth(testing::Resign(input.subspan(1), RootKey()));
  } else {
    CheckBoth(input);
  }
  return 0;
}
