#include "tools/rcasctl/print_content.h"

#include <arpa/inet.h>
#include <openssl/err.h>

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "crypto/ossl_ptr.h"

namespace rcas::tools {
namespace {

using protocol::CamClientInfo;
using protocol::CamClientVersion;
using protocol::CamRegConfirmContent;
using protocol::CamRegContent;
using protocol::CassInfo;
using protocol::Content;
using protocol::DecodeError;
using protocol::ImageInfo;
using protocol::kCamIdLen;
using protocol::KeyRegRequestContent;
using protocol::KeyRegResponseConfidential;
using protocol::KeyRegResponseContent;
using protocol::KeyRequestContent;
using protocol::KeyResponseConfidential;
using protocol::KeyResponseContent;
using protocol::LogRequestContent;
using protocol::LogResponseContent;
using protocol::MessageType;
using protocol::PurchaseReportContent;
using protocol::RcasAnnounceContent;
using protocol::RcasRenewalContent;
using protocol::RenewConfirmContent;
using protocol::RenewInfoContent;
using protocol::SequenceOf;
using protocol::StatusContent;

std::string HexOf(uint64_t value, size_t octets) {
  uint8_t buf[8];
  StoreBe64(buf, value);
  return ToHex(ByteView(buf + 8 - octets, octets));
}

// Printable is the text of `v` if every octet is printable ASCII, else nullopt.
std::optional<std::string> Printable(ByteView v) {
  if (v.empty() ||
      !std::all_of(v.begin(), v.end(), [](uint8_t c) { return c >= 0x20 && c < 0x7f; })) {
    return std::nullopt;
  }
  return std::string(v.begin(), v.end());
}

// Cat concatenates by appending (gcc 12 -Wrestrict misfires on `"literal" + std::string`).
template <typename... Parts>
std::string Cat(const Parts&... parts) {
  std::string out;
  (out.append(std::string_view(parts)), ...);
  return out;
}

std::string Quoted(std::string_view s) { return Cat("\"", s, "\""); }

// Coded is "<hex> (<meaning>)" for an enumerated or numeric field.
std::string Coded(uint64_t value, size_t octets, std::string_view meaning) {
  return Cat(HexOf(value, octets), " (", meaning, ")");
}

// Names of the enumerated octets (PROFILE §13.1, §13.7; the two clientType tables differ, E10).
std::string_view ProtocolTypeName(uint8_t v) {
  return v == 0x01 ? "normal mode" : v == 0x02 ? "fast mode" : "unknown: CAMs ignore it";
}
std::string_view AnnounceClientTypeName(uint8_t v) {
  return v == 0x01 ? "CAS" : v == 0x02 ? "ASD" : v == 0x03 ? "DRM" : "reserved";
}
std::string_view RenewClientTypeName(uint8_t v) {
  return v == 0x01 ? "CAS" : v == 0x02 ? "DRM" : v == 0x03 ? "ASD" : "reserved";
}
std::string_view ImageFlagName(uint8_t v) {
  return v == 0x01   ? "common"
         : v == 0x02 ? "individual"
         : v == 0x03 ? "common + individual"
                     : "reserved";
}
std::string_view TransportName(uint8_t v) {
  return v == 0x01 ? "carousel" : v == 0x02 ? "TFTP" : v == 0x03 ? "HTTP" : "reserved";
}

// IpAddrText is the cASSIPAddr literal: ASCII, NUL padded (PROFILE §13.1).
std::string IpAddrText(ByteView field) {
  auto end = std::find(field.begin(), field.end(), uint8_t{0});
  return Quoted(std::string(field.begin(), end));
}

// ScheduleText reads "YYMMDDhhmmss" UTC, "000000000000" = now (PROFILE §13.2).
std::string ScheduleText(ByteView s) {
  const std::string t(s.begin(), s.end());
  if (t == "000000000000") {
    return Quoted(t) + " = now";
  }
  const std::string_view v = t;
  return Cat(Quoted(t), " = 20", v.substr(0, 2), "-", v.substr(2, 2), "-", v.substr(4, 2), " ",
             v.substr(6, 2), ":", v.substr(8, 2), ":", v.substr(10, 2), " UTC");
}

std::string Ipv6Text(ByteView addr) {
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.size() != 16 || inet_ntop(AF_INET6, addr.data(), text, sizeof(text)) == nullptr) {
    return "?";
  }
  return text;
}

// CamIdNote reads the 40-octet cAMID field: CAM_ID then 32 zero octets (PROFILE §2.2).
std::string CamIdNote(ByteView field) {
  const bool zero_pad =
      std::all_of(field.begin() + kCamIdLen, field.end(), [](uint8_t c) { return c == 0; });
  return Cat("CAM_ID ", ToHex(field.first(kCamIdLen)),
             zero_pad ? ", padding zero" : ", padding NOT zero");
}

std::string OpaqueNote(ByteView v) {
  auto text = Printable(v);
  return text ? Quoted(*text) : Cat(std::to_string(v.size()), " octets");
}

std::string CountNote(std::string_view name, size_t n) {
  return Cat(name, " (", std::to_string(n), n == 1 ? " entry)" : " entries)");
}

std::string Index(size_t i) { return Cat("[", std::to_string(i), "]"); }

// Print overloads: one per content type, fields in rcas.asn1 order.

void Print(const FieldPrinter& p, const CassInfo& v) {
  p.Hex("cASSUniqueID", v.cass_id);
  p.Line("cASSIPAddrType", Coded(v.ip_addr_type, 1, v.ip_addr_type == 1 ? "IPv4" : "IPv6"));
  p.Hex("cASSIPAddr", v.ip_addr, IpAddrText(v.ip_addr));
  p.Line("cASSConnectionType", Coded(v.connection_type, 1, v.connection_type == 1 ? "UDP" : "TCP"));
  p.Line("cASSListeningPort", Coded(v.listening_port, 4, std::to_string(v.listening_port)));
}

void Print(const FieldPrinter& p, const CamClientInfo& v) {
  p.Line("clientType", Coded(v.client_type, 1, AnnounceClientTypeName(v.client_type)));
  p.Line("clientPriority", HexOf(v.client_priority, 1));
  p.Line("clientVendor", HexOf(v.client_vendor, 2));
  p.Line("clientVersion", Coded(v.client_version, 2, std::to_string(v.client_version)));
}

void Print(const FieldPrinter& p, const CamClientVersion& v);

template <typename T>
void PrintList(const FieldPrinter& p, std::string_view name, const SequenceOf<T>& list) {
  const FieldPrinter items = p.Nested(CountNote(name, list.size()));
  size_t i = 0;
  for (const T& item : list) {
    Print(items.Nested(Index(i++)), item);
  }
}

void Print(const FieldPrinter& p, const CamClientVersion& v) {
  p.Hex("hWVersion", v.hw_version);
  p.Hex("sWversion", v.sw_version);
  PrintList(p, "cAMClientInfo", v.clients);
}

void Print(const FieldPrinter& p, const RcasAnnounceContent& v) {
  p.Line("protocolTypeFlag",
         Coded(v.protocol_type_flag, 1, ProtocolTypeName(v.protocol_type_flag)));
  PrintList(p, "cAMClientVersion", v.client_versions);
  Print(p.Nested("cASSInfo"), v.cass_info);
}

void Print(const FieldPrinter& p, const RcasRenewalContent& v) {
  p.Hex("downloadSchedule", v.download_schedule, ScheduleText(v.download_schedule));
  if (v.key_request_req) {
    p.Bool("keyRequest-Req", true);
  }
  if (v.purchase_report_req) {
    p.Bool("purchaseReport-Req", true);
  }
}

void Print(const FieldPrinter& p, const KeyRequestContent& v) {
  p.Hex("sessionID", v.session_id);
  p.Hex("keyParingID", v.key_pairing_id, Cat("CAM_ID ", ToHex(v.key_pairing_id.first(kCamIdLen))));
  p.Certificate("cAMCertificate", v.cam_certificate);
}

void Print(const FieldPrinter& p, const KeyResponseContent& v) {
  p.Hex("sessionID", v.session_id);
  p.Certificate("cASSCertificate", v.cass_certificate);
  p.Hex("rSAEncryptedContent", v.rsa_encrypted_content, "RSAES-OAEP ciphertext");
  p.Hex("sIGN-kpk", v.sign_kpk);
}

void Print(const FieldPrinter& p, const KeyResponseConfidential& v) {
  p.Hex("cHK", v.chk);
  p.Hex("iHK", v.ihk);
  p.Hex("rAND-AC-1", v.rand_ac_1);
  p.Hex("rAND-AC-2", v.rand_ac_2);
  p.Hex("rAND-AC-3", v.rand_ac_3);
  p.Hex("kPK", v.kpk);
}

void Print(const FieldPrinter& p, const CamRegContent& v) {
  p.Hex("sessionID", v.session_id);
  p.Hex("nONCE-CAM", v.nonce_cam);
  p.Hex("cAMID", v.cam_id, CamIdNote(v.cam_id));
  p.Hex("hWVersion", v.hw_version);
  p.Hex("sWversion", v.sw_version);
  p.Hex("hashed-MEK-ICCIEK", v.hashed_mek_icciek);
}

void Print(const FieldPrinter& p, const CamRegConfirmContent& v) {
  p.Hex("sessionID", v.session_id);
  p.Hex("mEK-IV", v.mek_iv);
  p.Hex("iCCIEK-IV", v.icciek_iv);
  p.Hex("cCCIEK-IV", v.ccciek_iv);
  p.Hex("cCCIEK", v.ccciek);
}

void Print(const FieldPrinter& p, const ImageInfo& v) {
  if (v.ds_ip) {
    p.Hex("dSIP", *v.ds_ip, Ipv6Text(*v.ds_ip));
  } else {
    p.Line("dSIP", "absent");
  }
  p.Line("tm", Coded(v.tm, 1, TransportName(v.tm)));
  p.Line("fn", v.fn ? Quoted(*v.fn) : std::string("absent"));
}

void Print(const FieldPrinter& p, const RenewInfoContent& v) {
  p.Hex("sessionID", v.session_id);
  p.Line("clientType", Coded(v.client_type, 1, RenewClientTypeName(v.client_type)));
  p.Line("imageFlag", Coded(v.image_flag, 1, ImageFlagName(v.image_flag)));
  const FieldPrinter images = p.Nested(CountNote("imageInfo", v.images().size()));
  for (size_t i = 0; i < v.images().size(); ++i) {
    Print(images.Nested(Index(i)), v.images()[i]);
  }
  if (v.purchase_report_req) {
    p.Bool("purchaseReport-Req", true);
  }
  p.Hex("hashed-CCCI", v.hashed_ccci);
  p.Hex("hashed-ICCI", v.hashed_icci);
  if (v.directives) {
    p.Hex("directives", *v.directives, OpaqueNote(*v.directives));
  }
}

void Print(const FieldPrinter& p, const RenewConfirmContent& v) {
  p.Hex("sessionID", v.session_id);
  p.Bool("downloadStatus", v.download_status);
}

void Print(const FieldPrinter& p, const PurchaseReportContent& v) {
  p.Hex("sessionID", v.session_id);
  p.Hex("purchaseInfo", v.purchase_info, OpaqueNote(v.purchase_info));
}

void Print(const FieldPrinter& p, const StatusContent& v) {
  p.Hex("sessionID", v.session_id);
  p.Line("statusInfo", Coded(v.status_info, 1, protocol::StatusCodeName(v.status_info)));
}

void Print(const FieldPrinter& p, const LogRequestContent& v) {
  p.Hex("sessionID", v.session_id);
  p.Bool("logRequest-Req", true);  // BOOLEAN (TRUE): the decoder accepts nothing else
}

void Print(const FieldPrinter& p, const LogResponseContent& v) {
  p.Hex("sessionID", v.session_id);
  if (v.log_response_info) {
    p.Hex("logResponseInfo", *v.log_response_info, OpaqueNote(*v.log_response_info));
  } else {
    p.Line("logResponseInfo", "absent (nothing to report)");
  }
}

void Print(const FieldPrinter& p, const KeyRegRequestContent& v) {
  p.Hex("sessionID", v.session_id);
  p.Hex("keyPairingID", v.key_pairing_id, Cat("CAM_ID ", ToHex(v.key_pairing_id.first(kCamIdLen))));
  p.Hex("cAMID", v.cam_id, CamIdNote(v.cam_id));
  p.Hex("hWVersion", v.hw_version);
  p.Hex("sWVersion", v.sw_version);
  p.Certificate("cAMCertificate", v.cam_certificate);
}

void Print(const FieldPrinter& p, const KeyRegResponseContent& v) {
  p.Hex("sessionID", v.session_id);
  p.Hex("rSAEncryptedContent", v.rsa_encrypted_content, "RSAES-OAEP ciphertext");
  p.Certificate("cASSCertificate", v.cass_certificate);
}

void Print(const FieldPrinter& p, const KeyRegResponseConfidential& v) {
  p.Hex("aK", v.ak);
  p.Hex("cHK", v.chk);
}

template <Content T>
DecodeError DecodeAndPrint(ByteView der, const FieldPrinter& p) {
  T value;
  const DecodeError e = Decode(der, &value);
  if (e == DecodeError::kNone) {
    Print(p, value);
  }
  return e;
}

std::string Utc(const ASN1_TIME* t) {
  struct tm tm = {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) {
    return "?";
  }
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S", &tm);
  return text;
}

std::optional<std::string> SubjectText(const X509* cert, int nid) {
  const X509_NAME* name = X509_get_subject_name(cert);
  const int idx = X509_NAME_get_index_by_NID(name, nid, -1);
  if (idx < 0) {
    return std::nullopt;
  }
  const ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
  const unsigned char* data = ASN1_STRING_get0_data(s);
  return std::string(reinterpret_cast<const char*>(data),
                     static_cast<size_t>(ASN1_STRING_length(s)));
}

crypto::X509Ptr ParseCertificate(ByteView der) {
  const unsigned char* at = der.data();
  crypto::X509Ptr cert(d2i_X509(nullptr, &at, static_cast<long>(der.size())));  // NOLINT
  if (!cert || at != der.data() + der.size()) {
    ERR_clear_error();
    return nullptr;
  }
  return cert;
}

}  // namespace

