#include "storage/store_schema.h"

#include <rocksdb/convenience.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>

#include <algorithm>

namespace rcas::storage {
namespace {

constexpr uint8_t kReportFormat = 1;
constexpr size_t kReportFixedLen = 1 + 1 + crypto::kCassIdLen;

void AppendRaw(std::string& out, ByteView v) {
  out.append(reinterpret_cast<const char*>(v.data()), v.size());
}

class Max64MergeOperator : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice& /*key*/, const rocksdb::Slice* existing,
             const rocksdb::Slice& value, std::string* new_value,
             rocksdb::Logger* /*logger*/) const override {
    uint64_t old = 0;
    uint64_t add = 0;
    // A malformed operand fails the merge, which RocksDB reports as Corruption on read.
    if (!ParseBe64(value, add) || (existing != nullptr && !ParseBe64(*existing, old))) {
      return false;
    }
    *new_value = Be64String(std::max(old, add));
    return true;
  }
  const char* Name() const override { return "rcas.Max64"; }
};

// LZ4 when this RocksDB build has it: cheap enough for the point-lookup path; certificates and
// reports compress, keys (random) do not.
rocksdb::CompressionType PickCompression() {
  static const rocksdb::CompressionType kType = [] {
    const auto supported = rocksdb::GetSupportedCompressions();
    const bool lz4 =
        std::find(supported.begin(), supported.end(), rocksdb::kLZ4Compression) != supported.end();
    return lz4 ? rocksdb::kLZ4Compression : rocksdb::kNoCompression;
  }();
  return kType;
}

}  // namespace

std::string ReportKey(const crypto::CamId& cam, uint64_t unix_ms, uint32_t seq) {
  std::string key(kReportKeyLen, '\0');
  auto* p = reinterpret_cast<uint8_t*>(key.data());
  std::copy(cam.begin(), cam.end(), p);
  StoreBe64(p + crypto::kCamIdLen, unix_ms);
  StoreBe32(p + crypto::kCamIdLen + 8, seq);
  return key;
}

std::string EncodeReport(const Report& r) {
  std::string out;
  out.reserve(kReportFixedLen + r.body.size());
  out.push_back(static_cast<char>(kReportFormat));
  out.push_back(static_cast<char>(r.kind));
  AppendRaw(out, r.cass_id);
  AppendRaw(out, r.body);
  return out;
}

bool DecodeReport(rocksdb::Slice key, rocksdb::Slice value, Report& out) {
  const ByteView k = SliceView(key);
  const ByteView v = SliceView(value);
  if (k.size() != kReportKeyLen || v.size() < kReportFixedLen || v[0] != kReportFormat ||
      v[1] < static_cast<uint8_t>(ReportKind::kPurchase) ||
      v[1] > static_cast<uint8_t>(ReportKind::kRenewal)) {
    return false;
  }
  out.kind = static_cast<ReportKind>(v[1]);
  out.unix_ms = LoadBe64(&k[crypto::kCamIdLen]);
  CopyTo(out.cass_id, v.subspan(2, crypto::kCassIdLen));
  out.body.assign(v.begin() + kReportFixedLen, v.end());
  return true;
}

std::string ReplayKey(const crypto::CamId& cam, const SessionId& session) {
  std::string key;
  key.reserve(cam.size() + session.size());
  AppendRaw(key, cam);
  AppendRaw(key, session);
  return key;
}

std::string Be64String(uint64_t v) {
  std::string s(8, '\0');
  StoreBe64(reinterpret_cast<uint8_t*>(s.data()), v);
  return s;
}

bool ParseBe64(rocksdb::Slice s, uint64_t& out) {
  if (s.size() != 8) {
    return false;
  }
  out = LoadBe64(reinterpret_cast<const uint8_t*>(s.data()));
  return true;
}

bool ReplayExpiryFilter::Filter(int /*level*/, const rocksdb::Slice& /*key*/,
                                const rocksdb::Slice& value, std::string* /*new_value*/,
                                bool* /*value_changed*/) const {
  // A clock of 0 means no time has been seen since open: nothing is known to have expired.
  const uint64_t now = clock_ms_->load(std::memory_order_relaxed);
  uint64_t expiry = 0;
  return now != 0 && ParseBe64(value, expiry) && expiry <= now;
}

std::shared_ptr<rocksdb::MergeOperator> NewMax64MergeOperator() {
  return std::make_shared<Max64MergeOperator>();
}

rocksdb::ColumnFamilyOptions CfOptions(Cf cf, const std::shared_ptr<rocksdb::Cache>& cache,
                                       const rocksdb::CompactionFilter* replay_filter) {
  rocksdb::ColumnFamilyOptions o;
  o.compression = PickCompression();
  o.level_compaction_dynamic_level_bytes = true;
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = cache;
  // Index and filter blocks count against the one cache budget; L0's stay pinned.
  t.cache_index_and_filter_blocks = true;
  t.pin_l0_filter_and_index_blocks_in_cache = true;
  t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10, false));
  if (cf == kReportsCf) {
    // Scanned per CAM: a prefix bloom on CAM_ID instead of whole keys.
    o.prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(crypto::kCamIdLen));
    t.whole_key_filtering = false;
  } else {
    // Point lookups (every KeyRequest reads cam_state, cam_identity and kpk; a miss is an
    // unknown CAM): whole-key bloom in SSTs and memtable, hash index inside data blocks.
    t.whole_key_filtering = true;
    t.data_block_index_type = rocksdb::BlockBasedTableOptions::kDataBlockBinaryAndHash;
    t.data_block_hash_table_util_ratio = 0.75;
    o.memtable_whole_key_filtering = true;
    o.memtable_prefix_bloom_size_ratio = 0.02;
  }
  if (cf == kReplayCf) {
    o.compaction_filter = replay_filter;
  }
  if (cf == kMetaCf) {
    o.merge_operator = NewMax64MergeOperator();
  }
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  return o;
}

}  // namespace rcas::storage
