#pragma once
// What rcas-cassd renews from its config ([images]): ConfigCampaign offers every established
// session the configured common and/or individual image (PROFILE §13.7, §17), with the
// deliverVersion of §16.1 from the image version and the store's deliver campaign; the common
// object is encrypted once under CCCIEK at start (§11.8). A stand-in until the campaign catalog
// (control/campaign_catalog) drives campaigns per CAM population.

#include <memory>
#include <string>
#include <vector>

#include "control/campaign.h"
#include "control/image_registry.h"
#include "crypto/result.h"
#include "storage/ac_store.h"
#include "tools/cassd/config.h"

namespace rcas::tools::cassd {

class ConfigCampaign : public control::CampaignSource {
 public:
  // Load reads the image files and publishes the common one into `registry`.
  static Result<std::unique_ptr<ConfigCampaign>> Load(const CassdConfig& config,
                                                      storage::AcStore& store,
                                                      control::ImageRegistry& registry);

  uint64_t DeliverVersion(const crypto::CamId& cam) override;
  control::CommonImageKeys CommonKeys(const control::CamFacts& cam) override;
  std::optional<control::RenewalPlan> PlanFor(const control::CamFacts& cam) override;
  void OnRenewal(const control::CamFacts& cam, control::RenewalOutcome outcome) override;

  // Refresh re-reads the deliver campaign counter (the announce scheduler and `rcasctl ac
  // bump-deliver` move it); the engine thread calls it now and then, not per request.
  void Refresh();
  // outcomes are the renewals ended since ClearOutcomes, for the log.
  const std::vector<std::pair<control::CamFacts, control::RenewalOutcome>>& outcomes() const {
    return outcomes_;
  }
  void ClearOutcomes() { outcomes_.clear(); }

 private:
  explicit ConfigCampaign(storage::AcStore& store) : store_(store) {}

  storage::AcStore& store_;
  uint32_t image_version_ = 0;
  uint64_t campaign_ = 0;
  control::CommonImageKeys common_keys_;
  std::optional<control::RenewalPlan> plan_;
  std::vector<std::pair<control::CamFacts, control::RenewalOutcome>> outcomes_;
};

}  // namespace rcas::tools::cassd
