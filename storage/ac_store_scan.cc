// AcStore scans: ForEachCam, ListReports and Stats. Each reads one snapshot.
#include <rocksdb/db.h>

#include "storage/ac_store.h"
#include "storage/store_impl.h"

namespace rcas::storage {
namespace {

// Snapshot is a RocksDB snapshot released when done, with the ReadOptions that read it.
class Snapshot {
 public:
  explicit Snapshot(rocksdb::DB& db) : db_(db), snapshot_(db.GetSnapshot()) {
    options_.snapshot = snapshot_;
  }
  ~Snapshot() { db_.ReleaseSnapshot(snapshot_); }
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;

  // Scan iterates a whole column family (total order: reports has a prefix extractor).
  std::unique_ptr<rocksdb::Iterator> Scan(rocksdb::ColumnFamilyHandle* cf) {
    rocksdb::ReadOptions ro = options_;
    ro.total_order_seek = true;
    ro.fill_cache = false;  // a full scan would evict the hot set
    return std::unique_ptr<rocksdb::Iterator>(db_.NewIterator(ro, cf));
  }

 private:
  rocksdb::DB& db_;
  const rocksdb::Snapshot* snapshot_;
  rocksdb::ReadOptions options_;
};

// CamCursor walks cam_identity in CAM_ID order with cam_state in lockstep: state() is the
// state record of the current CAM, or nullptr when it has none (VIRGIN).
class CamCursor {
 public:
  CamCursor(Snapshot& snap, rocksdb::ColumnFamilyHandle* identity,
            rocksdb::ColumnFamilyHandle* state)
      : ids_(snap.Scan(identity)), states_(snap.Scan(state)) {
    ids_->SeekToFirst();
    states_->SeekToFirst();
    Align();
  }
  bool Valid() const { return ids_->Valid(); }
  void Next() {
    ids_->Next();
    Align();
  }
  rocksdb::Slice key() const { return ids_->key(); }
  rocksdb::Slice identity() const { return ids_->value(); }
  const rocksdb::Slice* state() const { return has_state_ ? &state_ : nullptr; }
  rocksdb::Status status() const {
    return ids_->status().ok() ? states_->status() : ids_->status();
  }

 private:
  void Align() {
    has_state_ = false;
    if (!ids_->Valid()) {
      return;
    }
    while (states_->Valid() && states_->key().compare(ids_->key()) < 0) {
      states_->Next();
    }
    if (states_->Valid() && states_->key() == ids_->key()) {
      has_state_ = true;
      state_ = states_->value();
    }
  }

  std::unique_ptr<rocksdb::Iterator> ids_;
  std::unique_ptr<rocksdb::Iterator> states_;
  bool has_state_ = false;
  rocksdb::Slice state_;
};

Error Undecodable(std::string_view cf, rocksdb::Slice key, size_t size) {
  return Error{std::string(cf) + " entry " + ToHex(SliceView(key)) + ": undecodable value of " +
               std::to_string(size) + " octets"};
}

// CountKeys counts the entries of a column family, calling `check` on each value.
template <typename Check>
Result<uint64_t> CountKeys(Snapshot& snap, rocksdb::ColumnFamilyHandle* cf, std::string_view name,
                           const Check& check) {
  uint64_t n = 0;
  auto it = snap.Scan(cf);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (!check(it->key(), it->value())) {
      return Undecodable(name, it->key(), it->value().size());
    }
    ++n;
  }
  if (!it->status().ok()) {
    return StoreError("scanning " + std::string(name), it->status());
  }
  return n;
}

}  // namespace

Status AcStore::ForEachCam(const CamVisitor& fn) const {
  Snapshot snap(*impl_->db);
  CamCursor cur(snap, impl_->cf[kCamIdentityCf], impl_->cf[kCamStateCf]);
  for (; cur.Valid(); cur.Next()) {
    crypto::CamId cam{};
    CamIdentity id;
    if (!CopyTo(cam, SliceView(cur.key())) || !DecodeCamIdentity(SliceView(cur.identity()), id)) {
      return Undecodable("cam_identity", cur.key(), cur.identity().size());
    }
    std::optional<CamState> state;
    if (cur.state() != nullptr) {
      state.emplace();
      if (!DecodeCamState(SliceView(*cur.state()), *state)) {
        return Undecodable("cam_state", cur.key(), cur.state()->size());
      }
    }
    if (!fn(cam, id, state)) {
      return OkStatus();
    }
  }
  if (!cur.status().ok()) {
    return StoreError("scanning CAMs", cur.status());
  }
  return OkStatus();
}

