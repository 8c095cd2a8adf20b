// CampaignCatalog: publishing images, the deliverVersion and the CCCIEK pairs (PROFILE §11.8,
// §16.5, §17.1). PlanFor and the renewal records are in campaign_plan.cc.

#include "control/campaign_catalog.h"

#include <algorithm>
#include <chrono>

#include "crypto/random.h"
#include "storage/counters.h"

namespace rcas::control {

namespace {

CommonImageKeys FreshKeys() {
  CommonImageKeys k;
  crypto::RandomBytes(k.ccciek.mutable_view());
  crypto::RandomBytes(k.ccciek_iv.mutable_view());
  return k;
}

bool Admits(const std::optional<storage::VersionField>& target, const storage::VersionField& v) {
  return !target || *target == v;
}

// CheckImage: the RenewInfo rules of §13.7 an image must meet to be deliverable at all.
Status CheckImage(const CatalogImage& image) {
  if (!image.plaintext) {
    return Error{"image: no plaintext"};
  }
  if (image.client_type < 0x01 || image.client_type > 0x03) {
    return Error{"image: clientType must be 1 (CAS), 2 (DRM) or 3 (ASD)"};
  }
  if (image.tm < 0x01 || image.tm > 0x03) {
    return Error{"image: tm must be 1 (carousel), 2 (TFTP) or 3 (HTTP)"};
  }
  const bool individual = image.kind == ImageKind::kIndividual;
  if (individual && image.tm == 0x01) {
    return Error{"image: an individual image cannot go by carousel"};
  }
  if (image.tm != 0x01 && !image.ds_ip) {
    return Error{"image: dSIP is required unless tm is carousel"};
  }
  // The longest name the engine makes from fn: fn + '-' + 20 hex digits + ".bin".
  if (!ValidImageFn(image.fn) || !ValidImageFn(image.fn + std::string(25, 'a'))) {
    return Error{"image: fn '" + image.fn + "' is not a valid object name (or too long)"};
  }
  return Ok{};
}

}  // namespace

const CampaignCatalog::Entry* CampaignCatalog::Snapshot::Match(
    ImageKind kind, const storage::VersionField& hw, const storage::VersionField& sw) const {
  const Entry* best = nullptr;
  int best_score = -1;
  for (const Entry& e : entries) {
    const CatalogImage& i = e.image;
    if (i.kind != kind || !Admits(i.target_hw, hw) || !Admits(i.target_sw, sw)) {
      continue;
    }
    const int score = (i.target_hw ? 2 : 0) + (i.target_sw ? 1 : 0);
    if (score > best_score) {
      best = &e;
      best_score = score;
    }
  }
  return best;
}

CampaignCatalog::Entry* CampaignCatalog::Snapshot::Same(const CatalogImage& image) {
  for (Entry& e : entries) {
    if (e.image.kind == image.kind && e.image.target_hw == image.target_hw &&
        e.image.target_sw == image.target_sw) {
      return &e;
    }
  }
  return nullptr;
}

CampaignCatalog::CampaignCatalog(storage::AcStore& store, AcService& ac, ImageRegistry& registry,
                                 Options options)
    : store_(store),
      ac_(ac),
      registry_(registry),
      options_(std::move(options)),
      reports_cq_(std::make_unique<CompletionQueue>()) {
  if (!options_.unix_now_ms) {
    options_.unix_now_ms = [] {
      return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count());
    };
  }
  auto first = std::make_shared<Snapshot>();
  first->current = FreshKeys();  // sent while no common image exists (§11.8)
  snapshot_ = std::move(first);
}

Result<std::unique_ptr<CampaignCatalog>> CampaignCatalog::Create(storage::AcStore& store,
                                                                 AcService& ac,
                                                                 ImageRegistry& registry,
                                                                 Options options) {
  std::unique_ptr<CampaignCatalog> c(new CampaignCatalog(store, ac, registry, std::move(options)));
  Status st = c->ReloadDeliverCampaign();
  if (!st.ok()) {
    return Error{st.error()};
  }
  return c;
}

CampaignCatalog::~CampaignCatalog() {
  // The AC workers push into reports_cq_; wait for what is in flight (they answer within a batch).
  for (int i = 0; i < 300 && in_flight_ > 0; ++i) {
    if (reports_cq_->Wait(100)) {
      DrainReports();
    }
  }
}

