#include "crypto/mb_manager.h"

#include <intel-ipsec-mb.h>
#include <openssl/crypto.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "crypto/burst_scratch.h"

namespace rcas::crypto {
namespace {

uint64_t RequiredFlags(MbArch arch) {
  switch (arch) {
    case MbArch::kSse:
      return IMB_CPUFLAGS_SSE;
    case MbArch::kAvx:
      return IMB_CPUFLAGS_AVX;
    case MbArch::kAvx2:
      return IMB_CPUFLAGS_AVX2;
    case MbArch::kAvx512:
      return IMB_CPUFLAGS_AVX512;
    case MbArch::kAuto:
      break;
  }
  return 0;
}

const char* ArchName(uint32_t used_arch) {
  switch (used_arch) {
    case IMB_ARCH_NOAESNI:
      return "noaesni";
    case IMB_ARCH_SSE:
      return "sse";
    case IMB_ARCH_AVX:
      return "avx";
    case IMB_ARCH_AVX2:
      return "avx2";
    case IMB_ARCH_AVX512:
      return "avx512";
    default:
      return "unknown";
  }
}

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "rcas: IPsec-MB: %s\n", what);
  std::abort();
}

}  // namespace

bool MbManager::Supported(MbArch arch) {
  const uint64_t need = RequiredFlags(arch);
  return (imb_get_feature_flags() & need) == need;
}

namespace {

IMB_MGR* NewManager(MbArch arch) {
  IMB_MGR* m = alloc_mb_mgr(0);
  if (m == nullptr) {
    Die("out of memory");
  }
  switch (arch) {
    case MbArch::kSse:
      init_mb_mgr_sse(m);
      break;
    case MbArch::kAvx:
      init_mb_mgr_avx(m);
      break;
    case MbArch::kAvx2:
      init_mb_mgr_avx2(m);
      break;
    case MbArch::kAvx512:
      init_mb_mgr_avx512(m);
      break;
    case MbArch::kAuto:
      init_mb_mgr_auto(m, nullptr);
      break;
  }
  if (imb_get_errno(m) != 0) {
    Die(imb_get_strerror(imb_get_errno(m)));
  }
  return m;
}

}  // namespace

MbManager::MbManager(MbArch arch) {
  scratch_ = new (std::nothrow) BurstScratch;
  if (scratch_ == nullptr) {
    Die("out of memory");
  }
  std::memset(scratch_, 0, sizeof(BurstScratch));
  if ((imb_get_feature_flags() & IMB_FEATURE_AESNI) == 0) {
    Die("the burst engine needs AES-NI");  // IPsec-MB 1.3 (Debian) has no software AES either
  }
  const bool automatic = arch == MbArch::kAuto || !Supported(arch);
  wide_ = NewManager(automatic ? MbArch::kAuto : arch);
  narrow_ = wide_;
  const bool shani = (wide_->features & IMB_FEATURE_SHANI) != 0;
  if (automatic && shani && wide_->used_arch != IMB_ARCH_SSE) {
    narrow_ = NewManager(MbArch::kSse);
  }
  std::snprintf(name_, sizeof(name_), "%s%s", ArchName(wide_->used_arch),
                narrow_ != wide_ ? "+sse-shani" : "");
}

MbManager::~MbManager() {
  OPENSSL_cleanse(scratch_, sizeof(BurstScratch));  // derived IVs, computed tags
  delete scratch_;
  if (narrow_ != wide_) {
    free_mb_mgr(narrow_);
  }
  free_mb_mgr(wide_);
}

const MbKeySetup& KeySetup() {
  // Copied out of a manager initialised once; the library functions they point
  // to keep no state, so the temporary manager can go.
  static const MbKeySetup setup = [] {
    IMB_MGR* m = alloc_mb_mgr(0);
    if (m == nullptr) {
      Die("out of memory");
    }
    init_mb_mgr_auto(m, nullptr);
    MbKeySetup s{m->keyexp_128, m->sha1_one_block};
    free_mb_mgr(m);
    return s;
  }();
  return setup;
}

}  // namespace rcas::crypto
