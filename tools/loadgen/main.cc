// rcas-loadgen: the load generator (issue 6, docs/loadgen.md). Emulates up to millions of
// stateful CAMs against one CASS over kernel UDP sockets or a DPDK port: reboot storms in normal
// or fast mode at a given arrival rate, with or without the image download, steady state with
// sessions held for the CASS's requests, and hostile mixes; reports rates, latency quantiles,
// Status codes and attack outcomes as text, JSON and a PNG plot.

#include <CLI/CLI.hpp>
#include <chrono>
#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "dataplane/dpdk_transport.h"
#include "tools/cam_net.h"
#include "tools/loadgen.h"
#include "tools/loadgen_report.h"

namespace {

using namespace rcas;
using namespace rcas::tools;

volatile bool g_stop = false;
void OnSignal(int) { g_stop = true; }

bool SplitHostPort(const std::string& text, std::string* host, uint16_t* port) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size() || colon + 6 < text.size()) {
    return false;
  }
  *host = text.substr(0, colon);
  if (host->size() > 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
  const std::string p = text.substr(colon + 1);
  if (p.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  const unsigned long v = std::stoul(p);
  *port = static_cast<uint16_t>(v);
  return v >= 1 && v <= 65535;
}

// ParseHostile reads "bad-signature=0.05,replay=0.01,...".
bool ParseHostile(const std::string& text, std::array<double, kHostileKinds>* out) {
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    const size_t eq = item.find('=');
    bool known = false;
    for (size_t k = 0; k < kHostileKinds && eq != std::string::npos; ++k) {
      if (item.substr(0, eq) == HostileKindName(HostileKind(k))) {
        char* end = nullptr;
        const double v = std::strtod(item.c_str() + eq + 1, &end);
        if (*end != '\0' || !(v >= 0 && v <= 1)) {
          return false;
        }
        (*out)[k] = v;
        known = true;
      }
    }
    if (!known) {
      return false;
    }
  }
  return true;
}

struct Args {
  std::string prov, root, cass = "127.0.0.1:49104", cass_id, mode = "normal", scenario = "storm";
  std::string hostile, json, plot, source, announce;
  std::string dpdk_eal, dpdk_port, dpdk_address, dpdk_cass_mac;
  uint32_t dpdk_addresses = 1;
  uint64_t count = 0;
  uint32_t flows = 0;
  unsigned presign_threads = 0;
  unsigned threads = 1;
  double duration = 0;
  bool quiet = false;
  LoadOptions o;
};

// PrintLive prints one progress line a period over every generator until all are done.
void PrintLive(const LoadLive& live, unsigned threads, int64_t period_ms, std::ostream& out) {
  const auto start = std::chrono::steady_clock::now();
  uint64_t last = 0;
  while (live.done.load() < threads) {
    std::this_thread::sleep_for(std::chrono::milliseconds(period_ms));
    const uint64_t reg = live.registered.load();
    out << "loadgen: t="
        << std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                            start)
               .count()
        << "s registered " << reg << " failed " << live.failed.load() << " reg/s "
        << (reg - last) * 1000 / uint64_t(period_ms) << " timeouts " << live.timeouts.load()
        << " tx " << live.tx.load() << " rx " << live.rx.load() << " (" << threads << " threads)\n"
        << std::flush;
    last = reg;
  }
}

int Usage(const std::string& what) {
  std::cerr << "rcas-loadgen: error: " << what << "\n";
  return 2;
}

