#pragma once
// Secret containers that wipe themselves (OPENSSL_cleanse) when destroyed or
// reassigned. Keys and key material live only in these types.

#include <openssl/crypto.h>

#include <array>
#include <cstdint>
#include <vector>

#include "crypto/bytes.h"

namespace rcas::crypto {

// SecretArray<N>: a fixed-size secret, e.g. a 16-octet AES key.
template <size_t N>
class SecretArray {
 public:
  SecretArray() { data_.fill(0); }
  explicit SecretArray(ByteView v) {
    data_.fill(0);
    CopyTo(data_, v);
  }
  SecretArray(const SecretArray&) = default;
  SecretArray& operator=(const SecretArray& o) {
    if (this != &o) {
      data_ = o.data_;
    }
    return *this;
  }
  ~SecretArray() { OPENSSL_cleanse(data_.data(), N); }

  static constexpr size_t size() { return N; }
  uint8_t* data() { return data_.data(); }
  const uint8_t* data() const { return data_.data(); }
  ByteView view() const { return {data_.data(), N}; }
  MutableByteView mutable_view() { return {data_.data(), N}; }
  uint8_t& operator[](size_t i) { return data_[i]; }
  uint8_t operator[](size_t i) const { return data_[i]; }

 private:
  std::array<uint8_t, N> data_;
};

// SecretBytes: a variable-size secret buffer.
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(size_t n) : data_(n, 0) {}
  explicit SecretBytes(ByteView v) : data_(v.begin(), v.end()) {}
  SecretBytes(const SecretBytes&) = default;
  SecretBytes(SecretBytes&& o) noexcept : data_(std::move(o.data_)) { o.data_.clear(); }
  SecretBytes& operator=(const SecretBytes& o) {
    if (this != &o) {
      Wipe();
      data_ = o.data_;
    }
    return *this;
  }
  SecretBytes& operator=(SecretBytes&& o) noexcept {
    if (this != &o) {
      Wipe();
      data_ = std::move(o.data_);
      o.data_.clear();
    }
    return *this;
  }
  ~SecretBytes() { Wipe(); }

  size_t size() const { return data_.size(); }
  bool empty() const { return data_.empty(); }
  uint8_t* data() { return data_.data(); }
  const uint8_t* data() const { return data_.data(); }
  ByteView view() const { return data_; }
  MutableByteView mutable_view() { return data_; }
  void resize(size_t n) { data_.resize(n, 0); }

 private:
  void Wipe() {
    if (!data_.empty()) {
      OPENSSL_cleanse(data_.data(), data_.size());
    }
  }
  std::vector<uint8_t> data_;
};

using AesKey = SecretArray<16>;

}  // namespace rcas::crypto
