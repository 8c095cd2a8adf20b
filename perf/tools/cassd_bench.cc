// The CASS over kernel sockets on one core, side by side in one run (docs/cassd.md "Measured"):
//  - registrations/s of the real rcas-cassd (every thread pinned to CPU 0) driven from CPU 1 by
//    1024 CAMs, 64 registrations in flight (perf/tools/bench_registrations.h), after each CAM's
//    first registration (its pairing); normal mode in Annex C mode C1 (re-registrations answered
//    from the CASS's C1 cache) and C2 (both AC stages and a durable commit each time), fast mode
//    in C2, next to RSA-2048 signatures/s on CPU 0: OpenSSL one at a time and the 8-lane batch
//    the daemon's RSA worker uses;
//  - keyed LogRequest -> LogResponse round trips/s with 1, 16 and 64 sessions, and a plain UDP
//    echo on the same transport (perf/tools/bench_keyed.h).
// The benchmark pins itself; run it whole (--benchmark_filter=Cassd), repetitions 3 to 5:
//   build/release/perf/tools_bench --benchmark_filter=Cassd --benchmark_repetitions=3
//   --benchmark_out=cassd.json --benchmark_out_format=json
// RCAS_CASSD_BENCH_REGS sets the registrations per repetition (default 3000).
#include <benchmark/benchmark.h>

#include <chrono>
#include <memory>

#include "crypto/rsa.h"
#include "crypto/rsa_batch.h"
#include "perf/tools/bench_daemon.h"
#include "perf/tools/bench_keyed.h"
#include "perf/tools/bench_registrations.h"
#include "tools/cam_identity.h"

