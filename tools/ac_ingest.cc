#include "tools/ac_ingest.h"

#include <stdlib.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

namespace rcas::tools {
namespace {

// SstFolder is a fresh folder for one ingest's SST files, removed with its contents when the
// ingest ends. The name is random (mkdtemp) so that a --tmp shared by several runs is safe and
// nothing the user put there is ever removed.
class SstFolder {
 public:
  static Result<std::unique_ptr<SstFolder>> Make(const std::string& base) {
    std::string pattern = (std::filesystem::path(base) / "rcas-ingest-XXXXXX").string();
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
  auto folder = SstFolder::Make(options.tmp_dir.empty() ? store.path() : options.tmp_dir);
  if (!folder) {
    return Error{folder.error()};
  }
  auto writer = storage::IdentitySstWriter::Create((*folder)->path(), options.records_per_file);
  if (!writer) {
    return Error{writer.error()};
  }
  CamRecord record;
  storage::CamIdentity identity;
  for (;;) {
    Result<bool> more = reader->Next(record);
    if (!more) {
      return Error{path + ": " + more.error() + "; nothing ingested"};
    }
    if (!*more) {
      break;  // end record verified: count and SHA-256 match
    }
    ToCamIdentity(record, identity);
    if (Status s = (*writer)->Add(record.cam_id, identity); !s) {
      return Error{s.error() + "; nothing ingested"};
    }
    if (options.progress && reader->count() % kIngestProgressEvery == 0) {
      options.progress(reader->count());
    }
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
