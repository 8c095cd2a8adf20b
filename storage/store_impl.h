#pragma once
// AcStore::Impl and WriteSet::Impl, shared by the store's source files. Internal to storage/.

#include <rocksdb/db.h>

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "crypto/secret.h"
#include "storage/ac_store.h"
#include "storage/store_schema.h"

namespace rcas::storage {

struct WriteSet::Impl {
  struct Op {
    Cf cf;
    bool erase = false;
    std::string key;
    crypto::SecretBytes value;  // Ki/OPc and KPK travel here: wiped with the set
  };
  struct PendingReport {
    crypto::CamId cam;
    uint64_t unix_ms;
    std::string value;
  };
  std::vector<Op> ops;
  std::vector<PendingReport> reports;
  std::string error;  // the first change that could not be encoded; Commit refuses the set
};

struct AcStore::Impl {
  ~Impl();  // closes the DB before the cache and the filter it uses go

  std::shared_ptr<rocksdb::Cache> cache;
  std::atomic<uint64_t> replay_clock_ms{0};
  ReplayExpiryFilter replay_filter{&replay_clock_ms};
  std::unique_ptr<rocksdb::DB> db;
  std::array<rocksdb::ColumnFamilyHandle*, kCfCount> cf{};
  std::atomic<uint64_t> report_seq{0};  // last sequence number handed out
  // EnterReplay is read-then-write; stripes by key keep two callers for one (CAM, session)
  // from both seeing "new".
  std::array<std::mutex, 64> replay_locks;
  std::string path;

  rocksdb::ColumnFamilyHandle* operator[](Cf c) const { return cf[c]; }
};

// StoreError wraps a RocksDB status with what the store was doing (never empty).
Error StoreError(std::string_view what, const rocksdb::Status& s);

// WipeString clears a buffer that held secrets (OPENSSL_cleanse) and empties it.
void WipeString(std::string& s);

}  // namespace rcas::storage
