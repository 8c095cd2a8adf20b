#pragma once
// The AC store's layout on RocksDB (docs/ac-store.md): column families, key encodings, the
// report value, and each column family's options. Internal to storage/.

#include <rocksdb/cache.h>
#include <rocksdb/compaction_filter.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/options.h>
#include <rocksdb/slice.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "crypto/bytes.h"
#include "storage/ac_store.h"

namespace rcas::storage {

// Cf numbers the column families; the order is AcStore::Impl's handle order, not RocksDB's.
enum Cf : size_t { kCamStateCf, kCamIdentityCf, kKpkCf, kCassCf, kReportsCf, kReplayCf, kMetaCf };
inline constexpr size_t kCfCount = 7;
inline constexpr std::array<const char*, kCfCount> kCfNames = {
    "cam_state", "cam_identity", "kpk", "cass", "reports", "replay", "meta"};

// meta keys the store itself owns; PutCounter refuses them.
inline constexpr std::string_view kSchemaVersionKey = "schema_version";
inline constexpr std::string_view kReportSeqKey = "report_seq";

template <size_t N>
rocksdb::Slice KeySlice(const std::array<uint8_t, N>& key) {
  return {reinterpret_cast<const char*>(key.data()), N};
}
inline ByteView SliceView(const rocksdb::Slice& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// reports: CAM_ID ‖ unix_ms (8) ‖ seq (4), so one CAM's reports are adjacent and in time order.
inline constexpr size_t kReportKeyLen = crypto::kCamIdLen + 8 + 4;
std::string ReportKey(const crypto::CamId& cam, uint64_t unix_ms, uint32_t seq);
// Report value: format, kind, cass_id (4), body (the rest).
std::string EncodeReport(const Report& r);
bool DecodeReport(rocksdb::Slice key, rocksdb::Slice value, Report& out);

// replay: CAM_ID ‖ sessionID, value expiry_ms (8).
std::string ReplayKey(const crypto::CamId& cam, const SessionId& session);
std::string Be64String(uint64_t v);
bool ParseBe64(rocksdb::Slice s, uint64_t& out);

// ReplayExpiryFilter drops replay entries whose expiry is at or before `clock_ms`, the latest
// now_ms the store was given: compaction then agrees with EnterReplay on what has expired,
// whatever clock the caller uses. Values it cannot read are kept (never dropped silently).
class ReplayExpiryFilter : public rocksdb::CompactionFilter {
 public:
  explicit ReplayExpiryFilter(const std::atomic<uint64_t>* clock_ms) : clock_ms_(clock_ms) {}
  bool Filter(int level, const rocksdb::Slice& key, const rocksdb::Slice& value,
              std::string* new_value, bool* value_changed) const override;
  const char* Name() const override { return "rcas.ReplayExpiry"; }

 private:
  const std::atomic<uint64_t>* clock_ms_;
};

// Max64MergeOperator keeps the largest of 8-octet big-endian operands (meta "report_seq":
// concurrent commits may land out of order, the stored value must never go back).
std::shared_ptr<rocksdb::MergeOperator> NewMax64MergeOperator();

// CfOptions is column family `cf`'s options; IngestIdentities and IdentitySstWriter rely on
// cam_identity's being the same with or without an open store. `replay_filter` may be null
// (SST writing).
rocksdb::ColumnFamilyOptions CfOptions(Cf cf, const std::shared_ptr<rocksdb::Cache>& cache,
                                       const rocksdb::CompactionFilter* replay_filter);

}  // namespace rcas::storage
