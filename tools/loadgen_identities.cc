// LoadIdentities (tools/loadgen_identities.h).

#include "tools/loadgen_identities.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace rcas::tools {
namespace {

Result<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error{path + ": cannot open"};
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::array<uint8_t, crypto::kKeyPairingIdLen> LoadIdentity::KeyPairingId() const {
  std::array<uint8_t, crypto::kKeyPairingIdLen> id{};  // CAM_ID || DSC_ID (§2.2)
  std::copy(cam_id.begin(), cam_id.end(), id.begin());
  std::copy(dsc_id.begin(), dsc_id.end(), id.begin() + cam_id.size());
  return id;
}

Result<std::unique_ptr<LoadIdentities>> LoadIdentities::Load(const std::string& provisioning,
                                                             const std::string& root_pem,
                                                             uint64_t count) {
  auto root_text = ReadText(root_pem);
  if (!root_text) {
    return Error{root_text.error()};
  }
  auto root = crypto::TrustAnchor::FromPem(*root_text);
  if (!root) {
    return Error{root_pem + ": " + root.error()};
  }
  auto reader = ProvisioningReader::Open(provisioning);
  if (!reader) {
    return Error{reader.error()};
  }
  if (reader->kind() != ProvisioningKind::kCam) {
    return Error{provisioning + " is not a CAM-side provisioning file (<name>.cam.rcpv)"};
  }
  auto out = std::make_unique<LoadIdentities>();
  out->root_ = std::make_unique<crypto::TrustAnchor>(std::move(*root));
  const std::filesystem::path folder = std::filesystem::path(provisioning).parent_path();
  std::map<std::string, uint32_t> key_index;
  CamRecord record;
  for (;;) {
    auto more = reader->Next(record);
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
      const std::string path = (folder / record.key_file).string();
      auto pem = ReadText(path);
      auto key = pem ? crypto::RsaPrivateKey::FromPem(*pem)
                     : Result<crypto::RsaPrivateKey>(Error{pem.error()});
      if (!key) {
        return Error{path + ": " + key.error()};
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