namespace rcas::perf {
namespace {

constexpr int kServerCpu = 0;
constexpr int kClientCpu = 1;
constexpr int kCams = 1024;
constexpr int kCamKeys = 8;

BenchPki& Pki() {
  static BenchPki pki(kCams, kCamKeys);
  return pki;
}

uint64_t Registrations() {
  const char* v = std::getenv("RCAS_CASSD_BENCH_REGS");
  return v != nullptr ? std::strtoull(v, nullptr, 10) : 3000;
}

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// BM_CassdRegistration: args {Annex C mode: 1 = C1 (the default), 2 = C2 with no repeat limit;
// 1 = fast mode}. Fast mode needs C2: the C1 cache serves normal mode only, so the third check
// would refuse a fast-mode re-registration as a clone (§16.4).
void BM_CassdRegistration(benchmark::State& state) {
  const bool c2 = state.range(0) == 2;
  const bool fast = state.range(1) == 1;
  BenchPki& pki = Pki();
  auto cams =
      tools::LoadCamIdentities(pki.pki() + "/cams.cam.rcpv", pki.pki() + "/ac-root.cert.pem", 0);
  Check(cams.ok(), "CAMs: " + (cams.ok() ? std::string() : cams.error()));
  BenchDaemon daemon(pki, c2 ? "annex_c = \"C2\"\noperator_limit = 1000000" : "", kServerCpu);
  PinTo(kClientCpu);
  RegistrationDriver driver(std::move(*cams), daemon.port(), fast);
  const uint64_t n = Registrations();
  driver.PreSign(kCams + n + 256);  // warm-up (first pairing of each CAM), run, slack
  driver.Run(kCams);
  const uint64_t jobs0 = daemon.StatusCount("rsa", "jobs");
  const uint64_t batches0 = daemon.StatusCount("rsa", "batches");
  double cpu = 0;
  double wall_total = 0;
  for (auto _ : state) {
    const double cpu0 = daemon.CpuSeconds();
    const auto t0 = std::chrono::steady_clock::now();
    driver.Run(n);
    const auto wall = std::chrono::steady_clock::now() - t0;
    cpu += daemon.CpuSeconds() - cpu0;
    wall_total += Seconds(wall);
    state.SetIterationTime(Seconds(wall));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
  state.counters["server_cpu"] = cpu / wall_total;  // 1.0: CPU 0 busy all the time
  // per_server_cpu_s: what one whole core would do; robust to others' work on CPU 0.
  state.counters["per_server_cpu_s"] = static_cast<double>(state.iterations() * n) / cpu;
  // rsa_per_take: the RSA jobs (signatures, and checks with verify_on_rsa_workers) a worker
  // took at once, on average; the 8-lane kernel runs for 5 or more (docs/rsa-batch.md).
  state.counters["rsa_per_take"] =
      static_cast<double>(daemon.StatusCount("rsa", "jobs") - jobs0) /
      static_cast<double>(std::max<uint64_t>(1, daemon.StatusCount("rsa", "batches") - batches0));
  state.counters["refused"] = static_cast<double>(driver.stats().refused);
  state.counters["timeouts"] = static_cast<double>(driver.stats().timeouts);
}
BENCHMARK(BM_CassdRegistration)
    ->ArgNames({"annex_c", "fast"})
    ->Args({1, 0})
    ->Args({2, 0})
    ->Args({2, 1})
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

const crypto::RsaPrivateKey& CassKey() {
  static const crypto::RsaPrivateKey key =
      crypto::RsaPrivateKey::FromPem(ReadText(Pki().cass_key())).value();
  return key;
}

// The CASS key's signature of a KeyResponse-sized message on the server's CPU.
void BM_CassdRsaSignOpenSsl(benchmark::State& state) {
  PinTo(kServerCpu);
  const Bytes msg(1200, 0x5a);
  for (auto _ : state) {
    benchmark::DoNotOptimize(CassKey().SignPkcs1Sha256(msg));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CassdRsaSignOpenSsl)->Unit(benchmark::kMicrosecond);

void BM_CassdRsaSignBatch8(benchmark::State& state) {
  PinTo(kServerCpu);
  const crypto::RsaBatchKey key(CassKey());
  const Bytes msg(1200, 0x5a);
  std::array<Bytes, 8> sigs;
  std::vector<crypto::RsaSignJob> jobs;
  jobs.reserve(sigs.size());
  for (Bytes& s : sigs) {
    jobs.push_back({&key, msg, &s});
  }
  for (auto _ : state) {
    crypto::SignPkcs1Sha256Batch(jobs);
    benchmark::DoNotOptimize(sigs);
  }
  state.SetItemsProcessed(state.iterations() * 8);
}
BENCHMARK(BM_CassdRsaSignBatch8)->Unit(benchmark::kMicrosecond);

// Round trips with `sessions` in flight, the CASS side on CPU 0 and the CAMs on CPU 1.
template <typename Sink>
void RunRoundTrips(benchmark::State& state, Sink& sink, const std::vector<KeyedSecrets>& secrets,
                   bool echo) {
  PinTo(kClientCpu);
  TransportThread server(sink, kServerCpu);
  KeyedCams cams(secrets, server.port(), echo);
  constexpr uint64_t kPerIteration = 2000;
  if (!cams.Run(kPerIteration)) {  // warm-up
    state.SkipWithError("no answer");
    return;
  }
  const double cpu0 = server.CpuSeconds();
  const auto t0 = std::chrono::steady_clock::now();
  for (auto _ : state) {
    if (!cams.Run(kPerIteration)) {
      state.SkipWithError("no answer");
      return;
    }
  }
  const double wall = Seconds(std::chrono::steady_clock::now() - t0);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kPerIteration));
  const double cpu = server.CpuSeconds() - cpu0;
  state.counters["server_cpu"] = cpu / wall;
  state.counters["per_server_cpu_s"] =
      static_cast<double>(state.iterations() * kPerIteration) / cpu;
  state.counters["sessions"] = static_cast<double>(secrets.size());
}

void BM_CassdKeyedRoundTrip(benchmark::State& state) {
  const auto secrets = KeyedSecrets::Make(static_cast<size_t>(state.range(0)));
  LogExchangeSink sink(secrets);
  RunRoundTrips(state, sink, secrets, false);
  state.counters["dropped"] = static_cast<double>(sink.dropped());
}
BENCHMARK(BM_CassdKeyedRoundTrip)->Arg(1)->Arg(16)->Arg(64)->UseRealTime();

void BM_CassdUdpEcho(benchmark::State& state) {
  const auto secrets = KeyedSecrets::Make(static_cast<size_t>(state.range(0)));
  EchoSink sink;
  RunRoundTrips(state, sink, secrets, true);
}
BENCHMARK(BM_CassdUdpEcho)->Arg(1)->Arg(16)->Arg(64)->UseRealTime();

}  // namespace
}  // namespace rcas::perf
