// rcas-cam: the reference CAM (PROFILE §15.1-§15.3) as a fleet of CAMs in one process, for STB
// vendors testing a headend and for our end-to-end tests. Usage in docs/reference-cam.md.

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <string>

#include "tools/cam_fleet.h"
#include "tools/cam_identity.h"

namespace {

using namespace rcas;
using namespace rcas::tools;

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop = true; }

// ParseHostPort reads "a.b.c.d:port" or "[v6]:port".
bool ParseHostPort(const std::string& text, std::string* host, uint16_t* port) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size()) {
    return false;
  }
  *host = text.substr(0, colon);
  if (host->size() > 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
  const std::string p = text.substr(colon + 1);
  if (p.find_first_not_of("0123456789") != std::string::npos || p.size() > 5) {
    return false;
  }
  const unsigned long v = std::stoul(p);
  *port = static_cast<uint16_t>(v);
  return v >= 1 && v <= 65535;
}

template <size_t N>
bool ParseHexArray(const std::string& hex, std::array<uint8_t, N>* out) {
  const auto b = FromHex(hex);
  return b && CopyTo(*out, *b);
}

struct Options {
  std::string prov, root, state_dir, mode = "normal", cass, cass_id, group = "239.255.103.1";
  std::string hw = "00000001", sw = "00000002", purchase_info, log_info, interface;
  uint64_t count = 0;
  uint16_t port = 49103, http_port = 80, tftp_port = 69;
  bool tcp = false, once = false, trace = false, trusted_time = false;
  double jitter = 1.0, duration = 0, idle = 60, time_scale = 1.0;
  uint32_t retries = 0;
  unsigned download_threads = 4;
};

