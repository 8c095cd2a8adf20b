// The demo's test PKI, made by the operator's own `pki` commands (so the demo also proves
// them) and read back as the AC, the CASS and the CAM would read their files (PROFILE §2.3).

#include <iostream>
#include <sstream>
#include <vector>

#include "tools/rcasctl/command.h"
#include "tools/rcasctl/demo_context.h"
#include "tools/rcasctl/pki_store.h"

namespace rcas::tools {

void AddPkiCommand(CLI::App& app, int& exit_code);  // pki_command.cc

namespace {

constexpr char kCamsName[] = "demo";
constexpr char kCamId[] = "0102030405060708";
constexpr char kCassId[] = "0000000a";

// RunPki runs `rcasctl pki <args>` in-process; its "wrote ..." lines are not shown.
int RunPki(std::vector<std::string> args) {
  CLI::App app{"rcasctl demo"};
  int exit_code = kExitOk;
  AddPkiCommand(app, exit_code);
  args.insert(args.begin(), "pki");
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 parses from the back
  std::ostringstream quiet;
  std::streambuf* saved = std::cout.rdbuf(quiet.rdbuf());
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    exit_code = kExitUsage;
    std::cerr << "rcasctl: error: demo: pki: " << e.what() << '\n';
  }
  std::cout.rdbuf(saved);
  return exit_code;
}

// ReadCamRecord reads the single record of a provisioning file written by `pki cams`.
Result<CamRecord> ReadCamRecord(const std::filesystem::path& path) {
  auto reader = ProvisioningReader::Open(path);
  if (!reader) {
    return Error{reader.error()};
  }
  CamRecord record;
  auto first = reader->Next(record);
  CamRecord extra;
  auto end = first && *first ? reader->Next(extra) : Result<bool>(Error{"no record"});
  if (!first || !end || *end) {
    return Error{path.string() + ": expected one verified CAM record"};
  }
  return record;
}

Result<crypto::RsaPrivateKey> ReadKey(const std::filesystem::path& path) {
  auto pem = ReadTextFile(path);
  if (!pem) {
    return Error{pem.error()};
  }
  return crypto::RsaPrivateKey::FromPem(*pem);
}

}  // namespace

Result<DemoPki> MakeDemoPki(const std::filesystem::path& dir) {
  const std::string d = dir.string();
  if (RunPki({"init", "--out", d, "--cn", "RCAS Demo AC Root"}) != kExitOk ||
      RunPki({"cass", "--id", kCassId, "--pki", d}) != kExitOk ||
      RunPki({"cams", "--count", "1", "--share-key", "1", "--jobs", "1", "--first-id", kCamId,
              "--name", kCamsName, "--pki", d}) != kExitOk) {
    return Error{"making the test PKI in " + d + " failed"};
  }
  auto issuer = LoadIssuer(dir);
  if (!issuer) {
    return Error{issuer.error()};
  }
  crypto::CassId cass_id{};
  CopyTo(cass_id, *FromHex(kCassId));
  auto cass_key = ReadKey(dir / CassKeyFile(cass_id));
  auto cass_pem = ReadTextFile(dir / CassCertFile(cass_id));
  auto cass_cert =
      cass_pem ? crypto::CertificatePemToDer(*cass_pem) : Result<Bytes>(Error{cass_pem.error()});
  auto ac_record = ReadCamRecord(dir / (std::string(kCamsName) + ".ac.rcpv"));
  auto cam_record = ReadCamRecord(dir / (std::string(kCamsName) + ".cam.rcpv"));
  if (!cass_key || !cass_cert || !ac_record || !cam_record) {
    return Error{!cass_key    ? cass_key.error()
                 : !cass_cert ? cass_cert.error()
                 : !ac_record ? ac_record.error()
                              : cam_record.error()};
  }
  auto cam_key = ReadKey(dir / cam_record->key_file);
  if (!cam_key) {
    return Error{cam_key.error()};
  }
  return DemoPki{dir,
                 std::move(*issuer),
                 cass_id,
                 *cass_key,
                 std::move(*cass_cert),
                 std::move(*ac_record),
                 std::move(*cam_record),
                 *cam_key};
}

}  // namespace rcas::tools
