// Open side of the burst engine: MAC first, then decrypt (PROFILE §9.2
// receiver, §4.2: no padding oracle).

#include <openssl/crypto.h>

#include <cstring>

#include "crypto/burst.h"
#include "crypto/burst_internal.h"

namespace rcas::crypto {
namespace {

using namespace burst_internal;  // NOLINT(google-build-using-namespace): engine-private helpers

// ContentLen checks sizes and keys; returns len(E) (or len(C)).
uint32_t CheckOpenJob(OpenJob& job) {
  job.plain_len = 0;
  const bool keys_ok = job.keys != nullptr && job.keys->has_mac_key() &&
                       (!job.encrypted || job.keys->has_cipher_key());
  const bool len_ok = job.msg != nullptr && job.len >= kMsgHeaderLen + kMsgMacLen;
  const uint32_t body = len_ok ? static_cast<uint32_t>(job.len - kMsgHeaderLen - kMsgMacLen) : 0;
  if (!keys_ok) {
    job.verdict = BurstVerdict::kBadKey;
  } else if (!len_ok || (job.encrypted && (body == 0 || body % kAesBlock != 0))) {
    job.verdict = BurstVerdict::kBadLength;
  } else {
    job.verdict = BurstVerdict::kOk;
  }
  return body;
}

// VerifyMacs computes every tag into scratch, compares in constant time and
// marks mismatches kBadMac.
void VerifyMacs(MbManager& mb, std::span<OpenJob> jobs) {
  BurstScratch& s = mb.scratch();
  uint32_t n = 0;
  size_t bytes = 0;
  for (size_t i = 0; i < jobs.size(); ++i) {
    OpenJob& job = jobs[i];
    const uint32_t body = CheckOpenJob(job);
    if (job.verdict != BurstVerdict::kOk) {
      continue;
    }
    HmacJob(s.jobs[n], job.msg, kMsgHeaderLen + body, s.tags[n], *job.keys);
    s.owner[n++] = static_cast<uint16_t>(i);
    bytes += kMsgHeaderLen + body;
  }
  const bool ok = SubmitHmac(mb, n, bytes);
  for (uint32_t k = 0; k < n; ++k) {
    OpenJob& job = jobs[s.owner[k]];
    const uint8_t* tag = job.msg + job.len - kMsgMacLen;
    if (!ok) {
      job.verdict = BurstVerdict::kEngineError;
    } else if (!TagsEqual(s.tags[k], tag)) {
      job.verdict = BurstVerdict::kBadMac;
    }
  }
  // A tag computed over a forged message is a valid MAC for it: do not keep it.
  OPENSSL_cleanse(s.tags, n * kMsgMacLen);
}

// Decrypt derives the IVs of the encrypted survivors in one AES-NI batch,
// decrypts them in one CBC burst and checks PKCS#7.
void Decrypt(MbManager& mb, std::span<OpenJob> jobs) {
  BurstScratch& s = mb.scratch();
  uint32_t n = 0;
  for (size_t i = 0; i < jobs.size(); ++i) {
    OpenJob& job = jobs[i];
    if (!job.encrypted) {
      job.plain_len = job.len - kMsgHeaderLen - kMsgMacLen;
      continue;
    }
    IvInput(job.keys->iv_base(), job.msg, s.blocks[n]);
    s.enc_keys[n] = job.keys->enc_keys();
    s.owner[n++] = static_cast<uint16_t>(i);
  }
  EncryptBlocksAesni(s.enc_keys.data(), s.blocks, s.ivs, n);
  size_t bytes = 0;
  for (uint32_t k = 0; k < n; ++k) {
    OpenJob& job = jobs[s.owner[k]];
    uint8_t* body = job.msg + kMsgHeaderLen;
    const uint32_t body_len = job.len - kMsgHeaderLen - kMsgMacLen;
    CbcJob(s.jobs[k], body, body, body_len, s.ivs[k], *job.keys);
    bytes += body_len;
  }
  const bool ok = SubmitCbc(mb, n, bytes, IMB_DIR_DECRYPT);
  for (uint32_t k = 0; k < n; ++k) {
    OpenJob& job = jobs[s.owner[k]];
    const uint32_t body = job.len - kMsgHeaderLen - kMsgMacLen;
    const uint32_t pad = Pkcs7PadLen(job.msg + kMsgHeaderLen + body - kAesBlock);
    if (!ok) {
      job.verdict = BurstVerdict::kEngineError;
    } else if (pad == 0) {
      job.verdict = BurstVerdict::kBadPadding;
    } else {
      job.plain_len = body - pad;
    }
  }
  OPENSSL_cleanse(s.blocks, n * kAesBlock);
  OPENSSL_cleanse(s.ivs, n * kAesBlock);
}

size_t OpenChunk(MbManager& mb, std::span<OpenJob> jobs) {
  VerifyMacs(mb, jobs);
  const size_t authentic = PartitionOk(jobs);  // bad MACs never reach AES
  Decrypt(mb, jobs.first(authentic));
  return PartitionOk(jobs.first(authentic));
}

}  // namespace

size_t OpenBurst(MbManager& mb, std::span<OpenJob> jobs) noexcept {
  return ForEachChunk(jobs, [&mb](std::span<OpenJob> c) { return OpenChunk(mb, c); });
}

BurstVerdict Open(MbManager& mb, OpenJob& job) noexcept {
  OpenChunk(mb, {&job, 1});
  return job.verdict;
}

}  // namespace rcas::crypto
