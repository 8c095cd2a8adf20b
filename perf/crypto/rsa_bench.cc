// RSA-2048 through OpenSSL 3 (crypto/rsa.h) and the PROFILE §10.4 certificate check
// (crypto/x509.h): the per-KeyRequest costs of the control path. items_per_second = operations.
// Run pinned: taskset -c 1 build/<dir>/perf/crypto_bench --benchmark_filter='Rsa|Cert'

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <ctime>

#include "crypto/rsa.h"
#include "crypto/x509.h"
#include "crypto/x509_issue.h"

namespace rcas::crypto {
namespace {

constexpr CamId kCamId = {1, 2, 3, 4, 5, 6, 7, 8};

// Fixture: one CAM key, and an AC root with a CAM certificate for that key, made once.
struct Pki {
  Pki()
      : root_key(Must(RsaPrivateKey::Generate())),
        cam_key(Must(RsaPrivateKey::Generate())),
        root(Must(TrustAnchor::FromDer(
            Must(IssueRootCertificate(root_key, RootCertSpec("bench", "bench root", Window())))))),
        cam_cert(Must(Must(CertIssuer::Create(root, root_key))
                          .Issue(cam_key.Public(), CamCertSpec(kCamId, "bench", Window())))),
        key_pairing_id(kKeyPairingIdLen, 0x11) {
    std::copy(kCamId.begin(), kCamId.end(), key_pairing_id.begin());
  }
  template <typename T>
  static T Must(Result<T> r) {
    if (!r) {
      std::abort();
    }
    return std::move(*r);
  }
  static Validity Window() {
    auto now = static_cast<int64_t>(std::time(nullptr));
    return {now - 3600, now + 86400};
  }

  RsaPrivateKey root_key;
  RsaPrivateKey cam_key;
  TrustAnchor root;
  Bytes cam_cert;
  Bytes key_pairing_id;
};

const Pki& GetPki() {
  static const Pki* pki = new Pki();
  return *pki;
}

// A KeyRequest is ~930 octets of header ‖ content (messages.json type 0003).
Bytes Message() { return Bytes(921, 0x5a); }

void BM_RsaSign(benchmark::State& state) {
  const Pki& pki = GetPki();
  Bytes msg = Message();
  for (auto _ : state) {
    Bytes sig = pki.cam_key.SignPkcs1Sha256(msg);
    benchmark::DoNotOptimize(sig.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RsaSign);

void BM_RsaVerify(benchmark::State& state) {
  const Pki& pki = GetPki();
  Bytes msg = Message();
  Bytes sig = pki.cam_key.SignPkcs1Sha256(msg);
  RsaPublicKey pub = pki.cam_key.Public();
  for (auto _ : state) {
    bool ok = pub.VerifyPkcs1Sha256(msg, sig);
    benchmark::DoNotOptimize(ok);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RsaVerify);

void BM_RsaOaepEncrypt(benchmark::State& state) {
  const Pki& pki = GetPki();
  Bytes plain(122, 0x33);  // KeyRspConfidentialContent (PROFILE §4.3)
  RsaPublicKey pub = pki.cam_key.Public();
  for (auto _ : state) {
    auto cipher = pub.EncryptOaepSha256(plain);
    benchmark::DoNotOptimize(cipher.ok());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RsaOaepEncrypt);

void BM_RsaOaepDecrypt(benchmark::State& state) {
  const Pki& pki = GetPki();
  Bytes cipher = *pki.cam_key.Public().EncryptOaepSha256(Bytes(122, 0x33));
  for (auto _ : state) {
    auto plain = pki.cam_key.DecryptOaepSha256(cipher);
    benchmark::DoNotOptimize(plain.has_value());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RsaOaepDecrypt);

using CamChecker = CamCertResult (*)(const TrustAnchor&, ByteView, ByteView, int64_t, ByteView);

// The CASS-side check of one CAM certificate: arg 0 the fast path (CheckCamCertificate), arg 1
// the OpenSSL-only reference. The ratio is the fast path's gain (docs/x509.md).
CamChecker Checker(const benchmark::State& state) {
  return state.range(0) == 0 ? &CheckCamCertificate : &CheckCamCertificateReference;
}

void BM_CertCheckCam(benchmark::State& state) {
  const Pki& pki = GetPki();
  const auto now = static_cast<int64_t>(std::time(nullptr));
  const CamChecker check = Checker(state);
  for (auto _ : state) {
    auto r = check(pki.root, pki.cam_cert, pki.key_pairing_id, now, {});
    if (!r.ok()) {
      state.SkipWithError("certificate check failed");
      break;
    }
    benchmark::DoNotOptimize(r.id.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CertCheckCam)->ArgName("reference")->Arg(0)->Arg(1);

// The check and the first use of the subject key it returns (the OAEP encryption of a
// KeyResponse), so a key built from (n, e) is not cheaper only until it is used.
void BM_CertCheckCamThenEncrypt(benchmark::State& state) {
  const Pki& pki = GetPki();
  const auto now = static_cast<int64_t>(std::time(nullptr));
  const CamChecker check = Checker(state);
  Bytes plain(122, 0x33);
  for (auto _ : state) {
    auto r = check(pki.root, pki.cam_cert, pki.key_pairing_id, now, {});
    if (!r.ok() || !r.subject_key->EncryptOaepSha256(plain).ok()) {
      state.SkipWithError("check or encryption failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CertCheckCamThenEncrypt)->ArgName("reference")->Arg(0)->Arg(1);

}  // namespace
}  // namespace rcas::crypto
