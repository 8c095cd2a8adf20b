// Decode, Encode and comparison of every content type, driven by the
// schemas in content_schema.h (PROFILE §7).

#include <algorithm>

#include "protocol/content.h"
#include "protocol/content_schema.h"

namespace rcas::protocol {
namespace schema {

DecodeError RenewInfoImages::Decode(ByteView contents, RenewInfoContent* out) noexcept {
  return WalkSequenceOf(contents, &out->image_count, [out](ByteView element, size_t index) {
    ImageInfo extra;
    return DecodeValue(element, index < kMaxImageInfo ? &out->image_info[index] : &extra);
  });
}

bool RenewInfoImages::Encode(DerWriter& w, const RenewInfoContent& in) noexcept {
  if (in.image_count > kMaxImageInfo) {
    return false;
  }
  for (const ImageInfo& image : in.images()) {
    if (!EncodeValue(w, image)) {
      return false;
    }
  }
  return true;
}

bool RenewInfoImages::Equal(const RenewInfoContent& a, const RenewInfoContent& b) noexcept {
  return a.image_count == b.image_count &&
         std::equal(a.images().begin(), a.images().end(), b.images().begin());
}

}  // namespace schema

template <Content T>
DecodeError Decode(ByteView in, T* out) noexcept {
  DerReader reader(in);
  DerReader contents;
  if (!reader.ReadSequence(&contents)) {
    return reader.error();
  }
  if (!reader.empty()) {
    return DecodeError::kTrailingOctets;  // §7.1
  }
  return schema::DecodeValue(contents.data(), out);
}

template <Content T>
size_t EncodedLength(const T& value) noexcept {
  DerWriter counter;
  return schema::EncodeValue(counter, value) ? counter.size() : 0;
}

template <Content T>
size_t Encode(const T& value, MutableByteView out) noexcept {
  DerWriter writer(out);
  return schema::EncodeValue(writer, value) ? writer.size() : 0;
}

template <Content T>
bool Encode(const T& value, Bytes* out) {
  const size_t len = EncodedLength(value);
  if (len == 0) {
    return false;
  }
  Bytes der(len);
  if (Encode(value, MutableByteView(der)) != len) {
    return false;
  }
  *out = std::move(der);
  return true;
}

template <Content T>
bool operator==(const T& a, const T& b) noexcept {
  return schema::FieldsEqual(schema::FieldsOf<T>(), a, b);
}

#define RCAS_INSTANTIATE_CODEC(T)                                \
  template DecodeError Decode<T>(ByteView, T*) noexcept;         \
  template size_t EncodedLength<T>(const T&) noexcept;           \
  template size_t Encode<T>(const T&, MutableByteView) noexcept; \
  template bool Encode<T>(const T&, Bytes*);                     \
  template bool operator==<T>(const T&, const T&) noexcept;
RCAS_CONTENT_TYPES(RCAS_INSTANTIATE_CODEC)
#undef RCAS_INSTANTIATE_CODEC

std::optional<ByteView> PeekSessionId(ByteView content) noexcept {
  // Only the SEQUENCE header is parsed, so a damaged tail does not hide the
  // sessionID (§23.1); the first component itself must be well-formed.
  DerReader reader(content);
  DerTag tag;
  size_t len = 0;
  if (!reader.ReadHeader(&tag, &len) || tag != DerTag{kClassUniversal, true, kTagSequence}) {
    return std::nullopt;
  }
  ComponentReader components(reader.data().first(std::min(len, reader.remaining())));
  ByteView session_id;
  if (!components.Next(0, ComponentForm::kString, &session_id, nullptr) ||
      session_id.size() != kSessionIdLen) {
    return std::nullopt;
  }
  return session_id;
}

}  // namespace rcas::protocol
