#include "tools/cassd/campaign.h"

#include <arpa/inet.h>

#include <fstream>
#include <iterator>

#include "crypto/hash.h"
#include "crypto/random.h"
#include "storage/counters.h"

namespace rcas::tools::cassd {
namespace {

Result<std::shared_ptr<const Bytes>> ReadImage(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error{"image " + path + ": cannot be read"};
  }
  auto data =
      std::make_shared<Bytes>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (data->empty()) {
    return Error{"image " + path + ": empty"};
  }
  return std::shared_ptr<const Bytes>(std::move(data));
}

// DsIp is dSIP: IPv6, or IPv4 mapped (§13.7).
std::optional<std::array<uint8_t, 16>> DsIp(const std::string& s) {
  if (s.empty()) {
    return std::nullopt;
  }
  std::array<uint8_t, 16> out{};
  if (inet_pton(AF_INET6, s.c_str(), out.data()) == 1) {
    return out;
  }
  out[10] = 0xff;
  out[11] = 0xff;
  inet_pton(AF_INET, s.c_str(), out.data() + 12);  // the config checked it is an address
  return out;
}

}  // namespace

Result<std::unique_ptr<ConfigCampaign>> ConfigCampaign::Load(const CassdConfig& config,
                                                             storage::AcStore& store,
                                                             control::ImageRegistry& registry) {
  std::unique_ptr<ConfigCampaign> c(new ConfigCampaign(store));
  crypto::RandomBytes(c->common_keys_.ccciek.mutable_view());
  crypto::RandomBytes(c->common_keys_.ccciek_iv.mutable_view());
  control::RenewalPlan plan;
  plan.purchase_report_req = config.purchase_report_req;
  plan.log_request = config.log_request;
  for (const ImageConfig& i : config.images) {
    auto data = ReadImage(i.file);
    if (!data.ok()) {
      return Error{data.error()};
    }
    control::CampaignImage image{i.tm, DsIp(i.ds_ip), i.fn, *data, crypto::Sha1(**data)};
    plan.client_type = i.client_type;
    if (i.individual) {
      plan.individual = std::move(image);
      continue;
    }
    // Normal mode: one object for every CAM, under the pair CAMRegConfirm carries (§11.8).
    if (Status s = registry.PublishCommon(i.fn, **data, c->common_keys_.ccciek.view(),
                                          c->common_keys_.ccciek_iv.view());
        !s.ok()) {
      return Error{"image " + i.file + ": " + s.error()};
    }
    c->image_version_ = i.version;
    plan.common = std::move(image);
  }
  if (plan.has_images()) {
    c->plan_ = std::move(plan);
  }
  c->Refresh();
  return c;
}

void ConfigCampaign::Refresh() {
  auto campaign = store_.GetCounter(storage::kDeliverCampaignCounter);
  if (campaign.ok()) {
    campaign_ = *campaign;
  }
}

uint64_t ConfigCampaign::DeliverVersion(const crypto::CamId&) {
  return storage::DeliverVersion(image_version_, campaign_);
}

control::CommonImageKeys ConfigCampaign::CommonKeys(const control::CamFacts&) {
  return common_keys_;
}

std::optional<control::RenewalPlan> ConfigCampaign::PlanFor(const control::CamFacts&) {
  return plan_;
}

void ConfigCampaign::OnRenewal(const control::CamFacts& cam, control::RenewalOutcome outcome) {
  outcomes_.emplace_back(cam, outcome);
  if (outcomes_.size() > 1024) {  // the daemon logs and clears them; bound it regardless
    outcomes_.erase(outcomes_.begin());
  }
}

}  // namespace rcas::tools::cassd
