#pragma once
// SequenceOf<T>: a SEQUENCE OF without allocation. Decoded, it keeps the
// validated DER contents and the element count and decodes each element
// again while iterating; built for encoding, it views caller-owned values.

#include <cstddef>
#include <iterator>
#include <span>

#include "crypto/bytes.h"
#include "protocol/der_reader.h"

namespace rcas::protocol {

template <typename T>
class SequenceOf {
 public:
  class Iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = const T*;
    using reference = const T&;

    Iterator() noexcept = default;
    const T& operator*() const noexcept { return current_; }
    const T* operator->() const noexcept { return &current_; }
    Iterator& operator++() noexcept {
      ++index_;
      Load();
      return *this;
    }
    Iterator operator++(int) noexcept {
      Iterator old = *this;
      ++*this;
      return old;
    }
    friend bool operator==(const Iterator& a, const Iterator& b) noexcept {
      return a.index_ == b.index_;
    }

   private:
    friend class SequenceOf;
    Iterator(const SequenceOf* seq, size_t index) noexcept
        : seq_(seq), index_(index), reader_(seq->der_) {
      Load();
    }
    void Load() noexcept {
      if (index_ >= seq_->count_) {
        return;
      }
      if (!seq_->from_der_) {
        current_ = seq_->values_[index_];
        return;
      }
      DerTag tag;
      ByteView contents;
      ByteView element;
      current_ = T{};
      if (reader_.ReadElement(&tag, &contents, &element)) {
        (void)Decode(element, &current_);  // validated when the sequence was decoded
      }
    }

    const SequenceOf* seq_ = nullptr;
    size_t index_ = 0;
    DerReader reader_;
    T current_{};
  };

  constexpr SequenceOf() noexcept = default;

  // Values views `values` for encoding; they must outlive this object.
  static constexpr SequenceOf Values(std::span<const T> values) noexcept {
    SequenceOf s;
    s.values_ = values;
    s.count_ = values.size();
    return s;
  }

  // FromValidatedDer is the decoder's constructor: `contents` are the
  // contents octets of a SEQUENCE OF already checked to hold `count` valid
  // elements. Views the input; it must outlive this object.
  static constexpr SequenceOf FromValidatedDer(ByteView contents, size_t count) noexcept {
    SequenceOf s;
    s.der_ = contents;
    s.count_ = count;
    s.from_der_ = true;
    return s;
  }

  constexpr size_t size() const noexcept { return count_; }
  constexpr bool empty() const noexcept { return count_ == 0; }
  Iterator begin() const noexcept { return Iterator(this, 0); }
  Iterator end() const noexcept { return Iterator(this, count_); }

  // Equal elements in the same order, however each side is held.
  friend bool operator==(const SequenceOf& a, const SequenceOf& b) noexcept {
    if (a.size() != b.size()) {
      return false;
    }
    for (auto i = a.begin(), j = b.begin(); i != a.end(); ++i, ++j) {
      if (!(*i == *j)) {
        return false;
      }
    }
    return true;
  }

 private:
  std::span<const T> values_;
  ByteView der_;
  size_t count_ = 0;
  bool from_der_ = false;
};

}  // namespace rcas::protocol
