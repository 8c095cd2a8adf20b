#pragma once
// LoadIdentities: the CAMs rcas-loadgen emulates, read from the CAM-side provisioning file that
// `rcasctl pki cams` writes (PROFILE §2.3, docs/pki.md) and kept compact for millions of them:
// each CAM is its CAM_ID, DSC_ID, three Ki/OPc pairs and an index; the certificates sit in one
// arena and the private keys (shared between CAMs, --share-key) once each, ready for the
// batched RSA kernel (crypto/rsa_batch.h). Read-only after Load; safe to share between threads.

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "crypto/rsa_batch.h"
#include "crypto/x509.h"
#include "tools/provisioning.h"

namespace rcas::tools {

struct LoadIdentity {
  crypto::CamId cam_id{};
  std::array<uint8_t, crypto::kDscIdLen> dsc_id{};
  std::array<KiOpc, kKiOpcPairs> keys;
  uint64_t cert_offset = 0;  // into LoadIdentities::certificates
  uint32_t cert_len = 0;
  uint32_t key = 0;  // into LoadIdentities::keys

  std::array<uint8_t, crypto::kKeyPairingIdLen> KeyPairingId() const;
};

class LoadIdentities {
 public:
  // Load reads the first `count` CAMs (0: all) of `provisioning` and the AC root `root_pem`;
  // the whole file is read so that its end record verifies.
  static Result<std::unique_ptr<LoadIdentities>> Load(const std::string& provisioning,
                                                      const std::string& root_pem, uint64_t count);

  size_t size() const { return cams_.size(); }
  const LoadIdentity& cam(size_t i) const { return cams_[i]; }
  ByteView certificate(size_t i) const {
    return ByteView(certificates_.data() + cams_[i].cert_offset, cams_[i].cert_len);
  }
  const crypto::RsaBatchKey& key(size_t i) const { return *keys_[cams_[i].key]; }
  const crypto::TrustAnchor& root() const { return *root_; }
  size_t key_count() const { return keys_.size(); }

 private:
  std::vector<LoadIdentity> cams_;
  Bytes certificates_;
  std::vector<std::unique_ptr<crypto::RsaBatchKey>> keys_;
  std::unique_ptr<crypto::TrustAnchor> root_;
};

}  // namespace rcas::tools
