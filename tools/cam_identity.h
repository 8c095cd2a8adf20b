#pragma once
// Loading reference CAMs from the files `rcasctl pki` writes (docs/pki.md): the CAM-side
// provisioning file (kCam kind, PROFILE §2.3) with each record's PEM key file, and the AC root
// certificate.

#include <cstdint>
#include <string>
#include <vector>

#include "crypto/result.h"
#include "tools/cam_machine.h"

namespace rcas::tools {

// LoadCamIdentities reads the first `count` CAMs of `provisioning` (0: all) with their keys
// (relative to the file's folder; a key shared by several CAMs is read once) and the AC root
// from `root_pem`. The whole file is read, so its end record and digest are checked before any
// CAM is returned.
Result<std::vector<CamIdentity>> LoadCamIdentities(const std::string& provisioning,
                                                   const std::string& root_pem, uint64_t count);

// CamProvisioning is a CAM-side provisioning file opened for reading, with the AC root.
struct CamProvisioning {
  crypto::TrustAnchor root;
  ProvisioningReader reader;
  std::string folder;  // where the records' key files are
};

// OpenCamProvisioning reads the AC root from `root_pem` and opens `provisioning`, which must be
// a CAM-side file (kCam); the error names the file.
Result<CamProvisioning> OpenCamProvisioning(const std::string& provisioning,
                                            const std::string& root_pem);

// ReadKeyFile reads the PEM private key `key_file` of a record, relative to `folder`.
Result<crypto::RsaPrivateKey> ReadKeyFile(const std::string& folder, const std::string& key_file);

// CamStatePath is DIR/<CAM_ID hex>.state.
std::string CamStatePath(const std::string& dir, const crypto::CamId& cam_id);

}  // namespace rcas::tools
