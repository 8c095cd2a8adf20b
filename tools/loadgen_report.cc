// rcas-loadgen's outputs (tools/loadgen_report.h): the JSON report, the summary lines and the
// PNG plot of rate and latency over time (gnuplot, Debian's gnuplot-nox).

#include "tools/loadgen_report.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "protocol/message_type.h"

namespace rcas::tools {
namespace {

nlohmann::json Histogram(const LatencyHistogram& h) {
  return {{"count", h.count()},        {"min", h.min()},
          {"p50", h.Quantile(0.5)},    {"p99", h.Quantile(0.99)},
          {"p999", h.Quantile(0.999)}, {"max", h.max()}};
}

nlohmann::json ByType(const std::array<uint64_t, 16>& counts) {
  nlohmann::json out = nlohmann::json::object();
  for (uint16_t t = 1; t < counts.size(); ++t) {
    if (counts[t] != 0 && protocol::IsKnownType(t)) {
      out[std::string(protocol::MessageTypeName(protocol::MessageType(t)))] = counts[t];
    }
  }
  return out;
}

}  // namespace

void LoadReport::Merge(const LoadReport& o) {
  duration_s = std::max(duration_s, o.duration_s);
  presign_s = std::max(presign_s, o.presign_s);
  cpu_s += o.cpu_s;
  for (auto [to, from] : {std::pair{&cams, o.cams},
                          {&registered, o.registered},
                          {&completed, o.completed},
                          {&failed, o.failed},
                          {&sessions, o.sessions},
                          {&timeouts, o.timeouts},
                          {&retransmissions, o.retransmissions},
                          {&renewals_installed, o.renewals_installed},
                          {&renewals_declined, o.renewals_declined},
                          {&images_failed, o.images_failed},
                          {&log_responses, o.log_responses},
                          {&purchase_reports, o.purchase_reports},
                          {&announcements, o.announcements},
                          {&announcements_verified, o.announcements_verified},
                          {&announcements_unverified, o.announcements_unverified},
                          {&renewal_announcements, o.renewal_announcements},
                          {&stray, o.stray},
                          {&transport.tx, o.transport.tx},
                          {&transport.rx, o.transport.rx},
                          {&transport.tx_dropped, o.transport.tx_dropped},
                          {&transport.rx_dropped, o.transport.rx_dropped}}) {
    *to += from;
  }
  for (const auto& maps : {std::pair{&check_failures, &o.check_failures},
                           {&status_received, &o.status_received},
                           {&status_sent, &o.status_sent}}) {
    for (const auto& [k, v] : *maps.second) {
      (*maps.first)[k] += v;
    }
  }
  for (size_t t = 0; t < tx_by_type.size(); ++t) {
    tx_by_type[t] += o.tx_by_type[t];
    rx_by_type[t] += o.rx_by_type[t];
  }
  for (size_t k = 0; k < kLatencyKinds; ++k) {
    latency[k].Merge(o.latency[k]);
  }
  for (size_t k = 0; k < kHostileKinds; ++k) {
    hostile[k].sent += o.hostile[k].sent;
    hostile[k].expected += o.hostile[k].expected;
    hostile[k].unexpected += o.hostile[k].unexpected;
    for (const auto& [what, n] : o.hostile[k].outcomes) {
      hostile[k].outcomes[what] += n;
    }
  }
  // Periods line up (same progress period, started together); the quantiles of a merged
  // period are the larger of the two, an upper bound.
  if (timeline.size() < o.timeline.size()) {
    timeline.resize(o.timeline.size());
  }
  for (size_t i = 0; i < o.timeline.size(); ++i) {
    TimelinePoint& p = timeline[i];
    p.t_s = std::max(p.t_s, o.timeline[i].t_s);
    p.registrations += o.timeline[i].registrations;
    p.tx += o.timeline[i].tx;
    p.rx += o.timeline[i].rx;
    p.p50_us = std::max(p.p50_us, o.timeline[i].p50_us);
    p.p99_us = std::max(p.p99_us, o.timeline[i].p99_us);
  }
  if (transport_name != o.transport_name) {
    transport_name += " + " + o.transport_name;
  }
}

std::string ReportJson(const LoadReport& r, const std::string& scenario, const std::string& mode) {
  nlohmann::json j;
  j["scenario"] = scenario;
  j["mode"] = mode;
  j["transport"] = r.transport_name;
  j["ok"] = r.ok();
  j["duration_s"] = r.duration_s;
  j["presign_s"] = r.presign_s;
  j["cpu_s"] = r.cpu_s;
  j["cams"] = r.cams;
  j["registered"] = r.registered;
  j["completed"] = r.completed;
  j["failed"] = r.failed;
  j["sessions"] = r.sessions;
  j["timeouts"] = r.timeouts;
  j["retransmissions"] = r.retransmissions;
  j["registrations_per_s"] = r.duration_s > 0 ? double(r.registered) / r.duration_s : 0.0;
  j["messages_per_s"] = {{"tx", r.duration_s > 0 ? double(r.transport.tx) / r.duration_s : 0.0},
                         {"rx", r.duration_s > 0 ? double(r.transport.rx) / r.duration_s : 0.0}};
  j["renewals"] = {{"installed", r.renewals_installed},
                   {"declined", r.renewals_declined},
                   {"images_failed", r.images_failed},
                   {"purchase_reports", r.purchase_reports},
                   {"log_responses", r.log_responses}};
  j["announcements"] = {{"received", r.announcements},
                        {"verified", r.announcements_verified},
                        {"unverified", r.announcements_unverified},
                        {"renewal", r.renewal_announcements}};
  j["stray"] = r.stray;
  j["check_failures"] = r.check_failures;
  j["status_received"] = r.status_received;
  j["status_sent"] = r.status_sent;
  j["tx_by_type"] = ByType(r.tx_by_type);
  j["rx_by_type"] = ByType(r.rx_by_type);
  nlohmann::json latency = nlohmann::json::object();
  for (size_t k = 0; k < kLatencyKinds; ++k) {
    if (r.latency[k].count() != 0) {
      latency[LatencyKindName(LatencyKind(k))] = Histogram(r.latency[k]);
    }
  }
  j["latency_us"] = latency;
  nlohmann::json hostile = nlohmann::json::object();
  for (size_t k = 0; k < kHostileKinds; ++k) {
    const HostileScore& h = r.hostile[k];
    if (h.sent != 0) {
      hostile[HostileKindName(HostileKind(k))] = {{"sent", h.sent},
                                                  {"expected", h.expected},
                                                  {"unexpected", h.unexpected},
                                                  {"outcomes", h.outcomes}};
    }
  }
  j["hostile"] = hostile;
  j["transport_stats"] = {{"tx", r.transport.tx},
                          {"rx", r.transport.rx},
                          {"tx_dropped", r.transport.tx_dropped},
                          {"rx_dropped", r.transport.rx_dropped}};
  nlohmann::json timeline = nlohmann::json::array();
  for (const TimelinePoint& p : r.timeline) {
    timeline.push_back({{"t_s", p.t_s},
                        {"registrations", p.registrations},
                        {"tx", p.tx},
                        {"rx", p.rx},
                        {"p50_us", p.p50_us},
                        {"p99_us", p.p99_us}});
  }
  j["timeline"] = timeline;
  return j.dump(2) + "\n";
}

void PrintSummary(const LoadReport& r, std::ostream& out) {
  out << "loadgen: " << r.cams << " CAMs, " << r.registered << " registered, " << r.completed
      << " completed, " << r.failed << " failed in " << r.duration_s << " s ("
      << (r.duration_s > 0 ? double(r.registered) / r.duration_s : 0) << " registrations/s), "
      << r.sessions << " sessions, " << r.timeouts << " timeouts, " << r.retransmissions
      << " retransmissions\n";
  for (size_t k = 0; k < kLatencyKinds; ++k) {
    const LatencyHistogram& h = r.latency[k];
    if (h.count() != 0) {
      out << "loadgen: latency " << LatencyKindName(LatencyKind(k)) << " n=" << h.count() << " min "
          << h.min() << " p50 " << h.Quantile(0.5) << " p99 " << h.Quantile(0.99) << " p99.9 "
          << h.Quantile(0.999) << " max " << h.max() << " us\n";
    }
  }
  if (r.announcements != 0) {
    out << "loadgen: announcements " << r.announcements << " heard, " << r.announcements_verified
        << " verified with CHK, " << r.announcements_unverified << " before any CAM had it, "
        << r.renewal_announcements << " RCASRenewal\n";
  }
  for (const auto& [what, n] : r.status_received) {
    out << "loadgen: status received " << what << ": " << n << "\n";
  }
  for (const auto& [what, n] : r.check_failures) {
    out << "loadgen: CHECK FAILED " << what << ": " << n << "\n";
  }
  for (size_t k = 0; k < kHostileKinds; ++k) {
    const HostileScore& h = r.hostile[k];
    if (h.sent != 0) {
      out << "loadgen: hostile " << HostileKindName(HostileKind(k)) << " sent " << h.sent
          << " expected " << h.expected << " unexpected " << h.unexpected << " (";
      const char* sep = "";
      for (const auto& [what, n] : h.outcomes) {
        out << sep << what << ": " << n;
        sep = ", ";
      }
      out << ")\n";
    }
  }
  out << "loadgen: " << (r.ok() ? "OK" : "NOT OK") << "\n";
}

// WritePlot pipes the timeline to gnuplot: registrations/s and datagrams/s on the left axis,
// the period's p50 / p99 registration latency (ms) on the right.
Status WritePlot(const LoadReport& r, const std::string& png, const std::string& title) {
  FILE* gp = popen("gnuplot 2>&1", "w");
  if (gp == nullptr) {
    return Error{"cannot run gnuplot (apt install gnuplot-nox)"};
  }
  std::fprintf(gp,
               "set terminal pngcairo size 1200,700\nset output '%s'\nset title '%s'\n"
               "set xlabel 'time (s)'\nset ylabel 'per second'\nset y2label 'latency (ms)'\n"
               "set ytics nomirror\nset y2tics\nset key top left\nset grid\n"
               "plot '-' using 1:2 with lines lw 2 title 'registrations/s', "
               "'-' using 1:2 with lines title 'datagrams rx/s', "
               "'-' using 1:2 axes x1y2 with lines title 'p50 (ms)', "
               "'-' using 1:2 axes x1y2 with lines title 'p99 (ms)'\n",
               png.c_str(), title.c_str());
  for (int series = 0; series < 4; ++series) {
    double last_t = 0;
    for (const TimelinePoint& p : r.timeline) {
      const double dt = p.t_s - last_t > 0 ? p.t_s - last_t : 1;
      last_t = p.t_s;
      const double v = series == 0   ? double(p.registrations) / dt
                       : series == 1 ? double(p.rx) / dt
                       : series == 2 ? double(p.p50_us) / 1000
                                     : double(p.p99_us) / 1000;
      std::fprintf(gp, "%.3f %.3f\n", p.t_s, v);
    }
    std::fprintf(gp, "e\n");
  }
  const int rc = pclose(gp);
  if (rc != 0) {
    return Error{"gnuplot failed (exit " + std::to_string(rc) + "; is gnuplot-nox installed?)"};
  }
  return OkStatus();
}

}  // namespace rcas::tools
