// CassDaemon at run time: the transport's sink, signals, the drain, and the periodic log of
// what was dropped or failed (never one line per packet).

#include "tools/cassd/daemon.h"

#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>

#include "protocol/header.h"
#include "tools/cassd/notify.h"

namespace rcas::tools::cassd {
namespace {

constexpr uint64_t kTickMs = 100;           // the engine's timing wheel resolution
constexpr uint64_t kIdleTickMs = 1000;      // no session: nothing on the wheel is urgent
constexpr uint64_t kHousekeepingMs = 1000;  // counters, expired image objects
constexpr uint64_t kStopGraceMs = 200;      // last answers of the drain reach the wire

// The engine counters worth a log line when they move: AC and RSA trouble (answered 0x83).
constexpr control::CassCounter kAlarmCounters[] = {
    control::CassCounter::kAcStoreError,   control::CassCounter::kAcQueueFull,
    control::CassCounter::kRsaQueueFull,   control::CassCounter::kRsaFailure,
    control::CassCounter::kReplaySetError, control::CassCounter::kAcReportErrors,
    control::CassCounter::kTimeoutAc,
};

}  // namespace

int CassDaemon::Run() {
  std::string udp;
  std::string tcp;
  for (uint16_t p : transport_->udp_ports()) {
    udp += (udp.empty() ? "" : ",") + std::to_string(p);
  }
  for (uint16_t p : transport_->tcp_ports()) {
    tcp += (tcp.empty() ? "" : ",") + std::to_string(p);
  }
  log_.Info("listening", {{"address", config_.address},
                          {"udp_ports", udp},
                          {"tcp_ports", tcp},
                          {"connection", config_.announce_tcp ? "tcp" : "udp"},
                          {"announce_targets", std::to_string(config_.announce_targets.size())},
                          {"counter_a", std::to_string(announcer_->counter_a())}});
  if (!Notify("READY=1\nSTATUS=serving")) {
    log_.Warn("notify", {{"error", "NOTIFY_SOCKET set but READY=1 not sent"}});
  }
  if (dpdk_) {
    if (Status s = dpdk_->Start(); !s.ok()) {
      log_.Error("dpdk", {{"error", s.error()}});
      return 1;
    }
    log_.Info("dpdk", {{"port", config_.dpdk->port.device},
                       {"mac", dpdk_->mac()},
                       {"address", config_.dpdk->port.address},
                       {"address6", config_.dpdk->port.address6},
                       {"workers", std::to_string(dpdk_->workers())}});
  }
  const Status ran = transport_->Run(*this);
  if (dpdk_) {
    dpdk_->Stop();  // RX stopped, rings drained, port stopped
    LogDpdkTotals();
  }
  if (!ran.ok()) {
    log_.Error("transport", {{"error", ran.error()}});
    return 1;
  }
  const uint64_t live = LiveSessions();
  const Status flushed = store_->Flush();
  LogCounterDeltas();
  LogFields counters;  // the engine's totals, nonzero only
  const control::CassCounters& c = engine_->counters();
  for (size_t i = 0; i < control::kCassCounterCount; ++i) {
    if (c.events[i] != 0) {
      counters.emplace_back(control::CassCounterName(static_cast<control::CassCounter>(i)),
                            std::to_string(c.events[i]));
    }
  }
  log_.Info("counters", counters);
  log_.Info("stop", {{"reason", stop_reason_},
                     {"sessions_cut", std::to_string(live)},
                     {"sessions_ended", std::to_string(sessions_ended_)},
                     {"first_requests_dropped", std::to_string(first_requests_dropped_)},
                     {"store_flush", flushed.ok() ? "ok" : flushed.error()}});
  return flushed.ok() ? 0 : 1;
}

void CassDaemon::OnMessage(const control::PeerRef& peer, ByteView message, uint64_t now_ms) {
  if (draining_) {
    protocol::Header h;
    if (protocol::ParseHeader(message, &h) == protocol::HeaderError::kOk &&
        (h.type == protocol::MessageType::kKeyRequest ||
         h.type == protocol::MessageType::kKeyRegRequest)) {
      ++first_requests_dropped_;  // no new session while stopping; the CAM retries elsewhere
      return;
    }
  }
  engine_->OnMessage(peer, message, now_ms);
}

void CassDaemon::OnPeerClosed(uint64_t connection, uint64_t now_ms) {
  engine_->OnPeerClosed(connection, now_ms);
}

void CassDaemon::OnReadable(int fd, uint64_t now_ms) {
  if (OnControlReadable(fd, now_ms)) {
    return;
  }
  if (dpdk_ && fd == dpdk_->event_fd()) {
    OnDpdkReadable(now_ms);
    return;
  }
  if (fd != signal_fd_) {
    tick_due_ = true;  // an AC or RSA answer is queued
    return;
  }
  signalfd_siginfo info{};
  while (read(signal_fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
    OnSignal(static_cast<int>(info.ssi_signo), now_ms);
  }
}

void CassDaemon::OnSignal(int signo, uint64_t now_ms) {
  if (signo == SIGHUP) {
    const bool ok = log_.Reopen();
    log_.Info("reopen-log", {{"ok", ok ? "true" : "false"}});
    return;
  }
  if (draining_) {
    return;
  }
  draining_ = true;
  stop_reason_ = signo == SIGINT ? "SIGINT" : "SIGTERM";
  drain_deadline_ms_ = now_ms + config_.drain_ms;
  transport_->StopAccepting();
  Notify("STOPPING=1\nSTATUS=draining");
  log_.Info("draining", {{"signal", stop_reason_},
                         {"live_sessions", std::to_string(LiveSessions())},
                         {"drain_ms", std::to_string(config_.drain_ms)}});
}

uint64_t CassDaemon::LiveSessions() const {
  const uint64_t created = engine_->counters()[control::CassCounter::kSessionsCreated];
  return created > sessions_ended_ ? created - sessions_ended_ : 0;
}

void CassDaemon::Poll(uint64_t now_ms, std::vector<control::OutMessage>& out,
                      std::vector<Bytes>& announcements) {
  engine_->FlushRsa();  // the burst's signatures reach the RSA worker in one take
  if (tick_due_ || now_ms >= next_tick_ms_) {
    engine_->Tick(now_ms);
    tick_due_ = false;
    next_tick_ms_ = now_ms + (engine_->sessions() > 0 ? kTickMs : kIdleTickMs);
  }
  engine_->TakeOutput(out);
  if (!draining_) {
    announcer_->Tick(now_ms, announcements);
  }
  if (dpdk_) {
    RouteToDpdk(out, announcements);
  }
  if (now_ms >= next_housekeeping_ms_) {
    Housekeeping(now_ms);
    next_housekeeping_ms_ = now_ms + kHousekeepingMs;
  }
  if (draining_ && stop_at_ms_ == 0 && (LiveSessions() == 0 || now_ms >= drain_deadline_ms_)) {
    stop_at_ms_ = now_ms + kStopGraceMs;
  }
  if (stop_at_ms_ != 0 && now_ms >= stop_at_ms_) {
    transport_->Stop();
  }
}

uint64_t CassDaemon::NextDueMs(uint64_t now_ms) {
  uint64_t due = std::min(next_tick_ms_, next_housekeeping_ms_);
  if (!draining_) {
    due = std::min(due, announcer_->NextDueMs());
  } else {
    due = std::min(due, stop_at_ms_ != 0 ? stop_at_ms_ : drain_deadline_ms_);
  }
  return std::max(due, now_ms);
}

void CassDaemon::Housekeeping(uint64_t now_ms) {
  registry_.Expire(control::ImageRegistry::NowMs());  // per-session objects past T_download
  control_->Expire(now_ms);
  LogCounterDeltas();
}

// LogCounterDeltas writes one line per alarm counter that moved since the last call, and one
// for the transport's drops: aggregated, so a flood costs a line a second, not one a packet.
void CassDaemon::LogCounterDeltas() {
  const control::CassCounters& now = engine_->counters();
  for (control::CassCounter c : kAlarmCounters) {
    const uint64_t delta = now[c] - logged_engine_[c];
    if (delta != 0) {
      log_.Warn("ac-error", {{"counter", control::CassCounterName(c)},
                             {"new", std::to_string(delta)},
                             {"total", std::to_string(now[c])}});
    }
  }
  logged_engine_ = now;
  const uint64_t ac_errors = ac_->counters().errors;
  if (ac_errors != logged_ac_errors_) {
    log_.Warn("ac-error", {{"counter", "store-errors"},
                           {"new", std::to_string(ac_errors - logged_ac_errors_)},
                           {"total", std::to_string(ac_errors)}});
    logged_ac_errors_ = ac_errors;
  }
  const dataplane::TransportCounters t = transport_->counters();
  LogFields drops;
  for (size_t i = 0; i < t.size(); ++i) {
    const auto c = static_cast<dataplane::TransportCounter>(i);
    const bool drop = c != dataplane::TransportCounter::kUdpRx &&
                      c != dataplane::TransportCounter::kUdpTx &&
                      c != dataplane::TransportCounter::kTcpAccepted &&
                      c != dataplane::TransportCounter::kTcpRxMessages &&
                      c != dataplane::TransportCounter::kTcpTxMessages &&
                      c != dataplane::TransportCounter::kTcpPeerClosed &&
                      c != dataplane::TransportCounter::kTcpClosedAfter &&
                      c != dataplane::TransportCounter::kAnnounceTx;
    if (drop && t[i] != logged_transport_[i]) {
      drops.emplace_back(dataplane::TransportCounterName(c), std::to_string(t[i]));
    }
  }
  if (!drops.empty()) {
    log_.Warn("transport-drops", drops);
  }
  logged_transport_ = t;
  if (dpdk_) {
    LogDpdkDeltas();
  }
  LogCampaignDeltas();
}

}  // namespace rcas::tools::cassd
