// CampaignCatalog: what is due for a CAM (PROFILE §13.7, §16.5, §22 Q3, §23 items 14, 21) and the
// renewal records that tell it (storage/renewal_record.h).

#include <algorithm>

#include "control/campaign_catalog.h"
#include "storage/counters.h"
#include "storage/renewal_record.h"

namespace rcas::control {

namespace {

constexpr uint64_t kCampaignMask = storage::kMaxDeliverCampaign;

storage::RenewalResult ToRecord(RenewalOutcome o) {
  switch (o) {
    case RenewalOutcome::kInstalled:
      return storage::RenewalResult::kInstalled;
    case RenewalOutcome::kDownloadFailed:
      return storage::RenewalResult::kDownloadFailed;
    case RenewalOutcome::kHashFailed:
      return storage::RenewalResult::kHashFailed;
    case RenewalOutcome::kAborted:
      break;
  }
  return storage::RenewalResult::kAborted;
}

// SessionPrefix: a fast-mode CAM gets the "common" image per session (§22 Q3) under
// fn less ".bin" + "-"; the engine appends hex(sessionID) + ".bin".
std::string SessionPrefix(const std::string& fn) {
  constexpr std::string_view kBin = ".bin";
  const bool bin = fn.size() > kBin.size() && fn.ends_with(kBin);
  return (bin ? fn.substr(0, fn.size() - kBin.size()) : fn) + "-";
}

CampaignImage ToPlan(const CatalogImage& image, const crypto::Sha1Digest& sha1, bool per_session) {
  const bool common_per_session = per_session && image.kind == ImageKind::kCommon;
  return CampaignImage{image.tm, image.ds_ip,
                       common_per_session ? SessionPrefix(image.fn) : image.fn, image.plaintext,
                       sha1};
}

}  // namespace

// ReadHistory reads the CAM's reports: one RocksDB prefix scan, served from the memtable and
// block cache, no fsync (docs/campaign-catalog.md has the measured cost).
std::optional<CampaignCatalog::History> CampaignCatalog::ReadHistory(const crypto::CamId& cam,
                                                                     const Snapshot& snap) {
  auto reports = store_.ListReports(cam);
  if (!reports.ok()) {
    read_errors_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  History h;
  for (const storage::Report& r : *reports) {
    const bool since = snap.running_since_ms != 0 && r.unix_ms >= snap.running_since_ms;
    switch (r.kind) {
      case storage::ReportKind::kPurchase:
        h.purchase_since = h.purchase_since || since;
        break;
      case storage::ReportKind::kLog:
        h.log_since = h.log_since || since;
        break;
      case storage::ReportKind::kRenewal:
        if (auto rec = storage::DecodeRenewalRecord(r.body);
            rec && rec->result == storage::RenewalResult::kInstalled) {
          h.installed = rec->deliver_version;
        }
        break;
    }
  }
  return h;
}

std::optional<RenewalPlan> CampaignCatalog::PlanFor(const CamFacts& cam) {
  auto snap = Current();
  const Entry* common = snap->Match(ImageKind::kCommon, cam.hw, cam.sw);
  const Entry* individual = snap->Match(ImageKind::kIndividual, cam.hw, cam.sw);
  if (common != nullptr && individual != nullptr &&
      common->image.client_type != individual->image.client_type) {
    // One clientType per RenewInfo (§13.7): the image with the narrower target goes.
    kind_conflicts_.fetch_add(1, std::memory_order_relaxed);
    const auto score = [](const Entry* e) {
      return (e->image.target_hw ? 2 : 0) + (e->image.target_sw ? 1 : 0);
    };
    (score(individual) > score(common) ? common : individual) = nullptr;
  }
  const bool has_images = common != nullptr || individual != nullptr;
  const bool purchase_campaign = snap->running.purchase_report && has_images;
  if (!has_images && !snap->running.log) {
    return std::nullopt;  // nothing could be due: no read
  }
  const std::optional<History> h = ReadHistory(cam.cam_id, *snap);
  if (!h) {
    return std::nullopt;
  }
  // Installed: the current campaign, and an image release at least the target's versions.
  const uint32_t wanted =
      std::max(common ? common->image.version : 0u, individual ? individual->image.version : 0u);
  const bool up_to_date = h->installed && (*h->installed & kCampaignMask) == snap->campaign &&
                          (*h->installed >> 32) >= wanted;
  const bool images_due = has_images && !up_to_date;
  const bool purchase_due = purchase_campaign && !h->purchase_since;
  const bool log_due = snap->running.log && !h->log_since;
  if (!images_due && !purchase_due && !log_due) {
    return std::nullopt;
  }
  RenewalPlan plan;
  plan.log_request = log_due;
  if (images_due || purchase_due) {  // a purchase-report run re-delivers the images (§23.14)
    const bool fast = cam.mode == protocol::KeyMode::kFast;
    if (common != nullptr) {
      plan.client_type = common->image.client_type;
      plan.common = ToPlan(common->image, common->sha1, fast);
    }
    if (individual != nullptr) {
      plan.client_type = individual->image.client_type;
      plan.individual = ToPlan(individual->image, individual->sha1, fast);
    }
    plan.purchase_report_req = purchase_due;
  }
  plans_.fetch_add(1, std::memory_order_relaxed);
  return plan;
}

void CampaignCatalog::OnRenewal(const CamFacts& cam, RenewalOutcome outcome) {
  DrainReports();
  AcRequest r;
  r.kind = AcRequestKind::kRenewalReport;
  r.cam_id = cam.cam_id;
  r.cass_id = options_.cass_id;
  r.report = storage::EncodeRenewalRecord(
      {ToRecord(outcome), cam.deliver_version, options_.unix_now_ms()});
  if (!ac_.Submit(std::move(r), *reports_cq_)) {
    reports_dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  ++in_flight_;
  reports_sent_.fetch_add(1, std::memory_order_relaxed);
}

void CampaignCatalog::DrainReports() {
  drained_.clear();
  const size_t got = reports_cq_->Poll(drained_);
  in_flight_ -= std::min<uint64_t>(in_flight_, got);
  for (const AcResult& r : drained_) {
    if (!r.ok) {
      report_errors_.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

}  // namespace rcas::control
