// Multi-buffer AES-128-CBC encryption across streams (crypto/cbc_burst.h).

#include "crypto/cbc_burst.h"

#include <intel-ipsec-mb.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <cstring>

#include "crypto/burst_scratch.h"
#include "crypto/cbc_vaes.h"

namespace rcas::crypto {

Status CbcStream::Init(ByteView key, ByteView iv) {
  Wipe();
  if (key.size() != kAesKeyLen || iv.size() != kAesBlock) {
    return Error{"CbcStream: key and IV must be 16 octets"};
  }
  KeySetup().aes128_keyexp(key.data(), enc_keys_, dec_keys_);
  std::memcpy(iv_, iv.data(), kAesBlock);
  ready_ = true;
  return OkStatus();
}

void CbcStream::Wipe() {
  OPENSSL_cleanse(enc_keys_, sizeof(enc_keys_));
  OPENSSL_cleanse(dec_keys_, sizeof(dec_keys_));
  OPENSSL_cleanse(iv_, sizeof(iv_));
  ready_ = false;
}

namespace {

bool Valid(const CbcChunk& c) {
  return c.stream != nullptr && c.stream->ready() && c.in != nullptr && c.out != nullptr &&
         c.len > 0 && c.len % kAesBlock == 0;
}

}  // namespace

struct CbcBurstRun {
  static bool MultiBuffer(MbManager& mb, CbcChunk* run, uint32_t n, size_t bytes) noexcept;
  static void Vaes(MbManager& mb, CbcChunk* run, uint32_t n) noexcept;
};

// MultiBuffer encrypts the run's chunks `run[owner[k]]` in one IPsec-MB
// burst; false on an engine error (nothing marked ok).
bool CbcBurstRun::MultiBuffer(MbManager& mb, CbcChunk* run, uint32_t n, size_t bytes) noexcept {
  BurstScratch& s = mb.scratch();
  for (uint32_t k = 0; k < n; ++k) {
    CbcChunk& c = run[s.owner[k]];
    IMB_JOB& j = s.jobs[k];
    j.src = c.in;
    j.dst = c.out;
    j.cipher_start_src_offset_in_bytes = 0;
    j.msg_len_to_cipher_in_bytes = c.len;
    j.iv = c.stream->iv_;
    j.iv_len_in_bytes = kAesBlock;
    j.enc_keys = c.stream->enc_keys_;
    j.dec_keys = c.stream->dec_keys_;
    j.key_len_in_bytes = IMB_KEY_128_BYTES;
    j.cipher_mode = IMB_CIPHER_CBC;
    j.hash_alg = IMB_AUTH_NULL;
  }
  if (IMB_SUBMIT_CIPHER_BURST(mb.ForCipher(n, bytes / n), s.jobs.data(), n, IMB_CIPHER_CBC,
                              IMB_DIR_ENCRYPT, IMB_KEY_128_BYTES) != n) {
    return false;
  }
  for (uint32_t k = 0; k < n; ++k) {
    CbcChunk& c = run[s.owner[k]];
    std::memcpy(c.stream->iv_, c.out + c.len - kAesBlock, kAesBlock);
  }
  return true;
}

// Vaes encrypts the run in groups of 16 lanes, longest chunks first, so
// that a group's lanes have near-equal lengths (a group costs its longest).
void CbcBurstRun::Vaes(MbManager& mb, CbcChunk* run, uint32_t n) noexcept {
  uint16_t* owner = mb.scratch().owner.data();
  std::sort(owner, owner + n, [run](uint16_t a, uint16_t b) { return run[a].len > run[b].len; });
  VaesLane lanes[kVaesLanes];
  for (uint32_t g = 0; g < n; g += kVaesLanes) {
    const uint32_t m = std::min<uint32_t>(kVaesLanes, n - g);
    for (uint32_t k = 0; k < m; ++k) {
      CbcChunk& c = run[owner[g + k]];
      lanes[k] = {c.stream->enc_keys_, c.stream->iv_, c.in, c.out, c.len};
    }
    VaesCbcEncrypt({lanes, m});
  }
}

size_t EncryptBurst(MbManager& mb, std::span<CbcChunk> chunks, CbcEngine engine) noexcept {
  BurstScratch& s = mb.scratch();
  const bool vaes = engine == CbcEngine::kAuto && VaesCbcAvailable();
  size_t pos = 0;
  while (pos < chunks.size()) {
    // One run: chunks with no stream twice, because every lane reads its
    // stream's IV before any lane writes it back.
    uint32_t n = 0;
    size_t bytes = 0;
    size_t end = pos;
    for (; end < chunks.size() && n < kBurstMax && end - pos < UINT16_MAX; ++end) {
      CbcChunk& c = chunks[end];
      c.ok = false;
      if (!Valid(c)) {
        continue;
      }
      bool repeated = false;
      for (uint32_t k = 0; k < n && !repeated; ++k) {
        repeated = chunks[pos + s.owner[k]].stream == c.stream;
      }
      if (repeated) {
        break;
      }
      s.owner[n++] = static_cast<uint16_t>(end - pos);
      bytes += c.len;
    }
    bool done = true;
    // Below 16 chunks IPsec-MB's narrow manager was a little faster (one
    // stream: 0.94-1.04 vs 0.84-0.94 GB/s, perf/crypto/cbc_burst_bench.cc).
    if (n >= kVaesLanes && vaes) {
      CbcBurstRun::Vaes(mb, &chunks[pos], n);
    } else if (n > 0) {
      done = CbcBurstRun::MultiBuffer(mb, &chunks[pos], n, bytes);
    }
    for (uint32_t k = 0; k < n && done; ++k) {
      chunks[pos + s.owner[k]].ok = true;
    }
    pos = end;
  }
  // Survivors first, in order; rejects are rare, so rotating each one is cheap.
  size_t passed = 0;
  for (size_t i = 0; i < chunks.size(); ++i) {
    if (chunks[i].ok) {
      std::rotate(chunks.begin() + passed, chunks.begin() + i, chunks.begin() + i + 1);
      ++passed;
    }
  }
  return passed;
}

}  // namespace rcas::crypto
