#pragma once
// The PKI folder that `rcasctl pki` commands share: file names, and safe file writing (private
// keys 0600, never silently replaced).

#include <filesystem>
#include <string>
#include <string_view>

#include "crypto/result.h"
#include "crypto/x509.h"
#include "crypto/x509_issue.h"

namespace rcas::tools {

inline constexpr char kRootKeyFile[] = "ac-root.key.pem";
inline constexpr char kRootCertFile[] = "ac-root.cert.pem";

// CassKeyFile / CassCertFile name a CASS's files: cass-<8 upper hex>.{key,cert}.pem.
std::string CassKeyFile(const crypto::CassId& id);
std::string CassCertFile(const crypto::CassId& id);

// WriteNewFile writes `data` to `path` (mode 0600 if `secret`, else 0644). Without `force` an
// existing file is an error, so a rerun never clobbers a root key.
Status WriteNewFile(const std::filesystem::path& path, std::string_view data, bool secret,
                    bool force);

// CheckWritable fails if `path` exists and `force` is off (checked before any work starts).
Status CheckWritable(const std::filesystem::path& path, bool force);

// ReadTextFile returns a file's contents.
Result<std::string> ReadTextFile(const std::filesystem::path& path);

// LoadIssuer reads the AC root key and certificate from the PKI folder `dir`.
Result<crypto::CertIssuer> LoadIssuer(const std::filesystem::path& dir);

// LeafValidity is now - 1 h .. now + `days`, clipped to the root's notAfter.
crypto::Validity LeafValidity(const crypto::TrustAnchor& root, int days);

}  // namespace rcas::tools
