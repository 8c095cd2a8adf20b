#pragma once
// Bulk provisioning of the AC store (PROFILE §2.3): a provisioning file written by `rcasctl pki
// cams` is streamed through storage::IdentitySstWriter into sorted SST files, which are ingested
// only after the reader has verified the file's end record. Used by `rcasctl ac ingest`, its
// tests and the ingest benchmark; docs/ac-cli.md.

#include <cstdint>
#include <functional>
#include <string>

#include "crypto/result.h"
#include "storage/ac_store.h"
#include "storage/cam_record.h"
#include "tools/provisioning.h"

namespace rcas::tools {

// ToCamIdentity fills `out` with what the AC keeps of a provisioning record: DSC_ID, the three
// Ki/OPc pairs and the certificate. The key file name of kCam files is the device's and is
// dropped. `out` may be reused across records (its buffers are overwritten, not reallocated).
void ToCamIdentity(const CamRecord& record, storage::CamIdentity& out);

struct IngestOptions {
  // tmp_dir is where a fresh folder for the SST files is made (and removed afterwards); empty:
  // inside the store's folder, so that the files are hard-linked into the store, not copied
  // (and folders a killed ingest left there are removed first).
  std::string tmp_dir;
  size_t records_per_file = size_t{1} << 18;  // bounds memory: one file's records are buffered
  // progress, if set, is called every kIngestProgressEvery records and once at the end with
  // the number of records read so far.
  std::function<void(uint64_t records)> progress;
};

inline constexpr uint64_t kIngestProgressEvery = 4096;

struct IngestSummary {
  uint64_t cams = 0;       // records in the file (a CAM_ID given twice counts twice)
  uint64_t sst_files = 0;  // files handed to AcStore::IngestIdentities
  double seconds = 0;      // the whole run: read, sort, write, ingest
};

// IngestProvisioningFile reads `path` (a kAc or kCam file) to its verified end and then ingests
// its identities into `store`; a corrupt, truncated or unreadable file ingests nothing and the
// error says why. Identities of CAM_IDs already in the store are replaced; their Annex C state
// and pairings are not touched (AcStore::IngestIdentities). The SST folder is removed whatever
// happens. The file is read and decoded on a second thread while the calling thread writes the
// SST files (and calls `progress`); memory is bounded by records_per_file.
Result<IngestSummary> IngestProvisioningFile(storage::AcStore& store, const std::string& path,
                                             const IngestOptions& options);

}  // namespace rcas::tools
