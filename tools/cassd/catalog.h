#pragma once
// The campaign side of rcas-cassd: the [[images.image]] entries published into the campaign
// catalog (control/campaign_catalog.h, docs/campaign-catalog.md), and a CampaignSource that
// tells the daemon's log how each renewal ended.

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "control/ac_service.h"
#include "control/campaign.h"
#include "control/campaign_catalog.h"
#include "control/image_registry.h"
#include "crypto/result.h"
#include "storage/ac_store.h"
#include "tools/cassd/common_keys.h"
#include "tools/cassd/config.h"

namespace rcas::tools::cassd {

// BuildCatalog reads every image file of `config` and publishes it (a common image is encrypted
// once into `registry` under its object's CCCIEK pair from `keys`, §11.8), then drops the kept
// pairs of objects no longer configured. The error names the image's file. `store`, `ac` and
// `registry` must outlive the catalog.
Result<std::unique_ptr<control::CampaignCatalog>> BuildCatalog(const CassdConfig& config,
                                                               storage::AcStore& store,
                                                               control::AcService& ac,
                                                               control::ImageRegistry& registry,
                                                               CommonKeyFile& keys);

// PublishImage reads `image`'s file and publishes it into `catalog` (replacing the image of the
// same kind and target), a common one under its pair from `keys`. Any thread (CampaignCatalog::
// Publish is), one call at a time (`keys` is not thread-safe); the error names the file.
Status PublishImage(control::CampaignCatalog& catalog, const ImageConfig& image,
                    CommonKeyFile& keys);

// ImageFields describes `image` for the log and the control socket's `image list`.
std::vector<std::pair<std::string_view, std::string>> ImageFields(const ImageConfig& image);

// ObservedCampaign calls `on_renewal` before forwarding each OnRenewal to `inner`; both on the
// engine thread (the daemon's only thread). `inner` must outlive it. The order matters after a
// SIGKILL: the log line is written before the AC commit is even submitted, so every renewal in
// the store is in the log; only the last ones logged may miss their commit.
class ObservedCampaign : public control::CampaignSource {
 public:
  using Observer = std::function<void(const control::CamFacts&, control::RenewalOutcome)>;
  ObservedCampaign(control::CampaignSource& inner, Observer on_renewal)
      : inner_(inner), on_renewal_(std::move(on_renewal)) {}

  uint64_t DeliverVersion(const crypto::CamId& cam) override { return inner_.DeliverVersion(cam); }
  control::CommonImageKeys CommonKeys(const control::CamFacts& cam) override {
    return inner_.CommonKeys(cam);
  }
  std::optional<control::RenewalPlan> PlanFor(const control::CamFacts& cam) override {
    return inner_.PlanFor(cam);
  }
  void OnRenewal(const control::CamFacts& cam, control::RenewalOutcome outcome) override {
    on_renewal_(cam, outcome);
    inner_.OnRenewal(cam, outcome);
  }

 private:
  control::CampaignSource& inner_;
  Observer on_renewal_;
};

// RenewalOutcomeName: the log's and the renewal record's word for `outcome`.
const char* RenewalOutcomeName(control::RenewalOutcome outcome);

}  // namespace rcas::tools::cassd
