#pragma once
// AcResultCache: the mode C1 CASS-side cache of AC results per CAM_ID (PROFILE §16.4 "mode C1",
// §16.5, §23 item 17). It keeps the AC's stage-1 material (RAND_AC, Kc, KPK, sIGN-kpk) and, once
// the AC's stage 2 committed, the versions it committed, so that a retry of the CAM (a new
// session after a failed download, say) is answered without the AC, whose clone rule would refuse
// it. Fresh IHK, NONCE_CAM and sessionID still make every session's keys new. The engine decides
// when an entry may be used (never beside another live session of the CAM, §23 item 17).
//
// Entries live until Erase (RenewConfirm(TRUE)) or ttl after they were filled, on a timing wheel
// of 1 s ticks; when `capacity` is reached the oldest goes. Keys are wiped when an entry goes
// (SecretArray). Single-threaded: owned by the engine's control thread.

#include <array>
#include <cstdint>
#include <list>
#include <unordered_map>
#include <vector>

#include "control/ac_types.h"
#include "control/timing_wheel.h"
#include "crypto/hash.h"
#include "crypto/secret.h"
#include "protocol/milenage.h"
#include "storage/cam_record.h"

namespace rcas::control {

// CachedAuth is what the cache holds for one CAM.
struct CachedAuth {
  uint64_t generation = 0;             // names this stage-1 material; never reused
  storage::DscId dsc_id{};             // KeyPairingID = CAM_ID ‖ DSC_ID: a re-paired CAM misses
  crypto::Sha256Digest certificate{};  // of the CAM certificate the AC's first check accepted
  uint64_t deliver_version = 0;        // stage 1's, then the one stage 2 committed
  std::array<crypto::SecretArray<kRandAcLen>, kTriplets> rand_ac;
  std::array<protocol::Kc, kTriplets> kc;
  crypto::SecretArray<storage::kNormalKpkLen> kpk;
  Bytes sign_kpk;  // not secret (a signature), kept with its KPK
  bool stage2_ok = false;
  storage::VersionField hw{};  // committed at stage 2
  storage::VersionField sw{};

  // Fill copies the material into a stage-1 result, as if the AC had answered it.
  void Fill(AcResult& out) const;
};

struct AcResultCacheStats {
  uint64_t filled = 0;
  uint64_t evicted = 0;  // the oldest, to make room
  uint64_t expired = 0;  // ttl reached
  uint64_t erased = 0;   // RenewConfirm(TRUE)
};

class AcResultCache {
 public:
  // capacity 0 disables the cache (Put keeps nothing).
  AcResultCache(size_t capacity, uint64_t ttl_ms, uint64_t now_ms);

  // Put keeps the successful stage-1 result `r` for r.cam_id, asked with `dsc_id`, the
  // certificate whose SHA-256 is `certificate` and `deliver_version`; any older entry of the CAM
  // is replaced and its ttl starts again. Returns the entry's generation (0: not kept).
  uint64_t Put(const AcResult& r, const storage::DscId& dsc_id,
               const crypto::Sha256Digest& certificate, uint64_t deliver_version, uint64_t now_ms);
  // Find returns the entry of `cam` if it was filled for the same pairing, certificate and
  // deliverVersion; null otherwise. Valid until the cache changes.
  const CachedAuth* Find(const crypto::CamId& cam, const storage::DscId& dsc_id,
                         const crypto::Sha256Digest& certificate, uint64_t deliver_version) const;
  // MarkStage2 records that the AC's stage 2 committed (hw, sw, deliver_version) for the
  // material of `generation`; false if the CAM's entry is gone or newer.
  bool MarkStage2(const crypto::CamId& cam, uint64_t generation, const storage::VersionField& hw,
                  const storage::VersionField& sw, uint64_t deliver_version);
  // Erase drops the CAM's entry (keys wiped); false if there was none.
  bool Erase(const crypto::CamId& cam);
  // Expire drops the entries whose ttl ended at now_ms; returns how many.
  size_t Expire(uint64_t now_ms);

  size_t size() const { return entries_.size(); }
  size_t capacity() const { return capacity_; }
  const AcResultCacheStats& stats() const { return stats_; }

 private:
  struct Slot {
    CachedAuth auth;
    TimingWheel::TimerId timer = 0;
    std::list<uint64_t>::iterator age;  // position in oldest_
  };
  void Drop(std::unordered_map<uint64_t, Slot>::iterator it);

  size_t capacity_;
  uint64_t ttl_ms_;
  uint64_t next_generation_ = 1;
  std::unordered_map<uint64_t, Slot> entries_;  // by CAM_ID as a big-endian integer
  std::list<uint64_t> oldest_;                  // fill order = expiry order (one ttl for all)
  TimingWheel wheel_;
  std::vector<uint64_t> fired_;
  AcResultCacheStats stats_;
};

}  // namespace rcas::control
