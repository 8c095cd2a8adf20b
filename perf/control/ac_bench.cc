// AC decisions per second with durable group commit, against a store of RCAS_AC_BENCH_CAMS CAMs
// (default 1M; 10M with RCAS_AC_BENCH_CAMS=10000000), built once by bulk ingest and kept in
// RCAS_AC_BENCH_DIR (default /tmp/rcas-ac-bench-<count>). Side by side in one run: group commit
// (max_batch 256) vs one fsync per decision (max_batch 1); warm vs cold block cache (store just
// reopened). Ingest rate and bytes per CAM are reported as counters of BM_AcIngest / BM_AcSize.
//   taskset -c 1 build/release/perf/control_bench --benchmark_out=ac.json
//   --benchmark_out_format=json
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "control/ac_service.h"
#include "crypto/random.h"
#include "perf/common/synthetic_cam.h"
#include "storage/ac_store.h"

namespace rcas::control {
namespace {

constexpr crypto::CassId kCass = {0, 0, 0, 1};

uint64_t FleetSize() {
  const char* v = std::getenv("RCAS_AC_BENCH_CAMS");
  return v != nullptr ? std::strtoull(v, nullptr, 10) : 1'000'000;
}

std::string BenchDir() {
  const char* v = std::getenv("RCAS_AC_BENCH_DIR");
  return v != nullptr ? v : "/tmp/rcas-ac-bench-" + std::to_string(FleetSize());
}

crypto::CamId CamAt(uint64_t i) {
  crypto::CamId id;
  StoreBe64(id.data(), 0x0100000000000000ull + i);
  return id;
}

storage::DscId DscOf(uint64_t i) {
  storage::DscId d{};
  StoreBe64(d.data() + d.size() - 8, i);
  return d;
}

// A provisioned CAM as the ingest sees it (perf/common/synthetic_cam.h).
storage::CamIdentity Identity(uint64_t i) {
  storage::CamIdentity id;
  id.dsc_id = DscOf(i);
  perf::FillCam(i, id.keys, id.certificate_der);
  return id;
}

// Ingest writes `count` CAMs into a new store at `dir`; returns CAMs per second.
double Ingest(const std::string& dir, uint64_t count) {
  std::filesystem::remove_all(dir);
  storage::StoreOptions o;
  o.path = dir;
  o.create_if_missing = true;
  auto store = storage::AcStore::Open(o).value();
  auto start = std::chrono::steady_clock::now();
  auto writer = storage::IdentitySstWriter::Create(dir + "-sst").value();
  for (uint64_t i = 0; i < count; ++i) {
    if (!writer->Add(CamAt(i), Identity(i)).ok()) {
      std::abort();
    }
  }
  auto files = writer->Finish().value();
  if (!store->IngestIdentities(files).ok()) {
    std::abort();
  }
  storage::WriteSet set;
  set.PutCass(kCass);
  (void)store->Commit(set);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::filesystem::remove_all(dir + "-sst");
  return count / s;
}

// Pair gives every CAM its KPK and a stand-in sIGN-kpk, as after its first registration: the
// storm measured is the re-registration after a power cut, not the first-ever pairing (which
// is bound by the AC root's RSA signature, see crypto_bench).
void Pair(storage::AcStore& store, uint64_t count) {
  storage::WriteSet set;
  storage::Pairing p;
  p.has_kpk = true;
  p.sign_kpk = Bytes(storage::kSignKpkLen);
  for (uint64_t i = 0; i < count; ++i) {
    crypto::RandomBytes(p.kpk.mutable_view());
    crypto::RandomBytes(p.sign_kpk);
    set.PutPairing(storage::MakeKeyPairingId(CamAt(i), DscOf(i)), p);
    if (set.count() == 10'000 || i + 1 == count) {
      if (!store.Commit(set, /*durable=*/false).ok()) {
        std::abort();
      }
      set.Clear();
    }
  }
  (void)store.Flush();
}

std::unique_ptr<storage::AcStore>& Store() {
  // Never destroyed: RocksDB's own statics may be gone at exit (every commit is already durable).
  static auto& store = *new std::unique_ptr<storage::AcStore>;
  if (!store) {
    std::string dir = BenchDir();
    if (!std::filesystem::exists(dir + "/PAIRED")) {
      Ingest(dir, FleetSize());
      storage::StoreOptions o;
      o.path = dir;
      Pair(*storage::AcStore::Open(o).value(), FleetSize());
      std::ofstream(dir + "/PAIRED") << "ok\n";
    }
    storage::StoreOptions o;
    o.path = dir;
    store = std::move(storage::AcStore::Open(o).value());
  }
  return store;
}

AcRequest Request(AcRequestKind kind, uint64_t i, uint64_t deliver) {
  AcRequest r;
  r.kind = kind;
  r.cam_id = CamAt(i);
  r.dsc_id = DscOf(i);
  r.cass_id = kCass;
  crypto::RandomBytes(r.session_id);
  r.hw = {1, 0, 0, 0};
  r.sw = {2, 0, 0, 0};
  r.deliver_version = deliver;
  return r;
}

// Storm queues `n` registrations on random CAMs at once and waits for every answer; every
// answer is a durable decision. Normal mode is stage 1 (KeyRequest) then stage 2 (CAMReg).
class Storm {
 public:
  explicit Storm(size_t max_batch) : ac_(*Store(), nullptr, Options(max_batch)) {}

