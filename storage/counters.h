#pragma once
// Names of the meta counters several layers share (docs/ac-store.md, "meta"), and how the
// deliverVersion of PROFILE §16.1 is made from the image version and the campaign counter.

#include <cstdint>
#include <string_view>

namespace rcas::storage {

// counter_A and counter_R of PROFILE §6.1: the last nonce of RCASAnnounce / RCASRenewal, kept
// so that they never go backwards across restarts.
inline constexpr std::string_view kAnnounceCounter = "counter_a";
inline constexpr std::string_view kRenewalCounter = "counter_r";

// The campaign number an operator bumps whenever in-service CAMs must re-key (PROFILE §16.5,
// §22 Q6, §23 item 21); the low 32 bits of deliverVersion.
inline constexpr std::string_view kDeliverCampaignCounter = "deliver_campaign";
inline constexpr uint64_t kMaxDeliverCampaign = 0xFFFFFFFF;

// DeliverVersion is image version << 32 | campaign: a new image or a new campaign both change it.
inline constexpr uint64_t DeliverVersion(uint32_t image_version, uint64_t campaign) {
  return (uint64_t{image_version} << 32) | (campaign & kMaxDeliverCampaign);
}

}  // namespace rcas::storage
