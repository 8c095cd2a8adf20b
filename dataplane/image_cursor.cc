// Per-transfer read position with on-the-fly encryption (dataplane/image_cursor.h).

#include "dataplane/image_cursor.h"

#include <algorithm>
#include <cstring>

namespace rcas::dataplane {

void ImageCursor::Open(std::shared_ptr<const control::ImageObject> obj, uint64_t offset,
                       size_t chunk) {
  obj_ = std::move(obj);
  offset_ = std::min(offset, obj_->encrypted_size);
  buf_start_ = 0;
  buf_len_ = 0;
  skipped_ = 0;
  if (obj_->kind == control::ImageKind::kIndividual) {
    if (cap_ != chunk) {
      buf_ = std::make_unique<uint8_t[]>(chunk);
      cap_ = chunk;
    }
    // Keys were checked at publish, so Init cannot fail here.
    (void)stream_.Init(obj_->key.view(), obj_->iv.view());
  }
}

void ImageCursor::Close() {
  obj_.reset();
  stream_.Wipe();
  offset_ = 0;
  buf_len_ = 0;
}

ByteView ImageCursor::Peek() const {
  if (obj_ == nullptr || at_end()) {
    return {};
  }
  if (obj_->kind == control::ImageKind::kCommon) {
    return ByteView(obj_->ciphertext).subspan(offset_);
  }
  if (offset_ < buf_start_ || offset_ >= buf_start_ + buf_len_) {
    return {};
  }
  return ByteView(buf_.get(), buf_len_).subspan(offset_ - buf_start_);
}

bool ImageCursor::NeedsFill() const {
  return obj_ != nullptr && obj_->kind == control::ImageKind::kIndividual && !at_end() &&
         offset_ >= buf_start_ + buf_len_;
}

crypto::CbcChunk ImageCursor::PrepareFill() {
  // The ciphertext of plaintext octets [pos, pos + len) is at the same offsets.
  const uint64_t pos = buf_start_ + buf_len_;
  const Bytes& plain = *obj_->plaintext;
  const uint64_t full = plain.size() / crypto::kAesBlock * crypto::kAesBlock;
  crypto::CbcChunk c{&stream_, nullptr, buf_.get(), 0};
  if (full >= pos + cap_) {
    c.in = plain.data() + pos;  // a whole chunk straight from the shared plaintext
    c.len = static_cast<uint32_t>(cap_);
  } else {
    // The last chunk: copy the rest and pad in place (fits: full - pos < cap_).
    const size_t rest = plain.size() - pos;
    if (rest != 0) {  // an empty image has no data() to copy from
      std::memcpy(buf_.get(), plain.data() + pos, rest);
    }
    c.len = static_cast<uint32_t>(crypto::Pkcs7Pad(buf_.get(), rest));
    c.in = buf_.get();
  }
  return c;
}

void ImageCursor::FillDone(const crypto::CbcChunk& c) {
  buf_start_ += buf_len_;
  buf_len_ = c.len;
  if (buf_start_ + buf_len_ <= offset_) {
    skipped_ += buf_len_;
  }
}

}  // namespace rcas::dataplane
