#pragma once
// Multi-buffer AES-128-CBC encryption across independent streams on Intel
// IPsec-MB: the image service encrypts individual objects (PROFILE §17.1) and
// fast-mode "common" objects (§12.2, §22 Q3) per session, chunk by chunk, and
// one call here carries one chunk of every session that needs data. CBC is
// serial within a stream, so the speed comes from running streams side by side.

#include <cstdint>
#include <span>

#include "crypto/aes.h"
#include "crypto/bytes.h"
#include "crypto/key_context.h"
#include "crypto/mb_manager.h"
#include "crypto/result.h"

namespace rcas::crypto {

struct CbcChunk;
struct CbcBurstRun;  // crypto/cbc_burst.cc: the two engines of EncryptBurst

// CbcEngine picks EncryptBurst's code path. kAuto: the 16-lane VAES kernel
// (crypto/cbc_vaes.h) for runs of 16 or more chunks where the CPU has AVX512F
// + VAES, else IPsec-MB.
// kMultiBuffer: IPsec-MB always, the reference that the differential test and
// the benchmark hold the VAES path against.
enum class CbcEngine : uint8_t { kAuto, kMultiBuffer };

// CbcStream is one encryption stream: the expanded key and the running IV
// (the last ciphertext block so far), so that successive chunks chain as one
// CBC message. No heap; the key schedule is wiped on destruction and re-Init.
// Not thread-safe: one stream is used by one thread at a time.
class alignas(64) CbcStream {
 public:
  CbcStream() = default;
  CbcStream(const CbcStream&) = default;
  CbcStream& operator=(const CbcStream&) = default;
  ~CbcStream() { Wipe(); }

  // Init expands `key` and sets the IV; both must be 16 octets, else an error
  // and the stream is left wiped.
  Status Init(ByteView key, ByteView iv);
  void Wipe();

  bool ready() const { return ready_; }
  const uint8_t* enc_keys() const { return enc_keys_; }
  const uint8_t* iv() const { return iv_; }

 private:
  friend struct CbcBurstRun;

  alignas(16) uint8_t enc_keys_[kAesScheduleLen] = {};
  alignas(16) uint8_t dec_keys_[kAesScheduleLen] = {};  // IPsec-MB's key expansion fills both
  alignas(16) uint8_t iv_[kAesBlock] = {};
  bool ready_ = false;
};

// CbcChunk: the next `len` octets of one stream. `len` is a positive multiple
// of 16; `in` and `out` may be the same buffer (in place), never partly overlap.
struct CbcChunk {
  CbcStream* stream = nullptr;  // not owned
  const uint8_t* in = nullptr;  // not owned
  uint8_t* out = nullptr;       // not owned
  uint32_t len = 0;
  uintptr_t user = 0;  // caller's cookie; travels with the chunk
  bool ok = false;     // output: encrypted and the stream's IV advanced
};

// EncryptBurst encrypts every chunk and advances each stream's IV. Chunks of
// the same stream are encrypted in the order given (a later one goes to a
// later run of distinct streams). Returns the number encrypted; those come
// first in their original order, the rejects (bad length, stream not ready,
// engine error; ok = false, stream untouched) follow. Hot path: noexcept, no
// allocation; `mb` is the calling thread's manager (the VAES path needs only
// its scratch).
size_t EncryptBurst(MbManager& mb, std::span<CbcChunk> chunks,
                    CbcEngine engine = CbcEngine::kAuto) noexcept;

// Pkcs7Pad appends the PKCS#7 padding of `len` octets in place at buf + len
// and returns the padded length (PaddedSize(len)); `buf` must have room for it.
inline size_t Pkcs7Pad(uint8_t* buf, size_t len) {
  const size_t padded = PaddedSize(len);
  for (size_t i = len; i < padded; ++i) {
    buf[i] = static_cast<uint8_t>(padded - len);
  }
  return padded;
}

}  // namespace rcas::crypto
