// `rcasctl demo`: a fresh test PKI, then every message of normal and fast mode between an
// in-process CASS (with its AC) and CAM, each side checking what it receives as PROFILE
// §13 / §15 say, and the keyed messages sealed again by the IPsec-MB burst engine. One line per
// message; exit 0 only if every check passed.

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>

#include "tools/rcasctl/command.h"
#include "tools/rcasctl/demo_context.h"

namespace rcas::tools {
namespace {

struct DemoOptions {
  std::filesystem::path out;  // empty: a temporary folder, removed at the end
};

// TempFolder is a mkdtemp folder removed with its contents on destruction.
class TempFolder {
 public:
  TempFolder() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/rcas-demo-XXXXXX";
    if (mkdtemp(pattern.data()) != nullptr) {
      path_ = pattern;
    }
  }
  ~TempFolder() {
    std::error_code ec;
    if (!path_.empty()) {
      std::filesystem::remove_all(path_, ec);
    }
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

int RunDemo(const DemoOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  std::unique_ptr<TempFolder> temp;
  std::filesystem::path dir = o.out;
  if (dir.empty()) {
    temp = std::make_unique<TempFolder>();
    if (temp->path().empty()) {
      return Fail("cannot make a temporary folder");
    }
    dir = temp->path();
  }
  auto pki = MakeDemoPki(dir);
  if (!pki) {
    return Fail(pki.error());
  }
  auto zone = MakeCassZone(pki->cass_id);
  if (!zone) {
    return Fail("cannot encode the demo CASSInfo");
  }
  std::cout << "PKI: AC root, CASS " << crypto::UpperHex(pki->cass_id) << " and CAM "
            << crypto::UpperHex(pki->cam_record.cam_id)
            << " (3 Ki/OPc pairs, RSA-2048 key, certificate) made by `rcasctl pki` in "
            << dir.string() << (o.out.empty() ? " (removed at the end)" : "") << "\n";
  DemoReport report(std::cout);
  std::vector<KeyedRecord> keyed;
  DemoContext ctx{*pki, *zone, report, keyed, static_cast<int64_t>(std::time(nullptr))};
  // The modes are independent: a failure in one still lets the other run and report.
  const bool normal = RunNormalMode(ctx);
  const bool fast = RunFastMode(ctx);
  if (normal && fast) {
    CheckBurst(ctx);
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  std::cout << "\nran in " << ms.count() << " ms (RSA key generation is most of it)\n";
  return report.Finish();
}

}  // namespace

void AddDemoCommand(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<DemoOptions>();
  CLI::App* cmd = app.add_subcommand(
      "demo", "run every normal- and fast-mode message between an in-process CASS and CAM");
  cmd->add_option("--out", o->out, "keep the test PKI in this new folder (default: a temp one)");
  cmd->callback([o, &exit_code] { exit_code = RunDemo(*o); });
}

}  // namespace rcas::tools
