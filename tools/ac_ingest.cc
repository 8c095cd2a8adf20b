#include "tools/ac_ingest.h"

#include <stdlib.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

namespace rcas::tools {
namespace {

constexpr size_t kBatchRecords = 1024;
constexpr size_t kBatchesInFlight = 4;
constexpr std::string_view kFolderPrefix = "rcas-ingest-";

// SstFolder is a fresh folder for one ingest's SST files, removed with its contents when the
// ingest ends. The name is random (mkdtemp) so that a --tmp shared by several runs is safe and
// nothing the user put there is ever removed.
class SstFolder {
 public:
  static Result<std::unique_ptr<SstFolder>> Make(const std::string& base) {
    std::string pattern = (std::filesystem::path(base) / kFolderPrefix).string() + "XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      return Error{"ingest folder in " + base + ": " + std::strerror(errno)};
    }
    return std::unique_ptr<SstFolder>(new SstFolder(std::move(pattern)));
  }
  ~SstFolder() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  SstFolder(const SstFolder&) = delete;
  SstFolder& operator=(const SstFolder&) = delete;

  const std::string& path() const { return path_; }

 private:
  explicit SstFolder(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// RemoveStaleFolders removes what a killed ingest left in the store's folder. Only one process
// has the store open (RocksDB's lock), so no other ingest can be using them.
void RemoveStaleFolders(const std::string& store_dir) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(store_dir, ec)) {
    if (entry.is_directory(ec) && entry.path().filename().string().rfind(kFolderPrefix, 0) == 0) {
      std::filesystem::remove_all(entry.path(), ec);
    }
  }
}

// Batch carries decoded records from the reading thread to the writing one. Batches are
// recycled, so the identities' buffers are reused and memory stays flat.
struct Batch {
  std::array<crypto::CamId, kBatchRecords> cams{};
  std::array<storage::CamIdentity, kBatchRecords> identities;
  size_t count = 0;
};

// BatchPipe: one producer (ReadBatches), one consumer; kBatchesInFlight batches in all.
class BatchPipe {
 public:
  BatchPipe() {
    for (size_t i = 0; i < kBatchesInFlight; ++i) {
      batches_.push_back(std::make_unique<Batch>());
      free_.push_back(batches_.back().get());
    }
  }

  // Producer side. GetFree returns nullptr once the consumer cancelled.
  Batch* GetFree() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return cancelled_ || !free_.empty(); });
    if (cancelled_) {
      return nullptr;
    }
    Batch* b = free_.back();
    free_.pop_back();
    return b;
  }
  void PushFull(Batch* b) {
    std::lock_guard lock(mu_);
    full_.push_back(b);
    cv_.notify_all();
  }
  // Close ends the stream: ok once the file's end record verified, else the reader's error.
  void Close(Status end) {
    std::lock_guard lock(mu_);
    end_ = std::move(end);
    closed_ = true;
    cv_.notify_all();
  }

  // Consumer side. PopFull returns nullptr when the stream is closed and drained.
  Batch* PopFull() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return closed_ || !full_.empty(); });
    if (full_.empty()) {
      return nullptr;
    }
    Batch* b = full_.front();
    full_.pop_front();
    return b;
  }
  void Recycle(Batch* b) {
    std::lock_guard lock(mu_);
    free_.push_back(b);
    cv_.notify_all();
  }
  void Cancel() {
    std::lock_guard lock(mu_);
    cancelled_ = true;
    cv_.notify_all();
  }
  // end is the producer's verdict; valid once PopFull returned nullptr.
  Status end() {
    std::lock_guard lock(mu_);
    return end_;
  }

 private:
  std::vector<std::unique_ptr<Batch>> batches_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Batch*> free_;
  std::deque<Batch*> full_;
  bool closed_ = false;
  bool cancelled_ = false;
  Status end_ = OkStatus();
};

// ReadBatches reads the whole file into the pipe and closes it with the reader's verdict.
void ReadBatches(ProvisioningReader& reader, BatchPipe& pipe) {
  CamRecord record;
  for (;;) {
    Batch* b = pipe.GetFree();
    if (b == nullptr) {
      pipe.Close(OkStatus());  // the consumer failed and has its own error
      return;
    }
    b->count = 0;
    while (b->count < kBatchRecords) {
      Result<bool> more = reader.Next(record);
      if (!more || !*more) {
        pipe.PushFull(b);
        pipe.Close(more.ok() ? OkStatus() : Status(Error{more.error()}));
        return;
      }
      b->cams[b->count] = record.cam_id;
      ToCamIdentity(record, b->identities[b->count]);
      ++b->count;
    }
    pipe.PushFull(b);
  }
}

}  // namespace

void ToCamIdentity(const CamRecord& record, storage::CamIdentity& out) {
  out.dsc_id = record.dsc_id;
  for (size_t i = 0; i < storage::kKiOpcPairs; ++i) {
    out.keys[i].ki = record.keys[i].ki;
    out.keys[i].opc = record.keys[i].opc;
  }
  out.certificate_der.assign(record.certificate_der.begin(), record.certificate_der.end());
}

Result<IngestSummary> IngestProvisioningFile(storage::AcStore& store, const std::string& path,
                                             const IngestOptions& options) {
  static_assert(storage::kKiOpcPairs == kKiOpcPairs);
  const auto start = std::chrono::steady_clock::now();
  auto reader = ProvisioningReader::Open(path);
  if (!reader) {
    return Error{path + ": " + reader.error()};
  }
  if (options.tmp_dir.empty()) {
    RemoveStaleFolders(store.path());
  }
  auto folder = SstFolder::Make(options.tmp_dir.empty() ? store.path() : options.tmp_dir);
  if (!folder) {
    return Error{folder.error()};
  }
  auto writer = storage::IdentitySstWriter::Create((*folder)->path(), options.records_per_file);
  if (!writer) {
    return Error{writer.error()};
  }
  // Reading (SHA-256, decode) on its own thread overlaps with encoding and writing the SST
  // files on this one.
  BatchPipe pipe;
  std::thread read_thread([&reader = *reader, &pipe] { ReadBatches(reader, pipe); });
  Status written = OkStatus();
  uint64_t added = 0;
  for (Batch* b; (b = pipe.PopFull()) != nullptr; pipe.Recycle(b)) {
    for (size_t i = 0; written.ok() && i < b->count; ++i) {
      written = (*writer)->Add(b->cams[i], b->identities[i]);
      if (options.progress && ++added % kIngestProgressEvery == 0) {
        options.progress(added);
      }
    }
    if (!written.ok()) {
      pipe.Cancel();
    }
  }
  read_thread.join();
  if (!written.ok()) {
    return Error{written.error() + "; nothing ingested"};
  }
  if (Status end = pipe.end(); !end) {
    return Error{path + ": " + end.error() + "; nothing ingested"};
  }
  auto files = (*writer)->Finish();
  if (!files) {
    return Error{files.error() + "; nothing ingested"};
  }
  if (Status s = store.IngestIdentities(*files); !s) {
    return Error{s.error()};
  }
  if (options.progress) {
    options.progress(reader->count());
  }
  IngestSummary summary;
  summary.cams = reader->count();
  summary.sst_files = files->size();
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace rcas::tools
