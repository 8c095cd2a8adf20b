// Fuzzes VerifyPkcs1Sha256Batch (crypto/rsa_verify_batch.h), the decoder of an RSA signature's
// encoded message: for arbitrary (message, signature) pairs under the test CASS key, the batch
// verdict must equal OpenSSL's, alone (the OpenSSL path) and as one lane among eight (the IFMA
// kernel). Input: 2 octets of message length, the message, then the signature. An input
// starting with 'S' signs its message first (a valid signature to mutate from).

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include "crypto/rsa_verify_batch.h"

namespace {

using namespace rcas;
using namespace rcas::crypto;

const RsaPrivateKey& Key() {
  static const RsaPrivateKey* key = [] {
    std::ifstream in(RCAS_FUZZ_DATA_DIR "/vectors/pki/cass.key.pem");
    std::stringstream ss;
    ss << in.rdbuf();
    auto parsed = RsaPrivateKey::FromPem(ss.str());
    if (!parsed.ok()) {
      std::abort();
    }
    return new RsaPrivateKey(std::move(parsed.value()));
  }();
  return *key;
}

const RsaBatchPublicKey& Pub() {
  static const auto* pub = new RsaBatchPublicKey(Key().Public());
  return *pub;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const bool sign = size > 0 && data[0] == 'S';
  ByteView in(data + (sign ? 1 : 0), size - (sign ? 1 : 0));
  if (in.size() < 2) {
    return 0;
  }
  const size_t msg_len = std::min<size_t>(LoadBe16(in.data()), in.size() - 2);
  const ByteView msg = in.subspan(2, msg_len);
  Bytes sig(in.begin() + 2 + static_cast<ptrdiff_t>(msg_len), in.end());
  if (sign) {
    sig = Key().SignPkcs1Sha256(msg);
  }
  const bool want = Pub().key().VerifyPkcs1Sha256(msg, sig);
  bool alone = !want;
  const RsaVerifyJob one{&Pub(), msg, sig, &alone};
  VerifyPkcs1Sha256Batch(std::span(&one, 1));
  // Seven valid lanes around it, so that the group takes the kernel.
  static const Bytes filler_msg(32, 0x5a);
  static const Bytes filler_sig = Key().SignPkcs1Sha256(filler_msg);
  bool lanes[8] = {};
  std::vector<RsaVerifyJob> jobs;
  for (int i = 0; i < 8; ++i) {
    jobs.push_back(i == 3 ? RsaVerifyJob{&Pub(), msg, sig, &lanes[i]}
                          : RsaVerifyJob{&Pub(), filler_msg, filler_sig, &lanes[i]});
  }
  VerifyPkcs1Sha256Batch(jobs);
  for (int i = 0; i < 8; ++i) {
    if (lanes[i] != (i == 3 ? want : true)) {
      std::abort();
    }
  }
  if (alone != want) {
    std::abort();
  }
  return 0;
}
