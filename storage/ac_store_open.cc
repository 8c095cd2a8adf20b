// AcStore::Open: create or open the RocksDB directory, refuse what is not an RCAS AC store of
// this schema version (docs/ac-store.md, "Bad input").
#include <openssl/crypto.h>
#include <rocksdb/db.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "storage/ac_store.h"
#include "storage/store_impl.h"

namespace rcas::storage {
namespace {

namespace fs = std::filesystem;

rocksdb::DBOptions MakeDbOptions(const StoreOptions& options, bool creating) {
  rocksdb::DBOptions o;
  o.create_if_missing = creating;
  o.create_missing_column_families = creating;
  o.error_if_exists = creating;
  o.paranoid_checks = true;
  // Default, on purpose: a crash can tear only the WAL's tail, which held no acknowledged
  // (fsynced) write; recovery stops there instead of refusing to open (docs/ac-store.md).
  o.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  o.keep_log_file_num = 5;
  o.bytes_per_sync = 1 << 20;
  if (options.env != nullptr) {
    o.env = options.env;
  }
  return o;
}

// ForeignReason says why a database with these column families is not an AC store, or "".
std::string ForeignReason(const std::vector<std::string>& names) {
  const std::set<std::string> have(names.begin(), names.end());
  for (const char* name : kCfNames) {
    if (have.count(name) == 0) {
      return std::string("no column family ") + name;
    }
  }
  for (const std::string& name : names) {
    if (name != rocksdb::kDefaultColumnFamilyName &&
        std::find(kCfNames.begin(), kCfNames.end(), name) == kCfNames.end()) {
      return "unknown column family " + name;
    }
  }
  return "";
}

Status CheckColumnFamilies(const rocksdb::DBOptions& db_options, const std::string& path,
                           const std::string& what) {
  std::vector<std::string> names;
  rocksdb::Status s = rocksdb::DB::ListColumnFamilies(db_options, path, &names);
  if (!s.ok()) {
    return StoreError(what, s);
  }
  const std::string reason = ForeignReason(names);
  if (reason.empty()) {
    return OkStatus();
  }
  // ListColumnFamilies reads a garbage MANIFEST as "default only"; a read-only open (which
  // changes nothing on disk) tells a corrupt database from a foreign one.
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const std::string& name : names) {
    cfs.emplace_back(name, rocksdb::ColumnFamilyOptions());
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  s = rocksdb::DB::OpenForReadOnly(db_options, path, cfs, &handles, &raw);
  if (!s.ok()) {
    return StoreError(what, s);
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  for (rocksdb::ColumnFamilyHandle* h : handles) {
    db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  }
  return Error{what + ": not an RCAS AC store (" + reason + ")"};
}

Status CheckSchemaVersion(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* meta,
                          const std::string& what) {
  std::string value;
  rocksdb::Status s =
      db.Get(rocksdb::ReadOptions(), meta, rocksdb::Slice(kSchemaVersionKey), &value);
  if (s.IsNotFound()) {
    return Error{what + ": not an RCAS AC store (no schema version)"};
  }
  if (!s.ok()) {
    return StoreError(what + ": reading the schema version", s);
  }
  if (value.size() != 4) {
    return Error{what + ": not an RCAS AC store (schema version of " +
                 std::to_string(value.size()) + " octets)"};
  }
  const uint32_t version = LoadBe32(reinterpret_cast<const uint8_t*>(value.data()));
  if (version != kSchemaVersion) {
    return Error{what + ": schema version " + std::to_string(version) + ", this build reads " +
                 std::to_string(kSchemaVersion)};
  }
  return OkStatus();
}

Status WriteSchemaVersion(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* meta,
                          const std::string& what) {
  std::string value(4, '\0');
  StoreBe32(reinterpret_cast<uint8_t*>(value.data()), kSchemaVersion);
  rocksdb::WriteOptions wo;
  wo.sync = true;
  rocksdb::Status s = db.Put(wo, meta, rocksdb::Slice(kSchemaVersionKey), value);
  return s.ok() ? OkStatus() : Status(StoreError(what + ": writing the schema version", s));
}

// LoadReportSeq is the last report sequence number handed out (0 in a new store).
Result<uint64_t> LoadReportSeq(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* meta,
                               const std::string& what) {
  std::string value;
  rocksdb::Status s = db.Get(rocksdb::ReadOptions(), meta, rocksdb::Slice(kReportSeqKey), &value);
  uint64_t seq = 0;
  if (s.IsNotFound()) {
    return seq;
  }
  if (!s.ok()) {
    return StoreError(what + ": reading report_seq", s);
  }
  if (!ParseBe64(value, seq)) {
    return Error{what + ": corrupt report_seq in meta"};
  }
  return seq;
}

}  // namespace

Error StoreError(std::string_view what, const rocksdb::Status& s) {
  return Error{std::string(what) + ": " + s.ToString()};
}

void WipeString(std::string& s) {
  if (!s.empty()) {
    OPENSSL_cleanse(s.data(), s.size());
  }
  s.clear();
}

AcStore::Impl::~Impl() {
  if (db == nullptr) {
    return;
  }
  for (rocksdb::ColumnFamilyHandle* h : cf) {
    if (h != nullptr) {
      db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    }
  }
  // Close's status has nowhere to go from a destructor; every acknowledged write is already in
  // the WAL, so a failed close loses nothing acknowledged.
  db->Close().PermitUncheckedError();
}

AcStore::AcStore(std::unique_ptr<Impl> impl, std::string path)
    : impl_(std::move(impl)), path_(std::move(path)) {}

AcStore::~AcStore() = default;

Result<std::unique_ptr<AcStore>> AcStore::Open(const StoreOptions& options) {
  const std::string& path = options.path;
  const std::string what = "AC store " + path;
  if (path.empty()) {
    return Error{"AC store: no path given"};
  }
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  const bool exists = fs::exists(st);
  if (exists && !fs::is_directory(st)) {
    return Error{what + ": not a directory"};
  }
  const bool has_db = exists && fs::exists(fs::path(path) / "CURRENT", ec);
  // Without CURRENT there is no database; RocksDB would still make the directory and write
  // LOCK and LOG into it, so these cases are answered here.
  if (!has_db && !options.create_if_missing) {
    return Error{what + (exists ? ": not a RocksDB database (no CURRENT file)"
                                : ": does not exist (and create_if_missing is off)")};
  }
  const bool creating = !has_db;
  if (creating) {
    // RocksDB would make a database next to whatever is there; a non-empty directory is
    // somebody else's.
    if (exists && !fs::is_empty(path, ec)) {
      return Error{what + ": directory is not empty and holds no database; not creating one"};
    }
    fs::create_directories(path, ec);
    if (ec) {
      return Error{what + ": " + ec.message()};
    }
  }

  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  const rocksdb::DBOptions db_options = MakeDbOptions(options, creating);
  if (has_db) {
    Status cfs = CheckColumnFamilies(db_options, path, what);
    if (!cfs.ok()) {
      return Error{cfs.error()};
    }
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions());
  for (size_t i = 0; i < kCfCount; ++i) {
    descriptors.emplace_back(kCfNames[i],
                             CfOptions(static_cast<Cf>(i), impl->cache, &impl->replay_filter));
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, path, descriptors, &handles, &raw);
  if (!s.ok()) {
    return StoreError(what, s);
  }
  impl->db.reset(raw);
  // The default column family is unused; RocksDB keeps its own handle to it.
  impl->db->DestroyColumnFamilyHandle(handles[0]).PermitUncheckedError();
  std::copy(handles.begin() + 1, handles.end(), impl->cf.begin());

  rocksdb::DB& db = *impl->db;
  Status ready = creating ? WriteSchemaVersion(db, impl->cf[kMetaCf], what)
                          : CheckSchemaVersion(db, impl->cf[kMetaCf], what);
  if (!ready.ok()) {
    return Error{ready.error()};
  }
  Result<uint64_t> seq = LoadReportSeq(db, impl->cf[kMetaCf], what);
  if (!seq.ok()) {
    return Error{seq.error()};
  }
  impl->report_seq.store(*seq);
  return std::unique_ptr<AcStore>(new AcStore(std::move(impl), path));
}

}  // namespace rcas::storage
