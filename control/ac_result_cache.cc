#include "control/ac_result_cache.h"

namespace rcas::control {

namespace {

constexpr uint32_t kTickMs = 1'000;  // a 24 h ttl needs no finer expiry
constexpr size_t kSlots = 4'096;

uint64_t Key(const crypto::CamId& cam) { return LoadBe64(cam.data()); }

}  // namespace

void CachedAuth::Fill(AcResult& out) const {
  for (size_t j = 0; j < kTriplets; ++j) {
    CopyTo(out.rand_ac[j], rand_ac[j].view());
    out.kc[j] = kc[j];
  }
  out.kpk = kpk;
  out.sign_kpk = sign_kpk;
  out.ok = true;
}

AcResultCache::AcResultCache(size_t capacity, uint64_t ttl_ms, uint64_t now_ms)
    : capacity_(capacity), ttl_ms_(ttl_ms), wheel_(now_ms, kTickMs, kSlots) {}

uint64_t AcResultCache::Put(const AcResult& r, const storage::DscId& dsc_id,
                            const crypto::Sha256Digest& certificate, uint64_t deliver_version,
                            uint64_t now_ms) {
  if (capacity_ == 0 || !r.ok) {
    return 0;
  }
  const uint64_t key = Key(r.cam_id);
  if (auto it = entries_.find(key); it != entries_.end()) {
    Drop(it);
  } else if (entries_.size() >= capacity_) {
    Drop(entries_.find(oldest_.front()));
    ++stats_.evicted;
  }
  Slot& slot = entries_[key];
  CachedAuth& a = slot.auth;
  a.generation = next_generation_++;
  a.dsc_id = dsc_id;
  a.certificate = certificate;
  a.deliver_version = deliver_version;
  for (size_t j = 0; j < kTriplets; ++j) {
    a.rand_ac[j] = crypto::SecretArray<kRandAcLen>(r.rand_ac[j]);
    a.kc[j] = r.kc[j];
  }
  a.kpk = r.kpk;
  a.sign_kpk = r.sign_kpk;
  slot.timer = wheel_.Add(now_ms + ttl_ms_, key);
  slot.age = oldest_.insert(oldest_.end(), key);
  ++stats_.filled;
  return a.generation;
}

const CachedAuth* AcResultCache::Find(const crypto::CamId& cam, const storage::DscId& dsc_id,
                                      const crypto::Sha256Digest& certificate,
                                      uint64_t deliver_version) const {
  auto it = entries_.find(Key(cam));
  if (it == entries_.end()) {
    return nullptr;
  }
  const CachedAuth& a = it->second.auth;
  if (a.dsc_id != dsc_id || a.certificate != certificate || a.deliver_version != deliver_version) {
    return nullptr;
  }
  return &a;
}

bool AcResultCache::MarkStage2(const crypto::CamId& cam, uint64_t generation,
                               const storage::VersionField& hw, const storage::VersionField& sw,
                               uint64_t deliver_version) {
  auto it = entries_.find(Key(cam));
  if (it == entries_.end() || it->second.auth.generation != generation) {
    return false;
  }
  CachedAuth& a = it->second.auth;
  a.stage2_ok = true;
  a.hw = hw;
  a.sw = sw;
  a.deliver_version = deliver_version;
  return true;
}

bool AcResultCache::Erase(const crypto::CamId& cam) {
  auto it = entries_.find(Key(cam));
  if (it == entries_.end()) {
    return false;
  }
  Drop(it);
  ++stats_.erased;
  return true;
}

size_t AcResultCache::Expire(uint64_t now_ms) {
  fired_.clear();
  wheel_.Advance(now_ms, fired_);
  size_t n = 0;
  for (uint64_t key : fired_) {
    auto it = entries_.find(key);
    if (it == entries_.end()) {
      continue;
    }
    it->second.timer = 0;  // fired: nothing to cancel
    Drop(it);
    ++n;
  }
  stats_.expired += n;
  return n;
}

void AcResultCache::Drop(std::unordered_map<uint64_t, Slot>::iterator it) {
  wheel_.Cancel(it->second.timer);
  oldest_.erase(it->second.age);
  entries_.erase(it);  // SecretArray destructors wipe RAND_AC, Kc, KPK
}

}  // namespace rcas::control
