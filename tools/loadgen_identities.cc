// LoadIdentities (tools/loadgen_identities.h).

#include "tools/loadgen_identities.h"

#include <algorithm>
#include <map>

#include "tools/cam_identity.h"

namespace rcas::tools {

std::array<uint8_t, crypto::kKeyPairingIdLen> LoadIdentity::KeyPairingId() const {
  std::array<uint8_t, crypto::kKeyPairingIdLen> id{};  // CAM_ID || DSC_ID (§2.2)
  std::copy(cam_id.begin(), cam_id.end(), id.begin());
  std::copy(dsc_id.begin(), dsc_id.end(), id.begin() + cam_id.size());
  return id;
}

Result<std::unique_ptr<LoadIdentities>> LoadIdentities::Load(const std::string& provisioning,
                                                             const std::string& root_pem,
                                                             uint64_t count) {
  auto opened = OpenCamProvisioning(provisioning, root_pem);
  if (!opened) {
    return Error{opened.error()};
  }
  auto out = std::make_unique<LoadIdentities>();
  out->root_ = std::make_unique<crypto::TrustAnchor>(std::move(opened->root));
  ProvisioningReader& reader = opened->reader;
  std::map<std::string, uint32_t> key_index;
  CamRecord record;
  for (;;) {
    auto more = reader.Next(record);
    if (!more) {
      return Error{provisioning + ": " + more.error()};
    }
    if (!*more) {
      break;
    }
    if (count != 0 && out->cams_.size() >= count) {
      continue;  // read on: the end record still has to verify
    }
    auto it = key_index.find(record.key_file);
    if (it == key_index.end()) {
      auto key = ReadKeyFile(opened->folder, record.key_file);
      if (!key) {
        return Error{key.error()};
      }
      out->keys_.push_back(std::make_unique<crypto::RsaBatchKey>(std::move(*key)));
      it = key_index.emplace(record.key_file, uint32_t(out->keys_.size() - 1)).first;
    }
    LoadIdentity id;
    id.cam_id = record.cam_id;
    id.dsc_id = record.dsc_id;
    id.keys = record.keys;
    id.cert_offset = out->certificates_.size();
    id.cert_len = static_cast<uint32_t>(record.certificate_der.size());
    id.key = it->second;
    out->certificates_.insert(out->certificates_.end(), record.certificate_der.begin(),
                              record.certificate_der.end());
    out->cams_.push_back(id);
  }
  if (count != 0 && out->cams_.size() < count) {
    return Error{provisioning + " holds " + std::to_string(out->cams_.size()) + " CAMs, not " +
                 std::to_string(count)};
  }
  return out;
}

}  // namespace rcas::tools
