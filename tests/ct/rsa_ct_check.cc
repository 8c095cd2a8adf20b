// Runs the 8-lane RSA private operation (scalar model) with p, q, dP, dQ, qInv, the Montgomery
// constants derived from them and the blinding pair marked undefined for valgrind memcheck. Any
// branch or memory index that depends on them is reported ("Conditional jump or move depends on
// uninitialised value", "Use of uninitialised value of size 8") and fails the ctest.
// --canary adds one deliberate secret-dependent branch, to prove the check can see one.

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <valgrind/memcheck.h>

#include <cstdio>
#include <cstring>
#include <memory>

#include "crypto/rsa_ifma.h"
#include "crypto/rsa_ifma_batch.h"
#include "tests/crypto/rsa_ifma_peer.h"

namespace {

using rcas::crypto::IfmaRsaKey;
using rcas::crypto::IfmaRsaKeyPeer;
namespace ifma = rcas::crypto::ifma;

constexpr int kLp = 10;  // RSA-1024 keeps the valgrind run short; the code path is the same
constexpr int kBytes = 128;

bool RawPrivate(EVP_PKEY* key, const uint8_t* in, uint8_t* out) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key, nullptr);
  size_t len = kBytes;
  bool ok = ctx != nullptr && EVP_PKEY_decrypt_init(ctx) == 1 &&
            EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) == 1 &&
            EVP_PKEY_decrypt(ctx, out, &len, in, kBytes) == 1 && len == kBytes;
  EVP_PKEY_CTX_free(ctx);
  return ok;
}

// Limbs of a big-endian value, as the kernel expects them.
void ToLimbs(const uint8_t* be, uint64_t* limbs, int count) {
  for (int i = 0; i < count; ++i) {
    uint64_t v = 0;
    for (int bit = 0; bit < ifma::kLimbBits; ++bit) {
      const int at = i * ifma::kLimbBits + bit;
      if (at < kBytes * 8) {
        v |= uint64_t{(be[kBytes - 1 - at / 8] >> (at % 8)) & 1u} << bit;
      }
    }
    limbs[i] = v;
  }
}

}  // namespace

int main(int argc, char** argv) {
  const bool canary = argc > 1 && std::strcmp(argv[1], "--canary") == 0;
  constexpr int kKeys = 2;
  EVP_PKEY* pkeys[kKeys];
  std::unique_ptr<IfmaRsaKey> keys[kKeys];
  for (int i = 0; i < kKeys; ++i) {
    pkeys[i] = EVP_RSA_gen(1024);
    auto k = IfmaRsaKey::Create(pkeys[i]);
    if (pkeys[i] == nullptr || !k.ok()) {
      std::fprintf(stderr, "key setup failed\n");
      return 2;
    }
    keys[i] = std::move(k.value());
  }
  static ifma::PrivateBatch<kLp> batch;
  uint8_t in[ifma::kLanes][kBytes], expect[ifma::kLanes][kBytes];
  for (int lane = 0; lane < ifma::kLanes; ++lane) {
    for (int i = 0; i < kBytes; ++i) {
      in[lane][i] = static_cast<uint8_t>(lane * 31 + i * 7 + 1);
    }
    in[lane][0] = 0;  // below n
    if (!RawPrivate(pkeys[lane % kKeys], in[lane], expect[lane])) {
      return 2;
    }
    uint64_t c[2 * kLp];
    ToLimbs(in[lane], c, 2 * kLp);
    IfmaRsaKeyPeer::FillLane<kLp>(batch, lane, *keys[lane % kKeys], c);
  }
  // Secrets: both CRT halves (primes, their Montgomery constants, dP, dQ, qInv R) and the
  // blinding pair. n, e and the input stay defined: they are public.
  VALGRIND_MAKE_MEM_UNDEFINED(&batch.p, sizeof(batch.p));
  VALGRIND_MAKE_MEM_UNDEFINED(&batch.q, sizeof(batch.q));
  VALGRIND_MAKE_MEM_UNDEFINED(batch.a, sizeof(batch.a));
  VALGRIND_MAKE_MEM_UNDEFINED(batch.ai, sizeof(batch.ai));
  if (canary && (batch.p.exp[0] & 1) != 0) {
    batch.e[0] = batch.e[0];  // never optimised away: the branch itself is the point
    __asm__ volatile("" ::: "memory");
  }
  uint32_t ok = ifma::PrivateScalar<kLp>(batch);
  // The results are public once released.
  VALGRIND_MAKE_MEM_DEFINED(&ok, sizeof(ok));
  VALGRIND_MAKE_MEM_DEFINED(batch.out, sizeof(batch.out));
  int bad = ok == 0xff ? 0 : 1;
  for (int lane = 0; lane < ifma::kLanes; ++lane) {
    uint64_t want[2 * kLp];
    ToLimbs(expect[lane], want, 2 * kLp);
    for (int i = 0; i < 2 * kLp; ++i) {
      bad |= want[i] != batch.out[i * ifma::kLanes + lane] ? 1 : 0;
    }
  }
  for (EVP_PKEY* k : pkeys) {
    EVP_PKEY_free(k);
  }
  std::printf("rsa_ct_check: %s (%d lanes, mask %#x)\n", bad ? "WRONG RESULT" : "ok", ifma::kLanes,
              ok);
  return bad;
}
