#pragma once
// Log: rcas-cassd's structured log, one event per line: `ts=... level=... event=... key=value`
// (or one JSON object per line). Events are operator events (start, config, session end,
// Status sent, AC errors, stop), never one per packet, so a mutex-free stdio writer on the
// control thread is enough; no dependency is worth it (docs/cassd.md, "Logs").

#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rcas::tools::cassd {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

using LogFields = std::vector<std::pair<std::string_view, std::string>>;

class Log {
 public:
  Log() = default;
  ~Log();
  Log(const Log&) = delete;
  Log& operator=(const Log&) = delete;

  // Open writes to `path` (appended) or, when empty, stderr. `level` and `format` are the
  // config's checked strings. False (and stderr kept) if the file cannot be opened.
  bool Open(const std::string& path, const std::string& level, const std::string& format);
  // Reopen re-opens the file (SIGHUP, after logrotate moved it).
  bool Reopen();

  void Write(LogLevel level, std::string_view event, const LogFields& fields = {});
  void Info(std::string_view event, const LogFields& fields = {}) {
    Write(LogLevel::kInfo, event, fields);
  }
  void Warn(std::string_view event, const LogFields& fields = {}) {
    Write(LogLevel::kWarn, event, fields);
  }
  void Error(std::string_view event, const LogFields& fields = {}) {
    Write(LogLevel::kError, event, fields);
  }

 private:
  FILE* file_ = stderr;
  std::string path_;
  LogLevel min_ = LogLevel::kInfo;
  bool json_ = false;
};

}  // namespace rcas::tools::cassd
