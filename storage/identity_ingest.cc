// AcStore::IngestIdentities: bulk provisioning into cam_identity (docs/ac-store.md, "Ingest").
#include <rocksdb/db.h>
#include <rocksdb/sst_file_reader.h>

#include <algorithm>

#include "storage/ac_store.h"
#include "storage/store_impl.h"

namespace rcas::storage {
namespace {

struct KeyRange {
  std::string smallest;
  std::string largest;
};

Result<KeyRange> ReadKeyRange(const rocksdb::Options& options, const std::string& path) {
  rocksdb::SstFileReader reader(options);
  rocksdb::Status s = reader.Open(path);
  if (!s.ok()) {
    return StoreError("ingest " + path, s);
  }
  std::unique_ptr<rocksdb::Iterator> it(reader.NewIterator(rocksdb::ReadOptions()));
  KeyRange r;
  it->SeekToFirst();
  if (it->Valid()) {
    r.smallest = it->key().ToString();
    it->SeekToLast();
    r.largest = it->key().ToString();
  }
  if (!it->status().ok()) {
    return StoreError("ingest " + path, it->status());
  }
  return r;
}

// Overlap says whether any two files share part of their key range.
bool Overlap(std::vector<KeyRange> ranges) {
  std::sort(ranges.begin(), ranges.end(),
            [](const KeyRange& a, const KeyRange& b) { return a.smallest < b.smallest; });
  for (size_t i = 1; i < ranges.size(); ++i) {
    if (ranges[i].smallest <= ranges[i - 1].largest) {
      return true;
    }
  }
  return false;
}

}  // namespace

Status AcStore::IngestIdentities(const std::vector<std::string>& sst_paths) {
  if (sst_paths.empty()) {
    return OkStatus();
  }
  const rocksdb::Options options(rocksdb::DBOptions(),
                                 CfOptions(kCamIdentityCf, impl_->cache, nullptr));
  std::vector<KeyRange> ranges;
  for (const std::string& path : sst_paths) {
    Result<KeyRange> r = ReadKeyRange(options, path);
    if (!r.ok()) {
      return Error{r.error()};
    }
    ranges.push_back(std::move(*r));
  }
  rocksdb::IngestExternalFileOptions io;
  io.move_files = true;  // hard links when on the same filesystem, copies otherwise
  // Not verified again: IdentitySstWriter wrote them moments ago (block checksums still guard
  // every later read).
  io.verify_checksums_before_ingest = false;
  // Files that overlap each other go in one call each, in the caller's order: each call gets a
  // newer sequence number, so the later record of a CAM_ID wins. RocksDB 7.8 would do the same
  // within one call, but its API does not promise it (docs/ac-store.md, "Bulk provisioning").
  std::vector<std::vector<std::string>> calls;
  if (Overlap(ranges)) {
    for (const std::string& path : sst_paths) {
      calls.push_back({path});
    }
  } else {
    calls.push_back(sst_paths);
  }
  for (const std::vector<std::string>& files : calls) {
    rocksdb::Status s = impl_->db->IngestExternalFile(impl_->cf[kCamIdentityCf], files, io);
    if (!s.ok()) {
      return StoreError("ingest " + files.front() +
                            (files.size() > 1 ? " and " + std::to_string(files.size() - 1) + " more"
                                              : std::string()),
                        s);
    }
  }
  return OkStatus();
}

}  // namespace rcas::storage
