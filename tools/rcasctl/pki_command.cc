// `rcasctl pki ...`: the AC root, CASS certificates and bulk CAM provisioning (PROFILE §2.3,
// §10). Layout of the PKI folder and file formats: docs/pki.md.

#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>

#include "crypto/rsa.h"
#include "crypto/x509.h"
#include "crypto/x509_issue.h"
#include "tools/rcasctl/command.h"
#include "tools/rcasctl/pki_cams.h"
#include "tools/rcasctl/pki_store.h"

namespace rcas::tools {
namespace {

constexpr char kDefaultOrganization[] = "RCAS operator";
constexpr int64_t kDay = 86400;

struct InitOptions {
  std::filesystem::path out;
  std::string organization = kDefaultOrganization;
  std::string common_name = "RCAS AC Root";
  int days = 25 * 365;
  bool force = false;
};

struct CassOptions {
  std::filesystem::path pki_dir;
  std::string id_hex;
  std::string organization = kDefaultOrganization;
  int days = 10 * 365;
  bool force = false;
};

struct CamsArgs {
  CamsOptions options;
  std::string first_id_hex = "0000000000000001";
  std::string dsc_prefix_hex;
  std::string op_hex;
};

// WriteKeyAndCert stores a key and its certificate as PEM; the key first, 0600.
Status WriteKeyAndCert(const std::filesystem::path& key_path, const crypto::RsaPrivateKey& key,
                       const std::filesystem::path& cert_path, ByteView cert_der, bool force) {
  auto pem = crypto::CertificateDerToPem(cert_der);
  if (!pem) {
    return Error{pem.error()};
  }
  if (Status s = WriteNewFile(key_path, key.ToPem(), true, force); !s) {
    return s;
  }
  return WriteNewFile(cert_path, *pem, false, force);
}

int RunInit(const InitOptions& o) {
  std::error_code ec;
  std::filesystem::create_directories(o.out, ec);
  if (ec) {
    return Fail(o.out.string() + ": " + ec.message());
  }
  for (const char* name : {kRootKeyFile, kRootCertFile}) {
    if (Status s = CheckWritable(o.out / name, o.force); !s) {
      return Fail(s.error());
    }
  }
  auto key = crypto::RsaPrivateKey::Generate();
  if (!key) {
    return Fail(key.error());
  }
  const auto now = static_cast<int64_t>(std::time(nullptr));
  auto cert = crypto::IssueRootCertificate(
      *key, crypto::RootCertSpec(o.organization, o.common_name,
                                 {now - 3600, now + int64_t{o.days} * kDay}));
  if (!cert) {
    return Fail(cert.error());
  }
  if (Status s = WriteKeyAndCert(o.out / kRootKeyFile, *key, o.out / kRootCertFile, *cert, o.force);
      !s) {
    return Fail(s.error());
  }
  std::cout << "wrote AC root " << (o.out / kRootCertFile).string() << " and its key "
            << (o.out / kRootKeyFile).string() << "\n";
  return kExitOk;
}

int RunCass(const CassOptions& o) {
  crypto::CassId id{};
  CopyTo(id, *FromHex(o.id_hex));  // validated by HexOctets(4)
  auto issuer = LoadIssuer(o.pki_dir);
  if (!issuer) {
    return Fail(issuer.error());
  }
  const auto key_path = o.pki_dir / CassKeyFile(id);
  const auto cert_path = o.pki_dir / CassCertFile(id);
  for (const auto& p : {key_path, cert_path}) {
    if (Status s = CheckWritable(p, o.force); !s) {
      return Fail(s.error());
    }
  }
  auto key = crypto::RsaPrivateKey::Generate();
  if (!key) {
    return Fail(key.error());
  }
  auto cert =
      issuer->Issue(key->Public(),
                    crypto::CassCertSpec(id, o.organization, LeafValidity(issuer->root(), o.days)));
  if (!cert) {
    return Fail(cert.error());
  }
  if (Status s = WriteKeyAndCert(key_path, *key, cert_path, *cert, o.force); !s) {
    return Fail(s.error());
  }
  std::cout << "wrote CASS " << crypto::UpperHex(id) << " certificate " << cert_path.string()
            << " and its key " << key_path.string() << "\n";
  return kExitOk;
}

int RunCams(CamsArgs& a) {
  CopyTo(a.options.first_id, *FromHex(a.first_id_hex));
  a.options.dsc_prefix = *FromHex(a.dsc_prefix_hex);
  if (!a.op_hex.empty()) {
    a.options.op.emplace(*FromHex(a.op_hex));
  }
  return RunPkiCams(a.options);
}

void AddOrgAndDays(CLI::App* cmd, std::string& organization, int& days, bool& force) {
  cmd->add_option("--org", organization, "subject organization (O)")->capture_default_str();
  cmd->add_option("--days", days, "validity in days from now")
      ->check(CLI::Range(1, 100 * 365))
      ->capture_default_str();
  cmd->add_flag("--force", force, "replace existing output files");
}

}  // namespace

void AddPkiCommand(CLI::App& app, int& exit_code) {
  CLI::App* pki = app.add_subcommand("pki", "make the AC root, CASS and CAM credentials");
  pki->require_subcommand(1);

  auto init = std::make_shared<InitOptions>();
  CLI::App* init_cmd = pki->add_subcommand("init", "create the AC root key and certificate");
  init_cmd->add_option("--out", init->out, "PKI folder (created if missing)")->required();
  init_cmd->add_option("--cn", init->common_name, "root common name (CN)")->capture_default_str();
  AddOrgAndDays(init_cmd, init->organization, init->days, init->force);
  init_cmd->callback([init, &exit_code] { exit_code = RunInit(*init); });

  auto cass = std::make_shared<CassOptions>();
  CLI::App* cass_cmd = pki->add_subcommand("cass", "create a CASS key and certificate");
  cass_cmd->add_option("--id", cass->id_hex, "CASS_ID, 8 hex digits")
      ->required()
      ->check(HexOctets(crypto::kCassIdLen));
  cass_cmd->add_option("--pki", cass->pki_dir, "PKI folder made by `pki init`")
      ->required()
      ->check(CLI::ExistingDirectory);
  AddOrgAndDays(cass_cmd, cass->organization, cass->days, cass->force);
  cass_cmd->callback([cass, &exit_code] { exit_code = RunCass(*cass); });

  auto cams = std::make_shared<CamsArgs>();
  CamsOptions& o = cams->options;
  o.organization = kDefaultOrganization;
  o.days = 20 * 365;
  o.jobs = std::max(1u, std::thread::hardware_concurrency());
  CLI::App* cams_cmd = pki->add_subcommand("cams", "provision CAMs: IDs, Ki/OPc, keys, certs");
  cams_cmd->add_option("--count", o.count, "number of CAMs")
      ->required()
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40));
  cams_cmd->add_option("--pki", o.pki_dir, "PKI folder made by `pki init`")
      ->required()
      ->check(CLI::ExistingDirectory);
  cams_cmd->add_option("--share-key", o.share_key, "CAMs per RSA key (1: one key each)")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40))
      ->capture_default_str();
  cams_cmd->add_option("--first-id", cams->first_id_hex, "first CAM_ID, 16 hex digits")
      ->check(HexOctets(crypto::kCamIdLen))
      ->capture_default_str();
  cams_cmd
      ->add_option("--dsc-prefix", cams->dsc_prefix_hex,
                   "DSC_ID prefix, up to 32 octets of hex (DSC_ID = prefix|0..|CAM_ID)")
      ->check(HexUpTo(kMaxDscPrefix));
  cams_cmd
      ->add_option("--op", cams->op_hex,
                   "operator OP, 32 hex digits (default: random per run, not kept)")
      ->check(HexOctets(16));
  cams_cmd
      ->add_option("--name", o.name,
                   "output name: <name>.ac.rcpv, <name>.cam.rcpv, "
                   "<name>-keys/")
      ->capture_default_str();
  cams_cmd->add_option("--jobs", o.jobs, "worker threads")
      ->check(CLI::Range(1u, 256u))
      ->capture_default_str();
  AddOrgAndDays(cams_cmd, o.organization, o.days, o.force);
  cams_cmd->callback([cams, &exit_code] { exit_code = RunCams(*cams); });
}

}  // namespace rcas::tools
