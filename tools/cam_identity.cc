// Loading reference CAMs from provisioning files (tools/cam_identity.h).

#include "tools/cam_identity.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace rcas::tools {
namespace {

Result<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error{"cannot read " + path};
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

Result<CamProvisioning> OpenCamProvisioning(const std::string& provisioning,
                                            const std::string& root_pem) {
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
    return Error{provisioning +
                 " is not a CAM-side provisioning file (rcasctl pki cams writes "
                 "<name>.cam.rcpv)"};
  }
  return CamProvisioning{std::move(*root), std::move(*reader),
                         std::filesystem::path(provisioning).parent_path().string()};
}

Result<crypto::RsaPrivateKey> ReadKeyFile(const std::string& folder, const std::string& key_file) {
  const std::string path = (std::filesystem::path(folder) / key_file).string();
  auto pem = ReadText(path);
  auto key = pem ? crypto::RsaPrivateKey::FromPem(*pem)
                 : Result<crypto::RsaPrivateKey>(Error{pem.error()});
  if (!key) {
    return Error{path + ": " + key.error()};
  }
  return key;
}

Result<std::vector<CamIdentity>> LoadCamIdentities(const std::string& provisioning,
                                                   const std::string& root_pem, uint64_t count) {
  auto opened = OpenCamProvisioning(provisioning, root_pem);
  if (!opened) {
    return Error{opened.error()};
  }
  ProvisioningReader& reader = opened->reader;
  std::map<std::string, crypto::RsaPrivateKey> keys;
  std::vector<CamIdentity> out;
  for (;;) {
    CamRecord record;
    auto more = reader.Next(record);
    if (!more) {
      return Error{provisioning + ": " + more.error()};
    }
    if (!*more) {
      break;
    }
    if (count != 0 && out.size() >= count) {
      continue;  // read on: the end record still has to verify
    }
    auto it = keys.find(record.key_file);
    if (it == keys.end()) {
      auto key = ReadKeyFile(opened->folder, record.key_file);
      if (!key) {
        return Error{key.error()};
      }
      it = keys.emplace(record.key_file, std::move(*key)).first;
    }
    out.push_back(CamIdentity{std::move(record), it->second, opened->root});
  }
  if (count != 0 && out.size() < count) {
    return Error{provisioning + " holds " + std::to_string(out.size()) + " CAMs, not " +
                 std::to_string(count)};
  }
  return out;
}

std::string CamStatePath(const std::string& dir, const crypto::CamId& cam_id) {
  return (std::filesystem::path(dir) / (ToHex(cam_id) + ".state")).string();
}

}  // namespace rcas::tools