int Run(Args& a) {
  std::string host;
  uint16_t port = 0;
  if (!SplitHostPort(a.cass, &host, &port)) {
    return Usage("--cass takes ADDRESS:PORT (numeric)");
  }
  if (!a.cass_id.empty()) {
    const auto id = FromHex(a.cass_id);
    crypto::CassId cass_id{};
    if (!id || !CopyTo(cass_id, *id)) {
      return Usage("--cass-id takes 8 hex digits");
    }
    a.o.cass_id = cass_id;
  }
  if (!(a.o.time_scale > 0 && a.o.time_scale <= 1)) {
    return Usage("--time-scale takes a number in (0, 1]");
  }
  if (!a.hostile.empty() && !ParseHostile(a.hostile, &a.o.hostile)) {
    return Usage(
        "--hostile takes KIND=SHARE,... with KIND one of bad-signature, replay, clone, "
        "malformed, garbage and SHARE in [0, 1]");
  }
  a.o.fast = a.mode == "fast";
  a.o.duration_ms = static_cast<int64_t>(a.duration * 1000);
  if (a.scenario == "steady") {
    if (a.duration <= 0) {
      return Usage("--scenario steady needs --duration");
    }
    a.o.hold_ms = a.o.duration_ms;  // sessions stay up for the CASS's requests
  }
  a.o.progress = a.quiet ? nullptr : &std::cerr;
  if (!a.announce.empty()) {
    std::string group;
    uint16_t announce_port = 0;
    if (!SplitHostPort(a.announce, &group, &announce_port)) {
      return Usage("--announce takes GROUP:PORT (or ADDRESS:PORT for unicast)");
    }
    auto fd = OpenAnnounceSocket(group, announce_port);
    if (!fd) {
      std::cerr << "rcas-loadgen: error: --announce: " << fd.error() << "\n";
      return 1;
    }
    a.o.announce_fd = *fd;
  }
  auto ids = LoadIdentities::Load(a.prov, a.root, a.count);
  if (!ids) {
    std::cerr << "rcas-loadgen: error: " << ids.error() << "\n";
    return 1;
  }
  if (a.scenario == "steady") {  // every session is held: all of them are in flight at once
    a.o.window = std::max<uint32_t>(a.o.window, uint32_t((*ids)->size()));
  }
  const unsigned threads = std::max(1u, a.threads);
  if (threads > 1 && !a.dpdk_port.empty()) {
    return Usage("--threads > 1 is for kernel sockets (the DPDK transport has one queue)");
  }
  const uint32_t window = std::max<uint32_t>(1, a.o.window / threads);
  const uint32_t sessions_needed = window + window / 8 + 64;  // room for attacks and clones
  std::vector<std::unique_ptr<LoadTransport>> transports;
  if (!a.dpdk_port.empty()) {
    std::vector<std::string> eal;
    std::stringstream in(a.dpdk_eal);
    for (std::string w; in >> w;) {
      eal.push_back(w);
    }
    if (Status s = dataplane::InitEal(eal); !s.ok()) {
      std::cerr << "rcas-loadgen: error: EAL: " << s.error() << "\n";
      return 1;
    }
    DpdkTransportOptions d;
    d.device = a.dpdk_port;
    d.first_address = a.dpdk_address;
    d.addresses = a.dpdk_addresses;
    d.cass_address = host;
    d.cass_port = port;
    d.cass_mac = a.dpdk_cass_mac;
    auto t = OpenDpdkTransport(d);
    if (!t) {
      std::cerr << "rcas-loadgen: error: " << t.error() << "\n";
      return 1;
    }
    transports.push_back(std::move(*t));
  } else {
    for (unsigned i = 0; i < threads; ++i) {
      UdpTransportOptions u;
      u.cass_host = host;
      u.cass_port = port;
      u.source = a.source;
      u.flows = a.flows != 0 ? a.flows / threads : std::min<uint32_t>(sessions_needed, 60000);
      auto t = OpenUdpTransport(u);
      if (!t) {
        std::cerr << "rcas-loadgen: error: " << t.error() << "\n";
        return 1;
      }
      transports.push_back(std::move(*t));
    }
  }
  // One generator per thread over a shard of the CAMs, each with its share of the window and
  // rate (its own token bucket) and its own transport.
  LoadLive live;
  std::vector<std::unique_ptr<LoadGenerator>> gens;
  const uint32_t per = uint32_t(((*ids)->size() + threads - 1) / threads);
  for (unsigned i = 0; i < threads; ++i) {
    LoadOptions o = a.o;
    o.window = window;
    o.rate = a.o.rate / threads;
    o.first_cam = i * per;
    o.cam_count = per;
    o.seed = a.o.seed != 0 ? a.o.seed + i : 0;
    o.announce_fd = i == 0 ? a.o.announce_fd : -1;
    o.live = threads > 1 ? &live : nullptr;
    o.progress = threads > 1 ? nullptr : a.o.progress;
    gens.push_back(std::make_unique<LoadGenerator>(**ids, *transports[i], o));
  }
  if (!a.quiet) {
    std::cerr << "loadgen: signing " << (*ids)->size() << " first requests (" << (*ids)->key_count()
              << " keys)\n";
  }
  for (auto& g : gens) {
    g->PreSign(a.presign_threads);
  }
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::vector<LoadReport> reports(threads);
  std::vector<std::thread> workers;
  for (unsigned i = 1; i < threads; ++i) {
    workers.emplace_back([&, i] { reports[i] = gens[i]->Run(&g_stop); });
  }
  std::thread progress;
  if (threads > 1 && a.o.progress != nullptr && a.o.progress_ms > 0) {
    progress = std::thread([&] { PrintLive(live, threads, a.o.progress_ms, *a.o.progress); });
  }
  reports[0] = gens[0]->Run(&g_stop);
  for (std::thread& w : workers) {
    w.join();
  }
  if (progress.joinable()) {
    live.done = threads;  // the last Sample of each counted already; make sure it stops
    progress.join();
  }
  LoadReport report = reports[0];
  for (unsigned i = 1; i < threads; ++i) {
    report.Merge(reports[i]);
  }
  if (threads > 1) {
    report.transport_name = std::to_string(threads) + " threads x " + transports[0]->Describe();
  }
  int rc = 0;
  PrintSummary(report, std::cout);
  if (!a.json.empty()) {
    std::ofstream(a.json) << ReportJson(report, a.scenario, a.mode);
  }
  if (!a.plot.empty()) {
    if (Status s =
            WritePlot(report, a.plot,
                      "rcas-loadgen " + a.scenario + " " + a.mode + ", " + report.transport_name);
        !s.ok()) {
      std::cerr << "rcas-loadgen: error: --plot: " << s.error() << "\n";
      rc = 1;
    }
  }
  rc = report.ok() ? rc : 1;
  gens.clear();
  transports.clear();
  if (!a.dpdk_port.empty()) {
    dataplane::CleanupEal();
  }
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rcas-loadgen: many stateful CAMs against one CASS (docs/loadgen.md)"};
  Args a;
  app.add_option("--prov", a.prov, "CAM-side provisioning file (rcasctl pki cams)")->required();
  app.add_option("--root", a.root, "AC root certificate (PEM)")->required();
  app.add_option("--cass", a.cass, "the CASS's UDP ADDRESS:PORT");
  app.add_option("--cass-id", a.cass_id, "CASS_ID the CASS certificate must carry (8 hex)");
  app.add_option("--count", a.count, "CAMs to emulate (0: all in --prov)");
  app.add_option("--mode", a.mode, "normal or fast (Annex B)")
      ->check(CLI::IsMember({"normal", "fast"}));
  app.add_option("--scenario", a.scenario, "storm: every CAM registers; steady: sessions held")
      ->check(CLI::IsMember({"storm", "steady"}));
  app.add_option("--rate", a.o.rate, "session starts per second (0: as fast as --window allows)");
  app.add_option("--window", a.o.window, "sessions in flight at most");
  app.add_option("--flows", a.flows, "kernel sockets (default: --window + room for attacks)");
  app.add_option("--source", a.source, "local address the kernel sockets bind");
  app.add_flag("--check", a.o.check,
               "verify every answer fully (certificates, signatures, sIGN-kpk)");
  app.add_flag("--download", a.o.download, "fetch and check the images of a RenewInfo");
  app.add_option("--http-port", a.o.http_port, "image server HTTP port");
  app.add_option("--tftp-port", a.o.tftp_port, "image server TFTP port");
  app.add_option("--download-threads", a.o.download_threads, "image download threads");
  app.add_option("--hold", a.o.hold_ms, "ms an established session waits for the CASS (storm)");
  app.add_option("--sessions", a.o.sessions, "sessions a CAM may start before it fails");
  app.add_option("--time-scale", a.o.time_scale, "multiplies every protocol timer, (0, 1]");
  app.add_option("--hostile", a.hostile, "KIND=SHARE,... per genuine session");
  app.add_option("--hostile-wait", a.o.hostile_wait_ms, "ms an attack waits for its answer");
  app.add_option("--duration", a.duration, "stop after this many seconds (0: when done)");
  app.add_option("--progress", a.o.progress_ms, "progress line period in ms (0: none)");
  app.add_option("--presign-threads", a.presign_threads, "threads signing first requests");
  app.add_option("--threads", a.threads,
                 "generator threads, each with its shard of CAMs, sockets and token bucket");
  app.add_option("--seed", a.o.seed, "seed of the hostile draws");
  app.add_option("--json", a.json, "write the JSON report here");
  app.add_option("--plot", a.plot, "write a PNG of rate and latency over time (gnuplot)");
  app.add_flag("--quiet", a.quiet, "no progress lines");
  app.add_option("--announce", a.announce, "listen for announcements on GROUP:PORT (§5.1)");
  app.add_option("--dpdk-eal", a.dpdk_eal, "EAL arguments (with --dpdk-port)");
  app.add_option("--dpdk-port", a.dpdk_port, "DPDK port (vdev name or PCI address)");
  app.add_option("--dpdk-address", a.dpdk_address, "first IPv4 source address on the port");
  app.add_option("--dpdk-addresses", a.dpdk_addresses, "consecutive source addresses");
  app.add_option("--dpdk-cass-mac", a.dpdk_cass_mac, "the CASS's MAC (default: ARP)");
  CLI11_PARSE(app, argc, argv);
  return Run(a);
}