void FieldPrinter::Line(std::string_view name, std::string_view value) const {
  out_ << std::string(static_cast<size_t>(indent_), ' ') << name << ": " << value << '\n';
}

void FieldPrinter::Hex(std::string_view name, ByteView value, std::string_view note) const {
  std::string text = ToHex(value);
  if (!note.empty()) {
    text.append(" (").append(note).append(")");
  }
  Line(name, text);
}

void FieldPrinter::Bool(std::string_view name, bool value) const {
  Line(name, value ? "true" : "false");
}

void FieldPrinter::Certificate(std::string_view name, ByteView der) const {
  Hex(name, der, Cat(std::to_string(der.size()), " octets DER"));
  FieldPrinter(out_, indent_ + 2).Line("X.509", CertificateSummary(der));
}

FieldPrinter FieldPrinter::Nested(std::string_view name) const {
  out_ << std::string(static_cast<size_t>(indent_), ' ') << name << ":\n";
  return FieldPrinter(out_, indent_ + 2);
}

std::string_view ContentName(MessageType type) {
  switch (type) {
    case MessageType::kRcasAnnounce:
      return "RcasAncMsgContent";
    case MessageType::kRcasRenewal:
      return "RCASRnMsgContent";
    case MessageType::kKeyRequest:
      return "KeyReqMsgContent";
    case MessageType::kKeyResponse:
      return "KeyRspMsgContent";
    case MessageType::kCamReg:
      return "CamRegMsgContent";
    case MessageType::kCamRegConfirm:
      return "CamRegCnfMsgContent";
    case MessageType::kRenewInfo:
      return "RenewInfoMsgContent";
    case MessageType::kRenewConfirm:
      return "RenewCnfMsgContent";
    case MessageType::kPurchaseReport:
      return "PrchsRptMsgContent";
    case MessageType::kStatus:
      return "StcAMsgContent";
    case MessageType::kLogRequest:
      return "LogRqtMsgContent";
    case MessageType::kLogResponse:
      return "LogRcAMessageContent";
    case MessageType::kKeyRegRequest:
      return "KeyRegReqMsgContent";
    case MessageType::kKeyRegResponse:
      return "KeyRegRspMsgContent";
  }
  return "?";
}

