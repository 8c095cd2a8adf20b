// One-shot (OpenSSL) seal/open of a keyed, encrypted message (PROFILE §9.2):
// the reference the IPsec-MB burst path (crypto/burst.h) is measured against.

#include <benchmark/benchmark.h>

#include "protocol/protect.h"

namespace rcas::protocol {
namespace {

const Protection& kRenewInfo = ProtectionOf(MessageType::kRenewInfo);

// A normal-mode session with every key, and one sealed RenewInfo of `size`
// content octets.
struct Fixture {
  explicit Fixture(size_t size) : content(size, 0x30), message(SealedLen(kRenewInfo, size)) {
    keys.SetMek(crypto::AesKey(std::array<uint8_t, 16>{4, 5, 6}));
    keys.SetMekIv(SecretBlock(std::array<uint8_t, 16>{7, 8, 9}));
    size_t written = 0;
    ok = Seal(kRenewInfo, 7, content, view(), message, &written) == ProtectError::kOk;
  }
  MessageKeys view() const { return {nullptr, &keys}; }

  SessionKeys keys = SessionKeys::Normal(Secret20(std::array<uint8_t, 20>{1, 2, 3}));
  Bytes content;
  Bytes message;
  bool ok = false;
};

void BM_SealKeyed(benchmark::State& state) {
  const Fixture f(static_cast<size_t>(state.range(0)));
  Bytes out(f.message.size());
  uint64_t nonce = 1;
  for (auto _ : state) {
    size_t written = 0;
    benchmark::DoNotOptimize(Seal(kRenewInfo, nonce++, f.content, f.view(), out, &written));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_SealKeyed)->Arg(64)->Arg(256)->Arg(1024);

void BM_OpenKeyed(benchmark::State& state) {
  const Fixture f(static_cast<size_t>(state.range(0)));
  Bytes plain(f.message.size());
  for (auto _ : state) {
    OpenedMessage o;
    benchmark::DoNotOptimize(Open(kRenewInfo, f.message, f.view(), plain, &o));
  }
  if (!f.ok) {
    state.SkipWithError("seal failed");
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_OpenKeyed)->Arg(64)->Arg(256)->Arg(1024);

// A bad-MAC message costs one HMAC and no AES (MAC before decrypt).
void BM_OpenBadMac(benchmark::State& state) {
  Fixture f(1024);
  f.message.back() ^= 1;
  Bytes plain(f.message.size());
  for (auto _ : state) {
    OpenedMessage o;
    benchmark::DoNotOptimize(Open(kRenewInfo, f.message, f.view(), plain, &o));
  }
}
BENCHMARK(BM_OpenBadMac);

}  // namespace
}  // namespace rcas::protocol
