#pragma once
// The real rcas-cassd for perf/tools/cassd_bench.cc: a PKI and an AC store made once per process
// with the built rcasctl (`pki cams --share-key`, so that many CAMs need few RSA keys), then one
// daemon per benchmark on 127.0.0.1, pinned to one CPU with every thread it starts, read back
// for its CPU time (docs/cassd.md "Measured"). Benchmark-only: failures abort.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace rcas::perf {

inline constexpr const char* kBenchCassId = "0000000A";

// PinTo pins the calling thread (and what it later starts) to `cpu`.
inline void PinTo(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  sched_setaffinity(0, sizeof set, &set);
}

inline void Check(bool ok, const std::string& what) {
  if (!ok) {
    std::fprintf(stderr, "cassd_bench: %s\n", what.c_str());
    std::abort();
  }
}

inline std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// BuildDir: $RCAS_BUILD_DIR, else the build folder this binary is in (<build>/perf/tools_bench).
inline std::string BuildDir() {
  if (const char* v = std::getenv("RCAS_BUILD_DIR")) {
    return v;
  }
  return std::filesystem::read_symlink("/proc/self/exe").parent_path().parent_path().string();
}

// BenchPki: AC root, CASS 0000000A, `cams` CAMs over `keys` RSA keys, and an AC store with the
// CASS and the CAMs ingested; in a temporary folder removed with it.
class BenchPki {
 public:
  BenchPki(int cams, int keys) {
    char tmpl[] = "/tmp/rcas-cassd-bench-XXXXXX";
    Check(mkdtemp(tmpl) != nullptr, "mkdtemp");
    dir_ = tmpl;
    const std::string ctl = BuildDir() + "/tools/rcasctl";
    const std::string q = " >" + dir_ + "/rcasctl.log 2>&1";
    for (const std::string& args :
         {"pki init --out " + pki(),
          "pki cass --id " + std::string(kBenchCassId) + " --pki " + pki(),
          "pki cams --count " + std::to_string(cams) + " --share-key " + std::to_string(keys) +
              " --pki " + pki(),
          "ac init --db " + store(), "ac cass add --db " + store() + " " + kBenchCassId,
          "ac ingest --db " + store() + " " + pki() + "/cams.ac.rcpv"}) {
      std::string cmd = ctl;
      cmd += " ";
      cmd += args;
      cmd += q;
      Check(std::system(cmd.c_str()) == 0, "rcasctl " + args);
    }
  }
  ~BenchPki() { std::filesystem::remove_all(dir_); }
  BenchPki(const BenchPki&) = delete;
  BenchPki& operator=(const BenchPki&) = delete;

  const std::string& dir() const { return dir_; }
  std::string pki() const { return dir_ + "/pki"; }
  std::string store() const { return dir_ + "/ac"; }
  std::string cass_key() const { return pki() + "/cass-" + kBenchCassId + ".key.pem"; }

 private:
  std::string dir_;
};

// FreePort: a port free for UDP and TCP on 127.0.0.1 (the daemon announces its configured port,
// so it cannot bind port 0).
inline uint16_t FreePort() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    const int t = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    const bool bound = bind(t, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                       getsockname(t, reinterpret_cast<sockaddr*>(&a), &len) == 0;
    const int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    const bool ok = bound && bind(u, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    close(t);
    close(u);
    if (ok) {
      return ntohs(a.sin_port);
    }
  }
  return 0;
}

