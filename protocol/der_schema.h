#pragma once
// Table-driven SEQUENCE codec (codec-internal). A schema is an array of
// Field<T>, one per component in textual order, so the array index is the
// AUTOMATIC TAG number (PROFILE §7.3). One table per type drives decode,
// encode and comparison, so the three cannot disagree.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

#include "protocol/der_reader.h"
#include "protocol/der_writer.h"

namespace rcas::protocol::schema {

enum class Kind : uint8_t {
  kOctets,        // OCTET STRING -> ByteView (size 0 = unconstrained)
  kOptOctets,     // OCTET STRING OPTIONAL -> std::optional<ByteView>
  kUnsigned,      // OCTET STRING (SIZE(1|2|4)) -> uint8_t/uint16_t/uint32_t
  kBits,          // BIT STRING, unused bits 0 -> ByteView (size 0 = any)
  kBoolean,       // BOOLEAN -> bool
  kTrue,          // BOOLEAN (TRUE), mandatory: nothing stored
  kOptTrue,       // BOOLEAN (TRUE) OPTIONAL -> bool (present)
  kOptPrintable,  // PrintableString OPTIONAL -> std::optional<std::string_view>
  kNested,        // constructed component, through the three hooks
};

template <typename T>
struct Field {
  Kind kind;
  uint16_t size = 0;
  ByteView T::*view = nullptr;
  std::optional<ByteView> T::*opt_view = nullptr;
  std::optional<std::string_view> T::*opt_text = nullptr;
  uint8_t T::*u8 = nullptr;
  uint16_t T::*u16 = nullptr;
  uint32_t T::*u32 = nullptr;
  bool T::*flag = nullptr;
  // kNested: contents of [i] -> value; value -> contents; comparison.
  DecodeError (*decode)(ByteView contents, T* out) noexcept = nullptr;
  bool (*encode)(DerWriter& w, const T& in) noexcept = nullptr;
  bool (*equal)(const T& a, const T& b) noexcept = nullptr;
};

template <typename T>
constexpr Field<T> Octets(uint16_t size, ByteView T::*m) {
  return {.kind = Kind::kOctets, .size = size, .view = m};
}
template <typename T>
constexpr Field<T> OptOctets(uint16_t size, std::optional<ByteView> T::*m) {
  return {.kind = Kind::kOptOctets, .size = size, .opt_view = m};
}
template <typename T>
constexpr Field<T> Unsigned(uint8_t T::*m) {
  return {.kind = Kind::kUnsigned, .size = 1, .u8 = m};
}
template <typename T>
constexpr Field<T> Unsigned(uint16_t T::*m) {
  return {.kind = Kind::kUnsigned, .size = 2, .u16 = m};
}
template <typename T>
constexpr Field<T> Unsigned(uint32_t T::*m) {
  return {.kind = Kind::kUnsigned, .size = 4, .u32 = m};
}
template <typename T>
constexpr Field<T> Bits(uint16_t size, ByteView T::*m) {
  return {.kind = Kind::kBits, .size = size, .view = m};
}
template <typename T>
constexpr Field<T> Boolean(bool T::*m) {
  return {.kind = Kind::kBoolean, .flag = m};
}
template <typename T>
constexpr Field<T> True() {
  return {.kind = Kind::kTrue};
}
template <typename T>
constexpr Field<T> OptTrue(bool T::*m) {
  return {.kind = Kind::kOptTrue, .flag = m};
}
template <typename T>
constexpr Field<T> OptPrintable(std::optional<std::string_view> T::*m) {
  return {.kind = Kind::kOptPrintable, .opt_text = m};
}
template <typename T>
constexpr Field<T> Nested(DecodeError (*decode)(ByteView, T*) noexcept,
                          bool (*encode)(DerWriter&, const T&) noexcept,
                          bool (*equal)(const T&, const T&) noexcept) {
  return {.kind = Kind::kNested, .decode = decode, .encode = encode, .equal = equal};
}

inline bool SizeOk(uint16_t size, ByteView v) noexcept { return size == 0 || v.size() == size; }

inline bool SameBytes(ByteView a, ByteView b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

inline ByteView TextView(std::string_view s) noexcept { return AsView(s); }

constexpr ComponentForm FormOf(Kind kind) noexcept {
  switch (kind) {
    case Kind::kBoolean:
    case Kind::kTrue:
    case Kind::kOptTrue:
      return ComponentForm::kPrimitive;
    case Kind::kNested:
      return ComponentForm::kConstructed;
    default:
      return ComponentForm::kString;
  }
}

constexpr bool IsOptional(Kind kind) noexcept {
  return kind == Kind::kOptOctets || kind == Kind::kOptTrue || kind == Kind::kOptPrintable;
}

// DecodeOne stores the contents `c` of a present component. Always inlined
// with a constant `f`, so each component compiles to straight-line code.
template <typename T>
[[gnu::always_inline]] inline DecodeError DecodeOne(const Field<T>& f, ByteView c,
                                                    T* out) noexcept {
  switch (f.kind) {
    case Kind::kOctets:
      out->*f.view = c;
      return SizeOk(f.size, c) ? DecodeError::kNone : DecodeError::kSize;
    case Kind::kOptOctets:
      out->*f.opt_view = c;
      return SizeOk(f.size, c) ? DecodeError::kNone : DecodeError::kSize;
    case Kind::kUnsigned: {
      if (c.size() != f.size) {
        return DecodeError::kSize;
      }
      uint32_t v = 0;
      for (const uint8_t b : c) {
        v = (v << 8) | b;
      }
      if (f.u8 != nullptr) {
        out->*f.u8 = static_cast<uint8_t>(v);
      } else if (f.u16 != nullptr) {
        out->*f.u16 = static_cast<uint16_t>(v);
      } else {
        out->*f.u32 = v;
      }
      return DecodeError::kNone;
    }
    case Kind::kBits: {
      ByteView bits;
      const DecodeError e = ParseBitString(c, &bits);
      if (e != DecodeError::kNone) {
        return e;
      }
      out->*f.view = bits;
      return SizeOk(f.size, bits) ? DecodeError::kNone : DecodeError::kSize;
    }
    case Kind::kBoolean:
    case Kind::kTrue:
    case Kind::kOptTrue: {
      bool v = false;
      const DecodeError e = ParseBoolean(c, &v);
      if (e != DecodeError::kNone) {
        return e;
      }
      if (f.kind != Kind::kBoolean && !v) {
        return DecodeError::kBooleanFalse;  // BOOLEAN (TRUE), §7.3
      }
      if (f.flag != nullptr) {
        out->*f.flag = v;
      }
      return DecodeError::kNone;
    }
    case Kind::kOptPrintable:
      if (!IsPrintableString(c)) {
        return DecodeError::kPrintableCharset;
      }
      out->*f.opt_text = std::string_view(reinterpret_cast<const char*>(c.data()), c.size());
      return DecodeError::kNone;
    case Kind::kNested:
      return f.decode(c, out);
  }
  return DecodeError::kWrongTag;
}

// ForEachField calls f(std::integral_constant<size_t, I>) for each index of
// Table::kFields in order while it returns true (unrolled at compile time).
template <typename Table, typename F>
[[gnu::always_inline]] inline bool ForEachField(F&& f) {
  return [&]<size_t... I>(std::index_sequence<I...>) {
    return (f(std::integral_constant<size_t, I>{}) && ...);
  }
  (std::make_index_sequence<std::size(Table::kFields)>{});
}

// DecodeFields decodes the contents of a SEQUENCE whose components are
// Table::kFields into *out.
template <typename Table, typename T>
DecodeError DecodeFields(ByteView contents, T* out) noexcept {
  ComponentReader r(contents);
  DecodeError e = DecodeError::kNone;
  const bool ok = ForEachField<Table>([&](auto index) {
    constexpr const Field<T>& f = Table::kFields[index];
    ByteView c;
    bool present = true;
    if (!r.Next(index, FormOf(f.kind), &c, IsOptional(f.kind) ? &present : nullptr)) {
      e = r.error();
      return false;
    }
    if (present) {
      e = DecodeOne(f, c, out);
    } else if constexpr (f.kind == Kind::kOptOctets) {
      out->*f.opt_view = std::nullopt;
    } else if constexpr (f.kind == Kind::kOptPrintable) {
      out->*f.opt_text = std::nullopt;
    } else if constexpr (f.kind == Kind::kOptTrue) {
      out->*f.flag = false;
    }
    return e == DecodeError::kNone;
  });
  if (!ok) {
    return e;
  }
  return r.Finish() ? DecodeError::kNone : r.error();
}

// EncodeOne writes component [i] of `in`; false if it breaks its SIZE or
// charset constraint or the writer is full.
template <typename T>
[[gnu::always_inline]] inline bool EncodeOne(DerWriter& w, const Field<T>& f, size_t i,
                                             const T& in) noexcept {
  const auto prim = static_cast<uint8_t>(kClassContext | i);
  switch (f.kind) {
    case Kind::kOctets:
      return SizeOk(f.size, in.*f.view) && w.AddPrimitive(prim, in.*f.view);
    case Kind::kOptOctets:
      return !(in.*f.opt_view) ||
             (SizeOk(f.size, *(in.*f.opt_view)) && w.AddPrimitive(prim, *(in.*f.opt_view)));
    case Kind::kUnsigned:
      return w.AddUnsigned(prim,
                           f.u8 != nullptr    ? in.*f.u8
                           : f.u16 != nullptr ? in.*f.u16
                                              : in.*f.u32,
                           f.size);
    case Kind::kBits:
      return SizeOk(f.size, in.*f.view) && w.AddBitString(prim, in.*f.view);
    case Kind::kBoolean:
      return w.AddBoolean(prim, in.*f.flag);
    case Kind::kTrue:
      return w.AddBoolean(prim, true);
    case Kind::kOptTrue:
      return !(in.*f.flag) || w.AddBoolean(prim, true);
    case Kind::kOptPrintable:
      return !(in.*f.opt_text) || (IsPrintableString(TextView(*(in.*f.opt_text))) &&
                                   w.AddPrimitive(prim, TextView(*(in.*f.opt_text))));
    case Kind::kNested: {
      size_t mark = 0;
      return w.Begin(static_cast<uint8_t>(prim | kConstructedBit), &mark) && f.encode(w, in) &&
             w.End(mark);
    }
  }
  return false;
}

// EncodeFields writes the components of `in` (not the enclosing header).
template <typename Table, typename T>
bool EncodeFields(DerWriter& w, const T& in) noexcept {
  return ForEachField<Table>(
      [&](auto index) { return EncodeOne(w, Table::kFields[index], index, in); });
}

// FieldsEqual compares two values component by component, by content.
template <typename T>
bool FieldsEqual(std::span<const Field<T>> fields, const T& a, const T& b) noexcept {
  for (const Field<T>& f : fields) {
    bool same = true;
    switch (f.kind) {
      case Kind::kOctets:
      case Kind::kBits:
        same = SameBytes(a.*f.view, b.*f.view);
        break;
      case Kind::kOptOctets:
        same = (a.*f.opt_view).has_value() == (b.*f.opt_view).has_value() &&
               (!(a.*f.opt_view) || SameBytes(*(a.*f.opt_view), *(b.*f.opt_view)));
        break;
      case Kind::kUnsigned:
        same = f.u8 != nullptr    ? a.*f.u8 == b.*f.u8
               : f.u16 != nullptr ? a.*f.u16 == b.*f.u16
                                  : a.*f.u32 == b.*f.u32;
        break;
      case Kind::kBoolean:
      case Kind::kOptTrue:
        same = a.*f.flag == b.*f.flag;
        break;
      case Kind::kTrue:
        break;
      case Kind::kOptPrintable:
        same = a.*f.opt_text == b.*f.opt_text;
        break;
      case Kind::kNested:
        same = f.equal(a, b);
        break;
    }
    if (!same) {
      return false;
    }
  }
  return true;
}

}  // namespace rcas::protocol::schema
