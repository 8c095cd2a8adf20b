// rcas-cassd: the CASS daemon on kernel sockets (docs/cassd.md).
//   rcas-cassd --config FILE [--check]
// Exit status: 0 after a clean stop (or a valid --check), 1 when start-up or the store flush
// fails, 2 for a usage or config error (one "rcas-cassd: error:" line on stderr).

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "tools/cassd/config.h"
#include "tools/cassd/daemon.h"
#include "tools/cassd/log.h"

namespace {

using rcas::tools::cassd::CassdConfig;

constexpr char kUsage[] = "usage: rcas-cassd --config FILE [--check]\n";

int Fail(int status, const std::string& message) {
  std::fprintf(stderr, "rcas-cassd: error: %s\n", message.c_str());
  return status;
}

// CheckFiles: --check also makes sure every file the config names can be read.
std::string CheckFiles(const CassdConfig& c) {
  std::vector<std::pair<std::string, std::string>> files = {
      {"[cass].certificate", c.certificate}, {"[cass].key", c.key}, {"[cass].ac_root", c.ac_root}};
  if (!c.root_key.empty()) {
    files.emplace_back("[ac].root_key", c.root_key);
  }
  for (const auto& image : c.images) {
    files.emplace_back("[[images.image]].file", image.file);
  }
  for (const auto& [key, path] : files) {
    if (access(path.c_str(), R_OK) != 0) {
      return key + ": " + path + ": " + std::strerror(errno);
    }
  }
  if (access(c.db.c_str(), R_OK | W_OK | X_OK) != 0) {
    return "[ac].db: " + c.db + ": " + std::strerror(errno);
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  // Before any thread starts: the stop and reload signals arrive only through the signalfd.
  sigset_t mask;
  sigemptyset(&mask);
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) {
    sigaddset(&mask, sig);
  }
  pthread_sigmask(SIG_BLOCK, &mask, nullptr);
  signal(SIGPIPE, SIG_IGN);

  std::string config_path;
  bool check = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--config" && i + 1 < argc) {
      config_path = argv[++i];
    } else if (arg == "--check") {
      check = true;
    } else if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else {
      return Fail(2, "unknown argument '" + arg + "'\n" + kUsage);
    }
  }
  if (config_path.empty()) {
    return Fail(2, std::string("--config FILE is required\n") + kUsage);
  }
  auto config = rcas::tools::cassd::LoadConfig(config_path);
  if (!config.ok()) {
    return Fail(2, config.error());
  }
  if (check) {
    if (const std::string e = CheckFiles(*config); !e.empty()) {
      return Fail(2, "config " + config_path + ": " + e);
    }
    std::printf("rcas-cassd: config %s is valid\n", config_path.c_str());
    return 0;
  }
  rcas::tools::cassd::Log log;
  if (!log.Open(config->log_file, config->log_level, config->log_format)) {
    return Fail(1, "[log].file " + config->log_file + ": cannot be opened");
  }
  log.Info("start", {{"pid", std::to_string(getpid())}, {"config", config_path}});
  log.Info("config",
           {{"cass_id", rcas::ToHex(config->cass_id)},
            {"mode", config->fast_mode ? "fast" : "normal"},
            {"annex_c", config->policy.mode == rcas::control::AnnexCMode::kC1 ? "C1" : "C2"},
            {"db", config->db},
            {"images", std::to_string(config->images.size())}});
  auto daemon = rcas::tools::cassd::CassDaemon::Start(*config, log);
  if (!daemon.ok()) {
    log.Error("start-failed", {{"error", daemon.error()}});
    return Fail(1, daemon.error());
  }
  const int rc = (*daemon)->Run();
  daemon->reset();
  if (config->dpdk) {
    rcas::dataplane::CleanupEal();  // after the port and its pools are gone
  }
  return rc;
}
