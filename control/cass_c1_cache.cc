// Mode C1: the CASS-side cache of AC results per CAM_ID (PROFILE §16.4, §16.5, §23 item 17). A
// normal-mode KeyRequest whose CAM has a cached stage-1 result for the same pairing, certificate
// and deliverVersion is answered from it; its CAMReg skips the AC too once an earlier stage 2
// committed the same versions. Never while another live session of the CAM exists elsewhere: a
// concurrent second source goes to the AC, whose stage 2 refuses it (0x80).

#include "control/cass_engine.h"

namespace rcas::control {

namespace {

uint64_t CamKey(const crypto::CamId& cam) { return LoadBe64(cam.data()); }

}  // namespace

void CassEngine::TrackLive(const CassSession& s) { live_by_cam_.emplace(CamKey(s.cam_id), s.id); }

void CassEngine::UntrackLive(const CassSession& s) {
  auto [first, last] = live_by_cam_.equal_range(CamKey(s.cam_id));
  for (auto it = first; it != last; ++it) {
    if (it->second == s.id) {
      live_by_cam_.erase(it);
      return;
    }
  }
}

// RivalLive: another live session of the CAM. One from the same UDP source is the CAM's own
// earlier session, superseded by this one (the source binding moved to it, §23 item 2).
bool CassEngine::RivalLive(const CassSession& s) {
  auto [first, last] = live_by_cam_.equal_range(CamKey(s.cam_id));
  for (auto it = first; it != last; ++it) {
    const CassSession* other = it->second == s.id ? nullptr : table_.Get(it->second);
    if (other != nullptr && !other->closed() && (s.peer.tcp() || !(other->peer == s.peer))) {
      return true;
    }
  }
  return false;
}

// KeyRequestFromCache answers stage 1 from the cache (true), or marks the session to fill the
// cache with the AC's answer (false: ask the AC).
bool CassEngine::KeyRequestFromCache(CassSession& s, ByteView certificate) {
  if (c1_cache_.capacity() == 0) {
    return false;
  }
  if (RivalLive(s)) {
    counters_.Add(CassCounter::kC1CacheRival);
    return false;
  }
  s.certificate_sha256 = crypto::Sha256(certificate);
  const CachedAuth* hit =
      c1_cache_.Find(s.cam_id, s.dsc_id, s.certificate_sha256, s.deliver_version);
  if (hit == nullptr) {
    s.c1_fill = true;
    return false;
  }
  counters_.Add(CassCounter::kC1CacheHits);
  s.c1_hit = true;
  s.c1_generation = hit->generation;
  AcResult r;
  r.tag = s.id;
  r.cam_id = s.cam_id;
  hit->Fill(r);
  OnKeyMaterial(s, r);
  return true;
}

void CassEngine::RememberStage1(CassSession& s, const AcResult& r) {
  if (s.c1_fill && r.ok) {
    s.c1_generation = c1_cache_.Put(r, s.dsc_id, s.certificate_sha256, s.deliver_version, now_ms_);
  }
}

// CamRegFromCache confirms a verified CAMReg without the AC when this session's stage 1 came
// from the cache and the AC's stage 2 already committed these versions for that material.
bool CassEngine::CamRegFromCache(CassSession& s) {
  if (!s.c1_hit) {
    return false;
  }
  const CachedAuth* hit =
      c1_cache_.Find(s.cam_id, s.dsc_id, s.certificate_sha256, s.deliver_version);
  if (hit == nullptr || hit->generation != s.c1_generation || !hit->stage2_ok || hit->hw != s.hw ||
      hit->sw != s.sw) {
    return false;
  }
  if (RivalLive(s)) {
    counters_.Add(CassCounter::kC1CacheRival);
    return false;
  }
  counters_.Add(CassCounter::kC1CacheCamRegHits);
  AcResult r;
  r.tag = s.id;
  r.kind = AcRequestKind::kNormalCamReg;
  r.cam_id = s.cam_id;
  r.ok = true;
  OnCamRegAc(s, r);
  return true;
}

void CassEngine::RememberStage2(CassSession& s, const AcResult& r) {
  if (r.ok && s.c1_generation != 0) {
    c1_cache_.MarkStage2(s.cam_id, s.c1_generation, s.hw, s.sw, s.deliver_version);
  }
}

}  // namespace rcas::control
