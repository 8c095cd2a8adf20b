#pragma once
// AcStore: the authorization centre's state on RocksDB (PROFILE §2.3, §16.3). Column families
// by access pattern (docs/ac-store.md): cam_state (small, mutable, hot), cam_identity (written at
// provisioning, read per KeyRequest), kpk (KPK + sIGN-kpk per KeyPairingID, once per pairing),
// cass (known CASS_IDs), reports (purchase reports and logs, append-only), replay ((CAM_ID,
// sessionID) with expiry) and meta (schema version, counters). Every RocksDB status becomes an
// Error here; nothing is retried or swallowed. Thread-safe: reads and commits from any thread.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/bytes.h"
#include "crypto/result.h"
#include "storage/cam_record.h"

namespace rocksdb {
class Env;
}

namespace rcas::storage {

inline constexpr uint32_t kSchemaVersion = 1;
inline constexpr size_t kSessionIdLen = 10;
using SessionId = std::array<uint8_t, kSessionIdLen>;

struct StoreOptions {
  std::string path;
  bool create_if_missing = false;  // never true for an operator's "open": a typo must not create
  size_t block_cache_bytes = size_t{256} << 20;
  rocksdb::Env* env = nullptr;  // tests: fault injection; nullptr = the default Env
};

// kRenewal: a storage::RenewalRecord (renewal_record.h), written by the CASS's campaign side.
enum class ReportKind : uint8_t { kPurchase = 1, kLog = 2, kRenewal = 3 };

struct Report {
  ReportKind kind = ReportKind::kPurchase;
  uint64_t unix_ms = 0;
  crypto::CassId cass_id{};
  Bytes body;  // purchaseInfo / logResponseInfo, opaque (PROFILE §22 Q8); kRenewal: a record
};

// WriteSet collects changes that Commit applies atomically, with one WAL write (and one fsync
// when durable) for the whole set: the AC's group commit. Values are encoded when added; a
// change that cannot be stored (certificate over kMaxCertificateLen, sIGN-kpk not 256 octets
// with a KPK, a reserved counter name) makes Commit refuse the whole set. Not thread-safe; a
// moved-from set may only be assigned to or destroyed.
class WriteSet {
 public:
  WriteSet();
  ~WriteSet();
  WriteSet(WriteSet&&) noexcept;
  WriteSet& operator=(WriteSet&&) noexcept;

  void PutState(const crypto::CamId& cam, const CamState& s);
  void PutIdentity(const crypto::CamId& cam, const CamIdentity& id);
  void PutPairing(const KeyPairingId& kpid, const Pairing& p);
  void DeletePairing(const KeyPairingId& kpid);
  void PutCass(const crypto::CassId& cass);
  void DeleteCass(const crypto::CassId& cass);
  void PutCounter(std::string_view name, uint64_t value);
  void AppendReport(const crypto::CamId& cam, const Report& r);

  size_t count() const;
  void Clear();

 private:
  friend class AcStore;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct StoreStats {
  uint64_t cams = 0;  // identities
  uint64_t by_state[3] = {0, 0, 0};  // indexed by CamStateKind; CAMs without a state are VIRGIN
  uint64_t pairings_with_kpk = 0;
  uint64_t cass = 0;
  uint64_t reports = 0;
  uint64_t live_sst_bytes = 0;
  uint64_t wal_bytes = 0;
  uint64_t memtable_bytes = 0;
  uint64_t block_cache_bytes = 0;
};

class AcStore {
 public:
  // Open checks the schema version in meta: a directory without one (foreign or not a store)
  // or with another version is refused with a message saying which.
  static Result<std::unique_ptr<AcStore>> Open(const StoreOptions& options);
  ~AcStore();

  Result<std::optional<CamState>> GetState(const crypto::CamId& cam) const;
  Result<std::optional<CamIdentity>> GetIdentity(const crypto::CamId& cam) const;
  Result<std::optional<Pairing>> GetPairing(const KeyPairingId& kpid) const;
  Result<bool> HasCass(const crypto::CassId& cass) const;
  // ListCass returns every known CASS_ID in order.
  Result<std::vector<crypto::CassId>> ListCass() const;
  Result<uint64_t> GetCounter(std::string_view name) const;  // 0 when never written

  // Commit applies `set` atomically. durable: WAL fsynced before returning (acknowledged
  // decisions must survive a crash); otherwise written to the WAL without fsync.
  Status Commit(WriteSet& set, bool durable = true);

  // EnterReplay adds (cam, session) to the replay set (PROFILE §6.2, §23 item 3). Returns true
  // if it was new or its entry had expired, false if a live entry exists. Not durable: after a
  // crash the CAMs' fresh sessionIDs and the CASS's response cache cover the gap.
  Result<bool> EnterReplay(const crypto::CamId& cam, const SessionId& session, uint64_t now_ms,
                           uint64_t ttl_ms);
  // PurgeReplay deletes entries expired at now_ms; returns how many.
  Result<uint64_t> PurgeReplay(uint64_t now_ms);

  Result<std::vector<Report>> ListReports(const crypto::CamId& cam) const;

  // ForEachCam visits every provisioned CAM in CAM_ID order; return false from `fn` to stop.
  using CamVisitor = std::function<bool(const crypto::CamId&, const CamIdentity&,
                                        const std::optional<CamState>&)>;
  Status ForEachCam(const CamVisitor& fn) const;

  Result<StoreStats> Stats() const;

  // IngestIdentities moves SST files written by IdentitySstWriter into cam_identity. Existing
  // identities of the same CAM_ID are replaced; state and KPK are never touched.
  Status IngestIdentities(const std::vector<std::string>& sst_paths);

  Status Flush();
  const std::string& path() const { return path_; }

 private:
  struct Impl;
  AcStore(std::unique_ptr<Impl> impl, std::string path);
  std::unique_ptr<Impl> impl_;
  std::string path_;
};

// IdentitySstWriter turns provisioning records (any order) into sorted SST files for
// AcStore::IngestIdentities: it buffers `records_per_file` records, sorts them and writes one
// file, so memory stays bounded for any fleet size. Files land in `dir` (created if missing).
class IdentitySstWriter {
 public:
  static Result<std::unique_ptr<IdentitySstWriter>> Create(const std::string& dir,
                                                           size_t records_per_file = 1 << 18);
  ~IdentitySstWriter();

  Status Add(const crypto::CamId& cam, const CamIdentity& id);
  // Finish writes the last file and returns every file's path, in the order to ingest.
  Result<std::vector<std::string>> Finish();
  uint64_t count() const;

 private:
  struct Impl;
  explicit IdentitySstWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rcas::storage
