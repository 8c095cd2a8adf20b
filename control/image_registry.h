#pragma once
// ImageRegistry: the downloadable objects of the image service by file name
// (PROFILE §13.7 fn, §17.1 format). The CASS publishes, the image servers
// (dataplane/) look up; Find hands out shared_ptrs, so a transfer in progress
// keeps its object even when it is removed or replaced meanwhile.

#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "crypto/bytes.h"
#include "crypto/hash.h"
#include "crypto/result.h"
#include "crypto/secret.h"

namespace rcas::control {

inline constexpr size_t kMaxImageFnLen = 255;  // fits a TFTP RRQ and a URL line with room

enum class ImageKind : uint8_t {
  kCommon,      // encrypted once at publish, ciphertext kept (§11.8)
  kIndividual,  // encrypted per download on the fly (§17.1 ICCI; fast-mode CCCI, §22 Q3)
};

// ImageObject: one published object, immutable once published.
struct ImageObject {
  std::string fn;
  ImageKind kind = ImageKind::kCommon;
  uint64_t encrypted_size = 0;             // octets served: PaddedSize(plaintext size)
  crypto::Sha1Digest plain_sha1 = {};      // hashed-CCCI / hashed-ICCI (§13.7)
  int64_t expires_ms = 0;                  // ImageRegistry::NowMs() clock; 0 = never
  Bytes ciphertext;                        // kCommon only
  std::shared_ptr<const Bytes> plaintext;  // kIndividual only; shared between sessions
  crypto::SecretArray<16> key;             // kIndividual only
  crypto::SecretArray<16> iv;              // kIndividual only

  bool expired(int64_t now_ms) const { return expires_ms != 0 && now_ms >= expires_ms; }
};

// ValidImageFn says whether `fn` may name an object: 1..kMaxImageFnLen
// printable ASCII octets, no '\\', no leading '/', no "." or ".." segment.
// The servers map "/" + fn (HTTP) and fn (TFTP) to it unchanged.
bool ValidImageFn(std::string_view fn);

// ImageRegistry is thread-safe: publishers and any number of servers may call
// it concurrently (a shared lock for Find, an exclusive one to change).
class ImageRegistry {
 public:
  // NowMs is the clock of expires_ms (steady, milliseconds).
  static int64_t NowMs();

  // PublishCommon encrypts `plaintext` once with AES-128-CBC (key CCCIEK, IV
  // CCCIEK-IV, PKCS#7) and keeps only the ciphertext and the plaintext's SHA-1.
  // A published object of the same fn is replaced. Errors: bad fn, key or IV.
  Status PublishCommon(std::string_view fn, ByteView plaintext, ByteView key, ByteView iv,
                       int64_t expires_ms = 0);

  // PublishIndividual keeps the plaintext (shared, never copied or written to
  // disk), key and IV; servers encrypt it per download. Replaces like PublishCommon.
  Status PublishIndividual(std::string_view fn, std::shared_ptr<const Bytes> plaintext,
                           ByteView key, ByteView iv, int64_t expires_ms = 0);

  // Remove drops `fn`; false if it was not published.
  bool Remove(std::string_view fn);

  // Find returns the object, or null if unknown or expired at NowMs().
  std::shared_ptr<const ImageObject> Find(std::string_view fn) const;

  // Expire removes every object expired at `now_ms`; returns how many.
  size_t Expire(int64_t now_ms);

  size_t size() const;
  // ciphertext_bytes is the memory held by common objects' ciphertexts.
  uint64_t ciphertext_bytes() const;

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  Status Insert(std::shared_ptr<ImageObject> obj);

  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const ImageObject>, Hash, std::equal_to<>>
      objects_;
  uint64_t ciphertext_bytes_ = 0;
};

}  // namespace rcas::control