DecodeError PrintContent(MessageType type, ByteView der, const FieldPrinter& p) {
  switch (type) {
    case MessageType::kRcasAnnounce:
      return DecodeAndPrint<RcasAnnounceContent>(der, p);
    case MessageType::kRcasRenewal:
      return DecodeAndPrint<RcasRenewalContent>(der, p);
    case MessageType::kKeyRequest:
      return DecodeAndPrint<KeyRequestContent>(der, p);
    case MessageType::kKeyResponse:
      return DecodeAndPrint<KeyResponseContent>(der, p);
    case MessageType::kCamReg:
      return DecodeAndPrint<CamRegContent>(der, p);
    case MessageType::kCamRegConfirm:
      return DecodeAndPrint<CamRegConfirmContent>(der, p);
    case MessageType::kRenewInfo:
      return DecodeAndPrint<RenewInfoContent>(der, p);
    case MessageType::kRenewConfirm:
      return DecodeAndPrint<RenewConfirmContent>(der, p);
    case MessageType::kPurchaseReport:
      return DecodeAndPrint<PurchaseReportContent>(der, p);
    case MessageType::kStatus:
      return DecodeAndPrint<StatusContent>(der, p);
    case MessageType::kLogRequest:
      return DecodeAndPrint<LogRequestContent>(der, p);
    case MessageType::kLogResponse:
      return DecodeAndPrint<LogResponseContent>(der, p);
    case MessageType::kKeyRegRequest:
      return DecodeAndPrint<KeyRegRequestContent>(der, p);
    case MessageType::kKeyRegResponse:
      return DecodeAndPrint<KeyRegResponseContent>(der, p);
  }
  return DecodeError::kWrongTag;
}

