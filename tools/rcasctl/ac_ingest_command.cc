// `rcasctl ac ingest`: bulk provisioning from a `pki cams` file (tools/ac_ingest.h), with a
// progress line on stderr.

#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "tools/ac_ingest.h"
#include "tools/rcasctl/ac_command.h"
#include "tools/rcasctl/command.h"

namespace rcas::tools {
namespace {

using Clock = std::chrono::steady_clock;

// IngestProgress redraws "records, rate" in place on a terminal at most 4 times a second; into
// a log it writes a line every 10 s, so short runs stay quiet.
class IngestProgress {
 public:
  IngestProgress() : tty_(::isatty(STDERR_FILENO) == 1) {}
  ~IngestProgress() {
    if (drawn_) {
      std::fputc('\n', stderr);
    }
  }
  IngestProgress(const IngestProgress&) = delete;
  IngestProgress& operator=(const IngestProgress&) = delete;

  void Update(uint64_t records) {
    const auto now = Clock::now();
    if (now - last_ < (tty_ ? std::chrono::milliseconds(250) : std::chrono::seconds(10))) {
      return;
    }
    last_ = now;
    const double secs = std::chrono::duration<double>(now - start_).count();
    std::fprintf(stderr, "%srcasctl: ingest: %llu records read (%.0f/s)%s", tty_ ? "\r" : "",
                 static_cast<unsigned long long>(records),
                 secs > 0 ? static_cast<double>(records) / secs : 0.0, tty_ ? "" : "\n");
    drawn_ = tty_;
  }

 private:
  bool tty_;
  bool drawn_ = false;
  Clock::time_point start_ = Clock::now();
  Clock::time_point last_ = Clock::now();
};

}  // namespace

int RunAcIngest(const AcArgs& a) {
  auto store = OpenStore(a.db);
  if (!store) {
    return Fail(store.error());
  }
  Result<IngestSummary> summary = Error{};
  {
    IngestProgress progress;
    IngestOptions o;
    o.tmp_dir = a.tmp;
    o.records_per_file = a.records_per_file;
    o.progress = [&progress](uint64_t records) { progress.Update(records); };
    summary = IngestProvisioningFile(**store, a.file, o);
  }
  if (!summary) {
    return Fail(summary.error());
  }
  const double rate =
      summary->seconds > 0 ? static_cast<double>(summary->cams) / summary->seconds : 0.0;
  std::printf("ingested %llu CAMs in %.2f s (%.0f CAMs/s)\n",
              static_cast<unsigned long long>(summary->cams), summary->seconds, rate);
  return kExitOk;
}

}  // namespace rcas::tools