int Run(const Options& o) {
  CamConfig config;
  if (!ParseHexArray(o.hw, &config.hw_version) || !ParseHexArray(o.sw, &config.sw_version)) {
    std::cerr << "rcas-cam: error: --hw/--sw take 8 hex digits\n";
    return 2;
  }
  if (!(o.time_scale > 0 && o.time_scale <= 1)) {  // also refuses NaN
    std::cerr << "rcas-cam: error: --time-scale takes a number in (0, 1]\n";
    return 2;
  }
  config.jitter = o.jitter;
  config.time_scale = o.time_scale;
  config.idle_ms = static_cast<int64_t>(o.idle * 1000);
  config.trusted_time = o.trusted_time;
  config.purchase_info.assign(o.purchase_info.begin(), o.purchase_info.end());
  if (!o.log_info.empty()) {
    config.log_info = Bytes(o.log_info.begin(), o.log_info.end());
  }
  config.max_sessions = 1 + o.retries;
  CamTarget target;
  const CamMode mode = o.mode == "fast" ? CamMode::kFast : CamMode::kNormal;
  if (!o.cass.empty()) {
    if (!ParseHostPort(o.cass, &target.address, &target.port)) {
      std::cerr << "rcas-cam: error: --cass takes HOST:PORT (numeric address)\n";
      return 2;
    }
    target.transport = o.tcp ? CamTransport::kTcp : CamTransport::kUdp;
    if (!o.cass_id.empty()) {
      crypto::CassId id{};
      if (!ParseHexArray(o.cass_id, &id)) {
        std::cerr << "rcas-cam: error: --cass-id takes 8 hex digits\n";
        return 2;
      }
      target.cass_id = id;
    }
  }
  auto identities = LoadCamIdentities(o.prov, o.root, o.count);
  if (!identities) {
    std::cerr << "rcas-cam: error: " << identities.error() << "\n";
    return 1;
  }
  std::error_code ec;
  std::filesystem::create_directories(o.state_dir, ec);
  FleetOptions fo;
  fo.http_port = o.http_port;
  fo.tftp_port = o.tftp_port;
  fo.trace = o.trace ? &std::cout : nullptr;
  fo.once = o.once;
  fo.download_threads = o.download_threads;
  // The image client's waits are the CAM's own timers too: a download stuck on a dead server
  // must not outlast the scaled protocol timers by minutes (5 waits of 5 s per TFTP packet).
  fo.images.timeout_ms = static_cast<int>(config.Scaled(fo.images.timeout_ms));
  CamFleet fleet(fo);
  for (CamIdentity& id : *identities) {
    const std::string path = CamStatePath(o.state_dir, id.record.cam_id);
    auto state = LoadCamState(path);
    if (!state) {
      std::cerr << "rcas-cam: error: " << state.error() << "\n";
      return 1;
    }
    if (!o.cass.empty() && !target.cass_id && !state->current_cass_id) {
      std::cerr << "rcas-cam: error: CAM " << ToHex(id.record.cam_id)
                << " is virgin: give --cass-id (the CASS_ID its certificate must carry)\n";
      return 2;
    }
    fleet.Add(std::move(id), config, std::move(*state), path);
  }
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  if (!o.cass.empty()) {
    fleet.StartAll(target, mode);
  } else if (Status s = fleet.ListenAnnouncements(o.group, o.port, o.interface); !s.ok()) {
    std::cerr << "rcas-cam: error: " << s.error() << "\n";
    return 1;
  }
  fleet.Run(static_cast<int64_t>(o.duration * 1000), &g_stop);
  const FleetSummary summary = fleet.Summary();
  summary.Print(std::cout);
  return summary.cams_completed == summary.cams ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rcas-cam: reference CAM fleet of the RCAS (ITU-T J.1003) profile", "rcas-cam"};
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return "rcas-cam: error: " + std::string(e.what()) + " (see --help)\n";
  });
  Options o;
  app.add_option("--prov", o.prov, "CAM-side provisioning file (rcasctl pki cams)")->required();
  app.add_option("--root", o.root, "AC root certificate (PEM)")->required();
  app.add_option("--state", o.state_dir, "folder of the CAM state files")->required();
  app.add_option("--count", o.count, "run the first N CAMs of the file (default: all)");
  app.add_option("--mode", o.mode, "mode of sessions started by --cass")
      ->check(CLI::IsMember({"normal", "fast"}));
  app.add_option("--cass", o.cass, "start sessions to HOST:PORT now, without announcements");
  app.add_flag("--tcp", o.tcp, "with --cass: TCP instead of UDP");
  app.add_option("--cass-id", o.cass_id, "with --cass: CASS_ID (8 hex) the CASS must prove");
  app.add_option("--retries", o.retries, "with --cass: sessions retried after a failure");
  app.add_option("--announce-group", o.group, "announcement group or unicast address");
  app.add_option("--port", o.port, "announcement UDP port");
  app.add_option("--announce-interface", o.interface,
                 "where to join the group: IPv4 address, or IPv6 interface name");
  app.add_flag("--once", o.once, "each CAM runs one session, then the program ends");
  app.add_option("--duration", o.duration, "stop after S seconds (default: no limit)");
  app.add_flag("--trace", o.trace, "print every message and check");
  app.add_option("--jitter", o.jitter, "scale of the random delays (0: none)");
  app.add_option("--idle", o.idle, "seconds an established session waits for the CASS");
  app.add_option("--time-scale", o.time_scale,
                 "multiply every protocol timer by X, 0 < X <= 1 (lab tests of a headend)");
  app.add_flag("--trusted-time", o.trusted_time, "check the CASS certificate's validity");
  app.add_option("--http-port", o.http_port, "HTTP port of image servers");
  app.add_option("--tftp-port", o.tftp_port, "TFTP port of image servers");
  app.add_option("--download-threads", o.download_threads,
                 "image download threads (0: on the protocol thread)");
  app.add_option("--purchase-info", o.purchase_info, "PurchaseReport content (text)");
  app.add_option("--log-info", o.log_info, "LogResponse content (text)");
  app.add_option("--hw", o.hw, "hWVersion, 8 hex digits");
  app.add_option("--sw", o.sw, "sWversion, 8 hex digits");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  try {
    return Run(o);
  } catch (const std::exception& e) {  // allocation failure and the like: one line, not abort
    std::cerr << "rcas-cam: error: " << e.what() << "\n";
    return 1;
  }
}
