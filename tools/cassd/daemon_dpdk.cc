// CassDaemon and its DPDK port: the engine's key observers feed the workers' flow tables, the
// workers' messages feed the engine (pre-opened keyed messages through OnOpened), answers to
// DPDK peers and the announcements leave through the port (docs/dataplane.md).

#include <array>
#include <string>

#include "protocol/flow_keys.h"
#include "tools/cassd/daemon.h"

namespace rcas::tools::cassd {
namespace {

constexpr size_t kDrainPerTurn = 1024;  // messages per wake-up; the rest wait one loop turn

// AddCounters appends the nonzero events and keyed-stage counters (keyed-...) of `s`.
void AddCounters(const dataplane::DpdkStats& s, LogFields& fields) {
  for (size_t i = 0; i < s.events.size(); ++i) {
    if (s.events[i] != 0) {
      fields.emplace_back(dataplane::DpdkCounterName(dataplane::DpdkCounter(i)),
                          std::to_string(s.events[i]));
    }
  }
  static const auto kKeyedNames = [] {  // LogFields keeps views: the names must outlive it
    std::array<std::string, dataplane::kKeyedVerdictCount> names;
    for (size_t i = 0; i < names.size(); ++i) {
      names[i] = std::string("keyed-") + dataplane::KeyedVerdictName(dataplane::KeyedVerdict(i));
    }
    return names;
  }();
  for (size_t i = 0; i < s.keyed.size(); ++i) {
    if (s.keyed[i] != 0) {
      fields.emplace_back(kKeyedNames[i], std::to_string(s.keyed[i]));
    }
  }
}

}  // namespace

Status CassDaemon::OpenDpdk(control::CassEngineConfig& ec) {
  if (!config_.dpdk) {
    return OkStatus();
  }
  if (Status s = dataplane::InitEal(config_.dpdk->eal); !s.ok()) {
    return s;
  }
  auto port = dataplane::DpdkTransport::Open(config_.dpdk->port);
  if (!port.ok()) {
    return Error{port.error()};
  }
  dpdk_ = std::move(*port);
  ec.on_keys = [this](const control::CassSession& s) {
    if (!dataplane::IsDpdkPeer(s.peer) || !s.keys) {
      return;
    }
    protocol::FlowKeys keys;
    if (protocol::MakeFlowKeys(*s.keys, &keys).ok()) {
      dpdk_->InstallKeys(s.peer, s.id, keys);
    }
  };
  // A CAM whose datagrams now reach another worker (its first request came in IP fragments,
  // which RSS hashes without ports): the flow follows it, so its messages are opened there.
  ec.on_route_change = [this, install = ec.on_keys](const control::CassSession& s,
                                                    const control::PeerRef& old_peer) {
    dpdk_->RemoveFlow(old_peer, s.id);
    install(s);
  };
  auto ended = std::move(ec.on_session_end);
  ec.on_session_end = [this, ended](const control::CassSession& s, bool failed) {
    if (dataplane::IsDpdkPeer(s.peer)) {
      dpdk_->RemoveFlow(s.peer, s.id);  // later copies go raw: the engine answers from its cache
    }
    if (ended) {
      ended(s, failed);
    }
  };
  return OkStatus();
}

void CassDaemon::OnDpdkReadable(uint64_t now_ms) {
  dpdk_->Drain(
      [&](const dataplane::DpdkMessage& m) {
        if (!m.pre_opened) {
          OnMessage(m.peer, m.message, now_ms);  // first requests, Status, no flow yet
          return;
        }
        control::PreOpened pre;
        pre.session = m.session;
        pre.verdict = m.verdict;
        pre.content = m.content;
        engine_->OnOpened(m.peer, m.message, pre, now_ms);
      },
      kDrainPerTurn);
}

// RouteToDpdk hands the answers to DPDK peers to their worker and sends the announcements
// through the port; what stays in `out` goes to the kernel sockets (TCP, kernel UDP).
void CassDaemon::RouteToDpdk(std::vector<control::OutMessage>& out,
                             std::vector<Bytes>& announcements) {
  size_t kept = 0;
  for (control::OutMessage& m : out) {
    if (dataplane::IsDpdkPeer(m.peer)) {
      dpdk_->Send(m);  // failures are counted (send-ring-full, send-pool-empty)
    } else {
      out[kept++] = std::move(m);
    }
  }
  out.resize(kept);
  for (const Bytes& a : announcements) {
    for (const dataplane::Endpoint& target : config_.announce_targets) {
      dpdk_->Announce(a, target);
    }
  }
  announcements.clear();
}

// LogDpdkDeltas: one line a second at most for the port's drops, as for the kernel transport.
void CassDaemon::LogDpdkDeltas() {
  const dataplane::DpdkStats now = dpdk_->stats();
  LogFields drops;
  using C = dataplane::DpdkCounter;
  for (C c : {C::kRxNotOurMac, C::kRxNotOurIp, C::kRxWrongPort, C::kRxWrongVlan, C::kRxNoBuffer,
              C::kControlRingFull, C::kTxQueueFull, C::kTxNoNeighbor, C::kTxNoAddress, C::kTxTooBig,
              C::kFlowTableFull, C::kCaptureDropped, C::kSendRingFull, C::kSendPoolEmpty,
              C::kSendNoWorker}) {
    if (now[c] != logged_dpdk_[c]) {
      drops.emplace_back(dataplane::DpdkCounterName(c), std::to_string(now[c]));
    }
  }
  // The frame verdicts from kTooShort on are drops (dataplane/frame.h lists them last).
  for (size_t i = static_cast<size_t>(dataplane::FrameVerdict::kTooShort); i < now.frames.size();
       ++i) {
    const auto v = static_cast<dataplane::FrameVerdict>(i);
    if (now.frames[i] != logged_dpdk_.frames[i]) {
      drops.emplace_back(dataplane::FrameVerdictName(v), std::to_string(now.frames[i]));
    }
  }
  for (auto v : {dataplane::KeyedVerdict::kBadFrame, dataplane::KeyedVerdict::kUnexpectedType,
                 dataplane::KeyedVerdict::kEngineError}) {
    if (now[v] != logged_dpdk_[v]) {
      drops.emplace_back(dataplane::KeyedVerdictName(v), std::to_string(now[v]));
    }
  }
  // The reassembly verdicts from kNotFragment on are drops (dataplane/ip_reassembly.h).
  for (size_t i = static_cast<size_t>(dataplane::ReassemblyVerdict::kNotFragment);
       i < now.reassembly.size(); ++i) {
    if (now.reassembly[i] != logged_dpdk_.reassembly[i]) {
      drops.emplace_back(dataplane::ReassemblyVerdictName(dataplane::ReassemblyVerdict(i)),
                         std::to_string(now.reassembly[i]));
    }
  }
  if (!drops.empty()) {
    log_.Warn("dpdk-drops", drops);
  }
  logged_dpdk_ = now;
}

// LogDpdkTotals: the port's nonzero counters at the stop, beside the engine's; with several
// workers one dpdk-worker line each after the totals (how RSS spread the CAMs).
void CassDaemon::LogDpdkTotals() {
  LogFields fields;
  AddCounters(dpdk_->stats(), fields);
  log_.Info("dpdk-counters", fields);
  if (dpdk_->workers() < 2) {
    return;
  }
  for (unsigned w = 0; w < dpdk_->workers(); ++w) {
    LogFields per{{"worker", std::to_string(w)}};
    AddCounters(dpdk_->worker_stats(w), per);
    log_.Info("dpdk-worker", per);
  }
}

void CassDaemon::ControlDataplane(uint64_t client, const std::vector<std::string>& words) {
  if (!dpdk_) {
    control_->Answer(client, "", "no [dpdk] port configured");
    return;
  }
  if (words.size() == 2 && words[1] == "stats") {
    const dataplane::DpdkStats s = dpdk_->stats();
    std::string body = "port mac=" + dpdk_->mac() + " workers=" + std::to_string(dpdk_->workers()) +
                       " capturing=" + (dpdk_->capturing() ? "true" : "false") + "\n";
    // add appends " name=value" for each nonzero value.
    const auto add = [&](const auto& values, auto name) {
      for (size_t i = 0; i < values.size(); ++i) {
        if (values[i] != 0) {
          body += std::string(" ") + name(i) + "=" + std::to_string(values[i]);
        }
      }
    };
    const auto events = [](size_t i) { return DpdkCounterName(dataplane::DpdkCounter(i)); };
    const auto keyed = [](size_t i) { return KeyedVerdictName(dataplane::KeyedVerdict(i)); };
    body += "events";
    add(s.events, events);
    body += "\nframes";
    add(s.frames, [](size_t i) { return FrameVerdictName(dataplane::FrameVerdict(i)); });
    body += "\nkeyed";
    add(s.keyed, keyed);
    body += "\nreassembly";
    add(s.reassembly,
        [](size_t i) { return ReassemblyVerdictName(dataplane::ReassemblyVerdict(i)); });
    body += "\n";
    for (unsigned w = 0; dpdk_->workers() > 1 && w < dpdk_->workers(); ++w) {
      const dataplane::DpdkStats ws = dpdk_->worker_stats(w);  // how RSS spread the CAMs
      body += "worker " + std::to_string(w) + " events";
      add(ws.events, events);
      body += " keyed";
      add(ws.keyed, keyed);
      body += "\n";
    }
    control_->Answer(client, body);
  } else if (words.size() == 4 && words[1] == "capture" && words[2] == "start") {
    const Status s = dpdk_->StartCapture(words[3]);
    log_.Info("capture", {{"file", words[3]}, {"ok", s.ok() ? "true" : s.error()}});
    control_->Answer(client, "", s.ok() ? "" : s.error());
  } else if (words.size() == 3 && words[1] == "capture" && words[2] == "stop") {
    dpdk_->StopCapture();
    log_.Info("capture", {{"stopped", "true"}});
    control_->Answer(client, "");
  } else {
    control_->Answer(client, "", "usage: dataplane stats | dataplane capture start FILE|stop");
  }
}

}  // namespace rcas::tools::cassd