Result<std::vector<crypto::CassId>> AcStore::ListCass() const {
  Snapshot snap(*impl_->db);
  std::vector<crypto::CassId> out;
  Result<uint64_t> n = CountKeys(snap, impl_->cf[kCassCf], "cass", [&](rocksdb::Slice k, auto) {
    crypto::CassId id{};
    if (!CopyTo(id, SliceView(k))) {
      return false;
    }
    out.push_back(id);
    return true;
  });
  if (!n.ok()) {
    return Error{n.error()};
  }
  return out;
}

Result<std::vector<Report>> AcStore::ListReports(const crypto::CamId& cam) const {
  rocksdb::ReadOptions ro;
  ro.prefix_same_as_start = true;  // the CAM_ID prefix (store_schema.cc)
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->cf[kReportsCf]));
  std::vector<Report> out;
  const rocksdb::Slice prefix = KeySlice(cam);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    Report r;
    if (!DecodeReport(it->key(), it->value(), r)) {
      return Undecodable("reports", it->key(), it->value().size());
    }
    out.push_back(std::move(r));
  }
  if (!it->status().ok()) {
    return StoreError("listing reports of CAM " + ToHex(cam), it->status());
  }
  return out;
}

Result<StoreStats> AcStore::Stats() const {
  StoreStats st;
  Snapshot snap(*impl_->db);
  {
    CamCursor cur(snap, impl_->cf[kCamIdentityCf], impl_->cf[kCamStateCf]);
    for (; cur.Valid(); cur.Next()) {
      CamState state;
      if (cur.state() != nullptr && !DecodeCamState(SliceView(*cur.state()), state)) {
        return Undecodable("cam_state", cur.key(), cur.state()->size());
      }
      ++st.cams;
      ++st.by_state[static_cast<size_t>(state.state)];
    }
    if (!cur.status().ok()) {
      return StoreError("scanning CAMs", cur.status());
    }
  }
  Result<uint64_t> kpk = CountKeys(snap, impl_->cf[kKpkCf], "kpk", [&](auto, rocksdb::Slice v) {
    Pairing p;
    if (!DecodePairing(SliceView(v), p)) {
      return false;
    }
    st.pairings_with_kpk += p.has_kpk ? 1 : 0;
    return true;
  });
  Result<uint64_t> cass =
      CountKeys(snap, impl_->cf[kCassCf], "cass", [](auto, auto) { return true; });
  Result<uint64_t> reports =
      CountKeys(snap, impl_->cf[kReportsCf], "reports", [](rocksdb::Slice k, rocksdb::Slice v) {
        Report r;
        return DecodeReport(k, v, r);
      });
  for (const auto* r : {&kpk, &cass, &reports}) {
    if (!r->ok()) {
      return Error{r->error()};
    }
  }
  st.cass = *cass;
  st.reports = *reports;

  rocksdb::DB& db = *impl_->db;
  if (!db.GetAggregatedIntProperty("rocksdb.live-sst-files-size", &st.live_sst_bytes) ||
      !db.GetAggregatedIntProperty("rocksdb.cur-size-all-mem-tables", &st.memtable_bytes)) {
    return Error{"stats: RocksDB size properties unavailable"};
  }
  st.block_cache_bytes = impl_->cache->GetUsage();
  rocksdb::VectorLogPtr wal;
  rocksdb::Status s = db.GetSortedWalFiles(wal);
  if (!s.ok()) {
    return StoreError("stats: listing WAL files", s);
  }
  for (const auto& f : wal) {
    if (f->Type() == rocksdb::kAliveLogFile) {
      st.wal_bytes += f->SizeFileBytes();
    }
  }
  return st;
}

}  // namespace rcas::storage
