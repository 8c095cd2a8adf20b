#pragma once
// ImageCursor: one transfer's read position in an object's encrypted form
// (PROFILE §17.1). Common objects are read straight from the registry's
// ciphertext; individual ones are encrypted chunk by chunk into the cursor's
// buffer, and the server gathers the chunks of every cursor that ran dry into
// one crypto::EncryptBurst (the batching across sessions of issue 4).

#include <cstdint>
#include <memory>

#include "control/image_registry.h"
#include "crypto/bytes.h"
#include "crypto/cbc_burst.h"

namespace rcas::dataplane {

// Not thread-safe: owned and used by the server thread.
class ImageCursor {
 public:
  // Open positions the cursor at `offset` (<= encrypted_size) of `obj`;
  // `chunk` (a multiple of 16, >= 16) is the encryption buffer's size.
  // CBC chains from the start, so an individual object read from offset > 0
  // is encrypted from octet 0 and the prefix dropped (counted by skipped()).
  void Open(std::shared_ptr<const control::ImageObject> obj, uint64_t offset, size_t chunk);
  // Close drops the object (and wipes the stream's key schedule).
  void Close();

  bool open() const { return obj_ != nullptr; }
  uint64_t offset() const { return offset_; }
  uint64_t size() const { return obj_ ? obj_->encrypted_size : 0; }
  bool at_end() const { return offset_ >= size(); }

  // Peek is what can be read now from offset(); empty at the end or when a
  // fill is needed.
  ByteView Peek() const;
  void Consume(size_t n) { offset_ += n; }

  // NeedsFill: an individual object whose buffer does not reach offset().
  bool NeedsFill() const;
  // PrepareFill gives the chunk that encrypts the next part into the buffer
  // (the last one padded with PKCS#7 in the buffer); call FillDone after it ran.
  crypto::CbcChunk PrepareFill();
  void FillDone(const crypto::CbcChunk& c);

  // skipped is the octets encrypted only to reach a start offset.
  uint64_t skipped() const { return skipped_; }

 private:
  std::shared_ptr<const control::ImageObject> obj_;
  uint64_t offset_ = 0;
  std::unique_ptr<uint8_t[]> buf_;
  size_t cap_ = 0;
  uint64_t buf_start_ = 0;  // ciphertext offset of buf_[0]
  size_t buf_len_ = 0;
  uint64_t skipped_ = 0;
  crypto::CbcStream stream_;
};

}  // namespace rcas::dataplane
