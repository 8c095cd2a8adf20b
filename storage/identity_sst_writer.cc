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
  // Input in increasing CAM_ID order (what `rcasctl pki cams` writes) streams straight into
  // `stream` with no buffer and no sort; the first record out of order ends streaming.
  bool streaming = true;
  std::unique_ptr<rocksdb::SstFileWriter> stream;
  size_t streamed = 0;  // records in the open stream file
  crypto::CamId last{};
  Bytes encoded;  // reused for every record; wiped after use (it holds Ki/OPc)

  std::string NextPath() const;
  Status WriteFile();
  Status Stream(const crypto::CamId& cam, ByteView value);
  Status EndStream();
};

std::string IdentitySstWriter::Impl::NextPath() const {
  char name[32];
  std::snprintf(name, sizeof(name), "ingest-%06zu.sst", files.size() + 1);
  return (std::filesystem::path(dir) / name).string();
}

// Stream appends `value` (the encoded identity of `cam`) to the open stream file, opening one
// when needed and closing it at records_per_file so that files stay bounded.
Status IdentitySstWriter::Impl::Stream(const crypto::CamId& cam, ByteView value) {
  rocksdb::Status s;
  if (!stream) {
    stream = std::make_unique<rocksdb::SstFileWriter>(rocksdb::EnvOptions(), options);
    s = stream->Open(NextPath());
  }
  if (s.ok()) {
    s = stream->Put(KeySlice(cam),
                    rocksdb::Slice(reinterpret_cast<const char*>(value.data()), value.size()));
  }
  if (!s.ok()) {
    stream.reset();
    return StoreError("identity SST " + NextPath(), s);
  }
  last = cam;
  if (++streamed == records_per_file) {
    return EndStream();
  }
  return OkStatus();
}

Status IdentitySstWriter::Impl::EndStream() {
  if (!stream) {
    return OkStatus();
  }
  const std::string path = NextPath();
  rocksdb::Status s = stream->Finish();
  stream.reset();
  streamed = 0;
  if (!s.ok()) {
    return StoreError("identity SST " + path, s);
  }
  files.push_back(path);
  return OkStatus();
}

// WriteFile sorts the buffer by CAM_ID, keeps the last record of each CAM_ID (stable sort:
// "last" is the order of Add) and writes one SST file.
Status IdentitySstWriter::Impl::WriteFile() {
  std::stable_sort(buffer.begin(), buffer.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  const std::string path = NextPath();
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
  // Bulk files are written uncompressed: LZ4 was a third of the ingest's CPU (the writing thread
  // is the bottleneck) for ~25% of disk on real certificates; compactions that rewrite these
  // files compress them with the family's LZ4 (docs/ac-store.md).
  impl->options.compression = rocksdb::kNoCompression;
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
  Bytes& v = w.encoded;
  v.clear();
  EncodeCamIdentity(id, v);
  ++w.count;
  if (w.streaming && (w.count == 1 || w.last < cam)) {
    Status s = w.Stream(cam, v);
    OPENSSL_cleanse(v.data(), v.size());
    return s;
  }
  if (w.streaming) {  // out of order: what was streamed is one sorted file, the rest is sorted
    w.streaming = false;
    if (Status s = w.EndStream(); !s.ok()) {
      OPENSSL_cleanse(v.data(), v.size());
      return s;
    }
  }
  w.buffer.emplace_back(cam, crypto::SecretBytes(v));
  OPENSSL_cleanse(v.data(), v.size());
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
  if (Status s = w.EndStream(); !s.ok()) {
    return Error{s.error()};
  }
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