  void Run(AcRequestKind kind, size_t n) {
    ++deliver_;
    const uint64_t fleet = FleetSize();
    for (size_t i = 0; i < n; ++i) {
      AcRequest r = Request(kind, rng_() % fleet, deliver_);
      if (kind == AcRequestKind::kNormalCamReg) {
        AcRequest stage1 = r;
        stage1.kind = AcRequestKind::kNormalKeyRequest;
        Submit(std::move(stage1));
      }
      Submit(std::move(r));
    }
    size_t want = n * (kind == AcRequestKind::kNormalCamReg ? 2 : 1);
    out_.clear();
    while (out_.size() < want) {
      cq_.Wait(1000);
      cq_.Poll(out_);
    }
    for (const AcResult& r : out_) {
      refused_ += r.ok ? 0 : 1;
    }
  }

  void Report(benchmark::State& state, size_t per_iteration) {
    state.SetItemsProcessed(state.iterations() * per_iteration);  // registrations
    state.counters["refused"] = static_cast<double>(refused_);
    state.counters["commits"] = static_cast<double>(ac_.counters().commits);
    state.counters["cams"] = static_cast<double>(FleetSize());
  }

 private:
  static AcOptions Options(size_t max_batch) {
    AcOptions o;
    o.max_batch = max_batch;
    o.policy.mode = AnnexCMode::kC2;  // every decision commits (C2 counts), no clone refusals
    o.policy.operator_limit = UINT32_MAX;
    return o;
  }
  void Submit(AcRequest&& r) {
    while (!ac_.Submit(std::move(r), cq_)) {
      std::this_thread::yield();
    }
  }

  AcService ac_;
  CompletionQueue cq_;
  std::mt19937_64 rng_{42};
  std::vector<AcResult> out_;
  uint64_t deliver_ = 1;
  uint64_t refused_ = 0;
};

void RunStorm(benchmark::State& state, AcRequestKind kind) {
  const size_t max_batch = static_cast<size_t>(state.range(0));
  const size_t n = max_batch == 1 ? 64 : 2048;
  Storm storm(max_batch);
  for (auto _ : state) {
    storm.Run(kind, n);
  }
  storm.Report(state, n);
}

void BM_AcNormalRegistration(benchmark::State& state) {
  RunStorm(state, AcRequestKind::kNormalCamReg);
}
void BM_AcFastRegistration(benchmark::State& state) { RunStorm(state, AcRequestKind::kFast); }
BENCHMARK(BM_AcNormalRegistration)->Arg(256)->Arg(1)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AcFastRegistration)->Arg(256)->Arg(1)->UseRealTime()->Unit(benchmark::kMillisecond);

// Cold: the store is reopened (empty block cache; index and filter blocks not loaded) before
// each measured storm. The OS page cache stays warm: this is RocksDB's cold start only.
void BM_AcFastRegistrationColdCache(benchmark::State& state) {
  const size_t n = 2048;
  std::unique_ptr<Storm> storm;
  for (auto _ : state) {
    state.PauseTiming();
    storm.reset();
    Store().reset();
    Store();
    storm = std::make_unique<Storm>(256);
    state.ResumeTiming();
    storm->Run(AcRequestKind::kFast, n);
  }
  storm->Report(state, n);
}
BENCHMARK(BM_AcFastRegistrationColdCache)
    ->Iterations(5)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

void BM_AcIngest(benchmark::State& state) {
  const uint64_t count = static_cast<uint64_t>(state.range(0));
  double rate = 0;
  for (auto _ : state) {
    rate = Ingest(BenchDir() + "-ingest", count);
  }
  std::filesystem::remove_all(BenchDir() + "-ingest");
  state.counters["cams_per_s"] = rate;
  state.SetItemsProcessed(state.iterations() * count);
}
BENCHMARK(BM_AcIngest)->Arg(200'000)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_AcSize(benchmark::State& state) {
  auto& store = Store();
  (void)store->Flush();
  storage::StoreStats s;
  for (auto _ : state) {
    s = store->Stats().value();
  }
  double cams = static_cast<double>(s.cams);
  state.counters["cams"] = cams;
  state.counters["disk_bytes_per_cam"] = (s.live_sst_bytes + s.wal_bytes) / cams;
  state.counters["memory_bytes_per_cam"] = (s.memtable_bytes + s.block_cache_bytes) / cams;
}
BENCHMARK(BM_AcSize)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace rcas::control
