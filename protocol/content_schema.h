#pragma once
// Schemas of the content types (codec-internal; PROFILE §7.4, rcas.asn1).
// Each table lists the components in textual order: index = [i] tag.

#include <span>

#include "protocol/content.h"
#include "protocol/der_schema.h"

namespace rcas::protocol::schema {

template <typename T>
struct Schema;

template <typename T>
constexpr std::span<const Field<T>> FieldsOf() noexcept {
  return std::span<const Field<T>>(Schema<T>::kFields);
}

// DecodeValue decodes the contents of one SEQUENCE value of T and applies
// its profile rules.
template <typename T>
DecodeError DecodeValue(ByteView contents, T* out) noexcept {
  const DecodeError e = DecodeFields<Schema<T>>(contents, out);
  return e != DecodeError::kNone ? e : Validate(*out);
}

// EncodeValue writes one value of T as a universal SEQUENCE.
template <typename T>
bool EncodeValue(DerWriter& w, const T& in) noexcept {
  size_t mark = 0;
  return Validate(in) == DecodeError::kNone && w.Begin(kConstructedBit | kTagSequence, &mark) &&
         EncodeFields<Schema<T>>(w, in) && w.End(mark);
}

// WalkSequenceOf calls decode(element contents, index) for each element of
// SEQUENCE OF contents (elements are universal SEQUENCEs) and sets *count.
template <typename F>
DecodeError WalkSequenceOf(ByteView contents, size_t* count, F&& decode) noexcept {
  DerReader r(contents);
  size_t n = 0;
  for (; !r.empty(); ++n) {
    DerReader element;
    if (!r.ReadSequence(&element)) {
      return r.error();
    }
    if (const DecodeError e = decode(element.data(), n); e != DecodeError::kNone) {
      return e;
    }
  }
  *count = n;
  return DecodeError::kNone;
}

// SeqOf: hooks for a SEQUENCE OF E member (elements are universal SEQUENCEs).
template <typename T, typename E, SequenceOf<E> T::*M>
struct SeqOf {
  static DecodeError Decode(ByteView contents, T* out) noexcept {
    size_t count = 0;
    const DecodeError e = WalkSequenceOf(contents, &count, [](ByteView element, size_t) {
      E value{};
      return DecodeValue(element, &value);
    });
    if (e == DecodeError::kNone) {
      out->*M = SequenceOf<E>::FromValidatedDer(contents, count);
    }
    return e;
  }
  static bool Encode(DerWriter& w, const T& in) noexcept {
    for (const E& value : in.*M) {
      if (!EncodeValue(w, value)) {
        return false;
      }
    }
    return true;
  }
  static bool Equal(const T& a, const T& b) noexcept { return a.*M == b.*M; }
  static constexpr Field<T> kField = Nested<T>(Decode, Encode, Equal);
};

// Struct: hooks for a SEQUENCE member S under its [i] tag.
template <typename T, typename S, S T::*M>
struct Struct {
  static DecodeError Decode(ByteView contents, T* out) noexcept {
    return DecodeValue(contents, &(out->*M));
  }
  static bool Encode(DerWriter& w, const T& in) noexcept {
    return Validate(in.*M) == DecodeError::kNone && EncodeFields<Schema<S>>(w, in.*M);
  }
  static bool Equal(const T& a, const T& b) noexcept { return a.*M == b.*M; }
  static constexpr Field<T> kField = Nested<T>(Decode, Encode, Equal);
};

// RenewInfo's imageInfo: at most kMaxImageInfo kept in place. More are
// still checked and counted, so Validate reports image-count (§13.7) only
// when the rest of the value is well-formed.
struct RenewInfoImages {
  static DecodeError Decode(ByteView contents, RenewInfoContent* out) noexcept;
  static bool Encode(DerWriter& w, const RenewInfoContent& in) noexcept;
  static bool Equal(const RenewInfoContent& a, const RenewInfoContent& b) noexcept;
  static constexpr Field<RenewInfoContent> kField = Nested<RenewInfoContent>(Decode, Encode, Equal);
};

template <>
struct Schema<CassInfo> {
  using T = CassInfo;
  static constexpr Field<T> kFields[] = {
      Octets(kCassIdLen, &T::cass_id),     Unsigned(&T::ip_addr_type),
      Octets(kCassIpAddrLen, &T::ip_addr), Unsigned(&T::connection_type),
      Unsigned(&T::listening_port),
  };
};

template <>
struct Schema<CamClientInfo> {
  using T = CamClientInfo;
  static constexpr Field<T> kFields[] = {
      Unsigned(&T::client_type),
      Unsigned(&T::client_priority),
      Unsigned(&T::client_vendor),
      Unsigned(&T::client_version),
  };
};

template <>
struct Schema<CamClientVersion> {
  using T = CamClientVersion;
  static constexpr Field<T> kFields[] = {
      Octets(kProtocolVersionFieldLen, &T::hw_version),
      Octets(kProtocolVersionFieldLen, &T::sw_version),
      SeqOf<T, CamClientInfo, &T::clients>::kField,
  };
};

template <>
struct Schema<RcasAnnounceContent> {
  using T = RcasAnnounceContent;
  static constexpr Field<T> kFields[] = {
      Unsigned(&T::protocol_type_flag),
      SeqOf<T, CamClientVersion, &T::client_versions>::kField,
      Struct<T, CassInfo, &T::cass_info>::kField,
  };
};

template <>
struct Schema<RcasRenewalContent> {
  using T = RcasRenewalContent;
  static constexpr Field<T> kFields[] = {
      Octets(kDownloadScheduleLen, &T::download_schedule),
      OptTrue(&T::key_request_req),
      OptTrue(&T::purchase_report_req),
  };
};

template <>
struct Schema<KeyRequestContent> {
  using T = KeyRequestContent;
  static constexpr Field<T> kFields[] = {
      Octets(kSessionIdLen, &T::session_id),
      Octets(kKeyPairingIdLen, &T::key_pairing_id),
      Bits(0, &T::cam_certificate),
  };
};

template <>
struct Schema<KeyResponseContent> {
  using T = KeyResponseContent;
  static constexpr Field<T> kFields[] = {
      Octets(kSessionIdLen, &T::session_id),
      Bits(0, &T::cass_certificate),
      Bits(kRsaCiphertextLen, &T::rsa_encrypted_content),
      Octets(kSignatureLen, &T::sign_kpk),
  };
};

template <>
struct Schema<KeyResponseConfidential> {
  using T = KeyResponseConfidential;
  static constexpr Field<T> kFields[] = {
      Octets(kSha1FieldLen, &T::chk),    Octets(kSha1FieldLen, &T::ihk),
      Octets(kRandAcLen, &T::rand_ac_1), Octets(kRandAcLen, &T::rand_ac_2),
      Octets(kRandAcLen, &T::rand_ac_3), Octets(kSha1FieldLen, &T::kpk),
  };
};

template <>
struct Schema<CamRegContent> {
  using T = CamRegContent;
  static constexpr Field<T> kFields[] = {
      Octets(kSessionIdLen, &T::session_id),
      Octets(kNonceCamLen, &T::nonce_cam),
      Octets(kCamIdFieldLen, &T::cam_id),
      Octets(kProtocolVersionFieldLen, &T::hw_version),
      Octets(kProtocolVersionFieldLen, &T::sw_version),
      Octets(kSha1FieldLen, &T::hashed_mek_icciek),
  };
};

template <>
struct Schema<CamRegConfirmContent> {
  using T = CamRegConfirmContent;
  static constexpr Field<T> kFields[] = {
      Octets(kSessionIdLen, &T::session_id), Octets(kAesFieldLen, &T::mek_iv),
      Octets(kAesFieldLen, &T::icciek_iv),   Octets(kAesFieldLen, &T::ccciek_iv),
      Octets(kAesFieldLen, &T::ccciek),
  };
};

template <>
struct Schema<ImageInfo> {
  using T = ImageInfo;
  static constexpr Field<T> kFields[] = {
      OptOctets(kDsIpLen, &T::ds_ip),
      Unsigned(&T::tm),
      OptPrintable(&T::fn),
  };
};

template <>
struct Schema<RenewInfoContent> {
  using T = RenewInfoContent;
  static constexpr Field<T> kFields[] = {
      Octets(kSessionIdLen, &T::session_id),
      Unsigned(&T::client_type),
      Unsigned(&T::image_flag),
      RenewInfoImages::kField,
      OptTrue(&T::purchase_report_req),
      Octets(kSha1FieldLen, &T::hashed_ccci),
      Octets(kSha1FieldLen, &T::hashed_icci),
      OptOctets(0, &T::directives),
  };
};

template <>
struct Schema<RenewConfirmContent> {
  using T = RenewConfirmContent;
  static constexpr Field<T> kFields[] = {
      Octets(kSessionIdLen, &T::session_id),
      Boolean(&T::download_status),
  };
};

template <>
struct Schema<PurchaseReportContent> {
  using T = PurchaseReportContent;
  static constexpr Field<T> kFields[] = {
      Octets(kSessionIdLen, &T::session_id),
      Octets(0, &T::purchase_info),
  };
};

template <>
struct Schema<StatusContent> {
  using T = StatusContent;
  static constexpr Field<T> kFields[] = {
      Octets(kSessionIdLen, &T::session_id),
      Unsigned(&T::status_info),
  };
};

template <>
struct Schema<LogRequestContent> {
  using T = LogRequestContent;
  static constexpr Field<T> kFields[] = {
      Octets(kSessionIdLen, &T::session_id),
      True<T>(),
  };
};

template <>
struct Schema<LogResponseContent> {
  using T = LogResponseContent;
  static constexpr Field<T> kFields[] = {
      Octets(kSessionIdLen, &T::session_id),
      OptOctets(0, &T::log_response_info),
  };
};

template <>
struct Schema<KeyRegRequestContent> {
  using T = KeyRegRequestContent;
  static constexpr Field<T> kFields[] = {
      Octets(kSessionIdLen, &T::session_id),
      Octets(kKeyPairingIdLen, &T::key_pairing_id),
      Octets(kCamIdFieldLen, &T::cam_id),
      Octets(kProtocolVersionFieldLen, &T::hw_version),
      Octets(kProtocolVersionFieldLen, &T::sw_version),
      Bits(0, &T::cam_certificate),
  };
};

template <>
struct Schema<KeyRegResponseContent> {
  using T = KeyRegResponseContent;
  static constexpr Field<T> kFields[] = {
      Octets(kSessionIdLen, &T::session_id),
      Bits(kRsaCiphertextLen, &T::rsa_encrypted_content),
      Bits(0, &T::cass_certificate),
  };
};

template <>
struct Schema<KeyRegResponseConfidential> {
  using T = KeyRegResponseConfidential;
  static constexpr Field<T> kFields[] = {
      Octets(kAesFieldLen, &T::ak),
      Octets(kSha1FieldLen, &T::chk),
  };
};

}  // namespace rcas::protocol::schema
