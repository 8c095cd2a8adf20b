// Seal side of the burst engine (PROFILE §9.2 sender, §9.4 MAC-only).

#include <openssl/crypto.h>

#include <cstring>

#include "crypto/burst.h"
#include "crypto/burst_internal.h"

namespace rcas::crypto {
namespace {

using namespace burst_internal;  // NOLINT(google-build-using-namespace): engine-private helpers

// CheckSealJob sets the verdict from sizes and keys alone; returns len(E)
// (or len(C)) for a job that can go ahead.
uint32_t CheckSealJob(SealJob& job) {
  job.sealed_len = 0;
  const size_t body = job.encrypt ? PaddedSize(job.plain_len) : job.plain_len;
  if (job.keys == nullptr || !job.keys->has_mac_key() ||
      (job.encrypt && !job.keys->has_cipher_key())) {
    job.verdict = BurstVerdict::kBadKey;
  } else if (job.msg == nullptr || job.capacity < SealedSize(job.plain_len, job.encrypt) ||
             LoadBe32(job.msg + 2) != kMsgHeaderLen + body) {
    job.verdict = BurstVerdict::kBadLength;
  } else {
    job.verdict = BurstVerdict::kOk;
    job.sealed_len = static_cast<uint32_t>(kMsgHeaderLen + body + kMsgMacLen);
  }
  return static_cast<uint32_t>(body);
}

void FailOwners(std::span<SealJob> jobs, const BurstScratch& s, uint32_t n) {
  for (uint32_t k = 0; k < n; ++k) {
    jobs[s.owner[k]].verdict = BurstVerdict::kEngineError;
    jobs[s.owner[k]].sealed_len = 0;
  }
}

size_t SealChunk(MbManager& mb, std::span<SealJob> jobs) {
  BurstScratch& s = mb.scratch();
  std::array<uint32_t, kBurstMax> body;

  // Pass 1: pad, derive every IV in one AES-NI batch (PROFILE §9.3), then
  // encrypt in place in one CBC burst.
  uint32_t n = 0;
  size_t bytes = 0;
  for (size_t i = 0; i < jobs.size(); ++i) {
    SealJob& job = jobs[i];
    body[i] = CheckSealJob(job);
    if (job.verdict != BurstVerdict::kOk || !job.encrypt) {
      continue;
    }
    uint8_t* content = job.msg + kMsgHeaderLen;
    const uint32_t pad = body[i] - job.plain_len;
    std::memset(content + job.plain_len, static_cast<int>(pad), pad);
    IvInput(job.keys->iv_base(), job.msg, s.blocks[n]);
    s.enc_keys[n] = job.keys->enc_keys();
    CbcJob(s.jobs[n], content, content, body[i], s.ivs[n], *job.keys);
    s.owner[n++] = static_cast<uint16_t>(i);
    bytes += body[i];
  }
  EncryptBlocksAesni(s.enc_keys.data(), s.blocks, s.ivs, n);
  const bool cipher_ok = SubmitCbc(mb, n, bytes, IMB_DIR_ENCRYPT);
  OPENSSL_cleanse(s.ivs, n * kAesBlock);
  if (!cipher_ok) {
    FailOwners(jobs, s, n);
  }

  // Pass 2: T = HMAC-SHA1(IK, H ‖ E), written straight behind E.
  n = 0;
  bytes = 0;
  for (size_t i = 0; i < jobs.size(); ++i) {
    SealJob& job = jobs[i];
    if (job.verdict != BurstVerdict::kOk) {
      continue;
    }
    const uint32_t covered = kMsgHeaderLen + body[i];
    HmacJob(s.jobs[n], job.msg, covered, job.msg + covered, *job.keys);
    s.owner[n++] = static_cast<uint16_t>(i);
    bytes += covered;
  }
  if (!SubmitHmac(mb, n, bytes)) {
    FailOwners(jobs, s, n);
  }
  return PartitionOk(jobs);
}

}  // namespace

size_t SealBurst(MbManager& mb, std::span<SealJob> jobs) noexcept {
  return ForEachChunk(jobs, [&mb](std::span<SealJob> c) { return SealChunk(mb, c); });
}

BurstVerdict Seal(MbManager& mb, SealJob& job) noexcept {
  SealChunk(mb, {&job, 1});
  return job.verdict;
}

}  // namespace rcas::crypto
