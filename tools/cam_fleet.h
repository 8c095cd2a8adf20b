#pragma once
// CamFleet: many reference CAMs in one process on one thread (PROFILE §15.1-§15.3 per CAM):
// non-blocking sockets on one epoll, one UDP socket per CAM session (§5.4) or one TCP connection
// (§5.3, framed with NextTcpFrame), a timer heap over the CAMs' deadlines, and one shared
// announcement socket whose datagrams every CAM sees (§5.1). Image downloads run on worker
// threads (tools/cam_downloads.h) and come back through an eventfd on the same epoll.

#include <atomic>
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "crypto/result.h"
#include "tools/cam_downloads.h"
#include "tools/cam_machine.h"
#include "tools/image_client.h"

namespace rcas::tools {

struct FleetOptions {
  uint16_t http_port = 80;  // §13.7: GET http://<dSIP>:80/<fn>
  uint16_t tftp_port = 69;
  ImageClientOptions images;
  unsigned download_threads = 4;  // 0: download on the protocol thread (holds the loop)
  std::ostream* trace = nullptr;  // per-message trace lines; null: none
  bool once = false;              // announcement mode: each CAM runs one session, then stops
};

// FleetSummary adds up the CAMs' CamStats.
struct FleetSummary {
  size_t cams = 0;
  size_t cams_completed = 0;  // at least one completed session and the last one did not fail
  CamStats total;
  // Print writes the summary lines.
  void Print(std::ostream& out) const;
};

class CamFleet {
 public:
  explicit CamFleet(FleetOptions options);
  ~CamFleet();
  CamFleet(const CamFleet&) = delete;
  CamFleet& operator=(const CamFleet&) = delete;

  // Add adds one CAM; `state_path` receives its state on every change (empty: not kept).
  void Add(CamIdentity identity, const CamConfig& config, CamPersistentState state,
           std::string state_path);
  size_t size() const;
  CamMachine& machine(size_t i);

  // ListenAnnouncements opens the shared announcement socket (§5.1); `interface` as
  // OpenAnnounceSocket (tools/cam_net.h).
  Status ListenAnnouncements(const std::string& group, uint16_t port,
                             const std::string& interface = "");
  // StartAll asks every CAM for a session to `target` (command-line mode); without a CASS_ID
  // in `target`, each CAM expects its current one.
  void StartAll(const CamTarget& target, CamMode mode);
  // Run serves sockets and timers until every CAM is done (command-line or --once mode), `stop`
  // becomes true, or `duration_ms` (0: no limit) has passed.
  void Run(int64_t duration_ms, const std::atomic<bool>* stop);
  FleetSummary Summary() const;

  // NowMs is the wall clock in Unix milliseconds (RCASRenewal schedules are UTC, §13.2).
  static int64_t NowMs();

 private:
  class Member;
  void OnAnnounceReadable();
  void OnDownloadsDone();
  void Reschedule(size_t i);
  bool AllDone() const;

  FleetOptions options_;
  int epoll_fd_ = -1;
  int announce_fd_ = -1;
  bool fixed_ = false;                       // StartAll was called: stop when every CAM is done
  std::unique_ptr<CamDownloads> downloads_;  // null with download_threads = 0
  std::vector<std::unique_ptr<Member>> members_;
  struct Timer {
    int64_t at;
    size_t member;
    bool operator>(const Timer& o) const { return at > o.at; }
  };
  std::vector<Timer> timers_;  // min-heap; stale entries are skipped when popped
};

}  // namespace rcas::tools
