#pragma once
// CassDaemon: rcas-cassd's one control thread. It owns the AC store, the AC service, the RSA
// batcher, the campaign catalog and its image servers, the CASS engine, the announce scheduler
// and the kernel transport, and is the transport's sink: messages go to the engine, the engine's
// answers and the announcements go out, signals arrive through a signalfd in the same ring
// (docs/cassd.md). The operator's control socket is served on the same thread (ControlSocket).
//
// Stop (SIGTERM/SIGINT): no new TCP connections, first requests (KeyRequest, KeyRegRequest)
// dropped, announcements stopped; live sessions may finish until [cass].drain_seconds; then the
// store is flushed and Run returns 0. SIGHUP re-opens the log file.

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "control/ac_service.h"
#include "control/announce.h"
#include "control/campaign_catalog.h"
#include "control/cass_engine.h"
#include "control/image_publisher.h"
#include "control/image_registry.h"
#include "crypto/rsa_batcher.h"
#include "dataplane/dpdk_transport.h"
#include "dataplane/image_server.h"
#include "dataplane/kernel_transport.h"
#include "storage/ac_store.h"
#include "tools/cassd/catalog.h"
#include "tools/cassd/config.h"
#include "tools/cassd/control_socket.h"
#include "tools/cassd/log.h"

namespace rcas::tools::cassd {

// UnixMs is the engine's clock: Unix time in milliseconds.
uint64_t UnixMs();

class CassDaemon : public dataplane::TransportSink {
 public:
  // Start opens everything in order and binds the sockets; the first failure is returned with
  // what failed. Signals SIGTERM, SIGINT and SIGHUP must already be blocked in every thread.
  static Result<std::unique_ptr<CassDaemon>> Start(const CassdConfig& config, Log& log);
  ~CassDaemon() override;

  // Run serves until a stop signal and the drain; returns the process exit status.
  int Run();

  void OnMessage(const control::PeerRef& peer, ByteView message, uint64_t now_ms) override;
  void OnPeerClosed(uint64_t connection, uint64_t now_ms) override;
  void OnReadable(int fd, uint64_t now_ms) override;
  void Poll(uint64_t now_ms, std::vector<control::OutMessage>& out,
            std::vector<Bytes>& announcements) override;
  uint64_t NextDueMs(uint64_t now_ms) override;

 private:
  CassDaemon(const CassdConfig& config, Log& log) : config_(config), log_(log) {}
  // daemon_start.cc
  Status OpenBackend();
  Status OpenFrontend();
  // daemon_campaign.cc
  Status OpenImages();
  Status StartCampaign(uint64_t now_ms);
  void LogCampaignDeltas();
  // daemon_control.cc: the control socket's requests (docs/cassd.md, "Control socket")
  Status OpenControl();
  bool OnControlReadable(int fd, uint64_t now_ms);
  void OnControl(uint64_t client, std::string_view line);
  std::string ControlStatus();
  void ControlCampaign(uint64_t client, const std::vector<std::string>& words);
  // daemon_control_cam.cc
  void ControlCam(uint64_t client, const std::vector<std::string>& words);
  void OnOperatorResults();
  // daemon_control_image.cc
  void ControlImage(uint64_t client, const std::vector<std::string>& words);
  void OnPublished();
  void JoinPublisher();
  // daemon_dpdk.cc: the DPDK port's side of the loop (docs/dataplane.md)
  Status OpenDpdk(control::CassEngineConfig& ec);
  void OnDpdkReadable(uint64_t now_ms);
  void RouteToDpdk(std::vector<control::OutMessage>& out, std::vector<Bytes>& announcements);
  void LogDpdkDeltas();
  void LogDpdkTotals();
  void ControlDataplane(uint64_t client, const std::vector<std::string>& words);
  // daemon.cc
  void OnSignal(int signo, uint64_t now_ms);
  void Housekeeping(uint64_t now_ms);
  void LogCounterDeltas();
  uint64_t LiveSessions() const;

  CassdConfig config_;
  Log& log_;
  // Declaration order is teardown order reversed: the engine waits for AC answers, so it goes
  // before the AC service, which goes before the store.
  std::unique_ptr<storage::AcStore> store_;
  std::unique_ptr<control::CompletionQueue> operator_cq_;  // the AC answers cam set-state here
  std::unique_ptr<control::AcService> ac_;
  std::unique_ptr<crypto::RsaBatcher> rsa_;
  control::ImageRegistry registry_;
  std::unique_ptr<CommonKeyFile> common_keys_;  // CCCIEK pairs kept across restarts
  std::unique_ptr<dataplane::ImageServer> images_;
  std::unique_ptr<control::CampaignCatalog> catalog_;
  std::unique_ptr<ObservedCampaign> campaign_;  // the catalog, seen by the log
  std::unique_ptr<control::RegistryPublisher> publisher_;
  // The DPDK port, when [dpdk] is set: UDP there, TCP on the kernel transport. It goes after the
  // engine, whose observers install and remove its flows.
  std::unique_ptr<dataplane::DpdkTransport> dpdk_;
  std::unique_ptr<control::CassEngine> engine_;
  std::unique_ptr<control::AnnounceScheduler> announcer_;
  std::unique_ptr<dataplane::KernelTransport> transport_;
  int signal_fd_ = -1;
  std::unique_ptr<ControlSocket> control_;
  std::vector<ImageConfig> published_;  // what the catalog serves: config, then control
  control::CatalogCampaign running_{};  // the purchase-report / log campaign set last
  // `image publish` reads and encrypts the file on its own thread, one at a time; done_fd_
  // (an eventfd) tells this thread it finished.
  std::thread publisher_thread_;
  int publish_done_fd_ = -1;
  uint64_t publish_client_ = 0;
  ImageConfig publish_image_;
  Status publish_status_ = OkStatus();
  std::atomic<bool> publishing_{false};

  bool tick_due_ = true;
  uint64_t next_tick_ms_ = 0;
  uint64_t next_housekeeping_ms_ = 0;
  bool draining_ = false;
  uint64_t drain_deadline_ms_ = 0;
  uint64_t stop_at_ms_ = 0;  // set once the drain is over: a short grace for the last sends
  uint64_t sessions_ended_ = 0;
  uint64_t first_requests_dropped_ = 0;
  std::string stop_reason_;
  control::CassCounters logged_engine_{};
  dataplane::TransportCounters logged_transport_{};
  dataplane::DpdkStats logged_dpdk_{};
  uint64_t logged_ac_errors_ = 0;
  control::CatalogStats logged_catalog_{};
};

}  // namespace rcas::tools::cassd