// BenchDaemon runs rcas-cassd on a fresh copy of the PKI's store with `ac_extra` appended to
// [ac], pinned to `cpu`; SIGTERM (then SIGKILL after 10 s) in the destructor.
class BenchDaemon {
 public:
  BenchDaemon(const BenchPki& pki, const std::string& ac_extra, int cpu) {
    port_ = FreePort();
    Check(port_ != 0, "no free port");
    run_ = pki.dir() + "/run-" + std::to_string(port_);
    std::filesystem::remove_all(run_);
    std::filesystem::create_directories(run_ + "/state");  // 0700 below: holds RAND_CHK
    std::filesystem::permissions(run_ + "/state", std::filesystem::perms::owner_all);
    std::filesystem::copy(pki.store(), run_ + "/ac", std::filesystem::copy_options::recursive);
    const std::string p = pki.pki() + "/";
    std::ofstream(run_ + "/cassd.toml")
        << "[cass]\nid = \"" << kBenchCassId << "\"\ncertificate = \"" << p << "cass-"
        << kBenchCassId << ".cert.pem\"\nkey = \"" << pki.cass_key() << "\"\nac_root = \"" << p
        << "ac-root.cert.pem\"\nstate_dir = \"" << run_ << "/state\"\ndrain_seconds = 0\n"
        << "[listen]\nudp = [\"127.0.0.1\"]\ntcp = [\"127.0.0.1\"]\nport = " << port_ << "\n"
        << "[announce]\ngroups = []\nunicast = [\"127.0.0.1:9\"]\ninterval_seconds = 60\n"
        << "[ac]\ndb = \"" << run_ << "/ac\"\nroot_key = \"" << p << "ac-root.key.pem\"\n"
        << ac_extra << "\n[log]\nfile = \"" << log() << "\"\n";
    const std::string binary = BuildDir() + "/tools/rcas-cassd";
    const std::string config = run_ + "/cassd.toml";
    pid_ = fork();
    if (pid_ == 0) {
      PinTo(cpu);
      const int fd = open((run_ + "/stderr.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      dup2(fd, 2);
      execl(binary.c_str(), "rcas-cassd", "--config", config.c_str(), nullptr);
      _exit(127);
    }
    for (int waited = 0; ReadText(log()).find("event=listening") == std::string::npos;
         waited += 20) {
      Check(waited < 20'000 && waitpid(pid_, nullptr, WNOHANG) == 0,
            "rcas-cassd did not start: " + ReadText(run_ + "/stderr.log"));
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ~BenchDaemon() {
    ::kill(pid_, SIGTERM);
    for (int waited = 0; waited < 10'000; waited += 20) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  BenchDaemon(const BenchDaemon&) = delete;
  BenchDaemon& operator=(const BenchDaemon&) = delete;

  uint16_t port() const { return port_; }

  // StatusCount reads `key` of the `line` of the daemon's control socket `status` answer
  // (`rcasctl cass ctl`, docs/cassd.md "Control socket"), e.g. ("rsa", "jobs"); 0 if absent.
  uint64_t StatusCount(const std::string& line, const std::string& key) const {
    const std::string cmd = BuildDir() + "/tools/rcasctl cass ctl --socket " + run_ +
                            "/state/control.sock status 2>/dev/null";
    std::string out;
    if (FILE* p = popen(cmd.c_str(), "r")) {
      char buf[4096];
      for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) {
        out.append(buf, n);
      }
      pclose(p);
    }
    const size_t at = out.find("\n" + line + " ");
    const size_t field = at == std::string::npos ? at : out.find(" " + key + "=", at + 1);
    if (field == std::string::npos || field > out.find('\n', at + 1)) {
      return 0;
    }
    return std::strtoull(out.c_str() + field + key.size() + 2, nullptr, 10);
  }
  std::string log() const { return run_ + "/daemon.log"; }

  // CpuSeconds: user + system time of every thread of the daemon so far (/proc, 10 ms ticks).
  double CpuSeconds() const {
    const std::string stat = ReadText("/proc/" + std::to_string(pid_) + "/stat");
    std::istringstream in(stat.substr(stat.rfind(')') + 2));
    std::string field;
    double ticks = 0;
    for (int i = 3; i <= 15 && in >> field; ++i) {
      if (i >= 14) {  // utime, stime (proc(5))
        ticks += std::strtod(field.c_str(), nullptr);
      }
    }
    return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
  }

 private:
  std::string run_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace rcas::perf
