// The image service's object registry (control/image_registry.h).

#include "control/image_registry.h"

#include <algorithm>
#include <chrono>
#include <mutex>

#include "crypto/aes.h"

namespace rcas::control {

bool ValidImageFn(std::string_view fn) {
  if (fn.empty() || fn.size() > kMaxImageFnLen || fn.front() == '/') {
    return false;
  }
  for (char c : fn) {
    if (c <= 0x20 || c >= 0x7f || c == '\\') {
      return false;
    }
  }
  size_t start = 0;
  while (start <= fn.size()) {
    const size_t end = std::min(fn.find('/', start), fn.size());
    const std::string_view seg = fn.substr(start, end - start);
    if (seg == "." || seg == "..") {
      return false;
    }
    start = end + 1;
  }
  return true;
}

int64_t ImageRegistry::NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Status ImageRegistry::PublishCommon(std::string_view fn, ByteView plaintext, ByteView key,
                                    ByteView iv, int64_t expires_ms) {
  if (key.size() != crypto::kAesKeyLen || iv.size() != crypto::kAesBlock) {
    return Error{"image registry: CCCIEK and CCCIEK-IV must be 16 octets"};
  }
  auto obj = std::make_shared<ImageObject>();
  obj->fn = fn;
  obj->kind = ImageKind::kCommon;
  obj->ciphertext = crypto::AesCbcEncrypt(key, iv, plaintext);
  obj->encrypted_size = obj->ciphertext.size();
  obj->plain_sha1 = crypto::Sha1(plaintext);
  obj->expires_ms = expires_ms;
  return Insert(std::move(obj));
}

Status ImageRegistry::PublishIndividual(std::string_view fn, std::shared_ptr<const Bytes> plaintext,
                                        ByteView key, ByteView iv, int64_t expires_ms) {
  if (plaintext == nullptr) {
    return Error{"image registry: no plaintext"};
  }
  if (key.size() != crypto::kAesKeyLen || iv.size() != crypto::kAesBlock) {
    return Error{"image registry: ICCIEK and ICCIEK-IV must be 16 octets"};
  }
  auto obj = std::make_shared<ImageObject>();
  obj->fn = fn;
  obj->kind = ImageKind::kIndividual;
  obj->encrypted_size = crypto::PaddedSize(plaintext->size());
  obj->plain_sha1 = crypto::Sha1(*plaintext);
  obj->expires_ms = expires_ms;
  obj->plaintext = std::move(plaintext);
  obj->key = crypto::SecretArray<16>(key);
  obj->iv = crypto::SecretArray<16>(iv);
  return Insert(std::move(obj));
}

Status ImageRegistry::Insert(std::shared_ptr<ImageObject> obj) {
  if (!ValidImageFn(obj->fn)) {
    return Error{"image registry: invalid fn '" + obj->fn + "'"};
  }
  std::unique_lock lock(mu_);
  auto& slot = objects_[obj->fn];
  if (slot != nullptr) {
    ciphertext_bytes_ -= slot->ciphertext.size();
  }
  ciphertext_bytes_ += obj->ciphertext.size();
  slot = std::move(obj);
  return OkStatus();
}

bool ImageRegistry::Remove(std::string_view fn) {
  std::unique_lock lock(mu_);
  auto it = objects_.find(fn);
  if (it == objects_.end()) {
    return false;
  }
  ciphertext_bytes_ -= it->second->ciphertext.size();
  objects_.erase(it);
  return true;
}

std::shared_ptr<const ImageObject> ImageRegistry::Find(std::string_view fn) const {
  std::shared_ptr<const ImageObject> obj;
  {
    std::shared_lock lock(mu_);
    auto it = objects_.find(fn);
    if (it == objects_.end()) {
      return nullptr;
    }
    obj = it->second;
  }
  return obj->expired(NowMs()) ? nullptr : obj;
}

size_t ImageRegistry::Expire(int64_t now_ms) {
  std::unique_lock lock(mu_);
  size_t n = 0;
  for (auto it = objects_.begin(); it != objects_.end();) {
    if (it->second->expired(now_ms)) {
      ciphertext_bytes_ -= it->second->ciphertext.size();
      it = objects_.erase(it);
      ++n;
    } else {
      ++it;
    }
  }
  return n;
}

size_t ImageRegistry::size() const {
  std::shared_lock lock(mu_);
  return objects_.size();
}

uint64_t ImageRegistry::ciphertext_bytes() const {
  std::shared_lock lock(mu_);
  return ciphertext_bytes_;
}

}  // namespace rcas::control
