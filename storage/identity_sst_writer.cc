// IdentitySstWriter: provisioning records in any order → sorted SST files for cam_identity.
#include <openssl/crypto.h>
#include <rocksdb/sst_file_writer.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "storage/ac_store.h"
#include "storage/store_impl.h"

namespace rcas::storage {

struct IdentitySstWriter::Impl {
  std::string dir;
  size_t records_per_file = 0;
  rocksdb::Options options;  // cam_identity's, so the files ingest as if written by the store
  std::vector<std::pair<crypto::CamId, crypto::SecretBytes>> buffer;
  std::vector<std::string> files;
  uint64_t count = 0;
  bool finished = false;

  Status WriteFile();
};

// WriteFile sorts the buffer by CAM_ID, keeps the last record of each CAM_ID (stable sort:
// "last" is the order of Add) and writes one SST file.
Status IdentitySstWriter::Impl::WriteFile() {
  std::stable_sort(buffer.begin(), buffer.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  char name[32];
  std::snprintf(name, sizeof(name), "ingest-%06zu.sst", files.size() + 1);
  const std::string path = (std::filesystem::path(dir) / name).string();
  rocksdb::SstFileWriter writer(rocksdb::EnvOptions(), options);
  rocksdb::Status s = writer.Open(path);
  for (size_t i = 0; s.ok() && i < buffer.size(); ++i) {
    if (i + 1 < buffer.size() && buffer[i + 1].first == buffer[i].first) {
      continue;  // a later Add of the same CAM_ID wins
    }
    const crypto::SecretBytes& v = buffer[i].second;
    s = writer.Put(KeySlice(buffer[i].first),
                   rocksdb::Slice(reinterpret_cast<const char*>(v.data()), v.size()));
  }
  if (s.ok()) {
    s = writer.Finish();
  }
  buffer.clear();
  if (!s.ok()) {
    return StoreError("identity SST " + path, s);
  }
  files.push_back(path);
  return OkStatus();
}

IdentitySstWriter::IdentitySstWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
IdentitySstWriter::~IdentitySstWriter() = default;

Result<std::unique_ptr<IdentitySstWriter>> IdentitySstWriter::Create(const std::string& dir,
                                                                     size_t records_per_file) {
  if (records_per_file == 0) {
    return Error{"identity SST writer: records_per_file must be at least 1"};
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return Error{"identity SST writer: " + dir + ": " + ec.message()};
  }
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->records_per_file = records_per_file;
  impl->options =
      rocksdb::Options(rocksdb::DBOptions(), CfOptions(kCamIdentityCf, nullptr, nullptr));
  impl->buffer.reserve(std::min<size_t>(records_per_file, size_t{1} << 16));
  return std::unique_ptr<IdentitySstWriter>(new IdentitySstWriter(std::move(impl)));
}

Status IdentitySstWriter::Add(const crypto::CamId& cam, const CamIdentity& id) {
  Impl& w = *impl_;
  if (w.finished) {
    return Error{"identity SST writer: Add after Finish"};
  }
  if (id.certificate_der.size() > kMaxCertificateLen) {
    return Error{"identity of CAM " + ToHex(cam) + ": certificate of " +
                 std::to_string(id.certificate_der.size()) + " octets, the limit is " +
                 std::to_string(kMaxCertificateLen)};
  }
  Bytes v;
  EncodeCamIdentity(id, v);
  w.buffer.emplace_back(cam, crypto::SecretBytes(v));
  OPENSSL_cleanse(v.data(), v.size());
  ++w.count;
  if (w.buffer.size() >= w.records_per_file) {
    return w.WriteFile();
  }
  return OkStatus();
}

Result<std::vector<std::string>> IdentitySstWriter::Finish() {
  Impl& w = *impl_;
  if (w.finished) {
    return Error{"identity SST writer: Finish called twice"};
  }
  w.finished = true;
  if (!w.buffer.empty()) {
    Status s = w.WriteFile();
    if (!s.ok()) {
      return Error{s.error()};
    }
  }
  return w.files;
}

uint64_t IdentitySstWriter::count() const { return impl_->count; }

}  // namespace rcas::storage