DecodeError PrintKeyResponseConfidential(ByteView der, const FieldPrinter& p) {
  return DecodeAndPrint<KeyResponseConfidential>(der, p);
}

DecodeError PrintKeyRegResponseConfidential(ByteView der, const FieldPrinter& p) {
  return DecodeAndPrint<KeyRegResponseConfidential>(der, p);
}

std::string CertificateSummary(ByteView der) {
  const crypto::X509Ptr cert = ParseCertificate(der);
  if (!cert) {
    return "not an X.509 certificate";
  }
  const auto cn = SubjectText(cert.get(), NID_commonName);
  const auto serial = SubjectText(cert.get(), NID_serialNumber);
  return Cat("subject ", cn ? Quoted(*cn) : std::string("(no CN)"), ", serialNumber ",
             serial ? *serial : std::string("(none)"), ", valid ",
             Utc(X509_get0_notBefore(cert.get())), " .. ", Utc(X509_get0_notAfter(cert.get())),
             " UTC");
}

Result<crypto::RsaPublicKey> CertificateKey(ByteView der) {
  const crypto::X509Ptr cert = ParseCertificate(der);
  if (!cert) {
    return Error{"not an X.509 certificate"};
  }
  EVP_PKEY* key = X509_get0_pubkey(cert.get());
  if (key == nullptr) {
    ERR_clear_error();
    return Error{"certificate has no usable public key"};
  }
  return crypto::RsaPublicKey::Adopt(key);
}

std::optional<std::string> CertificateSerialNumber(ByteView der) {
  const crypto::X509Ptr cert = ParseCertificate(der);
  return cert ? SubjectText(cert.get(), NID_serialNumber) : std::nullopt;
}

}  // namespace rcas::tools
