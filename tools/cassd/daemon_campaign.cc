// CassDaemon's campaign side: the catalog from [images], the engine's image publisher, the HTTP
// and TFTP servers on the shared registry, the campaign [images] starts, and the catalog's
// trouble counters in the log (docs/cassd.md, "Images and campaigns").

#include "tools/cassd/daemon.h"

namespace rcas::tools::cassd {
namespace {

std::string Ports(const std::vector<uint16_t>& ports) {
  std::string out;
  for (uint16_t p : ports) {
    out += (out.empty() ? "" : ",") + std::to_string(p);
  }
  return out;
}

}  // namespace

// OpenImages publishes every image into the catalog (common ones encrypted into the registry
// now), gives the engine a publisher on the same registry, and starts the servers that read it.
Status CassDaemon::OpenImages() {
  auto keys = CommonKeyFile::Open(config_.state_dir);
  if (!keys.ok()) {
    return Error{"[cass].state_dir: " + keys.error()};
  }
  common_keys_ = std::make_unique<CommonKeyFile>(std::move(*keys));
  auto catalog = BuildCatalog(config_, *store_, *ac_, registry_, *common_keys_);
  if (!catalog.ok()) {
    return Error{"[images]: " + catalog.error()};
  }
  catalog_ = std::move(*catalog);
  campaign_ = std::make_unique<ObservedCampaign>(
      *catalog_, [this](const control::CamFacts& cam, control::RenewalOutcome outcome) {
        log_.Info("renewal", {{"cam_id", ToHex(cam.cam_id)},
                              {"outcome", RenewalOutcomeName(outcome)},
                              {"session", ToHex(cam.session_id)},
                              {"deliver_version", std::to_string(cam.deliver_version)}});
      });
  publisher_ = std::make_unique<control::RegistryPublisher>(registry_, UnixMs);
  for (const ImageConfig& i : config_.images) {
    log_.Info("image", ImageFields(i));
  }
  published_ = config_.images;
  if (config_.http.empty() && config_.tftp.empty()) {
    return OkStatus();
  }
  dataplane::ImageServerOptions io;
  io.http = config_.http;  // ImageEndpoint is dataplane::Endpoint
  io.tftp = config_.tftp;
  images_ = std::make_unique<dataplane::ImageServer>(registry_, io);
  if (Status s = images_->Start(); !s.ok()) {
    return Error{"[images]: " + s.error()};
  }
  log_.Info("image-servers", {{"http_ports", Ports(images_->http_ports())},
                              {"tftp_ports", Ports(images_->tftp_ports())},
                              {"objects", std::to_string(registry_.size())}});
  return OkStatus();
}

// StartCampaign runs what [images] asks from the start. purchase_report announces an RCASRenewal
// with purchaseReport-Req (§13.2), which bumps the deliver campaign in the store (§23 item 21);
// the catalog re-reads the counter (SetCampaign reloads it first), so deliverVersion moves and
// every CAM renews once more, reporting its purchases (§23 item 14). log_request adds a
// LogRequest for every CAM that has sent no log since the start.
Status CassDaemon::StartCampaign(uint64_t now_ms) {
  if (!config_.purchase_report_req && !config_.log_request) {
    return OkStatus();
  }
  if (config_.purchase_report_req) {
    control::Renewal renewal;
    renewal.purchase_report_req = true;
    if (Status s = announcer_->StartRenewal(renewal, now_ms); !s.ok()) {
      return Error{"[images].purchase_report: " + s.error()};
    }
  }
  if (Status s = catalog_->SetCampaign({config_.purchase_report_req, config_.log_request});
      !s.ok()) {
    return Error{"[images]: " + s.error()};
  }
  log_.Info("campaign", {{"purchase_report", config_.purchase_report_req ? "true" : "false"},
                         {"log_request", config_.log_request ? "true" : "false"},
                         {"counter_r", std::to_string(announcer_->counter_r())},
                         {"deliver_version", std::to_string(catalog_->DeliverVersion({}))}});
  return OkStatus();
}

// LogCampaignDeltas: one line when the catalog could not read a CAM's reports or lost renewal
// records (the CAM is then simply due again; docs/campaign-catalog.md).
void CassDaemon::LogCampaignDeltas() {
  const control::CatalogStats now = catalog_->stats();
  const std::pair<const char*, uint64_t control::CatalogStats::*> fields[] = {
      {"campaign-read-errors", &control::CatalogStats::read_errors},
      {"campaign-reports-dropped", &control::CatalogStats::reports_dropped},
      {"campaign-report-errors", &control::CatalogStats::report_errors},
  };
  for (const auto& [name, field] : fields) {
    if (now.*field != logged_catalog_.*field) {
      log_.Warn("ac-error", {{"counter", name},
                             {"new", std::to_string(now.*field - logged_catalog_.*field)},
                             {"total", std::to_string(now.*field)}});
    }
  }
  logged_catalog_ = now;
}

}  // namespace rcas::tools::cassd
