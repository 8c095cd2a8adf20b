// CassDaemon's control socket: opening it, its fds in the transport's ring, the request
// dispatch, `status` and `campaign ...` (docs/cassd.md, "Control socket"). Every request runs on
// the control thread and returns at once; what takes longer (the AC's durable write, reading and
// encrypting an image) is started here and answered from its completion.

#include <sys/eventfd.h>
#include <unistd.h>

#include <sstream>

#include "tools/cassd/daemon.h"

namespace rcas::tools::cassd {
namespace {

constexpr char kHelp[] =
    "status\n"
    "image list | image publish FILE fn=.. [kind=common|individual] [version=N] [tm=http|tftp]"
    " [target_hw=HEX8] [target_sw=HEX8] [client_type=N] [vendor=..] [ds_ip=..]"
    " | image withdraw FN\n"
    "campaign purchase-report|renew [schedule=YYMMDDhhmmss] | campaign log | campaign stop\n"
    "cam show|reports|reset-count CAM_ID | cam set-state CAM_ID join|leave\n"
    "dataplane stats | dataplane capture start FILE | dataplane capture stop";

std::vector<std::string> Words(std::string_view line) {
  std::vector<std::string> words;
  std::istringstream in{std::string(line)};
  for (std::string w; in >> w;) {
    words.push_back(std::move(w));
  }
  return words;
}

// Line writes `fields` as one `key=value ...` line, the log's kv form.
std::string Line(std::string_view head, const LogFields& fields) {
  std::string out(head);
  for (const auto& [key, value] : fields) {
    out += " ";
    out += key;
    out += "=" + value;
  }
  return out + "\n";
}

}  // namespace

Status CassDaemon::OpenControl() {
  ControlSocketOptions o;
  o.path = config_.control_socket;
  auto socket = ControlSocket::Open(
      o, [this](uint64_t client, std::string_view line) { OnControl(client, line); });
  if (!socket.ok()) {
    return Error{"[cass].control_socket " + socket.error()};
  }
  control_ = std::move(*socket);
  publish_done_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (publish_done_fd_ < 0) {
    return Error{"eventfd failed"};
  }
  transport_->Watch(control_->event_fd());
  transport_->Watch(operator_cq_->event_fd());
  transport_->Watch(publish_done_fd_);
  log_.Info("control", {{"socket", config_.control_socket}});
  return OkStatus();
}

// OnControlReadable handles the fds of the control socket; false for any other fd.
bool CassDaemon::OnControlReadable(int fd, uint64_t now_ms) {
  if (control_ != nullptr && fd == control_->event_fd()) {
    control_->OnReadable(now_ms);
  } else if (fd == operator_cq_->event_fd()) {
    OnOperatorResults();
  } else if (fd == publish_done_fd_ && publish_done_fd_ >= 0) {
    uint64_t n = 0;
    (void)!read(publish_done_fd_, &n, sizeof n);
    OnPublished();
  } else {
    return false;
  }
  return true;
}

void CassDaemon::OnControl(uint64_t client, std::string_view line) {
  const std::vector<std::string> words = Words(line);
  const std::string group = words.empty() ? "" : words[0];
  if (group == "status" && words.size() == 1) {
    control_->Answer(client, ControlStatus());
  } else if (group == "image") {
    ControlImage(client, words);
  } else if (group == "campaign") {
    ControlCampaign(client, words);
  } else if (group == "cam") {
    ControlCam(client, words);
  } else if (group == "dataplane") {
    ControlDataplane(client, words);
  } else if (group == "help") {
    control_->Answer(client, kHelp);
  } else {
    control_->Answer(client, "",
                     words.empty()
                         ? "empty request (try help)"
                         : "unknown request '" + std::string(line.substr(0, 64)) + "' (try help)");
  }
}

std::string CassDaemon::ControlStatus() {
  std::string out =
      Line("sessions", {{"live", std::to_string(LiveSessions())},
                        {"table", std::to_string(engine_->sessions())},
                        {"ended", std::to_string(sessions_ended_)},
                        {"draining", draining_ ? "true" : "false"},
                        {"first_requests_dropped", std::to_string(first_requests_dropped_)}});
  LogFields engine;
  const control::CassCounters& c = engine_->counters();
  for (size_t i = 0; i < control::kCassCounterCount; ++i) {
    engine.emplace_back(control::CassCounterName(static_cast<control::CassCounter>(i)),
                        std::to_string(c.events[i]));
  }
  out += Line("engine", engine);
  const control::AcCounters ac = ac_->counters();
  LogFields ac_fields = {{"requests", std::to_string(ac.requests)},
                         {"accepted", std::to_string(ac.accepted)},
                         {"c1_pending_retries", std::to_string(ac.c1_pending_retries)},
                         {"errors", std::to_string(ac.errors)},
                         {"commits", std::to_string(ac.commits)},
                         {"pairings_made", std::to_string(ac.pairings_made)},
                         {"queue_full", std::to_string(c[control::CassCounter::kAcQueueFull])}};
  for (size_t i = 1; i < control::kRefusalCount; ++i) {
    ac_fields.emplace_back(control::RefusalName(static_cast<control::Refusal>(i)),
                           std::to_string(ac.refused[i]));
  }
  out += Line("ac", ac_fields);
  const crypto::RsaBatcher::Stats rsa = rsa_->stats();
  out += Line("rsa", {{"jobs", std::to_string(rsa.jobs)},
                      {"batches", std::to_string(rsa.batches)},
                      {"largest_take", std::to_string(rsa.largest_take)},
                      {"queue_full", std::to_string(c[control::CassCounter::kRsaQueueFull])}});
  const dataplane::TransportCounters t = transport_->counters();
  LogFields transport = {{"connections", std::to_string(transport_->connections())}};
  for (size_t i = 0; i < t.size(); ++i) {
    transport.emplace_back(
        dataplane::TransportCounterName(static_cast<dataplane::TransportCounter>(i)),
        std::to_string(t[i]));
  }
  out += Line("transport", transport);
  out += Line("announce",
              {{"counter_a", std::to_string(announcer_->counter_a())},
               {"counter_r", std::to_string(announcer_->counter_r())},
               {"renewal_running", announcer_->renewal_running() ? "true" : "false"},
               {"sent", std::to_string(t[size_t(dataplane::TransportCounter::kAnnounceTx)])}});
  const control::CatalogStats cs = catalog_->stats();
  out += Line("catalog", {{"images", std::to_string(catalog_->images())},
                          {"objects", std::to_string(registry_.size())},
                          {"deliver_version", std::to_string(catalog_->DeliverVersion({}))},
                          {"purchase_report", running_.purchase_report ? "true" : "false"},
                          {"log", running_.log ? "true" : "false"},
                          {"plans", std::to_string(cs.plans)},
                          {"reports_sent", std::to_string(cs.reports_sent)},
                          {"read_errors", std::to_string(cs.read_errors)}});
  out += Line("control", {{"clients", std::to_string(control_->clients())},
                          {"refused", std::to_string(control_->refused())}});
  return out;
}

// ControlCampaign starts what [images] purchase_report / log_request start at boot
// (StartCampaign), or an RCASRenewal with keyRequest-Req (§13.2): both renewals bump the deliver
// campaign in the store (§23 item 21), which the catalog re-reads so deliverVersion moves and an
// in-service CAM that re-keys is not taken for a clone (§16.5). The durable counter write is one
// fsync on this thread, an operator event.
void CassDaemon::ControlCampaign(uint64_t client, const std::vector<std::string>& words) {
  const std::string what = words.size() >= 2 ? words[1] : "";
  control::Renewal renewal;
  const bool renews = what == "purchase-report" || what == "renew";
  if (words.size() == 3 && renews && words[2].rfind("schedule=", 0) == 0) {
    renewal.download_schedule = words[2].substr(9);
    if (!control::ParseDownloadSchedule(renewal.download_schedule)) {
      control_->Answer(client, "", "schedule must be YYMMDDhhmmss (UTC) or 000000000000 (now)");
      return;
    }
  } else if (words.size() > 2 || (what != "log" && what != "stop" && !renews)) {
    control_->Answer(client, "",
                     "usage: campaign purchase-report|renew [schedule=YYMMDDhhmmss] | "
                     "campaign log | campaign stop");
    return;
  }
  const uint64_t now = UnixMs();
  Status s = OkStatus();
  control::CatalogCampaign next = running_;
  if (what == "stop") {
    announcer_->StopRenewal();
    next = {};
  } else if (renews) {
    renewal.purchase_report_req = what == "purchase-report";
    renewal.key_request_req = what == "renew";
    next.purchase_report |= renewal.purchase_report_req;
    s = announcer_->StartRenewal(renewal, now);
  } else {
    next.log = true;
  }
  if (s.ok()) {
    // A new purchase-report or log campaign starts its clock now (SetCampaign re-reads the
    // deliver campaign first); a key renewal keeps the running one and only re-reads it.
    s = what == "renew" ? catalog_->ReloadDeliverCampaign() : catalog_->SetCampaign(next);
  }
  if (!s.ok()) {
    log_.Warn("control-campaign", {{"campaign", what}, {"error", s.error()}});
    control_->Answer(client, "", "campaign " + what + ": " + s.error());
    return;
  }
  running_ = next;
  const LogFields fields = {{"campaign", what},
                            {"purchase_report", running_.purchase_report ? "true" : "false"},
                            {"log_request", running_.log ? "true" : "false"},
                            {"counter_r", std::to_string(announcer_->counter_r())},
                            {"deliver_version", std::to_string(catalog_->DeliverVersion({}))}};
  log_.Info("control-campaign", fields);
  control_->Answer(client, Line("campaign", fields));
}

}  // namespace rcas::tools::cassd
