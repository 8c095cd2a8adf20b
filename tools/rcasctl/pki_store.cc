#include "tools/rcasctl/pki_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

namespace rcas::tools {
namespace {

constexpr int64_t kDay = 86400;
constexpr int64_t kClockSkew = 3600;  // certificates start an hour early for slow clocks

}  // namespace

std::string CassKeyFile(const crypto::CassId& id) {
  return "cass-" + crypto::UpperHex(id) + ".key.pem";
}
std::string CassCertFile(const crypto::CassId& id) {
  return "cass-" + crypto::UpperHex(id) + ".cert.pem";
}

Status CheckWritable(const std::filesystem::path& path, bool force) {
  std::error_code ec;
  if (!force && std::filesystem::exists(path, ec)) {
    return Error{path.string() + " exists (use --force to replace it)"};
  }
  return OkStatus();
}

Status WriteNewFile(const std::filesystem::path& path, std::string_view data, bool secret,
                    bool force) {
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL);
  int fd = ::open(path.c_str(), flags, secret ? 0600 : 0644);
  if (fd < 0) {
    return Error{path.string() + ": " + std::strerror(errno)};
  }
  bool ok = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size());
  ok = (::close(fd) == 0) && ok;
  if (!ok) {
    return Error{path.string() + ": write failed"};
  }
  return OkStatus();
}

Result<std::string> ReadTextFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error{path.string() + ": cannot read"};
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<crypto::CertIssuer> LoadIssuer(const std::filesystem::path& dir) {
  auto cert_pem = ReadTextFile(dir / kRootCertFile);
  auto key_pem = ReadTextFile(dir / kRootKeyFile);
  if (!cert_pem || !key_pem) {
    return Error{(cert_pem ? key_pem.error() : cert_pem.error()) + " (run `rcasctl pki init`)"};
  }
  auto root = crypto::TrustAnchor::FromPem(*cert_pem);
  if (!root) {
    return Error{(dir / kRootCertFile).string() + ": " + root.error()};
  }
  auto key = crypto::RsaPrivateKey::FromPem(*key_pem);
  if (!key) {
    return Error{(dir / kRootKeyFile).string() + ": " + key.error()};
  }
  return crypto::CertIssuer::Create(std::move(*root), std::move(*key));
}

crypto::Validity LeafValidity(const crypto::TrustAnchor& root, int days) {
  const auto now = static_cast<int64_t>(std::time(nullptr));
  return {now - kClockSkew, std::min(now + days * kDay, root.validity().not_after)};
}

}  // namespace rcas::tools
