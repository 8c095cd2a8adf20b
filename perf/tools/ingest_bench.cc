// Bulk provisioning from a provisioning file, the whole `rcasctl ac ingest` path (read, verify
// the SHA-256 end record, decode, write sorted SST files, ingest), next to the storage part alone
// (IdentitySstWriter + IngestIdentities on records already in memory) in the same run. The file
// holds RCAS_INGEST_BENCH_CAMS synthetic CAMs (default 1M, perf/common/synthetic_cam.h), made
// once with ProvisioningWriter (no RSA) and kept in /tmp.
//   taskset -c 0,1 build/release/perf/tools_bench --benchmark_out=ingest.json
//   --benchmark_out_format=json
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>

#include "crypto/bytes.h"
#include "perf/common/synthetic_cam.h"
#include "storage/ac_store.h"
#include "tools/ac_ingest.h"
#include "tools/provisioning.h"

namespace rcas::tools {
namespace {

uint64_t Count() {
  const char* v = std::getenv("RCAS_INGEST_BENCH_CAMS");
  return v != nullptr ? std::strtoull(v, nullptr, 10) : 1'000'000;
}

CamRecord Record(uint64_t i) {
  CamRecord r;
  StoreBe64(r.cam_id.data(), 0x0100000000000000ull + i);
  StoreBe64(r.dsc_id.data() + r.dsc_id.size() - 8, i);
  perf::FillCam(i, r.keys, r.certificate_der);
  return r;
}

const std::string& ProvisioningFile() {
  static const std::string path = [] {
    std::string p = "/tmp/rcas-ingest-bench-" + std::to_string(Count()) + ".ac.rcpv";
    if (!std::filesystem::exists(p)) {
      auto w = ProvisioningWriter::Create(p + ".part", ProvisioningKind::kAc).value();
      for (uint64_t i = 0; i < Count(); ++i) {
        if (!w.Append(Record(i)).ok()) {
          std::abort();
        }
      }
      if (!w.Finish().ok()) {
        std::abort();
      }
      std::filesystem::rename(p + ".part", p);
    }
    return p;
  }();
  return path;
}

std::unique_ptr<storage::AcStore> FreshStore(const std::string& dir) {
  std::filesystem::remove_all(dir);
  storage::StoreOptions o;
  o.path = dir;
  o.create_if_missing = true;
  return std::move(storage::AcStore::Open(o).value());
}

void BM_IngestProvisioningFile(benchmark::State& state) {
  const std::string& file = ProvisioningFile();
  const std::string dir = "/tmp/rcas-ingest-bench-db";
  double seconds = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto store = FreshStore(dir);
    state.ResumeTiming();
    auto summary = IngestProvisioningFile(*store, file, {});
    if (!summary.ok()) {
      state.SkipWithError(summary.error().c_str());
      return;
    }
    seconds = summary->seconds;
  }
  std::filesystem::remove_all(dir);
  state.counters["cams_per_s"] = Count() / seconds;
  state.SetItemsProcessed(state.iterations() * Count());
}
BENCHMARK(BM_IngestProvisioningFile)->Iterations(2)->UseRealTime()->Unit(benchmark::kMillisecond);

// The storage part alone, on identities already decoded in memory (a 200k slice, to keep the
// memory of the bench small): the ceiling the file path is compared with.
void BM_IngestStorageOnly(benchmark::State& state) {
  const uint64_t n = std::min<uint64_t>(Count(), 200'000);
  std::vector<storage::CamIdentity> ids(n);
  std::vector<crypto::CamId> cams(n);
  for (uint64_t i = 0; i < n; ++i) {
    CamRecord r = Record(i);
    cams[i] = r.cam_id;
    ToCamIdentity(r, ids[i]);
  }
  const std::string dir = "/tmp/rcas-ingest-bench-db";
  for (auto _ : state) {
    state.PauseTiming();
    auto store = FreshStore(dir);
    state.ResumeTiming();
    auto writer = storage::IdentitySstWriter::Create(dir + "/sst").value();
    for (uint64_t i = 0; i < n; ++i) {
      if (!writer->Add(cams[i], ids[i]).ok()) {
        std::abort();
      }
    }
    if (!store->IngestIdentities(writer->Finish().value()).ok()) {
      std::abort();
    }
  }
  std::filesystem::remove_all(dir);
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_IngestStorageOnly)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace rcas::tools
