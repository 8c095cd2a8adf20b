// AcStore point reads, Commit (the group commit) and Flush.
#include "storage/ac_store.h"

#include <openssl/crypto.h>
#include <rocksdb/write_batch.h>

#include "storage/store_impl.h"

namespace rcas::storage {
namespace {

// PinnedValue is a Get result whose copy (values from the memtable are copied, block-cache
// ones pinned) is wiped when done: identity and pairing values hold Ki/OPc and KPK.
class PinnedValue {
 public:
  ~PinnedValue() {
    if (!value_.IsPinned()) {
      WipeString(*value_.GetSelf());
    }
    value_.Reset();
  }
  rocksdb::PinnableSlice* get() { return &value_; }
  ByteView view() const { return SliceView(value_); }

 private:
  rocksdb::PinnableSlice value_;
};

// Lookup reads `key` of `cf`: true when found, false when absent.
Result<bool> Lookup(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* cf, rocksdb::Slice key,
                    PinnedValue& out, const std::string& what) {
  rocksdb::Status s = db.Get(rocksdb::ReadOptions(), cf, key, out.get());
  if (s.IsNotFound()) {
    return false;
  }
  if (!s.ok()) {
    return StoreError("reading " + what, s);
  }
  return true;
}

Error Undecodable(const std::string& what, size_t size) {
  return Error{what + ": undecodable value of " + std::to_string(size) + " octets"};
}

// ReadRecord reads and decodes one record: nullopt when absent, an error when unreadable.
template <typename T>
Result<std::optional<T>> ReadRecord(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* cf,
                                    rocksdb::Slice key, const std::string& what,
                                    bool (*decode)(ByteView, T&)) {
  PinnedValue v;
  Result<bool> found = Lookup(db, cf, key, v, what);
  if (!found.ok()) {
    return Error{found.error()};
  }
  if (!*found) {
    return std::optional<T>();
  }
  std::optional<T> out(std::in_place);
  if (!decode(v.view(), *out)) {
    return Undecodable(what, v.view().size());
  }
  return out;
}

}  // namespace

Result<std::optional<CamState>> AcStore::GetState(const crypto::CamId& cam) const {
  return ReadRecord<CamState>(*impl_->db, impl_->cf[kCamStateCf], KeySlice(cam),
                              "cam_state of CAM " + ToHex(cam), DecodeCamState);
}

Result<std::optional<CamIdentity>> AcStore::GetIdentity(const crypto::CamId& cam) const {
  return ReadRecord<CamIdentity>(*impl_->db, impl_->cf[kCamIdentityCf], KeySlice(cam),
                                 "cam_identity of CAM " + ToHex(cam), DecodeCamIdentity);
}

Result<std::optional<Pairing>> AcStore::GetPairing(const KeyPairingId& kpid) const {
  return ReadRecord<Pairing>(*impl_->db, impl_->cf[kKpkCf], KeySlice(kpid),
                             "kpk of KeyPairingID " + ToHex(kpid), DecodePairing);
}

Result<bool> AcStore::HasCass(const crypto::CassId& cass) const {
  PinnedValue v;
  return Lookup(*impl_->db, impl_->cf[kCassCf], KeySlice(cass), v, "cass " + ToHex(cass));
}

Result<uint64_t> AcStore::GetCounter(std::string_view name) const {
  const std::string what = "counter " + std::string(name);
  PinnedValue v;
  Result<bool> found = Lookup(*impl_->db, impl_->cf[kMetaCf], rocksdb::Slice(name), v, what);
  if (!found.ok()) {
    return Error{found.error()};
  }
  uint64_t value = 0;
  if (*found && !ParseBe64(*v.get(), value)) {
    return Undecodable(what, v.view().size());
  }
  return value;
}

Status AcStore::Commit(WriteSet& set, bool durable) {
  WriteSet::Impl& w = *set.impl_;
  if (!w.error.empty()) {
    return Error{"commit refused: " + w.error};
  }
  const size_t n = w.ops.size() + w.reports.size();
  if (n == 0) {
    return OkStatus();
  }
  rocksdb::WriteBatch batch;
  rocksdb::Status s;
  for (const WriteSet::Impl::Op& op : w.ops) {
    rocksdb::ColumnFamilyHandle* cf = impl_->cf[op.cf];
    s = op.erase ? batch.Delete(cf, op.key)
                 : batch.Put(cf, op.key,
                             rocksdb::Slice(reinterpret_cast<const char*>(op.value.data()),
                                            op.value.size()));
    if (!s.ok()) {
      break;
    }
  }
  if (s.ok() && !w.reports.empty()) {
    // Store-wide sequence numbers keep two reports of one CAM in one millisecond apart; meta
    // keeps the highest handed out (a max merge: concurrent commits may land in any order).
    const uint64_t count = w.reports.size();
    const uint64_t last = impl_->report_seq.fetch_add(count) + count;
    uint64_t seq = last - count + 1;
    for (const WriteSet::Impl::PendingReport& r : w.reports) {
      s = batch.Put(impl_->cf[kReportsCf],
                    ReportKey(r.cam, r.unix_ms, static_cast<uint32_t>(seq++)), r.value);
      if (!s.ok()) {
        break;
      }
    }
    if (s.ok()) {
      s = batch.Merge(impl_->cf[kMetaCf], rocksdb::Slice(kReportSeqKey), Be64String(last));
    }
  }
  if (s.ok()) {
    rocksdb::WriteOptions wo;
    wo.sync = durable;
    s = impl_->db->Write(wo, &batch);
  }
  // The batch's buffer holds the encoded secrets too; the memtable has its own copy now.
  OPENSSL_cleanse(const_cast<char*>(batch.Data().data()), batch.GetDataSize());
  if (!s.ok()) {
    return StoreError("commit of " + std::to_string(n) + " changes", s);
  }
  set.Clear();
  return OkStatus();
}

Status AcStore::Flush() {
  std::vector<rocksdb::ColumnFamilyHandle*> all(impl_->cf.begin(), impl_->cf.end());
  rocksdb::Status s = impl_->db->Flush(rocksdb::FlushOptions(), all);
  return s.ok() ? OkStatus() : Status(StoreError("flush", s));
}

}  // namespace rcas::storage
