// The replay set of (CAM_ID, sessionID) with expiry (PROFILE §6.2, §23 item 3).
#include <rocksdb/write_batch.h>

#include <functional>

#include "storage/ac_store.h"
#include "storage/store_impl.h"

namespace rcas::storage {
namespace {

// AdvanceClock moves the replay clock (what the compaction filter treats as now) forward only.
void AdvanceClock(std::atomic<uint64_t>& clock, uint64_t now_ms) {
  uint64_t seen = clock.load();
  while (seen < now_ms && !clock.compare_exchange_weak(seen, now_ms)) {
  }
}

// AllStripes holds every replay stripe lock, taken in index order, so a purge never deletes an
// entry that EnterReplay has just renewed.
class AllStripes {
 public:
  explicit AllStripes(std::array<std::mutex, 64>& locks) : locks_(locks) {
    for (std::mutex& m : locks_) {
      m.lock();
    }
  }
  ~AllStripes() {
    for (auto it = locks_.rbegin(); it != locks_.rend(); ++it) {
      it->unlock();
    }
  }
  AllStripes(const AllStripes&) = delete;
  AllStripes& operator=(const AllStripes&) = delete;

 private:
  std::array<std::mutex, 64>& locks_;
};

constexpr size_t kPurgeChunk = 1024;

}  // namespace

Result<bool> AcStore::EnterReplay(const crypto::CamId& cam, const SessionId& session,
                                  uint64_t now_ms, uint64_t ttl_ms) {
  AdvanceClock(impl_->replay_clock_ms, now_ms);
  const std::string key = ReplayKey(cam, session);
  const std::string what = "replay entry of CAM " + ToHex(cam);
  std::lock_guard lock(
      impl_->replay_locks[std::hash<std::string>()(key) % impl_->replay_locks.size()]);
  std::string value;
  rocksdb::Status s = impl_->db->Get(rocksdb::ReadOptions(), impl_->cf[kReplayCf], key, &value);
  if (s.ok()) {
    uint64_t expiry = 0;
    if (!ParseBe64(value, expiry)) {
      return Error{what + ": undecodable value of " + std::to_string(value.size()) + " octets"};
    }
    if (expiry > now_ms) {
      return false;
    }
  } else if (!s.IsNotFound()) {
    return StoreError("reading " + what, s);
  }
  const uint64_t expiry = ttl_ms > UINT64_MAX - now_ms ? UINT64_MAX : now_ms + ttl_ms;
  // WAL without fsync: the header says why losing the tail after a crash is harmless.
  s = impl_->db->Put(rocksdb::WriteOptions(), impl_->cf[kReplayCf], key, Be64String(expiry));
  if (!s.ok()) {
    return StoreError("writing " + what, s);
  }
  return true;
}

Result<uint64_t> AcStore::PurgeReplay(uint64_t now_ms) {
  AdvanceClock(impl_->replay_clock_ms, now_ms);
  rocksdb::DB& db = *impl_->db;
  rocksdb::ColumnFamilyHandle* cf = impl_->cf[kReplayCf];
  uint64_t purged = 0;
  std::string resume;  // first key not yet looked at
  for (bool more = true; more;) {
    // Candidates come from an iterator; each is re-read under the locks before it goes.
    std::vector<std::string> keys;
    {
      std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions(), cf));
      for (it->Seek(resume); it->Valid() && keys.size() < kPurgeChunk; it->Next()) {
        uint64_t expiry = 0;
        if (!ParseBe64(it->value(), expiry)) {
          return Error{"replay purge: undecodable value of " + std::to_string(it->value().size()) +
                       " octets"};
        }
        if (expiry <= now_ms) {
          keys.push_back(it->key().ToString());
        }
      }
      if (!it->status().ok()) {
        return StoreError("replay purge", it->status());
      }
      more = it->Valid();
      if (more) {
        resume = it->key().ToString();
      }
    }
    if (keys.empty()) {
      continue;
    }
    AllStripes hold(impl_->replay_locks);
    std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
    std::vector<std::string> values(keys.size());
    std::vector<rocksdb::Status> got =
        db.MultiGet(rocksdb::ReadOptions(), std::vector(keys.size(), cf), slices, &values);
    rocksdb::WriteBatch batch;
    uint64_t chunk = 0;
    for (size_t i = 0; i < keys.size(); ++i) {
      uint64_t expiry = 0;
      if (got[i].ok() && ParseBe64(values[i], expiry) && expiry <= now_ms) {
        rocksdb::Status s = batch.Delete(cf, keys[i]);
        if (!s.ok()) {
          return StoreError("replay purge", s);
        }
        ++chunk;
      } else if (!got[i].ok() && !got[i].IsNotFound()) {
        return StoreError("replay purge", got[i]);
      }
    }
    rocksdb::Status s = db.Write(rocksdb::WriteOptions(), &batch);
    if (!s.ok()) {
      return StoreError("replay purge", s);
    }
    purged += chunk;
  }
  return purged;
}

}  // namespace rcas::storage
