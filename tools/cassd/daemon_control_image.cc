// The control socket's `image ...` requests (docs/cassd.md, "Control socket"): what the catalog
// serves, publishing an image while the daemon runs and withdrawing one. A publish reads and
// (common image) encrypts the file on its own thread, so the control thread never waits on the
// disk or on AES; CampaignCatalog::Publish may run on any thread (control/campaign_catalog.h).

#include <unistd.h>

#include <algorithm>

#include "tools/cassd/daemon.h"

namespace rcas::tools::cassd {
namespace {

bool SameSlot(const ImageConfig& a, const ImageConfig& b) {
  return a.individual == b.individual && a.target_hw == b.target_hw && a.target_sw == b.target_sw;
}

std::string ImageLine(const ImageConfig& i) {
  std::string out = "image";
  for (const auto& [key, value] : ImageFields(i)) {
    out += " " + std::string(key) + "=" + value;
  }
  return out + " file=" + i.file + "\n";
}

}  // namespace

void CassDaemon::ControlImage(uint64_t client, const std::vector<std::string>& words) {
  const std::string action = words.size() >= 2 ? words[1] : "";
  if (action == "list" && words.size() == 2) {
    std::string out;
    for (const ImageConfig& i : published_) {
      out += ImageLine(i);
    }
    out += "catalog images=" + std::to_string(catalog_->images()) +
           " objects=" + std::to_string(registry_.size()) +
           " deliver_version=" + std::to_string(catalog_->DeliverVersion({})) + "\n";
    control_->Answer(client, out);
    return;
  }
  if (action == "withdraw" && words.size() == 3) {
    std::string out;
    for (auto it = published_.begin(); it != published_.end();) {
      if (it->fn != words[2]) {
        ++it;
        continue;
      }
      const auto kind =
          it->individual ? control::ImageKind::kIndividual : control::ImageKind::kCommon;
      catalog_->Withdraw(kind, it->target_hw, it->target_sw);
      out += ImageLine(*it);
      log_.Info("control-image", {{"action", "withdraw"}, {"fn", it->fn}});
      it = published_.erase(it);
    }
    control_->Answer(client, out, out.empty() ? "no image with fn '" + words[2] + "'" : "");
    return;
  }
  if (action != "publish" || words.size() < 3) {
    control_->Answer(client, "",
                     "usage: image list | image publish FILE fn=.. [KEY=VALUE ...] | "
                     "image withdraw FN");
    return;
  }
  if (publishing_) {
    control_->Answer(client, "", "another image is being published; try again");
    return;
  }
  auto image = ImageFromWords(words[2], {words.begin() + 3, words.end()}, config_);
  if (!image.ok()) {
    control_->Answer(client, "", image.error());
    return;
  }
  // One target per common object name: the registry serves it under fn (as the config checks).
  const bool clash = std::any_of(published_.begin(), published_.end(), [&](const ImageConfig& p) {
    return !p.individual && !image->individual && p.fn == image->fn && !SameSlot(p, *image);
  });
  if (clash) {
    control_->Answer(client, "", "fn '" + image->fn + "' is another target's common image");
    return;
  }
  JoinPublisher();
  publishing_ = true;
  publish_client_ = client;
  publish_image_ = std::move(*image);
  publisher_thread_ = std::thread([this] {
    publish_status_ = PublishImage(*catalog_, publish_image_, *common_keys_);
    const uint64_t one = 1;
    (void)!write(publish_done_fd_, &one, sizeof one);
  });
}

// OnPublished: the publish thread is done. The catalog re-reads the deliver campaign, as at
// start, so deliverVersion is (new release, campaign) for the next RenewInfo.
void CassDaemon::OnPublished() {
  if (!publishing_) {
    return;
  }
  JoinPublisher();
  publishing_ = false;
  Status s = publish_status_;
  if (s.ok()) {
    auto same = std::find_if(published_.begin(), published_.end(),
                             [&](const ImageConfig& p) { return SameSlot(p, publish_image_); });
    if (same != published_.end()) {
      *same = publish_image_;
    } else {
      published_.push_back(publish_image_);
    }
    s = catalog_->ReloadDeliverCampaign();
  }
  if (!s.ok()) {
    log_.Warn("control-image", {{"action", "publish"}, {"error", s.error()}});
    control_->Answer(publish_client_, "", s.error());
    return;
  }
  LogFields fields = ImageFields(publish_image_);
  fields.emplace_back("deliver_version", std::to_string(catalog_->DeliverVersion({})));
  log_.Info("control-image", fields);
  control_->Answer(publish_client_,
                   ImageLine(publish_image_) +
                       "catalog images=" + std::to_string(catalog_->images()) +
                       " deliver_version=" + std::to_string(catalog_->DeliverVersion({})) + "\n");
}

void CassDaemon::JoinPublisher() {
  if (publisher_thread_.joinable()) {
    publisher_thread_.join();
  }
}

}  // namespace rcas::tools::cassd
