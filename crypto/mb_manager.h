#pragma once
// MbManager: one Intel IPsec-MB manager (IMB_MGR) and the scratch arrays of
// the burst engine (crypto/burst.h). The IPsec-MB header stays out of here.

#include <cstddef>
#include <cstdint>

struct IMB_MGR;

namespace rcas::crypto {

struct BurstScratch;

// kBurstMax is the most jobs handed to IPsec-MB in one call.
inline constexpr size_t kBurstMax = 64;

// MbArch names an IPsec-MB code path. kAuto picks the widest the CPU has.
enum class MbArch : uint8_t { kAuto, kSse, kAvx, kAvx2, kAvx512 };

// MbManager owns the IMB_MGRs of one thread plus per-burst scratch. One per
// thread, not thread-safe, not copyable or movable (keep it in the worker that
// uses it). Construction allocates once and aborts if that fails; it never
// fails otherwise: an arch the CPU lacks falls back to kAuto (see name()).
// Requires AES-NI (aborts without it; every x86-64 server since 2010 has it).
//
// With kAuto it holds two managers: the widest arch (many lanes, best for
// large bursts) and, when the CPU has SHA-NI and the widest is not SSE, an SSE
// one whose HMAC-SHA1 runs on SHA-NI without waiting for lanes to fill (best
// for small bursts). ForHash/ForCipher pick per stage (docs/crypto-burst.md).
// An explicit arch uses that arch alone.
class MbManager {
 public:
  explicit MbManager(MbArch arch = MbArch::kAuto);
  ~MbManager();
  MbManager(const MbManager&) = delete;
  MbManager& operator=(const MbManager&) = delete;

  // Supported says whether this CPU can run `arch` (kAuto always can).
  static bool Supported(MbArch arch);

  // name is the arch in use: "sse", "avx", "avx2", "avx512" or "noaesni",
  // with "+sse-shani" appended when small bursts go to the SHA-NI manager.
  const char* name() const { return name_; }

  // ForHash is the manager for an HMAC-SHA1 burst of `n` messages of about
  // `avg_len` octets; ForCipher the same for AES-CBC.
  IMB_MGR* ForHash(size_t n, size_t avg_len) {
    return n >= kWideHashBurst || (n >= kWideBurstLarge && avg_len >= kLarge) ? wide_ : narrow_;
  }
  IMB_MGR* ForCipher(size_t n, size_t avg_len) {
    return n >= kWideBurstLarge && avg_len >= kLarge ? wide_ : narrow_;
  }
  BurstScratch& scratch() { return *scratch_; }

 private:
  // Crossovers measured with perf/crypto/burst_bench.cc (AVX-512 vs SHA-NI).
  static constexpr size_t kWideHashBurst = 32;
  static constexpr size_t kWideBurstLarge = 16;
  static constexpr size_t kLarge = 256;

  IMB_MGR* wide_ = nullptr;
  IMB_MGR* narrow_ = nullptr;  // == wide_ when there is no separate SHA-NI manager
  BurstScratch* scratch_ = nullptr;
  char name_[32] = {};
};

// MbKeySetup gives IPsec-MB's AES-128 key expansion and SHA-1 one-block
// functions for the best arch. They are pure functions, safe from any thread;
// KeyContext::Init uses them so the schedules match what the bursts expect.
struct MbKeySetup {
  void (*aes128_keyexp)(const void* key, void* enc_keys, void* dec_keys);
  void (*sha1_one_block)(const void* block, void* state);
};
const MbKeySetup& KeySetup();

}  // namespace rcas::crypto
