#include "tools/cassd/log.h"

#include <time.h>

namespace rcas::tools::cassd {
namespace {

constexpr const char* kLevelNames[] = {"debug", "info", "warn", "error"};

std::string Timestamp() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  tm utc{};
  gmtime_r(&ts.tv_sec, &utc);
  char buf[40];
  const size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &utc);
  snprintf(buf + n, sizeof buf - n, ".%03ldZ", ts.tv_nsec / 1'000'000);
  return buf;
}

// Quote: kv values with spaces, quotes or '=' are quoted; JSON strings always are.
void Append(std::string& line, std::string_view v, bool json) {
  const bool quote = json || v.empty() || v.find_first_of(" \"=\\\t\n") != std::string_view::npos;
  if (quote) {
    line += '"';
  }
  for (char c : v) {
    if (c == '"' || c == '\\') {
      line += '\\';
      line += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      line += ' ';  // one event per line, whatever a message carries
    } else {
      line += c;
    }
  }
  if (quote) {
    line += '"';
  }
}

}  // namespace

Log::~Log() {
  if (file_ != stderr) {
    fclose(file_);
  }
}

bool Log::Open(const std::string& path, const std::string& level, const std::string& format) {
  for (int i = 0; i < 4; ++i) {
    if (level == kLevelNames[i]) {
      min_ = static_cast<LogLevel>(i);
    }
  }
  json_ = format == "json";
  path_ = path;
  return Reopen();
}

bool Log::Reopen() {
  if (path_.empty()) {
    return true;
  }
  FILE* f = fopen(path_.c_str(), "ae");
  if (f == nullptr) {
    return false;
  }
  if (file_ != stderr) {
    fclose(file_);
  }
  file_ = f;
  return true;
}

void Log::Write(LogLevel level, std::string_view event, const LogFields& fields) {
  if (level < min_) {
    return;
  }
  std::string line;
  const auto field = [&](std::string_view key, std::string_view value) {
    if (json_) {
      line += line.empty() ? "{" : ",";
      Append(line, key, true);
      line += ':';
    } else {
      line += line.empty() ? "" : " ";
      line += key;
      line += '=';
    }
    Append(line, value, json_);
  };
  field("ts", Timestamp());
  field("level", kLevelNames[static_cast<int>(level)]);
  field("event", event);
  for (const auto& [key, value] : fields) {
    field(key, value);
  }
  line += json_ ? "}\n" : "\n";
  fwrite(line.data(), 1, line.size(), file_);
  fflush(file_);
}

}  // namespace rcas::tools::cassd