std::shared_ptr<const CampaignCatalog::Snapshot> CampaignCatalog::Current() const {
  std::lock_guard lock(snapshot_mu_);
  return snapshot_;
}

void CampaignCatalog::Install(std::shared_ptr<const Snapshot> next) {
  std::lock_guard lock(snapshot_mu_);
  snapshot_ = std::move(next);
}

Status CampaignCatalog::Publish(const CatalogImage& image) {
  if (Status st = CheckImage(image); !st.ok()) {
    return st;
  }
  std::lock_guard writer(writer_mu_);
  auto next = std::make_shared<Snapshot>(*Current());
  for (const Entry& e : next->entries) {
    const bool same_target =
        e.image.target_hw == image.target_hw && e.image.target_sw == image.target_sw;
    if (same_target && e.image.kind != image.kind && e.image.client_type != image.client_type) {
      return Error{
          "image: one RenewInfo carries one clientType; the other image of this target "
          "has another"};
    }
    if (!same_target && e.image.kind == ImageKind::kCommon && image.kind == ImageKind::kCommon &&
        e.image.fn == image.fn) {
      return Error{"image: fn '" + image.fn + "' already names another target's common image"};
    }
  }
  Entry fresh{image, crypto::Sha1(*image.plaintext), {}};
  if (image.kind == ImageKind::kCommon) {
    fresh.keys = image.keys ? *image.keys : FreshKeys();  // one pair per common object (§11.8)
    Status st = registry_.PublishCommon(image.fn, *image.plaintext, fresh.keys.ccciek.view(),
                                        fresh.keys.ccciek_iv.view());
    if (!st.ok()) {
      return st;
    }
    next->current = fresh.keys;
  }
  if (Entry* old = next->Same(image)) {
    if (old->image.kind == ImageKind::kCommon && old->image.fn != image.fn) {
      registry_.Remove(old->image.fn);
    }
    *old = std::move(fresh);
  } else {
    next->entries.push_back(std::move(fresh));
  }
  next->release = std::max(next->release, image.version);
  Install(std::move(next));
  return Ok{};
}

bool CampaignCatalog::Withdraw(ImageKind kind,
                               const std::optional<storage::VersionField>& target_hw,
                               const std::optional<storage::VersionField>& target_sw) {
  std::lock_guard writer(writer_mu_);
  auto next = std::make_shared<Snapshot>(*Current());
  auto it = std::find_if(next->entries.begin(), next->entries.end(), [&](const Entry& e) {
    return e.image.kind == kind && e.image.target_hw == target_hw && e.image.target_sw == target_sw;
  });
  if (it == next->entries.end()) {
    return false;
  }
  if (kind == ImageKind::kCommon) {
    registry_.Remove(it->image.fn);
  }
  next->entries.erase(it);
  // The release never goes down: a lower deliverVersion would look like an old image (§16.4).
  Install(std::move(next));
  return true;
}

Status CampaignCatalog::ReloadDeliverCampaign() {
  std::lock_guard writer(writer_mu_);
  auto counter = store_.GetCounter(storage::kDeliverCampaignCounter);
  if (!counter.ok()) {
    return Error{"deliver campaign: " + counter.error()};
  }
  auto next = std::make_shared<Snapshot>(*Current());
  next->campaign = *counter;
  Install(std::move(next));
  return Ok{};
}

Status CampaignCatalog::SetCampaign(CatalogCampaign campaign) {
  if (Status st = ReloadDeliverCampaign(); !st.ok()) {
    return st;
  }
  std::lock_guard writer(writer_mu_);
  auto next = std::make_shared<Snapshot>(*Current());
  next->running = campaign;
  next->running_since_ms = options_.unix_now_ms();
  Install(std::move(next));
  return Ok{};
}

uint64_t CampaignCatalog::DeliverVersion(const crypto::CamId&) {
  auto snap = Current();
  return storage::DeliverVersion(snap->release, snap->campaign);
}

CommonImageKeys CampaignCatalog::CommonKeys(const CamFacts& cam) {
  auto snap = Current();
  const Entry* e = snap->Match(ImageKind::kCommon, cam.hw, cam.sw);
  return e != nullptr ? e->keys : snap->current;
}

CatalogStats CampaignCatalog::stats() const {
  return {plans_.load(),        read_errors_.load(),     kind_conflicts_.load(),
          reports_sent_.load(), reports_dropped_.load(), report_errors_.load()};
}

size_t CampaignCatalog::images() const { return Current()->entries.size(); }

}  // namespace rcas::control
