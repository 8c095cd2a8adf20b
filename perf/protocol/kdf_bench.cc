// Key schedule cost (PROFILE §11, §12) and header parsing (§3).

#include <benchmark/benchmark.h>

#include "protocol/fips_prf.h"
#include "protocol/header.h"
#include "protocol/key_schedule.h"
#include "protocol/key_schedule_fast.h"

namespace rcas::protocol {
namespace {

template <size_t N>
std::array<uint8_t, N> Filled(uint8_t start) {
  std::array<uint8_t, N> a;
  for (size_t i = 0; i < N; ++i) {
    a[i] = static_cast<uint8_t>(start + i);
  }
  return a;
}

const auto kCamId = Filled<kCamIdLen>(1);
const auto kSessionId = Filled<kSessionIdLen>(0xa0);
const auto kNonceCam = Filled<kNonceCamLen>(0);
const auto kHw = Filled<kVersionLen>(0);
const auto kSw = Filled<kVersionLen>(1);
const auto kRand = Filled<kRandAcLen>(0x23);

// One CAM (or CASS with Kc from the AC): three Kc, MK, PRF -> MEK, ICCIEK, hash.
void BM_NormalModeMkToIccIek(benchmark::State& state) {
  const SecretBlock ki(Filled<16>(0x46));
  const SecretBlock opc(Filled<16>(0xcd));
  for (auto _ : state) {
    const std::array<Kc, 3> kc = {DeriveKc(ki, opc, kRand), DeriveKc(ki, opc, kRand),
                                  DeriveKc(ki, opc, kRand)};
    const Secret20 mk = DeriveMk(kCamId, kSessionId, kc, kNonceCam, kHw, kSw);
    const MekIccIek keys = DeriveMekIccIek(mk);
    benchmark::DoNotOptimize(HashMekIccIek(keys));
  }
}
BENCHMARK(BM_NormalModeMkToIccIek);

// The CASS side of CAMReg: Kc already known, MK -> MEK/ICCIEK -> hash.
void BM_NormalModeFromKc(benchmark::State& state) {
  const std::array<Kc, 3> kc = {Kc(Filled<8>(1)), Kc(Filled<8>(2)), Kc(Filled<8>(3))};
  for (auto _ : state) {
    const Secret20 mk = DeriveMk(kCamId, kSessionId, kc, kNonceCam, kHw, kSw);
    benchmark::DoNotOptimize(HashMekIccIek(DeriveMekIccIek(mk)));
  }
}
BENCHMARK(BM_NormalModeFromKc);

void BM_FastModeAllKeys(benchmark::State& state) {
  for (auto _ : state) {
    const crypto::AesKey ak = DeriveAk(DeriveAkSeed(kCamId, kSessionId, kNonceCam, kHw, kSw));
    const FastModeKeys keys = DeriveFastModeKeys(ak);
    benchmark::DoNotOptimize(keys.mek.data());
  }
}
BENCHMARK(BM_FastModeAllKeys);

void BM_FipsPrf40(benchmark::State& state) {
  const auto seed = Filled<20>(0xbd);
  std::array<uint8_t, 40> out;
  for (auto _ : state) {
    FipsPrf(seed, out);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_FipsPrf40);

void BM_ParseHeader(benchmark::State& state) {
  std::array<uint8_t, kHeaderLen> raw{};
  WriteHeader(MakeHeader(MessageType::kRenewConfirm, 32, 0x3333333333333333), raw.data());
  for (auto _ : state) {
    Header h;
    benchmark::DoNotOptimize(ParseHeader(raw, &h));
    benchmark::DoNotOptimize(h);
  }
}
BENCHMARK(BM_ParseHeader);

}  // namespace
}  // namespace rcas::protocol
